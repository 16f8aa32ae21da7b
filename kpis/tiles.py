"""The KPI tiles: each KPI's value for a period and segment, its status against the agreed
target, the change from the period before and a sparkline. Read by the engagement dashboard
and the QBR pack, so both show the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from charts.svg import Point, sparkline
from engagements.models import Engagement
from kpis import selectors as kpi_selectors
from kpis.baselines.selectors import tiles_baseline_mark
from kpis.models import KpiTarget, MetricValue, Status
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY, PROCESS_KPIS, Kpi
from kpis.templatetags.kpis_tags import kpi_amount, kpi_value
from rpo_portal import formats

STATUSES = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.INSUFFICIENT_DATA]
SPARK_PERIODS = 12


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: a grain, a period of it and a segment."""

    grain: str
    period: str  # "" until the engagement has values
    dimension: str
    segment: str
    periods: list[str] = field(default_factory=list)

    @property
    def segment_param(self) -> str:
        return f"{self.dimension}:{self.segment}" if self.dimension != "all" else ""

    @property
    def window(self) -> list[str]:
        """The last SPARK_PERIODS periods up to the chosen one."""
        if self.period not in self.periods:
            return []
        end = self.periods.index(self.period) + 1
        return self.periods[max(0, end - SPARK_PERIODS) : end]

    @property
    def previous_period(self) -> str | None:
        window = self.window
        return window[-2] if len(window) > 1 else None

    @property
    def next_period(self) -> str | None:
        if self.period not in self.periods:
            return None
        i = self.periods.index(self.period)
        return self.periods[i + 1] if i + 1 < len(self.periods) else None

    @property
    def previous_query(self) -> str:
        return self.query(period=self.previous_period or "")

    @property
    def next_query(self) -> str:
        return self.query(period=self.next_period or "")

    def query(self, **changes: str) -> str:
        """The query string of these filters with some changed (links keep the others)."""
        from urllib.parse import urlencode

        params = {"grain": self.grain, "period": self.period, "segment": self.segment_param}
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v})


def dashboard_filters(
    *, engagement: Engagement, grain: str, period: str, dimension: str, segment: str
) -> Filters:
    periods = kpi_selectors.periods_of(engagement=engagement, grain=grain)
    if period not in periods:
        period = periods[-1] if periods else ""
    return Filters(grain, period, dimension, segment, periods)


@dataclass
class KpiTile:
    kpi: Kpi
    value: MetricValue | None
    previous: MetricValue | None
    target: KpiTarget | None
    chart: SafeString | str = ""
    # The SLA clauses' outcomes for this KPI and period, read against their own thresholds;
    # the dashboard (which may read sla) fills them in.
    sla_marks: list = field(default_factory=list)
    # The agreed baseline of this KPI and segment, and the value against it (kpis.baselines).
    baseline: object = None
    baseline_change: object = None

    @property
    def status(self) -> str:
        return self.value.status if self.value else ""

    @property
    def status_label(self) -> str:
        return self.value.get_status_display() if self.value and self.value.status else ""

    @property
    def change(self) -> float | None:
        if not (self.value and self.previous):
            return None
        if self.value.value is None or self.previous.value is None:
            return None
        return self.value.value - self.previous.value

    @property
    def change_text(self) -> str:
        change = self.change
        if change is None:
            return ""
        amount = kpi_value(abs(change), self.kpi.key)
        if change == 0:
            return "no change"
        sign = "+" if change > 0 else "−"
        better = (change > 0) == (self.kpi.direction == "higher")
        return f"{sign}{amount} ({'better' if better else 'worse'})"

    @property
    def change_direction(self) -> str:
        change = self.change
        if not change:
            return ""
        return "better" if (change > 0) == (self.kpi.direction == "higher") else "worse"


def kpi_tiles(
    *, engagement: Engagement, filters: Filters, untargeted: bool = False
) -> list[KpiTile]:
    """One tile per KPI with an agreed target: the chosen period's value against the target,
    the change from the period before and a sparkline of the last periods. Two queries.

    `untargeted` adds every KPI with a value in the window but no agreed target (the QBR
    pack's scorecard: an engagement that has agreed no targets yet still has its numbers)."""
    targets = kpi_selectors.agreed_targets(engagement=engagement)
    targeted = [kpi for kpi in KPI_BY_KEY if any(t.kpi == kpi for t in targets)]
    # Untargeted process KPIs (data-contract.md section 8) are no tiles: the funnel shows them.
    process = {kpi.key for kpi in PROCESS_KPIS}
    results = [kpi for kpi in KPI_BY_KEY if kpi not in process or kpi in targeted]
    shown = results if untargeted else targeted
    window = filters.window
    values = (
        MetricValue.objects.filter(
            engagement=engagement,
            version=DEFINITION_VERSION,
            grain=filters.grain,
            dimension=filters.dimension,
            segment=filters.segment,
            kpi__in=shown,
            period__in=window,
        ).select_related("target")
        if window
        else MetricValue.objects.none()
    )
    by_key = {(v.kpi, v.period): v for v in values}
    valued = {v.kpi for v in by_key.values() if v.value is not None}
    tiles = []
    for key in [k for k in shown if k in targeted or k in valued]:
        kpi = KPI_BY_KEY[key]
        value = by_key.get((key, filters.period))
        target = (
            value.target
            if value and value.target
            else kpi_selectors.applicable_target(
                targets,
                kpi=key,
                grain=filters.grain,
                dimension=filters.dimension,
                segment=filters.segment,
            )
        )
        points = [_point(by_key.get((key, period)), period) for period in window]
        tile = KpiTile(
            kpi=kpi,
            value=value,
            previous=by_key.get((key, filters.previous_period)),
            target=target,
        )
        if points:
            tile.chart = sparkline(
                points,
                chart_id=f"spark-{key}",
                title=f"{kpi.name}, last {len(points)} {filters.grain}s",
                fmt=lambda v, key=key: kpi_amount(v, key, engagement.currency),
                target=float(target.target_value) if target else None,
            )
        tiles.append(tile)
    tiles_baseline_mark(engagement=engagement, filters=filters, tiles=tiles)
    return tiles


def _point(value: MetricValue | None, period: str) -> Point:
    if value is None:
        return Point(formats.period(period), None, "")
    return Point(formats.period(period), value.value, value.status)
