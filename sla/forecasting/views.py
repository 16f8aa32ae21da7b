from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from engagements.access import get_engagement_for
from sla.forecasting import selectors
from sla.forecasting.projection import HISTORY_DAYS, LIKELY, SIMULATIONS, TRAILING_DAYS


@login_required
def forecast(request, engagement_id: int):
    """Every agreed credit clause's open period projected to its end (every member reads)."""
    engagement = get_engagement_for(request.user, engagement_id)
    forecasts = list(selectors.forecasts_of(engagement=engagement))
    context = {
        "engagement": engagement,
        "forecasts": forecasts,
        "as_of": max((f.as_of for f in forecasts), default=None),
        "likely_pct": LIKELY * 100,
        "simulations": SIMULATIONS,
        "trailing_days": TRAILING_DAYS,
        "history_days": HISTORY_DAYS,
    }
    return render(request, "sla/forecasting/forecast.html", context)
