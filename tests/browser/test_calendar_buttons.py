"""Issue 22 item 4: on one date of a recurring event, the calendar buttons say what they
add and do it: 「この日をカレンダーに追加」 adds that date only (iCal and Google),
「全日程を追加」 the whole series. Before, the iCal button beside 「この回」 gave the series."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar

from tests.events.conftest import make_event, months_from_now, third_sunday

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def market(site_tree):
    start = third_sunday(*months_from_now(-3))
    return make_event(
        title="そらいち東村山",
        slug="soraichi",
        start=start,
        end=start + dt.timedelta(hours=5),
        rrule="FREQ=MONTHLY;BYDAY=3SU",
        venue_name="東村山駅西口",
        goals=[11],
    )


def _download(page, link):
    with page.expect_download() as info:
        link.click()
    return Calendar.from_ical(open(info.value.path(), "rb").read())


def test_this_date_and_every_date_buttons(page, live_server, market):
    from events.models import Occurrence

    day = third_sunday(*months_from_now(2))  # a date in the series, not the next one
    occurrence = Occurrence.objects.get(event=market, date=day.date())
    page.goto(f"{live_server.url}/events/soraichi/{day:%Y-%m-%d}/")

    this_date = page.locator("section.add-to-calendar", has_text="この日をカレンダーに追加")
    every_date = page.locator("section.add-to-calendar", has_text="全日程を追加")

    # This date: the iCal file holds that one date, no rule; Google gets the same date.
    calendar = _download(page, this_date.get_by_role("link", name="iCalファイル"))
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    assert events[0].decoded("dtstart") == day
    assert "RRULE" not in events[0]
    google = this_date.get_by_role("link", name="Googleカレンダー").get_attribute("href")
    query = parse_qs(urlsplit(google).query)
    utc = occurrence.start.astimezone(dt.UTC)
    assert query["dates"][0].startswith(f"{utc:%Y%m%dT%H%M%SZ}/")
    assert "recur" not in query

    # Every date: the series with its rule; Google's link says what it does.
    calendar = _download(page, every_date.get_by_role("link", name="iCalファイル"))
    series = calendar.walk("VEVENT")[0]
    assert series["RRULE"]["FREQ"] == ["MONTHLY"] and series["RRULE"]["BYDAY"] == ["3SU"]
    google = every_date.get_by_role("link", name="Googleカレンダー").get_attribute("href")
    assert parse_qs(urlsplit(google).query)["recur"][0].startswith("RRULE:FREQ=MONTHLY")
    assert "繰り返し" in every_date.inner_text()
