from django import template
from django.urls import reverse

from planning.inbox import unread_count

register = template.Library()


@register.inclusion_tag("admin/planning/inbox_link.html", takes_context=True)
def inbox_link(context) -> dict:
    """The header's link to the inbox with the unread count (one query; staff pages only)."""
    user = context["request"].user
    return {
        "url": reverse("admin:planning_notification_changelist"),
        "unread": unread_count(user) if user.is_authenticated else 0,
    }
