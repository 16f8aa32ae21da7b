"""The tactical agenda's funnel section: the last closed month's stages, the bottleneck and
the sources (kpis.funnel, the numbers of the funnel page). Plain JSON like every section, so a
held meeting keeps the numbers discussed; registered by `ReviewsConfig.ready`."""

from __future__ import annotations

from kpis import selectors as kpi_selectors
from kpis.funnel import SOURCE_COLUMNS, funnel_view
from kpis.models import Grain
from kpis.tiles import Filters
from reviews.agenda import AgendaContext, Section, register_section
from reviews.models import Meeting, Tier
from rpo_portal import formats


def _view(meeting: Meeting, ctx: AgendaContext):
    month = ctx.last_closed_month
    periods = kpi_selectors.periods_of(engagement=meeting.engagement, grain=Grain.MONTH)
    filters = Filters(Grain.MONTH, month, "all", "all", [p for p in periods if p <= month])
    return month, funnel_view(engagement=meeting.engagement, filters=filters)


def _pct(value: float | None) -> str:
    return "" if value is None else formats.percent(value)


@register_section(Tier.TACTICAL, key="funnel", title="Funnel, last closed month")
def funnel(meeting: Meeting, ctx: AgendaContext) -> Section:
    month, view = _view(meeting, ctx)
    rows = [
        [
            pair.row.name,
            formats.number(pair.row.count),
            _pct(pair.conversion),
            "" if pair.row.previous is None else formats.number(pair.row.previous),
            _pct(pair.previous_conversion),
        ]
        for pair in view.stages
    ]
    note = f"Applications of {formats.period(month)}, against the month before."
    if view.bottleneck:
        note += f" Bottleneck: {view.bottleneck_text}"
    columns = ["Stage", "Applications", "Conversion", "Previous month", "Previous conversion"]
    return Section("", "", columns, rows, note)


@register_section(Tier.TACTICAL, key="sources", title="Source effectiveness, last closed month")
def sources(meeting: Meeting, ctx: AgendaContext) -> Section:
    month, view = _view(meeting, ctx)
    rows = [[row.name, *(text for _, _, text in row.columns)] for row in view.sources]
    columns = ["Source", *(heading for _, heading, _ in SOURCE_COLUMNS)]
    return Section("", "", columns, rows, f"{formats.period(month)}, by hires.")
