"""A meeting's life: created, cancelled and reinstated, held (its agenda frozen), minuted,
closed and reopened."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement
from reviews.agenda import agenda_build
from reviews.models import HOLD_EARLY, Cadence, Meeting, MeetingStatus, MinutesVersion
from reviews.services.agendas import meeting_carry_over
from reviews.services.base import minutes_not_locked, party_or_error, save_checked

NOT_STARTED = (
    "The meeting has not started yet: it can be held from "
    f"{HOLD_EARLY.seconds // 60} minutes before its start."
)


@transaction.atomic
def meeting_create(
    *,
    actor: User,
    engagement: Engagement,
    tier: str,
    title: str,
    starts_at: datetime,
    duration_minutes: int = 60,
    timezone_name: str = "UTC",
    location: str = "",
    attendees: list[User] | None = None,
) -> Meeting:
    """An ad-hoc review, organised by `actor`."""
    cadence = Cadence.objects.filter(engagement=engagement, tier=tier).first()
    meeting = Meeting(
        engagement=engagement,
        cadence=cadence,
        tier=tier,
        title=title,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        timezone=timezone_name,
        location=location,
        organiser=actor,
    )
    save_checked(meeting, actor)
    for person in attendees or []:
        party_or_error(person, engagement, "attendees")
    meeting.attendees.set(attendees or [])
    return meeting


CANCEL = "reviews.cancel_meeting"


def _organising_leads_only(actor: User, meeting: Meeting) -> None:
    if not actor.has_perm(CANCEL, meeting):
        raise PermissionDenied("Only the leads of the side that organises the meeting may.")


@transaction.atomic
def meeting_cancel(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    """Call off a meeting that has not been held, saying why; its slot is not generated
    again. The organising side's leads only (`reviews.cancel_meeting`)."""
    _organising_leads_only(actor, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError({"status": "Only a scheduled meeting can be cancelled."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the meeting is cancelled."})
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancelled_by = actor
    meeting.cancel_reason = reason.strip()
    save_checked(meeting, actor)
    return meeting


@transaction.atomic
def meeting_reinstate(*, actor: User, meeting: Meeting) -> Meeting:
    """Put a meeting cancelled by hand back on the schedule (same roles as cancelling)."""
    _organising_leads_only(actor, meeting)
    if meeting.status != MeetingStatus.CANCELLED:
        raise ValidationError({"status": "Only a cancelled meeting can be reinstated."})
    if meeting.withdrawn_by_schedule:
        raise ValidationError(
            {
                "status": "The schedule withdrew this meeting when its cadence changed: change the "
                "cadence, or create an ad-hoc meeting."
            }
        )
    meeting.status = MeetingStatus.SCHEDULED
    meeting.cancelled_at = meeting.cancelled_by = None
    meeting.cancel_reason = ""
    save_checked(meeting, actor)
    return meeting


@transaction.atomic
def meeting_hold(*, actor: User, meeting: Meeting, today: date | None = None) -> Meeting:
    """Mark the meeting held and freeze its agenda as it reads now."""
    if meeting.status not in (MeetingStatus.SCHEDULED,):
        raise ValidationError({"status": f"The meeting is already {meeting.get_status_display()}."})
    if not meeting.may_be_held_now:
        raise ValidationError({"status": NOT_STARTED})
    meeting.frozen_agenda = agenda_build(meeting=meeting, today=today)
    meeting.status = MeetingStatus.HELD
    meeting.held_at = timezone.now()
    save_checked(meeting, actor)
    return meeting


@transaction.atomic
def meeting_minutes_save(
    *, actor: User, meeting: Meeting, minutes: str, attendees: list[User] | None = None
) -> Meeting:
    minutes_not_locked(meeting)
    meeting.minutes = minutes
    save_checked(meeting, actor)
    if attendees is not None:
        for person in attendees:
            party_or_error(person, meeting.engagement, "attendees")
        meeting.attendees.set(attendees)
    return meeting


def _organiser_only(actor: User, meeting: Meeting) -> None:
    if meeting.organiser_id and meeting.organiser_id != actor.pk:
        raise PermissionDenied("Only the meeting's organiser may close or reopen its minutes.")


@transaction.atomic
def meeting_close(*, actor: User, meeting: Meeting, today: date | None = None) -> MinutesVersion:
    """Lock the minutes (keeping this version) and carry open items forward."""
    _organiser_only(actor, meeting)
    if meeting.status == MeetingStatus.CLOSED:
        raise ValidationError({"status": "The minutes are already closed."})
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": "A cancelled meeting has no minutes to close."})
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting_hold(actor=actor, meeting=meeting, today=today)
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = timezone.now()
    meeting.organiser = meeting.organiser or actor
    save_checked(meeting, actor)
    items = meeting.agenda_items.all()
    version = MinutesVersion(
        engagement=meeting.engagement,
        meeting=meeting,
        number=meeting.versions.count() + 1,
        minutes=meeting.minutes,
        outcomes=[
            {"item": i.title, "outcome": i.outcome, "status": i.status, "escalate": i.escalate}
            for i in items
        ],
        attendees=[str(u) for u in meeting.attendees.all()],
        closed_by=actor,
        closed_at=meeting.closed_at,
    )
    version.full_clean()
    version.save()
    meeting_carry_over(meeting=meeting)
    return version


@transaction.atomic
def meeting_reopen(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    _organiser_only(actor, meeting)
    if meeting.status != MeetingStatus.CLOSED:
        raise ValidationError({"status": "Only closed minutes can be reopened."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the minutes are reopened."})
    version = meeting.versions.order_by("-number").first()
    version.reopened_by = actor
    version.reopened_at = timezone.now()
    version.reopen_reason = reason.strip()
    version.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
    meeting.status = MeetingStatus.HELD
    meeting.closed_at = None
    save_checked(meeting, actor)
    return meeting
