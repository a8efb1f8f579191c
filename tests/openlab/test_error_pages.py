"""403, 404 and 500 answers: the site's page (header, stylesheet), in the visitor's language,
with a way back (home, search), whatever raised them."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from openlab import views
from openlab.accounts.models import Role
from openlab.accounts.services import create_user, ensure_role_groups

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def assert_site_page(response, status, lang, *texts):
    assert response.status_code == status
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert 'class="site-header"' in html and "/static/css/site" in html
    assert '<a href="/">' in html  # the way home
    assert 'action="/search/"' in html and 'name="q"' in html  # and a search
    for text in texts:
        assert text in html, text
    assert "Forbidden" not in html


@pytest.fixture
def citizen(site_tree):
    ensure_role_groups()
    return create_user("citizen", "citizen@example.jp", "pw-openlab-1", Role.CITIZEN)


def test_a_view_that_refuses_answers_with_the_sites_403(client, citizen):
    client.force_login(citizen)
    response = client.get("/dashboard/gaps/")  # PermissionDenied from the view
    assert_site_page(
        response, 403, "ja", "このページは表示できません", "このページを見る権限がありません。"
    )
    assert "ログアウト" in response.content.decode()  # the usual header: still signed in
    assert "ファシリテーターだけが見られるページです。" in response.content.decode()  # the reason


def test_a_wagtail_page_route_that_refuses_answers_with_the_sites_403(client, site_tree):
    """The organisers' list of an event's registrations (a route of the event page)."""
    from tests.factories import EventFactory

    event = EventFactory(title="申込のあるイベント", slug="open-event", registration="open")
    event.save_revision().publish()
    response = client.get("/events/open-event/registrations/")
    assert_site_page(response, 403, "ja", "このページは表示できません")
    # An anonymous visitor is offered to sign in and come back.
    assert "/accounts/login/?next=/events/open-event/registrations/" in response.content.decode()


def test_a_refused_form_csrf_answers_with_the_sites_403(site_tree):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "x", "password": "y"})
    assert_site_page(response, 403, "ja", "送信できませんでした", "もう一度送信してください")
    response = english(Client(enforce_csrf_checks=True)).post("/accounts/login/", {"login": "x"})
    assert_site_page(response, 403, "en")


def test_a_missing_page_answers_with_the_sites_404_in_the_visitors_language(client, site_tree):
    for path in ("/no-such-page/", "/sdgs/99/"):  # Wagtail's serve, and a view's Http404
        assert_site_page(client.get(path), 404, "ja", "ページが見つかりません")
    assert_site_page(english(client).get("/no-such-page/"), 404, "en", "Page not found")


@pytest.mark.urls("tests.openlab.error_urls")
def test_a_failing_view_answers_with_the_sites_500(site_tree):
    client = Client(raise_request_exception=False)
    assert_site_page(client.get("/broken/"), 500, "ja", "ただいま表示できません")
    assert_site_page(english(client).get("/broken/"), 500, "en", "Go to the home page")


def test_the_500_page_needs_neither_the_database_nor_the_request(django_assert_num_queries):
    request = RequestFactory().get("/broken/")  # no session, no user, no middleware ran
    request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_num_queries(0):
        response = views.server_error(request)
    assert_site_page(response, 500, "en", "Go to the home page")
