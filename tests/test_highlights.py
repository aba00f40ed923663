"""Highlights without analysing the hits again: where the index's spellings show that Sudachi
could find nothing the query's own surfaces do not, the highlights are those surfaces' places,
and they must be exactly what analysing the passage gives."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlq import bundled_corpus, open_corpus
from mlq.analysis import normalize
from mlq.search import Searcher, analyze_query

# Words written more ways than one (サーバ/サーバー, conjugations), Latin words at and off a
# word's edge (Python3, HTML5, models, remodel), an expansion (㍻), and the bundled essays' own prose.
VARIANTS = """---
title: 表記の揺れ
---
# 表記の揺れ

サーバとサーバー、打込みと打ち込む。コードを使った、使う、使い方、使わない。
Python3 と python、models と model、MLOps と ＭＬＯｐｓ。面接を受けた。インターンシップに行った。
出来ること、できること。分かる、わかる。
HTML5 と HTML、remodel と model、getElementById と get、平成と㍻。
"""

WORDS = ["サーバー", "サーバ", "打ち込む", "使う", "使い", "python", "model", "mlops", "面接", "インターン", "できる", "分かる", "行く", "機械学習"]
WORDS += ["html", "HTML5", "get", "element", "平成", "成"]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    root = tmp_path_factory.mktemp("notes")
    for path in bundled_corpus().glob("*.md"):
        shutil.copyfile(path, root / path.name)
    (root / "variants.md").write_text(VARIANTS, encoding="utf-8")
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLQ_CACHE_DIR", str(cache))
        return open_corpus(root, jobs=1)


def _analysed(searcher: Searcher, text: str, words) -> tuple[tuple[int, int], ...]:
    """The highlights as analysing the passage again gives them, always."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(searcher, "_lines_to_analyse", lambda text, *args: [(0, len(text))])
        return searcher.highlights(text, words)


def _query(rng: random.Random, searcher: Searcher) -> str:
    words = rng.sample(WORDS, rng.randint(1, 3))
    if rng.random() < 0.5:  # a piece of some passage, as a person might paste it
        text = searcher.index.prose(rng.randrange(len(searcher.index.passages)))
        start = rng.randrange(max(1, len(text) - 4))
        words.append(text[start : start + rng.randint(2, 8)])
    return " ".join(words)


def test_a_variant_spelling_in_the_passage_is_still_highlighted(searcher: Searcher) -> None:
    (row,) = [r for r in range(len(searcher.index.passages)) if "サーバとサーバー" in searcher.index.prose(r)]
    text = searcher.index.prose(row)
    for query, shown in [("サーバー", {"サーバ", "サーバー"}), ("使う", {"使っ", "使う", "使わ"}), ("python", {"python"})]:
        words = analyze_query(searcher.analyzer, query)[1]
        spans = searcher.highlights(text, words)
        assert {text[start:end] for start, end in spans} >= shown, query
        assert spans == _analysed(searcher, text, words)


def test_only_the_lines_holding_another_spelling_are_analysed(searcher: Searcher) -> None:
    (row,) = [r for r in range(len(searcher.index.passages)) if "サーバとサーバー" in searcher.index.prose(r)]
    text = searcher.index.prose(row)
    for query, holding in [("サーバー", ["サーバとサーバー"]), ("サーバー model", ["サーバとサーバー", "models と model"]), ("面接", [])]:
        words = analyze_query(searcher.analyzer, query)[1]
        lines = searcher._lines_to_analyse(text, *normalize(text)[:2], words)
        assert [next(line for line in holding if line in text[start:end]) for start, end in lines] == holding, query
        assert all("\n" not in text[start:end] for start, end in lines)
        assert searcher.highlights(text, words) == _analysed(searcher, text, words)


def test_a_spelling_within_the_querys_own_is_not_analysed_for(searcher: Searcher) -> None:
    """サーバ stands in every サーバー: the lines holding サーバー alone are not analysed again
    for the query サーバー (whatever analysis finds inside it is highlighted already); a line
    holding サーバ on its own still is, and the highlights are those of analysing it all."""
    text = "新しいサーバーを立てた。\nサーバとサーバー、両方。\nサーバーサーバー\n"
    words = analyze_query(searcher.analyzer, "サーバー")[1]
    lines = searcher._lines_to_analyse(text, *normalize(text)[:2], words)
    assert [text[start:end] for start, end in lines] == ["サーバとサーバー、両方。"]
    assert searcher.highlights(text, words) == _analysed(searcher, text, words)


