"""The QBR pack's "Market benchmarks" section (PDF, Excel and CSV): the quarter's values of the
KPIs with a market metric beside the benchmark that applies to each (segment all, and each job
family and location with one), and every benchmark the engagement sees. Registered with the
pack's sections in `OrchestrationConfig.ready`."""

from __future__ import annotations

from kpis.models import Grain
from orchestration.market import selectors
from recruiting import market
from reviews.qbr.content import NUMBER, TEXT, VALUE, Column, Section, Table
from reviews.qbr.sections import PackContext
from rpo_portal import formats

NO_BENCHMARKS = "No market benchmarks for this engagement."


def market_section(context: PackContext) -> Section:
    engagement = context.engagement
    benchmarks = market.benchmarks_for(engagement=engagement)
    compared = selectors.comparisons(
        engagement=engagement, benchmarks=benchmarks, grain=Grain.QUARTER, period=context.quarter
    )
    comparison = Table(
        "market_comparison",
        f"This engagement against the market, {context.quarter}",
        [
            Column("KPI", TEXT, 26),
            Column("Segment", TEXT, 24),
            Column("Engagement", VALUE, 12, as_shown=True),
            Column("Market", VALUE, 12),
            Column("Source", TEXT, 24),
            Column("Benchmark period", TEXT, 16),
            Column("Difference", TEXT, 30),
        ],
        [
            [
                c.kpi.name,
                segment,
                c.value.value if c.value else None,
                float(c.benchmark.value) if c.benchmark else None,
                c.benchmark.source if c.benchmark else "none applies",
                formats.period(c.benchmark.period) if c.benchmark else "",
                c.difference,
            ]
            for segment, c in compared
        ],
        [c.kpi.key for _, c in compared],
        primary=True,
    )
    listing = Table(
        "market_benchmarks",
        f"The latest market benchmarks by {context.quarter}",
        [
            Column("Metric", TEXT, 22),
            Column("Period", TEXT, 10),
            Column("Job family", TEXT, 18),
            Column("Location", TEXT, 18),
            Column("Value", NUMBER, 12),
            Column("Currency", TEXT, 9),
            Column("Source", TEXT, 24),
            Column("Kept by", TEXT, 22),
        ],
        [
            [
                b.get_metric_display(),
                formats.period(b.period),
                b.job_family or "All",
                b.location or "All",
                float(b.value),
                b.currency,
                b.source,
                f"{engagement.provider.name} (shared)" if selectors.is_shared(b) else "engagement",
            ]
            for b, _ in selectors.latest_per_slice(benchmarks, upto=context.quarter)
        ],
    )
    if not benchmarks:
        paragraphs = [NO_BENCHMARKS]
    else:
        paragraphs = [c.sentence + "." for segment, c in compared if segment == "All"] or [
            f"No benchmark applies to {formats.period(context.quarter)}'s values."
        ]
        paragraphs.append(
            "Each value is compared with the latest benchmark for the same slice of the market "
            "whose period ends by the end of the quarter (the data contract, section 10)."
        )
    tables = [comparison, listing]
    if not benchmarks:
        # The sheet says so too (the PDF has the paragraph).
        tables = [
            Table(
                "market_benchmarks",
                "Market benchmarks",
                [Column("Market benchmarks", TEXT, 60)],
                [[NO_BENCHMARKS]],
                primary=True,
            )
        ]
    return Section("market", "Market benchmarks", "Market", paragraphs, tables)
