import rules

from accounts.models import Role
from engagements.rules import has_role

rules.add_perm("sla.waive_breach", has_role(Role.HR_LEAD))

# --- Breach lifecycle -----------------------------------------------------------------------
# The provider's account managers answer for breaches; the client's HR leads decide on them.
is_provider_responder = has_role(Role.ACCOUNT_MANAGER)
is_client_decider = has_role(Role.HR_LEAD)

rules.add_perm("sla.respond_to_breach", is_provider_responder)  # acknowledge, plan, resolve
rules.add_perm("sla.claim_relief", is_provider_responder)
rules.add_perm("sla.answer_relief", is_client_decider)
rules.add_perm("sla.reopen_breach", is_client_decider)
