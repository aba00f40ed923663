"""The BM25 formula, in one place: scores at build time, explanations at query time.

Every field of the index is one ``rank_bm25.BM25Okapi`` over its own units (passages, or
whole documents): a term ``t`` in a unit ``u`` weighs

    idf(t) · tf·(k1 + 1) / (tf + k1·norm(u)),    norm(u) = 1 − b + b·len(u) / avglen
    idf(t) = ln((N − df + 0.5) / (df + 0.5)),    floored at ε·mean(idf) when negative

where N is the number of units, df the units holding ``t`` and ``len(u)`` the number of terms
of ``u``. :func:`weights` computes it for every posting of a query's term;
:func:`explain` computes it for one posting, with every factor kept, for ``--explain`` and
the tests; they sit side by side so that what is explained is what was scored
(tantivy's ``BM25Weight`` keeps ``score`` and ``explain`` together for the same reason).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, overload

from ._numpy import np
from .backends import NUMPY, Backend


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    #: Terms in more than half of the units get a negative Okapi IDF; like rank-bm25 we floor
    #: them at ``epsilon`` times the mean IDF, so that a common term still counts a bit.
    epsilon: float = 0.25


@dataclass(frozen=True)
class FieldStats:
    """What a term's weight depends on beyond the unit: how many units the field has, their
    average length and the mean IDF of its vocabulary (for the floor)."""

    units: int
    average_length: float
    mean_idf: float


@overload
def raw_idf(units: int, df: float) -> float: ...
@overload
def raw_idf(units: int, df: np.ndarray) -> np.ndarray: ...
def raw_idf(units: int, df: np.ndarray | float) -> np.ndarray | float:
    """Okapi's IDF before the floor, for one document frequency or an array of them."""
    if isinstance(df, (int, float)):
        return math.log(units - df + 0.5) - math.log(df + 0.5)
    return np.log(units - df + 0.5) - np.log(df + 0.5)


def stats(lengths: np.ndarray, df: np.ndarray) -> FieldStats:
    """A field's :class:`FieldStats` from its units' lengths and its terms' document
    frequencies, worked out once when the field is built and kept with it."""
    units = len(lengths)
    total = int(np.asarray(lengths).sum())
    mean = float(raw_idf(units, np.asarray(df)).mean()) if len(df) else 0.0
    return FieldStats(units, total / units if units and total else 1.0, mean)


def idf(stats: FieldStats, df: int, params: BM25Params) -> float:
    value = raw_idf(stats.units, df)
    return params.epsilon * stats.mean_idf if value < 0 else value


def norm(length: int, stats: FieldStats, params: BM25Params) -> float:
    return 1 - params.b + params.b * length / stats.average_length


def weights(
    units: Sequence[int], tf: Sequence[int], lengths: Sequence[int], df: int, stats: FieldStats, params: BM25Params, backend: Backend = NUMPY
) -> Sequence[float]:
    """The weight of one term in each unit holding it (``units``, where it occurs ``tf``
    times), every unit's length, and its document frequency ``df``: worked out when a query
    asks, from counts, so that an index stores no score (see :mod:`mlq.postings`)."""
    scale, shift = params.k1 * params.b / stats.average_length, params.k1 * (1 - params.b)
    return backend.bm25(units, tf, lengths, scale, shift, params.k1 + 1, idf(stats, df, params))


@dataclass(frozen=True)
class Part:
    """One term's part of a hit's score: ``weight × count × idf × tf·(k1+1) / (tf + k1·norm)``
    in one field (``unit`` says whether the field scores passages or whole documents)."""

    field: str
    unit: str
    term: str
    count: int  # times the term is in the query
    weight: float  # the field's weight
    tf: int
    idf: float
    norm: float
    score: float
    #: For the bigrams of a query's part or join (see :class:`mlq.analysis.QueryWord`): which,
    #: as ``part 機械`` or ``join 梅雨明けの発表``.
    via: str = ""


def explain(
    field: str, unit: str, term: str, count: int, weight: float, tf: int, df: int, length: int, stats: FieldStats, params: BM25Params
) -> Part:
    """:func:`weights` for one posting, with its factors."""
    term_idf, term_norm = idf(stats, df, params), norm(length, stats, params)
    saturated = tf * (params.k1 + 1) / (tf + params.k1 * term_norm)
    return Part(field, unit, term, count, weight, tf, term_idf, term_norm, weight * count * term_idf * saturated)


def characteristic(tf: int, df: int, units: int, params: BM25Params) -> float:
    """How much a term says about a text it occurs ``tf`` times in: raw idf × saturated tf,
    without length normalisation (what ``mlq similar`` picks its words by); 0 or less for a
    term in most units."""
    return raw_idf(units, df) * tf * (params.k1 + 1) / (tf + params.k1)
