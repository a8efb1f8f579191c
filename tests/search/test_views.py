"""/search/ and /api/search/: content, escaping, schema, bounded SQL, fuzzing."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parents[2] / "search" / "schema.json").read_text())


def api(client, **params):
    response = client.get("/api/search/", params)
    return response, json.loads(response.content)


def test_search_page_shows_results_facets_and_highlight(search_backend, corpus, client):
    search_backend.sync()
    response = client.get("/search/", {"q": "子育て"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "東村山子育て支援ネットワーク" in html
    assert "<mark>子育て</mark>" in html
    assert "ステークホルダー" in html  # type label
    assert 'class="sdg-badge sdg-3"' in html
    assert "1件見つかりました" in html
    assert "?q=%E5%AD%90%E8%82%B2%E3%81%A6&amp;type=stakeholder" in html  # facet link
    assert "簡易検索" not in html  # which engine answered is not the citizen's business


def test_only_facilitators_read_that_the_database_answers(search_backend, corpus, client):
    from openlab.accounts.models import Role
    from openlab.accounts.services import create_user, ensure_role_groups

    search_backend.sync()
    ensure_role_groups()
    notice = "この検索はデータベースの簡易検索です。結果が一部不完全な場合があります。"
    citizen = create_user("c1", "c1@example.jp", "pw-Openlab-1", Role.CITIZEN)
    client.force_login(citizen)
    html = client.get("/search/", {"q": "子育て"}).content.decode()
    assert "東村山子育て支援ネットワーク" in html
    assert "簡易検索" not in html
    facilitator = create_user("f1", "f1@example.jp", "pw-Openlab-1", Role.FACILITATOR)
    client.force_login(facilitator)
    html = client.get("/search/", {"q": "子育て"}).content.decode()
    assert (notice in html) == (search_backend.name == "database")


def test_search_box_in_every_page_header(site_tree, client):
    html = client.get("/").content.decode()
    assert 'action="/search/"' in html and 'role="search"' in html


def test_user_text_is_escaped_and_only_mark_is_markup(search_backend, site_tree, client):
    StakeholderFactory(title="<script>alert(1)</script>子育て", summary="<b>太字</b>の子育て")
    search_backend.sync()
    html = client.get("/search/", {"q": "<script>子育て"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;子育て" in html
    assert "<b>太字</b>" not in html
    _, data = api(client, q="子育て")
    snippet = data["results"][0]["snippet_html"]
    assert snippet == "&lt;b&gt;太字&lt;/b&gt;の<mark>子育て</mark>"


def test_api_matches_schema_and_page(search_backend, corpus, client):
    search_backend.sync()
    response, data = api(client, q="東村山", type="stakeholder", sort="date")
    assert response.status_code == 200
    jsonschema.validate(data, SCHEMA)
    assert data["backend"] == search_backend.name
    assert data["total"] == 3
    assert data["query"]["filters"] == {"type": ["stakeholder"]}
    selected = [entry for entry in data["facets"]["type"] if entry["selected"]]
    assert selected == [
        {"value": "stakeholder", "label": "ステークホルダー", "count": 3, "selected": True}
    ]
    assert [r["title"] for r in data["results"]][0] in {
        "東村山子育て支援ネットワーク",
        "株式会社ＳＤＧｓラボ東村山",
        "東村山市 環境・住宅部 ごみ減量推進課",
    }
    assert data["suggestions"] is None


def test_schema_is_served(client, db):
    response = client.get("/api/search/schema.json")
    assert response.status_code == 200
    assert json.loads(response.content)["title"].startswith("OpenLab search API")


def test_api_rejects_bad_filters_clearly(site_tree, client):
    response, data = api(client, q="子育て", goal="99", page="abc", sort="random")
    assert response.status_code == 400
    assert set(data["errors"]) == {"goal", "page", "sort"}
    assert "「99」は選べない値です。" in data["errors"]["goal"]
    assert "ページ番号は数字で指定してください。" in data["errors"]["page"]


def test_page_ignores_bad_filter_and_says_so(search_backend, corpus, client):
    search_backend.sync()
    html = client.get("/search/", {"q": "子育て", "goal": "99"}).content.decode()
    assert "「99」は選べない値です。" in html
    assert "東村山子育て支援ネットワーク" in html


def test_empty_and_zero_result_searches_suggest_goals_and_tags(search_backend, corpus, client):
    search_backend.sync()
    html = client.get("/search/").content.decode()
    assert "SDGsの17の目標" in html
    assert 'href="/search/?goal=11"' in html
    assert "地域" in html  # the most used tag
    _, data = api(client, q="該当なしのことば")
    assert data["total"] == 0
    assert len(data["suggestions"]["goals"]) == 17
    assert data["suggestions"]["tags"][0] == {"tag": "地域", "count": 2}
    jsonschema.validate(data, SCHEMA)


def test_long_query_is_cut_with_a_notice(search_backend, corpus, client):
    search_backend.sync()
    response, data = api(client, q="子育て" + "あ" * 10_000)
    assert response.status_code == 200
    assert data["notices"][0] == "検索語が長すぎるため、最初の200文字で検索しました。"
    assert len(data["notices"]) == (2 if search_backend.name == "database" else 1)
    assert len(data["query"]["q"]) == 200


def _count_queries(client, params):
    client.get("/search/", params)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/search/", params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_sql_queries_are_bounded_whatever_the_data_size(
    search_backend, site_tree, client, settings
):
    settings.PAGE_CACHE_ENABLED = False
    for i in range(3):
        StakeholderFactory(
            title=f"みどりの会{i}", summary="公園の花壇を手入れしています。", goals=[11]
        )
    search_backend.sync()
    small = _count_queries(client, {"q": "花壇", "goal": "11"})
    small_q = _count_queries(client, {"q": "花壇"})
    for i in range(3, 30):
        StakeholderFactory(
            title=f"みどりの会{i}", summary="公園の花壇を手入れしています。", goals=[11]
        )
    search_backend.sync()
    large = _count_queries(client, {"q": "花壇", "goal": "11"})
    large_q = _count_queries(client, {"q": "花壇"})
    assert small == large <= 20
    assert small_q == large_q <= 20


# --- fuzzing ---------------------------------------------------------------------------

QUERY_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(
        alphabet=st.sampled_from(
            list("\"()[]{}*?~^:\\/!+-&|<>'=; \u3000\x00\x1f子育てＳＤＧｓAND OR NOT")
        ),
        max_size=80,
    ),
    st.just("a" * 10_000),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    q=QUERY_TEXT,
    goal=st.sampled_from(["", "1", "17", "0", "x"]),
    page=st.sampled_from(["", "1", "2", "-1"]),
)
def test_fuzz_api_never_500_never_syntax_error(search_backend, corpus, client, q, goal, page):
    params = {key: value for key, value in {"q": q, "goal": goal, "page": page}.items() if value}
    response = client.get("/api/search/", params)
    assert response.status_code in (200, 400)
    data = json.loads(response.content)
    if response.status_code == 200:
        jsonschema.validate(data, SCHEMA)
        # Elasticsearch answered (no fallback because of a query error).
        assert data["degraded"] is False
        if data["backend"]:
            assert data["backend"] == search_backend.name
    else:
        assert set(data["errors"]) <= {"goal", "page"}
