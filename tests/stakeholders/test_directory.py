import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openlab.models import Town
from stakeholders.models import OfferNeedTerm, StakeholderPage
from tests.factories import EventFactory, ProjectFactory, ReportFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms(db):
    return {
        slug: OfferNeedTerm.objects.create(slug=slug, name=name)
        for slug, name in [("venue", "会場提供"), ("funding", "資金"), ("it-support", "IT支援")]
    }


def _stakeholder(title, goals=(), kind="npo", towns=(), offers=(), needs=(), **kwargs):
    page = StakeholderFactory(title=title, goals=goals, kind=kind, **kwargs)
    page.towns.set(Town.objects.filter(slug__in=towns))
    page.offers.set(offers)
    page.needs.set(needs)
    page.save_revision().publish()
    return page


def _titles(html):
    return re.findall(r'<h3 class="card-title"><a href="[^"]*">([^<]+)</a>', html)


@pytest.fixture
def directory(site_tree, terms):
    _stakeholder("久米川こども食堂", goals=[1, 2], towns=["kumegawa"], offers=[terms["venue"]])
    _stakeholder("秋津エコ商店", goals=[12], kind="company", towns=["akitsu"],
                 needs=[terms["funding"]])  # fmt: skip
    _stakeholder("みどりの学校", goals=[4, 15], kind="school", towns=["kumegawa"],
                 offers=[terms["it-support"]], needs=[terms["venue"]])  # fmt: skip
    _stakeholder("市外のNPO", goals=[4, 17], towns=["outside"], offers=[terms["funding"]])
    return terms


def test_filters_combine_and_live_in_the_url(client, directory):
    html = client.get("/stakeholders/?sdg=4&town=kumegawa").content.decode()
    assert _titles(html) == ["みどりの学校"]
    html = client.get("/stakeholders/?kind=npo").content.decode()
    assert sorted(_titles(html)) == ["久米川こども食堂", "市外のNPO"]
    html = client.get("/stakeholders/?offer=funding").content.decode()
    assert _titles(html) == ["市外のNPO"]
    html = client.get("/stakeholders/?need=venue").content.decode()
    assert _titles(html) == ["みどりの学校"]
    html = client.get("/stakeholders/?q=エコ").content.decode()
    assert _titles(html) == ["秋津エコ商店"]
    html = client.get("/stakeholders/?sdg=4&sdg=17").content.decode()
    assert _titles(html) == ["市外のNPO"]


def test_facet_counts_follow_the_current_result(client, directory):
    html = client.get("/stakeholders/?town=kumegawa").content.decode()
    # Goals count inside the current result (2 stakeholders in 久米川町).
    assert re.search(r'value="4"[^>]*>.*?\((\d+)\)', html, re.S).group(1) == "1"
    assert re.search(r'value="12"[^>]*>.*?\((\d+)\)', html, re.S).group(1) == "0"
    # Kinds count without the kind filter but with the town filter.
    assert "学校 (1)" in html
    assert "企業 (0)" in html
    # Towns count without the town filter: what choosing another town would give.
    assert "秋津町 (1)" in html
    assert "久米川町 (2)" in html
    assert "市外 (1)" in html


def test_sort_by_name_and_newest(client, directory):
    import datetime as dt

    StakeholderPage.objects.filter(title="秋津エコ商店").update(joined=dt.date(2026, 10, 1))
    StakeholderPage.objects.filter(title="市外のNPO").update(joined=dt.date(2026, 11, 1))
    html = client.get("/stakeholders/?sort=newest").content.decode()
    assert _titles(html)[:2] == ["市外のNPO", "秋津エコ商店"]
    names = _titles(client.get("/stakeholders/?sort=name").content.decode())
    # 50音 order of the readings (アキツ, クメカワ, シガイ, ミドリ), not code point order.
    assert names == ["秋津エコ商店", "久米川こども食堂", "市外のNPO", "みどりの学校"]


def test_pagination_keeps_the_filters(client, site_tree, terms):
    _bulk(30, terms)
    html = client.get("/stakeholders/?sdg=11").content.decode()
    assert len(_titles(html)) == 24
    assert "sdg=11&amp;page=2" in html or "page=2&amp;sdg=11" in html
    html = client.get("/stakeholders/?sdg=11&page=2").content.decode()
    assert len(_titles(html)) == 6


