"""Recurring events: RRULE validation and the dates an event takes place on.

Rules are evaluated in Tokyo wall-clock time (a naive local DTSTART), so
"every third Sunday at 10:00" stays at 10:00 and an UNTIL written as a plain
date works. The occurrences themselves are materialised in the Occurrence
table by `sync_occurrences`, for a bounded horizon, so listings and feeds read
rows with a constant number of queries instead of expanding rules per request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

TOKYO = ZoneInfo("Asia/Tokyo")
# Occurrences are materialised from this far back ...
PAST_WINDOW = dt.timedelta(days=366)
# ... to this far ahead (a daily task rolls the window forward).
HORIZON = dt.timedelta(days=549)  # about 18 months
MAX_OCCURRENCES = 800
ALLOWED_FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
KNOWN_PARTS = {
    "FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH",
    "BYSETPOS", "BYYEARDAY", "BYWEEKNO", "WKST",
}  # fmt: skip


def local(value):
    """An aware datetime in Tokyo time."""
    return timezone.localtime(value, TOKYO)


def _normalise_until(value):
    """UNTIL as Tokyo wall-clock time (YYYYMMDDTHHMMSS): UTC values are converted,
    a plain date means the end of that day."""
    value = value.strip().upper()
    try:
        if value.endswith("Z"):
            moment = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            return moment.astimezone(TOKYO).strftime("%Y%m%dT%H%M%S")
        if "T" in value:
            dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
            return value
        day = dt.datetime.strptime(value, "%Y%m%d")
        return day.strftime("%Y%m%dT235959")
    except ValueError:
        raise ValidationError(
            _("UNTIL（終了日）は 20271231 のような日付で書いてください。"), code="until"
        ) from None


def normalise_rrule(text, start=None):
    """Check an RRULE and return it in canonical form ("" for none).

    Raises ValidationError with a message in Japanese that says what is wrong.
    """
    text = (text or "").strip()
    if not text:
        return ""
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if "\n" in text or "DTSTART" in text.upper():
        raise ValidationError(
            _("繰り返しにはRRULEを1行だけ書いてください（DTSTARTは不要です）。"), code="lines"
        )
    parts = {}
    for chunk in text.strip(";").split(";"):
        if "=" not in chunk:
            raise ValidationError(
                _("「%(part)s」はRRULEの書き方ではありません（例: FREQ=MONTHLY;BYDAY=3SU）。")
                % {"part": chunk},
                code="syntax",
            )
        key, value = (piece.strip() for piece in chunk.split("=", 1))
        key = key.upper()
        if key not in KNOWN_PARTS:
            raise ValidationError(
                _("RRULEの「%(key)s」は使えません。") % {"key": key}, code="unknown"
            )
        if key in parts:
            raise ValidationError(_("RRULEの「%(key)s」が2回あります。") % {"key": key})
        parts[key] = value.upper()
    if "FREQ" not in parts:
        raise ValidationError(
            _("RRULEにはFREQ（繰り返しの単位）が必要です（例: FREQ=MONTHLY;BYDAY=3SU）。"),
            code="freq",
        )
    if parts["FREQ"] not in ALLOWED_FREQS:
        raise ValidationError(
            _("繰り返しの単位（FREQ）はDAILY・WEEKLY・MONTHLY・YEARLYのいずれかにしてください。"),
            code="freq",
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValidationError(_("COUNT（回数）とUNTIL（終了日）は同時に指定できません。"))
    if "UNTIL" in parts:
        parts["UNTIL"] = _normalise_until(parts["UNTIL"])
    canonical = ";".join(f"{key}={value}" for key, value in parts.items())
    dtstart = local(start).replace(tzinfo=None) if start else dt.datetime(2026, 1, 1, 10)
    try:
        rule = rrulestr(canonical, dtstart=dtstart)
        first = next(iter(rule), None)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise ValidationError(
            _("繰り返しのルールを読み取れません（%(error)s）。例: FREQ=MONTHLY;BYDAY=3SU")
            % {"error": error},
            code="invalid",
        ) from None
    if first is None:
        raise ValidationError(
            _("このルールでは開催日が1日もありません。UNTILやBYMONTHを見直してください。"),
            code="empty",
        )
    return canonical


@dataclass(frozen=True)
class PlannedOccurrence:
    original_date: dt.date
    start: dt.datetime
    end: dt.datetime


def planned_occurrences(event, now=None):
    """The occurrences an event's fields describe, within the materialised window.

    A one-off event has exactly one, whatever its date. Exceptions are not applied here.
    """
    duration = event.end - event.start
    if not event.rrule:
        return [PlannedOccurrence(local(event.start).date(), event.start, event.end)]
    now = now or timezone.now()
    first = local(event.start)
    rule = rrulestr(event.rrule, dtstart=first.replace(tzinfo=None))
    window_start = max(first, local(now - PAST_WINDOW)).replace(tzinfo=None)
    window_end = local(now + HORIZON).replace(tzinfo=None)
    planned = []
    for moment in rule.xafter(window_start, inc=True):
        if moment > window_end or len(planned) >= MAX_OCCURRENCES:
            break
        start = moment.replace(tzinfo=TOKYO)
        planned.append(PlannedOccurrence(moment.date(), start, start + duration))
    return planned


def is_occurrence_date(event, day):
    """Whether `day` (a date) is one of the event's planned dates, inside or outside the window."""
    if not event.rrule:
        return local(event.start).date() == day
    first = local(event.start).replace(tzinfo=None)
    rule = rrulestr(event.rrule, dtstart=first)
    moment = rule.after(dt.datetime.combine(day, dt.time.min), inc=True)
    return moment is not None and moment.date() == day
