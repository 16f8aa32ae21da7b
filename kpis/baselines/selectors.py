"""Reads of baselines, always given the engagement (or the engagements the caller may see)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from engagements.agreement import AgreementState
from engagements.models import Engagement
from kpis.baselines.models import Baseline, BaselineProposal
from kpis.models import KpiTarget

Key = tuple[str, str, str]  # (kpi, dimension, segment)


def baseline_proposals(*, engagement: Engagement) -> QuerySet[BaselineProposal]:
    """Every version of the engagement's baselines (agreed, open, answered), newest first,
    with their baselines and steps: the history."""
    return (
        BaselineProposal.objects.filter(engagement=engagement)
        .select_related("proposed_by", "responded_by")
        .prefetch_related("baselines", "steps__actor")
        .order_by("-proposed_at", "-id")
    )


def baseline_proposal_get(*, engagement: Engagement, proposal_id: int) -> BaselineProposal:
    """One proposal of this engagement (DoesNotExist otherwise)."""
    return baseline_proposals(engagement=engagement).get(pk=proposal_id)


def open_baseline_proposals(*, engagement: Engagement) -> list[BaselineProposal]:
    return [p for p in baseline_proposals(engagement=engagement) if p.is_open]


def _agreed_with_value(engagement_ids: list[int]) -> QuerySet[Baseline]:
    """Agreed baselines with a value, in the order agreed (a later one is a newer version)."""
    return (
        Baseline.objects.filter(
            engagement_id__in=engagement_ids,
            proposal__state=AgreementState.AGREED,
            value__isnull=False,
        )
        .select_related("proposal")
        .order_by("proposal__responded_at", "proposal_id", "id")
    )


def baselines_in_force(*, engagement: Engagement) -> dict[Key, Baseline]:
    """{(kpi, dimension, segment): the baseline in force}: of the agreed baselines with a
    value, the one agreed last. A window's "insufficient data" never replaces a value. One
    query."""
    return {
        (item.kpi, item.dimension, item.segment): item
        for item in _agreed_with_value([engagement.pk])
    }


def baselines_in_force_of(*, engagements: list[Engagement]) -> dict[int, dict[Key, Baseline]]:
    """`baselines_in_force` of several engagements in one query (the portfolio)."""
    found: dict[int, dict[Key, Baseline]] = {engagement.pk: {} for engagement in engagements}
    for item in _agreed_with_value(list(found)):
        found[item.engagement_id][(item.kpi, item.dimension, item.segment)] = item
    return found


def min_sample_sizes(*, engagement: Engagement) -> dict[str, int]:
    """{kpi: the largest minimum sample size of its agreed targets for every segment}: a
    window with fewer records than that is insufficient data (else DEFAULT_MIN_SAMPLE)."""
    sizes: dict[str, int] = {}
    rows = KpiTarget.objects.filter(
        engagement=engagement, state=AgreementState.AGREED, dimension=""
    ).values_list("kpi", "min_sample_size")
    for kpi, size in rows:
        sizes[kpi] = max(size, sizes.get(kpi, 0))
    return sizes


@dataclass(frozen=True)
class ExportRow:
    kpi: str
    dimension: str
    segment: str
    value: object
    n: int | None
    window: str
    source: str
    source_detail: str
    state: str
    proposal_id: int


def baseline_export_rows(*, engagement: Engagement) -> list[ExportRow]:
    """One row per KPI and segment with a baseline in force (state agreed), then one per
    baseline of each open proposal (state proposed); in the catalogue's order."""
    in_force = baselines_in_force(engagement=engagement)
    # A KPI whose agreed window had too few records, and no value agreed otherwise, still has
    # its row: "insufficient data" with its n.
    insufficient = (
        Baseline.objects.filter(
            engagement=engagement, proposal__state=AgreementState.AGREED, value__isnull=True
        )
        .select_related("proposal")
        .order_by("proposal__responded_at", "proposal_id", "id")
    )
    agreed = dict(in_force)
    for item in insufficient:
        key = (item.kpi, item.dimension, item.segment)
        if key not in in_force:
            agreed[key] = item
    open_items = [
        item
        for proposal in open_baseline_proposals(engagement=engagement)
        for item in proposal.baselines.all()
    ]
    rows = []
    for item in [*agreed.values(), *open_items]:
        proposal = item.proposal
        window = (
            f"{proposal.window_from:%Y-%m} to {proposal.window_to:%Y-%m}"
            if proposal.window_from
            else ""
        )
        rows.append(
            ExportRow(
                kpi=item.kpi,
                dimension=item.dimension,
                segment=item.segment,
                value=item.value,
                n=item.n,
                window=window,
                source=item.source,
                source_detail=item.source_detail,
                state=proposal.state,
                proposal_id=proposal.pk,
            )
        )
    order = list(Baseline._meta.get_field("kpi").choices)
    position = {key: i for i, (key, _) in enumerate(order)}
    rows.sort(key=lambda r: (r.state != "agreed", position[r.kpi], r.dimension, r.segment))
    return rows


def tiles_baseline_mark(*, engagement: Engagement, filters, tiles: list) -> None:
    """Each KPI tile's agreed baseline for its segment and the value against it. One query."""
    from kpis.baselines.improvement import change

    in_force = baselines_in_force(engagement=engagement)
    for tile in tiles:
        item = in_force.get((tile.kpi.key, filters.dimension, filters.segment))
        tile.baseline = item
        if item is not None and tile.value is not None and tile.value.value is not None:
            tile.baseline_change = change(
                tile.kpi.key, item.value, tile.value.value, engagement.currency
            )


@dataclass(frozen=True)
class BaselineSummary:
    """An engagement's KPIs against their baselines (segment all): each with an agreed
    baseline and a monthly value, by the latest month's verdict."""

    better: list[str]
    worse: list[str]
    unchanged: list[str]
    baselines: int

    @property
    def compared(self) -> int:
        return len(self.better) + len(self.worse) + len(self.unchanged)


def baseline_summaries(*, engagements: list[Engagement]) -> dict[int, BaselineSummary]:
    """{engagement id: its summary} for the portfolio: two queries for any number."""
    from kpis.baselines.improvement import change
    from kpis.models import Grain, MetricValue
    from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY

    in_force = baselines_in_force_of(engagements=engagements)
    wanted = {(pk, kpi) for pk, items in in_force.items() for (kpi, d, _s) in items if d == "all"}
    latest = (
        MetricValue.objects.filter(
            engagement_id__in=[pk for pk, _ in wanted] or [0],
            kpi__in=sorted({kpi for _, kpi in wanted}) or [""],
            version=DEFINITION_VERSION,
            grain=Grain.MONTH,
            dimension="all",
            segment="all",
            value__isnull=False,
        )
        .order_by("engagement_id", "kpi", "-period")
        .distinct("engagement_id", "kpi")
        .values_list("engagement_id", "kpi", "value")
    )
    verdicts: dict[int, dict[str, list[str]]] = {pk: {} for pk in in_force}
    for engagement_id, kpi, value in latest:
        item = in_force[engagement_id].get((kpi, "all", "all"))
        found = item and change(kpi, item.value, value)
        if found:
            verdicts[engagement_id].setdefault(found.verdict, []).append(KPI_BY_KEY[kpi].name)
    return {
        pk: BaselineSummary(
            better=verdicts[pk].get("better", []),
            worse=verdicts[pk].get("worse", []),
            unchanged=verdicts[pk].get("unchanged", []),
            baselines=sum(1 for (_k, d, _s) in in_force[pk] if d == "all"),
        )
        for pk in in_force
    }
