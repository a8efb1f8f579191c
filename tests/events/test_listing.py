import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.services import upcoming_events
from tests.events.conftest import TOKYO, make_event, next_market_date

pytestmark = pytest.mark.django_db


def add_events(count, recurring_every=5):
    now = timezone.now()
    for index in range(count):
        start = now + dt.timedelta(days=index % 60 + 1, hours=index % 5)
        make_event(
            title=f"講座{index}",
            start=start,
            end=start + dt.timedelta(hours=2),
            goals=[index % 17 + 1],
            rrule="FREQ=WEEKLY" if index % recurring_every == 0 else "",
            price=0 if index % 2 else 300,
        )


def queries(client, path):
    client.get(path)
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, HTTP_CACHE_CONTROL="no-cache")
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


@pytest.fixture
def no_page_cache(settings):
    settings.PAGE_CACHE_ENABLED = False


PATHS = ["/events/", "/events/?view=month", "/events/?when=past", "/events/?sdg=2&free=on",
         "/events/feed.ics", "/"]  # fmt: skip


def test_listing_runs_constant_queries_at_two_sizes(client, site_tree, no_page_cache):
    add_events(4)
    small = {path: queries(client, path)[0] for path in PATHS}
    add_events(26)
    large = {path: queries(client, path)[0] for path in PATHS}
    assert small == large
    assert max(large.values()) <= 20


def test_list_separates_upcoming_and_past_and_paginates(client, site_tree):
    past = dt.datetime(2026, 3, 1, 10, tzinfo=TOKYO)
    make_event(title="春の終わった講座", start=past, end=past + dt.timedelta(hours=2))
    add_events(25, recurring_every=100)
    html = client.get("/events/").content.decode()
    assert "講座0" in html and "春の終わった講座" not in html
    assert 'rel="next"' in html and "1 / " in html
    past_html = client.get("/events/?when=past").content.decode()
    assert "春の終わった講座" in past_html and "講座0<" not in past_html


def listed(client, path):
    html = client.get(path).content.decode()
    return html[html.index('id="list-heading"') :]


def test_filters_are_in_the_url_and_bad_values_are_explained(client, market):
    make_event(title="有料のオンライン講座", price=1000, attendance="online",
               online_url="https://example.jp/z", goals=[4])  # fmt: skip
    html = listed(client, "/events/?sdg=11&town=honcho&kids=on&free=on")
    assert "そらいち東村山" in html and "有料のオンライン講座" not in html
    html = listed(client, "/events/?online=on")
    assert "有料のオンライン講座" in html and "そらいち東村山" not in html
    html = listed(client, "/events/?organiser=soraichi")
    assert "そらいち東村山" in html and "有料のオンライン講座" not in html
    response = client.get("/events/?sdg=42&town=atlantis&date_from=yesterday&month=2026-13")
    html = response.content.decode()
    assert response.status_code == 200
    assert "その町は見つかりません" in html
    assert "有料のオンライン講座" in html  # the bad filters were dropped


def test_month_view_shows_the_next_market_on_its_day(client, market):
    occurrence = next_market_date(market)
    html = client.get(f"/events/?view=month&month={occurrence.date:%Y-%m}").content.decode()
    assert f"{occurrence.date.year}年{occurrence.date.month}月" in html
    assert f'href="/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/"' in html
    assert 'rel="next"' in html and 'rel="prev"' in html


def test_upcoming_events_gives_the_next_dates_of_recurring_events(market):
    events = upcoming_events(limit=6)
    assert events[0].title == "そらいち東村山"
    assert events[0].start == next_market_date(market).start
    assert [event.start for event in events] == sorted(event.start for event in events)
    assert len(events) == 6  # the monthly market's next six dates


def test_date_page_and_unknown_date(client, market):
    occurrence = next_market_date(market)
    html = client.get(f"/events/soraichi-higashimurayama/{occurrence.date:%Y-%m-%d}/").content
    assert "参加申込" in html.decode()
    assert client.get("/events/soraichi-higashimurayama/2031-02-30/").status_code == 404
    assert client.get("/events/soraichi-higashimurayama/2026-12-21/").status_code == 404


def test_event_page_shows_town_map_and_the_online_link_only_when_nobody_registers(
    client, site_tree
):
    from decimal import Decimal

    hybrid = make_event(
        title="公開オンライン講座", slug="open-online", attendance="hybrid",
        online_url="https://example.jp/room-open", registration="closed",
        venue_name="中央公民館", latitude=Decimal("35.754000"), longitude=Decimal("139.468000"),
        towns=["honcho"],
    )  # fmt: skip
    html = client.get(hybrid.url).content.decode()
    assert 'href="https://example.jp/room-open"' in html
    assert "本町" in html
    assert "openstreetmap.org/?mlat=35.754000&amp;mlon=139.468000" in html

    registered = make_event(
        title="申込制オンライン講座", slug="registered-online", attendance="online",
        online_url="https://example.jp/room-secret", registration="open", capacity=20,
    )  # fmt: skip
    html = client.get(registered.url).content.decode()
    assert "room-secret" not in html  # sent to those confirmed, by e-mail
    assert "メールでお知らせします" in html
