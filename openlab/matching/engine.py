"""Finding each subject's best partners without scoring every pair.

Candidates come from inverted indexes (who offers, needs or works on a target),
counted in C by ``Counter.update``; only the most linked ``CANDIDATE_POOL`` of them
get the full numeric score, and only the best ``TEXT_POOL`` of those get the text
likeness (the most expensive part). Reasons are built for the final top K only.
"""

from __future__ import annotations

from collections import Counter

from openlab.matching import scoring
from openlab.matching.text_similarity import TfIdf, tokenize

TOP_K = 10
CANDIDATE_POOL = 150
TEXT_POOL = 40
# Kids' ambassador groups are never proposed: children do not meet adults through
# the matching engine (their groups work with the lab through facilitators).
EXCLUDED_KINDS = frozenset({"ambassador"})


class Engine:
    def __init__(self, stakeholders, projects=(), tokenizer=tokenize):
        self.stakeholders = [row for row in stakeholders if row.kind not in EXCLUDED_KINDS]
        self.by_pk = {row.pk: row for row in self.stakeholders}
        self.projects = [row for row in projects if row.stakeholder_pk in self.by_pk]
        self.projects_by_pk = {row.pk: row for row in self.projects}
        rows = self.stakeholders + self.projects
        for row in rows:
            if not row.tokens and row.text:
                row.tokens = tokenizer(row.text)
        tfidf = TfIdf([row.tokens for row in rows])
        for row in rows:
            row.vector = tfidf.vector(row.tokens)
        self.offer_index, self.need_index = {}, {}
        self.text_offer_index, self.text_need_index = {}, {}
        self.target_index = {}
        for row in self.stakeholders:
            for term in row.offers:
                self.offer_index.setdefault(term, []).append(row.pk)
            for term in row.needs:
                self.need_index.setdefault(term, []).append(row.pk)
            for term in row.text_offers:
                self.text_offer_index.setdefault(term, []).append(row.pk)
            for term in row.text_needs:
                self.text_need_index.setdefault(term, []).append(row.pk)
            for code in row.targets:
                self.target_index.setdefault(code, []).append(row.pk)

    def subject(self, key):
        """Features of "s<pk>" or "p<pk>", or None."""
        pk = int(key[1:])
        return self.projects_by_pk.get(pk) if key[0] == "p" else self.by_pk.get(pk)

    def linked(self, subject):
        """Counts of links (vocabulary matches count double) from the inverted indexes."""
        counts = Counter()
        empty = ()
        for term in subject.needs:
            offers = self.offer_index.get(term, empty)
            counts.update(offers)
            counts.update(offers)
            counts.update(self.text_offer_index.get(term, empty))
        for term in subject.offers:
            needs = self.need_index.get(term, empty)
            counts.update(needs)
            counts.update(needs)
            counts.update(self.text_need_index.get(term, empty))
        for term in subject.text_needs:
            counts.update(self.offer_index.get(term, empty))
        for term in subject.text_offers:
            counts.update(self.need_index.get(term, empty))
        for code in subject.targets:
            counts.update(self.target_index.get(code, empty))
        return counts

    def top(self, subject, k=TOP_K):
        """The subject's best k candidates as [(score, candidate Features)], best first."""
        counts = self.linked(subject)
        excluded = subject.collaborators | {subject.stakeholder_pk}
        # The most linked candidates: the smallest link count that still keeps at least
        # CANDIDATE_POOL of them (ties included), found from the histogram of counts.
        histogram = Counter(counts.values())
        threshold, kept = 1, 0
        for links in sorted(histogram, reverse=True):
            kept += histogram[links]
            threshold = links
            if kept >= CANDIDATE_POOL:
                break
        pool = [pk for pk, links in counts.items() if links > threshold]
        pool += [pk for pk, links in counts.items() if links == threshold][
            : max(0, CANDIDATE_POOL - len(pool))
        ]
        by_pk = self.by_pk
        fast = scoring.fast_base_score
        scored = [(fast(subject, by_pk[pk]), pk, by_pk[pk]) for pk in pool if pk not in excluded]
        scored.sort(key=lambda item: (-item[0], item[1]))
        ranked = []
        for base, pk, candidate in scored[:TEXT_POOL]:
            total = base + scoring.text_similarity(subject, candidate, False)[0]
            if scoring.is_eligible(subject, candidate, total):
                ranked.append((round(total, 4), pk, candidate))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return [(score, candidate) for score, _pk, candidate in ranked[:k]]

    def tops(self, subjects, k=TOP_K, workers=1):
        """[(subject, [(score, candidate)])] for many subjects, on `workers` processes
        (forked: the children share the built engine; they never touch the database)."""
        subjects = list(subjects)
        if workers <= 1 or len(subjects) < 2000:
            return [(subject, self.top(subject, k)) for subject in subjects]
        import multiprocessing

        global _FORKED
        _FORKED = (self, k)
        keys = [subject.key for subject in subjects]
        chunks = [keys[i::workers] for i in range(workers)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_tops_in_child, chunks)
        _FORKED = None
        ranked = {}
        for chunk in results:
            for key, found in chunk:
                ranked[key] = [(score, self.by_pk[pk]) for score, pk in found]
        return [(subject, ranked[subject.key]) for subject in subjects]

    def pairs_for(self, subjects, k=TOP_K, workers=1):
        """{pair key: (side a, side b)} for the subjects' top k.

        Stakeholder pairs are keyed ("s", low pk, high pk) and stored once with side a
        the lower pk; project pairs are keyed ("p", project pk, candidate pk).
        """
        pairs = {}
        for subject, found in self.tops(subjects, k, workers):
            for _score, candidate in found:
                if subject.is_project:
                    pairs[("p", subject.pk, candidate.pk)] = (subject, candidate)
                else:
                    a, b = sorted([subject, candidate], key=lambda row: row.pk)
                    pairs[("s", a.pk, b.pk)] = (a, b)
        return pairs

    def all_subjects(self):
        return self.stakeholders + self.projects


_FORKED = None


def _tops_in_child(keys):
    engine, k = _FORKED
    return [
        (key, [(score, c.pk) for score, c in engine.top(engine.subject(key), k)]) for key in keys
    ]
