"""The pages people fill in or come back to, on a 375-px-wide phone: no sideways
scrolling, no serious accessibility problem, and a header usable by keyboard."""

import pytest
from django.test import Client

from openlab.accounts.models import Role
from openlab.accounts.services import approve_membership, create_user, ensure_role_groups
from openlab.matching import services as matching
from tests.browser.conftest import run_axe
from tests.factories import StakeholderFactory

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: the flush between tests would take the migrations' rows with it
    # (the root collection that partner permissions hang on).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 375, "height": 800}
PAGES = {
    None: [
        "/stakeholders/?sdg=11&kind=npo&q=食堂",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ],
    "citizen": ["/accounts/partner/apply/", "/accounts/password/change/", "/accounts/email/"],
    "partner": ["/matches/"],
    "facilitator": ["/dashboard/", "/dashboard/gaps/"],
}


@pytest.fixture
def people(site_tree):
    from openlab.models import Goal, Town
    from stakeholders.models import OfferNeedTerm

    ensure_role_groups()
    venue = OfferNeedTerm.objects.get_or_create(slug="venue", defaults={"name": "会場提供"})[0]
    helpers = OfferNeedTerm.objects.get_or_create(slug="volunteers", defaults={"name": "人手"})[0]
    pair = []
    for title, kind, offer, need in [
        ("くめがわ子ども食堂（毎週水曜日の夕方に開いている地域の食堂）", "npo", helpers, venue),
        ("久米川駅前商店会", "company", venue, helpers),
    ]:
        page = StakeholderFactory(title=title, kind=kind)
        page.offers.set([offer])
        page.needs.set([need])
        page.goals.set(Goal.objects.filter(number__in=[2, 11, 12]))
        page.towns.set(Town.objects.all()[:1])
        page.save_revision().publish()
        pair.append(page)
    matching.recompute_all()
    users = {
        role: create_user(role, f"{role}@example.jp", "pw-openlab-1", getattr(Role, role.upper()))
        for role in ["citizen", "facilitator"]
    }
    users["partner"] = create_user("partner", "partner@example.jp", "pw-openlab-1", Role.CITIZEN)
    approve_membership(users["partner"], pair[0])
    return users


def signed_in(page, live_server, user):
    if user is None:
        return
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.session.session_key, "url": live_server.url}]
    )


@pytest.mark.parametrize("role", list(PAGES))
def test_pages_fit_a_375px_phone_without_serious_violations(
    page, live_server, people, axe_source, role
):
    signed_in(page, live_server, people.get(role))
    page.set_viewport_size(PHONE)
    problems = []
    for path in PAGES[role]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, (path, response.status)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            wide = page.evaluate(
                """w => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > w)
                    .slice(0, 5).map(e => e.tagName + '.' + e.className)""",
                PHONE["width"],
            )
            problems.append((path, f"scrolls sideways: {width}px", wide))
        violations = run_axe(page, axe_source)
        if violations:
            problems.append((path, violations))
    assert problems == []


def test_header_is_usable_by_keyboard_alone(page, live_server, people):
    """Tab reaches every header link and the log-out button, in order, on a phone."""
    signed_in(page, live_server, people["facilitator"])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/sdgs/")
    expected = page.eval_on_selector_all(
        ".site-header a, .site-header button, .site-header input:not([type=hidden])",
        "els => els.map(e => e.getAttribute('href') || e.textContent.trim() || e.name)",
    )
    assert "/admin/" in expected and "/dashboard/gaps/" in expected and "ログアウト" in expected
    focused = """() => { const e = document.activeElement;
        return e.getAttribute('href') || e.textContent.trim() || e.name; }"""
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "#main"  # the skip link comes first
    reached = []
    for _ in expected:
        page.keyboard.press("Tab")
        reached.append(page.evaluate(focused))
        if reached[-1] == "メニュー":  # the folded phone menu opens from its button
            page.keyboard.press("Enter")
    assert reached == expected
    assert reached[-1] == "ログアウト"
    assert page.locator(".logout-form button").is_visible()
    page.keyboard.press("Enter")  # the POST form logs out
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".account-nav a[href='/accounts/login/']").count() == 1
