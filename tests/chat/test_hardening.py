"""Issue 14, items 10-13: a frame touches only its own room, edits and deletes are rate-limited
with messages, the Origin is compared by scheme, host and port, odd paths close cleanly, and
the length rule counts characters of the message, not bytes of the frame."""

import json

import pytest
from channels.testing import WebsocketCommunicator

from openlab.chat import services
from openlab.chat.models import Message
from tests.chat.wsutil import connect, receive, run_async, send, session_key_for

pytestmark = pytest.mark.django_db(transaction=True)


def run(coroutine_function):
    run_async(coroutine_function)


async def nothing_of(communicator, kinds, wait=0.5):
    """No frame of `kinds` arrives within `wait` seconds (presence frames may)."""
    while not await communicator.receive_nothing(timeout=wait):
        frame = json.loads(await communicator.receive_from())
        assert frame["type"] not in kinds, frame


# --- 10: a frame only touches messages of its own socket's room ------------------------------


def test_edit_delete_and_report_of_another_rooms_message_are_refused(people, room):
    direct = services.open_direct(people["alice"], people["bob"])
    secret, _ = services.send_message(people["alice"], direct.pk, "二人だけの話", "k-direct-001")

    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        watcher, _ = await connect(room.pk, people["facilitator"])
        await send(alice, type="edit", id=secret.pk, body="書き換え")
        assert (await receive(alice, {"error", "update"}))["code"] == "not_found"
        await send(alice, type="delete", id=secret.pk)
        assert (await receive(alice, {"error", "update"}))["code"] == "not_found"
        await send(alice, type="report", id=secret.pk, reason="別ルーム")
        assert (await receive(alice, {"error", "reported"}))["code"] == "not_found"
        # Nothing of the direct room reached the project room's members.
        await nothing_of(watcher, {"update"})
        await alice.disconnect()
        await watcher.disconnect()

    run(scenario)
    stored = Message.objects.get(pk=secret.pk)
    assert stored.body == "二人だけの話"
    assert stored.edited_at is None and stored.deleted_at is None
    assert not stored.reports.exists()


def test_services_refuse_a_message_of_another_room(people, room):
    direct = services.open_direct(people["alice"], people["bob"])
    message, _ = services.send_message(people["alice"], direct.pk, "こんにちは", "k-direct-002")
    with pytest.raises(services.ChatError) as refused:
        services.edit_message(people["alice"], room.pk, message.pk, "書き換え")
    assert refused.value.code == "not_found"
    with pytest.raises(services.ChatError):
        services.delete_message(people["alice"], room.pk, message.pk)
    edited = services.edit_message(people["alice"], direct.pk, message.pk, "こんばんは")
    assert edited.body == "こんばんは"


def test_page_script_ignores_frames_of_other_rooms():
    from pathlib import Path

    script = (Path(__file__).parents[2] / "openlab/static/js/chat.js").read_text()
    # Every message-carrying frame is checked against the page's room before it is shown.
    assert "function ofThisRoom(" in script
    assert "ofThisRoom(data.message)" in script


# --- 11: edits and deletes count against the same limit as messages --------------------------


def test_edits_and_deletes_share_the_message_rate_limit(people, room):
    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        bob, _ = await connect(room.pk, people["bob"])
        await send(alice, type="message", body="元の文", key="k-rate-0000")
        message_id = (await receive(alice, {"ack"}))["id"]
        for i in range(services.RATE_LIMIT_COUNT - 1):
            await send(alice, type="edit", id=message_id, body=f"編集{i}")
            update = await receive(bob, {"update"})
            assert update["message"]["body"] == f"編集{i}"
        await send(alice, type="edit", id=message_id, body="やりすぎ")
        frame = await receive(alice, {"error"})
        assert frame["code"] == "slow_down" and "速すぎ" in frame["reason"]
        await send(alice, type="delete", id=message_id)
        assert (await receive(alice, {"error"}))["code"] == "slow_down"
        await send(alice, type="message", body="もう一通", key="k-rate-0011")
        assert (await receive(alice, {"error", "ack"}))["code"] == "slow_down"
        await nothing_of(bob, {"update", "message"})
        await alice.disconnect()
        await bob.disconnect()

    run(scenario)
    stored = Message.objects.get(sender=people["alice"])
    assert stored.body == f"編集{services.RATE_LIMIT_COUNT - 2}" and stored.deleted_at is None


# --- 12: the Origin check and odd paths ------------------------------------------------------


