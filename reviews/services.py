"""Every write of the reviews app: keyword-only, atomic, validated, and on record (pghistory)."""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from engagements.access import party_of
from engagements.models import Engagement
from reviews import schedule
from reviews.agenda import agenda_build
from reviews.models import (
    DEFAULT_FREQUENCY,
    OPEN_STATUSES,
    ActionItem,
    ActionItemComment,
    ActionItemStatus,
    AgendaItem,
    AgendaItemStatus,
    Cadence,
    CalendarToken,
    Decision,
    Meeting,
    MeetingStatus,
    MinutesVersion,
    ReminderSent,
    Risk,
    Tier,
    tier_above,
)

LOG_ACTION_ITEM = "reviews.log_action_item"
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


def _save(obj, actor: User | None) -> None:
    obj.full_clean()
    with pghistory.context(user=actor.pk if actor else None):
        obj.save()


def _apply(obj, changes: dict[str, Any], actor: User | None) -> None:
    for name, value in changes.items():
        setattr(obj, name, value)
    _save(obj, actor)


def _party_or_error(user: User, engagement: Engagement, field: str) -> str:
    party = party_of(user, engagement)
    if party is None:
        raise ValidationError({field: f"{user} is not a member of the client or the provider."})
    return party


# --- cadences and scheduling ---------------------------------------------------------------


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
            _save(cadence, None)
            leads = [engagement.program_manager_id, engagement.account_lead_id]
            cadence.participants.set([pk for pk in leads if pk])
            cadences[tier] = cadence
    return [cadences[tier] for tier in Tier.values]


