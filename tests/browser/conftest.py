"""Real-browser tests: Playwright drives Debian's chromium against a live server.

`make test` runs them when chromium is installed (bash deploy/browser.sh);
with REQUIRE_SERVICES=1 (CI) a missing chromium fails them instead.
"""

import os
from pathlib import Path

import pytest

AXE_PATH = Path(__file__).parents[2] / ".cache/axe-core/node_modules/axe-core/axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Module scope, not session: while Playwright's sync API is started, its event loop
# counts as running in this thread, so the async tests of other modules (chat
# consumers, async_to_sync) would fail after the first browser test.
@pytest.fixture(scope="module")
def browser(request):
    from tests.conftest import require_service

    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        require_service("chromium", "Debian's chromium is not installed (bash deploy/browser.sh)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and Django would
    # refuse the test's own (synchronous) database calls; allowed here only,
    # and taken back afterwards so no subprocess inherits it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", bypass_csp=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def axe_source():
    from tests.conftest import require_service

    if not AXE_PATH.exists():
        require_service("axe-core", f"{AXE_PATH} is missing (bash deploy/browser.sh)")
    return AXE_PATH.read_text()


def run_axe(page, axe_source):
    """Serious and critical axe-core violations on the current page."""
    # Evaluated through the DevTools protocol, so the page's CSP (no inline
    # script) does not stop it.
    page.evaluate(axe_source)
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"][:3]],
        }
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
