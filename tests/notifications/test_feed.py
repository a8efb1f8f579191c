import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openlab.models import Goal, Town
from openlab.notifications import services
from openlab.notifications.models import FollowTarget, Notification
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


# --- pages of 20, why each item is there, dates as people write them (issue 22, item 8) ---
def _feed_list(html):
    return html.split('<ol class="feed-list"')[1].split("</ol>")[0]


def test_feed_comes_in_pages_of_20(site_tree, client, make_user):
    user = make_user()
    for n in range(25):
        services.notify(user, "test", f"お知らせその{n:02d}")
    client.force_login(user)

    first = client.get("/feed/").content.decode()
    assert _feed_list(first).count("<li>") == 20
    assert "お知らせその24" in first and "お知らせその04" not in first
    nav = first.split('<nav aria-label="ページ送り">')[1].split("</nav>")[0]
    assert 'href="?page=2" rel="next"' in nav and 'aria-current="page">1 / 2<' in nav

    second = client.get("/feed/?page=2").content.decode()
    assert _feed_list(second).count("<li>") == 5
    assert '<ol class="feed-list" start="21">' in second
    assert "お知らせその04" in second and "お知らせその00" in second
    # A page number that is no page shows a page, never an error.
    assert "お知らせその00" in client.get("/feed/?page=99").content.decode()
    assert "お知らせその24" in client.get("/feed/?page=x").content.decode()


def test_each_feed_item_says_why_it_is_there(site_tree, client, make_user):
    user = make_user()
    _follow_goal(user, 4)
    town = Town.objects.get(slug="kumegawa")
    services.follow(user, FollowTarget.TOWN, town)
    group = StakeholderFactory(title="くめがわ子ども会")
    services.follow(user, FollowTarget.STAKEHOLDER, group)
    ProjectFactory(title="学びの教室", goals=[4])
    relate(EventFactory(title="久米川の花見"), towns=[town])
    ReportFactory(title="子ども会のごみひろい", ambassador_group=group)
    ProjectFactory(title="子ども会の学習支援", lead=group, goals=[4])
    client.force_login(user)

    html = client.get("/feed/").content.decode()
    items = {
        title: item
        for item in _feed_list(html).split("<li>")[1:]
        for title in ["学びの教室", "久米川の花見", "子ども会のごみひろい", "子ども会の学習支援"]
        if title in item
    }
    assert '<p class="feed-reason">目標4をフォロー中</p>' in items["学びの教室"]
    assert '<p class="feed-reason">久米川町をフォロー中</p>' in items["久米川の花見"]
    assert "くめがわ子ども会をフォロー中" in items["子ども会のごみひろい"]
    # The most specific reason first.
    assert "くめがわ子ども会をフォロー中・目標4をフォロー中" in items["子ども会の学習支援"]


def test_feed_dates_are_written_in_japanese_in_tokyo_time(site_tree, client, make_user):
    user = make_user()
    _follow_goal(user, 11)
    note = services.notify(user, "test", "会場が変わりました")
    when = dt.datetime(2027, 2, 13, 4, 30, tzinfo=dt.UTC)  # 13:30 in Tokyo
    Notification.objects.filter(pk=note.pk).update(created_at=when)
    start = dt.datetime(2027, 2, 20, 1, 0, tzinfo=dt.UTC)
    EventFactory(title="まちの集い", goals=[11], start=start, end=start + dt.timedelta(hours=2))
    client.force_login(user)
    visible = _feed_list(client.get("/feed/").content.decode())
    assert '<time datetime="2027-02-13T13:30:00+09:00">2027年2月13日(土) 13:30</time>' in visible
    assert "2027年2月20日(土) 10:00 東村山市役所" in visible  # the event's start, in its summary
    assert not re.search(r">[^<]*\d{4}-\d{2}-\d{2}", visible)  # no ISO dates in the text


def test_ja_datetime_filter():
    from django.template import Context, Template

    when = dt.datetime(2027, 2, 13, 4, 30, tzinfo=dt.UTC)
    template = Template(
        "{% load openlab_tags %}{{ when|ja_datetime }}|{{ when|ja_datetime:False }}"
    )
    assert template.render(Context({"when": when})) == "2027年2月13日(土) 13:30|2027年2月13日(土)"
    assert (
        Template("{% load openlab_tags %}{{ day|ja_datetime }}").render(
            Context({"day": dt.date(2027, 2, 14)})
        )
        == "2027年2月14日(日)"
    )
