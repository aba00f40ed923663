"""`mlq search --explain`: what each query term adds to a hit's score, and why."""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter

import pytest
from conftest import run_mlq

from mlq import open_corpus

QUERIES = ["インターン 面接", "面接 面接 学習", "MLOps と チームビルディング", "研究所", "機械学習エンジニアの面接", "models", "Productivity"]


@pytest.mark.parametrize("query", QUERIES)
def test_the_parts_add_up_to_the_score_and_follow_bm25(query: str) -> None:
    searcher = open_corpus()
    settings = searcher.index.settings
    hits = searcher.search(query, limit=10, explain=True)
    assert len(hits) >= 3
    doc_ids = [document.doc_id for document in searcher.documents]
    words = [w for w in searcher.analyzer.query_words(query) if not w.filler]
    for hit in hits:
        assert hit.explain
        assert sum(c.score for c in hit.explain) == pytest.approx(hit.score, rel=1e-12)
        for c in hit.explain:
            params = settings.params(c.field)
            bm25 = c.idf * c.tf * (params.k1 + 1) / (c.tf + params.k1 * c.norm)
            assert c.score == pytest.approx(c.weight * c.count * bm25, rel=1e-9)
            assert c.weight == dict(settings.weights)[c.field] and c.tf >= 1
            field = searcher.index.bm25.fields[c.field]
            df = len(field.postings_of(c.term)[0])
            units = len(searcher.index.passages) if c.unit == "passage" else len(searcher.documents)
            okapi = math.log((units - df + 0.5) / (df + 0.5))
            assert c.idf == pytest.approx(okapi, rel=1e-9) or okapi < 0  # floored when negative, as rank-bm25
        # One part per query word the passage (or its header) holds as a term; bigram parts only
        # for a surface the passage's prose or header holds whole; document parts for the terms
        # its document field holds, and body parts for those its document holds anywhere.
        doc = doc_ids.index(hit.doc_id)
        row = searcher.index.passages.rows_of(doc).start + hit.passage - 1
        prose = unicodedata.normalize("NFKC", searcher.index.prose(row)).lower()
        title = searcher.documents[doc].metadata.get("title", "")
        header = unicodedata.normalize("NFKC", f"{title}\n{searcher.index.passage(row).section}").lower()
        expected: Counter = Counter()
        for word in words:
            fields = searcher.index.bm25.fields
            holds_term = False  # its bigrams count where the passage holds its term, or its surface whole
            if word.term is None:  # a part or join of the query: bigrams only
                pass
            elif (postings := fields["words"].postings_of(word.term)) is not None and row in list(postings[0]):
                expected[("words", word.term)] += 1
                holds_term = True
            # ... and where it holds every bigram of the surface (サーバ holds サーバー's term, not バー)
            bigrams_held = all((b := fields["bigrams"].postings_of(bigram)) is not None and row in list(b[0]) for bigram in word.bigrams)
            if (holds_term or word.surface in prose or word.surface in header) and bigrams_held:
                for bigram in word.bigrams:
                    expected[("bigrams", bigram)] += 1
            for name in ("document", "body"):  # once per document: its title, headings and path; its words
                if word.term is not None and (postings := fields[name].postings_of(word.term)) is not None and doc in list(postings[0]):
                    expected[(name, word.term)] += 1
        for c in hit.explain:  # a part's or join's bigrams say which, and it is there whole
            if c.via:
                role, surface = c.via.split(" ", 1)
                assert c.field == "bigrams" and role in {"part", "join"}, c
                assert surface in prose or surface in header, c
        got: Counter = Counter()
        for c in hit.explain:  # a bigram can come from a word and from a part of it (研究所, 研究)
            got[(c.field, c.term)] += c.count
        assert got == expected
        assert any(c.field not in ("document", "body") for c in hit.explain)  # never on the title alone
    if "面接" in query.split():  # a repeated word counts as often as it is repeated
        counts = [c.count for hit in hits for c in hit.explain if c.field == "words" and c.term == "面接"]
        assert counts and set(counts) == {query.split().count("面接")}


def test_explain_in_json_and_text_and_not_where_it_has_no_place() -> None:
    result = run_mlq("search", "インターン 面接", "--explain", "--json", "-n", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    for line in lines:
        hit = json.loads(line)
        assert hit["explain"] and hit["score"] > 0
        assert sum(part["score"] for part in hit["explain"]) == pytest.approx(hit["score"])
    text = run_mlq("search", "インターン 面接", "--explain", "-n", "1").stdout.splitlines()
    assert text[2].startswith("explain\t") and "idf" in text[2] and "%" in text[2]
    assert "explain" not in run_mlq("search", "インターン 面接", "--json", "-n", "1").stdout
    refused = run_mlq("search", "面接", "--explain", "--format", "tsv")
    assert refused.returncode == 2 and "--explain" in refused.stderr


def test_a_hit_scoring_zero_is_explained_without_a_share(tmp_path) -> None:
    """In a corpus of two documents, a word in one of them has an idf of 0 (BM25Okapi's
    ln(1.5/1.5)): its hit scores 0, and --explain says what each term adds, with no share."""
    (tmp_path / "a.md").write_text("面接の話\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("天気の話\n", encoding="utf-8")
    result = run_mlq("search", "面接", "--explain", "--corpus", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "words 面接" in result.stdout and "%" not in result.stdout


def test_a_word_held_in_another_spelling_is_explained_as_it_is_scored(tmp_path) -> None:
    """サーバ is the term of サーバー, but lacks its bigram バー: the passage scores for the
    word, not for the surface's bigrams, and --explain lists only what it scores."""
    (tmp_path / "a.md").write_text("# 一\n新しいサーバを立てた。\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# 二\n新しいサーバーを借りた。\n", encoding="utf-8")
    for i in range(10):
        (tmp_path / f"filler{i}.md").write_text(f"# 雑記{i}\n今日は天気の話です。\n", encoding="utf-8")
    hits = open_corpus(tmp_path).search("サーバー", explain=True)
    assert {hit.doc_id for hit in hits} == {"a", "b"}
    for hit in hits:
        assert sum(c.score for c in hit.explain) == pytest.approx(hit.score, rel=1e-12)
    (held_apart,) = [hit for hit in hits if hit.doc_id == "a"]
    fields = {c.field for c in held_apart.explain}
    assert "words" in fields and "bigrams" not in fields
