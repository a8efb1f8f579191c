"""Issue 14, items 14-16: every bad parameter of /api/v2/ is a 400 with a JSON error, the links
it writes point at the configured site, and `search` never answers with a silent nothing."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.factories import ProjectFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

HUGE = "100000000000000000000"  # 1e20 written out
BAD = [
    ("offset", "9223372036854775808"),  # 2**63
    ("offset", HUGE),
    ("limit", "9223372036854775808"),
    ("child_of", HUGE),
    ("descendant_of", HUGE),
    ("ancestor_of", HUGE),
    ("translation_of", HUGE),
    ("type=stakeholders.StakeholderPage&goals", HUGE),
    ("type=stakeholders.StakeholderPage&goals", "1e20"),
    ("type=stakeholders.StakeholderPage&towns", HUGE),
    ("type=stakeholders.StakeholderPage&towns", "1e20"),
    ("type=projects.ProjectPage&lead", HUGE),
    ("type=projects.ProjectPage&lead", "1e20"),
    ("type=projects.ProjectPage&partners", HUGE),
    ("type=events.EventPage&organisers", HUGE),
    ("type=events.EventPage&capacity", HUGE),
    ("id", HUGE),
    ("search", '"'),
    ("search", " "),
    ("search", "子育て"),
]


@pytest.fixture
def pages(site_tree):
    shokudo = StakeholderFactory(title="子育てひろば", goals=[1, 4])
    ProjectFactory(title="子育て応援プロジェクト", lead=shokudo, goals=[4])
    return {"stakeholder": shokudo}


@pytest.mark.parametrize(("name", "value"), BAD)
def test_bad_parameters_are_a_400_with_a_json_error(pages, name, value):
    client = Client(raise_request_exception=False)
    response = client.get(f"/api/v2/pages/?{name}={value}")
    assert response.status_code == 400, (name, value, response.status_code)
    assert response["Content-Type"].startswith("application/json")
    message = response.json()["message"]
    parameter = name.rsplit("&", 1)[-1]
    assert parameter in message or "/api/search/" in message, message


def test_a_detail_id_too_long_for_the_database_is_a_json_404(pages):
    response = Client(raise_request_exception=False).get(f"/api/v2/pages/{HUGE}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_search_points_to_the_sites_japanese_search(pages, client):
    response = client.get("/api/v2/pages/?search=子育て")
    assert response.status_code == 400
    message = response.json()["message"]
    assert "/api/search/?q=%E5%AD%90%E8%82%B2%E3%81%A6" in message
    # And the search it points to finds the pages.
    url = message[message.index("http") :].split()[0]
    found = client.get(urlsplit(url).path + "?" + urlsplit(url).query).json()
    titles = {hit["title"] for hit in found["results"]}
    assert {"子育てひろば", "子育て応援プロジェクト"} <= titles


def test_links_use_the_configured_site_url(pages, client, settings):
    site = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    assert "localhost" not in site  # the test settings' SITE_URL is not the Wagtail Site's
    page = pages["stakeholder"]
    listing = client.get("/api/v2/pages/?type=stakeholders.StakeholderPage").json()
    item = next(i for i in listing["items"] if i["id"] == page.pk)
    assert item["meta"]["detail_url"] == f"{site}/api/v2/pages/{page.pk}/"
    assert item["meta"]["html_url"] == f"{site}{page.url}"
    detail = client.get(f"/api/v2/pages/{page.pk}/").json()
    assert detail["meta"]["html_url"] == f"{site}{page.url}"
    found = client.get(f"/api/v2/pages/find/?id={page.pk}")
    assert found.status_code == 302
    assert found["Location"].rstrip("?") == f"{site}/api/v2/pages/{page.pk}/"
    # A client can follow them: the paths answer on this site.
    assert client.get(urlsplit(item["meta"]["html_url"]).path).status_code == 200
    assert client.get(urlsplit(found["Location"]).path).json()["id"] == page.pk
