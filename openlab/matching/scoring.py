"""Scoring a pair: plain functions, each returning (score, reasons).

A reason is a small dict ``{"code": ..., "points": ..., ...}`` about sides "a" and
"b" of the pair; :mod:`openlab.matching.reasons` turns it into plain Japanese for
whoever reads it (「あなたの『会場提供』が、先方の求める『会場提供』に合います」).
With ``explain=False`` the same functions return the same score and no reasons.
The engine (:mod:`openlab.matching.engine`) computes the same totals for many pairs at
once with matrices; tests/matching/test_engine.py checks that both always agree, so
ranking and explanations never disagree.

Weights, in order of importance (see the issue): complementarity (A offers what
B needs, both ways) weighs most; then shared SDG targets, which say more than
shared goals; then the likeness of the descriptions; then the same town and a pair
across sectors.
"""

from __future__ import annotations

from openlab.matching.text_similarity import cosine, shared_words

W_OFFER_NEED = 3.0  # per term one side offers and the other needs (controlled vocabulary)
W_TEXT_OFFER_NEED = 1.5  # the same, read from free text
W_MUTUAL = 1.0  # both sides can give the other something
W_TARGET = 1.5  # per shared SDG target, at most MAX_TARGETS
MAX_TARGETS = 3
W_GOAL = 0.75  # per shared SDG goal, at most MAX_GOALS
MAX_GOALS = 4
W_TEXT = 3.0  # times the cosine of the descriptions' TF-IDF vectors
TEXT_REASON_MIN = 0.08  # below this the likeness is not worth telling
W_TOWN = 1.0
W_SECTOR = 1.0
MIN_SCORE = 3.0  # below this a pair is not proposed

SECTORS = {
    "city": "public",
    "company": "business",
    "npo": "civil",
    "citizen": "civil",
    "school": "education",
    "university": "education",
    "ambassador": "education",
}
OUTSIDE_TOWN = "市外"


def _one_way(giver, receiver, giver_side, explain):
    score, reasons = 0.0, []
    for term in sorted(giver.offers & receiver.needs):
        score += W_OFFER_NEED
        if explain:
            reasons.append(
                {"code": "offer", "giver": giver_side, "term": term, "points": W_OFFER_NEED}
            )
    # Free text counts only for what the controlled vocabulary did not already match.
    for term, snippet in sorted(receiver.text_needs.items()):
        if term in giver.offers and term not in receiver.needs:
            score += W_TEXT_OFFER_NEED
            if explain:
                reasons.append(
                    {"code": "offer_text_need", "giver": giver_side, "term": term,
                     "snippet": snippet, "points": W_TEXT_OFFER_NEED}
                )  # fmt: skip
    for term, snippet in sorted(giver.text_offers.items()):
        if term in receiver.needs and term not in giver.offers:
            score += W_TEXT_OFFER_NEED
            if explain:
                reasons.append(
                    {"code": "text_offer_need", "giver": giver_side, "term": term,
                     "snippet": snippet, "points": W_TEXT_OFFER_NEED}
                )  # fmt: skip
    return score, reasons


def complementarity(a, b, explain=True):
    """What each side offers that the other needs, both ways; a bonus when it is mutual."""
    a_gives, reasons_a = _one_way(a, b, "a", explain)
    b_gives, reasons_b = _one_way(b, a, "b", explain)
    score = a_gives + b_gives
    reasons = reasons_a + reasons_b
    if a_gives and b_gives:
        score += W_MUTUAL
        if explain:
            reasons.append({"code": "mutual", "points": W_MUTUAL})
    return score, reasons


def sdg_overlap(a, b, explain=True):
    """Shared SDG targets (worth more) and shared goals."""
    targets = a.targets & b.targets
    goals = a.goals & b.goals
    score = W_TARGET * min(len(targets), MAX_TARGETS) + W_GOAL * min(len(goals), MAX_GOALS)
    reasons = []
    if explain:
        if targets:
            reasons.append(
                {"code": "targets", "targets": _sorted_targets(targets),
                 "points": W_TARGET * min(len(targets), MAX_TARGETS)}
            )  # fmt: skip
        if goals:
            reasons.append(
                {"code": "goals", "goals": sorted(goals),
                 "points": W_GOAL * min(len(goals), MAX_GOALS)}
            )  # fmt: skip
    return score, reasons


def _target_key(code):
    goal, _, rest = code.partition(".")
    return (int(goal), (0, int(rest)) if rest.isdigit() else (1, rest))


def _sorted_targets(targets):
    return sorted(targets, key=_target_key)


def text_similarity(a, b, explain=True):
    """The likeness of the descriptions (TF-IDF cosine over Sudachi tokens)."""
    similarity = cosine(a.vector, b.vector) if a.vector and b.vector else 0.0
    score = W_TEXT * similarity
    reasons = []
    if explain and similarity >= TEXT_REASON_MIN:
        reasons.append(
            {"code": "text", "words": shared_words(a.vector, b.vector),
             "similarity": round(similarity, 3), "points": round(score, 3)}
        )  # fmt: skip
    return score, reasons


def locality(a, b, explain=True):
    """Working in the same town of Higashimurayama."""
    towns = (a.towns & b.towns) - {OUTSIDE_TOWN}
    if not towns:
        return 0.0, []
    return W_TOWN, ([{"code": "town", "towns": sorted(towns), "points": W_TOWN}] if explain else [])


def cross_sector(a, b, explain=True):
    """A bonus for pairs across sectors (city × company × NPO × school …)."""
    sector_a, sector_b = SECTORS.get(a.kind), SECTORS.get(b.kind)
    if not sector_a or not sector_b or sector_a == sector_b:
        return 0.0, []
    reasons = [{"code": "sector", "kinds": [a.kind, b.kind], "points": W_SECTOR}]
    return W_SECTOR, (reasons if explain else [])


COMPONENTS = (complementarity, sdg_overlap, text_similarity, locality, cross_sector)


def score_pair(a, b, explain=True):
    """The total score of a pair and every reason that produced it (strongest first)."""
    total, reasons = 0.0, []
    for component in COMPONENTS:
        score, why = component(a, b, explain)
        total += score
        reasons.extend(why)
    if explain:
        reasons.sort(key=lambda reason: -reason["points"])
    return round(total, 4), reasons


def is_eligible(a, b, score):
    """A pair is proposed when something concrete links it and the score is high enough:
    one side can give the other something, or they work on the same SDG target."""
    if score < MIN_SCORE:
        return False
    return bool(
        a.offers & b.needs
        or b.offers & a.needs
        or a.targets & b.targets
        or a.text_needs.keys() & b.offers
        or b.text_needs.keys() & a.offers
        or a.text_offers.keys() & b.needs
        or b.text_offers.keys() & a.needs
    )


def input_hints(features):
    """What a stakeholder should fill in for proposals to be found (empty when complete)."""
    hints = []
    if not features.goals:
        hints.append("goals")
    if not features.offers:
        hints.append("offers")
    if not features.needs:
        hints.append("needs")
    return hints
