"""How an index's arrays are read and combined: with numpy, or in plain Python for a small index
read without numpy (its arrays mapped as ``memoryview``s: importing numpy alone costs more than
such a search; see :mod:`mlq.cache`). The choice is made once, when the index is opened, and the
index's parts carry it (:attr:`mlq.index.CorpusIndex.backend`); nothing else asks what kind of
array it holds. Both backends sum in the same order, so they give the same floats.
"""

from __future__ import annotations

import bisect
import itertools
from typing import Any, Sequence

from ._numpy import np


class Backend:
    """How arrays are searched and postings combined: numpy arrays, or plain sequences."""

    #: Whether its arrays are numpy's.
    numpy = True

    def position(self, ordered: Sequence[Any], value: int) -> int:
        """Where ``value`` goes in the ascending ``ordered`` (``bisect_left``)."""
        raise NotImplementedError

    def summed(self, parts: Sequence[tuple[Sequence[int], Sequence[float], float]], listed: Sequence[bool] | None = None) -> tuple[Sequence[int], Sequence[float]]:
        """Every id of ``parts`` (ids, scores, factor) with the sum of its scores × factor; with
        ``listed``, only the ids of the parts ``k`` where ``listed[k]`` (the others add to
        their scores, and bring no id)."""
        raise NotImplementedError

    def in_all(self, parts: Sequence[tuple[Any, float]]) -> tuple[Sequence[int], Sequence[float]]:
        """The ids in every one of ``parts`` (postings, factor), sorted, with their summed
        scores × factor. Postings have ``ids`` and ``scores_at(positions)``: only the scores of
        the ids kept are worked out."""
        raise NotImplementedError

    def take(self, values: Sequence[int], ids: Sequence[int]) -> Sequence[int]:
        """``values[i]`` for each of ``ids``."""
        raise NotImplementedError

    def plus(self, scores: Sequence[float], units: Sequence[int], found: tuple[Sequence[int], Sequence[float]]) -> Sequence[float]:
        """``scores`` plus, for each, the score ``found`` (sorted units and their scores) gives
        its unit (0 if none)."""
        raise NotImplementedError

    def running_sum(self, first: int, gaps: Sequence[int]) -> Sequence[int]:
        """``first``, then ``first`` plus each running total of ``gaps``: a posting list's
        units from its first one and the gaps (see :mod:`mlq.postings`)."""
        raise NotImplementedError

    def nibbles(self, packed: Sequence[int], lo: int, hi: int) -> Sequence[int]:
        """Half-bytes ``lo`` to ``hi`` of ``packed``, the low half of each byte first."""
        raise NotImplementedError

    def nibbles_at(self, packed: Sequence[int], lo: int, positions: Sequence[int]) -> Sequence[int]:
        """Half-bytes ``lo + p`` of ``packed`` for each of ``positions``."""
        raise NotImplementedError

    def put(self, values: Sequence[int], at: Sequence[int], base: int, new: Sequence[int]) -> Sequence[int]:
        """A copy of ``values`` with ``values[at[k] - base] = new[k]``."""
        raise NotImplementedError

    def put_matching(self, values: Sequence[int], positions: Sequence[int], at: Sequence[int], base: int, new: Sequence[int]) -> Sequence[int]:
        """A copy of ``values`` (one per position of ``positions``, ascending) with the value at
        position ``at[k] - base`` made ``new[k]``, where that position is among them."""
        raise NotImplementedError

    def bm25(self, units: Sequence[int], tf: Sequence[int], lengths: Sequence[int], scale: float, shift: float, boost: float, idf: float) -> Sequence[float]:
        """``idf · tf·boost / (lengths[u]·scale + shift + tf)`` for each posting: the formula of
        :mod:`mlq.scoring`, with its constants worked out, in that order of operations."""
        raise NotImplementedError