@pytest.mark.parametrize(
    "query, message",
    [
        ("sdg=abc", "「abc」はSDGsの目標番号"),
        ("sdg=99", "「99」はSDGsの目標番号"),
        ("page=-1", "ページ番号「-1」"),
        ("page=999", "999ページ目はないため"),
        ("kind=alien", "種別「alien」"),
        ("town=atlantis", "町「atlantis」"),
        ("sort=random", "並び順「random」"),
        ("q=" + "あ" * 5000, "キーワードが長すぎる"),
        ("offer=%00%ff", "できること"),
    ],
)
def test_junk_query_strings_show_the_page_with_a_message(client, directory, query, message):
    response = client.get("/stakeholders/?" + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    if not query.startswith("q="):
        assert "久米川こども食堂" in html  # the bad filter was ignored


def test_directory_works_without_javascript(client, directory):
    html = client.get("/stakeholders/").content.decode()
    assert '<form class="filters directory-filters" method="get"' in html
    assert 'type="submit"' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_active_filter_can_be_removed(client, directory):
    html = client.get("/stakeholders/?sdg=4&kind=school").content.decode()
    assert 'href="?kind=school#results"' in html  # removes the goal, lands on the results
    assert 'href="?sdg=4#results"' in html  # removes the kind


def _bulk(count, terms):
    from stakeholders.models import StakeholderIndexPage
    from stakeholders.testing import bulk_stakeholders

    bulk_stakeholders(StakeholderIndexPage.objects.get(), count, prefix="団体")


def _queries(client, path):
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


QUERIES = [
    "/stakeholders/",
    "/stakeholders/?sdg=11&sdg=4&kind=npo&town=honcho&offer=venue&need=funding&q=団体&sort=newest&page=2",
    "/stakeholders/?sdg=11&page=3",
]


@pytest.mark.parametrize("path", QUERIES)
def test_directory_runs_a_constant_number_of_queries(client, site_tree, terms, path, settings):
    settings.PAGE_CACHE_ENABLED = False
    _bulk(260, terms)
    small = _queries(client, path)
    _bulk(2340, terms)  # 2,600 in all
    large = _queries(client, path)
    assert small == large
    assert large <= 20
    html = client.get(path).content.decode()
    assert "件" in html


def test_stakeholder_page_shows_everything(client, site_tree, terms):
    page = _stakeholder("にこにこキッチン", goals=[1, 2], towns=["kumegawa"],
                        offers=[terms["venue"]], needs=[terms["funding"]],
                        website="https://example.jp/", email="info@example.jp",
                        email_public=True)  # fmt: skip
    ProjectFactory(title="食品ロス削減プロジェクト", lead=page)
    event = EventFactory(title="こども食堂ボランティア説明会")
    event.organisers.set([page])
    event.save_revision().publish()
    ReportFactory(title="こども食堂のお手伝い", ambassador_group=page)
    html = client.get(page.url).content.decode()
    for text in ["にこにこキッチン", "NPO・市民団体", "会場提供", "資金", "久米川町",
                 "https://example.jp/", "info@example.jp", "食品ロス削減プロジェクト",
                 "こども食堂ボランティア説明会", "こども食堂のお手伝い",
                 "sdg-badge sdg-2"]:  # fmt: skip
        assert text in html


def test_private_contact_is_not_shown(client, site_tree):
    page = StakeholderFactory(title="非公開の団体", email="secret@example.jp", email_public=False)
    html = client.get(page.url).content.decode()
    assert "secret@example.jp" not in html


def test_stakeholder_page_escapes_what_users_write(client, site_tree):
    page = StakeholderFactory(title="<script>alert(1)</script>", summary="<b>x</b>")
    html = client.get(page.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_stakeholder_page_runs_a_constant_number_of_queries(client, site_tree, settings):
    settings.PAGE_CACHE_ENABLED = False
    page = StakeholderFactory(title="大きな団体", goals=[11])

    def add(n):
        for _ in range(n):
            ProjectFactory(lead=page, goals=[11])
            event = EventFactory(goals=[11])
            event.organisers.set([page])
            event.save()
            ReportFactory(ambassador_group=page, goals=[11])

    add(2)
    small = _queries(client, page.url)
    add(15)
    large = _queries(client, page.url)
    assert small == large <= 20
