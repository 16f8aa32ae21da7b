"""Agendas from live data, freezing, minutes, carry-over and escalation."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kpis.models import KpiTarget, MetricValue
from reviews import services
from reviews.agenda import SECTIONS, agenda_build
from reviews.models import AgendaItem, Meeting, MeetingStatus, Tier

pytestmark = pytest.mark.django_db


def _meeting(engagement, actor, tier=Tier.TACTICAL, when=None):
    return services.meeting_create(
        actor=actor,
        engagement=engagement,
        tier=tier,
        title=f"{tier} review",
        starts_at=when or timezone.now() + timedelta(days=1),
    )


def _targeted_value(engagement, hr_lead, value):
    target = KpiTarget.objects.create(
        engagement=engagement,
        kpi="time_to_fill",
        grain="month",
        effective_from=date(2026, 1, 1),
        target_value=30,
        at_risk_threshold=35,
        breach_threshold=45,
        state="agreed",
        proposed_by=hr_lead,
        proposed_by_party="client",
        proposed_at=timezone.now(),
    )
    return MetricValue.objects.create(
        engagement=engagement,
        kpi="time_to_fill",
        version=1,
        grain="month",
        period="2026-02",
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
        dimension="all",
        segment="all",
        value=value,
        n=4,
        status="on_track",
        target=target,
        computed_at=timezone.now(),
    )


def test_every_tier_has_its_sections():
    keys = {tier: [key for key, _, _ in SECTIONS[tier]] for tier in Tier.values}
    assert keys["operational"] == ["open_requisitions", "stalled_candidates", "action_items_due"]
    assert {"targeted_kpis", "survey_feedback", "plan_vs_actual"} <= set(keys["tactical"])
    assert {"kpi_trends", "plan_by_segment", "risks_due", "decisions_of_quarter"} <= set(
        keys["strategic"]
    )


def test_a_frozen_agenda_keeps_the_numbers_after_a_recompute(engagement, hr_lead):
    value = _targeted_value(engagement, hr_lead, 28.0)
    meeting = _meeting(engagement, hr_lead, when=datetime(2026, 3, 10, 10, tzinfo=UTC))
    live = agenda_build(meeting=meeting)
    kpis = next(s for s in live["sections"] if s["key"] == "targeted_kpis")
    assert kpis["rows"][0][2] == 28.0
    services.meeting_hold(actor=hr_lead, meeting=meeting)
    MetricValue.objects.filter(pk=value.pk).update(value=51.0, status="off_track")
    meeting.refresh_from_db()
    frozen = next(s for s in meeting.frozen_agenda["sections"] if s["key"] == "targeted_kpis")
    assert frozen["rows"][0][2:] == [28.0, 30.0, "On track"]
    relive = next(
        s for s in agenda_build(meeting=meeting)["sections"] if s["key"] == "targeted_kpis"
    )
    assert relive["rows"][0][2] == 51.0


def test_close_locks_minutes_keeps_versions_and_reopen_needs_a_reason(
    engagement, hr_lead, account_manager
):
    meeting = _meeting(engagement, hr_lead, when=timezone.now() - timedelta(hours=1))
    services.meeting_minutes_save(actor=hr_lead, meeting=meeting, minutes="v1 text")
    with pytest.raises(PermissionDenied):
        services.meeting_close(actor=account_manager, meeting=meeting)
    services.meeting_close(actor=hr_lead, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED and meeting.frozen_agenda is not None
    with pytest.raises(ValidationError):
        services.meeting_minutes_save(actor=hr_lead, meeting=meeting, minutes="sneaky")
    with pytest.raises(ValidationError) as error:
        services.meeting_reopen(actor=hr_lead, meeting=meeting, reason=" ")
    assert "reason" in error.value.message_dict
    services.meeting_reopen(actor=hr_lead, meeting=meeting, reason="typo in the numbers")
    services.meeting_minutes_save(actor=hr_lead, meeting=meeting, minutes="v2 text")
    services.meeting_close(actor=hr_lead, meeting=meeting)
    versions = list(meeting.versions.values_list("number", "minutes", "reopen_reason"))
    assert versions == [(1, "v1 text", "typo in the numbers"), (2, "v2 text", "")]


def test_open_items_carry_over_and_escalated_ones_climb_a_tier(engagement, hr_lead, make_item):
    now = timezone.now()
    weekly = _meeting(engagement, hr_lead, Tier.OPERATIONAL, now - timedelta(hours=2))
    next_weekly = _meeting(engagement, hr_lead, Tier.OPERATIONAL, now + timedelta(days=5))
    monthly = _meeting(engagement, hr_lead, Tier.TACTICAL, now + timedelta(days=9))
    keep = services.agenda_item_add(actor=hr_lead, meeting=weekly, title="Sourcing gap")
    done = services.agenda_item_add(actor=hr_lead, meeting=weekly, title="Solved thing")
    climb = services.agenda_item_add(actor=hr_lead, meeting=weekly, title="Budget freeze")
    services.agenda_item_update(actor=hr_lead, item=done, status="closed", outcome="ok")
    services.agenda_item_update(actor=hr_lead, item=climb, escalate=True, outcome="needs HR")
    (action,) = make_item(meeting=weekly)
    services.meeting_close(actor=hr_lead, meeting=weekly)
    # The beat job runs the carry-over again: nothing is added twice.
    services.reviews_schedule(engagement=engagement)
    services.reviews_schedule(engagement=engagement)
    carried = AgendaItem.objects.filter(meeting=next_weekly)
    assert sorted(carried.values_list("title", flat=True)) == [
        "Action item: Item 0",
        "Sourcing gap",
    ]
    assert carried.get(title="Sourcing gap").carried_from == keep
    assert carried.get(action_item=action)
    escalated = AgendaItem.objects.get(meeting=monthly)
    assert escalated.escalated_from == climb and escalated.title == "Budget freeze"


def test_a_meeting_ahead_cannot_be_held_or_closed(engagement, hr_lead):
    meeting = _meeting(engagement, hr_lead, when=timezone.now() + timedelta(days=3))
    for hold in (services.meeting_hold, services.meeting_close):
        with pytest.raises(ValidationError) as error:
            hold(actor=hr_lead, meeting=meeting)
        assert error.value.message_dict["status"] == [services.NOT_STARTED]
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.frozen_agenda is None
    # From a few minutes before its start it may begin, as people join a little early.
    with time_machine.travel(meeting.starts_at - timedelta(minutes=10)):
        services.meeting_hold(actor=hr_lead, meeting=meeting)
    assert meeting.status == MeetingStatus.HELD


def test_meeting_on_another_engagement_cadence_is_refused(engagement, other_engagement, hr_lead):
    from reviews.models import Cadence

    other = Cadence.objects.get(engagement=other_engagement, tier=Tier.TACTICAL)
    meeting = Meeting(
        engagement=engagement, cadence=other, tier="tactical", title="x", starts_at=timezone.now()
    )
    with pytest.raises(ValidationError) as error:
        meeting.full_clean()
    assert "cadence" in error.value.message_dict


@time_machine.travel(datetime(2026, 3, 9, 8, tzinfo=UTC), tick=False)
def test_operational_agenda_lists_due_and_overdue_items(engagement, hr_lead, make_item):
    make_item(due=date(2026, 3, 1))
    make_item(due=date(2026, 3, 12))
    make_item(due=date(2026, 4, 30))
    meeting = _meeting(engagement, hr_lead, Tier.OPERATIONAL)
    section = next(
        s for s in agenda_build(meeting=meeting)["sections"] if s["key"] == "action_items_due"
    )
    assert [(row[3], row[5]) for row in section["rows"]] == [
        ("2026-03-01", "overdue"),
        ("2026-03-12", ""),
    ]
