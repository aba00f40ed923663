"""How postings are combined (mlq.backends): numpy and plain Python give the same passages and
the very same floats, so a small index read without numpy ranks as a large one does."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings, strategies as st

from mlq.backends import NUMPY, PLAIN

# A query's parts: each a posting list (ascending, distinct passages, out of a few hundred, which
# numpy sums through a count of every passage, or out of tens of thousands, which it sums by
# sorting), its scores, its factor, and whether its passages are candidates (a word's) or only
# add to them (a part's or a join's).
def query_parts(top: int) -> st.SearchStrategy:
    part = st.tuples(st.sets(st.integers(0, top), max_size=60).map(sorted), st.floats(0.0, 30.0), st.floats(0.1, 3.0), st.booleans())
    return st.lists(part, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([300, 50_000]).flatmap(query_parts), st.randoms(use_true_random=False))
def test_sums_list_the_passages_of_the_parts_listed_with_every_parts_scores(parts: list, rng) -> None:
    plain = [(ids, [base + rng.random() for _ in ids], factor) for ids, base, factor, _ in parts]
    arrays = [(np.asarray(ids, dtype=np.int32), np.asarray(scores), factor) for ids, scores, factor in plain]
    listed = [wanted for *_, wanted in parts]
    plain_ids, plain_scores = PLAIN.summed(plain, listed)
    numpy_ids, numpy_scores = NUMPY.summed(arrays, listed)
    assert list(plain_ids) == numpy_ids.tolist() == sorted({i for (ids, _, _), wanted in zip(plain, listed) if wanted for i in ids})
    assert list(plain_scores) == numpy_scores.tolist()  # the same floats, not merely close ones
    for i, score in zip(plain_ids, plain_scores):
        expected = sum(score * factor for ids, scores, factor in plain for unit, score in zip(ids, scores) if unit == i)
        assert math.isclose(score, expected, rel_tol=1e-12)
