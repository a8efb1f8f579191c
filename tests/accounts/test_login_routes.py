"""Every route that can sign someone in or reset a password goes through allauth, with its
limits: the failure lock-out, mandatory e-mail verification and the reset throttle.

Wagtail mounts Django's plain LoginView at /_util/login/ and its own password reset at
/admin/password_reset/; neither knew allauth's rules (a locked account and an account with
an unconfirmed address signed in there; the reset sent a mail per POST, unthrottled)."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, override_settings
from django.urls import resolve

from openlab.accounts.models import Role
from openlab.accounts.services import create_user
from openlab.settings import base
from tests.reliability import crawl_table as table
from tests.reliability.test_permission_crawl import url_patterns
from tests.reliability.test_security import log_in, real_cache

PASSWORD = "pw-Openlab-login-1"
# Every form field name a log-in form of the site or of Django/Wagtail reads.
CREDENTIALS = {"username": "{u}", "login": "{u}", "password": PASSWORD}
SIGN_IN_ROUTES = ["/_util/login/", "/admin/login/", "/django-admin/login/", "/accounts/login/"]


def post_credentials(client, path, username):
    data = {key: value.format(u=username) for key, value in CREDENTIALS.items()}
    return client.post(path, data)


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("path", SIGN_IN_ROUTES)
def test_a_locked_account_signs_in_nowhere(site_tree, path):
    """After the failures that lock an account on /accounts/login/, its right password
    opens no other door either."""
    create_user("locked", "locked@example.jp", PASSWORD, Role.CITIZEN)
    with override_settings(ACCOUNT_RATE_LIMITS=base.ACCOUNT_RATE_LIMITS, CACHES=real_cache()):
        attacker = Client(REMOTE_ADDR="192.0.2.66")  # from elsewhere: the key's lock
        for attempt in range(6):
            log_in(attacker, "locked", f"wrong-{attempt}")
        client = Client()
        response = post_credentials(client, path, "locked")
        assert not signed_in(client), f"{path} signed a locked account in"
        assert response.status_code in (200, 302, 429)
        if response.status_code == 302:  # sent to allauth's form, which keeps the lock
            assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("path", SIGN_IN_ROUTES)
def test_an_account_with_an_unconfirmed_address_signs_in_nowhere(site_tree, path):
    user = create_user("unconfirmed", "unconfirmed@example.jp", PASSWORD, Role.CITIZEN)
    EmailAddress.objects.filter(user=user).update(verified=False)
    client = Client()
    response = post_credentials(client, path, "unconfirmed")
    assert not signed_in(client), f"{path} signed in an account whose address is unconfirmed"
    assert response.status_code == 302
    # allauth's own form answers by asking for the confirmation; the others send there.
    assert response["Location"].startswith(("/accounts/login/", "/accounts/confirm-email/"))


@pytest.mark.django_db
def test_wagtails_password_reset_sends_nothing_and_points_to_allauths(site_tree):
    create_user("forgetful", "forgetful@example.jp", PASSWORD, Role.CITIZEN)
    client = Client()
    for _attempt in range(8):
        response = client.post("/admin/password_reset/", {"email": "forgetful@example.jp"})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/reset/"
    assert mail.outbox == []
    for path in ("/admin/password_reset/done/", "/admin/password_reset/complete/"):
        assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_allauths_password_reset_is_throttled(site_tree):
    create_user("forgetful", "forgetful@example.jp", PASSWORD, Role.CITIZEN)
    client = Client()
    with override_settings(ACCOUNT_RATE_LIMITS=base.ACCOUNT_RATE_LIMITS, CACHES=real_cache()):
        for _attempt in range(8):
            client.post("/accounts/password/reset/", {"email": "forgetful@example.jp"})
    assert 1 <= len(mail.outbox) <= 5, len(mail.outbox)


def test_the_crawl_lists_every_route_that_takes_a_password():
    """Each route whose view (as Django's resolver lists them, shadowed ones included) is a
    Django, Wagtail or allauth log-in, reset or password view is in CREDENTIAL_ROUTES with
    what it does, and the URL the crawl requests for it is answered by allauth's view or the
    site's own (a redirect to allauth's), never by Django's or Wagtail's form."""
    from django.contrib.auth import views as auth_views

    credential_views = (
        auth_views.LoginView,
        auth_views.PasswordResetView,
        auth_views.PasswordResetConfirmView,
        auth_views.PasswordChangeView,
    )

    def takes_password(callback):
        view_class = getattr(callback, "view_class", None)
        if view_class is not None and issubclass(view_class, credential_views):
            return True
        owner = getattr(getattr(callback, "__func__", callback), "__qualname__", "")
        if owner in {
            "AdminSite.login",
            "AdminSite.password_change",
            "UserAdmin.user_change_password",
        }:
            return True
        module = getattr(callback, "__module__", "")
        return module.startswith("allauth.account.views") and any(
            word in (getattr(callback, "__qualname__", "") + repr(view_class)).lower()
            for word in ("login", "password", "reauthenticate")
        )

    found = set()
    for route, _name, callback in url_patterns_with_callbacks():
        if takes_password(callback):
            found.add(route)
    unlisted = sorted(found - set(table.CREDENTIAL_ROUTES))
    assert not unlisted, f"routes that take a password, missing from CREDENTIAL_ROUTES: {unlisted}"
    assert all(table.CREDENTIAL_ROUTES.values())
    stray = sorted(set(table.CREDENTIAL_ROUTES) - {route for route, _n in url_patterns()})
    assert not stray, stray

    from wagtail.admin.views import account as wagtail_account

    for route in table.CREDENTIAL_ROUTES:
        url = table.TABLE[route][0].url.split("?")[0]
        if "{" in url:
            continue  # a URL with object ids: the crawl itself checks its answer
        view = resolve(url).func
        if getattr(view, "__module__", "") == wagtail_account.__name__:
            # Wagtail's account views: their password forms are switched off.
            assert not wagtail_account.password_reset_enabled(), url
            assert not wagtail_account.password_management_enabled(), url
            continue
        module = getattr(view, "__module__", "")
        assert module.startswith(("allauth.", "openlab.", "projects.")), (
            f"{url} is answered by {module}.{getattr(view, '__qualname__', view)}"
        )


def url_patterns_with_callbacks(resolver=None, prefix=""):
    from django.urls import URLPattern, URLResolver, get_resolver

    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns_with_callbacks(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name, entry.callback


@pytest.mark.django_db
def test_wagtails_account_page_takes_no_password(roles):
    """Its password panel checked the old password without a limit (a stolen session could
    guess it there); passwords change on allauth's form, limited per user."""
    client = Client()
    client.force_login(roles["partner_a"])
    html = client.get("/admin/account/").content.decode()
    assert client.get("/admin/account/").status_code == 200
    assert "old_password" not in html
    client.post(
        "/admin/account/",
        {
            "password-old_password": "guess",
            "password-new_password1": "pw-New-1234567",
            "password-new_password2": "pw-New-1234567",
        },
    )
    roles["partner_a"].refresh_from_db()
    assert roles["partner_a"].check_password("pw-Openlab-1")
