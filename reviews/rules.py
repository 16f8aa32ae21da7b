import rules

from accounts.models import Role
from engagements.rules import has_role, is_not_viewer, is_party

is_lead = has_role(Role.CLIENT_ADMIN, Role.HR_LEAD, Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER)

rules.add_perm("reviews.log_action_item", is_not_viewer)
# Meetings (ad hoc, minutes, agenda items), decisions and risks: everyone but viewers.
rules.add_perm("reviews.record_review", is_not_viewer)
# The cadences are the partnership's rhythm: either party's leads set them.
rules.add_perm("reviews.change_cadence", is_lead)

# Every member may read the QBR packs; making one (work for the worker, a file kept for weeks)
# is for those who also log actions. Subscribing only sends the pack to oneself, so every
# member may, the read-only executives the pack is written for included.
rules.add_perm("reviews.generate_qbr_pack", is_not_viewer)
rules.add_perm("reviews.subscribe_qbr_pack", is_party)
