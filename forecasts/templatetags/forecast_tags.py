"""The hiring forecast where other pages show it: one inclusion each (the dashboard's tile, the
KPI page's card, the forecast page's band), given the engagement."""

from django import template

from charts.band import BandPoint, band_chart
from forecasts import selectors
from rpo_portal import formats

register = template.Library()


def hires(value) -> str:
    return formats.number(value, 1)


def band(forecast: selectors.Forecast, chart_id: str, width: int = 360, height: int = 160):
    points = [
        BandPoint(
            label=formats.period(row.month.strftime("%Y-%m")),
            low=row.p10,
            expected=row.expected,
            high=row.p90,
            plan=row.plan,
        )
        for row in forecast.months()
    ]
    return band_chart(
        points,
        chart_id=chart_id,
        title="Expected hires per month, with the 10th to 90th percentile range and the plan",
        fmt=hires,
        width=width,
        height=height,
    )


@register.simple_tag
def hiring_forecast_band(forecast):
    """The band of the forecast's months, wide (the forecast page)."""
    return band(forecast, "forecast-band-page", width=720, height=220)


@register.inclusion_tag("forecasts/_summary.html")
def hiring_forecast_summary(engagement, heading_level=2, place="dashboard"):
    forecast = selectors.hiring_forecast(engagement=engagement)
    return {
        "engagement": engagement,
        "forecast": forecast,
        "quarter": forecast.quarter(forecast.open_quarter),
        "gaps": [gap for gap in forecast.gaps() if gap.gap is not None and gap.gap < 0][:3],
        "heading": f"h{int(heading_level)}",
        "place": place,
        "chart": band(forecast, f"forecast-band-{place}"),
    }
