"""The negotiation of KPI targets: one party proposes, the other agrees, rejects or counters.

A target gives values a status only once both parties have agreed to it
(data-contract.md section 4); every step is kept with who and when (`TargetEvent`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from engagements import agreement
from engagements.models import Engagement
from kpis.models import GlidepathTarget, KpiTarget
from kpis.templatetags.kpis_tags import threshold_in
from notifications.selectors import leads_of
from notifications.services import notify
from rpo_portal import formats

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
    _notify(target, event="proposed" if replaces is None else "countered", actor=actor)
    return target


def _target_words(target: KpiTarget) -> str:
    segment = f", {formats.label(target.dimension)} {target.segment}" if target.dimension else ""
    currency = target.engagement.currency
    target_value = threshold_in(target.target_value, target.kpi, currency)
    breach = threshold_in(target.breach_threshold, target.kpi, currency)
    return (
        f"{target.definition.name} ({formats.label(target.grain).lower()}{segment}) from "
        f"{formats.day(target.effective_from)}: target {target_value}, breach threshold {breach}"
    )


NOTICES = {
    "proposed": (
        "Target proposed",
        "{actor} proposed a target: {what}. The other party agrees, "
        "rejects or counters it; until then it gives no status.",
    ),
    "countered": (
        "Target countered",
        "{actor} answered a proposal with other terms: {what}. "
        "The first party agrees, rejects or counters in turn.",
    ),
    "agreed": (
        "Target agreed",
        "{actor} agreed to the target: {what}. Statuses are recomputed with it.",
    ),
    "rejected": ("Target rejected", "{actor} rejected the proposed target: {what}."),
}


def _notify(target: KpiTarget, *, event: str, actor) -> None:
    """Tell the leads of both parties of a step of the negotiation, except the person who
    took it: a proposal reaches the other party, who must answer it."""
    title, body = NOTICES[event]
    what = _target_words(target)
    notify(
        engagement=target.engagement,
        event_key=f"target:{target.pk}:{event}",
        kind=f"target_{event}",
        subject=f"{title}: {what}",
        body=body.format(actor=actor, what=what)
        + (f"\nNote: {target.note}" if event in ("proposed", "countered") and target.note else ""),
        url=reverse(
            "kpis:target_detail",
            kwargs={"engagement_id": target.engagement_id, "target_id": target.pk},
        ),
        recipients=[lead for lead in leads_of(engagement=target.engagement) if lead.pk != actor.pk],
    )


def _targets_changed(target: KpiTarget) -> None:
    """Agreed targets change statuses: recompute like after an import."""
    from engagements.services import engagement_mark_data_changed

    engagement_mark_data_changed(engagement=Engagement(pk=target.engagement_id))


ANSWERS = agreement.Answers("target", AGREE, on_agreed=_targets_changed)


def _not_a_glidepath_step(target: KpiTarget) -> None:
    """A step of a glidepath takes its glidepath's answer (kpis.glidepath_services)."""
    if GlidepathTarget.objects.filter(target_id=target.pk).exists():
        raise ValidationError("This target is a step of a glidepath: answer the glidepath whole.")


@transaction.atomic
def target_agree(*, actor, target: KpiTarget, note: str = "") -> KpiTarget:
    """The other party agrees: the target gives status from now on."""
    _not_a_glidepath_step(target)
    ANSWERS.agree(actor=actor, target=target, note=note)
    _notify(target, event="agreed", actor=actor)
    return target


@transaction.atomic
def target_reject(*, actor, target: KpiTarget, note: str = "") -> KpiTarget:
    _not_a_glidepath_step(target)
    ANSWERS.reject(actor=actor, target=target, note=note)
    _notify(target, event="rejected", actor=actor)
    return target


@transaction.atomic
def target_counter(*, actor, target: KpiTarget, note: str = "", **terms) -> KpiTarget:
    """The other party answers with different terms: a new proposal for the first to answer."""
    _not_a_glidepath_step(target)

    def propose() -> KpiTarget:
        target.refresh_from_db()
        proposal = {field: getattr(target, field) for field in TARGET_FIELDS} | terms
        return target_propose(
            actor=actor, engagement=target.engagement, replaces=target, note=note, **proposal
        )

    return agreement.proposal_counter(
        actor=actor, proposal=target, perm=AGREE, propose=propose, note=note
    )
