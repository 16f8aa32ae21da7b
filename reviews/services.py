"""Writes of the governance log."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from engagements.access import party_of
from engagements.models import Engagement
from reviews.models import ActionItem, Priority

LOG_ACTION_ITEM = "reviews.log_action_item"


@transaction.atomic
def action_item_create(
    *,
    actor,
    engagement: Engagement,
    title: str,
    owner: User,
    due_date: date,
    priority: str = Priority.NORMAL,
    kpi: str = "",
    description: str = "",
) -> ActionItem:
    """Log an action item; the party that owns the work is the owner's side."""
    if not actor.has_perm(LOG_ACTION_ITEM, engagement):
        raise PermissionDenied("Your role does not allow logging action items.")
    party = party_of(owner, engagement)
    if party is None:
        raise ValidationError({"owner": f"{owner} is not a member of the client or the provider."})
    item = ActionItem(
        engagement=engagement,
        title=title,
        description=description,
        owner=owner,
        party=party,
        due_date=due_date,
        priority=priority,
        kpi=kpi,
        created_by=actor,
    )
    item.full_clean()
    item.save()
    return item
