"""Stepped targets (glidepaths): a target's path proposed in one go and agreed in one answer.

A glidepath is one proposal (`Glidepath`, the shared two-party agreement) whose steps are
ordinary targets (`KpiTarget`), proposed together with it and linked to it in order. The other
party agrees to or rejects the glidepath, and every step takes the same answer in the same
transaction, each with its own step on its history; a step is never answered alone. Steps
follow one another without a gap or an overlap: each step ends the day before the next one
starts, the last one when the glidepath says (or never). The KPI engine then reads, in each
period, the step in force at the period's end, as for any agreed target
(docs/data-contract.md, "Stepped targets").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from engagements import agreement
from engagements.models import Engagement
from kpis.models import Glidepath, GlidepathTarget, KpiTarget
from kpis.registry import KPI_BY_KEY
from kpis.target_services import AGREE, _target_terms, _targets_changed
from kpis.templatetags.kpis_tags import threshold
from notifications.selectors import leads_of
from notifications.services import notify
from rpo_portal import formats

PROPOSE = "kpis.propose_target"
MAX_STEPS = 12


@dataclass(frozen=True)
class Step:
    """One step as proposed: from when, and its target and thresholds."""

    effective_from: date
    target_value: Decimal
    at_risk_threshold: Decimal
    breach_threshold: Decimal
    effective_to: date | None = None


def _step(value) -> Step:
    return value if isinstance(value, Step) else Step(**value)


def _checked_steps(steps: list[Step], end: date | None) -> list[tuple[Step, date | None]]:
    """Each step with the day it ends: the day before the next one starts (the last: `end`).
    Refused, naming the step: fewer than two, out of order, overlapping, or leaving a gap."""
    if len(steps) < 2:
        raise ValidationError({"steps": "A glidepath has at least two steps."})
    if len(steps) > MAX_STEPS:
        raise ValidationError({"steps": f"A glidepath has at most {MAX_STEPS} steps."})
    ends: list[tuple[Step, date | None]] = []
    for i, step in enumerate(steps):
        number = i + 1
        if i + 1 < len(steps):
            following = steps[i + 1]
            if following.effective_from <= step.effective_from:
                raise ValidationError(
                    {
                        "steps": (
                            f"Step {number + 1} starts {formats.day(following.effective_from)}, "
                            f"not after step {number} ({formats.day(step.effective_from)}): give "
                            "the steps in the order they take effect."
                        )
                    }
                )
            day_before = following.effective_from - timedelta(days=1)
            if step.effective_to is not None and step.effective_to > day_before:
                raise ValidationError(
                    {
                        "steps": (
                            f"Step {number} ends {formats.day(step.effective_to)}, after step "
                            f"{number + 1} starts ({formats.day(following.effective_from)}): "
                            "steps must not overlap."
                        )
                    }
                )
            if step.effective_to is not None and step.effective_to < day_before:
                raise ValidationError(
                    {
                        "steps": (
                            f"Step {number} ends {formats.day(step.effective_to)}, leaving a gap "
                            f"before step {number + 1} starts "
                            f"({formats.day(following.effective_from)}): each step runs until "
                            "the next one starts."
                        )
                    }
                )
            ends.append((step, day_before))
        else:
            last_end = step.effective_to or end
            if last_end is not None and last_end < step.effective_from:
                raise ValidationError({"steps": f"Step {number} cannot end before it starts."})
            ends.append((step, last_end))
    return ends


@transaction.atomic
def glidepath_propose(
    *,
    actor,
    engagement: Engagement,
    kpi: str,
    grain: str,
    steps: list,
    dimension: str = "",
    segment: str = "",
    min_sample_size: int = 1,
    effective_to: date | None = None,
    note: str = "",
) -> Glidepath:
    """One party proposes the whole path; nothing gives status until the other agrees."""
    if kpi not in KPI_BY_KEY:
        raise ValidationError({"kpi": f"“{kpi}” is not a KPI of the catalogue."})
    ends = _checked_steps([_step(s) for s in steps], effective_to)
    glidepath = agreement.proposal_make(
        Glidepath,
        actor=actor,
        engagement=engagement,
        perm=PROPOSE,
        note=note,
        kpi=kpi,
        grain=grain,
        dimension=dimension,
        segment=segment,
    )
    terms = []
    for position, (step, end) in enumerate(ends, start=1):
        try:
            target = agreement.proposal_make(
                KpiTarget,
                actor=actor,
                engagement=engagement,
                perm=PROPOSE,
                note=f"Step {position} of a glidepath.",
                kpi=kpi,
                grain=grain,
                dimension=dimension,
                segment=segment,
                effective_from=step.effective_from,
                effective_to=end,
                target_value=step.target_value,
                at_risk_threshold=step.at_risk_threshold,
                breach_threshold=step.breach_threshold,
                min_sample_size=min_sample_size,
            )
        except ValidationError as error:
            raise ValidationError(
                {"steps": [f"Step {position}: {message}" for message in error.messages]}
            ) from None
        agreement.proposed_record(target, _target_terms(target))
        link = GlidepathTarget(
            engagement=engagement, glidepath=glidepath, target=target, position=position
        )
        link.full_clean()
        link.save()
        terms.append(_target_terms(target))
    agreement.proposed_record(
        glidepath,
        {"kpi": kpi, "grain": grain, "dimension": dimension, "segment": segment, "steps": terms},
    )
    _notify(glidepath, event="proposed", actor=actor)
    return glidepath


def glidepath_steps(glidepath: Glidepath) -> list[KpiTarget]:
    return [
        link.target
        for link in GlidepathTarget.objects.filter(glidepath=glidepath)
        .select_related("target")
        .order_by("position")
    ]


def _answer_steps(*, actor, glidepath: Glidepath, answer, note: str) -> None:
    for target in glidepath_steps(glidepath):
        answer(actor=actor, proposal=target, perm=AGREE, note=note or "With its glidepath.")


@transaction.atomic
def glidepath_agree(*, actor, glidepath: Glidepath, note: str = "") -> Glidepath:
    """The other party agrees to the whole path: every step is agreed with it."""
    agreement.proposal_agree(actor=actor, proposal=glidepath, perm=AGREE, note=note)
    _answer_steps(actor=actor, glidepath=glidepath, answer=agreement.proposal_agree, note=note)
    _targets_changed(glidepath)
    _notify(glidepath, event="agreed", actor=actor)
    return glidepath


@transaction.atomic
def glidepath_reject(*, actor, glidepath: Glidepath, note: str = "") -> Glidepath:
    agreement.proposal_reject(actor=actor, proposal=glidepath, perm=AGREE, note=note)
    _answer_steps(actor=actor, glidepath=glidepath, answer=agreement.proposal_reject, note=note)
    _notify(glidepath, event="rejected", actor=actor)
    return glidepath


def glidepath_words(glidepath: Glidepath) -> str:
    """“Time to fill (month): 60.0 days from 1 Jan 2027, 50.0 days from 1 Apr 2027, …”."""
    segment = (
        f", {formats.label(glidepath.dimension)} {glidepath.segment}" if glidepath.dimension else ""
    )
    path = ", ".join(
        f"{threshold(t.target_value, t.kpi)} from {formats.day(t.effective_from)}"
        for t in glidepath_steps(glidepath)
    )
    grain = formats.label(glidepath.grain).lower()
    return f"{glidepath.definition.name} ({grain}{segment}): {path}"


NOTICES = {
    "proposed": (
        "Glidepath proposed",
        "{actor} proposed a glidepath of targets: {what}. The other party agrees to or rejects "
        "it as a whole; until then it gives no status.",
    ),
    "agreed": (
        "Glidepath agreed",
        "{actor} agreed to the glidepath: {what}. Each period's status uses the step in force.",
    ),
    "rejected": ("Glidepath rejected", "{actor} rejected the proposed glidepath: {what}."),
}


def _notify(glidepath: Glidepath, *, event: str, actor) -> None:
    title, body = NOTICES[event]
    what = glidepath_words(glidepath)
    notify(
        engagement=glidepath.engagement,
        event_key=f"glidepath:{glidepath.pk}:{event}",
        kind=f"glidepath_{event}",
        subject=f"{title}: {glidepath.definition.name}",
        body=body.format(actor=actor, what=what)
        + (f"\nNote: {glidepath.note}" if event == "proposed" and glidepath.note else ""),
        url=reverse(
            "kpis:glidepath_detail",
            kwargs={"engagement_id": glidepath.engagement_id, "glidepath_id": glidepath.pk},
        ),
        recipients=[
            lead for lead in leads_of(engagement=glidepath.engagement) if lead.pk != actor.pk
        ],
    )
