"""Writes of single sign-on: an organization's connection, sign-in records, and the
membership that a sign-in through the organization's identity provider gives."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import (
    ROLES_BY_KIND,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    User,
)
from identity.models import (
    PROVIDER,
    SignInEvent,
    SignInMethod,
    SignInOutcome,
    SsoConnection,
    provider_id_for,
)
from identity.selectors import email_domain

# The role a person gets on joining through single sign-on: the least of the organization's.
JOIN_ROLE = {OrganizationKind.CLIENT: Role.CLIENT_VIEWER, OrganizationKind.PROVIDER: Role.RECRUITER}
# Where several groups map to roles, the highest applies.
ROLE_RANK = {
    Role.CLIENT_VIEWER: 0,
    Role.RECRUITER: 0,
    Role.HR_LEAD: 1,
    Role.ACCOUNT_MANAGER: 1,
    Role.CLIENT_ADMIN: 2,
    Role.PROVIDER_ADMIN: 2,
}


def parse_role_mapping(text: str, *, organization: Organization) -> dict[str, str]:
    """`group = role` lines (the role by its value or its name) into {group: role value}."""
    allowed = ROLES_BY_KIND[organization.kind]
    by_name = {r.label.casefold(): r.value for r in Role if r in allowed}
    by_name.update({r.value: r.value for r in Role if r in allowed})
    mapping: dict[str, str] = {}
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        group, sep, role = line.partition("=")
        role_value = by_name.get(role.strip().casefold())
        if not sep or not group.strip() or role_value is None:
            names = ", ".join(r.label for r in Role if r in allowed)
            errors.append(f"Line {number}: write “group = role”, the role one of {names}.")
            continue
        mapping[group.strip()] = role_value
    if errors:
        raise ValidationError(errors)
    return mapping


@transaction.atomic
def connection_save(
    *,
    actor: User,
    organization: Organization,
    domain: str,
    discovery_url: str,
    client_id: str,
    client_secret: str = "",
    enabled: bool = True,
    sso_required: bool = False,
    break_glass_user: User | None = None,
    group_claim: str = "",
    role_mapping: dict[str, str] | None = None,
) -> SsoConnection:
    """Create or change the organization's connection. An empty secret keeps the stored one.

    The domain must be the admin's own address's domain (they hold a mailbox there), unless
    platform staff set it; a domain belongs to one organization only.
    """
    domain = domain.strip().lower()
    if not actor.is_staff and email_domain(actor.email) != domain:
        raise ValidationError(
            {"domain": f"Use the domain of your own address ({email_domain(actor.email)})."}
        )
    if sso_required and break_glass_user is None:
        raise ValidationError(
            {"break_glass_user": "Name the admin who may still use a password if it fails."}
        )
    if (
        break_glass_user is not None
        and not Membership.objects.filter(
            user=break_glass_user,
            organization=organization,
            role__in=[Role.CLIENT_ADMIN, Role.PROVIDER_ADMIN],
        ).exists()
    ):
        raise ValidationError({"break_glass_user": "Choose one of the organization's admins."})
    connection = SsoConnection.objects.filter(organization=organization).first()
    if connection is None:
        if not client_secret:
            raise ValidationError({"client_secret": "Enter the client secret."})
        app = SocialApp(provider=PROVIDER, provider_id=provider_id_for(organization))
        connection = SsoConnection(organization=organization)
    else:
        app = connection.social_app
    app.name = organization.name
    app.client_id = client_id.strip()
    if client_secret:
        app.secret = client_secret
        connection.secret_changed_at = timezone.now()
    app.settings = {"server_url": discovery_url.strip(), "fetch_userinfo": False}
    app.full_clean()
    app.save()
    connection.social_app = app
    connection.domain = domain
    connection.discovery_url = discovery_url.strip()
    connection.client_id = client_id.strip()
    connection.enabled = enabled
    connection.sso_required = sso_required
    connection.break_glass_user = break_glass_user
    connection.group_claim = group_claim.strip()
    connection.role_mapping = role_mapping or {}
    connection.full_clean()
    connection.save()
    return connection


@transaction.atomic
def connection_delete(*, actor: User, connection: SsoConnection) -> None:
    app = connection.social_app
    connection.delete()
    app.delete()


def mapped_role(*, connection: SsoConnection, claims: dict) -> str | None:
    """The highest role that the person's groups map to, or None."""
    if not connection.group_claim or not connection.role_mapping:
        return None
    groups = claims.get(connection.group_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    roles = [connection.role_mapping[g] for g in groups if g in connection.role_mapping]
    allowed = ROLES_BY_KIND[connection.organization.kind]
    roles = [r for r in roles if r in allowed]
    return max(roles, key=lambda r: ROLE_RANK[r]) if roles else None


@transaction.atomic
def sso_membership_apply(*, connection: SsoConnection, user: User, claims: dict) -> Membership:
    """After a sign-in through the organization's provider: a person who is not a member joins
    with the least role (or the role their groups map to); a member's mapped role is updated.
    The break-glass admin keeps their role."""
    organization = connection.organization
    membership = Membership.objects.filter(user=user, organization=organization).first()
    role = mapped_role(connection=connection, claims=claims)
    if membership is None:
        return account_services.membership_set(
            user=user, organization=organization, role=role or JOIN_ROLE[organization.kind]
        )
    if role and role != membership.role and user.pk != connection.break_glass_user_id:
        return account_services.membership_set(user=user, organization=organization, role=role)
    return membership


@transaction.atomic
def sign_in_record(
    *,
    user: User | None,
    email: str,
    method: str,
    outcome: str,
    action: str,
    organizations: list[Organization] | None = None,
) -> list[SignInEvent]:
    """One record per organization of the person (one without an organization if none)."""
    if organizations is None:
        organizations = (
            list(Organization.objects.filter(memberships__user=user)) if user is not None else []
        )
    events = []
    for organization in organizations or [None]:
        event = SignInEvent(
            organization=organization,
            user=user,
            email=email,
            method=method,
            outcome=outcome,
            action=action[:200],
        )
        event.full_clean()
        event.save()
        events.append(event)
    return events


__all__ = ["SignInMethod", "SignInOutcome"]
