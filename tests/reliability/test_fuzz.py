"""Hypothesis fuzzing of everything that reads a query string or a WebSocket frame.

The search API and page, the listings of /stakeholders/, /projects/, /events/ (list,
month calendar, iCal feed) and /sdgs/<n>/, the open-data API (Wagtail's /api/v2/ and
/opendata/), the chat history API, and the chat frame parser (directly, and through the
consumer). The promise: no 500 and no unhandled exception, the expected content type,
and for each invalid value the specific Japanese message the view defines (predicted
here from the rules, independently of the code). Reflected junk must stay inert HTML.

Runs are repeatable: a bounded number of examples, derandomized, no example database.
"""

import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openlab import sdgs
from tests.reliability.xss_corpus import PAYLOADS, assert_inert_html, scan_html

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Tokens that broke parsers before: Unicode digits (str.isdigit() is true, int() is not
# always happy), signs, floats, huge numbers, NUL, markup, odd dates.
TRICKY = [
    "", " ", "²", "①", "١", "１", "𝟙", "1e3", "0x10", "-1", "+1", " 1", "1.0", "1_0", "0",
    "18", "501", "99999999999999999999", "9223372036854775808", "100000000000000000000",
    "\x00", "a\x00b", "%00", "'", '"', "\\", "../..",
    "NaN", "inf", "2026-02-30", "2026-13", "2026-00", "9999-12", "0001-01-01", "9999-12-31",
    "true", "on", "null", "[]", "{}", "\u202e", "\r\n", "\t", "a" * 300, *PAYLOADS[:4],
]  # fmt: skip
junk = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30),
)


def values(valid, size=3):
    """A list of query values: valid ones mixed with junk."""
    return st.lists(st.one_of(st.sampled_from(valid), junk), max_size=size)


def one_value(valid):
    return st.one_of(st.sampled_from(valid), junk)


def visible(html):
    return scan_html(html)[1]


def ascii_int(value):
    return int(value) if re.fullmatch(r"[0-9]+", value) else None


def as_received(params):
    """The parameters as a view reads them: the site drops NUL characters from every query
    string (openlab.middleware.DropNulFromQueryMiddleware)."""
    return {
        name: [v.replace("\x00", "") for v in value]
        if isinstance(value, list)
        else value.replace("\x00", "")
        for name, value in params.items()
    }


@pytest.fixture
def content(site_tree):
    """A few published pages of every type, with goals, towns, tags and vocabulary."""
    import datetime as dt

    from django.utils import timezone

    from openlab.models import Town
    from stakeholders.models import OfferNeedTerm
    from tests.factories import EventFactory, ProjectFactory, ReportFactory, StakeholderFactory

    term = OfferNeedTerm.objects.create(slug="venue", name="会場の提供")
    shokudo = StakeholderFactory(title="くめがわこども食堂", goals=[1, 2], kind="npo")
    shokudo.offers.set([term])
    shokudo.towns.set(Town.objects.filter(slug="kumegawa"))
    shokudo.tags.add("子育て")
    shokudo.save_revision().publish()
    ProjectFactory(title="フードロス削減", goals=[2, 12], lead=shokudo)
    start = timezone.now() + dt.timedelta(days=3)
    event = EventFactory(title="そらいち東村山", start=start, end=start + dt.timedelta(hours=3))
    event.organisers.set([shokudo])
    event.save_revision().publish()
    ReportFactory(title="ごみひろい", goals=[14])
    return {"term": term, "stakeholder": shokudo, "event": event}


# --- search ---------------------------------------------------------------------------
TYPES = ["stakeholder", "project", "event", "report"]
GOALS = [str(n) for n in range(1, 18)]
KINDS = ["city", "company", "npo", "school", "university", "citizen", "ambassador"]
TOWNS = ["honcho", "kumegawa", "akitsu"]
PAGE_MESSAGES = {
    "ページ番号は数字で指定してください。",
    "ページ番号は1以上で指定してください。",
    "ページ番号は500以下で指定してください。",
}
search_params = st.fixed_dictionaries(
    {},
    optional={
        "q": junk,
        "type": values(TYPES),
        "goal": values(GOALS),
        "kind": values(KINDS),
        "town": values(TOWNS),
        "when": one_value(["upcoming", "past"]),
        "sort": one_value(["relevance", "date"]),
        "page": one_value(["1", "2", "500"]),
    },
)


