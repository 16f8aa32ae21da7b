"""The negotiation of baselines: one party proposes (a window of whole months before go-live,
computed by the KPI engine, or a value entered with its source), the other agrees or rejects;
every step is kept (`engagements.agreement`). Bad input is refused before anything is written.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from engagements import agreement
from engagements.models import Engagement
from kpis import reading
from kpis.baselines.compute import window_frame
from kpis.baselines.models import (
    DEFAULT_MIN_SAMPLE,
    Baseline,
    BaselineKind,
    BaselineProposal,
    BaselineSource,
    last_month_before,
)
from kpis.baselines.selectors import min_sample_sizes
from kpis.registry import ALL, KPI_BY_KEY
from notifications.selectors import leads_of
from notifications.services import notify

PROPOSE = "kpis.propose_baseline"
AGREE = "kpis.agree_baseline"
NO_GO_LIVE = (
    "This engagement has no agreed go-live date: a baseline is the value before go-live, so "
    "agree the go-live date first (Contract, Commercial terms)."
)


def _exact(value: float) -> Decimal | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return Decimal(repr(float(value))).quantize(Decimal("0.000001"))


def window_errors(*, engagement: Engagement, window_from: date, window_to: date) -> dict:
    """Why a window cannot be a baseline (none: it can): whole months, in order, before go-live."""
    if engagement.go_live_date is None:
        return {"window_from": NO_GO_LIVE}
    errors = {}
    if window_from.day != 1:
        errors["window_from"] = "A baseline window starts on the first of a month."
    if window_to.day != 1:
        errors["window_to"] = "Give the window's last month (its first day)."
    if window_to < window_from:
        errors["window_to"] = (
            f"The months are out of order: the last month ({window_to:%B %Y}) is before the "
            f"first ({window_from:%B %Y})."
        )
    latest = last_month_before(engagement.go_live_date)
    if window_to > latest:
        errors.setdefault(
            "window_to",
            f"The window must end before go-live ({engagement.go_live_date:%-d %B %Y}): its last "
            f"month can be {latest:%B %Y} at the latest.",
        )
    return errors


@transaction.atomic
def baselines_propose_computed(
    *,
    actor,
    engagement: Engagement,
    window_from: date,
    window_to: date,
    note: str = "",
    as_of: date | None = None,
) -> BaselineProposal:
    """One party proposes every KPI's baseline (segment all) computed by the engine over the
    union of the window's records; a KPI with fewer records than its minimum sample size (or
    suppressed) is "insufficient data" with its n. In force once the other party agrees."""
    errors = window_errors(engagement=engagement, window_from=window_from, window_to=window_to)
    if errors:
        raise ValidationError(errors)
    as_of = as_of or timezone.localdate()
    proposal = agreement.proposal_make(
        BaselineProposal,
        actor=actor,
        engagement=engagement,
        perm=PROPOSE,
        note=note,
        kind=BaselineKind.COMPUTED,
        window_from=window_from,
        window_to=window_to,
        as_of=as_of,
        go_live_date=engagement.go_live_date,
    )
    values = window_frame(
        reading.load_frames(engagement.pk),
        window_from=window_from,
        window_to=window_to,
        as_of=as_of,
        exclude_on_hold=engagement.exclude_on_hold,
    )
    overall = values[values["dimension"] == ALL].set_index("kpi")
    minimums = min_sample_sizes(engagement=engagement)
    rows = []
    for key in KPI_BY_KEY:
        minimum = minimums.get(key, DEFAULT_MIN_SAMPLE)
        found = overall.loc[key] if key in overall.index else None
        n = int(found["n"]) if found is not None else 0
        value = _exact(found["value"]) if found is not None else None
        enough = found is not None and not found["suppressed"] and n >= minimum
        item = Baseline(
            proposal=proposal,
            engagement=engagement,
            kpi=key,
            value=value if enough else None,
            n=n,
            numerator=_exact(found["numerator"]) if enough else None,
            denominator=_exact(found["denominator"]) if enough else None,
            min_sample_size=minimum,
            source=BaselineSource.COMPUTED,
        )
        item.full_clean(exclude=["proposal"])
        rows.append(item)
    Baseline.objects.bulk_create(rows)
    agreement.proposed_record(
        proposal,
        {
            "window": [None, f"{window_from:%Y-%m} to {window_to:%Y-%m}"],
            "baselines": [None, {row.kpi: _jsonable(row) for row in rows}],
        },
    )
    _notify(proposal, event="proposed", actor=actor)
    return proposal


def _jsonable(row: Baseline):
    return "insufficient data" if row.value is None else agreement.jsonable(row.value.normalize())


@transaction.atomic
def baseline_propose_entered(
    *,
    actor,
    engagement: Engagement,
    kpi: str,
    value: Decimal,
    source: str,
    source_detail: str = "",
    note: str = "",
    dimension: str = ALL,
    segment: str = ALL,
) -> BaselineProposal:
    """One party proposes a KPI's baseline entered by hand, with its source (an earlier
    report, a benchmark) and a note. In force once the other party agrees."""
    if engagement.go_live_date is None:
        raise ValidationError({"kpi": NO_GO_LIVE})
    if kpi not in KPI_BY_KEY:
        raise ValidationError({"kpi": f"{kpi!r} is not a KPI of the catalogue."})
    if source == BaselineSource.COMPUTED or source not in BaselineSource.values:
        raise ValidationError(
            {
                "source": "Say where an entered value comes from: an earlier report, a benchmark "
                "or other."
            }
        )
    proposal = agreement.proposal_make(
        BaselineProposal,
        actor=actor,
        engagement=engagement,
        perm=PROPOSE,
        note=note,
        kind=BaselineKind.ENTERED,
        go_live_date=engagement.go_live_date,
    )
    item = Baseline(
        proposal=proposal,
        engagement=engagement,
        kpi=kpi,
        dimension=dimension,
        segment=segment,
        value=value,
        n=None,
        source=source,
        source_detail=source_detail,
        note=note,
    )
    item.full_clean()
    item.save()
    agreement.proposed_record(
        proposal,
        {
            "kpi": [None, kpi],
            "segment": [None, f"{dimension}:{segment}"],
            "value": [None, agreement.jsonable(Decimal(value))],
            "source": [None, source],
        },
    )
    _notify(proposal, event="proposed", actor=actor)
    return proposal


@transaction.atomic
def baselines_agree(*, actor, proposal: BaselineProposal, note: str = "") -> BaselineProposal:
    """The other party agrees: these baselines are in force from now on (the newest version)."""
    agreement.proposal_agree(actor=actor, proposal=proposal, perm=AGREE, note=note)
    _notify(proposal, event="agreed", actor=actor)
    return proposal


@transaction.atomic
def baselines_reject(*, actor, proposal: BaselineProposal, note: str = "") -> BaselineProposal:
    agreement.proposal_reject(actor=actor, proposal=proposal, perm=AGREE, note=note)
    _notify(proposal, event="rejected", actor=actor)
    return proposal


@transaction.atomic
def baselines_agree_open(*, actor, engagement: Engagement, note: str = "") -> list:
    """Agree every open proposal of the other party (the `agree_baselines` command)."""
    party = agreement.negotiator_party(actor, engagement, AGREE)
    proposals = list(
        BaselineProposal.objects.filter(
            engagement=engagement, state=agreement.AgreementState.PROPOSED
        )
        .exclude(proposed_by_party=party)
        .order_by("proposed_at", "id")
    )
    if not proposals:
        raise ValidationError("No baselines proposed by the other party await an answer.")
    return [baselines_agree(actor=actor, proposal=item, note=note) for item in proposals]


def _words(proposal: BaselineProposal) -> str:
    if proposal.kind == BaselineKind.COMPUTED:
        return f"computed over {proposal.window_from:%B %Y} to {proposal.window_to:%B %Y}"
    item = proposal.baselines.first()
    name = KPI_BY_KEY[item.kpi].name if item else "a KPI"
    return f"{name}, entered from {item.get_source_display().lower() if item else 'a source'}"


NOTICES = {
    "proposed": (
        "Baselines proposed",
        "{actor} proposed baselines: {what}. The other party "
        "agrees or rejects them; until then they are not in force.",
    ),
    "agreed": ("Baselines agreed", "{actor} agreed to the baselines: {what}."),
    "rejected": ("Baselines rejected", "{actor} rejected the proposed baselines: {what}."),
}


def _notify(proposal: BaselineProposal, *, event: str, actor) -> None:
    title, body = NOTICES[event]
    what = _words(proposal)
    notify(
        engagement=proposal.engagement,
        event_key=f"baseline:{proposal.pk}:{event}",
        kind=f"baseline_{event}",
        subject=f"{title}: {what}",
        body=body.format(actor=actor, what=what),
        url=reverse("kpis:baselines", kwargs={"engagement_id": proposal.engagement_id}),
        recipients=[
            lead for lead in leads_of(engagement=proposal.engagement) if lead.pk != actor.pk
        ],
    )
