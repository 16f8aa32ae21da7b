import rules

from accounts.models import Role
from engagements.rules import has_role

# Proposing and agreeing both need a negotiator; that the agreeing one is on the *other*
# party than the proposer is checked where the proposal is known (kpis.services).
can_negotiate_targets = has_role(Role.HR_LEAD, Role.ACCOUNT_MANAGER)

rules.add_perm("kpis.propose_target", can_negotiate_targets)
rules.add_perm("kpis.agree_target", can_negotiate_targets)
rules.add_perm("kpis.recompute", has_role(Role.ACCOUNT_MANAGER, Role.CLIENT_ADMIN, Role.HR_LEAD))
# Baselines are agreed like targets (kpis.baselines): the same negotiators, the other party.
rules.add_perm("kpis.propose_baseline", can_negotiate_targets)
rules.add_perm("kpis.agree_baseline", can_negotiate_targets)