def expected_search_errors(params):
    """{field: message} for the choice fields, from the rules of search/forms.py."""
    errors = {}
    for name, valid in (("type", TYPES), ("goal", GOALS), ("kind", KINDS), ("town", TOWNS)):
        bad = [value for value in params.get(name, []) if value not in valid]
        if bad:
            errors[name] = f"「{bad[0]}」は選べない値です。"
    if params.get("when", "") not in ("", "upcoming", "past"):
        errors["when"] = "開催時期は「upcoming」か「past」で指定してください。"
    if params.get("sort", "") not in ("", "relevance", "date"):
        errors["sort"] = "並び順は「relevance」か「date」で指定してください。"
    return errors


@pytest.fixture(params=["database", "elasticsearch"])
def search_backend(request, content, settings):
    """Search answers from the database, or from a fresh Elasticsearch index of its own."""
    import uuid

    from search import backend as backends
    from search import services

    backends.reset_breaker()
    if request.param == "database":
        settings.ELASTICSEARCH_URL = ""
        yield "database"
        return
    url = request.getfixturevalue("elasticsearch_url")
    settings.ELASTICSEARCH_URL = url
    settings.SEARCH_INDEX_PREFIX = f"test_fuzz_{uuid.uuid4().hex[:8]}"
    backend = backends.ElasticsearchSearchBackend(url, timeout=10)
    services.rebuild(backend)
    backend.refresh()
    yield "elasticsearch"
    backend.drop()
    backends.reset_breaker()


def test_search_api_and_page_answer_any_query(client, search_backend):
    @FUZZ
    @given(params=search_params)
    def check(params):
        response = client.get("/api/search/", params)
        assert response["Content-Type"].startswith("application/json")
        data = json.loads(response.content)
        received = as_received(params)
        expected = expected_search_errors(received)
        page = received.get("page", "")
        page_is_fine = page == "" or (ascii_int(page) is not None and 1 <= ascii_int(page) <= 500)
        if response.status_code == 400:
            assert data["error"] == "検索条件に誤りがあります。"
            errors = {name: messages[0] for name, messages in data["errors"].items()}
            page_error = errors.pop("page", None)
            assert errors == expected, params
            assert page_error is None or (page_error in PAGE_MESSAGES and not page_is_fine)
        else:
            assert response.status_code == 200 and not expected and page_is_fine, params
            # Junk never knocks Elasticsearch over into the database fallback.
            assert data["backend"] in (None, search_backend) and data["degraded"] is False
        html_response = client.get("/search/", params)
        assert html_response.status_code == 200
        assert html_response["Content-Type"].startswith("text/html")
        html = html_response.content.decode()
        assert_inert_html(html, where=f"/search/ {params!r}")
        shown = visible(html)
        for message in expected.values():
            assert message in shown, (message, params)

    check()


# --- listings -------------------------------------------------------------------------
def expected_directory_notes(params, towns, terms):
    """The notes /stakeholders/ shows for junk, from the rules of stakeholders/services.py."""
    notes = []
    for raw in params.get("sdg", []):
        if raw.strip() and not sdgs.is_goal_number(raw):
            notes.append(f"「{raw[:20]}」はSDGsの目標番号（1〜17）ではないため、無視しました。")
    for name, label, known in (
        ("kind", "種別", KINDS),
        ("town", "町", towns),
        ("offer", "できること", terms),
        ("need", "求めること", terms),
    ):
        value = params.get(name, "").strip()
        if value and value not in known:
            notes.append(f"{label}「{value[:40]}」は見つからないため、無視しました。")
    sort = params.get("sort", "name")
    if sort not in ("name", "newest"):
        notes.append(f"並び順「{sort[:20]}」は使えないため、名前順にしました。")
    page = (params.get("page") or "1").strip()
    if not (ascii_int(page) or 0) > 0:
        notes.append(f"ページ番号「{page[:20]}」は使えないため、1ページ目を表示しました。")
    return notes


