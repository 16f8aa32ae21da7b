"""Writes for users, organizations and memberships."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Membership, Organization, OrganizationKind, User


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
    if User.objects.filter(email__iexact=email).exists():
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
