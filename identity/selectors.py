"""Reads of single sign-on; always given the organization or the user."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, Organization, User
from identity.models import SignInEvent, SsoConnection


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def connection_of(*, organization: Organization) -> SsoConnection | None:
    return (
        SsoConnection.objects.filter(organization=organization)
        .select_related("social_app", "break_glass_user")
        .first()
    )


def connection_for_email(*, email: str) -> SsoConnection | None:
    """The enabled connection of the organization that holds the address's domain."""
    domain = email_domain(email)
    if not domain:
        return None
    return (
        SsoConnection.objects.filter(domain=domain, enabled=True)
        .select_related("organization", "social_app")
        .first()
    )


def connection_for_provider(*, provider_id: str) -> SsoConnection | None:
    return (
        SsoConnection.objects.filter(social_app__provider_id=provider_id)
        .select_related("organization", "social_app")
        .first()
    )


def requiring_connections(*, user: User) -> list[SsoConnection]:
    """The enabled, required connections that apply to `user`: of an organization they belong
    to, or of their address's domain."""
    org_ids = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    connections = SsoConnection.objects.filter(enabled=True, sso_required=True)
    return list(
        connections.filter(organization_id__in=org_ids)
        | connections.filter(domain=email_domain(user.email))
    )


def password_refused_for(*, user: User) -> bool:
    """Whether `user` must sign in by single sign-on: a required connection applies to them and
    they are not its break-glass admin."""
    return any(c.break_glass_user_id != user.pk for c in requiring_connections(user=user))


def sign_in_events_of(*, organization: Organization, limit: int = 20) -> QuerySet[SignInEvent]:
    return SignInEvent.objects.filter(organization=organization).select_related("user")[:limit]


def admins_of(*, organization: Organization) -> QuerySet[User]:
    from accounts.rules import ADMIN_ROLES

    return User.objects.filter(
        memberships__organization=organization, memberships__role__in=ADMIN_ROLES
    ).order_by("email")
