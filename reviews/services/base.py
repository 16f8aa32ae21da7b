"""What every write of the reviews app does: validate, save on record (pghistory), check that
a person belongs to either party, and refuse changes to closed minutes."""

from __future__ import annotations

from typing import Any

import pghistory
from django.core.exceptions import ValidationError

from accounts.models import User
from engagements.access import party_of
from engagements.models import NOT_A_MEMBER, Engagement
from reviews.models import Meeting


def save_checked(obj, actor: User | None) -> None:
    obj.full_clean()
    with pghistory.context(user=actor.pk if actor else None):
        obj.save()


def apply_changes(obj, changes: dict[str, Any], actor: User | None) -> None:
    for name, value in changes.items():
        setattr(obj, name, value)
    save_checked(obj, actor)


def party_or_error(user: User, engagement: Engagement, field: str) -> str:
    party = party_of(user, engagement)
    if party is None:
        raise ValidationError({field: NOT_A_MEMBER})
    return party


def minutes_not_locked(meeting: Meeting) -> None:
    if meeting.is_locked:
        raise ValidationError(
            {"minutes": "The minutes are closed; the organiser can reopen them with a reason."}
        )
