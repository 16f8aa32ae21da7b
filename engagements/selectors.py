"""Reads for engagement pages; always given the user or the engagement."""

from __future__ import annotations

import itertools
from typing import Any

from django.db.models import QuerySet

from accounts.models import Membership, User
from engagements.access import engagements_for
from engagements.models import Engagement


def engagement_list_for(principal: Any) -> QuerySet[Engagement]:
    return (
        engagements_for(principal)
        .select_related("client", "provider")
        .order_by("client__name", "provider__name", "name")
    )


def engagement_team(*, engagement: Engagement) -> dict[str, list[Membership]]:
    """Members of both parties, by party, for the engagement page."""
    memberships = (
        Membership.objects.filter(
            organization_id__in=[engagement.client_id, engagement.provider_id]
        )
        .select_related("user", "organization")
        .order_by("role", "user__email")
    )
    team: dict[str, list[Membership]] = {"client": [], "provider": []}
    for membership in memberships:
        side = "client" if membership.organization_id == engagement.client_id else "provider"
        team[side].append(membership)
    return team


def members_of(*, engagement: Engagement) -> QuerySet[User]:
    """The people a person field of the engagement may name (an owner, who decided, an
    attendee): the active members of either party."""
    user_ids = Membership.objects.filter(
        organization_id__in=[engagement.client_id, engagement.provider_id]
    ).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("full_name", "email")


HISTORY_HIDDEN_FIELDS = frozenset({"created_at", "id"})


def engagement_history(*, engagement: Engagement, limit: int = 20) -> list[dict]:
    """The latest recorded changes to the engagement's contract: when, who and what changed.

    Events are read newest first, a page at a time, until `limit` of them changed something
    shown, so events that changed only hidden fields never crowd real changes out.
    """
    from pghistory.models import Events

    from accounts.models import User

    events = (
        Events.objects.tracks(engagement)
        .filter(pgh_model="engagements.EngagementEvent")
        .order_by("-pgh_created_at", "-pgh_id")
    )
    shown = []
    page_size = max(limit, 50)
    for offset in itertools.count(0, page_size):
        page = list(events[offset : offset + page_size])
        shown.extend(e for e in page if e.pgh_label == "insert" or _shown_changes(e))
        if len(page) < page_size or len(shown) >= limit:
            break
    shown = shown[:limit]
    user_ids = {(e.pgh_context or {}).get("user") for e in shown} - {None}
    users = User.objects.in_bulk(user_ids)
    return [
        {
            "when": event.pgh_created_at,
            "who": users.get((event.pgh_context or {}).get("user")),
            "created": event.pgh_label == "insert",
            "changes": _shown_changes(event),
        }
        for event in shown
    ]


def _shown_changes(event) -> list[tuple[str, Any, Any]]:
    return [
        (field.replace("_", " "), before, after)
        for field, (before, after) in sorted((event.pgh_diff or {}).items())
        if field not in HISTORY_HIDDEN_FIELDS
    ]
