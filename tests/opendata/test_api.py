import pytest

from tests.factories import EventFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_api_lists_live_pages_with_safe_fields(site_tree, client):
    page = StakeholderFactory(title="みどりの会", goals=[11], email="hidden@example.jp")
    response = client.get(
        "/api/v2/pages/?type=stakeholders.StakeholderPage&fields=summary,goals,public_email"
    )
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["title"] == "みどりの会" and item["goals"] == [11]
    assert item["public_email"] == ""
    assert item["id"] == page.pk


def test_api_refuses_private_fields_and_writes(site_tree, client):
    StakeholderFactory()
    response = client.get("/api/v2/pages/?type=stakeholders.StakeholderPage&fields=email")
    assert response.status_code == 400
    assert client.post("/api/v2/pages/", {"title": "x"}).status_code == 405


def test_api_hides_unpublished_pages(site_tree, client):
    draft = StakeholderFactory(title="下書き団体", live=False)
    assert client.get(f"/api/v2/pages/{draft.pk}/").status_code == 404
    listing = client.get("/api/v2/pages/?limit=50").content.decode()
    assert "下書き団体" not in listing


def test_api_event_detail(site_tree, client):
    event = EventFactory(title="まちあるき", goals=[11])
    data = client.get(f"/api/v2/pages/{event.pk}/").json()
    assert data["title"] == "まちあるき" and data["goals"] == [11]
    assert "start" in data and "venue_name" in data
