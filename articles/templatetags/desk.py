from django import template

from articles import desk as desk_lists

register = template.Library()


@register.inclusion_tag("admin/articles/desk.html")
def desk(user):
    return {"lists": desk_lists.lists_for(user)}