directory_params = st.fixed_dictionaries(
    {},
    optional={
        "sdg": values(GOALS),
        "kind": one_value(KINDS),
        "town": one_value(TOWNS),
        "offer": one_value(["venue"]),
        "need": one_value(["venue"]),
        "q": junk,
        "sort": one_value(["name", "newest"]),
        "page": one_value(["1", "2"]),
    },
)


def test_stakeholder_directory_explains_every_ignored_filter(client, content):
    from openlab.models import Town

    towns = list(Town.objects.values_list("slug", flat=True))

    @FUZZ
    @given(params=directory_params)
    def check(params):
        response = client.get("/stakeholders/", params)
        assert response.status_code == 200, params
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert_inert_html(html, where=f"/stakeholders/ {params!r}")
        shown = visible(html)
        for note in expected_directory_notes(as_received(params), towns, ["venue"]):
            assert note in shown, (note, params)

    check()


project_params = st.fixed_dictionaries(
    {},
    optional={
        "sdg": values(GOALS),
        "status": one_value(["idea", "running", "done"]),
        "town": one_value(TOWNS),
        "seeking": one_value(["any", "venue"]),
        "stakeholder": one_value(["sh-1"]),
        "page": one_value(["1", "2"]),
        "furigana": one_value(["1"]),
    },
)


def test_project_and_report_listings_ignore_junk(client, content):
    @FUZZ
    @given(params=project_params)
    def check(params):
        for url in ("/projects/", "/reports/"):
            response = client.get(url, params)
            assert response.status_code == 200, (url, params)
            assert response["Content-Type"].startswith("text/html")
            assert_inert_html(response.content.decode(), where=f"{url} {params!r}")

    check()


DATES = st.dates().map(lambda day: day.isoformat())
event_params = st.fixed_dictionaries(
    {},
    optional={
        "view": one_value(["list", "month"]),
        "when": one_value(["upcoming", "past"]),
        "sdg": one_value(GOALS),
        "town": one_value(TOWNS),
        "organiser": one_value(["sh-1"]),
        "date_from": st.one_of(DATES, junk),
        "date_to": st.one_of(DATES, junk),
        "month": st.one_of(st.sampled_from(["2026-12", "1901-01", "2999-12"]), junk),
        "free": one_value(["on"]),
        "kids": one_value(["on"]),
        "page": one_value(["1", "2"]),
    },
)


def expected_event_errors(params, organisers):
    """The messages events/forms.py defines, where its own check is the one that fails
    (Django's field checks come first: too long)."""

    def plain(value, max_length):
        value = value.strip()
        return value if value and len(value) <= max_length else ""

    messages = []
    month = plain(params.get("month", ""), 7)
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if month and not (match and 1 <= int(match[2]) <= 12 and 1900 < int(match[1]) < 3000):
        messages.append("月は 2026-12 のように書いてください。")
    if plain(params.get("town", ""), 50) not in ("", *TOWNS):
        messages.append("その町は見つかりません。")
    if plain(params.get("organiser", ""), 100) not in ("", *organisers):
        messages.append("その主催者のイベントは見つかりません。")
    start, end = params.get("date_from", ""), params.get("date_to", "")
    iso = r"\d{4}-\d{2}-\d{2}"
    if re.fullmatch(iso, start) and re.fullmatch(iso, end) and "0000" not in (start[:4], end[:4]):
        try:
            import datetime as dt

            if dt.date.fromisoformat(end) < dt.date.fromisoformat(start):
                messages.append("終了日は開始日より後にしてください。")
        except ValueError:
            pass
    return messages


