"""The funnel view of one engagement, period and segment: read from the stored KPI values.

The stages' counts come from the process KPIs of data-contract.md section 8 (the application
cohort of the period): applied = `applications`; screened = the numerator of
`applied_to_screened_rate`; interviewed = that of `screened_to_interviewed_rate`; offered =
the `n` of `offered_to_accepted_rate`, accepted its numerator; started = the numerator of
`accepted_to_started_rate`. A rate without a value (nobody reached its stage) is a count of 0.

The bottleneck is the stage time (median days) that is longest against its own six-month
median: the median of its monthly values in the six months before the period, same segment.
Only stage times with `n` of at least `BOTTLENECK_MIN_N` are considered; when none has a
six-month median, the longest stage time is named.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

from django.utils.safestring import SafeString

from charts.funnel import Stage, funnel_chart
from engagements.models import Engagement
from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY, STAGE_TIMES
from kpis.tiles import Filters
from rpo_portal import formats

BOTTLENECK_MIN_N = 5
BASELINE_MONTHS = 6

STAGE_NAMES = {
    "applied": "Applied",
    "screened": "Screened",
    "interviewed": "Interviewed",
    "offered": "Offered",
    "accepted": "Accepted",
    "decided": "Decided",
    "started": "Started",
}
# Stage -> (KPI, which number of its value is the stage's count).
STAGE_COUNTS = (
    ("applied", "applications", "value"),
    ("screened", "applied_to_screened_rate", "numerator"),
    ("interviewed", "screened_to_interviewed_rate", "numerator"),
    ("offered", "offered_to_accepted_rate", "n"),
    ("accepted", "offered_to_accepted_rate", "numerator"),
    ("started", "accepted_to_started_rate", "numerator"),
)
# The source table's columns: (sort key, heading, KPI).
SOURCE_COLUMNS = (
    ("applications", "Applications", "applications"),
    ("hires", "Hires", "hires"),
    ("yield", "Yield", "applied_to_started_rate"),
    ("share", "Share of hires", "hire_share"),
    ("quality", "Quality of hire", "quality_of_hire"),
    ("retention", "90-day retention", "retention_90d"),
    ("cost", "Cost per hire", "source_cost_per_hire"),
)
SOURCE_SORTS = ("source", *(key for key, _, _ in SOURCE_COLUMNS))
FUNNEL_KPIS = (
    *{kpi for _, kpi, _ in STAGE_COUNTS},
    *(key for key, *_ in STAGE_TIMES),
)


@dataclass
class StageRow:
    stage: str
    count: int
    previous: int | None  # the previous period's count, when it has a funnel

    @property
    def name(self) -> str:
        return STAGE_NAMES[self.stage]


@dataclass
class StageRowPair:
    row: StageRow
    conversion: float | None  # percent from the stage before
    previous_conversion: float | None


@dataclass
class StageTime:
    key: str
    start: str
    end: str
    value: float | None
    n: int
    baseline: float | None  # the six-month median

    @property
    def name(self) -> str:
        return f"{STAGE_NAMES[self.start]} to {STAGE_NAMES[self.end].lower()}"

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


@dataclass
class SourceRow:
    source: str
    cells: dict[str, float | None]
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[tuple[str, str, str]]:
        """(sort key, heading, shown value) of each column."""
        return [(key, heading, self.texts[key]) for key, heading, _ in SOURCE_COLUMNS]

    @property
    def name(self) -> str:
        return formats.label(self.source)


@dataclass
class FunnelView:
    engagement: Engagement
    filters: Filters
    stages: list[StageRowPair] = field(default_factory=list)
    times: list[StageTime] = field(default_factory=list)
    bottleneck: StageTime | None = None
    sources: list[SourceRow] = field(default_factory=list)
    sort: str = "hires"
    descending: bool = True
    chart: SafeString | str = ""
    previous_period: str | None = None

    @property
    def has_funnel(self) -> bool:
        return bool(self.stages)

    @property
    def bottleneck_text(self) -> str:
        return bottleneck_sentence(self.bottleneck)


def bottleneck_sentence(time: StageTime | None) -> str:
    if time is None:
        return ""
    if time.ratio is not None:
        return (
            f"{time.name} takes {formats.days(time.value)}, "
            f"{formats.number(time.ratio, 1)}x the six-month median "
            f"({formats.days(time.baseline)})."
        )
    return f"{time.name} takes the longest: {formats.days(time.value)}."


def _previous(filters: Filters) -> str | None:
    if filters.period not in filters.periods:
        return None
    i = filters.periods.index(filters.period)
    return filters.periods[i - 1] if i > 0 else None


def _months_before(period: str, count: int) -> list[str]:
    """The `count` month keys before the period's first month."""
    year, part = period.split("-")
    month = 3 * int(part[1:]) - 2 if part.startswith("Q") else int(part)
    first = date(int(year), month, 1)
    keys = []
    y, m = first.year, first.month
    for _ in range(count):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        keys.append(f"{y}-{m:02d}")
    return keys


