from django import template
from django.utils import timezone

from openlab import dates, sdgs

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


@register.filter(expects_localtime=False)
def ja_datetime(value, with_time=True):
    """「2027年2月13日(土) 13:30」 (Asia/Tokyo): `{{ when|ja_datetime }}`, or
    `{{ when|ja_datetime:False }}` for the date only. See openlab.dates."""
    return dates.ja_datetime(value, with_time)


@register.filter
def html_datetime(value):
    """A datetime for <time datetime="">: ISO 8601 in local time, in whole seconds (HTML
    allows at most three decimals of a second; the date filter's "c" writes six)."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()