def test_event_listing_calendar_and_feed_answer_any_filter(client, content):
    organisers = [content["stakeholder"].slug]
    strategy = event_params.map(
        lambda params: {
            **params,
            **({"organiser": organisers[0]} if params.get("organiser") == "sh-1" else {}),
        }
    )

    @FUZZ
    @given(params=strategy)
    def check(params):
        response = client.get("/events/", params)
        assert response.status_code == 200, params
        html = response.content.decode()
        assert_inert_html(html, where=f"/events/ {params!r}")
        shown = visible(html)
        for message in expected_event_errors(as_received(params), organisers):
            assert message in shown, (message, params)
        feed = client.get("/events/feed.ics", params)
        assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
        assert feed.content.startswith(b"BEGIN:VCALENDAR")

    check()


def test_goal_pages_answer_any_number(client, content):
    @FUZZ
    @given(number=st.one_of(st.integers(-5, 30).map(str), junk))
    def check(number):
        response = client.get(f"/sdgs/{quote(number, safe='')}/")
        assert response["Content-Type"].startswith("text/html")
        if number and sdgs.is_goal_number(number) and "/" not in number:
            assert response.status_code == 200, number
        else:
            assert response.status_code == 404, number

    check()


# --- open data ---------------------------------------------------------------------------
API_TYPES = ["stakeholders.StakeholderPage", "projects.ProjectPage", "events.EventPage"]
API_FIELDS = ["kind", "status", "start", "start_date", "joined", "price", "latitude", "title"]
api_params = st.fixed_dictionaries(
    {},
    optional={
        "type": one_value(API_TYPES),
        "fields": one_value(["*", "title,summary", "-title", "_,goals"]),
        "order": one_value(["title", "-first_published_at", "random"]),
        "limit": one_value(["1", "20"]),
        "offset": one_value(["0", "1"]),
        "search": junk,
        "search_operator": one_value(["and", "or"]),
        "child_of": one_value(["3"]),
        "descendant_of": one_value(["2"]),
        **dict.fromkeys(API_FIELDS, junk),
    },
)


def test_open_data_api_answers_any_filter_with_json(client, content):
    @FUZZ
    @given(params=api_params)
    def check(params):
        response = client.get("/api/v2/pages/", params)
        assert response["Content-Type"].startswith("application/json"), params
        data = json.loads(response.content)
        if response.status_code == 200:
            assert isinstance(data["items"], list) and data["meta"]["total_count"] >= 0
        else:
            assert response.status_code in (400, 404), (response.status_code, params)
            assert isinstance(data["message"], str) and data["message"], params
        found = client.get("/api/v2/pages/find/", {"id": params.get("search", "1")})
        assert found.status_code in (302, 400, 404), params

    check()


# Every number parameter of /api/v2/pages/ (paging, tree, id and relation/integer filters) with
# the type that has the field, and `search` (refused: /api/search/ is the site's search).
API_NUMBER_PARAMETERS = {
    "offset": "", "limit": "", "child_of": "", "descendant_of": "", "ancestor_of": "",
    "translation_of": "", "id": "", "goals": "stakeholders.StakeholderPage",
    "towns": "stakeholders.StakeholderPage", "lead": "projects.ProjectPage",
    "partners": "projects.ProjectPage", "organisers": "events.EventPage",
    "capacity": "events.EventPage",
}  # fmt: skip


def test_open_data_api_answers_every_tricky_number_with_json(content):
    from django.test import Client

    client = Client(raise_request_exception=False)
    for name, page_type in API_NUMBER_PARAMETERS.items():
        for value in TRICKY:
            params = {name: value, **({"type": page_type} if page_type else {})}
            response = client.get("/api/v2/pages/", params)
            where = (name, value, response.status_code)
            assert response["Content-Type"].startswith("application/json"), where
            received = value.replace("\x00", "")
            if not re.fullmatch(r"\s*-?[0-9]{1,18}\s*", received) and received != "root":
                assert response.status_code == 400, where
                assert name in response.json()["message"], where
            else:
                assert response.status_code in (200, 400, 404), where
    for value in TRICKY:
        response = client.get("/api/v2/pages/", {"search": value})
        assert response.status_code == 400 and "/api/search/" in response.json()["message"]


