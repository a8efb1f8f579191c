import pytest
from django.urls import reverse

from openlab.models import Goal, Town
from openlab.notifications import services
from openlab.notifications.models import DigestFrequency, Follow, FollowTarget
from tests.factories import ProjectFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_anonymous_stakeholder_page_offers_login_to_follow_and_stays_cacheable(site_tree, client):
    page = StakeholderFactory(title="みどりの会")
    first = client.get(page.url)
    html = first.content.decode()
    assert "ログインしてフォロー" in html
    assert 'name="csrfmiddlewaretoken"' not in html
    assert first["X-Page-Cache"] == "miss"
    assert client.get(page.url)["X-Page-Cache"] == "hit"


def test_follow_and_unfollow_a_stakeholder_from_its_page(site_tree, client, make_user):
    user = make_user()
    page = StakeholderFactory(title="みどりの会")
    client.force_login(user)
    html = client.get(page.url).content.decode()
    assert "フォローする" in html

    response = client.post(
        reverse("notifications:follow"),
        {"target": "stakeholder", "id": page.pk, "action": "follow", "next": page.url},
    )
    assert response.status_code == 302 and response["Location"] == page.url
    assert Follow.objects.filter(user=user, stakeholder=page).count() == 1
    html = client.get(page.url).content.decode()
    assert "フォロー中" in html and "フォローを解除" in html

    # Following twice keeps one row.
    client.post(reverse("notifications:follow"), {"target": "stakeholder", "id": page.pk})
    assert Follow.objects.filter(user=user, stakeholder=page).count() == 1

    client.post(
        reverse("notifications:follow"),
        {"target": "stakeholder", "id": page.pk, "action": "unfollow"},
    )
    assert not Follow.objects.filter(user=user).exists()


def test_goal_and_project_pages_have_follow_buttons(site_tree, client, make_user):
    client.force_login(make_user())
    project = ProjectFactory(title="雨水プロジェクト")
    assert 'value="project"' in client.get(project.url).content.decode()
    html = client.get("/sdgs/11/").content.decode()
    assert 'value="goal"' in html and 'name="id" value="11"' in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"target": "planet", "id": "1"}, "フォローできる対象ではありません"),
        ({"target": "stakeholder", "id": "abc"}, "フォローする対象が見つかりません"),
        ({"target": "goal", "id": "99"}, "フォローする対象が見つかりません"),
        ({"target": "goal", "id": "3", "action": "explode"}, "操作の指定が正しくありません"),
    ],
)
def test_bad_follow_requests_get_a_clear_refusal(site_tree, client, make_user, data, message):
    user = make_user()
    client.force_login(user)
    response = client.post(reverse("notifications:follow"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Follow.objects.filter(user=user).exists()


def test_unpublished_pages_cannot_be_followed(site_tree, client, make_user):
    user = make_user()
    draft = StakeholderFactory(live=False)
    client.force_login(user)
    response = client.post(
        reverse("notifications:follow"), {"target": "stakeholder", "id": draft.pk}
    )
    assert response.status_code == 400
    assert not Follow.objects.exists()


def test_next_must_stay_on_site(site_tree, client, make_user):
    client.force_login(make_user())
    response = client.post(
        reverse("notifications:follow"),
        {"target": "goal", "id": "4", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_anonymous_follow_goes_to_login(site_tree, client):
    response = client.post(reverse("notifications:follow"), {"target": "goal", "id": "4"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Follow.objects.exists()


def test_interest_settings_page_saves_frequency_goals_and_towns(site_tree, client, make_user):
    user = make_user()
    client.force_login(user)
    page = client.get("/accounts/interests/")
    assert page.status_code == 200 and "お知らせの受け取り方" in page.content.decode()
    honcho = Town.objects.get(slug="honcho")
    response = client.post(
        "/accounts/interests/", {"frequency": "weekly", "goals": ["4", "11"], "towns": [honcho.pk]}
    )
    assert response.status_code == 302
    follows = services.followed(user)
    assert follows.goals == {4, 11} and follows.towns == {honcho.pk}
    assert services.interest_settings(user).frequency == DigestFrequency.WEEKLY

    # Unticking removes; the page shows the saved state.
    client.post("/accounts/interests/", {"frequency": "none", "goals": ["11"]})
    follows = services.followed(user)
    assert follows.goals == {11} and follows.towns == set()
    html = client.get("/accounts/interests/").content.decode()
    assert "関心の設定を保存しました" in html


def test_interest_settings_reject_bad_values_without_saving(site_tree, client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post("/accounts/interests/", {"frequency": "hourly", "goals": ["42"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "受け取り方を選んでください" in html
    assert "SDGsの目標は1〜17から選んでください" in html
    assert not Follow.objects.filter(user=user).exists()


def test_interest_settings_list_followed_pages(site_tree, client, make_user):
    user = make_user()
    stakeholder = StakeholderFactory(title="青葉町の会")
    services.follow(user, FollowTarget.STAKEHOLDER, stakeholder)
    services.follow(user, FollowTarget.GOAL, Goal.objects.get(number=3))
    client.force_login(user)
    html = client.get("/accounts/interests/").content.decode()
    assert "青葉町の会" in html


def test_interest_settings_need_login(client, db):
    response = client.get("/accounts/interests/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
