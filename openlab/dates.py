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
