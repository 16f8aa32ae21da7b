"""Writes for users, organizations and memberships."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import (
    ApiKey,
    Membership,
    Organization,
    OrganizationKind,
    User,
    default_api_key_role,
)
from rpo_portal.text_rules import email_canonical


@transaction.atomic
def organization_get_or_create(*, name: str, kind: str) -> tuple[Organization, bool]:
    """The organization named `name`; created with `kind` if it does not exist yet.

    An existing organization of the other kind is an error: a client cannot silently
    become a provider.
    """
    name = name.strip()
    existing = Organization.objects.filter(name__iexact=name).first()
    if existing is not None:
        if existing.kind != kind:
            raise ValidationError(
                f"{existing.name} is a {existing.get_kind_display().lower()}, not a {kind}."
            )
        return existing, False
    organization = Organization(name=name, slug=_unique_slug(name), kind=kind)
    organization.full_clean()
    organization.save()
    return organization, True


def _unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def user_create(*, email: str, password: str, full_name: str = "", is_staff: bool = False) -> User:
    email = email_canonical(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError(f"A user with e-mail {email} already exists.")
    return User.objects.create_user(
        email=email, password=password, full_name=full_name, is_staff=is_staff
    )


@transaction.atomic
def membership_set(*, user: User, organization: Organization, role: str) -> Membership:
    """Give `user` the `role` in `organization` (replacing an earlier role there)."""
    membership = Membership.objects.filter(user=user, organization=organization).first()
    if membership is None:
        membership = Membership(user=user, organization=organization)
    membership.role = role
    membership.full_clean()
    membership.save()
    return membership


def organization_kind_for_role(role: str) -> str:
    from accounts.models import CLIENT_ROLES

    return OrganizationKind.CLIENT if role in CLIENT_ROLES else OrganizationKind.PROVIDER


API_KEY_PREFIX = "rpo"


def api_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *, actor: User, organization: Organization, name: str, role: str | None = None
) -> tuple[ApiKey, str]:
    """A new key for `organization`, and the full key text: the only time it is known."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)  # 256 bits
    api_key = ApiKey(
        organization=organization,
        name=name.strip(),
        role=role or default_api_key_role(organization.kind),
        prefix=prefix,
        secret_hash=api_key_hash(secret),
        created_by=actor,
    )
    api_key.full_clean()
    api_key.save()
    return api_key, f"{API_KEY_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, actor: User, api_key: ApiKey) -> ApiKey:
    """Stop the key working from the next request on. Revoking twice keeps the first time."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = actor
        api_key.save(update_fields=["revoked_at", "revoked_by"])
    return api_key


# Recording every use would write a row per request; a minute's precision is enough to see
# whether a key is still in use.
API_KEY_USE_RESOLUTION = timedelta(minutes=1)


def api_key_record_use(*, api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= API_KEY_USE_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
