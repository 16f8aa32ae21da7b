from django import template

from notifications.selectors import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    """How many of the person's notifications are unread (for the header)."""
    return unread_count(user=user)
