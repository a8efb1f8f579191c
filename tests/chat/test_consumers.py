"""The chat WebSocket through the real ASGI stack (origin check, auth, URL router, consumer)."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session

from openlab.chat import services
from openlab.chat.models import Message
from tests.chat.wsutil import connect, receive, run_async, send

pytestmark = pytest.mark.django_db(transaction=True)


def run(coroutine_function):
    run_async(coroutine_function)


def test_foreign_origin_and_missing_origin_are_refused(people, room):
    async def scenario():
        _, connected = await connect(
            room.pk, people["alice"], origin=(b"origin", b"http://evil.example")
        )
        assert not connected
        _, connected = await connect(room.pk, people["alice"], origin=None)
        assert not connected
        communicator, connected = await connect(room.pk, people["alice"])
        assert connected
        await communicator.disconnect()

    run(scenario)


def test_anonymous_and_non_members_are_refused(people, room):
    async def scenario():
        for user in (None, people["carol"], people["citizen"], people["ambassador"]):
            communicator, connected = await connect(room.pk, user)
            assert not connected, user
        # A room that does not exist is refused the same way.
        _, connected = await connect(room.pk + 999, people["alice"])
        assert not connected

    run(scenario)


def test_message_is_stored_acked_and_reaches_the_other_member(people, room):
    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        bob, _ = await connect(room.pk, people["bob"])
        await send(
            alice, type="message", body="<b>こんにちは</b> https://example.jp", key="k-hello-0001"
        )
        ack = await receive(alice, {"ack"})
        stored = await sync_to_async(Message.objects.get)(pk=ack["id"])
        assert stored.body == "<b>こんにちは</b> https://example.jp"
        assert ack["key"] == "k-hello-0001"
        got = await receive(bob, {"message"})
        assert got["message"]["id"] == ack["id"]
        assert got["message"]["body"] == "<b>こんにちは</b> https://example.jp"
        assert got["message"]["sender"]["name"] == "アリス"
        # A resend after a drop (same key) is acknowledged with the same id, nothing new stored.
        await send(
            alice, type="message", body="<b>こんにちは</b> https://example.jp", key="k-hello-0001"
        )
        again = await receive(alice, {"ack"})
        assert again["id"] == ack["id"]
        assert await sync_to_async(Message.objects.count)() == 1
        await alice.disconnect()
        await bob.disconnect()

    run(scenario)


def test_bad_frames_get_an_error_and_the_connection_stays_usable(people, room):
    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        cases = [
            ("これはJSONではない", "bad_json"),
            ("[1, 2]", "bad_frame"),
            (json.dumps({"type": "shout", "body": "x"}), "unknown_type"),
            (
                json.dumps({"type": "message", "body": "x", "key": "k-1234567", "extra": 1}),
                "unknown_field",
            ),
            (json.dumps({"type": "message", "body": 5, "key": "k-1234567"}), "bad_field"),
            (json.dumps({"type": "message", "body": "x"}), "bad_field"),
            (json.dumps({"type": "read", "id": True}), "bad_field"),
            (
                json.dumps({"type": "message", "body": "あ" * 4001, "key": "k-long-0001"}),
                "too_long",
            ),
            (json.dumps({"type": "message", "body": "   ", "key": "k-empty-001"}), "empty"),
            (json.dumps({"type": "message", "body": "x", "key": "no"}), "invalid_key"),
            (json.dumps({"type": "edit", "id": 999999, "body": "x"}), "not_found"),
        ]
        for text, code in cases:
            await alice.send_to(text_data=text)
            frame = await receive(alice, {"error"})
            assert frame["code"] == code, text
            assert frame["reason"]
        await alice.send_to(bytes_data=b"\x00\x01")
        assert (await receive(alice, {"error"}))["code"] == "not_text"
        assert await sync_to_async(Message.objects.count)() == 0
        # Still usable.
        await send(alice, type="message", body="まだつながっています", key="k-still-0001")
        ack = await receive(alice, {"ack"})
        assert ack["message"]["body"] == "まだつながっています"
        await alice.disconnect()

    run(scenario)


def test_more_than_ten_messages_in_ten_seconds_slow_down(people, room):
    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        for i in range(10):
            await send(alice, type="message", body=f"連投{i}", key=f"k-burst-{i:04d}")
            assert (await receive(alice, {"ack", "error"}))["type"] == "ack"
        await send(alice, type="message", body="11件目", key="k-burst-0010")
        frame = await receive(alice, {"ack", "error"})
        assert frame["type"] == "error" and frame["code"] == "slow_down"
        assert frame["key"] == "k-burst-0010"
        assert "速すぎ" in frame["reason"]
        assert await sync_to_async(Message.objects.count)() == 10
        await send(alice, type="ping")
        assert (await receive(alice, {"pong"}))["type"] == "pong"
        await alice.disconnect()

    run(scenario)


def test_removed_member_socket_is_closed(people, room):
    async def scenario():
        bob, _ = await connect(room.pk, people["bob"])
        alice, _ = await connect(room.pk, people["alice"])
        await sync_to_async(services.remove_member)(room, people["bob"], people["facilitator"])
        frame = await receive(bob, {"error"})
        assert frame["code"] == "removed"
        closed = await bob.receive_output(timeout=15)
        assert closed == {"type": "websocket.close", "code": 4403}
        # And cannot come back.
        _, connected = await connect(room.pk, people["bob"])
        assert not connected
        await send(alice, type="ping")
        assert (await receive(alice, {"pong"}))["type"] == "pong"
        await alice.disconnect()

    run(scenario)


def test_logged_out_elsewhere_is_disconnected(people, room, settings):
    settings.CHAT_SESSION_CHECK_SECONDS = 0.2

    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        # Logging out anywhere deletes the session.
        await sync_to_async(Session.objects.all().delete)()
        frame = await receive(alice, {"error"})
        assert frame["code"] == "closed"
        closed = await alice.receive_output(timeout=15)
        assert closed == {"type": "websocket.close", "code": 4401}

    run(scenario)


def test_logged_out_user_frame_is_refused_at_once(people, room):
    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        await sync_to_async(Session.objects.all().delete)()
        await send(alice, type="message", body="ログアウト後", key="k-after-logout")
        frame = await receive(alice, {"error", "ack"})
        assert frame["type"] == "error" and frame["code"] == "closed"
        assert (await alice.receive_output(timeout=15))["type"] == "websocket.close"
        assert await sync_to_async(Message.objects.count)() == 0

    run(scenario)


def test_edit_delete_and_hide_are_live(people, room):
    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        bob, _ = await connect(room.pk, people["bob"])
        await send(alice, type="message", body="最初の文", key="k-live-0001")
        message_id = (await receive(alice, {"ack"}))["id"]
        await receive(bob, {"message"})
        await send(alice, type="edit", id=message_id, body="直した文")
        update = await receive(bob, {"update"})
        assert update["message"]["body"] == "直した文" and update["message"]["edited"]
        await send(bob, type="delete", id=message_id)
        assert (await receive(bob, {"error"}))["code"] == "forbidden"
        await send(bob, type="report", id=message_id, reason="テスト")
        assert (await receive(bob, {"reported"}))["id"] == message_id
        message = await sync_to_async(Message.objects.get)(pk=message_id)
        await sync_to_async(services.hide_message)(message, people["facilitator"])
        hidden = await receive(bob, {"update"})
        assert hidden["message"]["hidden"] and hidden["message"]["body"] == ""
        await send(alice, type="message", body="消す文", key="k-live-0002")
        second = (await receive(alice, {"ack"}))["id"]
        await send(alice, type="delete", id=second)
        deleted = await receive(bob, {"update"}, timeout=15)
        while deleted["message"]["id"] != second:
            deleted = await receive(bob, {"update"})
        assert deleted["message"]["deleted"]
        await alice.disconnect()
        await bob.disconnect()

    run(scenario)


def test_sync_returns_what_was_missed_in_order(people, room):
    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        ids = []
        for i in range(5):
            await send(alice, type="message", body=f"留守中{i}", key=f"k-missed-{i:03d}")
            ids.append((await receive(alice, {"ack"}))["id"])
        bob, _ = await connect(room.pk, people["bob"])
        await send(bob, type="sync", after=ids[1])
        history = await receive(bob, {"history"})
        assert [m["id"] for m in history["messages"]] == ids[2:]
        assert not history["more"]
        await send(bob, type="read", id=ids[-1])
        await send(bob, type="ping")
        pong = await receive(bob, {"pong"})
        assert pong["last_id"] == ids[-1]  # lets a client see it has not synced that far
        rooms = await sync_to_async(services.user_rooms)(people["bob"])
        assert rooms[0].unread == 0
        await alice.disconnect()
        await bob.disconnect()

    run(scenario)


async def until_presence(communicator, names):
    """Presence frames until one lists exactly `names` (the join's own frame may come twice)."""
    while True:
        frame = await receive(communicator, {"presence"})
        if sorted(u["name"] for u in frame["online"]) == sorted(names):
            assert frame["count"] == len(names)
            return frame


def test_presence_lists_who_is_online(people, room):
    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        await until_presence(alice, ["アリス"])
        bob, _ = await connect(room.pk, people["bob"])
        await until_presence(alice, ["アリス", "ボブ"])
        await until_presence(bob, ["アリス", "ボブ"])
        await bob.disconnect()
        await until_presence(alice, ["アリス"])
        await send(alice, type="ping")
        pong = await receive(alice, {"pong"})
        assert [u["name"] for u in pong["online"]] == ["アリス"] and pong["count"] == 1
        await alice.disconnect()

    run(scenario)
