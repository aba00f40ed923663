"""`mlq analyze`: what mlq makes of a text, by the very code that indexes it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from conftest import on_terminal, run_mlq

from mlq import open_corpus
from mlq.fields import PASSAGE_FIELDS

NOTES = {
    "server": "サーバを夜のうちに打込みました。再起動も済ませた。ＭＬＯｐｓの話ではない。",
    "interview": "インターンの面接で、機械学習の経験を聞かれました。面接は二回あった。",
}


def test_analyze_shows_what_the_index_holds_for_a_passage(tmp_path: Path) -> None:
    for name, text in NOTES.items():  # plain text, no title or headings: a passage is its text alone
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    searcher = open_corpus(tmp_path)
    index = searcher.index
    for name, text in NOTES.items():
        shown = run_mlq("analyze", "-", "--json", "--corpus", str(tmp_path), stdin=text)
        assert shown.returncode == 0, shown.stderr
        tokens = [json.loads(line) for line in shown.stdout.splitlines()]
        (row,) = index.passages.rows_of(searcher._ids[name])
        for field_name, field in index.bm25.fields.items():
            if field_name not in PASSAGE_FIELDS:  # the document field counts documents
                continue
            said = Counter(t["term"] for t in tokens if t["field"] == field_name and t["indexed"])
            held = {}
            for term_id in range(len(field.vocabulary)):
                for passage, tf in zip(list(field.postings.units(term_id)), list(field.postings.frequencies(term_id))):
                    if passage == row:
                        held[field.vocabulary[term_id]] = int(tf)
            assert said == held, (name, field_name)
        for token in tokens:
            assert text[token["start"] : token["end"]] == token["surface"]


def test_analyze_says_what_is_dropped_and_why(tmp_path: Path) -> None:
    shown = run_mlq("analyze", "サーバを打込みました")
    assert shown.returncode == 0
    rows = [line.split("\t") for line in shown.stdout.splitlines()]
    words = [(surface, term, state) for field, surface, term, pos, span, state in rows if field == "words"]
    assert words[:3] == [("サーバ", "サーバー", "indexed"), ("を", "を", "dropped"), ("打込み", "打ち込む", "indexed")]
    assert any(pos.startswith("助詞") for field, surface, term, pos, span, state in rows if surface == "を")
    table = on_terminal("analyze", "サーバを打込み", env={"NO_COLOR": "1"})
    assert "サーバー" in table and "dropped" in table and "名詞" in table
    assert run_mlq("analyze").returncode == 2
    assert run_mlq("analyze", "-", stdin="").returncode == 1


def test_a_querys_filler_is_named_so_in_every_format() -> None:
    """どんな is indexed, but a query weighs it not: text and TSV say so, as JSON does."""
    text = run_mlq("analyze", "どんな質問").stdout.splitlines()
    assert text[0].split("\t")[-1] == "filler" and text[1].split("\t")[-1] == "indexed"
    rows = run_mlq("analyze", "どんな質問", "--format", "tsv", "--header").stdout.splitlines()
    assert rows[0].split("\t")[-2:] == ["indexed", "filler"] and rows[1].split("\t")[-2:] == ["true", "true"]
    assert json.loads(run_mlq("analyze", "どんな質問", "--json").stdout.splitlines()[0])["filler"] is True