def _stage_rows(by_kpi: dict[str, MetricValue]) -> list[int] | None:
    if "applications" not in by_kpi:
        return None
    counts = []
    for _, kpi, part in STAGE_COUNTS:
        value = by_kpi.get(kpi)
        number = getattr(value, part) if value is not None else 0
        counts.append(int(round(number or 0)))
    return counts


def _conversion(counts: list[int] | None, i: int) -> float | None:
    if not counts or i == 0 or not counts[i - 1]:
        return None
    return 100.0 * counts[i] / counts[i - 1]


def funnel_view(
    *, engagement: Engagement, filters: Filters, sort: str = "hires", descending: bool = True
) -> FunnelView:
    """The funnel, stage times, bottleneck and source table of the filters' period and
    segment, against the previous period. Three queries."""
    sort = sort if sort in SOURCE_SORTS else "hires"
    view = FunnelView(engagement, filters, sort=sort, descending=descending)
    if not filters.period:
        return view
    previous = view.previous_period = _previous(filters)
    periods = [filters.period, *([previous] if previous else [])]
    values = MetricValue.objects.filter(
        engagement=engagement,
        version=DEFINITION_VERSION,
        grain=filters.grain,
        period__in=periods,
        dimension=filters.dimension,
        segment=filters.segment,
        kpi__in=FUNNEL_KPIS,
    )
    by_period: dict[str, dict[str, MetricValue]] = {p: {} for p in periods}
    for value in values:
        by_period[value.period][value.kpi] = value
    counts = _stage_rows(by_period[filters.period])
    before = _stage_rows(by_period[previous]) if previous else None
    if counts:
        for i, (stage, _, _) in enumerate(STAGE_COUNTS):
            row = StageRow(stage, counts[i], before[i] if before else None)
            view.stages.append(StageRowPair(row, _conversion(counts, i), _conversion(before, i)))
        view.chart = funnel_chart(
            [
                Stage(
                    pair.row.name,
                    pair.row.count,
                    "" if pair.conversion is None else formats.percent(pair.conversion),
                )
                for pair in view.stages
            ],
            chart_id="funnel-chart",
            width=440,  # drawn at its size on a page, and scaled down little on a phone
            title=f"Funnel of the applications of {formats.period(filters.period)}",
        )
    view.times = _stage_times(engagement, filters, by_period[filters.period])
    considered = [t for t in view.times if t.value is not None and t.n >= BOTTLENECK_MIN_N]
    compared = [t for t in considered if t.ratio is not None]
    if compared:
        view.bottleneck = max(compared, key=lambda t: (t.ratio, t.value))
    elif considered:
        view.bottleneck = max(considered, key=lambda t: t.value)
    view.sources = _sources(engagement, filters, sort, descending)
    return view


def _stage_times(engagement, filters: Filters, by_kpi) -> list[StageTime]:
    months = _months_before(filters.period, BASELINE_MONTHS)
    history: dict[str, list[float]] = {}
    for kpi, value in MetricValue.objects.filter(
        engagement=engagement,
        version=DEFINITION_VERSION,
        grain="month",
        period__in=months,
        dimension=filters.dimension,
        segment=filters.segment,
        kpi__in=[key for key, *_ in STAGE_TIMES],
        value__isnull=False,
    ).values_list("kpi", "value"):
        history.setdefault(kpi, []).append(value)
    times = []
    for key, start, end, _, _ in STAGE_TIMES:
        value = by_kpi.get(key)
        baseline = statistics.median(history[key]) if history.get(key) else None
        times.append(
            StageTime(
                key,
                start,
                end,
                value.value if value else None,
                value.n if value else 0,
                baseline,
            )
        )
    return times


def _shown(value: float, kpi: str, currency: str) -> str:
    unit = KPI_BY_KEY[kpi].unit
    if unit == "currency":
        return formats.money(value, currency)
    if unit == "percent":
        return formats.percent(value)
    return formats.number(value)


def _sources(engagement, filters: Filters, sort: str, descending: bool) -> list[SourceRow]:
    rows: dict[str, dict[str, float | None]] = {}
    kpi_column = {kpi: key for key, _, kpi in SOURCE_COLUMNS}
    for kpi, segment, value in MetricValue.objects.filter(
        engagement=engagement,
        version=DEFINITION_VERSION,
        grain=filters.grain,
        period=filters.period,
        dimension="source",
        kpi__in=list(kpi_column),
    ).values_list("kpi", "segment", "value"):
        rows.setdefault(segment, dict.fromkeys(kpi_column.values()))[kpi_column[kpi]] = value
    sources = [
        SourceRow(
            source,
            cells,
            {
                key: formats.MISSING
                if cells[key] is None
                else _shown(cells[key], kpi, engagement.currency)
                for key, _, kpi in SOURCE_COLUMNS
            },
        )
        for source, cells in rows.items()
    ]
    if sort == "source":
        sources.sort(key=lambda row: row.name, reverse=descending)
    else:
        # Blank cells last in either order; ties by source name.
        known = [row for row in sources if row.cells[sort] is not None]
        blank = [row for row in sources if row.cells[sort] is None]
        known.sort(key=lambda row: row.name)
        known.sort(key=lambda row: row.cells[sort], reverse=descending)
        blank.sort(key=lambda row: row.name)
        sources = known + blank
    return sources
