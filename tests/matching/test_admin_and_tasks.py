"""The facilitators' curation queue, the publish signal and the nightly schedule."""

import pytest

from openlab.matching import services, tasks
from openlab.matching.models import MatchProposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(make_stakeholder):
    a = make_stakeholder("食堂", "npo", offers=["volunteers"], needs=["food"], goals=[2])
    b = make_stakeholder("農園", "company", offers=["food"], needs=["volunteers"], goals=[2])
    return a, b


def test_queue_lists_reasons_and_takes_manual_proposals(client, pair, facilitator):
    a, b = pair
    services.recompute_all()
    client.force_login(facilitator)
    html = client.get("/admin/matching/").content.decode()
    assert "食堂の『ボランティア』が、農園の求める『ボランティア』に合います" in html
    proposal = MatchProposal.objects.get()
    client.post(f"/admin/matching/{proposal.pk}/hide/")
    proposal.refresh_from_db()
    assert proposal.status == "hidden"
    response = client.post(
        "/admin/matching/", {"stakeholder_a": a.pk, "stakeholder_b": a.pk, "note": "x"}
    )
    assert "異なるステークホルダーを2つ選んでください" in response.content.decode()
    client.post("/admin/matching/", {"stakeholder_a": a.pk, "stakeholder_b": b.pk, "note": "ぜひ"})
    proposal.refresh_from_db()
    assert (proposal.source, proposal.note, proposal.status) == ("facilitator", "ぜひ", "open")


def test_queue_shows_which_introductions_led_to_conversations(
    client, pair, make_partner, facilitator
):
    from openlab.chat.models import Message

    a, b = pair
    alice, bob = make_partner(a), make_partner(b)
    services.recompute_all()
    proposal = MatchProposal.objects.get()
    services.request_introduction(alice, proposal.pk)
    proposal = services.request_introduction(bob, proposal.pk)
    client.force_login(facilitator)
    assert "まだ会話がありません" in client.get("/admin/matching/").content.decode()
    Message.objects.create(room_id=proposal.room_id, sender=alice, body="はじめまして")
    assert "会話あり（1件のメッセージ）" in client.get("/admin/matching/").content.decode()


def test_queue_is_for_facilitators_only(client, pair, make_partner):
    client.force_login(make_partner(pair[0]))
    response = client.get("/admin/matching/")
    assert response.status_code in (302, 403)
    assert "ボランティア" not in response.content.decode()


def test_publishing_a_stakeholder_recomputes_its_proposals(
    pair, terms, django_capture_on_commit_callbacks
):
    a, b = pair
    assert not MatchProposal.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        a.save_revision().publish()
    assert MatchProposal.objects.count() == 1
    # Idempotent: running the task again changes nothing.
    assert tasks.recompute_for_page(a.pk) == {
        a.pk: {"created": 0, "updated": 0, "reopened": 0, "removed": 0}
    }


def test_nightly_schedule_is_created_once():
    from django_q.models import Schedule

    tasks.ensure_schedules()
    tasks.ensure_schedules()
    schedule = Schedule.objects.get(name=tasks.NIGHTLY_SCHEDULE)
    assert schedule.func == "openlab.matching.tasks.recompute_everything"
    assert schedule.schedule_type == Schedule.DAILY
    assert tasks.recompute_everything() == {"created": 0, "updated": 0, "reopened": 0, "removed": 0}
