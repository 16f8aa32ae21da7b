"""Agenda items: added by hand, carried over to the next meeting, escalated to the tier above."""

from __future__ import annotations

from datetime import datetime

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement
from reviews.models import (
    OPEN_STATUSES,
    ActionItem,
    AgendaItem,
    AgendaItemStatus,
    Meeting,
    MeetingStatus,
    Risk,
    Tier,
    tier_above,
)
from reviews.services.base import apply_changes, minutes_not_locked, save_checked


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
    items = list(meeting.agenda_items.select_related("action_item", "risk", "breach"))
    if following is not None:
        for item in items:
            if item.status == AgendaItemStatus.OPEN and not item.escalate:
                added += _item_again(following, "carried_from", item)
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
                added += _item_again(target, "escalated_from", item)
    return added


def _item_again(meeting: Meeting, link: str, item: AgendaItem) -> int:
    """`item` on `meeting` once more, linked back by `link` (carried or escalated from it)."""
    return _item_once(
        meeting,
        {link: item},
        title=item.title,
        notes=item.notes,
        action_item=_unless_listed(meeting, item.action_item),
        risk=_unless_listed(meeting, item.risk, field="risk"),
        breach=_unless_listed(meeting, item.breach, field="breach"),
    )


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
    breach=None,
) -> AgendaItem:
    minutes_not_locked(meeting)
    item = AgendaItem(
        engagement_id=meeting.engagement_id,
        meeting=meeting,
        title=title,
        notes=notes,
        action_item=action_item,
        risk=risk,
        breach=breach,
        created_by=actor,
    )
    save_checked(item, actor)
    return item


@transaction.atomic
def agenda_item_update(*, actor: User, item: AgendaItem, **changes) -> AgendaItem:
    minutes_not_locked(item.meeting)
    apply_changes(item, changes, actor)
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
    breach=None,
) -> AgendaItem:
    """Put a record on the next meeting of `tier` (e.g. a breach or risk to the QBR)."""
    target = _next_meeting(engagement, tier, timezone.now())
    if target is None:
        raise ValidationError({"tier": f"There is no upcoming {Tier(tier).label} meeting."})
    if breach is not None and AgendaItem.objects.filter(meeting=target, breach=breach).exists():
        raise ValidationError({"tier": f"This breach is already on {target}."})
    return agenda_item_add(
        actor=actor,
        meeting=target,
        title=title,
        notes=notes,
        action_item=_unless_listed(target, action_item),
        risk=_unless_listed(target, risk, field="risk"),
        breach=breach,
    )
