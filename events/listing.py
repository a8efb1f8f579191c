"""The /events/ listing (list and month calendar) and its filters, shared with the feed.

Every read is bounded: one page of occurrences, or one month; a constant number
of queries whatever the number of events.
"""

import calendar
import datetime as dt

from django.core.paginator import Paginator
from django.utils import timezone

from events.forms import EventFilterForm
from events.models import AttendanceMode, EventPage, Occurrence
from events.recurrence import TOKYO
from openlab import sdgs

PAGE_SIZE = 20
DAY_CELL_LIMIT = 4


def filter_choices():
    from openlab.models import Town
    from stakeholders.models import NAME_ORDER, StakeholderPage

    towns = list(Town.objects.all())
    organisers = list(
        StakeholderPage.objects.live()
        .filter(organised_events__live=True)
        .distinct()
        .only("slug", "title")
        .order_by(*NAME_ORDER)
    )
    return towns, organisers


def read_filters(request):
    towns, organisers = filter_choices()
    form = EventFilterForm(request.GET or {}, towns=towns, organisers=organisers)
    form.towns, form.organisers = towns, organisers
    return form, form.valid_filters()


def event_filter_kwargs(filters, prefix=""):
    """ORM lookups on the event for the event-level filters."""
    lookups = {}
    if filters.get("sdg"):
        lookups["goals"] = filters["sdg"]
    if filters.get("town"):
        lookups["towns__slug"] = filters["town"]
    if filters.get("organiser"):
        lookups["organisers__slug"] = filters["organiser"]
    if filters.get("free"):
        lookups["price"] = 0
    if filters.get("online"):
        lookups["attendance__in"] = [AttendanceMode.ONLINE, AttendanceMode.HYBRID]
    if filters.get("kids"):
        lookups["kids_welcome"] = True
    return {prefix + key: value for key, value in lookups.items()}


def filtered_occurrences(filters):
    occurrences = Occurrence.objects.public().filter(**event_filter_kwargs(filters, "event__"))
    if filters.get("date_from"):
        occurrences = occurrences.filter(date__gte=filters["date_from"])
    if filters.get("date_to"):
        occurrences = occurrences.filter(date__lte=filters["date_to"])
    return occurrences


def _link(rows, base_url):
    for row in rows:
        row.href = f"{base_url}{row.event.slug}/{row.date:%Y-%m-%d}/"
    return rows


def listing_context(request, base_url):
    """`base_url`: the index page's URL (/events/), the prefix of every date page."""
    form, filters = read_filters(request)
    now = timezone.now()
    occurrences = filtered_occurrences(filters)
    view = filters.get("view") or "list"
    context = {
        "filter_form": form,
        "filter_goals": sdgs.GOALS,
        "filter_towns": form.towns,
        "filter_organisers": form.organisers,
        "filters": filters,
        "view": view,
        "has_filters": any(
            filters.get(key)
            for key in (
                "sdg",
                "town",
                "organiser",
                "free",
                "online",
                "kids",
                "date_from",
                "date_to",
            )
        ),
    }
    if view == "month":
        context.update(month_context(occurrences, filters.get("month"), now, base_url))
        return context
    when = filters.get("when") or "upcoming"
    if when == "past":
        occurrences = occurrences.filter(end__lt=now).order_by("-start", "-pk")
    else:
        occurrences = occurrences.filter(end__gte=now).order_by("start", "pk")
    paginator = Paginator(
        occurrences.select_related("event").prefetch_related("event__goals"), PAGE_SIZE
    )
    page_obj = paginator.get_page(request.GET.get("page"))
    context.update(
        when=when,
        page_obj=page_obj,
        occurrences=_link(list(page_obj.object_list), base_url),
    )
    return context


def month_context(occurrences, month, now, base_url):
    today = timezone.localtime(now, TOKYO).date()
    month = month or today.replace(day=1)
    first_weekday = 6  # weeks start on Sunday, as on Japanese wall calendars
    cal = calendar.Calendar(firstweekday=first_weekday)
    weeks = cal.monthdatescalendar(month.year, month.month)
    grid_start, grid_end = weeks[0][0], weeks[-1][-1]
    rows = list(
        occurrences.filter(date__gte=grid_start, date__lte=grid_end)
        .select_related("event")
        .only(
            "pk", "date", "start", "end", "cancelled", "moved",
            "event__id", "event__title", "event__slug", "event__all_day",
        )
        .order_by("start", "pk")
    )  # fmt: skip
    _link(rows, base_url)
    by_day = {}
    for row in rows:
        by_day.setdefault(row.date, []).append(row)
    month_weeks = []
    for week in weeks:
        cells = []
        for day in week:
            items = by_day.get(day, [])
            cells.append(
                {
                    "date": day,
                    "in_month": day.month == month.month,
                    "today": day == today,
                    "items": items[:DAY_CELL_LIMIT],
                    "more": max(len(items) - DAY_CELL_LIMIT, 0),
                    "count": len(items),
                }
            )
        month_weeks.append(cells)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return {
        "month": month,
        "month_weeks": month_weeks,
        "month_total": sum(1 for row in rows if row.date.month == month.month),
        "previous_month": f"{previous:%Y-%m}",
        "next_month": f"{following:%Y-%m}",
        "weekday_names": ["日", "月", "火", "水", "木", "金", "土"],
    }


FEED_FIELDS = [
    "title", "slug", "summary", "start", "end", "all_day", "rrule", "venue_name",
    "venue_address", "latitude", "longitude", "online_url", "last_published_at",
]  # fmt: skip


def feed_events(filters, now=None):
    """Events with an upcoming date matching the filters, with the rows the feed needs."""
    from django.db.models import Prefetch, Q

    now = now or timezone.now()
    upcoming = filtered_occurrences(filters).filter(end__gte=now).values("event_id")
    exceptions = Occurrence.objects.filter(
        Q(cancelled=True) | Q(moved=True) | Q(event__rrule="")
    ).order_by("start")
    return list(
        EventPage.objects.live()
        .filter(pk__in=upcoming)
        .only(*FEED_FIELDS)
        .prefetch_related(Prefetch("occurrences", queryset=exceptions, to_attr="feed_rows"))
        .order_by("start", "pk")
    )
