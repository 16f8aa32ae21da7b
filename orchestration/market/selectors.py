"""Market benchmarks beside the engagement's own values (docs/data-contract.md section 10).

Which benchmark applies to a KPI value is decided here, once, for the KPI pages, the market
panel and the QBR pack: the same metric, the same slice of the market (segment all: the whole
market; a job family or a location: that one), the latest period that ends on or before the
value's period (a month and a quarter ending together: the value's grain), and the
engagement's own row before its provider's shared one.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from engagements.models import Engagement
from kpis import selectors as kpi_selectors
from kpis.models import Grain, MetricValue
from kpis.registry import ALL, KPI_BY_KEY, Kpi
from kpis.templatetags.kpis_tags import kpi_amount
from recruiting import market
from recruiting.models import MarketBenchmark, MarketMetric, ProviderMarketBenchmark
from rpo_portal import formats

Benchmark = MarketBenchmark | ProviderMarketBenchmark

# The catalogue's KPI for each market metric that has one.
KPI_OF_METRIC = {
    MarketMetric.TIME_TO_FILL_DAYS: "time_to_fill",
    MarketMetric.OFFER_ACCEPTANCE_RATE: "offer_acceptance_rate",
}
METRIC_OF_KPI = {kpi: metric for metric, kpi in KPI_OF_METRIC.items()}
# The dimensions the market is cut by: a benchmark names a job family or a location.
MARKET_DIMENSIONS = ("job_family", "location")


def period_end(key: str) -> date:
    """The last day of a month `2026-10` or a quarter `2026-Q4`."""
    year, part = key.split("-")
    month = int(part[1]) * 3 if part.startswith("Q") else int(part)
    return date(int(year), month, calendar.monthrange(int(year), month)[1])


def period_grain(key: str) -> str:
    return Grain.QUARTER if "-Q" in key else Grain.MONTH


def is_shared(benchmark: Benchmark) -> bool:
    return isinstance(benchmark, ProviderMarketBenchmark)


def benchmark_amount(benchmark: Benchmark) -> str:
    """A benchmark's value in its metric's unit: "42.0 days", "88.5%", "EUR 72,000.00"."""
    if benchmark.metric == MarketMetric.SALARY_MEDIAN:
        return formats.money(benchmark.value, benchmark.currency)
    if benchmark.metric == MarketMetric.TIME_TO_FILL_DAYS:
        return formats.days(benchmark.value)
    if benchmark.metric == MarketMetric.OFFER_ACCEPTANCE_RATE:
        return formats.percent(benchmark.value)
    return formats.number(benchmark.value, 1)


def attribution(benchmark: Benchmark) -> str:
    """ "(Mercer, Oct 2026)": where the figure comes from and which period it describes."""
    return f"({benchmark.source}, {formats.period(benchmark.period)})"


def _slice(dimension: str, segment: str) -> tuple[str, str] | None:
    """The (job_family, location) of the benchmarks a segment is compared with, or None."""
    if dimension == ALL:
        return "", ""
    if dimension == "job_family":
        return segment.casefold(), ""
    if dimension == "location":
        return "", segment.casefold()
    return None


def applicable(
    benchmarks: list[Benchmark],
    *,
    metric: str,
    grain: str,
    period: str,
    dimension: str = ALL,
    segment: str = ALL,
) -> Benchmark | None:
    """The one benchmark a value of `period` (and grain, segment) is compared with, or None."""
    wanted = _slice(dimension, segment)
    if wanted is None or not period:
        return None
    end = period_end(period)
    candidates = [
        b
        for b in benchmarks
        if b.metric == metric
        and (b.job_family.casefold(), b.location.casefold()) == wanted
        and period_end(b.period) <= end
    ]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda b: (period_end(b.period), period_grain(b.period) == grain, not is_shared(b)),
    )


@dataclass(frozen=True)
class Comparison:
    """One engagement value (or none) beside the benchmark that applies to it (or none)."""

    kpi: Kpi
    value: MetricValue | None
    benchmark: Benchmark | None

    @property
    def value_text(self) -> str:
        if self.value is None:
            return "no value"
        return kpi_amount(self.value.value, self.kpi.key)

    @property
    def market_text(self) -> str:
        return benchmark_amount(self.benchmark) if self.benchmark else ""

    @property
    def sentence(self) -> str:
        """ "Time to fill 38.0 days; market 42.0 days (Mercer, Oct 2026)"."""
        own = f"{self.kpi.name} {self.value_text}" if self.value else f"{self.kpi.name}: no value"
        if self.benchmark is None:
            return f"{own}; no market benchmark applies"
        return f"{own}; market {self.market_text} {attribution(self.benchmark)}"

    @property
    def difference(self) -> str:
        """The value against the market in the KPI's unit, with better / worse by its direction."""
        if self.benchmark is None or self.value is None or self.value.value is None:
            return ""
        gap = float(self.value.value) - float(self.benchmark.value)
        size = kpi_amount(abs(gap), self.kpi.key)
        if self.kpi.unit == "percent":  # a rate's difference is in points, not a percentage
            size = f"{formats.number(abs(gap), self.kpi.decimals)} percentage points"
        if formats.rounded(abs(gap), self.kpi.decimals) == 0:
            return "level with the market"
        higher = gap > 0
        better = higher == (self.kpi.direction == "higher")
        side = "above" if higher else "below"
        return f"{size} {side} the market ({'better' if better else 'worse'})"


