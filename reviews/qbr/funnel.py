"""The QBR pack's funnel section: the quarter's stages, stage times, bottleneck and sources
(kpis.funnel, the numbers of the funnel page), registered by `ReviewsConfig.ready`."""

from __future__ import annotations

from kpis import selectors as kpi_selectors
from kpis.funnel import SOURCE_COLUMNS, funnel_view
from kpis.models import Grain
from kpis.registry import KPI_BY_KEY
from kpis.tiles import Filters
from reviews.qbr.content import MONEY, NUMBER, PERCENT, TEXT, Column, Section, Table
from reviews.qbr.sections import PackContext, section
from rpo_portal import formats

KINDS = {"count": NUMBER, "percent": PERCENT, "currency": MONEY}


def _one(value: float | None) -> float | None:
    """To one decimal, half away from zero (as every figure is shown)."""
    return None if value is None else float(formats.rounded(value, 1))


@section("funnel")
def funnel(context: PackContext) -> Section:
    periods = kpi_selectors.periods_of(engagement=context.engagement, grain=Grain.QUARTER)
    upto = [p for p in periods if p <= context.quarter]
    filters = Filters(Grain.QUARTER, context.quarter, "all", "all", upto)
    view = funnel_view(engagement=context.engagement, filters=filters)
    stages = Table(
        "funnel_stages",
        f"Funnel of the applications of {formats.period(context.quarter)}",
        [
            Column("Stage", TEXT, 14),
            Column("Applications", NUMBER, 14),
            Column("Conversion %", PERCENT, 14),
            Column("Previous quarter", NUMBER, 16),
            Column("Previous conversion %", PERCENT, 20),
        ],
        [
            [p.row.name, p.row.count, p.conversion, p.row.previous, p.previous_conversion]
            for p in view.stages
        ],
        primary=True,
    )
    times = Table(
        "stage_times",
        "Median days in each stage, against the six months before",
        [
            Column("Stage", TEXT, 26),
            Column("Median days", NUMBER, 12),
            Column("n", NUMBER, 8),
            Column("Six-month median days", NUMBER, 20),
            Column("Ratio", NUMBER, 8),
        ],
        [
            [
                t.name,
                _one(t.value),
                t.n,
                _one(t.baseline),
                _one(t.ratio),
            ]
            for t in view.times
        ],
    )
    sources = Table(
        "sources",
        "Source effectiveness",
        [
            Column("Source", TEXT, 14),
            *(
                Column(heading, KINDS.get(KPI_BY_KEY[kpi].unit, NUMBER), 14)
                for _, heading, kpi in SOURCE_COLUMNS
            ),
        ],
        [[row.name, *(row.cells[key] for key, _, _ in SOURCE_COLUMNS)] for row in view.sources],
    )
    if view.stages:
        applied, started = view.stages[0].row.count, view.stages[-1].row.count
        text = [
            f"{formats.counted(applied, 'application')} in {formats.period(context.quarter)}, "
            f"of which {formats.number(started)} started so far."
        ]
    else:
        text = [f"No applications in {formats.period(context.quarter)}."]
    if view.bottleneck:
        text.append(f"Bottleneck: {view.bottleneck_text}")
    return Section("funnel", "Funnel and sources", "Funnel", text, [stages, times, sources])
