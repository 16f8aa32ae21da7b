"""Reads of KPI values and targets; always given the engagement."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from engagements.models import Engagement
from kpis.models import (
    EngagementMetricsState,
    Glidepath,
    KpiTarget,
    MetricRun,
    MetricValue,
    TargetEvent,
    TargetState,
)
from kpis.registry import DEFINITION_VERSION, KPIS

FILTERS = ("kpi", "grain", "period", "dimension", "segment")


def metric_values(*, engagement: Engagement, **filters: str) -> QuerySet[MetricValue]:
    """Current-definition values, filtered by any of kpi, grain, period, dimension, segment."""
    values = MetricValue.objects.filter(engagement=engagement, version=DEFINITION_VERSION)
    for name in FILTERS:
        if filters.get(name):
            values = values.filter(**{name: filters[name]})
    return values.order_by("kpi", "grain", "period", "dimension", "segment")


def format_value(value: float | None) -> str:
    """Exact value for files: no trailing zeros, blank when suppressed."""
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


def export_rows(*, engagement: Engagement):
    """Rows of the export: the columns of the sample's expected.csv, plus status."""
    yield ["metric", "grain", "period", "dimension", "segment", "value", "n", "status"]
    values = metric_values(engagement=engagement).values_list(
        "kpi", "grain", "period", "dimension", "segment", "value", "n", "status"
    )
    for kpi, grain, period, dimension, segment, value, n, status in values.iterator():
        yield [kpi, grain, period, dimension, segment, format_value(value), n, status]


def latest_values(
    *, engagement: Engagement, grain: str, dimension: str = "all", segment: str = "all"
):
    """For each KPI, its value in the latest period that has one (for the overview page)."""
    values = (
        metric_values(engagement=engagement, grain=grain, dimension=dimension, segment=segment)
        .order_by("kpi", "-period")
        .distinct("kpi")
        .select_related("target")
    )
    by_kpi = {value.kpi: value for value in values}
    return [(kpi, by_kpi.get(kpi.key)) for kpi in KPIS]


def segments_of(
    *, engagement: Engagement, grain: str, kpi: str | None = None
) -> list[tuple[str, str]]:
    """(dimension, segment) pairs that have values, for the segment filters."""
    values = MetricValue.objects.filter(
        engagement=engagement, version=DEFINITION_VERSION, grain=grain
    )
    if kpi:
        values = values.filter(kpi=kpi)
    return list(
        values.exclude(dimension="all")
        .values_list("dimension", "segment")
        .distinct()
        .order_by("dimension", "segment")
    )


def targets_of(*, engagement: Engagement) -> QuerySet[KpiTarget]:
    return KpiTarget.objects.filter(engagement=engagement).select_related(
        "proposed_by", "responded_by"
    )


def target_history(*, target: KpiTarget) -> QuerySet[TargetEvent]:
    """Every step of the negotiation this target belongs to, including what it countered."""
    chain = [target.pk]
    current = target
    while current.replaces_id:
        chain.append(current.replaces_id)
        current = KpiTarget.objects.only("id", "replaces_id").get(pk=current.replaces_id)
    chain += list(KpiTarget.objects.filter(replaces=target).values_list("pk", flat=True))
    return (
        TargetEvent.objects.filter(engagement=target.engagement_id, target_id__in=chain)
        .select_related("actor", "target")
        .order_by("at", "id")
    )


def last_run(*, engagement: Engagement) -> MetricRun | None:
    return MetricRun.objects.filter(engagement=engagement).first()


def metrics_state_of(*, engagement: Engagement) -> EngagementMetricsState:
    """When the engagement's data last changed and its KPIs were last computed (both blank
    before the first import and the first computation)."""
    state = EngagementMetricsState.objects.filter(engagement=engagement).first()
    return state or EngagementMetricsState(engagement=engagement)


_TAG_OR_CODE = re.compile(r"(<code>.*?</code>|<pre>.*?</pre>|<[^>]+>)", re.S)
_FIELD_NAME = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_STANDARD = re.compile(r"\b(?:ANSI/SHRM|ISO/TS|ISO) \d[\d.:]*\d")


