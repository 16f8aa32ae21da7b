from decimal import Decimal

from django import template

from kpis.registry import KPI_BY_KEY

register = template.Library()

UNIT_SUFFIX = {"days": " days", "percent": "%", "score": "", "rating": " / 5", "count": ""}


@register.filter
def kpi_value(value, kpi_key: str) -> str:
    """A stored value as shown: days, scores and percentages to 1 decimal, currency to 2."""
    if value is None:
        return "suppressed"
    kpi = KPI_BY_KEY[kpi_key]
    text = f"{value:,.{kpi.decimals}f}"
    return text + UNIT_SUFFIX.get(kpi.unit, "")


@register.filter
def number(value) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:,.4f}".rstrip("0")


@register.filter
def plain(value) -> str:
    """A threshold as entered: 3.7, not 3.7000."""
    if value is None:
        return "—"
    return format(Decimal(value).normalize(), "f")
