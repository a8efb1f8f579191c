"""Issue 14, item 7: what the iCal files may carry.

The online meeting link of an event that takes registrations goes only to confirmed
registrants (by e-mail, as the event page says), never into a calendar file; and text
that people wrote (titles, venues, notes) cannot break the file or add lines to it.
"""

import datetime as dt

import pytest
from icalendar import Calendar

from events.recurrence import TOKYO
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db

SECRET_LINK = "https://example.jp/room-secret"
OPEN_LINK = "https://example.jp/room-open"
START = dt.datetime(2027, 5, 8, 10, tzinfo=TOKYO)


def _event(**fields):
    return make_event(start=START, end=START + dt.timedelta(hours=2), **fields)


def test_the_meeting_link_of_a_registration_event_is_in_no_calendar(client, site_tree):
    registered = _event(
        title="申込制オンライン講座", slug="registered-online", attendance="online",
        online_url=SECRET_LINK, registration="open", capacity=20, venue_name="",
    )  # fmt: skip
    _event(
        title="だれでもオンライン講座", slug="open-online", attendance="online",
        online_url=OPEN_LINK, registration="closed", venue_name="",
    )  # fmt: skip
    for url in (f"/events/{registered.slug}/event.ics", "/events/feed.ics"):
        response = client.get(url)
        assert response.status_code == 200
        assert b"room-secret" not in response.content, url
    calendar = Calendar.from_ical(client.get("/events/feed.ics").content)
    locations = {str(e["SUMMARY"]): str(e.get("LOCATION", "")) for e in calendar.walk("VEVENT")}
    assert locations["だれでもオンライン講座"] == OPEN_LINK  # no registration: the link is public
    assert locations["申込制オンライン講座"] == "オンライン"


def test_line_breaks_and_control_characters_cannot_break_the_file(client, site_tree):
    event = _event(
        title="春の講座\r\nBEGIN:VEVENT\rSUMMARY:偽物",
        slug="broken-title",
        summary="1行目\r\n2行目\x07\x1b",
        venue_name="公民館\nLOCATION:別の場所",
        venue_address="本町1-1\x0b",
    )
    for url in (f"/events/{event.slug}/event.ics", "/events/feed.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        raw = response.content
        # Every line is a property or a folded continuation; nothing was injected.
        lines = raw.split(b"\r\n")
        assert lines[-1] == b""
        for line in lines[:-1]:
            assert b"\r" not in line and b"\n" not in line
            assert not any(byte < 0x20 and byte != 0x09 for byte in line), line
        assert lines.count(b"BEGIN:VEVENT") == 1
        injected = ("SUMMARY:偽物".encode(), "LOCATION:別の場所".encode())
        assert not any(line.startswith(injected) for line in lines)
        vevent = Calendar.from_ical(raw).walk("VEVENT")[0]
        assert str(vevent["SUMMARY"]) == "春の講座 BEGIN:VEVENT SUMMARY:偽物"
        assert str(vevent["LOCATION"]) == "公民館 LOCATION:別の場所、本町1-1"
        assert str(vevent["DESCRIPTION"]).startswith("1行目\n2行目\n\nhttp://testserver/")
    calendar = Calendar.from_ical(client.get(f"/events/{event.slug}/event.ics").content)
    assert str(calendar["X-WR-CALNAME"]) == "春の講座 BEGIN:VEVENT SUMMARY:偽物"