def kpi_comparison(
    *,
    engagement: Engagement,
    kpi: str,
    grain: str,
    period: str,
    dimension: str,
    segment: str,
    value: MetricValue | None,
) -> Comparison | None:
    """The market beside one KPI value on its page; None for a KPI the market has no metric
    for. Two queries (the engagement's benchmarks, its provider's)."""
    metric = METRIC_OF_KPI.get(kpi)
    if metric is None:
        return None
    found = applicable(
        market.benchmarks_for(engagement=engagement),
        metric=metric,
        grain=grain,
        period=period,
        dimension=dimension,
        segment=segment,
    )
    return Comparison(KPI_BY_KEY[kpi], value, found)


def latest_per_slice(benchmarks: list[Benchmark], *, upto: str = "") -> list[tuple[Benchmark, int]]:
    """The latest benchmark of each metric, slice, grain and keeper (the engagement or its
    provider), with how many earlier periods it has; only periods ending by the end of `upto`
    when it is given. Sorted by metric, job family, location."""
    end = period_end(upto) if upto else None
    groups: dict[tuple, list[Benchmark]] = {}
    for b in benchmarks:
        if end is not None and period_end(b.period) > end:
            continue
        key = (is_shared(b), b.metric, b.job_family, b.location, period_grain(b.period))
        groups.setdefault(key, []).append(b)
    latest = [
        (max(rows, key=lambda b: period_end(b.period)), len(rows) - 1) for rows in groups.values()
    ]
    order = list(MarketMetric.values)
    return sorted(
        latest,
        key=lambda item: (
            order.index(item[0].metric),
            item[0].job_family.casefold(),
            item[0].location.casefold(),
            is_shared(item[0]),
            period_grain(item[0].period),
        ),
    )


@dataclass
class Panel:
    benchmarks: list[Benchmark]
    comparisons: list[tuple[str, Comparison]]  # (segment words, comparison)
    period: str  # the period of the engagement's values compared, "" if none

    @property
    def own_count(self) -> int:
        return sum(not is_shared(b) for b in self.benchmarks)

    @property
    def shared_count(self) -> int:
        return sum(is_shared(b) for b in self.benchmarks)


def segment_words(dimension: str, segment: str) -> str:
    return "All" if dimension == ALL else f"{formats.label(dimension)}: {segment}"


def comparisons(
    *, engagement: Engagement, benchmarks: list[Benchmark], grain: str, period: str
) -> list[tuple[str, Comparison]]:
    """Each KPI with a market metric, for segment all and every job family and location the
    engagement has a value for in `period`, beside its benchmark; a segment other than all
    only where a benchmark applies. One query for the values."""
    if not period:
        return []
    values = [
        v
        for v in kpi_selectors.metric_values(engagement=engagement, grain=grain, period=period)
        if v.kpi in METRIC_OF_KPI and v.dimension in (ALL, *MARKET_DIMENSIONS)
    ]
    by_key = {(v.kpi, v.dimension, v.segment): v for v in values}
    rows = []
    for kpi in METRIC_OF_KPI:
        segments = [(ALL, ALL)] + sorted(
            {(v.dimension, v.segment) for v in values if v.kpi == kpi and v.dimension != ALL}
        )
        for dimension, segment in segments:
            found = applicable(
                benchmarks,
                metric=METRIC_OF_KPI[kpi],
                grain=grain,
                period=period,
                dimension=dimension,
                segment=segment,
            )
            if dimension != ALL and found is None:
                continue
            value = by_key.get((kpi, dimension, segment))
            rows.append(
                (segment_words(dimension, segment), Comparison(KPI_BY_KEY[kpi], value, found))
            )
    return rows


def market_panel(*, engagement: Engagement) -> Panel:
    """Every benchmark the engagement sees, and its latest month's values beside theirs."""
    benchmarks = market.benchmarks_for(engagement=engagement)
    periods = kpi_selectors.periods_of(engagement=engagement, grain=Grain.MONTH)
    period = periods[-1] if periods else ""
    return Panel(
        benchmarks=benchmarks,
        comparisons=comparisons(
            engagement=engagement, benchmarks=benchmarks, grain=Grain.MONTH, period=period
        )
        if benchmarks
        else [],
        period=period,
    )
