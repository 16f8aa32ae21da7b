"""Role predicates over memberships (the `rules` library): who may do what in an engagement."""

import rules

from accounts.models import Role
from engagements.access import roles_in


def has_role(*roles: str) -> rules.Predicate:
    wanted = frozenset(roles)

    @rules.predicate(name=f"has_role({', '.join(sorted(wanted))})")
    def predicate(user, engagement) -> bool:
        return engagement is not None and bool(roles_in(user, engagement) & wanted)

    return predicate


@rules.predicate
def is_party(user, engagement) -> bool:
    return engagement is not None and bool(roles_in(user, engagement))


is_admin = has_role(Role.CLIENT_ADMIN, Role.PROVIDER_ADMIN)
is_not_viewer = is_party & ~has_role(Role.CLIENT_VIEWER)

rules.add_perm("engagements.view_engagement", is_party)
rules.add_perm("engagements.change_engagement", is_admin)
# The audit trail names people, API keys and every change: the parties' leads and managers.
rules.add_perm(
    "engagements.view_audit",
    has_role(Role.CLIENT_ADMIN, Role.HR_LEAD, Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER),
)
# Commercial terms (the monthly fee, the at-risk %) move money: a party's admin, HR lead or
# account manager may propose them; that the answer comes from the *other* party is checked
# where the proposal is known (the agreement).
can_negotiate_terms = has_role(
    Role.CLIENT_ADMIN, Role.HR_LEAD, Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER
)
rules.add_perm("engagements.propose_terms", can_negotiate_terms)
rules.add_perm("engagements.agree_terms", can_negotiate_terms)