@functools.cache
def data_contract_html() -> str:
    """docs/data-contract.md as HTML for the in-app page (the file ships with the code)."""
    from markdown_it import MarkdownIt

    text = (Path(settings.BASE_DIR) / "docs" / "data-contract.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    # A field name the text names without backticks (opened_on in a rule) is still code, and
    # a standard's name (ISO/TS 30411) a citation.
    html = "".join(
        part
        if part.startswith("<")
        else _STANDARD.sub(r"<cite>\g<0></cite>", _FIELD_NAME.sub(r"<code>\g<0></code>", part))
        for part in _TAG_OR_CODE.split(html)
    )
    # Wide tables scroll in their own box on a phone instead of widening the page; the box can
    # take the focus, so a keyboard scrolls it too, and says what it holds.
    parts = html.split("<table>")
    return (
        parts[0]
        + "".join(
            f'<div class="table-wrap" tabindex="0" role="region" '
            f'aria-label="Table {number} of the data contract, scrolls sideways"><table>{rest}'
            for number, rest in enumerate(parts[1:], start=1)
        )
    ).replace("</table>", "</table></div>")


@dataclass(frozen=True)
class Freshness:
    """How current an engagement's numbers are: its last import and its last recompute."""

    last_import: datetime | None
    last_recompute: datetime | None
    stale: bool  # data (or agreed targets) changed after the last recompute


def freshness_of(*, engagement_ids: list[int]) -> dict[int, Freshness]:
    """Each engagement's freshness in three queries, whatever the number of engagements.

    The one place that knows where the bookkeeping timestamps live.
    """
    from recruiting.models import ImportRun, ImportStatus

    imports = dict(
        ImportRun.objects.filter(engagement_id__in=engagement_ids, status=ImportStatus.SUCCEEDED)
        .order_by("engagement_id", "-finished_at")
        .distinct("engagement_id")
        .values_list("engagement_id", "finished_at")
    )
    runs = dict(
        MetricRun.objects.filter(engagement_id__in=engagement_ids)
        .order_by("engagement_id", "-finished_at")
        .distinct("engagement_id")
        .values_list("engagement_id", "finished_at")
    )
    marks = {
        pk: (changed, computed)
        for pk, changed, computed in EngagementMetricsState.objects.filter(
            engagement_id__in=engagement_ids
        ).values_list("engagement_id", "data_changed_at", "metrics_computed_at")
    }
    freshness = {}
    for pk in engagement_ids:
        changed, computed = marks.get(pk, (None, None))
        freshness[pk] = Freshness(
            last_import=imports.get(pk),
            last_recompute=runs.get(pk),
            stale=bool(changed and (computed is None or changed > computed)),
        )
    return freshness


def periods_of(*, engagement: Engagement, grain: str) -> list[str]:
    """The periods of this grain that have values, oldest first."""
    return list(
        MetricValue.objects.filter(
            engagement=engagement,
            version=DEFINITION_VERSION,
            grain=grain,
            dimension="all",
        )
        .order_by("period")
        .values_list("period", flat=True)
        .distinct()
    )


def agreed_targets(*, engagement: Engagement) -> list[KpiTarget]:
    return list(
        KpiTarget.objects.filter(engagement=engagement, state=TargetState.AGREED).order_by(
            "kpi", "grain", "-effective_from"
        )
    )


def applicable_target(
    targets: list[KpiTarget], *, kpi: str, grain: str, dimension: str, segment: str
) -> KpiTarget | None:
    """Of the agreed targets, the one a segment's values are read against: its own target
    beats one for every segment; the latest effective first."""
    mine = [t for t in targets if t.kpi == kpi and t.grain == grain]
    own = [t for t in mine if (t.dimension, t.segment) == (dimension, segment)]
    chosen = own or [t for t in mine if not t.dimension]
    return chosen[0] if chosen else None


def glidepaths_of(*, engagement: Engagement):
    """The engagement's glidepaths (stepped targets), newest first."""
    return (
        Glidepath.objects.filter(engagement=engagement)
        .select_related("proposed_by", "responded_by", "engagement")
        .prefetch_related("steps__actor")
    )
