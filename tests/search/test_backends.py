"""One suite, both backends: the database always, Elasticsearch when it answers
(required in CI). Publishing enqueues indexing (django-q2 runs it inline in tests)."""

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.models import PageViewRestriction

from search.documents import build_source
from search.queries import SearchParams
from tests.factories import EventFactory, ReportFactory, StakeholderFactory
from tests.search.conftest import publish

pytestmark = pytest.mark.django_db


def titles(results):
    return [hit.title for hit in results.hits]


def search(backend, **kwargs):
    backend.sync()
    return backend.search(SearchParams(**kwargs))


def test_finds_every_type_and_shows_type_snippet_badges_date(search_backend, corpus):
    results = search(search_backend, q="東村山")
    assert set(titles(results)) == {
        "東村山子育て支援ネットワーク",
        "そらいち東村山 12月のマルシェ",
        "株式会社ＳＤＧｓラボ東村山",
        "東村山市 環境・住宅部 ごみ減量推進課",
    }
    hit = next(h for h in results.hits if h.title == "そらいち東村山 12月のマルシェ")
    assert hit.type == "event"
    assert hit.goals == [2, 12]
    assert hit.event_start and hit.date
    assert hit.url.endswith("/")

    results = search(search_backend, q="ごみひろい")
    assert titles(results) == ["北山公園でごみひろい"]
    assert results.hits[0].type == "report"
    assert "<mark>ごみひろい</mark>" in results.hits[0].snippet


def test_all_words_must_appear_half_and_full_width_space(search_backend, corpus):
    assert titles(search(search_backend, q="子育て 支援")) == ["東村山子育て支援ネットワーク"]
    assert titles(search(search_backend, q="子育て\u3000支援")) == ["東村山子育て支援ネットワーク"]
    assert titles(search(search_backend, q="子育て 交通")) == []


def test_width_and_case_fold(search_backend, corpus):
    for query in ("ＳＤＧｓ", "SDGs", "sdgs", "ｓｄｇｓ"):
        assert titles(search(search_backend, q=query)) == ["株式会社ＳＤＧｓラボ東村山"], query


def test_filters_combine_and_facets_count_other_filters(search_backend, corpus):
    results = search(search_backend, q="東村山", types=["stakeholder"])
    assert set(titles(results)) == {
        "東村山子育て支援ネットワーク",
        "株式会社ＳＤＧｓラボ東村山",
        "東村山市 環境・住宅部 ごみ減量推進課",
    }
    # The type facet ignores the type filter itself: it still shows the event.
    assert results.facets["type"] == {"stakeholder": 3, "event": 1}
    assert results.facets["kind"] == {"city": 1, "company": 1, "npo": 1}
    assert results.facets["town"] == {"honcho": 2, "kumegawa": 1}

    results = search(search_backend, q="東村山", types=["stakeholder"], towns=["honcho"])
    assert set(titles(results)) == {
        "株式会社ＳＤＧｓラボ東村山",
        "東村山市 環境・住宅部 ごみ減量推進課",
    }
    results = search(
        search_backend, q="東村山", types=["stakeholder"], towns=["honcho"], goals=[17]
    )
    assert titles(results) == ["株式会社ＳＤＧｓラボ東村山"]
    assert results.facets["goal"]["12"] == 1  # goal counts ignore the goal filter
    results = search(search_backend, kinds=["city", "npo"])
    assert set(titles(results)) == {
        "東村山子育て支援ネットワーク",
        "東村山市 環境・住宅部 ごみ減量推進課",
    }


def test_goal_facet_and_filter_without_words(search_backend, corpus):
    results = search(search_backend, goals=[12])
    assert set(titles(results)) == {
        "そらいち東村山 12月のマルシェ",
        "東村山市 環境・住宅部 ごみ減量推進課",
    }
    results = search(search_backend, goals=[12, 13])  # values of one facet: any of them
    assert len(results.hits) == 3
    assert search(search_backend, q="").facets["goal"]["9"] == 2


def test_event_date_facet_upcoming_and_past(search_backend, corpus):
    results = search(search_backend, q="")
    assert results.facets["when"] == {"upcoming": 1, "past": 1}
    assert titles(search(search_backend, when="upcoming")) == ["そらいち東村山 12月のマルシェ"]
    assert titles(search(search_backend, when="past")) == ["子ども食堂ボランティア説明会"]


def test_upcoming_events_rank_first_among_equal_matches(search_backend, site_tree):
    now = timezone.now()
    past = EventFactory(
        title="みどりの講座（前回）",
        start=now - dt.timedelta(days=3),
        end=now - dt.timedelta(days=3, hours=-2),
    )
    upcoming = EventFactory(
        title="みどりの講座（次回）",
        start=now + dt.timedelta(days=3),
        end=now + dt.timedelta(days=3, hours=2),
    )
    results = search(search_backend, q="みどりの講座")
    assert titles(results) == [upcoming.title, past.title]


