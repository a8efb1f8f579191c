"""Issue 22 item 3: wherever an event is listed, a recurring one shows its next date,
and a series that is over says it ended (not the series' first date, in the past)."""

import datetime as dt

import pytest
from django.utils import timezone

from events.services import shown_dates
from openlab.dates import ja_datetime
from tests.events.conftest import TOKYO, make_event, months_from_now, third_sunday
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _jp(moment):
    local = timezone.localtime(moment, TOKYO)
    return f"{local.year}年{local.month}月{local.day}日"


@pytest.fixture
def market(organiser):
    start = third_sunday(*months_from_now(-3))
    return make_event(
        organisers=[organiser],
        title="そらいち東村山",
        start=start,
        end=start + dt.timedelta(hours=4),
        rrule="FREQ=MONTHLY;BYDAY=3SU",
    )


@pytest.fixture
def ended_series(organiser):
    start = third_sunday(*months_from_now(-6))
    until = third_sunday(*months_from_now(-2))
    return make_event(
        organisers=[organiser],
        title="おわった連続講座",
        start=start,
        end=start + dt.timedelta(hours=2),
        rrule=f"FREQ=MONTHLY;BYDAY=3SU;UNTIL={until:%Y%m%d}",
    )


def _next_market_date():
    now = timezone.now()
    for offset in range(0, 3):
        day = third_sunday(*months_from_now(offset))
        if day + dt.timedelta(hours=4) >= now:
            return day


def test_the_date_to_show_is_the_next_date_or_the_end(market, ended_series, organiser):
    one_off = make_event(organisers=[organiser], title="一回きり")
    shown = shown_dates([market, ended_series, one_off])
    assert shown[market.pk].start == _next_market_date()
    assert shown[market.pk].recurring and not shown[market.pk].ended
    assert shown[ended_series.pk].ended
    assert shown[ended_series.pk].start == third_sunday(*months_from_now(-2))
    assert shown[one_off.pk].start == one_off.start and not shown[one_off.pk].ended


def test_stakeholder_page_shows_the_next_date(client, market, ended_series, organiser):
    html = client.get(organiser.url).content.decode()
    assert _jp(_next_market_date()) in html
    assert _jp(market.start) not in html  # the series' first date, months ago
    assert "終了しました" in html


def test_project_page_shows_the_next_date(client, market, organiser):
    project = ProjectFactory(lead=organiser)
    project.related_events.set([market])
    project.save()
    html = client.get(project.url).content.decode()
    assert _jp(_next_market_date()) in html
    assert _jp(market.start) not in html


def test_search_results_show_the_next_date(client, market, settings):
    # The date shown is the presenter's, whichever backend answers; the database one sees
    # the page at once (tests/search covers both backends with an index refresh).
    settings.ELASTICSEARCH_URL = ""
    html = client.get("/search/", {"q": "そらいち東村山"}).content.decode()
    assert "そらいち東村山" in html
    assert _jp(_next_market_date()) in html
    assert _jp(market.start) not in html


def test_the_personal_feed_keeps_a_running_series_with_its_next_date(market, make_feed_user):
    from openlab.models import Goal
    from openlab.notifications import services
    from openlab.notifications.models import FollowTarget

    market.goals.set([Goal.objects.get(number=12)])
    market.save_revision().publish()
    services.follow(make_feed_user, FollowTarget.GOAL, Goal.objects.get(number=12))
    events = [item for item in services.feed_items(make_feed_user) if item.kind == "event"]
    assert [item.title for item in events] == ["そらいち東村山"]
    next_date = timezone.localtime(_next_market_date(), TOKYO)
    assert events[0].summary.startswith(ja_datetime(next_date))


@pytest.fixture
def make_feed_user(site_tree):
    from openlab.accounts.models import Role
    from openlab.accounts.services import create_user, ensure_role_groups

    ensure_role_groups()
    return create_user("feeder", "feeder@example.jp", "pw-openlab-1", Role.CITIZEN)
