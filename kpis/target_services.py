"""The negotiation of KPI targets: one party proposes, the other agrees, rejects or counters.

A target gives values a status only once both parties have agreed to it
(data-contract.md section 4); every step is kept with who and when (`TargetEvent`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from engagements import agreement
from engagements.models import Engagement
from kpis.models import KpiTarget

AGREE = "kpis.agree_target"
TARGET_FIELDS = (
    "kpi",
    "grain",
    "dimension",
    "segment",
    "effective_from",
    "effective_to",
    "target_value",
    "at_risk_threshold",
    "breach_threshold",
    "min_sample_size",
)


def _target_terms(target: KpiTarget) -> dict[str, Any]:
    return {field: agreement.jsonable(getattr(target, field)) for field in TARGET_FIELDS}


@transaction.atomic
def target_propose(
    *,
    actor,
    engagement: Engagement,
    kpi: str,
    grain: str,
    effective_from: date,
    target_value: Decimal,
    at_risk_threshold: Decimal,
    breach_threshold: Decimal,
    min_sample_size: int = 1,
    dimension: str = "",
    segment: str = "",
    effective_to: date | None = None,
    note: str = "",
    replaces: KpiTarget | None = None,
) -> KpiTarget:
    """One party proposes a target; it gives status only once the other party agrees."""
    target = agreement.proposal_make(
        KpiTarget,
        actor=actor,
        engagement=engagement,
        perm="kpis.propose_target",
        replaces=replaces,
        note=note,
        kpi=kpi,
        grain=grain,
        dimension=dimension,
        segment=segment,
        effective_from=effective_from,
        effective_to=effective_to,
        target_value=target_value,
        at_risk_threshold=at_risk_threshold,
        breach_threshold=breach_threshold,
        min_sample_size=min_sample_size,
    )
    terms = _target_terms(target)
    changes = terms if replaces is None else agreement.terms_changed(_target_terms(replaces), terms)
    agreement.proposed_record(target, changes)
    return target


def _targets_changed(target: KpiTarget) -> None:
    """Agreed targets change statuses: recompute like after an import."""
    from engagements.services import engagement_mark_data_changed

    engagement_mark_data_changed(engagement=Engagement(pk=target.engagement_id))


# target_agree(actor=..., target=..., note=...), and target_reject alike.
ANSWERS = agreement.Answers("target", AGREE, on_agreed=_targets_changed)
target_agree = ANSWERS.agree
target_reject = ANSWERS.reject


@transaction.atomic
def target_counter(*, actor, target: KpiTarget, note: str = "", **terms) -> KpiTarget:
    """The other party answers with different terms: a new proposal for the first to answer."""

    def propose() -> KpiTarget:
        target.refresh_from_db()
        proposal = {field: getattr(target, field) for field in TARGET_FIELDS} | terms
        return target_propose(
            actor=actor, engagement=target.engagement, replaces=target, note=note, **proposal
        )

    return agreement.proposal_counter(
        actor=actor, proposal=target, perm=AGREE, propose=propose, note=note
    )
