from django import template

from openlab import sdgs

register = template.Library()


@register.simple_tag
def goal_name(goal):
    """The goal's name in the visitor's language."""
    return sdgs.name_in_language(goal)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for paging links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()
