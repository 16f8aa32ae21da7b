"""Organization API keys in DRF: `Authorization: Api-Key <key>` (or `Bearer <key>`).

A key authenticates to an `ApiKeyPrincipal`, which answers the same questions as a signed-in
user (`engagements.access` reads its `_org_roles`; `has_perm` asks `rules`), so every
permission check treats a key like a member of its organization holding the key's role.
"""

from __future__ import annotations

import hmac
import logging

import pghistory
import rules
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from accounts.models import ApiKey
from accounts.services import API_KEY_PREFIX, api_key_hash, api_key_record_use
from rpo_portal.redis_errors import REDIS_ERRORS

logger = logging.getLogger(__name__)

KEYWORDS = (b"api-key", b"bearer")


class ApiKeyPrincipal:
    """Who is acting when a request carries an API key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    # Not a user: nothing may mistake the key's id for a user's.
    pk = None
    id = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self._org_roles = {api_key.organization_id: api_key.role}

    @property
    def label(self) -> str:
        """How the key appears in history records and logs."""
        key = self.api_key
        return f"API key “{key.name}” ({key.organization.name}, {key.prefix})"

    def __str__(self) -> str:
        return self.label

    def get_username(self) -> str:
        return self.label

    def has_perm(self, perm: str, obj=None) -> bool:
        return rules.has_perm(perm, self, obj)

    def has_perms(self, perms, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perms)


def api_key_from_text(text: str) -> ApiKey | None:
    """The active key whose full text is `text`, or None."""
    parts = text.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    _, prefix, secret = parts
    api_key = ApiKey.objects.select_related("organization").filter(prefix=prefix).first()
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not hmac.compare_digest(api_key.secret_hash, api_key_hash(secret)):
        return None
    return api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as `Api-Key <key>`.")
        try:
            text = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        api_key = api_key_from_text(text)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        api_key_record_use(api_key=api_key)
        principal = ApiKeyPrincipal(api_key)
        # History triggers record who changed what; a key is not a user, so name it.
        pghistory.context(api_key=principal.label)
        return principal, api_key

    def authenticate_header(self, request) -> str:
        return 'Api-Key realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An organization API key: `Api-Key rpo_...` (or `Bearer rpo_...`).",
        }


class PrincipalRateThrottle(throttling.SimpleRateThrottle):
    """Requests per API key or per user (anonymous callers per address), in the Redis cache."""

    scope = "principal"

    def allow_request(self, request, view) -> bool:
        # Counters live in Redis; without it the API answers unthrottled rather than failing.
        try:
            return super().allow_request(request, view)
        except REDIS_ERRORS:
            logger.warning("rate limit not checked: Redis unavailable", exc_info=True)
            return True

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, ApiKeyPrincipal):
            ident = f"key-{user.api_key.pk}"
        elif user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class BulkRateThrottle(PrincipalRateThrottle):
    """Bulk uploads write many rows each: a separate, lower budget."""

    scope = "bulk"
