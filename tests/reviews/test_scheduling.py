"""Cadences and the meetings generated from them: ahead, never twice, moved, DST-safe."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from reviews import services
from reviews.models import Cadence, Meeting, MeetingStatus, Tier
from reviews.schedule import occurrences
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db


def test_every_new_engagement_gets_three_cadences(engagement):
    tiers = set(Cadence.objects.filter(engagement=engagement).values_list("tier", flat=True))
    assert tiers == set(Tier.values)
    frequencies = dict(
        Cadence.objects.filter(engagement=engagement).values_list("tier", "frequency")
    )
    assert frequencies == {
        "operational": "weekly",
        "tactical": "monthly",
        "strategic": "quarterly",
    }


@time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False)
def test_schedule_twice_creates_each_meeting_once(engagement):
    call_command("schedule_reviews", "--engagement", engagement.slug)
    first = list(Meeting.objects.filter(engagement=engagement).values_list("pk", "starts_at"))
    assert len(first) == 12  # the next 4 of each of the 3 cadences
    call_command("schedule_reviews")
    again = list(Meeting.objects.filter(engagement=engagement).values_list("pk", "starts_at"))
    assert sorted(again) == sorted(first)


@time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False)
def test_quarterly_meets_in_each_quarters_first_month(engagement):
    services.reviews_schedule(engagement=engagement)
    starts = Meeting.objects.filter(engagement=engagement, tier=Tier.STRATEGIC).values_list(
        "starts_at", flat=True
    )
    assert [s.date().isoformat() for s in starts] == [
        "2026-04-15",
        "2026-07-15",
        "2026-10-15",
        "2027-01-15",
    ]


def test_a_cadence_change_moves_upcoming_meetings_but_not_past_ones(engagement, hr_lead):
    cadence = Cadence.objects.get(engagement=engagement, tier=Tier.OPERATIONAL)
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False):
        services.reviews_schedule(engagement=engagement)
    first = Meeting.objects.filter(cadence=cadence).order_by("starts_at").first()
    with time_machine.travel(datetime(2026, 3, 4, 12, 0, tzinfo=UTC), tick=False):
        # The Tuesday meeting of 3 March is now past; Thursdays from now on.
        services.cadence_update(actor=hr_lead, cadence=cadence, weekday=3)
        services.reviews_schedule(engagement=engagement)
    first.refresh_from_db()
    assert first.starts_at == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    upcoming = Meeting.objects.filter(
        cadence=cadence, starts_at__gt=datetime(2026, 3, 4, tzinfo=UTC)
    ).exclude(status=MeetingStatus.CANCELLED)
    assert [m.starts_at.weekday() for m in upcoming] == [3, 3, 3, 3]
    assert Meeting.objects.filter(cadence=cadence).count() == 5


def test_across_a_daylight_saving_change_the_local_time_stays(engagement, hr_lead):
    """Europe/Berlin springs forward on 29 March 2026: 09:00 local is 08:00 then 07:00 UTC."""
    cadence = Cadence.objects.get(engagement=engagement, tier=Tier.OPERATIONAL)
    with time_machine.travel(datetime(2026, 3, 16, 12, 0, tzinfo=UTC), tick=False):
        services.cadence_update(
            actor=hr_lead, cadence=cadence, timezone="Europe/Berlin", time=time(9, 0)
        )
        services.reviews_schedule(engagement=engagement)
        services.reviews_schedule(engagement=engagement)
    starts = list(Meeting.objects.filter(cadence=cadence).values_list("starts_at", flat=True))
    assert [(s.date().isoformat(), s.hour) for s in starts] == [
        ("2026-03-17", 8),
        ("2026-03-24", 8),
        ("2026-03-31", 7),
        ("2026-04-07", 7),
    ]
    assert {m.local_start.hour for m in Meeting.objects.filter(cadence=cadence)} == {9}


def test_occurrences_skip_nothing_and_never_return_the_past():
    after = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    found = occurrences(
        frequency="weekly",
        weekday=1,
        day_of_month=1,
        at=time(2, 30),
        timezone="America/New_York",
        after=after,
        count=3,
    )
    assert all(f > after for f in found) and len(found) == 3
    # US fall-back on 1 November: 02:30 EDT is 06:30 UTC, 02:30 EST 07:30 UTC.
    assert [(f.day, f.hour) for f in found] == [(27, 6), (3, 7), (10, 7)]


def test_cancelled_slot_is_not_generated_again(engagement, account_manager):
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False):
        services.reviews_schedule(engagement=engagement)
        meeting = Meeting.objects.filter(tier=Tier.OPERATIONAL, engagement=engagement).first()
        services.meeting_cancel(actor=account_manager, meeting=meeting, reason="Offsite.")
        services.reviews_schedule(engagement=engagement)
    live = Meeting.objects.filter(engagement=engagement, tier=Tier.OPERATIONAL).exclude(
        status=MeetingStatus.CANCELLED
    )
    assert live.count() == 4
    assert not live.filter(starts_at=meeting.starts_at).exists()


def test_unknown_timezone_is_refused_and_nothing_changes(engagement, hr_lead):
    from django.core.exceptions import ValidationError

    cadence = Cadence.objects.get(engagement=engagement, tier=Tier.TACTICAL)
    with pytest.raises(ValidationError) as error:
        services.cadence_update(actor=hr_lead, cadence=cadence, timezone="Mars/Olympus")
    assert "timezone" in error.value.message_dict
    assert Cadence.objects.get(pk=cadence.pk).timezone == "UTC"


def test_schedule_command_rejects_an_unknown_engagement():
    from django.core.management.base import CommandError

    EngagementFactory()
    with pytest.raises(CommandError):
        call_command("schedule_reviews", "--engagement", "nope")


@pytest.mark.parametrize(
    "status", [MeetingStatus.HELD, MeetingStatus.CLOSED, MeetingStatus.CANCELLED]
)
@time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False)
def test_a_taken_slot_ahead_is_skipped_and_the_others_are_generated(engagement, status):
    """A meeting ahead marked held (as was once possible), closed or cancelled keeps its slot:
    the next run neither fills the slot again nor moves another meeting into it."""
    call_command("schedule_reviews")
    cadence = Cadence.objects.get(engagement=engagement, tier=Tier.OPERATIONAL)
    taken = Meeting.objects.filter(cadence=cadence).order_by("starts_at")[1]
    Meeting.objects.filter(pk=taken.pk).update(status=status)
    # The slot's uniqueness is checked at commit; here, at once, as a real run's commit would.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("schedule_reviews")
    meetings = Meeting.objects.filter(cadence=cadence)
    assert meetings.filter(slot=taken.slot).get() == taken
    scheduled = meetings.filter(status=MeetingStatus.SCHEDULED).order_by("starts_at")
    assert [m.starts_at.date().isoformat() for m in scheduled] == [
        "2026-03-03",
        "2026-03-17",
        "2026-03-24",
        "2026-03-31",
    ]
    assert taken.starts_at.date().isoformat() == "2026-03-10"


def test_no_slot_of_a_year_falls_on_a_weekend():
    """Every cadence's slots over a year, from every start day: each on a weekday, on the day
    the cadence names or, for a Saturday or Sunday, the Monday after; none missed."""
    year_start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    slots = []
    for day_of_month in range(1, 29):
        for frequency, count in (("monthly", 12), ("quarterly", 4)):
            slots += occurrences(
                frequency=frequency,
                weekday=0,
                day_of_month=day_of_month,
                at=time(10, 0),
                timezone="Europe/Berlin",
                after=year_start,
                count=count,
            )
    for weekday in range(7):
        slots += occurrences(
            frequency="weekly",
            weekday=weekday,
            day_of_month=1,
            at=time(9, 0),
            timezone="UTC",
            after=year_start,
            count=52,
        )
    assert len(slots) == 28 * 16 + 7 * 52
    assert {slot.weekday() for slot in slots} == {0, 1, 2, 3, 4}


def test_a_tactical_review_named_on_a_sunday_meets_the_monday_after():
    # 10 May 2026 is a Sunday, 10 October 2026 a Saturday.
    found = occurrences(
        frequency="monthly",
        weekday=0,
        day_of_month=10,
        at=time(10, 0),
        timezone="UTC",
        after=datetime(2026, 4, 11, tzinfo=UTC),
        count=6,
    )
    assert [f.date().isoformat() for f in found] == [
        "2026-05-11",
        "2026-06-10",
        "2026-07-10",
        "2026-08-10",
        "2026-09-10",
        "2026-10-12",
    ]
    # Between the named Sunday and its Monday, the Monday is still the next slot.
    assert occurrences(
        frequency="monthly",
        weekday=0,
        day_of_month=10,
        at=time(10, 0),
        timezone="UTC",
        after=datetime(2026, 5, 10, 23, 0, tzinfo=UTC),
        count=1,
    ) == [datetime(2026, 5, 11, 10, 0, tzinfo=UTC)]


@time_machine.travel(datetime(2026, 4, 11, 12, 0, tzinfo=UTC), tick=False)
def test_the_generated_tactical_meetings_avoid_the_weekend(engagement):
    services.reviews_schedule(engagement=engagement)
    starts = Meeting.objects.filter(engagement=engagement, tier=Tier.TACTICAL).values_list(
        "starts_at", flat=True
    )
    assert [s.date().isoformat() for s in sorted(starts)] == [
        "2026-05-11",
        "2026-06-10",
        "2026-07-10",
        "2026-08-10",
    ]