def test_reading_matches_rank_below_exact_matches(search_backend, site_tree):
    reading_only = StakeholderFactory(title="子育てひろば", summary="親子で遊べる場所です。")
    literal = StakeholderFactory(title="こそだて相談室", summary="ひらがなの名前の相談室です。")
    results = search(search_backend, q="こそだて")
    assert titles(results) == [literal.title, reading_only.title]
    results = search(search_backend, q="ひがしむらやま")
    assert titles(results) == []  # neither mentions 東村山
    town = StakeholderFactory(title="東村山ぼうさいクラブ", summary="防災の活動をしています。")
    assert titles(search(search_backend, q="ひがしむらやま")) == [town.title]
    assert titles(search(search_backend, q="ヒガシムラヤマ")) == [town.title]


def test_sort_by_date_and_pagination(search_backend, site_tree):
    for day in range(1, 26):
        ReportFactory(
            title=f"緑のカーテン日記 {day}日目",
            body="あさがおを育てています。",
            date=dt.date(2026, 7, day),
        )
    first = search(search_backend, q="カーテン", sort="date")
    assert first.total == 25
    assert first.num_pages == 2
    assert titles(first)[:2] == ["緑のカーテン日記 25日目", "緑のカーテン日記 24日目"]
    second = search(search_backend, q="カーテン", sort="date", page=2)
    assert titles(second) == [f"緑のカーテン日記 {day}日目" for day in range(5, 0, -1)]


def test_private_data_never_reaches_the_index(search_backend, corpus):
    page = corpus["kosodate"]
    source = build_source(page)
    assert "private-kosodate@example.jp" not in str(source)
    assert search(search_backend, q="private-kosodate").total == 0

    # A draft change is not searchable; the published text still is.
    page.summary = "下書きのひみつの文章です。"
    page.save_revision()
    assert search(search_backend, q="ひみつの文章").total == 0
    assert search(search_backend, q="地域で支える").total == 1

    # Unpublished pages leave the index.
    page.unpublish()
    assert search(search_backend, q="子育て支援ネットワーク").total == 0

    # A report awaiting approval (not live) is never indexed.
    ReportFactory(title="承認待ちのレポート", body="まだ公開されていない作文。", live=False)
    assert search(search_backend, q="承認待ち").total == 0

    # A page behind a password is not public.
    secret = StakeholderFactory(title="パスワード付きの団体ページ")
    PageViewRestriction.objects.create(page=secret, restriction_type="password", password="x")
    secret.save_revision().publish()
    assert search(search_backend, q="パスワード付き").total == 0


def test_a_restriction_added_above_published_pages_takes_them_out_at_once(search_backend, corpus):
    """No republishing: the restriction itself updates the index, for every page below it."""
    page = corpus["kosodate"]
    assert search(search_backend, q="子育て支援ネットワーク").total == 1
    restriction = PageViewRestriction.objects.create(
        page=page.get_parent(), restriction_type="login"
    )
    assert search(search_backend, q="子育て支援ネットワーク").total == 0
    restriction.delete()
    assert search(search_backend, q="子育て支援ネットワーク").total == 1


def test_delete_and_move_update_the_index(search_backend, corpus):
    report = corpus["gomi_report"]
    assert search(search_backend, q="北山公園").total == 1
    report.delete()
    assert search(search_backend, q="北山公園").total == 0

    stakeholder = publish(StakeholderFactory, title="移動テスト団体", slug="move-me")
    before = search(search_backend, q="移動テスト").hits[0].url
    index_page = stakeholder.get_parent()
    # A move changes the URL: rename the parent's slug path via a move round-trip.
    stakeholder.move(index_page, pos="last-child")
    after = search(search_backend, q="移動テスト").hits[0].url
    assert before == after == stakeholder.get_url()


def test_updates_on_republish(search_backend, corpus):
    page = corpus["solar"]
    page.summary = "風力発電も検討しています。"
    page.save_revision().publish()
    assert search(search_backend, q="風力").total == 1
    assert search(search_backend, q="屋上").total == 0


def test_zero_results_and_empty_query(search_backend, corpus):
    results = search(search_backend, q="存在しないことば")
    assert results.total == 0 and results.hits == []
    assert all(value == 0 for value in results.facets["when"].values())


SYNTAX = [
    '"',
    "(",
    ")",
    "*",
    "\\",
    "子育て AND",
    "title:子育て",
    "a OR b",
    "{!}",
    "~",
    "/",
    "' OR 1=1 --",
]


def test_query_syntax_is_never_parsed(search_backend, corpus):
    for query in SYNTAX:
        results = search(search_backend, q=query)
        assert results.backend == search_backend.name
        # Punctuation only leaves no words (everything matches); words match literally.
        assert results.total == (len(corpus) if not SearchParams(q=query).words else 0), query
    assert search(search_backend, q="子育て (支援)").total == 1
