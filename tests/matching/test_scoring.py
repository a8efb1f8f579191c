"""The scoring functions: each returns (score, reasons), and the reasons read as plain Japanese."""

from openlab.matching import scoring
from openlab.matching.features import pair_fingerprint, terms_in_text
from openlab.matching.reasons import Voice, render_all
from openlab.matching.text_similarity import TfIdf, cosine, tokenize
from tests.matching.conftest import features


def texts(reasons, side="a", a="A団体", b="B団体", project=""):
    return render_all(reasons, Voice(side, a, b, project))


def test_complementarity_counts_both_ways_with_a_mutual_bonus():
    a = features(1, offers={"会場提供"}, needs={"食材"})
    b = features(2, offers={"食材"}, needs={"会場提供"})
    score, reasons = scoring.complementarity(a, b)
    assert score == 2 * scoring.W_OFFER_NEED + scoring.W_MUTUAL
    assert texts(reasons, "a") == [
        "あなたの『会場提供』が、先方の求める『会場提供』に合います",
        "先方の『食材』が、あなたの求める『食材』に合います",
        "おたがいに相手の求めるものを提供できる、双方向の組み合わせです",
    ]
    # The other side reads the same reasons from its own point of view.
    assert texts(reasons, "b")[0] == "先方の『会場提供』が、あなたの求める『会場提供』に合います"
    # A facilitator reads the names.
    assert texts(reasons, None)[0] == "A団体の『会場提供』が、B団体の求める『会場提供』に合います"


def test_one_way_complementarity_has_no_mutual_bonus():
    a = features(1, offers={"会場提供"})
    b = features(2, needs={"会場提供"})
    score, reasons = scoring.complementarity(a, b)
    assert score == scoring.W_OFFER_NEED
    assert [r["code"] for r in reasons] == ["offer"]
    assert scoring.complementarity(features(1), features(2)) == (0.0, [])


def test_free_text_needs_count_less_than_the_vocabulary():
    names = {"venue": "会場提供", "food": "食材"}
    offers, needs = terms_in_text(
        "毎月食堂を開いています。利用者の増加に対応できる広い会場が目下の課題です。", names
    )
    assert "会場提供" in needs and "課題" in needs["会場提供"]
    a = features(1, offers={"会場提供"})
    b = features(2, text_needs=needs)
    score, reasons = scoring.complementarity(a, b)
    assert score == scoring.W_TEXT_OFFER_NEED < scoring.W_OFFER_NEED
    assert texts(reasons)[0].startswith("あなたの『会場提供』が、先方の紹介文にある「")


def test_targets_weigh_more_than_goals_and_read_as_in_the_issue():
    a = features(1, goals={11, 12, 3}, targets={"11.3"})
    b = features(2, goals={11, 12}, targets={"11.3"})
    score, reasons = scoring.sdg_overlap(a, b)
    assert score == scoring.W_TARGET + 2 * scoring.W_GOAL
    assert scoring.W_TARGET > scoring.W_GOAL
    assert texts(reasons) == [
        "ともにターゲット11.3に取り組んでいます",
        "ともに目標11・12に取り組んでいます",
    ]


def test_locality_ignores_outside_the_city():
    a = features(1, towns={"久米川町", "市外"})
    b = features(2, towns={"久米川町", "市外"})
    score, reasons = scoring.locality(a, b)
    assert score == scoring.W_TOWN
    assert texts(reasons) == ["同じ町（久米川町）で活動しています"]
    assert scoring.locality(features(1, towns={"市外"}), features(2, towns={"市外"}))[0] == 0


def test_cross_sector_bonus_only_across_sectors():
    company, npo, citizen = features(1, "company"), features(2, "npo"), features(3, "citizen")
    score, reasons = scoring.cross_sector(company, npo)
    assert score == scoring.W_SECTOR
    assert texts(reasons) == ["企業とNPO・市民団体という、立場の違う組み合わせです"]
    # Citizens and NPOs are both civil society.
    assert scoring.cross_sector(npo, citizen) == (0.0, [])


def test_text_similarity_uses_japanese_tokens():
    assert tokenize("子ども食堂を開いています")[:2] == ["子供", "食堂"]
    docs = [
        tokenize("久米川町で子ども食堂を開き、地域の子どもの居場所をつくっています。"),
        tokenize("子ども食堂と子どもの居場所づくりを応援しています。"),
        tokenize("太陽光発電と省エネの設備を企業に提案しています。"),
    ]
    tfidf = TfIdf(docs)
    a, b, c = (features(i, vector=tfidf.vector(doc)) for i, doc in enumerate(docs, 1))
    assert cosine(a.vector, b.vector) > cosine(a.vector, c.vector)
    score, reasons = scoring.text_similarity(a, b)
    assert score > 0 and "食堂" in texts(reasons)[0]


def test_score_pair_is_the_sum_and_the_fast_path_agrees():
    a = features(1, "company", offers={"食材"}, needs={"広報"}, goals={2}, towns={"久米川町"})
    b = features(2, "npo", offers={"広報"}, needs={"食材"}, goals={2}, towns={"久米川町"})
    score, reasons = scoring.score_pair(a, b)
    parts = sum(component(a, b)[0] for component in scoring.COMPONENTS)
    assert score == round(parts, 4)
    assert scoring.score_pair(a, b, explain=False) == (score, [])
    assert reasons[0]["code"] == "offer"  # strongest reason first
    assert scoring.is_eligible(a, b, score)


def test_a_pair_with_nothing_concrete_is_not_eligible():
    a = features(1, "company", goals={2, 3, 4}, towns={"久米川町"})
    b = features(2, "npo", goals={2, 3, 4}, towns={"久米川町"})
    score, _ = scoring.score_pair(a, b)
    assert score >= scoring.MIN_SCORE
    assert not scoring.is_eligible(a, b, score)


def test_fingerprint_changes_with_inputs_but_not_with_text():
    a = features(1, offers={"食材"}, text="古い紹介文")
    b = features(2, needs={"食材"})
    same = features(1, offers={"食材"}, text="新しい紹介文")
    changed = features(1, offers={"食材", "会場提供"})
    assert pair_fingerprint(a, b) == pair_fingerprint(same, b)
    assert pair_fingerprint(a, b) != pair_fingerprint(changed, b)


def test_input_hints_name_what_is_missing():
    assert scoring.input_hints(features(1)) == ["goals", "offers", "needs"]
    assert scoring.input_hints(features(1, goals={1}, offers={"食材"}, needs={"資金"})) == []
