"""Chat pages and the history API: members only, escaped, constant SQL queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openlab.chat import services
from openlab.chat.models import Message, Room

pytestmark = pytest.mark.django_db


def fill(room, user, count, start=0):
    Message.objects.bulk_create(
        Message(room=room, sender=user, body=f"メッセージ{i}", client_key=f"fill-{start + i}")
        for i in range(start, start + count)
    )


def test_anonymous_is_sent_to_login(client, room):
    for path in ("/chat/", f"/chat/{room.pk}/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.get(f"/api/chat/rooms/{room.pk}/messages/")
    assert response.status_code == 401 and "ログイン" in response.json()["error"]


def test_non_members_get_404_everywhere(client, people, room):
    for name in ("carol", "citizen", "ambassador"):
        client.force_login(people[name])
        assert client.get(f"/chat/{room.pk}/").status_code == 404
        response = client.get(f"/api/chat/rooms/{room.pk}/messages/")
        assert response.status_code == 404 and "error" in response.json()
        response = client.post(f"/chat/{room.pk}/", {"body": "侵入", "key": "intruder-001"})
        assert response.status_code == 404
    assert not Message.objects.exists()


def test_room_list_shows_rooms_unread_counts_and_last_message(client, people, room):
    services.send_message(people["alice"], room.pk, "野菜の受け取りは土曜です", "list-0001")
    services.send_message(people["alice"], room.pk, "<script>alert(1)</script>", "list-0002")
    client.force_login(people["bob"])
    response = client.get("/chat/")
    html = response.content.decode()
    assert "フードロス削減プロジェクト" in html
    assert "未読 2件" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert (
        "no-cache" in response.get("Cache-Control", "")
        or "private" in response.get("Cache-Control", "")
        or "max-age=0" in response.get("Cache-Control", "")
    )
    # The direct-message form is for partners only.
    assert "ダイレクトメッセージ" in html
    client.force_login(people["citizen"])
    html = client.get("/chat/").content.decode()
    assert "参加しているルームはまだありません" in html and "ダイレクトメッセージ" not in html


def test_room_page_shows_history_escaped_with_safe_links_and_marks_read(client, people, room):
    services.send_message(
        people["alice"], room.pk, '<img src=x onerror=alert(1)> 詳細 https://example.jp/a?b=1&c=2',
        "page-0001",
    )  # fmt: skip
    client.force_login(people["bob"])
    response = client.get(f"/chat/{room.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert (
        '<a href="https://example.jp/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc"' in html
    )
    assert 'src="/static/js/chat.js"' in html and "<script>" not in html
    assert services.user_rooms(people["bob"])[0].unread == 0


def test_room_page_sends_without_javascript(client, people, room):
    client.force_login(people["alice"])
    response = client.post(f"/chat/{room.pk}/", {"body": "JSなしでも送れます", "key": "nojs-00001"})
    assert response.status_code == 302 and response["Location"] == f"/chat/{room.pk}/"
    # Posting the same form twice (same key) stores one message.
    client.post(f"/chat/{room.pk}/", {"body": "JSなしでも送れます", "key": "nojs-00001"})
    assert list(Message.objects.values_list("body", flat=True)) == ["JSなしでも送れます"]
    response = client.post(f"/chat/{room.pk}/", {"body": "あ" * 4001, "key": "nojs-00002"})
    assert response.status_code == 400
    assert "4000文字以内" in response.content.decode()
    assert Message.objects.count() == 1


def test_history_api_pages_with_before_and_after(client, people, room):
    fill(room, people["alice"], 120)
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    client.force_login(people["bob"])
    first = client.get(f"/api/chat/rooms/{room.pk}/messages/").json()
    assert [m["id"] for m in first["messages"]] == ids[-50:] and first["has_more"]
    older = client.get(
        f"/api/chat/rooms/{room.pk}/messages/?before={first['messages'][0]['id']}"
    ).json()
    assert [m["id"] for m in older["messages"]] == ids[-100:-50] and older["has_more"]
    last = client.get(f"/api/chat/rooms/{room.pk}/messages/?before={ids[20]}").json()
    assert [m["id"] for m in last["messages"]] == ids[:20] and not last["has_more"]
    newer = client.get(f"/api/chat/rooms/{room.pk}/messages/?after={ids[110]}").json()
    assert [m["id"] for m in newer["messages"]] == ids[111:]
    assert newer["messages"][0]["sender"]["name"] == "アリス"


@pytest.mark.parametrize("query", ["before=abc", "before=-1", "after=1.5", "before=9" * 30])
def test_history_api_rejects_bad_cursors(client, people, room, query):
    client.force_login(people["bob"])
    response = client.get(f"/api/chat/rooms/{room.pk}/messages/?{query}")
    assert response.status_code == 400
    assert "正の整数" in response.json()["error"]


def count_queries(client, path):
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_history_page_and_api_run_constant_queries(client, people, room):
    client.force_login(people["bob"])
    fill(room, people["alice"], 5)
    fill(room, people["facilitator"], 5, start=5)
    small_page = count_queries(client, f"/chat/{room.pk}/")
    small_api = count_queries(client, f"/api/chat/rooms/{room.pk}/messages/")
    fill(room, people["alice"], 100, start=10)
    fill(room, people["facilitator"], 100, start=110)
    large_page = count_queries(client, f"/chat/{room.pk}/")
    large_api = count_queries(client, f"/api/chat/rooms/{room.pk}/messages/")
    assert small_page == large_page <= 20
    assert small_api == large_api <= 10


def test_room_list_runs_constant_queries(client, people, project):
    client.force_login(people["alice"])
    services.room_for_project(project)
    small = count_queries(client, "/chat/")
    for i in range(8):
        pair = {people["shokudo"].pk, people["other_stakeholder"].pk}
        room = services.open_room_for_match(pair, f"r{i}", people["facilitator"])
        room.key = f"match:test:{i}"
        room.save()
        fill(room, people["carol"], 3, start=i * 10)
    assert Room.objects.count() >= 9
    assert count_queries(client, "/chat/") == small <= 20


def test_direct_conversation_form(client, people):
    client.force_login(people["alice"])
    response = client.post("/chat/direct/", {"username": "bob"})
    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert response["Location"] == f"/chat/{room.pk}/"
    response = client.post("/chat/direct/", {"username": "amb"}, follow=True)
    assert "パートナー同士でのみ" in response.content.decode()
    response = client.post("/chat/direct/", {"username": "nobody"}, follow=True)
    assert "見つかりません" in response.content.decode()
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1


def test_history_api_writes_rfc3339_date_times(client, people, room):
    """Issue 19 item 3: seconds and offset, Tokyo time, no fractions (openlab.dates)."""
    fill(room, people["alice"], 1)
    sent = dt.datetime(2026, 6, 21, 1, 0, 0, 123456, tzinfo=dt.UTC)
    Message.objects.update(created_at=sent)
    client.force_login(people["bob"])
    message = client.get(f"/api/chat/rooms/{room.pk}/messages/").json()["messages"][0]
    assert message["created_at"] == "2026-06-21T10:00:00+09:00"
    assert message["time"] == "06/21 10:00"
