"""Finding each subject's best partners: every pair scored, a block of subjects at a time.

The rules are the plain functions of :mod:`openlab.matching.scoring`. This module
computes the same total for a block of subjects against every stakeholder at once
with sparse matrices (numpy/scipy), so the ranking is exact (no candidate pruning)
and a full recomputation of 10,000 stakeholders takes seconds, not minutes.
tests/matching/test_engine.py checks that the matrix score equals ``score_pair`` for
every pair. Reasons are built afterwards, with ``score_pair``, for the top K only.

How the rules become matrices (one row per subject or candidate):

- complementarity: a "gives" row (offers, and offers read from free text) and a
  "receives" row weighted by what each gift is worth to that side (3.0 for a
  vocabulary need, 1.5 for a need read from text or an offer read from text), so
  gives(a) · receives(b) is what A gives B; the mutual bonus where both ways > 0;
- SDG targets and goals, towns: 0/1 rows, the dot product counts what is shared;
- text: the TF-IDF unit vectors, the dot product is the cosine;
- sector: compared as small integers.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from openlab.matching import scoring
from openlab.matching.text_similarity import TfIdf, tokenize

TOP_K = 10
# Subjects scored together: a block's arrays are BLOCK × (number of stakeholders)
# float64, small enough to stay in the processor's cache (2.5 MB for 10,000).
BLOCK = 32
# The k-th best score of every SAMPLE_STRIDE-th candidate bounds a row's k-th best (_best).
SAMPLE_STRIDE = 8
# Kids' ambassador groups are never proposed: children do not meet adults through
# the matching engine (their groups work with the lab through facilitators).
EXCLUDED_KINDS = frozenset({"ambassador"})
SECTOR_CODES = {sector: code for code, sector in enumerate(sorted(set(scoring.SECTORS.values())))}


# --- what each side brings, as columns -----------------------------------------------------


def gives(row):
    """(column, weight) pairs of what a side can give: its offers, then offers its text
    speaks of that the vocabulary does not already list."""
    yield from ((("offer", term), 1.0) for term in row.offers)
    yield from ((("text_offer", term), 1.0) for term in row.text_offers if term not in row.offers)


def receives(row):
    """(column, weight) pairs of what a gift in that column is worth to this side
    (the weights of ``scoring.complementarity``)."""
    for term in row.needs:
        yield ("offer", term), scoring.W_OFFER_NEED
        yield ("text_offer", term), scoring.W_TEXT_OFFER_NEED
    for term in row.text_needs:
        if term not in row.needs:
            yield ("offer", term), scoring.W_TEXT_OFFER_NEED


def _ones(values):
    return ((value, 1.0) for value in values)


def _local_towns(row):
    return _ones(row.towns - {scoring.OUTSIDE_TOWN})


# name: (column space, weights of a row). "gives" and "receives" share one space so
# that their dot product pairs a gift with what it is worth to the other side.
FEATURES = {
    "gives": ("complementarity", gives),
    "receives": ("complementarity", receives),
    "targets": ("targets", lambda row: _ones(row.targets)),
    "goals": ("goals", lambda row: _ones(row.goals)),
    "towns": ("towns", _local_towns),
    "text": ("text", lambda row: row.vector.items()),
}


def _columns(rows):
    """{space: {column: index}} for every value the rows use."""
    columns = {space: {} for space, _ in FEATURES.values()}
    for space, weights_of in FEATURES.values():
        found = columns[space]
        for row in rows:
            for column, _weight in weights_of(row):
                found.setdefault(column, len(found))
    return columns


def _matrix(rows, weights_of, columns):
    """A CSR matrix, one row per Features row. Columns no candidate uses are dropped
    (a subject's word that no stakeholder uses cannot be shared)."""
    indptr, indices, data = [0], [], []
    for row in rows:
        for column, weight in weights_of(row):
            index = columns.get(column)
            if index is not None:
                indices.append(index)
                data.append(weight)
        indptr.append(len(indices))
    shape = (len(rows), max(1, len(columns)))
    return sparse.csr_matrix((data, indices, indptr), shape=shape, dtype=np.float64)


def _sectors(rows):
    return np.array([SECTOR_CODES.get(scoring.SECTORS.get(row.kind), -1) for row in rows])


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
        # Candidates in pk order: ties are broken by the lower pk, as a stable sort would.
        self.candidates = sorted(self.stakeholders, key=lambda row: row.pk)
        self.column_of_pk = {row.pk: i for i, row in enumerate(self.candidates)}
        self.columns = _columns(self.candidates)
        # Transposed once (features × candidates) for the block products.
        self.candidate_matrices = {
            name: _matrix(self.candidates, weights_of, self.columns[space]).T.tocsr()
            for name, (space, weights_of) in FEATURES.items()
        }
        # cross_sector[code]: the candidates in another (known) sector than `code`;
        # the last row (code -1, kind without a sector) is all False.
        sectors = _sectors(self.candidates)
        codes = np.arange(len(SECTOR_CODES) + 1)[:, None]
        self.cross_sector = (sectors[None, :] != codes) & (sectors >= 0)[None, :]
        self.cross_sector[-1] = False

    def subject(self, key):
        """Features of "s<pk>" or "p<pk>", or None."""
        pk = int(key[1:])
        return self.projects_by_pk.get(pk) if key[0] == "p" else self.by_pk.get(pk)

    def _dot(self, subject_matrices, name, other=None):
        """(subjects × candidates) dot products of a subject feature with a candidate one."""
        subject_rows = subject_matrices[name].toarray()
        return subject_rows @ self.candidate_matrices[other or name]

    def scores(self, subjects):
        """(subjects × candidates) array of scores (``score_pair``'s total); ``-inf`` where a
        pair is not eligible (``scoring.is_eligible``) or is the subject itself or one of
        its collaborators. In-place operations: the block's arrays are the memory used."""
        m = {
            name: _matrix(subjects, weights_of, self.columns[space])
            for name, (space, weights_of) in FEATURES.items()
        }
        total = self._dot(m, "gives", "receives")  # what A gives B
        b_gives = self._dot(m, "receives", "gives")
        concrete = total > 0
        mutual = concrete & (b_gives > 0)
        concrete |= b_gives > 0
        total += b_gives
        np.add(total, scoring.W_MUTUAL, out=total, where=mutual)
        del b_gives, mutual

        targets = self._dot(m, "targets")
        concrete |= targets > 0
        np.minimum(targets, scoring.MAX_TARGETS, out=targets)
        targets *= scoring.W_TARGET
        total += targets
        del targets

        goals = self._dot(m, "goals")
        np.minimum(goals, scoring.MAX_GOALS, out=goals)
        goals *= scoring.W_GOAL
        total += goals
        del goals

        np.add(total, scoring.W_TOWN, out=total, where=self._dot(m, "towns") > 0)
        text = self._dot(m, "text")
        text *= scoring.W_TEXT
        total += text
        del text
        cross = self.cross_sector[_sectors(subjects)]
        np.add(total, scoring.W_SECTOR, out=total, where=cross)

        concrete &= total >= scoring.MIN_SCORE
        np.copyto(total, -np.inf, where=~concrete)
        for i, subject in enumerate(subjects):
            for pk in subject.collaborators | {subject.stakeholder_pk}:
                column = self.column_of_pk.get(pk)
                if column is not None:
                    total[i, column] = -np.inf
        return total

    def _best(self, totals, k):
        """Per row, the best k columns as [(score, candidate)]: highest score (rounded as
        ``score_pair`` rounds) first, then the lower pk."""
        totals = np.ascontiguousarray(totals)
        # A lower bound of each row's k-th best score, read from every SAMPLE_STRIDE-th
        # column (the k-th best of a subset is never above the k-th best of the whole),
        # is much cheaper than partitioning whole rows; it keeps a few dozen per row.
        sample = totals[:, ::SAMPLE_STRIDE]
        if sample.shape[1] > k:
            bound = np.partition(sample, sample.shape[1] - k, axis=1)[:, sample.shape[1] - k]
        else:
            bound = np.full(totals.shape[0], -np.inf)
        # Minus a margin: a score just below the bound may round to it (ties).
        threshold = np.maximum(bound - 1e-4, np.finfo(np.float64).min)
        rows, columns = np.nonzero(totals >= threshold[:, None])
        starts = np.searchsorted(rows, np.arange(totals.shape[0] + 1))
        results = []
        for i in range(totals.shape[0]):
            found = columns[starts[i] : starts[i + 1]]
            rounded = np.round(totals[i, found], 4)
            # lexsort sorts by the last key first: score descending, then pk (= column).
            order = np.lexsort((found, -rounded))[:k]
            results.append([(float(rounded[j]), self.candidates[found[j]]) for j in order])
        return results

    def top(self, subject, k=TOP_K):
        """The subject's best k candidates as [(score, candidate Features)], best first."""
        return self.tops([subject], k)[0][1]

    def tops(self, subjects, k=TOP_K):
        """[(subject, [(score, candidate)])] for many subjects, a block at a time."""
        subjects = list(subjects)
        found = []
        if not self.candidates:
            return [(subject, []) for subject in subjects]
        for start in range(0, len(subjects), BLOCK):
            block = subjects[start : start + BLOCK]
            found.extend(zip(block, self._best(self.scores(block), k), strict=True))
        return found

    def pairs_for(self, subjects, k=TOP_K):
        """{pair key: (side a, side b)} for the subjects' top k.

        Stakeholder pairs are keyed ("s", low pk, high pk) and stored once with side a
        the lower pk; project pairs are keyed ("p", project pk, candidate pk).
        """
        pairs = {}
        for subject, found in self.tops(subjects, k):
            for _score, candidate in found:
                if subject.is_project:
                    pairs[("p", subject.pk, candidate.pk)] = (subject, candidate)
                else:
                    a, b = sorted([subject, candidate], key=lambda row: row.pk)
                    pairs[("s", a.pk, b.pk)] = (a, b)
        return pairs

    def all_subjects(self):
        return self.stakeholders + self.projects
