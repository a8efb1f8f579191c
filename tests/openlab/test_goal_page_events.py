"""/sdgs/<n>/ lists events by their upcoming occurrences, so a recurring event whose
first date is long past (the monthly そらいち東村山 market) still appears."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from events.models import Occurrence
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(site_tree):
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=90)
    return EventFactory(
        title="そらいち東村山",
        slug="soraichi",
        start=start,
        end=start + dt.timedelta(hours=5),
        rrule="FREQ=MONTHLY",
        goals=[11, 12],
    )


def events_section(html):
    return re.search(r'<section id="events".*?</section>', html, re.S).group(0)


def test_recurring_event_is_listed_by_its_next_dates(client, market):
    assert market.end < timezone.now()  # its own dates are the first, long-past ones
    upcoming = list(
        Occurrence.objects.filter(event=market, end__gte=timezone.now()).order_by("start")
    )
    assert len(upcoming) >= 2
    html = client.get("/sdgs/11/").content.decode()
    section = events_section(html)
    assert section.count("そらいち東村山") >= 2
    # Each card shows the date of its occurrence and links to that date's page.
    first = timezone.localtime(upcoming[0].start)
    assert f'datetime="{first.isoformat()}"' in section
    assert f'href="/events/soraichi/{upcoming[0].date.isoformat()}/"' in section
    total = re.search(r'<a href="#events">[^<(]*\((\d+)\)</a>', html).group(1)
    assert int(total) == len(upcoming)


def test_goal_page_leaves_out_other_goals_past_and_cancelled_dates(client, market):
    EventFactory(title="水辺の観察会", goals=[6])
    past = timezone.now() - dt.timedelta(days=30)
    EventFactory(title="終わった講座", goals=[11], start=past, end=past + dt.timedelta(hours=1))
    upcoming = Occurrence.objects.filter(event=market, end__gte=timezone.now()).order_by("start")
    cancelled = upcoming.first()
    cancelled.cancelled = True
    cancelled.save(update_fields=["cancelled"])
    section = events_section(client.get("/sdgs/11/").content.decode())
    assert "そらいち東村山" in section
    assert "水辺の観察会" not in section
    assert "終わった講座" not in section
    assert f"/events/soraichi/{cancelled.date.isoformat()}/" not in section
