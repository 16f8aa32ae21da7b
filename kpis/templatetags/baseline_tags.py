"""How a baseline reads: its value in the KPI's unit, or "insufficient data" with its n."""

from django import template

from kpis.templatetags.kpis_tags import kpi_amount
from rpo_portal import formats

register = template.Library()


@register.simple_tag
def baseline_value(item, currency: str = "") -> str:
    if item is None:
        return "none agreed"
    if item.value is None:
        return (
            f"insufficient data ({formats.counted(item.n or 0, 'record')}, "
            f"needs {formats.number(item.min_sample_size)})"
        )
    return kpi_amount(item.value, item.kpi, currency)


@register.filter
def baseline_window(proposal) -> str:
    if proposal is None or proposal.window_from is None:
        return "—"
    return f"{formats.period(f'{proposal.window_from:%Y-%m}')} to " + formats.period(
        f"{proposal.window_to:%Y-%m}"
    )
