"""Notes as an Obsidian vault keeps them: nested folders, #tags inline and in front matter,
[[wikilinks]], embeds, and short notes whose first heading is what they are about."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_mlq, write

NOTES = {
    "rust/ownership.md": "---\ntags: [rust]\n---\n# Rustの所有権\n\n短い前置き。\n\n## 借用\n\n参照は所有権を移さない。#所有権 #lang/rust\n",
    "rust/daily/2024-05-01.md": "# 日記\n\n今日は [[rust/ownership|所有権のノート]] を読み直した。#日記\n\n![[diagram.png]]\n",
    "go/errors.md": "---\ntags:\n  - go\n  - エラー処理\n---\n# Go のエラー\n\n`#notatag` はコードの中、https://example.com/#frag も URL の中。[[Go の設計]] を参照。\n",
    "inbox.md": "# メモ\n\n#1 は番号であってタグではない。## も見出しではない行頭ではない。\n",
}


@pytest.fixture()
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    for name, text in NOTES.items():
        write(root / name, text)
    write(root / ".obsidian" / "app.json", "{}")  # the vault's own settings: not a note
    return root


def listed(vault: Path, *args: str) -> list[str]:
    done = run_mlq("search", "-l", "-n", "100", "--corpus", str(vault), *args)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout.split()


def test_tags_inline_and_in_front_matter_are_searched_with_tag(vault: Path) -> None:
    assert listed(vault, "--tag", "rust") == ["rust/ownership"]  # front matter
    assert listed(vault, "--tag", "所有権") == ["rust/ownership"]  # inline
    assert listed(vault, "--tag", "lang/rust") == ["rust/ownership"]  # nested, as written
    assert listed(vault, "--tag", "日記") == ["rust/daily/2024-05-01"]
    assert listed(vault, "--tag", "エラー処理") == ["go/errors"]  # a YAML list
    assert listed(vault, "--tag", "notatag") == [] and listed(vault, "--tag", "frag") == []  # code, URL
    assert listed(vault, "--tag", "1") == []  # a number is no tag
    assert listed(vault, "--tag", "rust", "--tag", "所有権") == ["rust/ownership"]  # every tag given
    shown = json.loads(run_mlq("show", "rust/ownership", "--json", "--corpus", str(vault)).stdout)
    assert shown["metadata"]["tags"] == "rust, 所有権, lang/rust"


def test_a_tag_takes_the_tags_nested_under_it_and_a_string_of_tags_is_split(vault: Path) -> None:
    assert listed(vault, "--tag", "lang") == ["rust/ownership"]  # lang/rust is nested under lang
    assert listed(vault, "--tag", "lan") == []  # not a prefix of a word
    write(vault / "jekyll.md", "---\ntags: Python asyncio 非同期処理\n---\n本文。")
    write(vault / "commas.md", "---\ntags: rust、go\n---\n本文。")
    write(vault / "cloud.md", "---\ntags: Google Cloud, BigQuery\n---\n本文。")
    assert listed(vault, "--tag", "asyncio") == ["jekyll"]
    assert listed(vault, "--tag", "go") == ["commas", "go/errors"]
    assert listed(vault, "--tag", "Google Cloud") == ["cloud"]  # commas given: a space is part of a tag


def test_a_wikilink_reads_as_its_alias_or_page(vault: Path) -> None:
    assert listed(vault, "ノート") == ["rust/daily/2024-05-01"]  # the alias is prose
    assert listed(vault, "ownership") == []  # its target is not (nor is a path a match)
    assert listed(vault, "設計") == ["go/errors"]  # [[Go の設計]] reads as its page
    assert listed(vault, "diagram") == []  # an embed is not prose


def test_a_short_notes_first_heading_inside_its_passage_is_its_section(vault: Path) -> None:
    hits = [json.loads(line) for line in run_mlq("search", "所有権を移さない", "--json", "--corpus", str(vault)).stdout.splitlines()]
    assert hits[0]["doc_id"] == "rust/ownership" and hits[0]["passage"] == 1
    assert hits[0]["section"] == "Rustの所有権 > 借用"
    shown = json.loads(run_mlq("show", "rust/ownership#1", "--json", "--corpus", str(vault)).stdout)
    assert shown["section"] == "Rustの所有権 > 借用"
