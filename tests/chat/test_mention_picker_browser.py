"""Issue 22 item 11: the @mention picker in a real browser: typing "@" and the start of a
display name lists the matching members as a listbox the message box points at
(aria-activedescendant); up/down/Enter/Escape work from the keyboard; no serious axe
violation while it is open."""

import pytest

from openlab.accounts.models import Role
from openlab.chat import services
from tests.browser.conftest import axe_source, browser, run_axe  # noqa: F401 - fixtures
from tests.chat.conftest import make_user
from tests.chat.wsutil import session_key_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mention_picker_works_from_the_keyboard(
    browser,  # noqa: F811
    live_server,
    people,
    project,
    room,
    axe_source,  # noqa: F811
):
    make_user(Role.PARTNER, people["shokudo"], "taro", "田中 太郎")
    make_user(Role.PARTNER, people["farm"], "hanako", "田中花子")
    services.room_for_project(project)
    context = browser.new_context(locale="ja-JP")
    context.add_cookies(
        [{"name": "sessionid", "value": session_key_for(people["alice"]), "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/chat/{room.pk}/")
        box = page.locator("#chat-input")
        listbox = page.locator("#chat-mentions")
        options = page.locator("#chat-mentions [role='option']")
        box.click()
        box.press_sequentially("資料です @田")
        listbox.wait_for(state="visible")
        assert options.all_text_contents() == ["田中 太郎", "田中花子"]
        assert box.get_attribute("aria-controls") == "chat-mentions"
        assert box.get_attribute("aria-activedescendant") == options.nth(0).get_attribute("id")
        assert options.nth(0).get_attribute("aria-selected") == "true"
        assert "2件" in page.locator("#chat-mentions-status").text_content()
        assert not [v for v in run_axe(page, axe_source) if v["id"] != "color-contrast"]

        page.keyboard.press("ArrowDown")
        assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
        page.keyboard.press("ArrowDown")  # wraps round
        assert box.get_attribute("aria-activedescendant") == options.nth(0).get_attribute("id")
        page.keyboard.press("ArrowUp")
        assert options.nth(1).get_attribute("aria-selected") == "true"
        page.keyboard.press("Enter")  # chooses; does not send
        assert box.input_value() == "資料です @田中花子 "
        assert listbox.is_hidden()
        assert box.get_attribute("aria-activedescendant") is None
        assert page.locator("#chat-log .is-pending").count() == 0

        box.press_sequentially("と @ボ")
        listbox.wait_for(state="visible")
        assert options.all_text_contents() == ["ボブ"]
        page.keyboard.press("Escape")
        assert listbox.is_hidden()
        assert box.input_value() == "資料です @田中花子 と @ボ"
        # A name nobody has: no list, and the status says so.
        box.press_sequentially("ーナス")
        assert listbox.is_hidden()
        assert "該当" in page.locator("#chat-mentions-status").text_content()
    finally:
        context.close()
