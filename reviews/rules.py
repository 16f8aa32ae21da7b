import rules

from accounts.models import Role
from engagements.rules import has_role, is_not_viewer

is_lead = has_role(Role.CLIENT_ADMIN, Role.HR_LEAD, Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER)

rules.add_perm("reviews.log_action_item", is_not_viewer)
# Meetings (ad hoc, minutes, agenda items), decisions and risks: everyone but viewers.
rules.add_perm("reviews.record_review", is_not_viewer)
# The cadences are the partnership's rhythm: either party's leads set them.
rules.add_perm("reviews.change_cadence", is_lead)
