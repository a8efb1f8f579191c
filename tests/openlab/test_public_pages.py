import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import EventFactory, ProjectFactory, ReportFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_home_page_shows_the_lab_and_the_17_goals(client, site_tree):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert "東村山市わたしたちのSDGsオープンラボ" in html
    for number in range(1, 18):
        assert f'href="/sdgs/{number}/"' in html
    assert "住み続けられるまちづくりを" in html
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html


def test_home_page_lists_next_events_newest_projects_and_reports(client, site_tree):
    EventFactory(title="そらいち東村山 11月", goals=[2, 12])
    ProjectFactory(title="デマンド交通の実証実験", goals=[11])
    ReportFactory(title="北山公園のごみひろい", goals=[15])
    html = client.get("/").content.decode()
    assert "そらいち東村山 11月" in html
    assert "デマンド交通の実証実験" in html
    assert "北山公園のごみひろい" in html


def test_sdg_index_is_a_coloured_grid_of_all_goals(client, site_tree):
    html = client.get("/sdgs/").content.decode()
    assert len(re.findall(r'class="goal-tile sdg-\d+"', html)) == 17


def test_goal_page_groups_everything_tagged_with_it(client, site_tree):
    StakeholderFactory(title="久米川町の子ども食堂", goals=[1, 2, 11])
    ProjectFactory(title="空き家活用プロジェクト", goals=[11])
    EventFactory(title="まちづくりワークショップ", goals=[11])
    ReportFactory(title="まちの安全マップ", goals=[11])
    StakeholderFactory(title="水辺の会", goals=[6])
    html = client.get("/sdgs/11/").content.decode()
    assert "住み続けられるまちづくりを" in html
    assert "goal-banner sdg-11" in html
    for title in ["久米川町の子ども食堂", "空き家活用プロジェクト", "まちづくりワークショップ"]:
        assert title in html
    assert "まちの安全マップ" in html
    assert "水辺の会" not in html


@pytest.mark.parametrize("path", ["/sdgs/0/", "/sdgs/18/", "/sdgs/abc/", "/sdgs/-1/"])
def test_unknown_goal_is_a_404_in_the_site_design(client, site_tree, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "ページが見つかりません" in html
    assert 'class="site-header"' in html


def test_draft_pages_do_not_appear_publicly(client, site_tree):
    StakeholderFactory(title="下書きの団体", goals=[11], live=False)
    assert "下書きの団体" not in client.get("/sdgs/11/").content.decode()
    assert "下書きの団体" not in client.get("/stakeholders/").content.decode()


def _populate(count):
    for i in range(count):
        goals = [11, 1 + i % 17]
        StakeholderFactory(goals=goals)
        ProjectFactory(goals=goals)
        EventFactory(goals=goals)
        ReportFactory(goals=goals)


def _queries(client, path):
    client.get(path)  # warm Wagtail's site-root cache, as on a running site
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


PUBLIC_PATHS = ["/", "/sdgs/", "/sdgs/11/", "/stakeholders/", "/projects/", "/events/", "/reports/"]


def test_public_pages_run_a_constant_number_of_queries(client, site_tree, settings):
    settings.PAGE_CACHE_ENABLED = False
    _populate(3)
    small = {path: _queries(client, path) for path in PUBLIC_PATHS}
    _populate(12)
    large = {path: _queries(client, path) for path in PUBLIC_PATHS}
    assert small == large
    assert max(large.values()) <= 20, large
