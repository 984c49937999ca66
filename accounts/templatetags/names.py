from django import template

from accounts.names import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user, nobody="System"):
    """{{ user|display_name }}, or {{ user|display_name:"Nobody" }}: see accounts.names."""
    return _display_name(user or None, nobody)
