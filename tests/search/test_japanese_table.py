"""Which Japanese queries work on which backend, over realistic pages.

Each row: the query, what it exercises, and the pages it must find on each
backend (as keys of the `corpus` fixture), in any order. The public search
gives the same answers on the database and on Elasticsearch because both use
search/japanese.py at index and query time. The third column is Wagtail's
own admin page search (its database backend, given our pre-segmented
``search_admin_terms`` field): it matches the last query word as a prefix of
the stored terms and earlier words exactly, and does not fold full-width
letters in the query, so it finds fewer (ＳＤＧｓ, ＩＴ, katakana ゴミ for ごみ).

Wagtail's admin search without that field found none of the compound-word
rows on SQLite or PostgreSQL (it splits text only at spaces and punctuation).
"""

import pytest
from django.contrib.auth import get_user_model

from search.queries import SearchParams

pytestmark = pytest.mark.django_db

TOWN_PAGES = {"kosodate", "soraichi", "sdgs_lab", "city"}

# query, what it shows, public search (both backends), Wagtail admin search
TABLE = [
    ("子育て", "word inside a compound (子育て支援)", {"kosodate"}, {"kosodate"}),
    ("子育て支援", "the whole compound", {"kosodate"}, {"kosodate"}),
    ("交通", "word at the end of a compound (公共交通)", {"kotsu"}, {"kotsu"}),
    ("公共交通", "compound as typed", {"kotsu"}, {"kotsu"}),
    ("経路", "経路 in 経路検索サービス", {"kotsu"}, {"kotsu"}),
    ("検索サービス", "across a kanji/katakana boundary", {"kotsu"}, {"kotsu"}),
    ("ＳＤＧｓ", "full-width letters", {"sdgs_lab"}, set()),
    ("sdgs", "half-width lower case finds full-width", {"sdgs_lab"}, {"sdgs_lab"}),
    ("ＩＴ", "full-width two-letter word", {"sdgs_lab"}, set()),
    ("こそだて", "hiragana reading of 子育て", {"kosodate"}, {"kosodate"}),
    ("ひがしむらやま", "hiragana reading of 東村山", TOWN_PAGES, TOWN_PAGES),
    ("東村山", "place name", TOWN_PAGES, TOWN_PAGES),
    (
        "子育て\u3000支援",
        "two words, full-width space: both must appear",
        {"kosodate"},
        {"kosodate"},
    ),
    ("子育て 交通", "two words no page has together", set(), set()),
    ("ごみ", "hiragana word in two pages", {"gomi_report", "city"}, {"gomi_report", "city"}),
    ("ゴミ", "katakana spelling finds hiragana text (reading)", {"gomi_report", "city"}, set()),
    ("ボランティ", "prefix of a katakana word", {"shokudo"}, {"shokudo"}),
    ("ランティア", "inside a katakana word", {"shokudo"}, {"shokudo"}),
    ("こどもしょくどう", "reading of 子ども食堂", {"shokudo"}, {"shokudo"}),
    ("食堂", "word inside 子ども食堂", {"shokudo"}, {"shokudo"}),
    ("再生可能", "part of 再生可能エネルギー", {"solar"}, {"solar"}),
    ("電気", "body word of a title", {"solar"}, {"solar"}),
    ("電", "one kanji", {"solar"}, {"solar"}),
    ("フードロス", "katakana compound in a summary", {"soraichi"}, {"soraichi"}),
    ("八国山", "place name in a summary", {"soraichi"}, {"soraichi"}),
    ("ペットボトル", "report body word", {"gomi_report"}, {"gomi_report"}),
    ("久米川", "town name (from the page's towns)", {"kosodate", "shokudo"}, set()),
    ("リサイクル", "katakana word", {"city"}, {"city"}),
    ('子育て AND "支援"', "operators are plain words here", set(), set()),
]


def _expected(corpus, keys):
    return {corpus[key].title for key in keys}


def _check_table(corpus, column, run):
    """Run every row; fail with the whole table of mismatches, not just the first."""
    wrong = []
    for row in TABLE:
        query, shows = row[0], row[1]
        expected = {corpus[key].title for key in row[column]}
        found = run(query)
        if found != expected:
            wrong.append(f"{query!r} ({shows}): expected {sorted(expected)}, got {sorted(found)}")
    assert not wrong, "\n".join(wrong)


def test_public_search(search_backend, corpus):
    search_backend.sync()

    def run(query):
        return {hit.title for hit in search_backend.search(SearchParams(q=query)).hits}

    _check_table(corpus, 2, run)


def test_table_has_at_least_twenty_queries():
    assert len(TABLE) >= 20


@pytest.fixture
def admin_client(database_only, client, corpus):
    user = get_user_model().objects.create_superuser("search-admin", "a@example.jp", "pw")
    client.force_login(user)
    return client


def test_wagtail_admin_page_search(admin_client, corpus):
    titles = {page.pk: page.title for page in corpus.values()}

    def run(query):
        response = admin_client.get("/admin/pages/search/", {"q": query})
        assert response.status_code == 200
        html = response.content.decode()
        return {title for pk, title in titles.items() if f'href="/admin/pages/{pk}/edit/"' in html}

    _check_table(corpus, 3, run)