@transaction.atomic
def cadence_update(
    *, actor: User, cadence: Cadence, participants: list[User] | None = None, **changes
) -> Cadence:
    """Change a cadence and move its upcoming generated meetings to match."""
    _apply(cadence, changes, actor)
    if participants is not None:
        engagement = cadence.engagement
        for person in participants:
            _party_or_error(person, engagement, "participants")
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

    Meetings that have started, been held or been cancelled by hand are never touched. The
    cadence row is locked, so two runs at once cannot both create the same meeting.
    """
    now = now or timezone.now()
    cadence = Cadence.objects.select_for_update().get(pk=cadence.pk)
    result = ScheduleResult()
    generated = Meeting.objects.filter(cadence=cadence, generated=True, starts_at__gt=now)
    upcoming = list(generated.filter(status=MeetingStatus.SCHEDULED).order_by("starts_at"))
    # A slot whose meeting was cancelled by hand stays cancelled.
    skipped = set(
        generated.filter(status=MeetingStatus.CANCELLED, slot__isnull=False).values_list(
            "slot", flat=True
        )
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
            _save(meeting, None)
            result.moved += 1
    for meeting in upcoming[len(wanted) :]:
        meeting.status = MeetingStatus.CANCELLED
        meeting.slot = None  # freed: the cadence may fill it again if it changes back
        _save(meeting, None)
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
        _save(meeting, None)
        meeting.attendees.set(cadence.participants.all())
        result.created += 1
    return result


def reviews_schedule(
    *, engagement: Engagement | None = None, now: datetime | None = None
) -> ScheduleResult:
    """The beat job: cadences for every engagement, their next meetings, and carry-over."""
    now = now or timezone.now()
    engagements = [engagement] if engagement else Engagement.objects.order_by("pk")
    result = ScheduleResult()
    for each in engagements:
        with transaction.atomic():
            for cadence in cadences_ensure(engagement=each):
                result.add(meetings_schedule(cadence=cadence, now=now))
            done = Meeting.objects.filter(
                engagement=each,
                status__in=(MeetingStatus.HELD, MeetingStatus.CLOSED),
                starts_at__gte=now - timedelta(days=120),
            )
            for meeting in done:
                result.carried += meeting_carry_over(meeting=meeting)
    return result


# --- meetings ------------------------------------------------------------------------------


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
    _save(meeting, actor)
    for person in attendees or []:
        _party_or_error(person, engagement, "attendees")
    meeting.attendees.set(attendees or [])
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: User, meeting: Meeting) -> Meeting:
    """Cancel a meeting that has not been held; its slot is not generated again."""
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError({"status": "Only a scheduled meeting can be cancelled."})
    meeting.status = MeetingStatus.CANCELLED
    _save(meeting, actor)
    return meeting


def _not_locked(meeting: Meeting) -> None:
    if meeting.is_locked:
        raise ValidationError(
            {"minutes": "The minutes are closed; the organiser can reopen them with a reason."}
        )


@transaction.atomic
def meeting_hold(*, actor: User, meeting: Meeting, today: date | None = None) -> Meeting:
    """Mark the meeting held and freeze its agenda as it reads now."""
    if meeting.status not in (MeetingStatus.SCHEDULED,):
        raise ValidationError({"status": f"The meeting is already {meeting.get_status_display()}."})
    meeting.frozen_agenda = agenda_build(meeting=meeting, today=today)
    meeting.status = MeetingStatus.HELD
    meeting.held_at = timezone.now()
    _save(meeting, actor)
    return meeting


@transaction.atomic
def meeting_minutes_save(
    *, actor: User, meeting: Meeting, minutes: str, attendees: list[User] | None = None
) -> Meeting:
    _not_locked(meeting)
    meeting.minutes = minutes
    _save(meeting, actor)
    if attendees is not None:
        for person in attendees:
            _party_or_error(person, meeting.engagement, "attendees")
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
    _save(meeting, actor)
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
    _save(meeting, actor)
    return meeting


def _next_meeting(engagement: Engagement, tier: str, after: datetime) -> Meeting | None:
    return (
        Meeting.objects.filter(
            engagement=engagement,
            tier=tier,
            status=MeetingStatus.SCHEDULED,
            starts_at__gt=after,
        )
        .order_by("starts_at")
        .first()
    )


def _item_once(meeting: Meeting, lookup: dict, **fields) -> int:
    """Add an agenda item unless one with `lookup` is already on the meeting (idempotent)."""
    if AgendaItem.objects.filter(meeting=meeting, **lookup).exists():
        return 0
    item = AgendaItem(engagement_id=meeting.engagement_id, meeting=meeting, **lookup, **fields)
    item.full_clean()
    with pghistory.context(user=None):
        item.save()
    return 1


def meeting_carry_over(*, meeting: Meeting) -> int:
    """Carry what is still open to the next meeting of the same tier; escalate marked items.

    Idempotent: an item is carried or escalated to a meeting once (unique constraints back
    the existence checks), so the beat job may call it for the same meeting every day.
    """
    added = 0
    following = _next_meeting(meeting.engagement, meeting.tier, meeting.starts_at)
    items = list(meeting.agenda_items.select_related("action_item"))
    if following is not None:
        for item in items:
            if item.status == AgendaItemStatus.OPEN and not item.escalate:
                added += _item_once(
                    following,
                    {"carried_from": item},
                    title=item.title,
                    notes=item.notes,
                    action_item=_unless_listed(following, item.action_item),
                    risk=_unless_listed(following, item.risk, field="risk"),
                )
        on_agenda = {i.action_item_id for i in items}
        open_actions = meeting.action_items.filter(status__in=OPEN_STATUSES)
        for action in open_actions:
            if action.pk not in on_agenda:
                added += _item_once(
                    following, {"action_item": action}, title=f"Action item: {action.title}"
                )
    above = tier_above(meeting.tier)
    if above:
        target = _next_meeting(meeting.engagement, above, meeting.starts_at)
        for item in items:
            if item.escalate and target is not None:
                added += _item_once(
                    target,
                    {"escalated_from": item},
                    title=item.title,
                    notes=item.notes,
                    action_item=_unless_listed(target, item.action_item),
                    risk=_unless_listed(target, item.risk, field="risk"),
                )
    return added


def _unless_listed(meeting: Meeting, record, field: str = "action_item"):
    """The record to link, unless the meeting already lists it (one item per record)."""
    if record is None or AgendaItem.objects.filter(meeting=meeting, **{field: record}).exists():
        return None
    return record


@transaction.atomic
def agenda_item_add(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    notes: str = "",
    action_item: ActionItem | None = None,
    risk: Risk | None = None,
) -> AgendaItem:
    _not_locked(meeting)
    item = AgendaItem(
        engagement_id=meeting.engagement_id,
        meeting=meeting,
        title=title,
        notes=notes,
        action_item=action_item,
        risk=risk,
        created_by=actor,
    )
    _save(item, actor)
    return item


@transaction.atomic
def agenda_item_update(*, actor: User, item: AgendaItem, **changes) -> AgendaItem:
    _not_locked(item.meeting)
    _apply(item, changes, actor)
    return item


@transaction.atomic
def agenda_escalate(
    *,
    actor: User,
    engagement: Engagement,
    tier: str,
    title: str,
    notes: str = "",
    action_item: ActionItem | None = None,
    risk: Risk | None = None,
) -> AgendaItem:
    """Put a record on the next meeting of `tier` (e.g. a breach or risk to the QBR)."""
    target = _next_meeting(engagement, tier, timezone.now())
    if target is None:
        raise ValidationError({"tier": f"There is no upcoming {Tier(tier).label} meeting."})
    return agenda_item_add(
        actor=actor,
        meeting=target,
        title=title,
        notes=notes,
        action_item=_unless_listed(target, action_item),
        risk=_unless_listed(target, risk, field="risk"),
    )


# --- action items --------------------------------------------------------------------------


@transaction.atomic
def action_item_create(
    *,
    actor: User,
    engagement: Engagement,
    title: str,
    owner: User,
    due_date: date,
    party: str = "",
    priority: str = "normal",
    description: str = "",
    meeting: Meeting | None = None,
    risk: Risk | None = None,
    kpi: str = "",
) -> ActionItem:
    """Log an action item; the party defaults to the owner's side."""
    if not actor.has_perm(LOG_ACTION_ITEM, engagement):
        raise PermissionDenied("Your role does not allow logging action items.")
    item = ActionItem(
        engagement=engagement,
        title=title,
        description=description,
        owner=owner,
        party=party or party_of(owner, engagement) or "",
        due_date=due_date,
        priority=priority,
        meeting=meeting,
        risk=risk,
        kpi=kpi,
        created_by=actor,
    )
    _save(item, actor)
    return item