def test_a_word_written_one_way_needs_no_analysis(searcher: Searcher) -> None:
    """面接 is written one way everywhere: no passage that holds it is analysed again, and its
    hits still show it."""
    words = analyze_query(searcher.analyzer, "面接")[1]
    holding = [text for text in map(searcher.index.prose, range(len(searcher.index.passages))) if "面接" in text]
    assert holding and not any(searcher._lines_to_analyse(text, *normalize(text)[:2], words) for text in holding)
    for hit in searcher.search("面接", limit=10):
        assert "面接" in {hit.text[start:end] for start, end in hit.highlights}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1))
def test_highlights_equal_those_of_analysing_the_passage_again(searcher: Searcher, seed: int) -> None:
    rng = random.Random(seed)
    query = _query(rng, searcher)
    words = analyze_query(searcher.analyzer, query)[1]
    passages = range(len(searcher.index.passages))
    rows = [rng.choice(passages) for _ in range(3)] + [r for r in passages if "表記" in searcher.index.prose(r)]
    for row in rows:
        text = searcher.index.prose(row)
        assert searcher.highlights(text, words) == _analysed(searcher, text, words), (query, row)


def test_a_spelling_an_edit_brings_is_highlighted_in_segments_and_after_a_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlq import cache

    monkeypatch.setattr(cache, "SEGMENT_MIN_PASSAGES", 0)
    root = tmp_path / "notes"
    root.mkdir()
    for path in bundled_corpus().glob("*.md"):
        shutil.copyfile(path, root / path.name)
    (root / "new.md").write_text("# 新しいメモ\n\nサーバーの話。\n", encoding="utf-8")
    open_corpus(root, jobs=1)
    (root / "new.md").write_text("# 新しいメモ\n\nサーバーの話。古いサーバを捨てた。\n", encoding="utf-8")
    edited = open_corpus(root, jobs=1)
    assert edited.index.segments  # the edit is a segment of its own
    entry = cache.entry_dir(root.resolve())
    for searcher in (edited, None):
        if searcher is None:
            assert cache.merge(entry, edited.index.settings) == "all"
            searcher = open_corpus(root, jobs=1)
            assert not searcher.index.segments
        (hit,) = [h for h in searcher.search("サーバー", limit=10) if h.doc_id == "new"]
        assert [hit.text[s:e] for s, e in hit.highlights] == ["サーバー", "サーバ"]


def test_a_questions_filler_is_not_highlighted_unless_it_is_all_the_query(searcher: Searcher) -> None:
    """Filler weighs nothing (see AnalyzerSettings.filler_pos): a hit shows the words that found
    it, not every する and ない of its passage."""
    shown = {hit.text[s:e] for hit in searcher.search("面接ではどんな質問をされますか", limit=10) for s, e in hit.highlights}
    assert "面接" in shown and not shown & {"どんな", "さ", "され", "する", "し"}
    alone = searcher.search("どんな", limit=3)
    assert alone and all("どんな" in {hit.text[s:e] for s, e in hit.highlights} for hit in alone)


def test_a_latin_word_joined_by_a_dot_or_hyphen_is_one_highlight(tmp_path: Path) -> None:
    """Node.js is two words to the analyzer: shown as one highlight, not [Node].[js]; two
    query words a comma parts stay two."""
    (tmp_path / "a.md").write_text("# 非同期\n\nNode.js の非同期 I/O と vue-router の話。面接、インターン。\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("天気の話。\n", encoding="utf-8")
    searcher = open_corpus(tmp_path)
    for query, shown in [("Node.js", ["Node.js"]), ("node js", ["Node.js"]), ("vue-router", ["vue-router"]), ("面接 インターン", ["面接", "インターン"])]:
        (hit,) = searcher.search(query)
        assert [hit.text[start:end] for start, end in hit.highlights] == shown, query
