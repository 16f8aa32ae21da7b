"""Reads for engagement pages; always given the user or the engagement."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import Membership
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


def engagement_history(*, engagement: Engagement, limit: int = 20) -> list[dict]:
    """The latest recorded changes to the engagement's contract: when, who and what changed."""
    from pghistory.models import Events

    from accounts.models import User

    events = list(
        Events.objects.tracks(engagement)
        .filter(pgh_model="engagements.EngagementEvent")
        .order_by("-pgh_created_at", "-pgh_id")[:limit]
    )
    user_ids = {(e.pgh_context or {}).get("user") for e in events} - {None}
    users = User.objects.in_bulk(user_ids)
    hidden = {"data_changed_at", "metrics_computed_at", "created_at", "id"}
    history = []
    for event in events:
        diff = event.pgh_diff or {}
        history.append(
            {
                "when": event.pgh_created_at,
                "who": users.get((event.pgh_context or {}).get("user")),
                "created": event.pgh_label == "insert",
                "changes": [
                    (field.replace("_", " "), before, after)
                    for field, (before, after) in sorted(diff.items())
                    if field not in hidden
                ],
            }
        )
    return [h for h in history if h["created"] or h["changes"]]
