"""The breach forecast replayed on history (the clause part of `backtest_forecast`).

For each month of the range, each agreed credit clause's period that contains the month's
first day is forecast from the records known on that day, and the forecast (a likely breach
or not) is compared with the outcome the evaluation gives the period once it has closed
(its value as known on the day after its last day plus grace days). Periods not closed yet,
and outcomes other than breach or met (no data, small sample, suppressed), are left out.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from engagements.models import Engagement
from kpis.definitions import DEFINITION_BY_KEY
from kpis.drilldown import Cell, behind
from kpis.reading import FramesOnDemand
from kpis.records import prepare
from sla import evaluation as ev
from sla.forecasting.projection import project
from sla.forecasting.services import clause_spec, clause_terms
from sla.models import ClauseKind, SlaClause


def _month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def actual_outcome(tables, clause: SlaClause, terms: ev.ClauseTerms, period: ev.Period) -> str:
    """The evaluation's outcome of a closed period from the records known in `tables`."""
    cell = Cell(clause.engagement_id, period.key, clause.dimension, clause.segment)
    found = behind(DEFINITION_BY_KEY[clause.kpi], tables, cell)
    if found.suppressed:
        stored = ev.StoredValue(None, found.n, True)
    elif found.value is None:
        stored = None
    else:
        stored = ev.StoredValue(found.value, found.n)
    as_of = tables.as_of.date()
    return ev.period_outcome(terms, period, stored, as_of, closed=True).outcome


def clause_backtest(engagement: Engagement, *, first: date, last: date) -> dict:
    """`breach_hits` (likely breach, and it breached), `breach_misses` (not likely, yet it
    breached), `false_alarms` (likely, yet met) over the months first..last (first days), and
    each comparison in `clause_months`."""
    clauses = list(
        SlaClause.objects.filter(
            engagement=engagement, in_force=True, kind=ClauseKind.CREDIT
        ).order_by("key")
    )
    frames = FramesOnDemand([engagement.pk])
    policy = engagement.exclude_on_hold
    closed_tables: dict[date, object] = {}
    today = timezone.localdate()
    counts = {"breach_hits": 0, "breach_misses": 0, "false_alarms": 0}
    rows = []
    month = first
    while clauses and month <= last:
        tables = prepare(frames, as_of=month, exclude_on_hold=policy)
        for clause in clauses:
            terms = clause_terms(clause)
            period = ev.period_containing(month, clause.grain)
            if period not in ev.clause_periods(terms, month):
                continue
            closes = period.end + timedelta(days=clause.grace_days + 1)
            if closes > today:
                continue
            if closes not in closed_tables:
                closed_tables[closes] = prepare(frames, as_of=closes, exclude_on_hold=policy)
            outcome = actual_outcome(closed_tables[closes], clause, terms, period)
            if outcome not in (ev.BREACH, ev.MET):
                continue
            forecast = project(
                tables,
                clause_spec(clause),
                engagement_id=engagement.pk,
                period=period.key,
                period_start=period.start,
                period_end=period.end,
            )
            if forecast.likely and outcome == ev.BREACH:
                counts["breach_hits"] += 1
            elif outcome == ev.BREACH:
                counts["breach_misses"] += 1
            elif forecast.likely:
                counts["false_alarms"] += 1
            rows.append(
                {
                    "month": f"{month:%Y-%m}",
                    "clause": clause.key,
                    "period": period.key,
                    "likelihood": round(forecast.likelihood, 3),
                    "likely": forecast.likely,
                    "outcome": outcome,
                }
            )
        month = _month_after(month)
    return {**counts, "clause_months": rows}
