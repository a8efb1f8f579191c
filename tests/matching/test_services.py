"""Recomputation, double opt-in, dismissal feedback, permissions and facilitator curation."""

import pytest

from openlab.accounts.models import Role
from openlab.matching import services
from openlab.matching.models import MatchDecision, MatchProposal
from openlab.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(make_stakeholder):
    """A children's cafeteria that needs food and a farm that offers it (and vice versa)."""
    cafeteria = make_stakeholder(
        "子ども食堂", "npo", offers=["volunteers"], needs=["food"], goals=[2, 11],
        targets=["2.1"], towns=["kumegawa"],
    )  # fmt: skip
    farm = make_stakeholder(
        "農園", "company", offers=["food"], needs=["volunteers"], goals=[2, 12],
        targets=["2.1"], towns=["kumegawa"],
    )  # fmt: skip
    return cafeteria, farm


def proposal_between(a, b):
    low, high = sorted([a.pk, b.pk])
    return MatchProposal.objects.get(side_a_id=low, side_b_id=high, project=None)


def test_recompute_creates_an_explained_proposal_and_is_idempotent(pair):
    cafeteria, farm = pair
    stats = services.recompute_for_stakeholder(cafeteria.pk)
    assert stats["created"] == 1
    proposal = proposal_between(cafeteria, farm)
    codes = [reason["code"] for reason in proposal.reasons]
    assert {"offer", "mutual", "targets", "goals", "town", "sector"} <= set(codes)
    assert services.recompute_for_stakeholder(cafeteria.pk) == {
        "created": 0, "updated": 0, "reopened": 0, "removed": 0,
    }  # fmt: skip
    assert services.recompute_all() == {"created": 0, "updated": 0, "reopened": 0, "removed": 0}
    assert MatchProposal.objects.count() == 1


def test_pairs_already_working_together_are_not_proposed(pair, site_tree):
    from tests.factories import ProjectFactory

    cafeteria, farm = pair
    services.recompute_all()
    assert MatchProposal.objects.count() == 1
    project = ProjectFactory(lead=cafeteria)
    # Through the table: a partner added in the admin lands in the same rows.
    type(project).partners.through.objects.create(projectpage=project, stakeholderpage=farm)
    services.recompute_all()
    assert MatchProposal.objects.count() == 0


