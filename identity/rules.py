"""Who manages an organization's sign-in: its admins."""

import rules

from accounts.rules import is_organization_admin

rules.add_perm("identity.manage_sso", is_organization_admin)
