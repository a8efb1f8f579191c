"""Children (kids' SDGs ambassadors) get their own menu and landing page, and the header
offers them their own log-in; stakeholders' contact e-mails are not shown to them."""

import re

import pytest

from openlab.accounts.models import Role
from openlab.accounts.services import create_user, ensure_role_groups
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-openlab-1"
KIDS_MENU = ["/reports/mine/", "/reports/new/", "/reports/"]
ADULT_ONLY = {"/dashboard/", "/opendata/", "/stakeholders/", "/feed/", "/accounts/interests/"}


@pytest.fixture
def child(site_tree):
    ensure_role_groups()
    return create_user("kodomo1", "", PASSWORD, Role.AMBASSADOR, nickname="さくら")


@pytest.fixture
def citizen(site_tree):
    ensure_role_groups()
    return create_user("citizen1", "citizen1@example.jp", PASSWORD, Role.CITIZEN)


def header_of(html):
    return re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)


def menu_of(header):
    nav = re.search(
        r'<nav class="site-nav[^"]*" aria-label="メインメニュー">(.*?)</nav>', header, re.S
    )
    return re.findall(r'href="([^"]+)"', nav.group(1))


def test_a_child_sees_the_kids_menu_and_no_adult_links(client, child):
    client.force_login(child)
    header = header_of(client.get("/sdgs/").content.decode())
    assert menu_of(header) == KIDS_MENU
    assert ">自分のレポート<" in header and ">レポートを書く<" in header
    assert ">みんなのレポート<" in header
    links = set(re.findall(r'href="([^"?]+)', header))
    assert not links & ADULT_ONLY, links & ADULT_ONLY
    assert '<button type="submit" class="link-button">ログアウト</button>' in header


def test_the_kids_menu_has_furigana_when_the_page_shows_them(client, child):
    client.force_login(child)
    header = header_of(client.get("/reports/mine/?furigana=1").content.decode())
    assert "<ruby>自分<rp>(</rp><rt>じぶん</rt><rp>)</rp></ruby>のレポート" in header
    assert "<ruby>書<rp>(</rp><rt>か</rt><rp>)</rp></ruby>く" in header
    assert 'href="/reports/mine/" aria-current="page"' in header


def test_adults_keep_the_full_menu(client, citizen):
    client.force_login(citizen)
    header = header_of(client.get("/sdgs/").content.decode())
    assert {"/stakeholders/", "/dashboard/", "/opendata/"} <= set(menu_of(header))
    assert "/reports/new/" not in header


def test_the_header_offers_the_kids_login_beside_the_adult_one(client, site_tree):
    header = header_of(client.get("/sdgs/").content.decode())
    account = re.search(r'<nav class="account-nav".*?</nav>', header, re.S).group(0)
    assert '<a class="account-link" href="/accounts/login/">ログイン</a>' in account
    assert '<a class="account-link" href="/reports/login/">こども大使のログイン</a>' in account


@pytest.mark.parametrize("email", ["", "kodomo1@example.jp"])
def test_a_child_logging_in_with_the_adult_form_lands_on_their_reports(client, site_tree, email):
    # A facilitator's form makes children without an address; the demo's child has one.
    ensure_role_groups()
    create_user("kodomo1", email, PASSWORD, Role.AMBASSADOR, nickname="さくら")
    response = client.post("/accounts/login/", {"login": "kodomo1", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/reports/mine/"
    html = client.get(response["Location"]).content.decode()
    assert "さくら" in html


def test_an_adult_still_lands_on_the_home_page(client, citizen):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=citizen, email=citizen.email, defaults={"verified": True, "primary": True}
    )
    response = client.post("/accounts/login/", {"login": "citizen1", "password": PASSWORD})
    assert response["Location"] == "/"


def test_contact_emails_are_not_shown_to_children(client, child, citizen):
    page = StakeholderFactory(
        title="久米川こども食堂", email="kodomo@example.jp", email_public=True
    )
    client.force_login(citizen)
    assert "kodomo@example.jp" in client.get(page.url).content.decode()
    client.force_login(child)
    html = client.get(page.url).content.decode()
    assert "久米川こども食堂" in html
    assert "kodomo@example.jp" not in html
    assert "連絡先" not in html
