"""The engine's matrix scores equal the plain scoring functions, and its top k is exact."""

import random

import pytest

from openlab.matching import engine as engine_module
from openlab.matching import scoring
from openlab.matching.engine import Engine
from tests.matching.conftest import features

TERMS = ["会場提供", "食材", "資金", "広報", "IT支援", "ボランティア"]
TOWNS = ["久米川町", "本町", "萩山町", "市外"]
TARGETS = ["11.3", "2.1", "4.7", "12.3", "3.d"]
TOPICS = [
    "子ども食堂で地域の子どもに食事を届けています。",
    "フードロスを減らすため、余った食材を集めています。",
    "防災訓練と避難所の運営を学ぶ講座を開いています。",
    "空き家を活用した交流の場をつくっています。",
    "プログラミング教育を小学校で行っています。",
    "里山の保全と環境学習に取り組んでいます。",
]


def random_rows(count, seed=11):
    rng = random.Random(seed)
    rows = []
    for pk in range(1, count + 1):
        chosen = rng.sample(TERMS, 4)
        rows.append(
            features(
                pk,
                rng.choice([*scoring.SECTORS, "other"]),
                offers=set(chosen[: rng.randint(0, 2)]),
                needs=set(chosen[2 : 2 + rng.randint(0, 2)]),
                text_needs=dict.fromkeys(rng.sample(TERMS, rng.randint(0, 2)), "…"),
                text_offers=dict.fromkeys(rng.sample(TERMS, rng.randint(0, 1)), "…"),
                goals=set(rng.sample(range(1, 18), rng.randint(0, 6))),
                targets=set(rng.sample(TARGETS, rng.randint(0, 4))),
                towns=set(rng.sample(TOWNS, rng.randint(0, 2))),
                collaborators={rng.randint(1, count)} if rng.random() < 0.2 else set(),
                text="".join(rng.sample(TOPICS, 2)) if rng.random() < 0.9 else "",
            )
        )
    return rows


def exact_top(subject, candidates, k):
    """The reference: every pair scored with score_pair, sorted by score then pk."""
    scored = []
    for candidate in candidates:
        if candidate.pk == subject.stakeholder_pk or candidate.pk in subject.collaborators:
            continue
        score = scoring.score_pair(subject, candidate, explain=False)[0]
        if scoring.is_eligible(subject, candidate, score):
            scored.append((score, candidate.pk))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return scored[:k]


@pytest.fixture(scope="module")
def engine():
    return Engine(random_rows(150))


def test_matrix_scores_equal_the_scoring_functions_for_every_pair(engine):
    subjects = engine.stakeholders
    totals = engine.scores(subjects)
    eligible = 0
    for i, a in enumerate(subjects):
        for j, b in enumerate(engine.candidates):
            expected = sum(component(a, b, False)[0] for component in scoring.COMPONENTS)
            excluded = b.pk == a.pk or b.pk in a.collaborators
            if excluded or not scoring.is_eligible(a, b, expected):
                assert totals[i, j] == float("-inf"), (a, b)
            else:
                eligible += 1
                assert totals[i, j] == pytest.approx(expected, abs=1e-9), (a, b)
    # The random rows exercise both branches (and the text part: vectors exist).
    assert 0 < eligible < len(subjects) ** 2
    assert sum(1 for row in subjects if row.vector) > 100


@pytest.mark.parametrize("k", [3, 10])
def test_top_k_is_the_exact_all_pairs_ranking(engine, k):
    # k=3 with 150 candidates takes the sampled lower bound path (SAMPLE_STRIDE).
    assert len(engine.candidates) // engine_module.SAMPLE_STRIDE > 3
    for subject in engine.stakeholders:
        found = [(score, candidate.pk) for score, candidate in engine.top(subject, k)]
        assert found == exact_top(subject, engine.candidates, k), subject.pk


def test_ties_go_to_the_lower_pk_and_blocks_do_not_matter(monkeypatch):
    twins = [features(pk, "npo", needs={"食材"}, goals={2}) for pk in range(2, 40)]
    giver = features(1, "company", offers={"食材"}, goals={2})
    engine = Engine([giver, *twins])
    assert [c.pk for _, c in engine.top(giver, 5)] == [2, 3, 4, 5, 6]
    whole = [(s.pk, [(x, c.pk) for x, c in found]) for s, found in engine.tops(engine.stakeholders)]
    monkeypatch.setattr(engine_module, "BLOCK", 7)
    in_blocks = engine.tops(engine.stakeholders)
    assert [(s.pk, [(x, c.pk) for x, c in found]) for s, found in in_blocks] == whole


def test_a_project_subject_is_scored_with_its_seeking_needs():
    lead = features(1, "npo", offers={"広報"})
    partner = features(2, "company", offers={"資金"})
    venue = features(3, "company", offers={"会場提供"})
    project = features(10, "npo", needs={"会場提供"}, offers={"広報"}, collaborators={1, 2})
    project.key, project.is_project, project.stakeholder_pk = "p10", True, 1
    engine = Engine([lead, partner, venue], [project])
    assert [c.pk for _, c in engine.top(project)] == [3]
    assert set(engine.pairs_for([project])) == {("p", 10, 3)}


def test_kids_ambassador_groups_are_never_candidates():
    kids = features(1, "ambassador", needs={"食材"}, goals={2})
    giver = features(2, "company", offers={"食材"}, goals={2})
    engine = Engine([kids, giver])
    assert engine.top(giver) == []
    assert [row.pk for row in engine.all_subjects()] == [2]
