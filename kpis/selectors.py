"""Reads of KPI values and targets; always given the engagement."""

from __future__ import annotations

from django.db.models import QuerySet

from engagements.models import Engagement
from kpis.models import (
    EngagementMetricsState,
    KpiTarget,
    MetricRun,
    MetricValue,
    TargetEvent,
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
