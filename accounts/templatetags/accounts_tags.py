from django import template

from accounts.selectors import organizations_administered_by

register = template.Library()


@register.simple_tag
def administered_organizations(user):
    """The organizations `user` administers (for the API keys links)."""
    if not user.is_authenticated:
        return []
    return organizations_administered_by(user)
