"""The hiring forecast in reviews: a section of the tactical and strategic agendas and of the
QBR pack, each read from the stored forecast (`forecasts.selectors`). Registered on import,
which `ReviewsConfig.ready` does; plain JSON like every other section, so a held meeting and a
frozen pack keep the forecast that was discussed."""

from __future__ import annotations

from engagements.models import Engagement
from forecasts import selectors
from reviews.agenda import AgendaContext, register_section
from reviews.agenda import Section as AgendaSection
from reviews.models import Meeting, Tier
from reviews.qbr.content import NUMBER, PERCENT, TEXT, Column, Section, Table
from reviews.qbr.sections import PackContext, section
from rpo_portal import formats

COLUMNS = ["Quarter or segment", "Expected hires", "Range (10-90%)", "Plan", "Attainment", "Gap"]


def _one(value) -> str:
    return "" if value is None else formats.number(value, 1)


def _row(name: str, q: selectors.Quarter) -> list[str]:
    return [
        name,
        _one(q.expected),
        f"{_one(q.p10)} to {_one(q.p90)}",
        "" if q.plan is None else formats.number(q.plan),
        "" if q.attainment is None else formats.percent(q.attainment),
        _one(q.gap),
    ]


def _sentence(forecast: selectors.Forecast) -> str:
    quarter = forecast.quarter(forecast.open_quarter)
    if quarter is None:
        return "No hiring forecast yet."
    text = (
        f"{formats.period(quarter.label)}: {_one(quarter.expected)} hires expected "
        f"({_one(quarter.p10)} to {_one(quarter.p90)}), as of {formats.day(forecast.as_of)}"
    )
    if quarter.plan is None:
        return text + "; no hiring plan for the quarter."
    return text + (
        f", against a plan of {formats.number(quarter.plan)}: "
        f"{formats.percent(quarter.attainment) if quarter.attainment is not None else '—'} "
        "forecast attainment"
        + (", short of plan even at the range's top." if quarter.short else ".")
    )


def _agenda(meeting: Meeting, quarters: bool) -> AgendaSection:
    forecast = selectors.hiring_forecast(engagement=Engagement(pk=meeting.engagement_id))
    rows = [_row(formats.period(q.label), q) for q in forecast.quarters()] if quarters else []
    rows += [
        _row(f"{formats.label(g.dimension)}: {g.segment}", g)
        for g in forecast.gaps()
        if g.gap is not None and g.gap < 0
    ][:8]
    return AgendaSection("", "", COLUMNS, rows, _sentence(forecast))


@register_section(Tier.TACTICAL, key="hiring_forecast", title="Hiring forecast and gaps")
def tactical_forecast(meeting: Meeting, ctx: AgendaContext) -> AgendaSection:
    return _agenda(meeting, quarters=False)


@register_section(Tier.STRATEGIC, key="hiring_outlook", title="Hiring outlook, next three quarters")
def strategic_forecast(meeting: Meeting, ctx: AgendaContext) -> AgendaSection:
    return _agenda(meeting, quarters=True)


@section("hiring_forecast")
def pack_forecast(context: PackContext) -> Section:
    forecast = selectors.hiring_forecast(engagement=context.engagement)
    columns = [
        Column("Quarter or segment", TEXT, 28),
        Column("Expected hires", NUMBER, 14),
        Column("Range low (10%)", NUMBER, 14),
        Column("Range high (90%)", NUMBER, 14),
        Column("Planned hires", NUMBER, 14),
        Column("Attainment %", PERCENT, 14),
        Column("Gap", NUMBER, 10),
    ]

    def cells(name, q):
        return [
            name,
            round(q.expected, 1),
            round(q.p10, 1),
            round(q.p90, 1),
            q.plan,
            None if q.attainment is None else round(q.attainment, 1),
            None if q.gap is None else round(q.gap, 1),
        ]

    quarters = Table(
        "hiring_forecast",
        "Hiring forecast by quarter",
        columns,
        [cells(q.label, q) for q in forecast.quarters()],
        primary=True,
    )
    gaps = Table(
        "hiring_forecast_gaps",
        f"Forecast against plan by segment, {forecast.open_quarter}",
        columns,
        [cells(f"{formats.label(g.dimension)}: {g.segment}", g) for g in forecast.gaps()],
    )
    return Section(
        "hiring_forecast", "Hiring forecast", "Forecast", [_sentence(forecast)], [quarters, gaps]
    )
