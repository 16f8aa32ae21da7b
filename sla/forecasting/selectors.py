"""Reads of the breach forecast, always given the engagement."""

from __future__ import annotations

from django.db.models import QuerySet

from engagements.models import Engagement
from sla.models import BreachForecast


def forecasts_of(*, engagement: Engagement) -> QuerySet[BreachForecast]:
    """The forecasts of the clauses in force, most likely breach first."""
    return (
        BreachForecast.objects.filter(engagement=engagement, clause__in_force=True)
        .select_related("clause")
        .order_by("-likelihood", "clause__key", "period_end")
    )


def forecast_warnings(*, engagement: Engagement) -> list[BreachForecast]:
    """The forecast warnings: open periods whose breach is likely."""
    return list(forecasts_of(engagement=engagement).filter(likely=True))
