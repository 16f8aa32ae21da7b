import rules

from accounts.models import Role
from engagements.rules import has_role

rules.add_perm("sla.waive_breach", has_role(Role.HR_LEAD))

# Proposing and answering a schedule both need a negotiator; that the answer comes from the
# *other* party than the proposer's is checked where the proposal is known (the agreement).
can_negotiate_clauses = has_role(Role.HR_LEAD, Role.ACCOUNT_MANAGER)
rules.add_perm("sla.propose_schedule", can_negotiate_clauses)
rules.add_perm("sla.agree_schedule", can_negotiate_clauses)

# --- Breach lifecycle -----------------------------------------------------------------------
# The provider's account managers answer for breaches; the client's HR leads decide on them.
is_provider_responder = has_role(Role.ACCOUNT_MANAGER)
is_client_decider = has_role(Role.HR_LEAD)

rules.add_perm("sla.respond_to_breach", is_provider_responder)  # acknowledge, plan, resolve
rules.add_perm("sla.claim_relief", is_provider_responder)
rules.add_perm("sla.answer_relief", is_client_decider)
rules.add_perm("sla.reopen_breach", is_client_decider)
