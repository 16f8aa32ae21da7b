"""Writes of the breach forecast: each agreed credit clause's open periods projected, stored
in place (one row per clause and period), and the forecast warning told to both leads once
per clause and period.

The projection (`sla.forecasting.projection`) reads only the records known on `as_of`; the
engagements are forecast one at a time (`rpo_portal.fanout`), so one that fails leaves the
others' forecasts written.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement
from kpis.drilldown import engagement_tables
from kpis.templatetags.kpis_tags import kpi_value
from notifications.selectors import leads_of
from notifications.services import notify
from rpo_portal import fanout, formats
from sla import evaluation as ev
from sla.forecasting.projection import ClauseSpec, Projection, project
from sla.models import BreachForecast, ClauseKind, SlaClause

logger = logging.getLogger(__name__)


def clause_spec(clause: SlaClause) -> ClauseSpec:
    return ClauseSpec(
        key=clause.key,
        kpi=clause.kpi,
        dimension=clause.dimension,
        segment=clause.segment,
        threshold=float(clause.threshold),
        min_n=clause.min_n,
    )


def open_periods(clause: SlaClause, as_of: date) -> list[ev.Period]:
    """The clause's periods still open on `as_of` (usually one; two while the last one's
    grace days run)."""
    return [
        period
        for period in ev.clause_periods(clause_terms(clause), as_of)
        if not ev.is_closed(period, clause.grace_days, as_of)
    ]


def clause_terms(clause: SlaClause) -> ev.ClauseTerms:
    definition = clause.definition
    return ev.ClauseTerms(
        key=clause.key,
        grain=clause.grain,
        kind=clause.kind,
        direction=definition.direction,
        decimals=definition.decimals,
        threshold=clause.threshold,
        effective_from=clause.effective_from,
        effective_to=clause.effective_to,
        pct=clause.pct,
        grace_days=clause.grace_days,
        min_n=clause.min_n,
    )


def engagement_projections(
    *, engagement: Engagement, as_of: date, tables=None
) -> list[tuple[SlaClause, Projection]]:
    """Every open period of every agreed credit clause, projected from what is known on
    `as_of` (nothing is written: the backtest replays history with it)."""
    clauses = list(
        SlaClause.objects.filter(
            engagement=engagement, in_force=True, kind=ClauseKind.CREDIT
        ).order_by("key")
    )
    if not clauses:
        return []
    tables = tables or engagement_tables(engagement, as_of)
    out = []
    for clause in clauses:
        for period in open_periods(clause, as_of):
            projection = project(
                tables,
                clause_spec(clause),
                engagement_id=engagement.pk,
                period=period.key,
                period_start=period.start,
                period_end=period.end,
            )
            out.append((clause, projection))
    return out


def breach_forecasts_compute(*, engagement: Engagement, as_of: date | None = None) -> dict:
    """Forecast the engagement's clauses as of `as_of` (default today), store each forecast
    in place, drop those of periods now closed or clauses no longer in force, and tell both
    leads of each new forecast warning. Running it again changes nothing and tells no one."""
    as_of = as_of or timezone.localdate()
    projections = engagement_projections(engagement=engagement, as_of=as_of)
    now = timezone.now()
    kept = []
    warned = []
    with transaction.atomic():
        for clause, projection in projections:
            forecast, _ = BreachForecast.objects.update_or_create(
                clause=clause,
                period=projection.period,
                defaults={
                    "engagement": engagement,
                    "period_end": projection.period_end,
                    "as_of": as_of,
                    "current_value": projection.current,
                    "current_n": projection.current_n,
                    "projected_value": projection.projected,
                    "low": projection.low,
                    "high": projection.high,
                    "likelihood": projection.likelihood,
                    "expected_n": projection.expected_n,
                    "likely": projection.likely,
                    "reason": projection.reason,
                    "computed_at": now,
                },
            )
            kept.append(forecast.pk)
            if forecast.likely and forecast.warned_at is None:
                warned.append(forecast.pk)
        BreachForecast.objects.filter(engagement=engagement).exclude(pk__in=kept).delete()
    told = forecast_warnings_notify(forecast_ids=warned)
    return {
        "engagement_id": engagement.pk,
        "forecasts": len(kept),
        "likely": sum(1 for _, p in projections if p.likely),
        "told": told,
    }


def forecast_warnings_notify(*, forecast_ids: list[int]) -> int:
    """Tell each lead of both parties of each forecast warning: once per clause (by its key,
    which a superseding clause keeps) and period. Each warning on its own: one that cannot be
    told is logged, and the others still are."""
    created = 0
    forecasts = BreachForecast.objects.filter(pk__in=forecast_ids).select_related(
        "engagement", "clause"
    )
    for forecast in forecasts:
        with fanout.item(
            "Forecast warning notification",
            engagement=forecast.engagement_id,
            forecast=forecast.pk,
        ):
            clause = forecast.clause
            created += len(
                notify(
                    engagement=forecast.engagement,
                    event_key=(
                        f"breach-forecast:{forecast.engagement_id}:{clause.key}:{forecast.period}"
                    ),
                    kind="breach_forecast",
                    subject=(
                        f"SLA forecast: {clause.key} likely to breach in "
                        f"{formats.period(forecast.period)}"
                    ),
                    body=forecast_words(forecast)
                    + " The period is still open: this is a forecast, not a breach.",
                    url=reverse("sla:forecast", kwargs={"engagement_id": forecast.engagement_id}),
                    recipients=leads_of(engagement=forecast.engagement),
                )
            )
            BreachForecast.objects.filter(pk=forecast.pk).update(warned_at=timezone.now())
    return created


def forecast_words(forecast: BreachForecast) -> str:
    clause = forecast.clause
    projected = (
        kpi_value(forecast.projected_value, clause.kpi)
        if forecast.projected_value is not None
        else formats.MISSING
    )
    return (
        f"{clause.definition.name} is projected to end {formats.period(forecast.period)} near "
        f"{projected} ({formats.percent(forecast.likelihood * 100, 0)} likely to breach). "
        f"{forecast.reason}"
    )


def engagements_forecast(*, engagement_ids: list[int], as_of: date | None = None) -> list[dict]:
    """The nightly step: each engagement with clauses in force on its own."""
    results = []
    for engagement in Engagement.objects.filter(pk__in=engagement_ids).order_by("pk"):
        with fanout.item("Breach forecast", engagement=engagement.pk):
            results.append(breach_forecasts_compute(engagement=engagement, as_of=as_of))
    return results
