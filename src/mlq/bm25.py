"""BM25 over term lists, as a few arrays: the scoring core of the index.

Each field is one BM25Okapi (the formula of ``rank_bm25.BM25Okapi``, epsilon floor for
negative IDF included) stored as a few arrays: a sorted vocabulary, and per term its postings
(passage numbers) with the term's BM25 contribution to each passage precomputed at build time.
A query then costs in proportion to the postings of its terms: gather their slices, sum per
passage with ``np.bincount``, and pick the best few with a partial sort. Nothing loops over
every passage.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    #: Terms in more than half of the passages get a negative Okapi IDF; like rank-bm25 we
    #: floor them at ``epsilon`` times the mean IDF, so that a common term still counts a bit.
    epsilon: float = 0.25


class Vocabulary:
    """Sorted distinct terms as one UTF-8 blob with offsets: loads without building a dict of
    every term, and looks a term up by binary search."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.blob = blob
        self.offsets = offsets

    @classmethod
    def from_terms(cls, terms: Sequence[str]) -> Vocabulary:
        encoded = [term.encode("utf-8") for term in terms]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return cls(blob, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        return bytes(self.blob[self.offsets[i] : self.offsets[i + 1]]).decode("utf-8")

    def id_of(self, term: str) -> int | None:
        # UTF-8 byte order is code point order, the order the terms were sorted in.
        i = bisect.bisect_left(range(len(self)), term, key=self.__getitem__)
        return i if i < len(self) and self[i] == term else None


@dataclass(frozen=True)
class FieldIndex:
    """One field's BM25: postings of term ``i`` are ``postings[indptr[i]:indptr[i+1]]`` with
    their precomputed scores in ``scores`` at the same positions."""

    vocabulary: Vocabulary
    indptr: np.ndarray
    postings: np.ndarray
    scores: np.ndarray

    @property
    def term_count(self) -> int:
        return len(self.vocabulary)

    def postings_of(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Passage numbers containing ``term`` and the term's BM25 score in each."""
        i = self.vocabulary.id_of(term)
        if i is None:
            return _EMPTY_IDS, _EMPTY_SCORES
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.postings[lo:hi], self.scores[lo:hi]


_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)


def build_field(term_lists: Sequence[Sequence[str]], params: BM25Params) -> FieldIndex:
    """BM25Okapi over ``term_lists`` (one list of terms per passage)."""
    n = len(term_lists)
    lengths = np.fromiter((len(terms) for terms in term_lists), dtype=np.int64, count=n)
    distinct = sorted({term for terms in term_lists for term in terms})
    term_ids = {term: i for i, term in enumerate(distinct)}
    flat_terms = np.fromiter(
        (term_ids[term] for terms in term_lists for term in terms), dtype=np.int64, count=int(lengths.sum())
    )
    flat_passages = np.repeat(np.arange(n, dtype=np.int64), lengths)
    # One (term, passage) pair per posting, sorted by term then passage; the count is tf.
    pairs, tf = np.unique(flat_terms * max(n, 1) + flat_passages, return_counts=True)
    posting_terms, posting_passages = np.divmod(pairs, max(n, 1))
    df = np.bincount(posting_terms, minlength=len(distinct))
    indptr = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])

    idf = np.log(n - df + 0.5) - np.log(df + 0.5)
    if len(idf):
        idf[idf < 0] = params.epsilon * idf.mean()
    avgdl = lengths.sum() / n if n and lengths.sum() else 1.0
    tf = tf.astype(np.float64)
    norm = params.k1 * (1 - params.b + params.b * lengths[posting_passages] / avgdl)
    scores = idf[posting_terms] * (tf * (params.k1 + 1) / (tf + norm))
    return FieldIndex(Vocabulary.from_terms(distinct), indptr, posting_passages.astype(np.int32), scores)


@dataclass(frozen=True)
class Index:
    """BM25 per field over the same passages, summed with a weight per field."""

    fields: Mapping[str, FieldIndex]
    weights: Mapping[str, float]
    passage_count: int

    def score(self, query: Mapping[str, Iterable[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Passages matching any query term and their scores, as rank-bm25's ``get_scores``
        would give them (a repeated query term counts again), weighted and summed over fields.
        Passages that match nothing are left out: their score is 0."""
        ids, scores = [], []
        for name, terms in query.items():
            field, weight = self.fields[name], self.weights[name]
            counts: dict[str, int] = {}
            for term in terms:
                counts[term] = counts.get(term, 0) + 1
            for term, count in counts.items():
                term_ids, term_scores = field.postings_of(term)
                ids.append(term_ids)
                scores.append(term_scores * (weight * count))
        if not ids:
            return _EMPTY_IDS, _EMPTY_SCORES
        matched, slot = np.unique(np.concatenate(ids), return_inverse=True)
        return matched, np.bincount(slot, weights=np.concatenate(scores), minlength=len(matched))


def select_top(
    ids: np.ndarray,
    scores: np.ndarray,
    k: int,
    groups: np.ndarray | None = None,
    per_group: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best of ``ids`` by score, best first, ties broken by the lower id so results
    are stable. With ``groups`` (the group of each id, e.g. its document), at most
    ``per_group`` from one group."""
    if groups is not None and per_group is not None and len(ids):
        keep = _rank_within_group(ids, scores, groups[ids]) < per_group
        ids, scores = ids[keep], scores[keep]
    if len(ids) > k:
        kth_best = np.partition(scores, len(scores) - k)[len(scores) - k]
        near = np.flatnonzero(scores >= kth_best)
        ids, scores = ids[near], scores[near]
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]


def _rank_within_group(ids: np.ndarray, scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """For each id, how many ids of its group score better (ties: lower id first)."""
    best_first = np.lexsort((ids, -scores))
    by_group = best_first[np.argsort(groups[best_first], kind="stable")]
    sorted_groups = groups[by_group]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(by_group)])
    rank = np.empty(len(ids), dtype=np.int64)
    rank[by_group] = np.arange(len(by_group)) - np.repeat(starts, sizes)
    return rank
