import rules

from accounts.models import Role
from engagements.rules import has_role

rules.add_perm("sla.waive_breach", has_role(Role.HR_LEAD))
