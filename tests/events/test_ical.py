import datetime as dt

import pytest
from icalendar import Calendar

from events.recurrence import TOKYO
from tests.events.conftest import make_event, next_market_date

pytestmark = pytest.mark.django_db


def parse(response):
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_event_ics_has_rrule_exdate_and_moved_date(client, market):
    occurrences = list(market.occurrences.filter(end__gte=market.start).order_by("start"))
    upcoming = next_market_date(market)
    following = market.occurrences.filter(start__gt=upcoming.start).order_by("start").first()
    market.exceptions.create(date=upcoming.original_date, action="cancel", note="雨天中止")
    moved_start = following.start + dt.timedelta(days=7)
    market.exceptions.create(
        date=following.original_date, action="move", new_start=moved_start,
        new_end=moved_start + dt.timedelta(hours=5), note="会場整備のため1週間後に変更",
    )  # fmt: skip
    market.save_revision().publish()
    assert len(occurrences) > 3

    calendar = parse(client.get("/events/soraichi-higashimurayama/event.ics"))
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Tokyo"
    master, moved = calendar.walk("VEVENT")
    assert master["UID"] == moved["UID"] and master["UID"].startswith(f"event-{market.pk}@")
    assert master["SUMMARY"] == "そらいち東村山"
    assert master["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert master.decoded("DTSTART") == market.start.astimezone(TOKYO)
    assert master["RRULE"].to_ical() == b"FREQ=MONTHLY;BYDAY=3SU"
    exdates = [value.dt for value in master["EXDATE"].dts]
    assert exdates == [upcoming.start.astimezone(TOKYO)]
    assert moved.decoded("RECURRENCE-ID") == following.start.astimezone(TOKYO)
    assert moved.decoded("DTSTART") == moved_start.astimezone(TOKYO)
    assert "会場整備" in str(moved["DESCRIPTION"])


def test_feed_lists_upcoming_events_and_follows_the_listing_filters(client, market):
    make_event(title="空堀川のいきもの調査", goals=[14, 15], price=500)
    past_start = dt.datetime(2026, 1, 10, 10, tzinfo=TOKYO)
    make_event(title="去年の講座", goals=[11], start=past_start,
               end=past_start + dt.timedelta(hours=2))  # fmt: skip
    calendar = parse(client.get("/events/feed.ics"))
    titles = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
    assert titles == ["そらいち東村山", "空堀川のいきもの調査"]
    for event in calendar.walk("VEVENT"):
        assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
        assert str(event["URL"]).startswith("http://testserver/events/")
    only_11 = parse(client.get("/events/feed.ics?sdg=11"))
    assert [str(e["SUMMARY"]) for e in only_11.walk("VEVENT")] == ["そらいち東村山"]
    free = parse(client.get("/events/feed.ics?free=on"))
    assert [str(e["SUMMARY"]) for e in free.walk("VEVENT")] == ["そらいち東村山"]
    # A bad filter is dropped, never a 500.
    assert len(parse(client.get("/events/feed.ics?sdg=99&month=x")).walk("VEVENT")) == 2


def test_all_day_event_uses_dates(client, site_tree):
    start = dt.datetime(2027, 3, 6, 0, 0, tzinfo=TOKYO)
    event = make_event(title="春のまちなか清掃", all_day=True, start=start,
                       end=start.replace(hour=23, minute=59))  # fmt: skip
    vevent = parse(client.get(f"/events/{event.slug}/event.ics")).walk("VEVENT")[0]
    assert vevent.decoded("DTSTART") == dt.date(2027, 3, 6)
    assert vevent.decoded("DTEND") == dt.date(2027, 3, 7)


def test_event_page_offers_add_to_calendar_links(client, market):
    occurrence = next_market_date(market)
    html = client.get(f"/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/").content
    html = html.decode()
    assert 'href="/events/soraichi-higashimurayama/event.ics"' in html
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in html
    assert "recur=RRULE%3AFREQ%3DMONTHLY%3BBYDAY%3D3SU" in html
