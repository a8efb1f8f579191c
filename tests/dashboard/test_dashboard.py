import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openlab import sdgs
from openlab.accounts.models import Role
from openlab.dashboard import services
from openlab.models import Town
from projects.models import ProgressUpdate
from tests.dashboard.conftest import relate
from tests.factories import EventFactory, ProjectFactory, ReportFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_counts_per_goal_kind_and_town(site_tree):
    town = Town.objects.get(slug="kumegawa")
    school = relate(StakeholderFactory(kind="school", goals=[4, 11]), towns=[town])
    StakeholderFactory(kind="npo", goals=[11])
    StakeholderFactory(kind="npo", goals=[11], live=False)
    relate(ProjectFactory(goals=[11], lead=school), towns=[town])
    EventFactory(goals=[4])
    ReportFactory(goals=[14], ambassador_group=school)

    goals = {row.key: row.counts for row in services.by_goal()}
    assert goals[11] == {"stakeholders": 2, "projects": 1, "events": 0, "reports": 0}
    assert goals[4] == {"stakeholders": 1, "projects": 0, "events": 1, "reports": 0}
    assert goals[14]["reports"] == 1 and goals[1] == dict.fromkeys(goals[1], 0)

    kinds = {row.key: row.counts for row in services.by_kind()}
    assert kinds["school"] == {"stakeholders": 1, "projects": 1, "events": 0, "reports": 1}
    assert kinds["npo"]["stakeholders"] == 1

    towns = {row.key: row.counts for row in services.by_town()}
    assert towns[town.pk]["stakeholders"] == 1 and towns[town.pk]["projects"] == 1


def test_dashboard_page_draws_svg_in_goal_colours_with_a_data_table(site_tree, client):
    StakeholderFactory(goals=[11])
    response = client.get("/dashboard/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") == 12  # 4 measures x (goals, kinds, towns)
    for goal in sdgs.GOALS:
        assert f'fill="{goal.colour.lower()}"' in html or goal.number != 11
    assert 'fill="#fd9d24"' in html  # goal 11's colour on its bar
    assert (
        "<table" in html
        and '<th scope="row"><a href="/sdgs/11/">11. 住み続けられるまちづくりを' in html
    )
    assert not re.search(r"\sstyle=", html), "the CSP forbids inline style attributes"
    # The charts need no script (the site-wide menu script sits after </main>).
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_dashboard_runs_constant_queries_at_two_sizes(site_tree, client):
    def count():
        client.get("/dashboard/")  # warm caches (site root, content types)
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/dashboard/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    StakeholderFactory(goals=[1])
    small = count()
    town = Town.objects.get(slug="honcho")
    for n in range(8):
        lead = relate(StakeholderFactory(goals=[n + 1, 17], kind="company"), towns=[town])
        relate(ProjectFactory(goals=[n + 2], lead=lead), towns=[town])
        EventFactory(goals=[n + 3])
        ReportFactory(goals=[n + 4], ambassador_group=lead)
    large = count()
    assert large == small
    assert large <= 20


def test_dashboard_is_served_from_the_page_cache_for_visitors(site_tree, client):
    assert client.get("/dashboard/")["X-Page-Cache"] == "miss"
    assert client.get("/dashboard/")["X-Page-Cache"] == "hit"


# --- gaps ---------------------------------------------------------------------------------


def test_gaps_are_for_facilitators_only(site_tree, client, make_user):
    response = client.get("/dashboard/gaps/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(make_user(Role.CITIZEN))
    assert client.get("/dashboard/gaps/").status_code == 403
    html = client.get("/dashboard/").content.decode()
    assert "手薄なところを見る" not in html


def test_gaps_view(site_tree, client, make_user):
    old = timezone.now() - dt.timedelta(days=400)
    honcho = Town.objects.get(slug="honcho")
    running = relate(ProjectFactory(title="実施中", goals=[6], status="running"), towns=[honcho])
    ProgressUpdate.objects.create(project=running, date=timezone.localdate(), text="順調")
    stale = ProjectFactory(
        title="止まっている", goals=[7], status="running",
        start_date=timezone.localdate() - dt.timedelta(days=200),
    )  # fmt: skip
    quiet = StakeholderFactory(title="静かな団体")
    busy = StakeholderFactory(title="活発な団体")
    type(quiet).objects.filter(pk__in=[quiet.pk, busy.pk]).update(last_published_at=old)
    EventFactory(title="活発な団体のイベント").organisers.add(busy)

    client.force_login(make_user(Role.FACILITATOR))
    assert "手薄なところを見る" in client.get("/dashboard/").content.decode()
    html = client.get("/dashboard/gaps/").content.decode()
    context = services.gaps_context()
    numbers = [goal.number for goal in context["goals_without_running"]]
    assert 6 not in numbers and 7 not in numbers and 1 in numbers
    assert honcho not in context["towns_without_running"]
    assert "静かな団体" in html
    assert [p.title for p in context["stale"]["items"]] == ["止まっている"]
    assert "止まっている" in html and "200日間更新なし" in html
    assert "返事を待っているマッチングの提案" in html
    assert stale.pk


def test_gaps_lists_waiting_match_proposals(site_tree, client, make_user):
    from django.apps import apps

    try:
        proposal = apps.get_model("matching", "MatchProposal")
    except LookupError:
        pytest.skip("the matching app is not installed")
    a, b = StakeholderFactory(title="団体A"), StakeholderFactory(title="団体B")
    if a.pk > b.pk:
        a, b = b, a
    proposal.objects.create(side_a=a, side_b=b, score=0.9)
    client.force_login(make_user(Role.FACILITATOR))
    html = client.get("/dashboard/gaps/").content.decode()
    assert "団体A" in html and "団体B" in html


def test_totals_and_kinds_count_every_page_not_one_per_kind(site_tree):
    """Wagtail's ordering by path used to join the GROUP BY: every count came out as 1."""
    school = StakeholderFactory(kind="school", goals=[4])
    StakeholderFactory(kind="school", goals=[4])
    StakeholderFactory(kind="npo", goals=[4])
    ProjectFactory(goals=[4], lead=school)
    ProjectFactory(goals=[4], lead=school)
    ReportFactory(goals=[4], ambassador_group=school)
    ReportFactory(goals=[4], ambassador_group=school)

    assert services.totals() == {"stakeholders": 3, "projects": 2, "events": 0, "reports": 2}
    kinds = {row.key: row.counts for row in services.by_kind()}
    assert kinds["school"] == {"stakeholders": 2, "projects": 2, "events": 0, "reports": 2}
    assert kinds["npo"]["stakeholders"] == 1
