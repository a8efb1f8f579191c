"""The header's account links follow the visitor's role; log-out is a POST form."""

import re

import pytest
from django.conf import settings

from openlab.accounts.models import Role
from openlab.accounts.services import approve_membership, create_user, ensure_role_groups
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

ALWAYS = {"/lang/ja/", "/lang/en/"}
SIGNED_IN = {"/feed/", "/accounts/interests/"}
# What each role's header offers beyond the main menu and the language switch.
EXPECTED = {
    None: {"/accounts/signup/", "/accounts/login/", "/reports/login/"},
    "citizen": SIGNED_IN | {"/mypage/", "/chat/", "/accounts/partner/apply/"},
    "partner": SIGNED_IN | {"/mypage/", "/chat/", "/matches/", "/admin/"},
    "facilitator": SIGNED_IN | {"/mypage/", "/chat/", "/matches/", "/dashboard/gaps/", "/admin/"},
    # Children: their own menu (tests/openlab/test_kids_navigation.py), no feed or follows.
    "ambassador": {"/reports/mine/", "/reports/new/"},
}
ROLE_LINKS = set().union(*EXPECTED.values())


@pytest.fixture
def users(site_tree):
    ensure_role_groups()
    made = {
        role: create_user(role, f"{role}@example.jp", "pw-openlab-1", getattr(Role, role.upper()))
        for role in ["citizen", "facilitator", "ambassador"]
    }
    made["partner"] = create_user("partner", "partner@example.jp", "pw-openlab-1", Role.CITIZEN)
    approve_membership(made["partner"], StakeholderFactory(title="久米川町の子ども食堂"))
    return made


def header_of(html):
    return re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)


def links_in(header):
    return {re.sub(r"\?.*", "", href) for href in re.findall(r'href="([^"]+)"', header)}


@pytest.mark.parametrize("role", EXPECTED)
def test_header_links_by_role(client, users, role):
    if role:
        client.force_login(users[role])
    header = header_of(client.get("/sdgs/").content.decode())
    links = links_in(header)
    assert EXPECTED[role] | ALWAYS <= links
    assert not (ROLE_LINKS - EXPECTED[role]) & links, (ROLE_LINKS - EXPECTED[role]) & links
    # Everything in the header is a link or a button: reachable with Tab, never taken out.
    assert 'tabindex="-1"' not in header
    logout_form = re.search(r'<form class="logout-form" method="post" action="([^"]+)">', header)
    if role:
        assert logout_form and logout_form.group(1) == "/accounts/logout/"
        assert 'name="csrfmiddlewaretoken"' in header
        assert '<button type="submit" class="link-button">ログアウト</button>' in header
    else:
        assert logout_form is None
        assert "csrfmiddlewaretoken" not in header  # anonymous pages are cached whole


def test_logout_form_logs_out(client, users):
    client.force_login(users["citizen"])
    client.get("/")  # a CSRF cookie, as the browser would have from the page
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    links = links_in(header_of(client.get("/sdgs/").content.decode()))
    assert "/accounts/login/" in links
    assert "/feed/" not in links


def test_header_links_in_english(client, users):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(users["partner"])
    header = header_of(client.get("/sdgs/").content.decode())
    for label in ["Follows and interests", "Matching", "Admin", "Log out", "Feed"]:
        assert label in header
