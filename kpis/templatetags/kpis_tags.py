from django import template

from kpis.registry import KPI_BY_KEY
from rpo_portal import formats

register = template.Library()

UNIT_SUFFIX = {"days": " days", "percent": "%", "score": "", "rating": " / 5", "count": ""}


@register.filter
def kpi_value(value, kpi_key: str) -> str:
    """A stored value as shown: days, scores and percentages to 1 decimal, currency to 2,
    rounded half away from zero (the contract's rule), with thousands separators."""
    return kpi_amount(value, kpi_key)


def kpi_amount(value, kpi_key: str, currency: str = "") -> str:
    """`kpi_value`, and a money KPI (cost per hire) with the engagement's currency when it is
    given: where a figure stands alone (a chart's target line), its unit must show."""
    if value is None:
        return "suppressed"
    kpi = KPI_BY_KEY[kpi_key]
    if kpi.unit == "currency" and currency:
        return formats.money(value, currency)
    return formats.number(value, kpi.decimals) + UNIT_SUFFIX.get(kpi.unit, "")


@register.filter
def threshold(value, kpi_key: str) -> str:
    """A threshold or target as entered (3.75 stays 3.75), with the KPI's unit."""
    return threshold_in(value, kpi_key)


def threshold_in(value, kpi_key: str, currency: str = "") -> str:
    """`threshold`, and an amount (cost per hire) with the engagement's currency when it is
    given: every money target and threshold shows its currency."""
    if value is None:
        return formats.MISSING
    if KPI_BY_KEY[kpi_key].unit == "currency" and currency:
        return f"{currency}\u00a0{plain(value)}"
    return plain(value) + UNIT_SUFFIX.get(KPI_BY_KEY[kpi_key].unit, "")


@register.simple_tag
def kpi_threshold(value, kpi_key: str, currency: str = "") -> str:
    """{% kpi_threshold target.target_value target.kpi engagement.currency %}: a target or
    threshold as agreed, in its KPI's unit, an amount with its currency."""
    return threshold_in(value, kpi_key, currency)


@register.simple_tag
def kpi_figure(value, kpi_key: str, currency: str = "") -> str:
    """{% kpi_figure value kpi engagement.currency %}: `kpi_value`, an amount with its currency."""
    return kpi_amount(value, kpi_key, currency)


@register.filter
def number(value) -> str:
    """A numerator or denominator: whole numbers with separators, others to 4 places at most."""
    amount = formats.exact(value)
    if amount is None:
        return formats.MISSING
    if amount == amount.to_integral_value():
        return formats.number(amount, 0)
    return formats.number(amount, 4).rstrip("0").rstrip(".")


@register.filter
def plain(value) -> str:
    """A threshold as entered: 3.7, not 3.7000; 12000 as 12,000."""
    return formats.plain(value)
