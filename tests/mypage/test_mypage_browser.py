"""A citizen signs in, opens マイページ from the header, cancels a registration, downloads
their data and deletes their account."""

import json
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from events.models import Registration, RegistrationStatus
from tests.mypage.conftest import EMAIL, PASSWORD, USERNAME

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_citizen_manages_and_closes_their_account(page, live_server, world, axe_source):
    from tests.browser.conftest import run_axe

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("link", name="マイページ").click()
    page.wait_for_url("**/mypage/")
    assert page.get_by_role("heading", name="マイページ").is_visible()
    assert run_axe(page, axe_source) == []
    if shots := os.environ.get("SCREENSHOT_DIR"):  # for the before/after note
        page.screenshot(path=f"{shots}/mypage-1280.png", full_page=True)
        page.set_viewport_size({"width": 375, "height": 812})
        page.screenshot(path=f"{shots}/mypage-375.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 720})

    registrations = page.locator("#registrations")
    assert "こども食堂ワークショップ" in registrations.inner_text()
    registrations.get_by_role("link", name=re.compile("取り消す")).click()
    page.get_by_role("button", name="取り消す").click()
    page.wait_for_url("**/mypage/#registrations")
    assert "お申し込みを取り消しました" in page.locator(".messages").inner_text()
    mine = Registration.objects.get(user__username=USERNAME, occurrence=world.upcoming)
    assert mine.status == RegistrationStatus.CANCELLED

    with page.expect_download() as download:
        page.get_by_role("link", name="わたしのデータをダウンロード").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == EMAIL
    assert [row["body"] for row in data["chat_messages"]] == ["野菜の余りを集めます"]

    page.get_by_role("link", name="アカウントを削除する").click()
    page.get_by_label("現在のパスワード").fill(PASSWORD)
    page.get_by_label("元に戻せないことを理解し").check()
    page.get_by_role("button", name="アカウントを削除する").click()
    assert page.get_by_role("heading", name="アカウントを削除しました").is_visible()
    assert not get_user_model().objects.filter(username=USERNAME).exists()
    # Signed out: the header offers to sign in again, マイページ asks for it.
    page.goto(f"{live_server.url}/mypage/")
    page.wait_for_url("**/accounts/login/**")