def test_open_data_downloads_answer_any_name(client, content):
    @FUZZ
    @given(slug=st.one_of(st.sampled_from(["stakeholders", "events", "nope"]), junk), fmt=junk)
    def check(slug, fmt):
        response = client.get(f"/opendata/{quote(slug, safe='')}.{quote(fmt, safe='')}")
        assert response.status_code in (200, 404), (slug, fmt)
        if response.status_code == 200:
            assert response["Content-Type"].split(";")[0] in ("text/csv", "application/json")

    check()


# --- chat ----------------------------------------------------------------------------------
FRAME_FIELDS = {
    "message": {"body": str, "key": str},
    "edit": {"id": int, "body": str},
    "delete": {"id": int},
    "report": {"id": int, "reason": str},
    "read": {"id": int},
    "sync": {"after": int},
    "ping": {},
}


def expected_frame(text):
    """The parser's answer from the protocol in openlab/chat/consumers.py's docstring:
    (kind, None) for an accepted frame, (None, error code) for a refused one."""
    if text is None:
        return None, "not_text"
    if len(text) > 12 * 4000 + 1000:  # the longest message with every character escaped
        return None, "too_long"
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None, "bad_json"
    if not isinstance(data, dict):
        return None, "bad_frame"
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in FRAME_FIELDS:
        return None, "unknown_type"
    fields = FRAME_FIELDS[kind]
    if set(data) - set(fields) - {"type"}:
        return None, "unknown_field"
    for name, expected_type in fields.items():
        value = data.get(name)
        if name not in data or isinstance(value, bool) or not isinstance(value, expected_type):
            return None, "bad_field"
    if kind in ("message", "edit") and len(data["body"]) > 4000:
        return None, "too_long"
    return kind, None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
