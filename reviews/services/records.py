"""The records kept between meetings: action items (and their comments), decisions, risks."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from engagements.access import party_of
from engagements.models import Engagement
from reviews.models import ActionItem, ActionItemComment, ActionItemStatus, Decision, Meeting, Risk
from reviews.services.base import apply_changes, save_checked

LOG_ACTION_ITEM = "reviews.log_action_item"


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
    save_checked(item, actor)
    return item


@transaction.atomic
def action_item_update(*, actor: User, item: ActionItem, **changes) -> ActionItem:
    if "status" in changes:
        done = changes["status"] == ActionItemStatus.DONE
        changes["completed_at"] = (item.completed_at or timezone.now()) if done else None
    apply_changes(item, changes, actor)
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
    save_checked(decision, actor)
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
    apply_changes(decision, changes, actor)
    _link(decision, decision.engagement, action_items=action_items, risks=risks)
    return decision


@transaction.atomic
def risk_create(*, actor: User, engagement: Engagement, **fields) -> Risk:
    risk = Risk(engagement=engagement, created_by=actor, **fields)
    save_checked(risk, actor)
    return risk


@transaction.atomic
def risk_update(*, actor: User, risk: Risk, **changes) -> Risk:
    apply_changes(risk, changes, actor)
    return risk