class _Numpy(Backend):
    def position(self, ordered, value):  # type: ignore[override]
        return int(np.searchsorted(ordered, np.asarray(value, dtype=ordered.dtype)))  # a uint64 hash stays one

    def summed(self, parts, listed=None):  # type: ignore[override]
        if not parts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
        all_ids = np.concatenate([ids for ids, _, _ in parts])
        all_scores = np.concatenate([np.asarray(scores) * factor for _, scores, factor in parts])
        top = int(all_ids.max()) + 1 if len(all_ids) else 0
        every = listed is None or all(listed)
        if len(all_ids) * 8 < top:
            # Few postings: sorting them costs less than a pass over every id below the largest.
            matched, slot = np.unique(all_ids, return_inverse=True)
            totals = np.bincount(slot, weights=all_scores, minlength=len(matched))
            if every:
                return matched, totals
            kept = np.zeros(len(matched), dtype=bool)
            kept[slot[np.repeat(np.asarray(listed), [len(ids) for ids, _, _ in parts])]] = True
            return matched[kept], totals[kept]
        totals = np.bincount(all_ids, weights=all_scores, minlength=top)
        touched = np.zeros(top, dtype=bool)
        for ids in [all_ids] if every else [ids for (ids, _, _), wanted in zip(parts, listed) if wanted]:
            touched[ids] = True
        matched = np.flatnonzero(touched)
        return matched, totals[matched]

    def in_all(self, parts):  # type: ignore[override]
        # From the shortest postings, each other's looked up by binary search: the cost follows
        # the rarest bigram, not the commonest. Sums run in the order of ``parts``, as the plain
        # backend's do.
        order = sorted(range(len(parts)), key=lambda k: len(parts[k][0].ids))
        ids = np.asarray(parts[order[0]][0].ids)
        kept = np.ones(len(ids), dtype=bool)
        at_of = {order[0]: np.arange(len(ids))}
        for k in order[1:]:
            other_ids = np.asarray(parts[k][0].ids)
            at = np.minimum(np.searchsorted(other_ids, ids), max(len(other_ids) - 1, 0))
            kept &= other_ids[at] == ids if len(other_ids) else False
            at_of[k] = at
        ids = ids[kept]
        sums = np.zeros(len(ids))
        for k, (postings, factor) in enumerate(parts):
            sums += np.asarray(postings.scores_at(at_of[k][kept]), dtype=np.float64) * factor
        return ids, sums

    def take(self, values, ids):  # type: ignore[override]
        return np.asarray(values)[ids]

    def plus(self, scores, units, found):  # type: ignore[override]
        found_units, found_scores = found
        if not len(found_units):
            return scores
        at = np.minimum(np.searchsorted(found_units, units), len(found_units) - 1)
        return scores + np.where(found_units[at] == units, found_scores[at], 0.0)

    def running_sum(self, first, gaps):  # type: ignore[override]
        units = np.empty(len(gaps) + 1, dtype=np.int32)
        units[0] = first
        units[1:] = gaps
        return np.cumsum(units, out=units)

    def nibbles(self, packed, lo, hi):  # type: ignore[override]
        pairs = np.asarray(packed[lo >> 1 : (hi + 1) >> 1])
        values = np.empty((len(pairs), 2), dtype=np.uint8)
        np.bitwise_and(pairs, 15, out=values[:, 0])
        np.right_shift(pairs, 4, out=values[:, 1])
        return values.reshape(-1)[lo & 1 : (lo & 1) + hi - lo]

    def nibbles_at(self, packed, lo, positions):  # type: ignore[override]
        at = np.asarray(positions, dtype=np.int64) + lo
        values = np.asarray(packed)[at >> 1]
        return (values >> ((at & 1) << 2).astype(np.uint8)) & 15

    def put(self, values, at, base, new):  # type: ignore[override]
        values = values.astype(np.int32)
        values[np.asarray(at) - base] = new
        return values

    def put_matching(self, values, positions, at, base, new):  # type: ignore[override]
        positions, wanted = np.asarray(positions), np.asarray(at) - base
        found = np.minimum(np.searchsorted(positions, wanted), max(len(positions) - 1, 0))
        hit = positions[found] == wanted if len(positions) else np.zeros(len(wanted), dtype=bool)
        values = values.astype(np.int32)
        values[found[hit]] = np.asarray(new)[hit]
        return values

    def bm25(self, units, tf, lengths, scale, shift, boost, idf):  # type: ignore[override]
        out = np.asarray(lengths)[units] * scale
        out += shift
        out += tf
        np.divide(tf * boost, out, out=out)
        out *= idf
        return out


