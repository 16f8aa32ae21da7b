"""Permissions on organizations (engagement permissions live in engagements/rules.py)."""

import rules

from accounts.models import Role
from accounts.roles import organization_roles

ADMIN_ROLES = frozenset({Role.CLIENT_ADMIN, Role.PROVIDER_ADMIN})


@rules.predicate
def is_organization_admin(user, organization) -> bool:
    return organization is not None and organization_roles(user).get(organization.pk) in ADMIN_ROLES


rules.add_perm("accounts.manage_api_keys", is_organization_admin)
