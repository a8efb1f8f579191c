import pytest

from tests.browser.conftest import run_axe
from tests.factories import EventFactory, ProjectFactory, StakeholderFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def demo_site(site_tree):
    StakeholderFactory(title="久米川町の子ども食堂", summary="毎週の食事会", goals=[1, 2, 11])
    ProjectFactory(title="デマンド交通の実証実験", goals=[11])
    EventFactory(title="そらいち東村山", goals=[2, 11, 12])
    return site_tree


def test_home_page_renders_the_17_goals(page, live_server, demo_site):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "ja"
    tiles = page.locator(".goal-tile")
    assert tiles.count() == 17
    assert "住み続けられるまちづくりを" in tiles.nth(10).inner_text()
    tiles.nth(10).click()
    page.wait_for_url("**/sdgs/11/")
    assert "久米川町の子ども食堂" in page.content()


def test_skip_link_and_keyboard_navigation(page, live_server, demo_site):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "本文へ移動"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("path", ["/", "/sdgs/11/", "/stakeholders/"])
def test_no_serious_accessibility_violations(page, live_server, demo_site, axe_source, path):
    page.goto(live_server.url + path)
    violations = run_axe(page, axe_source)
    assert violations == [], violations


@pytest.mark.parametrize("path", ["/", "/sdgs/11/", "/stakeholders/"])
def test_pages_fit_a_375px_phone(page, live_server, demo_site, path):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + path)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"{path} scrolls sideways ({scroll_width}px)"
    assert page.locator("h1").first.is_visible()
