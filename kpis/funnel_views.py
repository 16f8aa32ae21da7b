"""The funnel page of an engagement: stages, stage times, the bottleneck and the sources."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from engagements.access import get_engagement_for
from kpis import selectors
from kpis.funnel import SOURCE_COLUMNS, funnel_view
from kpis.models import Grain
from kpis.tiles import dashboard_filters


@login_required
def funnel(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    grain = request.GET.get("grain", Grain.MONTH)
    grain = grain if grain in Grain.values else Grain.MONTH
    dimension, _, segment = request.GET.get("segment", "").partition(":")
    if not (dimension and segment):
        dimension, segment = "all", "all"
    filters = dashboard_filters(
        engagement=engagement,
        grain=grain,
        period=request.GET.get("period", ""),
        dimension=dimension,
        segment=segment,
    )
    view = funnel_view(
        engagement=engagement,
        filters=filters,
        sort=request.GET.get("sort", "hires"),
        descending=request.GET.get("dir", "desc") != "asc",
    )
    context = {
        "engagement": engagement,
        "view": view,
        "filters": filters,
        "grain": grain,
        "dimension": dimension,
        "segment": segment,
        "segments": selectors.segments_of(engagement=engagement, grain=grain, kpi="applications"),
        "source_columns": [("source", "Source"), *((k, h) for k, h, _ in SOURCE_COLUMNS)],
    }
    return render(request, "kpis/funnel.html", context)
