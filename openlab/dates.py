"""How dates and times are written for people here: one place, used by templates
(`{{ when|ja_datetime }}` from openlab_tags) and by Python that writes text."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

TOKYO = ZoneInfo("Asia/Tokyo")


def ja_datetime(value, with_time=True):
    """「2027年2月13日(土) 13:30」 in Asia/Tokyo; with_time=False gives 「2027年2月13日(土)」.

    A date (not a datetime) never has a time; None and "" give "".
    """
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, TOKYO)
    else:
        with_time = False
    if with_time:
        return date_format(value, _("Y年n月j日(D) H:i"))
    return date_format(value, _("Y年n月j日(D)"))


def rfc3339(value):
    """A date-time for machines (open data, APIs, <time datetime="">): RFC 3339 in
    Asia/Tokyo, always with seconds and offset, never fractions: 2026-06-21T10:00:00+09:00.

    Typed validators (frictionless, JSON Schema "date-time") need the seconds and the offset;
    HTML allows at most three decimals of a second. A naive datetime is taken as Tokyo time;
    an ISO string (as stored in the search index) is parsed first; a date stays a date
    (2026-06-21); None and "" give None.
    """
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
        if "T" not in value and " " not in value:
            return parsed.date().isoformat()
        value = parsed
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    value = value.astimezone(TOKYO) if timezone.is_aware(value) else value.replace(tzinfo=TOKYO)
    return value.replace(microsecond=0).isoformat(timespec="seconds")
