"""From proposal to conversation in real browsers (Playwright + Debian's chromium).

Two partners, each in a browser context of their own, log in. Alice (a children's
cafeteria that needs food) sees the farm proposed with its reasons in plain Japanese and
asks for an introduction; Bob (the farm) sees the request and accepts; both land in the
same chat room, and a message Alice types there appears for Bob live.

The chat needs WebSockets, which Django's live_server (WSGI) does not speak, so the site
runs in one uvicorn process (tests/chat/servers.py) on the test database: PostgreSQL
itself, or a file copy of the in-memory SQLite one taken once the data exists.
"""

import re

import pytest

from openlab.matching import services
from openlab.matching.models import MatchProposal
from tests.browser.conftest import axe_source, browser, run_axe  # noqa: F401 - fixtures
from tests.chat.servers import Server, ServerDatabase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-12345678"  # tests/matching/conftest.py make_partner


@pytest.fixture
def partners(make_stakeholder, make_partner):
    cafeteria = make_stakeholder(
        "くめがわ子ども食堂", "npo", offers=["volunteers"], needs=["food"], goals=[2, 11],
        targets=["2.1"], towns=["kumegawa"],
    )  # fmt: skip
    farm = make_stakeholder(
        "森田農園", "company", offers=["food"], needs=["volunteers"], goals=[2, 12],
        targets=["2.1"], towns=["kumegawa"],
    )  # fmt: skip
    alice = make_partner(cafeteria, "alice")
    bob = make_partner(farm, "bob")
    services.recompute_all()  # (publishing may already have computed it, through the task)
    assert (
        MatchProposal.objects.filter(
            side_a__in=[cafeteria, farm], side_b__in=[cafeteria, farm]
        ).count()
        == 1
    )
    return {"alice": alice, "bob": bob, "cafeteria": cafeteria, "farm": farm}


@pytest.fixture
def site(partners, tmp_path):
    """The whole site (pages and WebSockets) in one uvicorn process."""
    database = ServerDatabase(tmp_path)
    database.snapshot()
    server = Server(database.url, log_path=tmp_path / "uvicorn.log")
    server.start()
    try:
        yield server, database
    finally:
        server.stop()


def log_in(browser, server, username):  # noqa: F811
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{server.origin}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.locator("form.logout-form").wait_for()
    return context, page


def proposal_card(page, other_title):
    return page.locator(".match-card", has_text=other_title)


def test_a_proposal_becomes_a_conversation(browser, partners, site, axe_source):  # noqa: F811
    server, database = site
    alice_context, alice = log_in(browser, server, "alice")
    bob_context, bob = log_in(browser, server, "bob")
    try:
        # Alice finds her proposals from the header and reads why the farm fits.
        alice.get_by_role("link", name="マッチング").click()
        alice.wait_for_url("**/matches/")
        card = proposal_card(alice, "森田農園")
        reasons = card.locator(".match-reasons li").all_inner_texts()
        assert "先方の『食材』が、あなたの求める『食材』に合います" in reasons
        assert "あなたの『ボランティア』が、先方の求める『ボランティア』に合います" in reasons
        assert "同じ町（久米川町）で活動しています" in reasons
        assert run_axe(alice, axe_source) == []

        card.get_by_role("button", name="紹介を希望する").click()
        alice.wait_for_url("**/matches/**")
        assert "紹介を希望しました。" in alice.locator(".match-messages").inner_text()
        assert "先方の返事を待っています" in proposal_card(alice, "森田農園").inner_text()

        # Bob sees the request (from his side: the cafeteria asked) and accepts it.
        bob.goto(f"{server.origin}/matches/")
        card = proposal_card(bob, "くめがわ子ども食堂")
        assert "先方があなたとの紹介を希望しています。" in card.inner_text()
        assert "先方の『ボランティア』が、あなたの求める『ボランティア』に合います" in (
            card.locator(".match-reasons").inner_text()
        )
        card.get_by_role("button", name="紹介を受ける").click()
        bob.wait_for_url("**/matches/**")
        assert "チャットルームを用意しました" in bob.locator(".match-messages").inner_text()

        # Both land in the same room.
        bob.get_by_role("link", name="チャットルームへ").click()
        bob.wait_for_url(re.compile(r"/chat/\d+/$"))
        alice.reload()
        assert "紹介が成立しました。" in proposal_card(alice, "森田農園").inner_text()
        alice.get_by_role("link", name="チャットルームへ").click()
        alice.wait_for_url(re.compile(r"/chat/\d+/$"))
        assert alice.url == bob.url
        room_id = int(re.search(r"/chat/(\d+)/$", bob.url).group(1))
        keys = database.scalar_list("SELECT key FROM chat_room WHERE id = %s", [room_id])
        low, high = sorted([partners["cafeteria"].pk, partners["farm"].pk])
        assert keys == [f"match:{low}:{high}"]

        # A message Alice types appears for Bob without a reload.
        for page in (alice, bob):
            page.locator("#chat-status[data-state='connected']").wait_for()
        alice.fill("#chat-input", "はじめまして。食材のご相談をさせてください。")
        alice.click("#chat-form button[type='submit']")
        bob.locator(
            "#chat-log .chat-message:not(.is-pending) .chat-body",
            has_text="はじめまして。食材のご相談をさせてください。",
        ).wait_for()
    finally:
        alice_context.close()
        bob_context.close()
