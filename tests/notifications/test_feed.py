import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openlab.models import Goal, Town
from openlab.notifications import services
from openlab.notifications.models import FollowTarget
from projects.models import ProgressUpdate
from tests.factories import EventFactory, ProjectFactory, ReportFactory, StakeholderFactory
from tests.notifications.conftest import relate

pytestmark = pytest.mark.django_db


def _follow_goal(user, number):
    services.follow(user, FollowTarget.GOAL, Goal.objects.get(number=number))


def test_feed_shows_what_i_follow_newest_first_and_nothing_else(site_tree, client, make_user):
    user = make_user()
    _follow_goal(user, 6)
    group = StakeholderFactory(title="水の会")
    services.follow(user, FollowTarget.STAKEHOLDER, group)
    town = Town.objects.get(slug="akitsu")
    services.follow(user, FollowTarget.TOWN, town)

    by_goal = ProjectFactory(title="雨水タンク実験", goals=[6])
    led = ProjectFactory(title="水の会の清掃", lead=group)
    by_town = relate(ProjectFactory(title="秋津の花壇"), towns=[town])
    event = EventFactory(title="水のワークショップ", goals=[6])
    report = ReportFactory(title="川のごみひろい", goals=[6])
    ProjectFactory(title="関係ないプロジェクト", goals=[1])
    EventFactory(title="関係ないイベント", goals=[2])
    EventFactory(
        title="終わった水のイベント",
        goals=[6],
        start=timezone.now() - dt.timedelta(days=3),
        end=timezone.now() - dt.timedelta(days=3, hours=-2),
    )

    client.force_login(user)
    response = client.get("/feed/")
    html = response.content.decode()
    for title in (
        "雨水タンク実験",
        "水の会の清掃",
        "秋津の花壇",
        "水のワークショップ",
        "川のごみひろい",
    ):
        assert title in html
    assert "関係ないプロジェクト" not in html and "関係ないイベント" not in html
    assert "終わった水のイベント" not in html

    items = services.feed_items(user)
    assert [item.when for item in items] == sorted((item.when for item in items), reverse=True)
    assert items[0].title == report.title  # the last published comes first
    assert {item.kind for item in items} >= {"project_new", "event", "report"}
    assert by_goal.title and led.title and by_town.title and event.title


def test_progress_updates_of_followed_projects_appear(site_tree, make_user):
    user = make_user()
    project = ProjectFactory(title="フードドライブ")
    services.follow(user, FollowTarget.PROJECT, project)
    ProgressUpdate.objects.create(
        project=project, date=timezone.localdate(), text="今月は120kg集まりました"
    )
    items = services.feed_items(user)
    progress = [item for item in items if item.kind == "progress"]
    assert progress and progress[0].summary == "今月は120kg集まりました"
    assert progress[0].title == "フードドライブ"


def test_unpublished_pages_never_reach_the_feed(site_tree, make_user):
    user = make_user()
    _follow_goal(user, 6)
    ProjectFactory(title="下書きのプロジェクト", goals=[6], live=False)
    assert services.feed_items(user) == []


def test_feed_runs_a_constant_number_of_queries(site_tree, client, make_user):
    user = make_user()
    _follow_goal(user, 6)
    _follow_goal(user, 11)
    client.force_login(user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/feed/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _n in range(2):
        ProjectFactory(goals=[6])
        EventFactory(goals=[11])
        ReportFactory(goals=[6])
    small = count()
    for _n in range(6):
        ProjectFactory(goals=[6])
        EventFactory(goals=[11])
        ReportFactory(goals=[6])
    assert count() == small


def test_header_badge_counts_unread_and_resets_after_visiting_the_feed(
    site_tree, client, make_user
):
    user = make_user()
    _follow_goal(user, 6)
    client.force_login(user)
    services.interest_settings(user)  # following starts the clock
    ProjectFactory(title="新しい水の取り組み", goals=[6])
    services.notify(user, "chat", "新しいメッセージがあります", url="/chat/")

    html = client.get("/sdgs/").content.decode()
    assert 'class="feed-badge">2<' in html

    feed = client.get("/feed/").content.decode()
    assert "新しい水の取り組み" in feed and "新しいメッセージがあります" in feed
    assert "新着" in feed

    html = client.get("/sdgs/").content.decode()
    assert 'class="feed-badge"' not in html
    assert services.unread_count(user) == 0


def test_anonymous_pages_carry_no_badge(site_tree, client):
    html = client.get("/sdgs/").content.decode()
    assert "feed-link" not in html


def test_feed_needs_login(client, db):
    response = client.get("/feed/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_feed_without_follows_explains_how_to_follow(site_tree, client, make_user):
    client.force_login(make_user())
    html = client.get("/feed/").content.decode()
    assert "まだ何もフォローしていません" in html


def test_notify_keeps_its_signature(make_user):
    user = make_user()
    note = services.notify(user, "matching", "提案があります", url="/matching/", body="本文")
    assert (note.kind, note.title, note.url, note.body) == (
        "matching",
        "提案があります",
        "/matching/",
        "本文",
    )
    assert services.unread_count(user) == 1
