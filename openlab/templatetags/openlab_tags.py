from django import template

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


@register.filter(expects_localtime=False)
def html_datetime(value):
    """A datetime for <time datetime="">: RFC 3339 in Tokyo time, in whole seconds (HTML
    allows at most three decimals of a second; the date filter's "c" writes six).
    The same writer as the open data and the APIs: openlab.dates.rfc3339."""
    return dates.rfc3339(value) or ""