def test_double_opt_in_opens_one_room_and_notifies_both(pair, make_partner):
    from openlab.accounts.services import create_user
    from openlab.chat.models import Membership, Room

    cafeteria, farm = pair
    alice, bob = make_partner(cafeteria), make_partner(farm)
    facilitator = create_user("fac", "fac@example.jp", "pw-12345678", Role.FACILITATOR)
    services.recompute_all()
    proposal = proposal_between(cafeteria, farm)

    services.request_introduction(alice, proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == MatchProposal.Status.OPEN
    assert Notification.objects.filter(user=bob, kind="match_requested").count() == 1
    assert not Room.objects.exists()

    # Accepting twice is refused.
    with pytest.raises(services.MatchError) as refused:
        services.request_introduction(alice, proposal.pk)
    assert refused.value.code == "already_accepted"

    services.request_introduction(bob, proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == MatchProposal.Status.INTRODUCED
    room = Room.objects.get(pk=proposal.room_id)
    members = set(Membership.objects.filter(room=room).values_list("user_id", flat=True))
    # The two sides and a facilitator, though the engine (not a facilitator) proposed it.
    assert members == {alice.pk, bob.pk, facilitator.pk}
    for person in (alice, bob):
        note = Notification.objects.get(user=person, kind="match_introduced")
        assert note.url == room.get_absolute_url()
    # Nothing more can be done with an introduced proposal.
    with pytest.raises(services.MatchError):
        services.dismiss(alice, proposal.pk)


def test_only_the_pairs_partners_may_act(pair, make_partner, make_stakeholder, citizen):
    cafeteria, farm = pair
    outsider = make_partner(make_stakeholder("別の団体"))
    services.recompute_all()
    proposal = proposal_between(cafeteria, farm)
    for person in (outsider, citizen):
        for action in (services.request_introduction, services.dismiss, services.save_for_later):
            with pytest.raises(services.MatchPermissionError):
                action(person, proposal.pk)
        assert not services.can_view(person, proposal)
        assert not services.visible_proposals(person).exists()
    proposal.refresh_from_db()
    assert (proposal.decision_a, proposal.decision_b) == ("pending", "pending")
    assert not MatchDecision.objects.exists()


def test_a_dismissed_pair_comes_back_only_when_its_data_changes(pair, make_partner, terms):
    cafeteria, farm = pair
    alice = make_partner(cafeteria)
    services.recompute_all()
    proposal = proposal_between(cafeteria, farm)
    services.dismiss(alice, proposal.pk, reason="いまは手が回りません")
    assert MatchDecision.objects.get(action="dismiss").reason == "いまは手が回りません"

    services.recompute_all()
    proposal.refresh_from_db()
    assert proposal.status == MatchProposal.Status.DISMISSED

    # Editing the text only is not a material change.
    farm.summary = "新しい紹介文です。"
    farm.save_revision().publish()
    services.recompute_all()
    proposal.refresh_from_db()
    assert proposal.status == MatchProposal.Status.DISMISSED

    # A new offer is.
    farm.offers.add(terms["venue"])
    farm.save_revision().publish()
    services.recompute_all()
    proposal.refresh_from_db()
    assert proposal.status == MatchProposal.Status.OPEN
    assert proposal.decision_a == "pending"


def test_dismiss_reason_too_long_is_refused_and_nothing_changes(pair, make_partner):
    cafeteria, _farm = pair
    alice = make_partner(cafeteria)
    services.recompute_all()
    proposal = MatchProposal.objects.get()
    with pytest.raises(services.MatchError) as refused:
        services.dismiss(alice, proposal.pk, reason="あ" * 501)
    assert "500文字以内" in refused.value.message
    proposal.refresh_from_db()
    assert proposal.status == MatchProposal.Status.OPEN


def test_save_for_later_keeps_the_proposal_open(pair, make_partner):
    cafeteria, _farm = pair
    alice = make_partner(cafeteria)
    services.recompute_all()
    proposal = services.save_for_later(alice, MatchProposal.objects.get().pk)
    assert proposal.status == MatchProposal.Status.OPEN
    side = "a" if proposal.side_a_id == cafeteria.pk else "b"
    assert proposal.decision_of(side) == "saved"
    # Saved proposals are never removed by a recomputation.
    services.recompute_all()
    assert MatchProposal.objects.get().decision_of(side) == "saved"


def test_facilitator_curation(pair, make_stakeholder, make_partner, facilitator):
    cafeteria, farm = pair
    library = make_stakeholder("図書館", "city", goals=[4])
    alice = make_partner(cafeteria)
    with pytest.raises(services.MatchPermissionError):
        services.propose(alice, cafeteria.pk, library.pk, note="どうぞ")
    proposal = services.propose(facilitator, cafeteria.pk, library.pk, note="読み聞かせで協力を")
    assert proposal.source == "facilitator" and proposal.promoted
    assert proposal.reasons[0]["code"] == "facilitator"
    assert services.visible_proposals(alice).filter(pk=proposal.pk).exists()
    with pytest.raises(services.MatchError):
        services.propose(facilitator, cafeteria.pk, cafeteria.pk)

    services.recompute_all()
    engine_proposal = proposal_between(cafeteria, farm)
    services.hide(facilitator, engine_proposal.pk)
    assert not services.visible_proposals(alice).filter(pk=engine_proposal.pk).exists()
    with pytest.raises(services.MatchError):
        services.request_introduction(alice, engine_proposal.pk)
    services.promote(facilitator, engine_proposal.pk)
    engine_proposal.refresh_from_db()
    assert engine_proposal.promoted and engine_proposal.status == "open"
    with pytest.raises(services.MatchPermissionError):
        services.hide(alice, engine_proposal.pk)
    # The manual proposal survives recomputation.
    services.recompute_all()
    assert MatchProposal.objects.filter(pk=proposal.pk, source="facilitator").exists()


def test_project_seeking_partners_gets_proposals(pair, make_stakeholder, make_partner, terms):
    from openlab.chat.models import Membership
    from tests.factories import ProjectFactory

    cafeteria, farm = pair
    printer = make_stakeholder("印刷会社", "company", offers=["publicity"], goals=[11])
    project = ProjectFactory(lead=cafeteria, status="recruiting")
    project.seeking.set([terms["publicity"]])
    project.goals.set([11])
    project.save_revision().publish()
    services.recompute_for_stakeholder(cafeteria.pk)
    proposal = MatchProposal.objects.get(project=project, side_b=printer)
    assert proposal.side_a_id == cafeteria.pk
    from openlab.matching.reasons import Voice, render

    voice = Voice("b", cafeteria.title, printer.title, project.title)
    assert render(proposal.reasons[0], voice) == (
        f"あなたの『広報』が、プロジェクト「{project.title}」の求める『広報』に合います"
    )
    # The printer's partners may answer; they speak for side b.
    bob = make_partner(printer)
    services.request_introduction(bob, proposal.pk)
    proposal.refresh_from_db()
    assert proposal.decision_b == "accepted"
    # A partner of the project's partner stakeholder answers for side a: the room that opens
    # holds the people of every stakeholder of the project, not only the lead's.
    type(project).partners.through.objects.create(projectpage=project, stakeholderpage=farm)
    carol = make_partner(farm)
    services.request_introduction(carol, proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == MatchProposal.Status.INTRODUCED
    members = set(
        Membership.objects.filter(room_id=proposal.room_id).values_list("user_id", flat=True)
    )
    assert {bob.pk, carol.pk} <= members


def _queries_of(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def test_writing_proposals_takes_the_same_queries_for_few_or_many_pairs(
    pair, make_stakeholder, monkeypatch
):
    """Writes are chunked bulk statements: no query per pair (created, refreshed, removed)."""

    def recompute_twice():
        MatchProposal.objects.all().delete()
        created = _queries_of(services.recompute_all)
        MatchProposal.objects.update(score=0)  # every stored score is stale
        refreshed = _queries_of(services.recompute_all)
        return created, refreshed

    few = recompute_twice()
    assert MatchProposal.objects.count() == 1
    for i in range(5):
        make_stakeholder(
            f"農家{i}", "company", offers=["food"], needs=["volunteers"], goals=[2],
            targets=["2.1"],
        )  # fmt: skip
    many = recompute_twice()
    assert MatchProposal.objects.count() >= 10
    assert many == few
    # Removing pairs that no longer hold is chunked too.
    monkeypatch.setattr(services, "WRITE_CHUNK", 4)
    from openlab.matching.engine import Engine

    nobody = Engine([])
    assert services.recompute_all(engine=nobody)["removed"] >= 10
    assert not MatchProposal.objects.exists()


def test_a_recomputation_never_overwrites_an_answer_given_meanwhile(pair, make_partner):
    cafeteria, farm = pair
    alice = make_partner(cafeteria)
    services.recompute_all()
    MatchProposal.objects.update(score=0)  # so that the next recomputation rewrites the row
    engine = services.build_engine()
    snapshot = list(MatchProposal.objects.all())  # what the recomputation read first
    services.request_introduction(alice, snapshot[0].pk)  # the partner answers meanwhile

    stats = services._persist(engine.pairs_for(engine.all_subjects()), snapshot)

    assert stats["updated"] == 1
    proposal = proposal_between(cafeteria, farm)
    assert proposal.score > 0
    side = "a" if proposal.side_a_id == cafeteria.pk else "b"
    assert proposal.decision_of(side) == "accepted"
