"""Reads for organization pages; always given the user."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import ApiKey, Membership, Organization, User
from accounts.roles import organization_roles
from accounts.rules import ADMIN_ROLES


def organization_for(principal: Any, slug: str, perm: str) -> Organization:
    """The organization, if `principal` is a member (else 404) holding `perm` there (else 403)."""
    organization = Organization.objects.filter(
        slug=slug, pk__in=list(organization_roles(principal))
    ).first()
    if organization is None:
        raise Http404("No such organization.")
    if not principal.has_perm(perm, organization):
        raise PermissionDenied("Your role does not allow this.")
    return organization


def organizations_administered_by(principal: Any) -> list[Organization]:
    admin_ids = [
        org_id for org_id, role in organization_roles(principal).items() if role in ADMIN_ROLES
    ]
    if not admin_ids:
        return []
    return list(Organization.objects.filter(pk__in=admin_ids).order_by("name"))


def api_keys_of(*, organization: Organization) -> QuerySet[ApiKey]:
    return (
        ApiKey.objects.filter(organization=organization)
        .select_related("created_by", "revoked_by")
        .order_by("revoked_at", "-created_at")
    )


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """The user's roles, one per organization, for their account page."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
