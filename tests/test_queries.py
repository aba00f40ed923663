"""Queries as people type them: a compound, a loanword spelled either way, half- or full-width
Latin, an English term among Japanese words. Each must find its passage first, among
distractors that share part of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_mlq

from mlq import open_corpus

NOTES = {
    "nlp/morphology": "# 形態素解析\n\n日本語の文を形態素解析して単語に分ける。辞書の品質で結果が変わる。",
    "nlp/parsing": "# 構文解析\n\n係り受けを解析する。形態の違いは問わない。素朴な方法から始める。",
    "ops/server": "# サーバーの設定\n\nWebサーバーの設定ファイルを書き換えて、夜のうちに再起動した。",
    "ops/service": "# サービスの監視\n\nサービスが落ちたら通知が来る。バーの閉店時間とは関係がない。",
    "design/interface": "# 設計メモ\n\nモジュールのインターフェイスは小さく保つ。引数は三つまで。",
    "design/internals": "# 内部構造\n\nインターンの課題でフェーズを分けて内部を作り直した。",
    "data/json": "# 保存形式\n\n設定はＪＳＯＮで保存し、読み込み時に検証する。",
    "data/yaml": "# 別の形式\n\n設定はYAMLで書く。JavaScriptのオブジェクトに近い。",
    "ts/inference": "# 型の話\n\nTypeScriptの型推論は、戻り値の型まで決めてくれる。",
    "ts/setup": "# 環境構築\n\nTypeScriptのコンパイラを入れて、tsconfigを書いた。",
    "py/hints": "# Pythonの型\n\nPythonでは型ヒントを書くが、推論の範囲は狭い。理論と実際は違う。",
}

QUERIES = [
    ("形態素解析", "nlp/morphology"),  # one kanji compound
    ("サーバ", "ops/server"),  # katakana loanword, short spelling of サーバー
    ("サーバー", "ops/server"),
    ("インターフェース", "design/interface"),  # the document writes インターフェイス
    ("インターフェイス", "design/interface"),
    ("json", "data/json"),  # the document writes ＪＳＯＮ, full width
    ("ＪＳＯＮ", "data/json"),
    ("JSON", "data/json"),
    ("TypeScript 型推論", "ts/inference"),  # an English term among Japanese words
]


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typed")
    for doc_id, text in NOTES.items():
        path = root / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_typed_query_finds_its_passage_first(notes: Path, query: str, expected: str) -> None:
    hits = open_corpus(notes).search(query, limit=3)
    assert hits and hits[0].doc_id == expected, [(h.doc_id, round(h.score, 3)) for h in hits]


def test_a_case_and_width_variant_finds_the_same_documents(notes: Path) -> None:
    searcher = open_corpus(notes)
    found = {query: [hit.doc_id for hit in searcher.search(query)] for query in ("TypeScript", "typescript", "ＴｙｐｅＳｃｒｉｐｔ")}
    assert found["TypeScript"] == found["typescript"] == found["ＴｙｐｅＳｃｒｉｐｔ"]
    # Both TypeScript notes first; JavaScript (which shares the bigrams of "script") after them.
    assert set(found["TypeScript"][:2]) == {"ts/inference", "ts/setup"}


def test_variant_spellings_highlight_what_the_document_wrote(notes: Path) -> None:
    result = run_mlq("search", "インターフェース", "--json", "-n", "1", "--corpus", str(notes))
    assert result.returncode == 0, result.stderr
    hit = json.loads(result.stdout)
    assert "インターフェイス" in [hit["text"][s:e] for s, e in hit["highlights"]]


VERSIONED = {
    "ai/gpt": "# メモ1\n\nGPT-4の調査結果をまとめた。GPT-3.5との違いも書く。",
    "health/covid": "# メモ2\n\nCOVID-19の流行で在宅勤務になった。",
    "misc/other": "# メモ3\n\n別の話。バージョン4の設定と19時の会議。",
    "misc/filler": "# メモ4\n\n天気の話。",
}


@pytest.mark.parametrize(
    "query, expected, surface",
    [
        ("GPT-4", "ai/gpt", "GPT"),  # Sudachi has GPT-4 as one word before の, as two alone
        ('"GPT-4"', "ai/gpt", "GPT"),
        ("GPT", "ai/gpt", "GPT"),  # a whole word of GPT-4
        ("gpt-3.5", "ai/gpt", "GPT"),
        ("ＧＰＴ－４", "ai/gpt", "GPT"),
        ("COVID-19", "health/covid", "COVID"),
        ("COVID", "health/covid", "COVID"),
    ],
)
def test_a_name_with_a_version_is_found_by_it_and_by_its_name(tmp_path: Path, query: str, expected: str, surface: str) -> None:
    for doc_id, text in VERSIONED.items():
        path = tmp_path / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    hits = open_corpus(tmp_path).search(query)
    assert hits and hits[0].doc_id == expected, [(h.doc_id, round(h.score, 3)) for h in hits]
    assert any(surface in hits[0].text[s:e] for s, e in hits[0].highlights)  # GPT, or GPT-4 whole


def test_a_joined_name_sudachi_spells_otherwise_keeps_its_spelling(tmp_path: Path) -> None:
    # e-mail is eメール to Sudachi, which Eメール meets: split into e and mail, it would not.
    for name, text in {"mail": "# 連絡\n\ne-mailで送った。", "katakana": "# 連絡2\n\nEメールで届いた。", "other": "# 他\n\neの値を求める。"}.items():
        (tmp_path / f"{name}.md").write_text(text, encoding="utf-8")
    searcher = open_corpus(tmp_path)
    assert {hit.doc_id for hit in searcher.search("e-mail")} == {"mail", "katakana"}
    assert {hit.doc_id for hit in searcher.search("Eメール")} == {"mail", "katakana"}
