"""The hiring forecast's page and its CSV export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from engagements.access import get_engagement_for
from forecasts import selectors
from rpo_portal.csv_files import csv_table

CSV_HEADER = [
    "month",
    "dimension",
    "segment",
    "expected_hires",
    "p10",
    "p90",
    "planned_hires",
    "attainment_pct",
    "gap",
    "hired_so_far",
    "from_pipeline",
    "from_openings",
    "new_openings",
]


def _rounded(value, places: int = 2):
    return None if value is None else round(value, places)


def csv_rows(forecast: selectors.Forecast):
    for row in forecast.rows:
        yield [
            row.month.strftime("%Y-%m"),
            row.dimension,
            row.segment,
            _rounded(row.expected),
            _rounded(row.p10),
            _rounded(row.p90),
            _rounded(row.plan),
            _rounded(row.attainment, 1),
            _rounded(row.gap),
            row.hired,
            _rounded(row.from_pipeline),
            _rounded(row.from_openings),
            _rounded(row.openings),
        ]


@login_required
def hiring(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    forecast = selectors.hiring_forecast(engagement=engagement)
    return render(
        request,
        "forecasts/hiring.html",
        {
            "engagement": engagement,
            "forecast": forecast,
            "quarters": forecast.quarters(),
            "months": forecast.months(),
            "gaps": [gap for q in forecast.quarters() for gap in forecast.gaps(q.label)],
        },
    )


@login_required
def hiring_csv(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    forecast = selectors.hiring_forecast(engagement=engagement)
    response = HttpResponse(
        csv_table(CSV_HEADER, csv_rows(forecast)), content_type="text/csv; charset=utf-8"
    )
    filename = f"hiring-forecast-{engagement.slug}-{forecast.as_of:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