class _Plain(Backend):
    """The same sums in plain Python, in the order ``np.bincount`` adds them: the same floats."""

    numpy = False

    def position(self, ordered, value):  # type: ignore[override]
        return bisect.bisect_left(ordered, value)

    def summed(self, parts, listed=None):  # type: ignore[override]
        totals: dict[int, float] = {}
        get = totals.get
        for ids, scores, factor in parts:
            for i, score in zip(ids, scores):
                totals[i] = get(i, 0.0) + score * factor
        kept = totals if listed is None else set().union(*(ids for (ids, _, _), wanted in zip(parts, listed) if wanted))
        matched = sorted(kept)
        return matched, [totals[i] for i in matched]

    def in_all(self, parts):  # type: ignore[override]
        common = set(parts[0][0].ids).intersection(*(set(postings.ids) for postings, _ in parts[1:]))
        sums: list[float] | None = None
        for postings, factor in parts:
            # The positions of the ids kept, picked out at C speed: the lists can be long.
            scores = postings.scores_at(list(itertools.compress(range(len(postings.ids)), map(common.__contains__, postings.ids))))
            sums = [score * factor for score in scores] if sums is None else [total + score * factor for total, score in zip(sums, scores)]
        return sorted(common), sums or []

    def take(self, values, ids):  # type: ignore[override]
        return [values[i] for i in ids]

    def plus(self, scores, units, found):  # type: ignore[override]
        by_unit = dict(zip(*found))
        return [score + by_unit.get(unit, 0.0) for unit, score in zip(units, scores)]

    def running_sum(self, first, gaps):  # type: ignore[override]
        return list(itertools.accumulate(gaps, initial=first))

    def nibbles(self, packed, lo, hi):  # type: ignore[override]
        pairs = bytes(packed[lo >> 1 : (hi + 1) >> 1])
        values = bytearray(2 * len(pairs))
        values[0::2] = pairs.translate(_LOW_HALVES)  # byte by byte in C, not in Python
        values[1::2] = pairs.translate(_HIGH_HALVES)
        return values[lo & 1 : (lo & 1) + hi - lo]

    def nibbles_at(self, packed, lo, positions):  # type: ignore[override]
        if not positions or len(positions) * 8 < positions[-1]:  # a few, far apart: each read alone
            return [(packed[(lo + p) >> 1] >> (((lo + p) & 1) << 2)) & 15 for p in positions]
        run = self.nibbles(packed, lo, lo + positions[-1] + 1)  # the run that covers them, at C speed
        return [run[p] for p in positions]

    def put(self, values, at, base, new):  # type: ignore[override]
        values = list(values)
        for k, value in zip(at, new):
            values[k - base] = value
        return values

    def put_matching(self, values, positions, at, base, new):  # type: ignore[override]
        where = {position: k for k, position in enumerate(positions)}
        values = list(values)
        for position, value in zip(at, new):
            if position - base in where:
                values[where[position - base]] = value
        return values

    def bm25(self, units, tf, lengths, scale, shift, boost, idf):  # type: ignore[override]
        return [t * boost / (lengths[u] * scale + shift + t) * idf for u, t in zip(units, tf)]


_LOW_HALVES = bytes(byte & 15 for byte in range(256))
_HIGH_HALVES = bytes(byte >> 4 for byte in range(256))

NUMPY, PLAIN = _Numpy(), _Plain()
