import rules

from accounts.models import Role
from engagements.rules import has_role

# The recruiter capacity is a term both parties sign off: their admins and leads negotiate it
# (that the answer comes from the other party is checked by the agreement).
can_negotiate_capacity = has_role(
    Role.CLIENT_ADMIN, Role.HR_LEAD, Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER
)
rules.add_perm("forecasts.propose_capacity", can_negotiate_capacity)
rules.add_perm("forecasts.agree_capacity", can_negotiate_capacity)
