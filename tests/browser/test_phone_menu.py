"""The header on a 375×812 phone: folded behind one menu button so the page itself is in
view, still usable by keyboard and without JavaScript; and the directory's filters land on
their results."""

import pytest

from tests.browser.test_phone_layout import people, signed_in  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 375, "height": 812}
HEADER_LINKS = ".site-menu a, .site-menu button, .site-menu input:not([type=hidden])"


def header_height(page):
    return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")


@pytest.mark.parametrize("role", ["citizen", "facilitator"])
def test_the_folded_header_leaves_the_page_in_view_and_opens(page, live_server, people, role):  # noqa: F811
    signed_in(page, live_server, people[role])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/stakeholders/")
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert header_height(page) <= 120, f"the header takes {header_height(page)}px of 812"
    assert not page.locator(".site-nav a[href='/events/']").is_visible()
    assert page.locator("main h1").is_visible()

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    links = page.locator(HEADER_LINKS)
    assert links.count() > 10
    hidden = [
        links.nth(i).inner_text() for i in range(links.count()) if not links.nth(i).is_visible()
    ]
    assert hidden == []
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".site-nav a[href='/events/']").is_visible()


def test_the_menu_opens_and_is_walked_by_keyboard(page, live_server, people):  # noqa: F811
    signed_in(page, live_server, people["facilitator"])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/sdgs/")
    focused = (
        "() => document.activeElement.getAttribute('href') || document.activeElement.className"
    )
    for _ in range(3):  # the skip link, the logo, the menu button
        page.keyboard.press("Tab")
    assert page.evaluate(focused) == "menu-toggle"
    page.keyboard.press("Enter")
    assert page.locator(".menu-toggle").get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "/stakeholders/"
    page.keyboard.press("Escape")  # folds it again, back on the button
    assert page.locator(".menu-toggle").get_attribute("aria-expanded") == "false"
    assert page.evaluate(focused) == "menu-toggle"


def test_without_javascript_the_menu_is_simply_open(browser, live_server, people):  # noqa: F811
    context = browser.new_context(locale="ja-JP", java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/sdgs/")
        assert not page.locator(".menu-toggle").is_visible()
        assert page.locator(".site-nav a[href='/events/']").is_visible()
        assert page.locator(".account-nav a[href='/accounts/login/']").is_visible()
    finally:
        context.close()


def test_filtering_the_directory_lands_on_the_results(page, live_server, people):  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/stakeholders/")
    page.select_option("#id_kind", "npo")
    page.locator(".directory-filters button[type=submit]").click()
    page.wait_for_url("**/stakeholders/?*kind=npo*#results")
    top = page.evaluate("document.getElementById('results').getBoundingClientRect().top")
    assert 0 <= top < PHONE["height"] / 2, f"the results start {top}px down the screen"
    assert page.locator(".result-count").is_visible()
    assert "くめがわ子ども食堂" in page.locator("#results").inner_text()


def test_facet_counts_do_not_wrap_mid_number(page, live_server, people):  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/stakeholders/")
    lines = page.eval_on_selector_all(
        ".facet-count",
        """els => els.map(e =>
            [e.textContent, e.getClientRects().length, getComputedStyle(e).whiteSpace])""",
    )
    assert lines and all(rects == 1 and wrap == "nowrap" for _text, rects, wrap in lines), lines
