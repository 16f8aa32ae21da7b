"""Cadences and the meetings generated ahead from them; the beat job that keeps them so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement
from reviews import schedule
from reviews.models import DEFAULT_FREQUENCY, Cadence, Meeting, MeetingStatus, Tier
from reviews.services.agendas import meeting_carry_over
from reviews.services.base import apply_changes, party_or_error, save_checked
from rpo_portal import fanout

MEETINGS_AHEAD = 4
DEFAULT_CADENCES = {
    Tier.OPERATIONAL: {"weekday": 1, "time": time(9, 0), "duration_minutes": 30},
    Tier.TACTICAL: {"day_of_month": 10, "time": time(10, 0), "duration_minutes": 60},
    Tier.STRATEGIC: {"day_of_month": 15, "time": time(14, 0), "duration_minutes": 120},
}
MEETING_TITLES = {
    Tier.OPERATIONAL: "Weekly operational review",
    Tier.TACTICAL: "Monthly tactical review",
    Tier.STRATEGIC: "Quarterly business review",
}


@transaction.atomic
def cadences_ensure(*, engagement: Engagement) -> list[Cadence]:
    """One cadence per tier with the defaults; existing ones are left as they are."""
    cadences = {c.tier: c for c in Cadence.objects.filter(engagement=engagement)}
    for tier in Tier.values:
        if tier not in cadences:
            cadence = Cadence(
                engagement=engagement,
                tier=tier,
                frequency=DEFAULT_FREQUENCY[tier],
                **DEFAULT_CADENCES[tier],
            )
            save_checked(cadence, None)
            leads = [engagement.program_manager_id, engagement.account_lead_id]
            cadence.participants.set([pk for pk in leads if pk])
            cadences[tier] = cadence
    return [cadences[tier] for tier in Tier.values]


@transaction.atomic
def cadence_update(
    *, actor: User, cadence: Cadence, participants: list[User] | None = None, **changes
) -> Cadence:
    """Change a cadence and move its upcoming generated meetings to match."""
    apply_changes(cadence, changes, actor)
    if participants is not None:
        engagement = cadence.engagement
        for person in participants:
            party_or_error(person, engagement, "participants")
        cadence.participants.set(participants)
    meetings_schedule(cadence=cadence)
    return cadence


@dataclass
class ScheduleResult:
    created: int = 0
    moved: int = 0
    cancelled: int = 0
    carried: int = 0

    def add(self, other: ScheduleResult) -> None:
        self.created += other.created
        self.moved += other.moved
        self.cancelled += other.cancelled
        self.carried += other.carried


@transaction.atomic
def meetings_schedule(*, cadence: Cadence, now: datetime | None = None) -> ScheduleResult:
    """The next meetings of a cadence: created if missing, moved if the cadence changed.

    Meetings that have started, been held or closed or been cancelled by hand are never
    touched, and their slots are not filled again. The cadence row is locked, so two runs at
    once cannot both create the same meeting.
    """
    now = now or timezone.now()
    cadence = Cadence.objects.select_for_update().get(pk=cadence.pk)
    result = ScheduleResult()
    generated = Meeting.objects.filter(cadence=cadence, generated=True, starts_at__gt=now)
    upcoming = list(generated.filter(status=MeetingStatus.SCHEDULED).order_by("starts_at"))
    # A slot whose meeting was held, closed or cancelled by hand is taken: it is neither
    # generated again nor given to another meeting (the slot is unique per cadence).
    skipped = set(
        Meeting.objects.filter(cadence=cadence, slot__gt=now)
        .exclude(status=MeetingStatus.SCHEDULED)
        .values_list("slot", flat=True)
    )
    wanted: list[datetime] = []
    if cadence.active:
        candidates = schedule.occurrences(
            frequency=cadence.frequency,
            weekday=cadence.weekday,
            day_of_month=cadence.day_of_month,
            at=cadence.time,
            timezone=cadence.timezone,
            after=now,
            count=MEETINGS_AHEAD + len(skipped),
        )
        wanted = [start for start in candidates if start not in skipped][:MEETINGS_AHEAD]
    for meeting, starts_at in zip(upcoming, wanted, strict=False):
        if (meeting.starts_at, meeting.duration_minutes, meeting.timezone) != (
            starts_at,
            cadence.duration_minutes,
            cadence.timezone,
        ):
            meeting.starts_at = meeting.slot = starts_at
            meeting.duration_minutes = cadence.duration_minutes
            meeting.timezone = cadence.timezone
            save_checked(meeting, None)
            result.moved += 1
    for meeting in upcoming[len(wanted) :]:
        meeting.status = MeetingStatus.CANCELLED
        meeting.slot = None  # freed: the cadence may fill it again if it changes back
        save_checked(meeting, None)
        result.cancelled += 1
    for starts_at in wanted[len(upcoming) :]:
        meeting = Meeting(
            engagement=cadence.engagement,
            cadence=cadence,
            tier=cadence.tier,
            title=MEETING_TITLES[cadence.tier],
            starts_at=starts_at,
            slot=starts_at,
            duration_minutes=cadence.duration_minutes,
            timezone=cadence.timezone,
            generated=True,
            organiser_id=cadence.engagement.program_manager_id,
        )
        save_checked(meeting, None)
        meeting.attendees.set(cadence.participants.all())
        result.created += 1
    return result


def reviews_schedule(
    *, engagement: Engagement | None = None, now: datetime | None = None
) -> ScheduleResult:
    """The beat job: cadences for every engagement, their next meetings, and carry-over.

    Each engagement in its own transaction. Over every engagement, one that fails is logged
    and left as it was, and the others are scheduled; one engagement asked for by name (the
    command's `--engagement`) fails loudly."""
    now = now or timezone.now()
    engagements = [engagement] if engagement else Engagement.objects.order_by("pk")
    result = ScheduleResult()
    for each in engagements:
        isolated = fanout.item("Review scheduling", engagement=each.pk)
        with isolated if engagement is None else transaction.atomic():
            counts = ScheduleResult()
            for cadence in cadences_ensure(engagement=each):
                counts.add(meetings_schedule(cadence=cadence, now=now))
            done = Meeting.objects.filter(
                engagement=each,
                status__in=(MeetingStatus.HELD, MeetingStatus.CLOSED),
                starts_at__gte=now - timedelta(days=120),
            )
            for meeting in done:
                counts.carried += meeting_carry_over(meeting=meeting)
            result.add(counts)  # counted once the engagement's work is through
    return result
