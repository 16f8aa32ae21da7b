import rules

from accounts.models import Role
from engagements.rules import has_role, is_party

can_import_data = has_role(Role.ACCOUNT_MANAGER, Role.CLIENT_ADMIN)

rules.add_perm("recruiting.view_data", is_party)
rules.add_perm("recruiting.import_data", can_import_data)
