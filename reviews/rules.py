import rules

from accounts.models import CLIENT_ROLES, PROVIDER_ROLES, Role
from engagements.access import party_of, roles_in
from engagements.rules import has_role, is_not_viewer, is_party

LEAD_ROLES = frozenset({Role.CLIENT_ADMIN, Role.HR_LEAD, Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER})
is_lead = has_role(*LEAD_ROLES)
PARTY_LEADS = {"client": LEAD_ROLES & CLIENT_ROLES, "provider": LEAD_ROLES & PROVIDER_ROLES}


def organising_party(meeting) -> str:
    """ "client" or "provider": the side that organises the meeting, its organiser's. The
    provider runs the reviews, so a meeting without an organiser (or whose organiser has left
    both parties) is the provider's."""
    organiser = meeting.organiser
    return (party_of(organiser, meeting.engagement) if organiser else None) or "provider"


@rules.predicate
def leads_organising_party(user, meeting) -> bool:
    if meeting is None:
        return False
    return bool(roles_in(user, meeting.engagement) & PARTY_LEADS[organising_party(meeting)])


rules.add_perm("reviews.log_action_item", is_not_viewer)
# Meetings (ad hoc, minutes, agenda items), decisions and risks: everyone but viewers.
rules.add_perm("reviews.record_review", is_not_viewer)
# The cadences are the partnership's rhythm: either party's leads set them.
rules.add_perm("reviews.change_cadence", is_lead)
# Calling a meeting off (and back on) is for the leads of the side that organises it: the
# other side, and the organising side's staff, ask them. Checked on the meeting, not the
# engagement.
rules.add_perm("reviews.cancel_meeting", leads_organising_party)

# Every member may read the QBR packs; making one (work for the worker, a file kept for weeks)
# is for those who also log actions. Subscribing only sends the pack to oneself, so every
# member may, the read-only executives the pack is written for included.
rules.add_perm("reviews.generate_qbr_pack", is_not_viewer)
rules.add_perm("reviews.subscribe_qbr_pack", is_party)
# The transition plan (reviews/transition/): made, edited and kept up to date by everyone but
# viewers, as the governance log is.
rules.add_perm("reviews.plan_transition", is_not_viewer)
