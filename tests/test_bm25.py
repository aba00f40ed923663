"""Our BM25 is rank-bm25's BM25Okapi, field by field, on the real analysis of the bundled essays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from mlq import build_index, bundled_corpus
from mlq.bm25 import BM25Params, Index, build_field, select_top
from mlq.index import IndexSettings
from mlq.ingest import PassageAnalyzer

QUERIES = [
    "インターン 面接",
    "機械学習",
    "サーバーの打ち込み",
    "MLOps と チームビルディング",
    "面接 面接 学習",  # a repeated query term counts again, as in rank-bm25
    "研究所 の インターンシップ に 応募",
    "zzz 存在しない語彙",
    "の",
]


@pytest.fixture(scope="module")
def corpus_index():
    return build_index(bundled_corpus().resolve())


@pytest.fixture(scope="module")
def term_lists(corpus_index) -> dict[str, list[list[str]]]:
    """Each passage's terms: its prose (Markdown code, tags and URLs blanked), then its title
    and heading path, analysed on their own."""
    settings = IndexSettings()
    passage_analyzer = PassageAnalyzer(settings.analyzer, settings.context)
    lists: dict[str, list[list[str]]] = {"words": [], "bigrams": []}
    for i in range(len(corpus_index.passages)):
        document = corpus_index.documents[int(corpus_index.passages.doc[i])]
        passage = corpus_index.passage(i)
        prose = document.prose[passage.start : passage.end]
        for name, terms in passage_analyzer.terms(document, prose, passage.section).items():
            lists[name].append(terms)
    return lists


def dense(n: int, ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    out = np.zeros(n)
    out[ids] = scores
    return out


@pytest.mark.parametrize("field", ["words", "bigrams"])
@pytest.mark.parametrize("query", QUERIES)
def test_each_field_scores_equal_rank_bm25(corpus_index, term_lists, analyzer, field: str, query: str) -> None:
    params = IndexSettings().params(field)
    reference = BM25Okapi(term_lists[field], k1=params.k1, b=params.b, epsilon=params.epsilon)
    query_terms = [t.text for t in analyzer.analyze(query)[field]]
    expected = reference.get_scores(query_terms)
    single = Index({field: corpus_index.bm25.fields[field]}, {field: 1.0}, len(corpus_index.passages))
    ids, scores = single.score({field: query_terms})
    np.testing.assert_allclose(dense(len(expected), ids, scores), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("query", QUERIES[:4])
def test_combined_score_is_words_plus_half_bigrams(corpus_index, term_lists, analyzer, query: str) -> None:
    terms = analyzer.analyze(query)
    settings = IndexSettings()

    def okapi(name: str) -> BM25Okapi:
        params = settings.params(name)
        return BM25Okapi(term_lists[name], k1=params.k1, b=params.b, epsilon=params.epsilon)

    expected = sum(
        weight * okapi(name).get_scores([t.text for t in terms[name]]) for name, weight in [("words", 1.0), ("bigrams", 0.5)]
    )
    ids, scores = corpus_index.bm25.score({name: [t.text for t in field] for name, field in terms.items()})
    np.testing.assert_allclose(dense(len(expected), ids, scores), expected, rtol=0, atol=1e-6)
    # Passages left out of the result are exactly those scoring 0.
    assert set(ids.tolist()) == set(np.flatnonzero(expected).tolist())


def test_negative_idf_is_floored_like_rank_bm25() -> None:
    # "common" is in 3 of 4 passages: Okapi IDF is negative, rank-bm25 floors it at eps × mean IDF.
    lists = [["common", "a"], ["common", "b"], ["common"], ["c"]]
    field = build_field(lists, BM25Params())
    index = Index({"f": field}, {"f": 1.0}, 4)
    ids, scores = index.score({"f": ["common"]})
    np.testing.assert_allclose(dense(4, ids, scores), BM25Okapi(lists).get_scores(["common"]), atol=1e-12)
    assert (scores > 0).all()


def test_select_top_orders_by_score_then_id_and_caps_per_group() -> None:
    ids = np.array([0, 1, 2, 3, 4, 5])
    scores = np.array([1.0, 5.0, 5.0, 3.0, 4.0, 2.0])
    top_ids, top_scores = select_top(ids, scores, 4)
    assert top_ids.tolist() == [1, 2, 4, 3]
    assert top_scores.tolist() == [5.0, 5.0, 4.0, 3.0]
    groups = np.array([0, 0, 0, 1, 1, 2])  # the group of each id
    capped, _ = select_top(ids, scores, 4, groups, per_group=1)
    assert capped.tolist() == [1, 4, 5]


def test_vocabulary_lookup_finds_every_term_and_nothing_else(corpus_index) -> None:
    vocabulary = corpus_index.bm25.fields["words"].vocabulary
    terms = [vocabulary[i] for i in range(len(vocabulary))]
    assert len(set(terms)) == len(terms)
    assert (np.diff(vocabulary.hashes.astype(np.float64)) >= 0).all() and len(np.unique(vocabulary.hashes)) == len(terms)
    assert all(vocabulary.id_of(term) == i for i, term in enumerate(terms))
    assert vocabulary.id_of("存在しない語彙です") is None
    assert vocabulary.id_of("") is None


@given(
    scores=st.lists(st.integers(0, 6), min_size=0, max_size=200),
    k=st.integers(1, 30),
    per_group=st.integers(1, 4),
    group_count=st.integers(1, 12),
    seed=st.integers(0, 1000),
)
@settings(max_examples=200, deadline=None)
def test_select_top_equals_the_plain_definition(scores, k, per_group, group_count, seed) -> None:
    """Best first by score then lower id, at most per_group from a group: as a person would."""
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(10_000, size=len(scores), replace=False)).astype(np.int64)
    values = np.array(scores, dtype=np.float64) / 2  # many ties
    groups = rng.integers(0, group_count, size=10_000)
    expected, taken = [], {}
    for score, i in sorted(zip(values.tolist(), ids.tolist()), key=lambda pair: (-pair[0], pair[1])):
        if taken.get(groups[i], 0) < per_group and len(expected) < k:
            taken[groups[i]] = taken.get(groups[i], 0) + 1
            expected.append(i)
    got, _ = select_top(ids, values, k, groups, per_group)
    assert got.tolist() == expected
    # A costly per-id test (phrases, +/-) is asked lazily, and gives what filtering first would.
    asked: list[int] = []

    def odd(i: int) -> bool:
        asked.append(i)
        return i % 2 == 1

    kept = ids[ids % 2 == 1]
    expected_kept, _ = select_top(kept, values[ids % 2 == 1], k, groups, per_group)
    got_kept, _ = select_top(ids, values, k, groups, per_group, keep=odd)
    assert list(got_kept) == expected_kept.tolist()
    assert len(asked) == len(set(asked))
