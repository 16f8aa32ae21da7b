"""SCIM 2.0 Users (RFC 7643, RFC 7644) for one organization: its identity provider creates,
reads, lists (filter `userName eq "..."`), changes and deactivates the organization's people.

A person is the organization's to provision only if every membership they hold is in it: a
SCIM token of one organization never sees nor changes anyone of another. Deactivation signs the
person out everywhere at once and revokes the API keys they created for the organization.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiKey, Membership, Organization, User
from identity.models import ScimCall, ScimToken, UserSession
from identity.services import JOIN_ROLE
from identity.sessions import session_end
from rpo_portal.text_rules import email_canonical

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
TOKEN_PREFIX = "scim"  # noqa: S105 - the marker of a token, not a secret


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str = ""):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type

    def body(self) -> dict:
        body = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: User, organization: Organization, name: str) -> tuple[ScimToken, str]:
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ScimToken(
        organization=organization,
        name=name.strip(),
        prefix=prefix,
        secret_hash=_hash(secret),
        created_by=actor,
    )
    token.full_clean()
    token.save()
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def token_revoke(*, actor: User, token: ScimToken) -> ScimToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(*, organization: Organization, header: str) -> ScimToken | None:
    match = re.fullmatch(r"Bearer\s+scim_([0-9a-f]{12})_(\S+)", header or "")
    if not match:
        return None
    token = ScimToken.objects.filter(
        organization=organization, prefix=match[1], revoked_at__isnull=True
    ).first()
    if token is None or not secrets.compare_digest(token.secret_hash, _hash(match[2])):
        return None
    ScimToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def call_record(*, organization: Organization, token: ScimToken | None, action: str, status: int):
    ScimCall.objects.create(
        organization=organization, token=token, action=action[:200], status=status
    )


def people_of(organization: Organization):
    """The users the organization may provision: members of it and of no other."""
    others = Membership.objects.exclude(organization=organization).values("user_id")
    return User.objects.filter(memberships__organization=organization).exclude(pk__in=others)


def person(organization: Organization, user_id: str) -> User:
    user = people_of(organization).filter(pk=int(user_id) if user_id.isdigit() else 0).first()
    if user is None:
        raise ScimError(404, f"User {user_id} not found")
    return user


def resource(user: User, location: str) -> dict:
    given, _, family = (user.full_name or "").partition(" ")
    return {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "userName": user.email,
        "name": {"formatted": user.full_name, "givenName": given, "familyName": family},
        "displayName": user.full_name or user.email,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.is_active,
        "meta": {
            "resourceType": "User",
            "created": user.date_joined.isoformat(),
            "location": location,
        },
    }


def _full_name(data: dict) -> str:
    name = data.get("name") or {}
    text = name.get("formatted") or " ".join(
        part for part in (name.get("givenName"), name.get("familyName")) if part
    )
    return (text or data.get("displayName") or "").strip()[:200]


def filter_users(organization: Organization, text: str):
    users = people_of(organization).order_by("pk")
    if not text:
        return users
    match = re.fullmatch(r'\s*userName\s+eq\s+"([^"]*)"\s*', text, flags=re.IGNORECASE)
    if not match:
        raise ScimError(400, 'Only the filter userName eq "..." is supported.', "invalidFilter")
    return users.filter(Q(email=email_canonical(match[1])))


@transaction.atomic
def user_create(*, organization: Organization, data: dict) -> User:
    email = email_canonical(str(data.get("userName") or ""))
    if "@" not in email:
        raise ScimError(400, "userName must be the person's e-mail address.", "invalidValue")
    if User.objects.filter(email=email).exists():
        raise ScimError(409, f"A user {email} already exists.", "uniqueness")
    user = User.objects.create_user(email=email, password=None, full_name=_full_name(data))
    account_services.membership_set(
        user=user, organization=organization, role=JOIN_ROLE[organization.kind]
    )
    if data.get("active") is False:
        user_set_active(organization=organization, user=user, active=False)
    return user


@transaction.atomic
def user_set_active(*, organization: Organization, user: User, active: bool) -> User:
    if active and not user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.refresh_from_db(fields=["is_active"])
    elif not active and user.is_active:
        account_services.user_deactivate(actor=None, user=user)
        for row in UserSession.objects.filter(user=user):
            session_end(user=user, session_id=row.pk)
        for key in ApiKey.objects.filter(
            organization=organization, created_by=user, revoked_at__isnull=True
        ):
            account_services.api_key_revoke(actor=user, api_key=key)
    return user


@transaction.atomic
def user_replace(*, organization: Organization, user: User, data: dict) -> User:
    full_name = _full_name(data)
    if full_name and full_name != user.full_name:
        User.objects.filter(pk=user.pk).update(full_name=full_name)
        user.full_name = full_name
    if "active" in data:
        user_set_active(organization=organization, user=user, active=bool(data["active"]))
    return user


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


@transaction.atomic
def user_patch(*, organization: Organization, user: User, data: dict) -> User:
    if PATCH_SCHEMA not in (data.get("schemas") or []):
        raise ScimError(400, "A PATCH body is a PatchOp message.", "invalidSyntax")
    for operation in data.get("Operations") or []:
        op = str(operation.get("op", "")).lower()
        path = str(operation.get("path", "") or "")
        value = operation.get("value")
        if op not in ("replace", "add"):
            raise ScimError(400, f"Operation {op} is not supported.", "invalidSyntax")
        if path.lower() == "active":
            user_set_active(organization=organization, user=user, active=_truthy(value))
        elif not path and isinstance(value, dict):
            if "active" in value:
                user_set_active(
                    organization=organization, user=user, active=_truthy(value["active"])
                )
            if _full_name(value):
                user_replace(
                    organization=organization,
                    user=user,
                    data={"name": value.get("name"), "displayName": value.get("displayName")},
                )
        elif path in ("displayName", "name.formatted"):
            user_replace(organization=organization, user=user, data={"displayName": value})
        else:
            raise ScimError(400, f"The path {path} cannot be changed here.", "noTarget")
    return user
