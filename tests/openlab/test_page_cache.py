import pytest

from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_anonymous_pages_are_cached_and_publishing_invalidates_them(client, site_tree):
    first = client.get("/projects/")
    assert first["X-Page-Cache"] == "miss"
    second = client.get("/projects/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content

    project = ProjectFactory(title="新しい実証実験")
    after_publish = client.get("/projects/")
    assert after_publish["X-Page-Cache"] == "miss"
    assert "新しい実証実験" in after_publish.content.decode()

    project.unpublish()
    after_unpublish = client.get("/projects/")
    assert "新しい実証実験" not in after_unpublish.content.decode()


def test_moving_a_page_invalidates_the_cache(client, site_tree):
    project = ProjectFactory(title="移動するプロジェクト")
    assert "移動するプロジェクト" in client.get("/projects/").content.decode()
    assert client.get("/projects/")["X-Page-Cache"] == "hit"
    project.move(site_tree["reports"], pos="last-child")
    assert "移動するプロジェクト" not in client.get("/projects/").content.decode()


def test_signed_in_visitors_are_never_served_from_the_cache(client, site_tree, django_user_model):
    client.get("/")
    user = django_user_model.objects.create_user("hanako", password="x")
    client.force_login(user)
    response = client.get("/")
    assert not response.has_header("X-Page-Cache")
    assert "ログアウト" in response.content.decode()


def test_the_cache_can_be_switched_off(client, site_tree, settings):
    settings.PAGE_CACHE_ENABLED = False
    client.get("/")
    assert not client.get("/").has_header("X-Page-Cache")


def test_a_page_made_private_is_not_served_from_the_cache(client, site_tree):
    from wagtail.models import PageViewRestriction

    project = ProjectFactory(title="まだ公開中の計画")
    assert "まだ公開中の計画" in client.get(project.url).content.decode()
    assert client.get(project.url)["X-Page-Cache"] == "hit"
    PageViewRestriction.objects.create(page=project, restriction_type="login")
    response = client.get(project.url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
