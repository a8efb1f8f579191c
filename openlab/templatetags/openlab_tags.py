from django import template
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def goal_name(goal):
    """The goal's name in the visitor's language."""
    return goal.name_en if (get_language() or "ja").startswith("en") else goal.name_ja


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for paging links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()
