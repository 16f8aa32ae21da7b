"""Every request runs as the application role, in one transaction, with its tenant context.

The context is the organizations of whoever makes the request: a signed-in user's memberships
(set here), or, in the API, whoever DRF authenticated (an API key stands for its
organization), set by the API's default permission before anything reads an engagement.
Anonymous requests have none, so they see no engagement data. Row-level security
(`rpo_portal.tenant_db`) then hides every other tenant's rows even
from a query that forgets its engagement filter.

The transaction ends with the response: a 5xx response rolls back what the view wrote.
A streamed response (a CSV export) is produced after this middleware returns, so its
iteration gets its own transaction with the same role and context.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.http import FileResponse
from django.urls import reverse

from accounts.roles import organization_roles
from rpo_portal import tenant_db


def request_organizations(request) -> list[int]:
    """The request's tenant: the user's organizations; every organization for a superuser in
    the Django admin (the platform operator's console, like `manage.py` on the server)."""
    user = getattr(request, "user", None)
    if user is None:
        return []
    if user.is_superuser and request.path_info.startswith(admin_prefix()):
        return tenant_db.all_organizations()
    return list(organization_roles(user))


@functools.cache
def admin_prefix() -> str:
    return reverse("admin:index")


def principal_tenant(request, principal) -> None:
    """Make `principal`'s organizations the tenant for the rest of the request: the API's
    principal is known only once DRF has authenticated it (an API key, or a signed-in user)."""
    organizations = list(organization_roles(principal))
    if organizations != getattr(request, "tenant_organizations", None):
        # A key, or a user DRF authenticated itself; a session's user is the middleware's.
        tenant_db.set_tenant(organizations)
        request.tenant_organizations = organizations


def _streamed(content: Iterable[bytes], organizations: list[int]) -> Iterator[bytes]:
    with transaction.atomic(), tenant_db.application_role(tenant=organizations):
        yield from content


class TenantTransactionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        organizations = request_organizations(request)
        request.tenant_organizations = organizations
        with transaction.atomic(), tenant_db.application_role(tenant=organizations):
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        if response.streaming and not isinstance(response, FileResponse):
            response.streaming_content = _streamed(
                response.streaming_content, request.tenant_organizations
            )
        return response
