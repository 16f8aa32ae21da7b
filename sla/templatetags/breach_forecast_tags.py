"""The dashboard's forecast warnings (one tag in the SLA panel, so the panel's view is
unchanged)."""

from django import template

from sla.forecasting.selectors import forecast_warnings

register = template.Library()


@register.inclusion_tag("sla/forecasting/_dashboard.html")
def forecast_warnings_panel(engagement):
    return {"engagement": engagement, "forecast_warnings": forecast_warnings(engagement=engagement)}
