"""Users see how close a proposal is in words (とても近い/近い/参考), never a bare score;
facilitators see the label with the score beside it."""

import re

import pytest

from openlab.matching import services
from openlab.matching.closeness import CLOSE, VERY_CLOSE, closeness, closeness_label
from openlab.matching.models import MatchProposal


@pytest.mark.parametrize(
    "score, key, label",
    [
        (VERY_CLOSE + 4.1, "very_close", "とても近い"),
        (VERY_CLOSE, "very_close", "とても近い"),
        (VERY_CLOSE - 0.1, "close", "近い"),
        (CLOSE, "close", "近い"),
        (CLOSE - 0.1, "reference", "参考"),
        (3.0, "reference", "参考"),
    ],
)
def test_three_labels_from_thresholds_in_one_place(score, key, label):
    assert closeness(score) == key
    assert str(closeness_label(score)) == label


@pytest.fixture
def pair(make_stakeholder, make_partner):
    cafeteria = make_stakeholder(
        "くめがわ食堂", "npo", offers=["volunteers"], needs=["venue"], goals=[11, 12],
        towns=["kumegawa"],
    )  # fmt: skip
    make_stakeholder(
        "久米川商店会", "company", offers=["venue"], needs=["volunteers"], goals=[11, 12],
        towns=["kumegawa"],
    )  # fmt: skip
    services.recompute_all()
    return make_partner(cafeteria, "alice")


@pytest.mark.django_db
@pytest.mark.parametrize("score, label", [(14.1, "とても近い"), (7.0, "近い"), (3.2, "参考")])
def test_the_match_page_shows_a_label_not_a_score(client, pair, score, label):
    MatchProposal.objects.update(score=score)
    client.force_login(pair)
    html = client.get("/matches/").content.decode()
    card = html.split('class="match-card"', 1)[1]
    assert f"近さ：{label}" in card
    assert "スコア" not in html
    assert str(score) not in html
    assert "先方の『会場提供』が、あなたの求める『会場提供』に合います" in card


@pytest.mark.django_db
def test_facilitators_see_the_label_and_the_score(client, pair, facilitator):
    MatchProposal.objects.update(score=14.06)
    client.force_login(facilitator)
    html = client.get("/admin/matching/").content.decode()
    assert "近さ（スコア）" in html
    assert re.search(r"とても近い<br>スコア 14\.1", html)
