"""Two people in two real browsers (Playwright + Debian's chromium) chat in real time; one
drops and reconnects without losing or duplicating a message.

WebSockets need an ASGI server: the test starts two uvicorn processes on ports of their own,
sharing Redis (the channel layer) and the test database (PostgreSQL, or a file copy of the
SQLite one). Alice uses the first, Bob the second; Bob's drop is real: his server process is
killed, and started again on the same port."""

import pytest

from tests.browser.conftest import browser  # noqa: F401 - the session's chromium
from tests.chat.servers import Server, ServerDatabase
from tests.chat.wsutil import session_key_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chat_servers(room, people, tmp_path, redis_url):
    database = ServerDatabase(tmp_path)
    sessions = {name: session_key_for(people[name]) for name in ("alice", "bob")}
    database.snapshot()
    servers = []
    try:
        for name in ("alice", "bob"):
            server = Server(
                database.url,
                redis_url,
                extra_env={"CHAT_HEARTBEAT_SECONDS": "2"},
                log_path=tmp_path / f"uvicorn-{name}.log",
            )
            servers.append(server.start())
        yield servers, database, sessions
    finally:
        for server in servers:
            server.stop()


def open_room(browser, server, session_key, room):  # noqa: F811
    context = browser.new_context(locale="ja-JP")
    context.add_cookies([{"name": "sessionid", "value": session_key, "url": server.origin}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server.origin}/chat/{room.pk}/")
    page.locator("#chat-status[data-state='connected']").wait_for()
    return context, page


def say(page, text):
    page.fill("#chat-input", text)
    page.click("#chat-form button[type='submit']")


def shown_ids(page):
    return [int(i) for i in page.eval_on_selector_all(
        "#chat-log .chat-message[data-id]", "els => els.map(e => e.dataset.id)"
    )]  # fmt: skip


def wait_for_text(page, text):
    page.locator("#chat-log .chat-message:not(.is-pending) .chat-body", has_text=text).wait_for()


def test_two_people_chat_live_and_a_drop_loses_nothing(browser, chat_servers, room):  # noqa: F811
    (alice_server, bob_server), database, sessions = chat_servers
    alice_context, alice = open_room(browser, alice_server, sessions["alice"], room)
    bob_context, bob = open_room(browser, bob_server, sessions["bob"], room)
    try:
        # Real time, both ways; markup is shown as text and only http(s) links are links.
        say(
            alice,
            "<b>こんにちは</b> 資料は https://example.jp/plan?a=1&b=2 です javascript:alert(1)",
        )
        wait_for_text(bob, "<b>こんにちは</b>")
        assert bob.locator("#chat-log b").count() == 0
        link = bob.locator("#chat-log a[href^='https://example.jp/plan']")
        assert link.get_attribute("href") == "https://example.jp/plan?a=1&b=2"
        assert bob.locator("#chat-log a[href^='javascript']").count() == 0
        say(bob, "了解です！")
        wait_for_text(alice, "了解です！")
        bob.locator("#chat-online", has_text="アリス").wait_for()

        # Bob's connection drops: his server goes away.
        bob_server.stop()
        bob.locator("#chat-status[data-state='offline']").wait_for()
        for i in range(3):
            say(alice, f"留守中のメッセージ{i}")
            wait_for_text(alice, f"留守中のメッセージ{i}")
        say(bob, "オフラインで書いた返事")  # kept as pending, sent again after reconnecting
        assert bob.locator(".chat-message.is-pending").count() == 1

        bob_server.start()
        bob.locator("#chat-status[data-state='connected']").wait_for()
        wait_for_text(bob, "留守中のメッセージ2")
        wait_for_text(bob, "オフラインで書いた返事")
        wait_for_text(alice, "オフラインで書いた返事")
        assert bob.locator(".chat-message.is-pending").count() == 0

        stored = database.message_ids(room.pk)
        assert len(stored) == 6
        for page in (alice, bob):
            page.wait_for_function(
                "n => document.querySelectorAll('#chat-log .chat-message[data-id]').length >= n",
                arg=len(stored),
            )
            assert shown_ids(page) == stored  # every message, once, in order
        texts = bob.locator("#chat-log .chat-body").all_inner_texts()
        assert texts[2:5] == [f"留守中のメッセージ{i}" for i in range(3)]

        # After a reload the history (rendered by the server) is the same.
        bob.reload()
        bob.locator("#chat-status[data-state='connected']").wait_for()
        assert shown_ids(bob) == stored
        assert bob.locator("#chat-log b").count() == 0
    finally:
        alice_context.close()
        bob_context.close()


def test_scrolling_up_loads_older_messages_in_order(browser, people, room, tmp_path, redis_url):  # noqa: F811
    from openlab.chat import services
    from openlab.chat.models import Message

    Message.objects.bulk_create(
        Message(room=room, sender=people["alice"], body=f"過去{i:02d}", client_key=f"old-{i:04d}")
        for i in range(70)
    )
    database = ServerDatabase(tmp_path)
    database.snapshot()
    server = Server(database.url, redis_url, log_path=tmp_path / "uvicorn.log").start()
    context, page = None, None
    try:
        context, page = open_room(browser, server, session_key_for(people["bob"]), room)
        assert len(shown_ids(page)) == services.PAGE_SIZE  # the newest page
        page.eval_on_selector("#chat-log", "log => { log.scrollTop = 0; }")
        page.wait_for_function(
            "() => document.querySelectorAll('#chat-log .chat-message[data-id]').length === 70"
        )
        ids = shown_ids(page)
        assert ids == sorted(ids) and len(set(ids)) == 70
        assert page.locator("#chat-older").is_hidden()  # nothing older left
    finally:
        if context is not None:
            context.close()
        server.stop()
