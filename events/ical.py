"""iCalendar (RFC 5545) output for Google Calendar, Outlook and Apple Calendar.

One VEVENT per event: a recurring event carries its RRULE, EXDATE for the
cancelled dates and an extra VEVENT (same UID, RECURRENCE-ID) for each moved
date. Times carry TZID=Asia/Tokyo with a VTIMEZONE.

Every text people wrote goes through ``text()``: a line break or control character in a
title, venue or note can neither break the file nor add a property to it. The online
link of an event taking registrations is never written: only confirmed registrants get
it, by e-mail.
"""

import datetime as dt
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneStandard, vRecur, vText

from events.recurrence import TOKYO, local

PRODID = "-//Higashimurayama SDGs Open Lab//openlab events//JA"


_LINE_BREAK = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f]")  # RFC 5545 TEXT allows HTAB only


def text(value, multiline=False):
    """A TEXT value from what people wrote: line breaks made plain newlines (escaped as
    "\\n" by icalendar) or, for one-line properties, spaces; other control characters
    dropped."""
    value = _CONTROL.sub("", _LINE_BREAK.sub("\n", str(value or "")))
    if not multiline:
        value = " ".join(part.strip() for part in value.split("\n") if part.strip())
    return vText(value)


def _domain():
    base = settings.WAGTAILADMIN_BASE_URL.split("://", 1)[-1]
    return base.split("/", 1)[0].split(":", 1)[0] or "openlab.local"


def uid(event):
    return f"event-{event.pk}@{_domain()}"


def tokyo_vtimezone():
    """Asia/Tokyo has had one offset (+09:00, no daylight saving) since 1951."""
    zone = Timezone()
    zone.add("tzid", "Asia/Tokyo")
    standard = TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", dt.timedelta(hours=9))
    standard.add("tzoffsetto", dt.timedelta(hours=9))
    standard.add("tzname", "JST")
    zone.add_component(standard)
    return zone


def new_calendar(name):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", text(name))
    calendar.add("x-wr-timezone", "Asia/Tokyo")
    calendar.add_component(tokyo_vtimezone())
    return calendar


def _moment(event, value):
    """A datetime in Tokyo for timed events; a date for all-day ones."""
    return local(value).date() if event.all_day else local(value)


def _original_start(event, original_date):
    if event.all_day:
        return original_date
    return dt.datetime.combine(original_date, local(event.start).time(), tzinfo=TOKYO)


def _ical_rrule(rrule):
    """Our rules keep UNTIL in Tokyo wall time; RFC 5545 wants UTC with a TZID DTSTART."""
    parts = dict(part.split("=", 1) for part in rrule.split(";"))
    if "UNTIL" in parts:
        until = dt.datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%S").replace(tzinfo=TOKYO)
        parts["UNTIL"] = until.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return vRecur.from_ical(";".join(f"{key}={value}" for key, value in parts.items()))


def _base_vevent(event, start, end, page_url, stamp):
    vevent = Event()
    vevent.add("uid", uid(event))
    vevent.add("dtstamp", stamp)
    vevent.add("summary", text(event.title))
    if event.all_day:
        vevent.add("dtstart", local(start).date())
        vevent.add("dtend", local(end).date() + dt.timedelta(days=1))
    else:
        vevent.add("dtstart", local(start))
        vevent.add("dtend", local(end))
    vevent.add("description", text(_description(event, page_url), multiline=True))
    location = "、".join(
        str(text(part)) for part in [event.venue_name, event.venue_address] if text(part)
    )
    if event.online_url and not location:
        # The link itself only when anyone may join; otherwise registrants get it by e-mail.
        location = _("オンライン") if event.takes_registrations else event.online_url
    if location:
        vevent.add("location", text(location))
    if event.latitude is not None and event.longitude is not None:
        vevent.add("geo", (float(event.latitude), float(event.longitude)))
    vevent.add("url", page_url)
    if event.last_published_at:
        vevent.add("last-modified", event.last_published_at)
    return vevent


def _description(event, page_url, note=""):
    return "\n\n".join(part for part in [note, event.summary, page_url] if part)


def event_components(event, exceptions, page_url, stamp):
    """VEVENTs for one event. `exceptions`: its cancelled or moved Occurrence rows
    (for a one-off event: its single occurrence)."""
    if not event.rrule:
        occurrence = exceptions[0] if exceptions else None
        start = occurrence.start if occurrence else event.start
        end = occurrence.end if occurrence else event.end
        vevent = _base_vevent(event, start, end, page_url, stamp)
        if occurrence is not None and occurrence.cancelled:
            vevent.add("status", "CANCELLED")
        else:
            vevent.add("status", "CONFIRMED")
        return [vevent]
    master = _base_vevent(event, event.start, event.end, page_url, stamp)
    master.add("rrule", _ical_rrule(event.rrule))
    master.add("status", "CONFIRMED")
    cancelled = sorted(row.original_date for row in exceptions if row.cancelled)
    if cancelled:
        master.add("exdate", [_original_start(event, day) for day in cancelled])
    components = [master]
    for row in exceptions:
        if row.moved and not row.cancelled:
            moved = _base_vevent(event, row.start, row.end, page_url, stamp)
            moved.add("recurrence-id", _original_start(event, row.original_date))
            if row.note:
                moved["description"] = text(_description(event, page_url, row.note), True)
            components.append(moved)
    return components


def occurrence_component(event, occurrence, page_url, stamp):
    """One date of an event as a VEVENT of its own: no rule, and its own UID, so adding
    it next to the whole series changes nothing in the series."""
    vevent = _base_vevent(event, occurrence.start, occurrence.end, page_url, stamp)
    vevent["uid"] = f"event-{event.pk}-{occurrence.original_date:%Y%m%d}@{_domain()}"
    vevent.add("status", "CANCELLED" if occurrence.cancelled else "CONFIRMED")
    return vevent


def build_calendar(name, entries, single_dates=False):
    """`entries`: (event, exceptions, absolute page URL) triples; with `single_dates`,
    (event, occurrences, URL): each occurrence as a date of its own."""
    calendar = new_calendar(name)
    stamp = timezone.now().astimezone(dt.UTC)
    for event, rows, page_url in entries:
        if single_dates:
            components = [occurrence_component(event, row, page_url, stamp) for row in rows]
        else:
            components = event_components(event, rows, page_url, stamp)
        for component in components:
            calendar.add_component(component)
    return calendar.to_ical()


def google_calendar_url(event, start, end, page_url, recurring=False):
    """A Google Calendar "add event" link for one date (or the whole series)."""
    from urllib.parse import urlencode

    if event.all_day:
        dates = f"{local(start):%Y%m%d}/{local(end).date() + dt.timedelta(days=1):%Y%m%d}"
    else:
        fmt = "%Y%m%dT%H%M%SZ"
        dates = f"{start.astimezone(dt.UTC):{fmt}}/{end.astimezone(dt.UTC):{fmt}}"
    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": dates,
        "details": "\n\n".join(part for part in [event.summary, page_url] if part),
        "location": "、".join(part for part in [event.venue_name, event.venue_address] if part),
        "ctz": "Asia/Tokyo",
    }
    if recurring and event.rrule:
        params["recur"] = "RRULE:" + _ical_rrule(event.rrule).to_ical().decode()
    return "https://calendar.google.com/calendar/render?" + urlencode(params)
