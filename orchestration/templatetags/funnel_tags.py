from django import template

from kpis.funnel import funnel_view

register = template.Library()


@register.inclusion_tag("kpis/_funnel_tile_body.html")
def funnel_tile(engagement, filters):
    """The dashboard's funnel tile: the period's applications through to starts, the
    bottleneck, and a link to the funnel page with the same filters."""
    return {"engagement": engagement, "view": funnel_view(engagement=engagement, filters=filters)}
