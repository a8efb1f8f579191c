"""A child's journey in a real browser: the header's こども大使のログイン, their own menu,
and their reports as the landing page, whichever log-in form they use."""

import re

import pytest

from openlab.accounts.models import Role
from openlab.accounts.services import create_user, ensure_role_groups

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "pw-openlab-1"


@pytest.fixture
def child(site_tree):
    ensure_role_groups()
    return create_user("kodomo1", "", PASSWORD, Role.AMBASSADOR, nickname="さくら")


def menu(page):
    return page.eval_on_selector_all(
        ".site-nav a", "els => els.map(e => [e.getAttribute('href'), e.textContent.trim()])"
    )


def test_a_child_logs_in_from_the_header_and_lands_on_their_reports(page, live_server, child):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/sdgs/")
    page.locator(".account-nav").get_by_role("link", name="こども大使のログイン").click()
    page.wait_for_url(re.compile(r".*/reports/login/$"))
    page.fill("#id_username", "kodomo1")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("ログインする")).click()
    page.wait_for_url(live_server.url + "/reports/mine/")
    assert menu(page) == [
        ["/reports/mine/", "自分のレポート"],
        ["/reports/new/", "レポートを書く"],
        ["/reports/", "みんなのレポート"],
    ]
    header = page.locator(".site-header")
    for adult in ["/dashboard/", "/opendata/", "/stakeholders/", "/feed/"]:
        assert header.locator(f"a[href='{adult}']").count() == 0, adult
    page.locator(".site-nav").get_by_role("link", name="レポートを書く").click()
    page.wait_for_url(live_server.url + "/reports/new/")


def test_a_child_using_the_adult_form_also_lands_on_their_reports(page, live_server, child):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/sdgs/")
    page.locator(".account-nav").get_by_role("link", name="ログイン", exact=True).click()
    page.wait_for_url(re.compile(r".*/accounts/login/$"))
    page.fill("input[name=login]", "kodomo1")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(live_server.url + "/reports/mine/")
    assert [href for href, _label in menu(page)] == ["/reports/mine/", "/reports/new/", "/reports/"]
