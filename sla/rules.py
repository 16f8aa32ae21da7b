import rules

from accounts.models import Role
from engagements.rules import has_role

rules.add_perm("sla.waive_breach", has_role(Role.HR_LEAD))

# Proposing and answering a schedule both need a negotiator; that the answer comes from the
# *other* party than the proposer's is checked where the proposal is known (the agreement).
can_negotiate_clauses = has_role(Role.HR_LEAD, Role.ACCOUNT_MANAGER)
rules.add_perm("sla.propose_schedule", can_negotiate_clauses)
rules.add_perm("sla.agree_schedule", can_negotiate_clauses)