frame_objects = st.dictionaries(
    st.one_of(
        st.sampled_from(["type", "body", "key", "id", "reason", "after"]), st.text(max_size=6)
    ),
    json_values,
    max_size=4,
).flatmap(
    lambda data: st.one_of(
        st.just(data),
        st.builds(
            lambda kind, extra: {**data, "type": kind, **extra},
            st.one_of(st.sampled_from(list(FRAME_FIELDS)), json_values),
            st.fixed_dictionaries(
                {},
                optional={
                    "body": st.one_of(st.text(max_size=50), json_values, st.just("x" * 4001)),
                    "key": st.one_of(st.text(max_size=20), json_values),
                    "id": st.one_of(st.integers(), json_values),
                    "after": st.one_of(st.integers(), json_values),
                    "reason": st.one_of(st.text(max_size=20), json_values),
                },
            ),
        ),
    )
)
frame_texts = st.one_of(
    st.none(),
    st.text(max_size=60),
    frame_objects.map(json.dumps),
    json_values.map(json.dumps),
    st.integers(1, 30_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(1, 30_000).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    st.just('{"type": "message", "body": "' + "あ" * 20_001 + '", "key": "k1234567"}'),
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(text=frame_texts)
def test_chat_frame_parser_accepts_or_refuses_with_a_reason(text):
    from openlab.chat.consumers import parse_frame
    from openlab.chat.services import ChatError

    kind, code = expected_frame(text)
    try:
        parsed_kind, data = parse_frame(text)
    except ChatError as error:
        assert (None, error.code) == (kind, code), text[:200] if text else text
        assert re.search(r"[ぁ-んァ-ン一-龥]", str(error.message)), error.message
    else:
        assert parsed_kind == kind and code is None, text[:200]
        assert set(data) <= {"type", *FRAME_FIELDS[kind]}


def test_chat_history_api_answers_any_cursor(client, content):
    from openlab.accounts.models import Role
    from openlab.accounts.services import approve_membership, create_user
    from openlab.chat import services

    alice = create_user("alice", "a@example.jp", "pw-alice-123", Role.CITIZEN, "アリス")
    bob = create_user("bob", "b@example.jp", "pw-bob-12345", Role.CITIZEN, "ボブ")
    approve_membership(alice, content["stakeholder"])
    approve_membership(bob, content["stakeholder"])
    room = services.open_direct(alice, bob)
    services.send_message(alice, room.pk, "こんにちは", "key-00000001")
    client.force_login(alice)
    url = f"/api/chat/rooms/{room.pk}/messages/"

    def cursor_error(params):
        for name in ("before", "after"):
            raw = params.get(name, "").strip()
            if raw and not (re.fullmatch(r"[0-9]{1,18}", raw) and int(raw) > 0):
                return f"{name} には正の整数を指定してください。"
        return None

    @FUZZ
    @given(params=st.fixed_dictionaries({}, optional={"before": junk, "after": junk}))
    def check(params):
        response = client.get(url, params)
        assert response["Content-Type"].startswith("application/json")
        data = json.loads(response.content)
        expected = cursor_error(as_received(params))
        if expected:
            assert response.status_code == 400 and data == {"error": expected}, params
        else:
            assert response.status_code == 200 and isinstance(data["messages"], list), params

    check()


# Frames that reached the consumer's handlers with odd values (each with its answer).
CONSUMER_FRAMES = [
    ({"type": []}, "unknown_type"),
    ({"type": {"a": 1}}, "unknown_type"),
    ("[" * 5000 + "]" * 5000, "bad_json"),
    ({"type": "message", "body": "NUL \x00 byte", "key": "key-nul-0001"}, "invalid_body"),
    ({"type": "message", "body": "   ", "key": "key-blank-001"}, "empty"),
    ({"type": "message", "body": "ok", "key": "short"}, "invalid_key"),
    ({"type": "message", "body": "ok", "key": "key-" + "x" * 70}, "invalid_key"),
    ({"type": "edit", "id": 10**30, "body": "x"}, "not_found"),
    ({"type": "delete", "id": -1}, "not_found"),
    ({"type": "report", "id": 10**30, "reason": "x"}, "not_found"),
    ({"type": "report", "id": 1.5, "reason": "x"}, "bad_field"),
    ({"type": "read", "id": True}, "bad_field"),
    ({"type": "message", "body": "x" * 4001, "key": "key-long-0001"}, "too_long"),
]
QUIET_FRAMES = [{"type": "read", "id": 10**30}, {"type": "read", "id": -(10**30)}]


@pytest.mark.django_db(transaction=True)
def test_odd_frames_through_the_consumer_get_an_error_and_the_socket_stays_usable(site_tree):
    from openlab.accounts.models import Role
    from openlab.accounts.services import approve_membership, create_user
    from openlab.chat import services
    from openlab.chat.models import Message
    from tests.chat.wsutil import connect, receive, run_async
    from tests.factories import StakeholderFactory

    group = StakeholderFactory(title="森田農園")
    alice = create_user("alice", "a@example.jp", "pw-alice-123", Role.CITIZEN, "アリス")
    bob = create_user("bob", "b@example.jp", "pw-bob-12345", Role.CITIZEN, "ボブ")
    approve_membership(alice, group)
    approve_membership(bob, group)
    room = services.open_direct(alice, bob)

    async def scenario():
        socket, connected = await connect(room.pk, alice)
        assert connected
        for frame, code in CONSUMER_FRAMES:
            text = frame if isinstance(frame, str) else json.dumps(frame)
            await socket.send_to(text_data=text)
            answer = await receive(socket, {"error", "ack"})
            assert (answer["type"], answer.get("code")) == ("error", code), (frame, answer)
            assert re.search(r"[ぁ-んァ-ン一-龥]", answer["reason"]), answer
        for frame in QUIET_FRAMES:  # nothing to answer, and nothing breaks
            await socket.send_to(text_data=json.dumps(frame))
        await socket.send_to(text_data=json.dumps({"type": "sync", "after": 10**30}))
        history = await receive(socket, {"history", "error"})
        assert history == {"type": "history", "messages": [], "more": False}
        await socket.send_to(text_data=json.dumps({"type": "ping"}))
        assert (await receive(socket, {"pong", "error"}))["type"] == "pong"
        await socket.send_to(
            text_data=json.dumps({"type": "message", "body": "ok", "key": "key-fine-0001"})
        )
        assert (await receive(socket, {"ack", "error"}))["type"] == "ack"
        await socket.disconnect()

    run_async(scenario)
    assert list(Message.objects.values_list("body", flat=True)) == ["ok"]