@transaction.atomic
def action_item_update(*, actor: User, item: ActionItem, **changes) -> ActionItem:
    if "status" in changes:
        done = changes["status"] == ActionItemStatus.DONE
        changes["completed_at"] = (item.completed_at or timezone.now()) if done else None
    _apply(item, changes, actor)
    return item


@transaction.atomic
def action_item_comment_add(*, actor: User, item: ActionItem, text: str) -> ActionItemComment:
    comment = ActionItemComment(
        engagement_id=item.engagement_id, action_item=item, author=actor, text=text
    )
    comment.full_clean()
    comment.save()
    return comment


# --- decisions and risks -------------------------------------------------------------------


@transaction.atomic
def decision_create(
    *,
    actor: User,
    engagement: Engagement,
    title: str,
    decided_by: User,
    decided_on: date,
    rationale: str = "",
    meeting: Meeting | None = None,
    action_items: list[ActionItem] | None = None,
    risks: list[Risk] | None = None,
    kpi: str = "",
) -> Decision:
    decision = Decision(
        engagement=engagement,
        title=title,
        rationale=rationale,
        decided_by=decided_by,
        party=party_of(decided_by, engagement) or "",
        decided_on=decided_on,
        meeting=meeting,
        kpi=kpi,
        created_by=actor,
    )
    _save(decision, actor)
    _link(decision, engagement, action_items=action_items, risks=risks)
    return decision


