"""Writes of the recruiter capacity: one party proposes requisitions per recruiter, the other
agrees or rejects (`engagements.agreement`), every step on record."""

from __future__ import annotations

from django.db import transaction

from engagements import agreement
from engagements.models import Engagement
from forecasts.models import CapacityTerms

PROPOSE = "forecasts.propose_capacity"
AGREE = "forecasts.agree_capacity"


@transaction.atomic
def capacity_propose(
    *, actor, engagement: Engagement, requisitions_per_recruiter: int, note: str = ""
) -> CapacityTerms:
    """One party proposes a capacity; it is in force once the other party agrees."""
    in_force = (
        CapacityTerms.objects.filter(engagement=engagement, state=agreement.AgreementState.AGREED)
        .order_by("-responded_at", "-id")
        .first()
    )
    proposal = agreement.proposal_make(
        CapacityTerms,
        actor=actor,
        engagement=engagement,
        perm=PROPOSE,
        note=note,
        requisitions_per_recruiter=requisitions_per_recruiter,
    )
    before = in_force.requisitions_per_recruiter if in_force else None
    agreement.proposed_record(
        proposal, {"requisitions_per_recruiter": [before, requisitions_per_recruiter]}
    )
    return proposal


# capacity_agree(actor=..., terms=..., note=...), and capacity_reject alike.
ANSWERS = agreement.Answers("terms", AGREE)
capacity_agree = ANSWERS.agree
capacity_reject = ANSWERS.reject
