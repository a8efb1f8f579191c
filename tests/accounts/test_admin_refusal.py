"""Signed-in people who may not enter an admin land once on a Japanese page of the site that
says where their things are, instead of a redirect loop through the log-in page (which sent
a signed-in visitor back to the admin) and a pile of English "no permission" messages."""

import pytest
from django.test import Client

MAX_HOPS = 5
WAGTAIL_REFUSAL = "You do not have permission to access the admin"


def walk(client, path):
    """(the final response, the paths visited), following at most MAX_HOPS redirects."""
    visited = [path]
    response = client.get(path)
    while response.status_code in (301, 302) and len(visited) <= MAX_HOPS:
        path = response["Location"]
        visited.append(path)
        response = client.get(path)
    return response, visited


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


# (role, admin, what the page must point to)
CASES = [
    ("citizen", "/admin/", "/accounts/partner/apply/"),
    ("ambassador", "/admin/", "/reports/mine/"),
    ("citizen", "/django-admin/", "/accounts/partner/apply/"),
    ("ambassador", "/django-admin/", "/reports/mine/"),
    ("partner_a", "/django-admin/", "ラボの管理画面へ"),
    ("facilitator", "/django-admin/", "ラボの管理画面へ"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "admin", "pointer"), CASES)
def test_no_loop_one_japanese_page_that_says_where_to_go(roles, role, admin, pointer):
    client = client_for(roles[role])
    response, visited = walk(client, admin)
    assert response.status_code == 403, visited
    assert len(visited) == 2, visited  # the admin, then the page: one redirect
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert 'class="site-header"' in html  # the site's design, not the admin's
    assert "管理画面" in html and "入れません" in html
    assert pointer in html.split("<main", 1)[1]
    assert WAGTAIL_REFUSAL not in html
    assert "_auth_user_id" in client.session  # still signed in

    # No "no permission" messages pile up for later pages, however often they try.
    for _attempt in range(3):
        walk(client, admin)
    later = client.get("/accounts/partner/").content.decode()
    assert WAGTAIL_REFUSAL not in later and "権限" not in later


@pytest.mark.django_db
def test_the_child_is_spoken_to_in_words_a_child_reads(roles):
    response, _visited = walk(client_for(roles["ambassador"]), "/admin/")
    html = response.content.decode()
    assert "自分のレポート" in html and "レポートを書く" in html


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "admin"), [("partner_a", "/admin/"), ("facilitator", "/admin/")])
def test_people_with_admin_access_still_enter(roles, role, admin):
    client = client_for(roles[role])
    response, visited = walk(client, admin)
    assert response.status_code == 200 and visited == [admin]
    assert client.get("/admin/login/?next=/admin/pages/")["Location"] == "/admin/pages/"


@pytest.mark.django_db
@pytest.mark.parametrize("admin", ["/admin/", "/django-admin/"])
def test_anonymous_visitors_are_sent_to_the_sites_log_in(site_tree, admin):
    response, visited = walk(Client(), admin)
    assert response.status_code == 200
    assert visited[-1].startswith("/accounts/login/?next=" + admin), visited
