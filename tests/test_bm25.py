"""Our BM25 is rank-bm25's BM25Okapi, field by field, on the real analysis of the bundled essays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

import unicodedata

from mlq import Searcher, build_index, bundled_corpus
from mlq.bm25 import build_field, select_top
from mlq.matching import field_scores
from mlq.scoring import BM25Params
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
    """Each unit's terms: for the passage fields, a passage's prose (Markdown code, tags and URLs
    blanked) then its header — its document's title and its own heading path, less a first
    heading that is the title — which the header field holds alone; ``own`` is the prose's
    words; a document's title, headings and path for the document field; its title, then every
    passage's prose, for the body field."""
    settings = IndexSettings()
    passage_analyzer = PassageAnalyzer(settings.analyzer, settings.headers)
    texts = passage_analyzer.analyzer.texts
    lists: dict[str, list[list[str]]] = {"words": [], "bigrams": [], "header": [], "document": [], "body": [], "own": []}
    for i in range(len(corpus_index.passages)):
        document = corpus_index.documents[int(corpus_index.passages.doc[i])]
        passage = corpus_index.passage(i)
        title = document.metadata.get("title", "").strip()
        headings = passage.section.split(" > ") if passage.section else []
        if headings and headings[0] == title:
            headings = headings[1:]
        header = texts("\n".join(([title] if title else []) + ([" > ".join(headings)] if headings else [])))
        own = texts(document.prose[passage.start : passage.end])
        lists["words"].append(own["words"] + header["words"])
        lists["bigrams"].append(own["bigrams"] + header["bigrams"])
        lists["header"].append(header["words"])
        lists["own"].append(own["words"])
    for d, document in enumerate(corpus_index.documents):
        sections = [corpus_index.passage(i).section for i in corpus_index.passages.rows_of(d)]
        file_id = document.doc_id  # one document per file here
        lists["document"].append(passage_analyzer.document_terms(document.title, sections, file_id)["words"])
        title = texts(document.metadata.get("title", "").strip())["words"]
        lists["body"].append(title + [w for i in corpus_index.passages.rows_of(d) for w in lists["own"][i]])
    return lists


def dense(n: int, found: dict[int, float]) -> np.ndarray:
    out = np.zeros(n)
    out[list(found)] = list(found.values())
    return out


def okapi(term_lists, name: str) -> BM25Okapi:
    params = IndexSettings().params(name)
    return BM25Okapi(term_lists[name], k1=params.k1, b=params.b, epsilon=params.epsilon)


def query_terms(analyzer, query: str, name: str) -> list[str]:
    words = analyzer.query_words(query, filler=False)
    return [b for w in words for b in w.bigrams] if name == "bigrams" else [w.term for w in words if w.term is not None]


