"""Loading a folder of essays: which files, in which order, with which ids and titles."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write
from hypothesis import given, settings
from hypothesis import strategies as st

from mlq import MlqError, bundled_corpus, load_corpus
from mlq.corpus import Digests, Names, sha256


def test_bundled_corpus_has_the_five_essays_with_titles_from_front_matter() -> None:
    documents = load_corpus(bundled_corpus())
    assert [d.doc_id for d in documents] == [
        "exawizards-summer-intern-2021",
        "landing-an-ml-job",
        "m3-ml-team-building",
        "mlse-summer-camp-2020",
        "msr-internship-2024",
    ]
    msr = documents[-1]
    assert msr.title == "Microsoft Research インターンシップ体験記 (2024)"
    assert msr.metadata["author"] == "Hiroki Naganuma"
    assert documents[2].metadata["date"] == "2019-03-28"
    assert "title:" not in msr.body


def test_md_and_txt_files_are_found_recursively_in_a_stable_order(tmp_path: Path) -> None:
    write(tmp_path / "b.md", "B")
    write(tmp_path / "a" / "z.txt", "Z")
    write(tmp_path / "a" / "deep" / "y.md", "Y")
    write(tmp_path / "notes.rst", "not an essay")
    write(tmp_path / ".git" / "x.md", "tool state")
    write(tmp_path / ".hidden.md", "hidden")
    assert [d.doc_id for d in load_corpus(tmp_path)] == ["a/deep/y", "a/z", "b"]


def test_title_falls_back_to_first_heading_then_first_line(tmp_path: Path) -> None:
    write(tmp_path / "h.md", "前置き\n\n## 本当の見出し ##\n\n本文")
    write(tmp_path / "l.txt", "\n\n  最初の行  \n二行目")
    write(tmp_path / "f.md", "---\nauthor: 私\n---\n# 見出し\n本文")
    titles = {d.doc_id: d.title for d in load_corpus(tmp_path)}
    assert titles == {"f": "見出し", "h": "本当の見出し", "l": "最初の行"}


def test_a_title_is_a_heading_or_a_line_of_prose_as_a_reader_sees_it(tmp_path: Path) -> None:
    write(tmp_path / "docker.md", "Dockerでよく使うコマンドのメモ。\n\n```bash\n# イメージをビルドする\ndocker build .\n```\n")
    write(tmp_path / "setext.md", "はじめの段落です。\n\n設計方針\n--------\n\n本文")
    write(tmp_path / "link.md", "## [リンク付き見出し](https://example.com)\n\n本文")
    write(tmp_path / "bold.md", "**太字のタイトル行**\n\n本文")
    write(tmp_path / "embed.md", "![[banner.png]]\n\n[[Rustの所有権]]へのリンク集\n")
    write(tmp_path / "rule.md", "***\n\n<!-- 冒頭のコメント -->\n本文の最初")
    write(tmp_path / "code.md", "# `use_state` の _使い方_ {{Compat}}\n")
    write(tmp_path / "folded.md", "---\ntitle: >\n  折り返し\n  タイトル\n---\n本文")
    write(tmp_path / "escaped.md", "## \\<fieldset> と \\_\\_init\\_\\_\n\n本文")
    write(tmp_path / "macro.md", "# {{Glossary(\"API\")}}\n\nAPI の説明。")
    titles = {d.doc_id: d.title for d in load_corpus(tmp_path)}
    assert titles == {
        "folded": "折り返し タイトル",  # a YAML folded title, on one line without its line end
        "escaped": "<fieldset> と __init__",  # backslash escapes read as the characters
        "macro": "API の説明。",  # a heading of a macro alone has no words: the first line of prose
        "docker": "Dockerでよく使うコマンドのメモ。",  # not the comment in the code block
        "setext": "設計方針",
        "link": "リンク付き見出し",
        "bold": "太字のタイトル行",
        "embed": "Rustの所有権へのリンク集",
        "rule": "本文の最初",
        "code": "use_state の 使い方",  # snake_case keeps its underscore; the macro is no title
    }


def test_bom_crlf_and_cr_line_ends_read_as_plain_newlines(tmp_path: Path) -> None:
    write(tmp_path / "bom.md", "\ufeff---\r\ntitle: BOM付き\r\n---\r\n一行目\r\n\r\n二行目")
    write(tmp_path / "cr.md", "---\rtitle: CRだけ\r---\r本文")
    documents = {d.doc_id: d for d in load_corpus(tmp_path)}
    assert documents["bom"].title == "BOM付き"
    assert documents["bom"].body == "一行目\n\n二行目"
    assert documents["cr"].title == "CRだけ"
    assert "\r" not in documents["cr"].text


def test_invalid_front_matter_is_reported_and_the_file_still_loads(tmp_path: Path) -> None:
    write(tmp_path / "bad.md", "---\ntitle: [unclosed\n---\n本文です")
    warnings: list[str] = []
    (document,) = load_corpus(tmp_path, warnings.append)
    assert document.body == "本文です"
    assert len(warnings) == 1 and "bad.md" in warnings[0] and "YAML" in warnings[0]


LAUGHS = "\n".join(["a: &l0 [x, x, x, x, x, x, x, x, x]"] + [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 9)}]" for k in range(1, 7)] + ["tags: *l6"])


@pytest.mark.parametrize("date", ["2024-02-30", "2024-01-01 25:00:00", "2024-13-45"])
def test_a_date_that_is_no_day_stays_as_written_and_the_rest_of_the_front_matter_counts(tmp_path: Path, date: str) -> None:
    write(tmp_path / "t.md", f"---\ntitle: 日付オブジェクト\ndate: {date}\ntags: [baddate]\n---\n本文「亥」。")
    warnings: list[str] = []
    (document,) = load_corpus(tmp_path, warnings.append)
    assert warnings == []
    assert document.title == "日付オブジェクト" and document.body == "本文「亥」。"
    assert document.metadata["date"] == date and document.metadata["tags"] == "baddate"


@pytest.mark.parametrize(
    "opening",
    ["---\n\n## 第1章\n\n導入の文章「序論」。\n\n---\n", "---\n- 買い物リスト「牛乳」\n---\n", "---\n本文の一行目「序論」\n...\n"],
)
def test_a_block_between_rules_that_holds_no_fields_is_body_text(tmp_path: Path, opening: str) -> None:
    # A Markdown reader renders it (two rules around a heading and a paragraph, a list): so does mlq.
    write(tmp_path / "slides.md", opening + "\n## 第2章\n\n結論。")
    warnings: list[str] = []
    (document,) = load_corpus(tmp_path, warnings.append)
    assert warnings == [] and document.body_start == 0 and document.metadata == {}
    assert "「" in document.body and document.body.endswith("結論。")


@pytest.mark.parametrize("line", ["n: !!int abc", "x: !!float abc", "t: !!timestamp abc", LAUGHS])
def test_front_matter_that_yaml_cannot_make_a_value_of_is_reported_and_the_file_still_loads(tmp_path: Path, line: str) -> None:
    write(tmp_path / "bad.md", f"---\ntitle: 題\n{line}\n---\n本文です")
    write(tmp_path / "good.md", "---\ndate: 2024-02-29\n---\n本文")
    warnings: list[str] = []
    bad, good = load_corpus(tmp_path, warnings.append)
    assert bad.body == "本文です" and good.metadata["date"] == "2024-02-29"
    assert len(warnings) == 1 and "bad.md" in warnings[0] and "YAML" in warnings[0]


def test_unreadable_and_clashing_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "good.md", "良い")
    write(tmp_path / "latin1.md", "caf\xe9".encode("latin-1"))
    write(tmp_path / "good.txt", "同じ id")
    warnings: list[str] = []
    assert [d.doc_id for d in load_corpus(tmp_path, warnings.append)] == ["good"]
    assert any("latin1.md" in w and "UTF-8" in w for w in warnings)
    assert any("good.txt" in w and "same document id" in w for w in warnings)


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MlqError, match="corpus folder not found"):
        load_corpus(tmp_path / "nope")
    write(tmp_path / "file.md", "x")
    with pytest.raises(MlqError, match="not a folder"):
        load_corpus(tmp_path / "file.md")


@settings(deadline=None)
@given(st.lists(st.one_of(st.just(""), st.binary().map(sha256))))
def test_file_hashes_kept_as_bytes_read_back_as_the_hex_digests_they_were(digests: list[str]) -> None:
    """How a search reads the files' hashes back from the cache (an unreadable file's is "")."""
    kept = Digests.of(digests)
    assert list(kept) == digests and len(kept) == len(digests)
    assert [kept[i] for i in range(-len(digests), 0)] == digests
    assert kept[1:-1] == digests[1:-1]
    with pytest.raises(IndexError):
        kept[len(digests)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(["\udcff", "\udc80"]), max_size=12), max_size=30))
def test_packed_names_read_back_as_the_names_they_were(names: list[str]) -> None:
    """File names as a build holds them (packed), surrogate-escaped bytes of a name that is not
    UTF-8 included: each reads back, in order, whether walked through or picked out."""
    packed = Names(names)
    assert len(packed) == len(names)
    assert list(packed) == names
    assert [packed[i] for i in range(len(names))] == names
    assert [packed[-i] for i in range(1, len(names) + 1)] == [names[-i] for i in range(1, len(names) + 1)]
