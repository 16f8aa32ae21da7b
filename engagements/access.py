"""The one tenancy gate: every read of engagement data starts here.

An engagement is visible to the members of its client and of its provider organization and
to nobody else. An outsider gets the same 404 as for an engagement that does not exist, so
that ids reveal nothing. Records inside an engagement are then fetched with the engagement
in the filter.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.roles import organization_roles
from engagements.models import Engagement

VIEW = "engagements.view_engagement"


def roles_in(principal: Any, engagement: Engagement) -> set[str]:
    """The roles `principal` holds in the engagement's two parties."""
    roles = organization_roles(principal)
    return {
        roles[org_id]
        for org_id in (engagement.client_id, engagement.provider_id)
        if org_id in roles
    }


def party_of(principal: Any, engagement: Engagement) -> str | None:
    """ "client" or "provider": the side `principal` is on in this engagement."""
    roles = organization_roles(principal)
    if engagement.client_id in roles:
        return "client"
    if engagement.provider_id in roles:
        return "provider"
    return None


def engagements_for(principal: Any) -> QuerySet[Engagement]:
    """Every engagement `principal` may see: those of the organizations it belongs to."""
    org_ids = list(organization_roles(principal))
    if not org_ids:
        return Engagement.objects.none()
    return Engagement.objects.filter(Q(client_id__in=org_ids) | Q(provider_id__in=org_ids))


def get_engagement_for(principal: Any, engagement_id: Any, perm: str = VIEW) -> Engagement:
    """The engagement, if `principal` may see it (else 404) and holds `perm` on it (else 403)."""
    try:
        engagement_id = int(engagement_id)
    except (TypeError, ValueError):
        raise Http404("No such engagement.") from None
    engagement = (
        engagements_for(principal)
        .select_related("client", "provider", "program_manager", "account_lead")
        .filter(pk=engagement_id)
        .first()
    )
    if engagement is None:
        raise Http404("No such engagement.")
    if perm != VIEW and not principal.has_perm(perm, engagement):
        raise PermissionDenied("Your role does not allow this.")
    return engagement