@pytest.mark.parametrize("field", ["words", "bigrams", "header", "document", "body"])
@pytest.mark.parametrize("query", QUERIES)
def test_each_field_scores_equal_rank_bm25(corpus_index, term_lists, analyzer, field: str, query: str) -> None:
    terms = query_terms(analyzer, query, field)
    expected = okapi(term_lists, field).get_scores(terms)
    found = field_scores(corpus_index.bm25.fields[field], terms)
    np.testing.assert_allclose(dense(len(expected), found), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("query", QUERIES[:6] + ["機械学習エンジニアの面接"])
def test_a_hit_scores_its_fields_by_the_matching_rule(corpus_index, term_lists, analyzer, query: str) -> None:
    """A hit's score is 0.5 × rank-bm25's words score + 0.35 × its bigram score for the query's
    words whose term it holds, and the words, parts and joins whose surface its prose or its
    header holds whole + 0.5 × its
    document's score + 0.5 × its document's body score (the passage fields count the passage's
    header too); the hits are exactly the passages whose own prose holds a query word as a
    term or whole."""
    searcher = Searcher(corpus_index)
    words = [w for w in analyzer.query_words(query) if not w.filler]
    terms = [w.term for w in words if w.term is not None]
    models = {name: okapi(term_lists, name) for name in ("words", "bigrams", "document", "body")}
    weight = dict(IndexSettings().weights)
    assert weight == {"words": 0.5, "bigrams": 0.35, "header": 0.0, "document": 0.5, "body": 0.5}
    hits = searcher.search(query, limit=1000, per_doc=None, highlight=False)
    rows = {}
    for row in range(len(corpus_index.passages)):
        prose = unicodedata.normalize("NFKC", corpus_index.prose(row)).lower()
        held = [w for w in words if w.matches and (w.term in term_lists["own"][row] or w.surface in prose)]
        if held:
            doc = int(corpus_index.passages.doc[row])
            document = corpus_index.documents[doc]
            header = unicodedata.normalize("NFKC", document.metadata.get("title", "") + "\n" + corpus_index.passage(row).section).lower()
            whole = [b for w in words if w.term in term_lists["words"][row] or w.surface in prose or w.surface in header for b in w.bigrams]
            rows[row] = (
                weight["words"] * models["words"].get_scores(terms)[row]
                + weight["bigrams"] * (models["bigrams"].get_scores(whole)[row] if whole else 0.0)
                + weight["document"] * models["document"].get_scores(terms)[doc]
                + weight["body"] * models["body"].get_scores(terms)[doc]
            )
    ids = [document.doc_id for document in corpus_index.documents]
    got = {corpus_index.passages.rows_of(ids.index(h.doc_id)).start + h.passage - 1: h.score for h in hits}
    assert set(got) == set(rows)
    for row, score in got.items():
        assert score == pytest.approx(rows[row], rel=1e-9, abs=1e-9)


def test_negative_idf_is_floored_like_rank_bm25() -> None:
    # "common" is in 3 of 4 passages: Okapi IDF is negative, rank-bm25 floors it at eps × mean IDF.
    lists = [["common", "a"], ["common", "b"], ["common"], ["c"]]
    field = build_field(lists, BM25Params())
    found = field_scores(field, ["common"])
    np.testing.assert_allclose(dense(4, found), BM25Okapi(lists).get_scores(["common"]), atol=1e-12)
    assert all(score > 0 for score in found.values())


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


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.text(max_size=6), max_size=20), max_size=8))
def test_the_term_texts_of_many_files_come_down_to_each_term_once_with_its_text(files: list[list[str]]) -> None:
    from mlq.bm25 import TermTexts, hashes_of

    kept = TermTexts.concatenate([TermTexts.of(terms) for terms in files]).distinct()
    texts = [bytes(kept.blob[kept.offsets[i] : kept.offsets[i + 1]]).decode("utf-8") for i in range(len(kept.hashes))]
    assert sorted(texts) == sorted({term for terms in files for term in terms})
    assert kept.hashes.tolist() == hashes_of(texts).tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="あいうab", max_size=3), max_size=12), max_size=12), st.integers(1, 16))
def test_a_field_gathered_file_by_file_keeps_each_term_text_once(files: list[list[str]], every: int) -> None:
    """However often a build puts aside the texts that came (``every``: a large corpus does it
    every 65,536), what it ends with is each term of every file once, with its own text."""
    from mlq.bm25 import Entries, Gathered, TermTexts, hashes_of

    gathered = Gathered()
    gathered.PENDING_TEXTS = every
    nothing = Entries(np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.int32))
    for terms in files:
        gathered.add(nothing, TermTexts.of(terms))
    kept = gathered.texts()
    texts = [bytes(kept.blob[kept.offsets[i] : kept.offsets[i + 1]]).decode("utf-8") for i in range(len(kept.hashes))]
    assert sorted(texts) == sorted({term for terms in files for term in terms})
    assert kept.hashes.tolist() == hashes_of(texts).tolist() == sorted(kept.hashes.tolist())
