"""Issue 19 item 6: conditional GET and gzip on the data sets and feeds; CORS on every
public read-only API and feed, and never on what uses the session."""

import gzip

import pytest
from django.utils.http import http_date

from tests.factories import EventFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

DOWNLOADS = ["/opendata/stakeholders.csv", "/opendata/events.json"]
FEEDS = ["/events/feed.ics"]


@pytest.fixture
def event(site_tree):
    StakeholderFactory(title="みどりの会")
    return EventFactory(title="まちあるき", slug="machiaruki")


def _public_urls(event):
    occurrence = event.occurrences.order_by("start").first()
    return [
        "/api/v2/pages/",
        f"/api/v2/pages/{event.pk}/",
        "/api/search/?q=まち",
        "/api/search/schema.json",
        *DOWNLOADS,
        "/opendata/projects.csv",
        *FEEDS,
        f"/events/{event.slug}/event.ics",
        f"/events/{event.slug}/{occurrence.date.isoformat()}/event.ics",
    ]


def _body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("url", DOWNLOADS + FEEDS)
def test_a_304_for_the_same_etag_and_a_full_answer_after_a_change(event, client, url):
    first = client.get(url)
    assert first.status_code == 200 and _body(first)
    etag = first["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and _body(again) == b""
    assert again["ETag"] == etag

    # New content: the old tag no longer matches, the new body carries the change.
    StakeholderFactory(title="あたらしい会")
    EventFactory(title="あたらしい催し")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "あたらしい" in _body(changed).decode("utf-8-sig")


@pytest.mark.parametrize("url", DOWNLOADS + FEEDS)
def test_a_304_for_if_modified_since(event, client, url):
    first = client.get(url)
    last_modified = first["Last-Modified"]
    again = client.get(url, headers={"If-Modified-Since": last_modified})
    assert again.status_code == 304
    older = client.get(url, headers={"If-Modified-Since": http_date(0)})
    assert older.status_code == 200 and _body(older)


@pytest.mark.parametrize("url", DOWNLOADS + FEEDS)
def test_gzip_when_asked_and_only_then(event, client, url):
    plain = _body(client.get(url))
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(_body(zipped)) == plain
    # The page cache must not hand that gzipped body to someone who did not ask for it.
    assert _body(client.get(url)) == plain
    assert not client.get(url).has_header("Content-Encoding")


def test_cors_on_every_public_api_and_feed(event, client):
    for url in _public_urls(event):
        response = client.get(url, headers={"Origin": "https://example.org"})
        assert response.status_code == 200, url
        assert response["Access-Control-Allow-Origin"] == "*", url
        assert not response.has_header("Access-Control-Allow-Credentials"), url


def test_a_preflight_is_answered_for_reading_only(event, client):
    for url in _public_urls(event):
        response = client.options(
            url,
            headers={
                "Origin": "https://example.org",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
        )
        assert response.status_code == 204, url
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
        assert "If-None-Match" in response["Access-Control-Allow-Headers"]
        assert not response.has_header("Access-Control-Allow-Credentials")


def test_no_cors_on_what_uses_the_session(event, client, django_user_model):
    user = django_user_model.objects.create_user("member", "m@example.org", "pw-123456789")
    client.force_login(user)
    for url in [
        "/api/chat/rooms/1/messages/",
        "/mypage/",
        "/accounts/login/",
        "/events/",
        "/search/?q=まち",
    ]:
        response = client.get(url, headers={"Origin": "https://example.org"})
        assert not response.has_header("Access-Control-Allow-Origin"), url
        preflight = client.options(
            url,
            headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
        )
        assert not preflight.has_header("Access-Control-Allow-Origin"), url
    # A write to a public API is not opened to other origins either.
    post = client.post("/api/v2/pages/", headers={"Origin": "https://example.org"})
    assert post.status_code == 405 and not post.has_header("Access-Control-Allow-Origin")
