"""/matches/: partners see explained proposals of their stakeholders only; actions by POST."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openlab.matching import services
from openlab.matching.models import MatchProposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_stakeholder, make_partner):
    cafeteria = make_stakeholder(
        "くめがわ食堂", "npo", offers=["volunteers"], needs=["venue"], goals=[11, 12],
        towns=["kumegawa"],
    )  # fmt: skip
    hall = make_stakeholder(
        "久米川商店会", "company", offers=["venue"], needs=["volunteers"], goals=[11, 12],
        towns=["kumegawa"],
    )  # fmt: skip
    services.recompute_all()
    return cafeteria, hall, make_partner(cafeteria, "alice"), make_partner(hall, "bob")


def test_dashboard_shows_explained_proposals(client, setup):
    cafeteria, hall, alice, _bob = setup
    client.force_login(alice)
    response = client.get("/matches/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "くめがわ食堂への提案" in html
    assert "久米川商店会" in html
    assert "先方の『会場提供』が、あなたの求める『会場提供』に合います" in html
    assert "あなたの『ボランティア』が、先方の求める『ボランティア』に合います" in html
    assert "ともに目標11・12に取り組んでいます" in html
    assert "同じ町（久米川町）で活動しています" in html
    assert "紹介を希望する" in html


def test_a_proposal_with_an_unpublished_side_is_neither_shown_nor_accepted(client, setup):
    _cafeteria, hall, alice, _bob = setup
    proposal = MatchProposal.objects.get()
    hall.unpublish()
    client.force_login(alice)
    html = client.get("/matches/").content.decode()
    assert "久米川商店会" not in html
    response = client.post(f"/matches/{proposal.pk}/introduce/", follow=True)
    assert "現在公開されていません" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.decision_a == "pending"


def test_introduction_through_the_dashboard_both_sides(client, setup):
    _cafeteria, _hall, alice, bob = setup
    proposal = MatchProposal.objects.get()
    client.force_login(alice)
    response = client.post(f"/matches/{proposal.pk}/introduce/", follow=True)
    assert "紹介を希望しました" in response.content.decode()
    again = client.post(f"/matches/{proposal.pk}/introduce/", follow=True)
    assert "すでに紹介を希望しています" in again.content.decode()

    client.force_login(bob)
    page = client.get("/matches/").content.decode()
    assert "先方があなたとの紹介を希望しています" in page
    response = client.post(f"/matches/{proposal.pk}/introduce/", follow=True)
    html = response.content.decode()
    assert "チャットルームを用意しました" in html
    proposal.refresh_from_db()
    assert proposal.status == "introduced"
    assert f'href="/chat/{proposal.room_id}/"' in html


def test_others_are_refused(client, setup, make_stakeholder, make_partner, citizen):
    proposal = MatchProposal.objects.get()
    outsider = make_partner(make_stakeholder("関係のない団体"), "mallory")
    client.force_login(outsider)
    assert "久米川商店会" not in client.get("/matches/").content.decode()
    for action in ("introduce", "dismiss", "save"):
        assert client.post(f"/matches/{proposal.pk}/{action}/").status_code == 403
    client.force_login(citizen)
    response = client.get("/matches/")
    assert response.status_code == 403
    assert "パートナー向けの機能" in response.content.decode()
    client.logout()
    assert client.get("/matches/").status_code == 302
    assert client.post(f"/matches/{proposal.pk}/introduce/").status_code == 302
    proposal.refresh_from_db()
    assert (proposal.decision_a, proposal.decision_b) == ("pending", "pending")


def test_bad_input_is_answered_clearly(client, setup):
    _cafeteria, _hall, alice, _bob = setup
    proposal = MatchProposal.objects.get()
    client.force_login(alice)
    assert client.post("/matches/999999/introduce/").status_code == 404
    assert client.post(f"/matches/{proposal.pk}/explode/").status_code == 404
    assert client.get(f"/matches/{proposal.pk}/introduce/").status_code == 405
    response = client.post(f"/matches/{proposal.pk}/dismiss/", {"reason": "x" * 600}, follow=True)
    assert "500文字以内" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "open"
    response = client.post(f"/matches/{proposal.pk}/dismiss/", {"reason": "今は不要"}, follow=True)
    assert "見送りました" in response.content.decode()
    assert "久米川商店会" not in client.get("/matches/").content.decode()


def test_empty_stakeholder_gets_a_hint(client, make_stakeholder, make_partner):
    empty = make_stakeholder("まだ空っぽの団体")
    client.force_login(make_partner(empty))
    html = client.get("/matches/").content.decode()
    assert "次の項目を登録してください" in html
    assert "取り組んでいるSDGsの目標" in html
    assert "提供できること" in html and "求めている協力" in html
    assert f"/admin/pages/{empty.pk}/edit/" in html


def test_facilitator_may_view_any_stakeholder(client, setup, facilitator):
    cafeteria, *_ = setup
    client.force_login(facilitator)
    html = client.get(f"/matches/?stakeholder={cafeteria.pk}").content.decode()
    assert "久米川商店会" in html
    assert client.get("/matches/?stakeholder=abc").status_code == 200


def test_dashboard_queries_do_not_grow_with_proposals(client, make_stakeholder, make_partner):
    hub = make_stakeholder("ハブ団体", "npo", offers=["volunteers"], needs=["venue"], goals=[11])
    client.force_login(make_partner(hub))

    def count():
        client.get("/matches/")  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/matches/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    make_stakeholder("会場A", "company", offers=["venue"], goals=[11])
    services.recompute_all()
    small = count()
    for i in range(8):
        make_stakeholder(f"会場{i}", "company", offers=["venue"], needs=["volunteers"], goals=[11])
    services.recompute_all()
    assert MatchProposal.objects.count() >= 8
    large = count()
    assert small == large
    assert large <= 20
