"""One reader per kind of file (mlq.formats): each owns its suffixes, front matter, prose,
headings, title fallback and places — and a corpus of all three reads each file its own way."""

from __future__ import annotations

import json
from pathlib import Path

from mlq import load_corpus, open_corpus
from mlq.formats import JSON_LINES, MARKDOWN, SUFFIXES, TEXT, for_path

NOTE = "---\ntags: [rust]\n---\n# 所有権\n\n[借用の規則](https://doc.rust-lang.org) を読む。#メモ\n\n```\n# not a heading\n```\n"


def test_the_reader_is_chosen_by_suffix_in_any_case() -> None:
    assert for_path("a/b.md") is for_path("B.MARKDOWN") is MARKDOWN
    assert for_path("notes.TXT") is for_path("no-suffix") is TEXT
    assert for_path("export.JsonL") is JSON_LINES
    assert set(SUFFIXES) == {".md", ".markdown", ".txt", ".jsonl"}


def test_markdown_and_text_read_the_same_characters_differently() -> None:
    (markdown,) = MARKDOWN.entries(NOTE, "n.md")
    (text,) = TEXT.entries(NOTE, "n.txt")
    assert markdown.title == text.title == "所有権"  # no title in the front matter: the first heading
    assert markdown.metadata["tags"] == "rust, メモ" and text.metadata["tags"] == "rust"  # inline #tags: Markdown's
    assert TEXT.prose(NOTE) == NOTE and TEXT.readable(NOTE) is None
    prose = MARKDOWN.prose(NOTE)
    assert len(prose) == len(NOTE) and "https" not in prose and "not a heading" not in prose and "借用の規則" in prose
    shown, where = MARKDOWN.readable(NOTE)
    assert "[借用の規則]" not in shown and "借用の規則 を読む" in shown and all(NOTE[i] == c for i, c in zip(where, shown))
    headings = sorted(MARKDOWN.headings(NOTE, prose, markdown.body_start))
    assert [(level, title) for _, level, title in headings] == [(1, "所有権")]  # the # inside code is none
    assert [title for _, _, title in sorted(TEXT.headings(NOTE, NOTE, text.body_start))] == ["所有権", "not a heading"]  # no code blocks in plain text


def test_json_lines_gives_one_document_a_record_placed_on_its_line(tmp_path: Path) -> None:
    lines = [json.dumps({"id": "a", "title": "最初", "text": "面接の記録"}), "not json", json.dumps({"id": 7, "text": "見出しなし\n二行目"})]
    warnings: list[str] = []
    entries = JSON_LINES.entries("\n".join(lines), "e.jsonl", warnings.append)
    assert [(e.key, e.title) for e in entries] == [("/a", "最初"), ("/7", "見出しなし")]  # a title from the first line
    assert len(warnings) == 1 and "line 2" in warnings[0]
    assert JSON_LINES.place(entries[1].text, entries[1].metadata, 8) == (3, 1)  # its line of the file, column 1

    (tmp_path / "e.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "n.md").write_text(NOTE, encoding="utf-8")
    (tmp_path / "t.txt").write_text(NOTE.replace("# 所有権", "所有権"), encoding="utf-8")
    documents = {d.doc_id: d for d in load_corpus(tmp_path)}
    assert sorted(documents) == ["e/7", "e/a", "n", "t"]
    assert documents["n"].format is MARKDOWN and documents["t"].format is TEXT and documents["e/a"].format is JSON_LINES
    hit = open_corpus(tmp_path).search("二行目")[0]
    assert (hit.doc_id, hit.line, hit.column) == ("e/7", 3, 1)
    hit = open_corpus(tmp_path).search("規則 doc:t")[0]
    assert hit.text.count("https://doc.rust-lang.org") == 1 and hit.line == 6  # a .txt keeps its URL as text