async def open_socket(path, origin, host=b"testserver", session_key=None):
    from openlab.asgi import application

    headers = [(b"host", host)]
    if origin is not None:
        headers.append((b"origin", origin))
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=15)
    return communicator, connected, code


@pytest.mark.parametrize(
    ("host", "origin", "accepted"),
    [
        (b"127.0.0.1:8000", b"http://127.0.0.1:8000", True),
        (b"127.0.0.1:8000", b"http://127.0.0.1:9999", False),
        (b"127.0.0.1:8000", b"https://127.0.0.1", False),
        (b"127.0.0.1:8000", b"https://127.0.0.1:8000", False),
        (b"127.0.0.1:8000", b"http://127.0.0.1", False),
        (b"127.0.0.1:8000", b"http://localhost:8000", True),  # also in ALLOWED_HOSTS
        (b"127.0.0.1:8000", b"null", False),
        (b"127.0.0.1:8000", b"http://127.0.0.1:8000:1", False),
        (b"testserver", b"http://testserver", True),
        (b"testserver", b"http://testserver:80", True),
        (b"testserver", b"http://testserver:8080", False),
        (b"evil.example", b"http://evil.example", False),
        (b"127.0.0.1:8000", b"https://trusted.example", True),  # CSRF_TRUSTED_ORIGINS
        (b"127.0.0.1:8000", b"http://trusted.example", False),
    ],
)
def test_origin_must_match_scheme_host_and_port(people, room, settings, host, origin, accepted):
    settings.CSRF_TRUSTED_ORIGINS = ["https://trusted.example"]
    key = session_key_for(people["alice"])

    async def scenario():
        communicator, connected, _ = await open_socket(
            f"/ws/chat/{room.pk}/", origin, host=host, session_key=key
        )
        assert connected is accepted, (host, origin)
        if connected:
            await communicator.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "path",
    [
        "/ws/chat/abc/",
        "/ws/chat/1e20/",
        "/ws/chat/1",
        "/ws/chat/-1/",
        "/ws/chat/99999999999999999999999/",
        "/ws/chat/1/extra/",
        "/ws/other/",
        "/",
    ],
)
def test_unrouted_or_malformed_paths_close_cleanly(people, room, path, caplog):
    key = session_key_for(people["alice"])

    async def scenario():
        communicator, connected, code = await open_socket(
            path, b"http://testserver", session_key=key
        )
        assert not connected and code == 4404, (path, code)
        await communicator.disconnect()  # the application ends without raising

    run(scenario)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


# --- 13: the length rule counts characters, not the bytes of the frame -----------------------


def test_long_japanese_message_sent_with_json_escapes_is_accepted(people, room):
    async def scenario():
        alice, _ = await connect(room.pk, people["alice"])
        body = "子" * services.MAX_MESSAGE_LENGTH
        # Python's json.dumps default: every non-ASCII character as \\uXXXX (6 bytes).
        await alice.send_to(
            text_data=json.dumps({"type": "message", "body": body, "key": "k-escaped-01"})
        )
        ack = await receive(alice, {"ack", "error"})
        assert ack["type"] == "ack", ack
        assert ack["message"]["body"] == body
        # Emoji outside the BMP are 12 bytes each when escaped; still 4,000 characters.
        emoji = "🌱" * services.MAX_MESSAGE_LENGTH
        await alice.send_to(text_data=json.dumps({"type": "edit", "id": ack["id"], "body": emoji}))
        update = await receive(alice, {"update", "error"})
        assert update["type"] == "update" and update["message"]["body"] == emoji
        # One character more is refused by the rule, with the count.
        await alice.send_to(
            text_data=json.dumps(
                {"type": "edit", "id": ack["id"], "body": "子" * (services.MAX_MESSAGE_LENGTH + 1)}
            )
        )
        refused = await receive(alice, {"error", "update"})
        assert refused["code"] == "too_long" and "4001" in refused["reason"]
        await alice.disconnect()

    run(scenario)


def test_hard_frame_cap_still_holds():
    from openlab.chat.consumers import MAX_FRAME_CHARS, parse_frame

    padded = json.dumps({"type": "ping"}) + " " * MAX_FRAME_CHARS
    with pytest.raises(services.ChatError) as refused:
        parse_frame(padded)
    assert refused.value.code == "too_long"
    # The cap leaves room for the longest message in its most escaped form.
    longest = json.dumps(
        {"type": "message", "body": "🌱" * services.MAX_MESSAGE_LENGTH, "key": "k" * 64}
    )
    assert parse_frame(longest)[0] == "message"
