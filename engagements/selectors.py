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
