"""The market beside a KPI's value on its page (`templates/market/_kpi_market.html`)."""

from django import template

from orchestration.market import selectors

register = template.Library()


@register.inclusion_tag("market/_kpi_market_line.html", takes_context=True)
def kpi_market(context) -> dict:
    """The KPI page's chosen period and segment beside the benchmark that applies to it."""
    kpi, period = context["kpi"], context.get("period", "")
    value = next((v for v in context.get("values", []) if v.period == period), None)
    comparison = selectors.kpi_comparison(
        engagement=context["engagement"],
        kpi=kpi.key,
        grain=context["grain"],
        period=period,
        dimension=context["dimension"],
        segment=context["segment"],
        value=value,
    )
    return {
        "engagement": context["engagement"],
        "comparison": comparison,
        "period": period,
        "dimension": context["dimension"],
        "segment": context["segment"],
    }