def _link(decision: Decision, engagement: Engagement, **links) -> None:
    for name, records in links.items():
        if records is None:
            continue
        for record in records:
            if record.engagement_id != engagement.pk:
                raise ValidationError({name: "That record belongs to another engagement."})
        getattr(decision, name).set(records)


@transaction.atomic
def decision_update(
    *,
    actor: User,
    decision: Decision,
    action_items: list[ActionItem] | None = None,
    risks: list[Risk] | None = None,
    **changes,
) -> Decision:
    if "decided_by" in changes:
        changes["party"] = party_of(changes["decided_by"], decision.engagement) or ""
    _apply(decision, changes, actor)
    _link(decision, decision.engagement, action_items=action_items, risks=risks)
    return decision


@transaction.atomic
def risk_create(*, actor: User, engagement: Engagement, **fields) -> Risk:
    risk = Risk(engagement=engagement, created_by=actor, **fields)
    _save(risk, actor)
    return risk


@transaction.atomic
def risk_update(*, actor: User, risk: Risk, **changes) -> Risk:
    _apply(risk, changes, actor)
    return risk


# --- reminders -----------------------------------------------------------------------------

REMINDER_HORIZON_DAYS = 7


def _reminder_items(today: date) -> dict[int, list[ActionItem]]:
    """Open items due within a week or overdue, by owner, of engagements the owner is in."""
    items = (
        ActionItem.objects.filter(
            status__in=OPEN_STATUSES,
            due_date__lte=today + timedelta(days=REMINDER_HORIZON_DAYS),
            owner__is_active=True,
        )
        .select_related("engagement", "owner")
        .order_by("owner_id", "due_date", "id")
    )
    by_owner: dict[int, list[ActionItem]] = defaultdict(list)
    for item in items:
        by_owner[item.owner_id].append(item)
    return by_owner


def reminders_send(*, today: date | None = None) -> int:
    """One e-mail per owner per day listing their due and overdue items; returns how many.

    The sent-record is written in the same transaction as the e-mail is handed over, so a
    second run the same day (or a concurrent one, held by the unique key) sends nothing.
    """
    today = today or timezone.localdate()
    sent = 0
    for items in _reminder_items(today).values():
        owner = items[0].owner
        try:
            with transaction.atomic():
                record, created = ReminderSent.objects.get_or_create(
                    owner=owner, day=today, defaults={"item_count": len(items)}
                )
                if not created:
                    continue
                _send_reminder(owner, items, today)
        except IntegrityError:
            continue
        sent += 1
    return sent


def _send_reminder(owner: User, items: list[ActionItem], today: date) -> None:
    base = settings.PORTAL_BASE_URL.rstrip("/")
    overdue = sum(1 for item in items if item.is_overdue(today))
    context = {
        "owner": owner,
        "items": [
            {
                "item": item,
                "overdue": item.is_overdue(today),
                "url": base + reverse("reviews:action_item", args=[item.engagement_id, item.pk]),
            }
            for item in items
        ],
        "today": today,
        "mine_url": base + reverse("reviews:my_action_items"),
    }
    subject = f"{len(items)} action item{'s' if len(items) != 1 else ''} due"
    if overdue:
        subject += f", {overdue} overdue"
    send_mail(
        subject=subject,
        message=render_to_string("reviews/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[owner.email],
    )


# --- calendar tokens -----------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_regenerate(*, user: User, engagement: Engagement) -> str:
    """A new secret for the user's feeds of this engagement; the old one stops working."""
    token = secrets.token_urlsafe(32)
    CalendarToken.objects.update_or_create(
        engagement=engagement, user=user, defaults={"token_hash": token_hash(token)}
    )
    return token
