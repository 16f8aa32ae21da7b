"""A principal's organizations and its role in each: the tenant of everything it does.

Read by the request middleware (the tenant context), the engagement gate and the
organization pages; the principal is a user or an API-key principal that sets `_org_roles`.
"""

from __future__ import annotations

from typing import Any


def organization_roles(principal: Any) -> dict[int, str]:
    """{organization id: role} for a user (or an API-key principal that sets `_org_roles`).

    Cached on the object, so one request asks the database once.
    """
    roles = getattr(principal, "_org_roles", None)
    if roles is None:
        if not getattr(principal, "is_authenticated", False):
            roles = {}
        else:
            roles = dict(principal.memberships.values_list("organization_id", "role"))
        principal._org_roles = roles
    return roles
