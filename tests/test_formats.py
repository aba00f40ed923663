"""Bringing one's own files: encodings, front matter variants, Markdown that is not prose."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_mlq, write

from mlq import bundled_corpus, load_corpus, open_corpus
from mlq.config import settings_for
from mlq.index import IndexSettings

SENTENCE = "春はあけぼの。やうやう白くなりゆく山ぎは、少し明かりて。機械学習の研究の話です。"


def test_one_file_of_each_encoding_reads_as_the_same_text(tmp_path: Path) -> None:
    write(tmp_path / "utf8.txt", SENTENCE)
    write(tmp_path / "utf8-bom.txt", "\ufeff" + SENTENCE)
    write(tmp_path / "sjis.txt", SENTENCE.encode("cp932"))
    # These EUC-JP bytes also decode, wrongly, as Shift_JIS: the reading rich in hiragana wins.
    euc = SENTENCE.encode("euc_jp")
    euc.decode("cp932")
    write(tmp_path / "euc.txt", euc)
    documents = {d.doc_id: d for d in load_corpus(tmp_path)}
    assert {doc_id: d.text for doc_id, d in documents.items()} == dict.fromkeys(documents, SENTENCE)
    assert documents["sjis"].metadata["encoding"] == "cp932"
    assert documents["euc"].metadata["encoding"] == "euc_jp"
    assert "encoding" not in documents["utf8"].metadata


def test_binary_and_undecodable_files_are_skipped_with_one_warning_each(tmp_path: Path) -> None:
    write(tmp_path / "good.md", SENTENCE)
    write(tmp_path / "image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write(tmp_path / "noise.txt", bytes([0x82, 0xFF, 0xFE, 0x81]) * 10)
    warnings: list[str] = []
    assert [d.doc_id for d in load_corpus(tmp_path, warnings.append)] == ["good"]
    assert len(warnings) == 2
    assert any("image.md" in w and "binary" in w for w in warnings)
    assert any("noise.txt" in w and "not UTF-8, Shift_JIS or EUC-JP" in w for w in warnings)


def test_a_file_whose_name_is_not_utf8_is_skipped_and_the_rest_searched(tmp_path: Path) -> None:
    """Names are bytes on Linux: one from an old Shift_JIS archive must not stop the folder."""
    corpus = tmp_path / "notes"
    write(corpus / "good.md", SENTENCE)
    write(corpus / "deep" / "fine.md", "# 面接の記録\n\nあけぼのの面接。")
    odd = Path(os.fsdecode(bytes(corpus / "deep") + "/古い".encode("cp932") + b".md"))
    write(odd, "# 古い名前\n\nあけぼのは古い。")
    first = run_mlq("search", "あけぼの", "--corpus", str(corpus), "--json")
    assert first.returncode == 0, first.stderr
    assert sorted(json.loads(line)["doc_id"] for line in first.stdout.splitlines()) == ["deep/fine", "good"]
    (warning,) = [line for line in first.stderr.splitlines() if "warning" in line]
    assert "not UTF-8" in warning and "deep/\\x8cÂ\\xa2.md" in warning  # bytes not UTF-8 as escapes
    again = run_mlq("search", "あけぼの", "--corpus", str(corpus), "--json")
    assert again.stdout == first.stdout and "warning" not in again.stderr and "indexed" not in again.stderr
    odd.write_text("あけぼの、書き換えた。", encoding="utf-8")  # an edit to it is still seen
    third = run_mlq("search", "あけぼの", "--corpus", str(corpus), "--json")
    assert third.returncode == 0 and "not UTF-8" in third.stderr and third.stdout == first.stdout


def test_shift_jis_file_is_searchable_and_shown_as_text(tmp_path: Path) -> None:
    write(tmp_path / "notes" / "old.txt", ("古いメモ\n\n" + SENTENCE).encode("cp932"))
    result = run_mlq("search", "あけぼの", "--corpus", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    assert '"doc_id": "notes/old"' in result.stdout
    shown = run_mlq("show", "notes/old", "--corpus", str(tmp_path))
    assert "encoding: cp932" in shown.stdout and SENTENCE in shown.stdout


def test_toml_and_yaml_front_matter_give_title_author_date_and_tags(tmp_path: Path) -> None:
    write(tmp_path / "toml.md", '+++\ntitle = "TOMLの記事"\nauthor = "私"\ndate = 2024-05-01\ntags = ["rust", "所有権"]\n+++\n本文')
    write(tmp_path / "yaml.markdown", "---\ntitle: YAMLの記事\ntags: [python, 型]\n---\n本文")
    write(tmp_path / "bad.md", "+++\ntitle = 'unclosed\n+++\n本文は索引される")
    warnings: list[str] = []
    documents = {d.doc_id: d for d in load_corpus(tmp_path, warnings.append)}
    toml = documents["toml"]
    assert (toml.title, toml.metadata["author"], toml.metadata["date"]) == ("TOMLの記事", "私", "2024-05-01")
    assert toml.metadata["tags"] == "rust, 所有権" and toml.body == "本文"
    assert documents["yaml"].title == "YAMLの記事" and documents["yaml"].metadata["tags"] == "python, 型"
    assert documents["bad"].body == "本文は索引される"
    assert len(warnings) == 1 and "bad.md" in warnings[0] and "TOML" in warnings[0]


MARKDOWN = """---
title: リンクとコード
---
# 非同期処理

詳しくは[プロミスの解説](https://example.com/promise-guide)を読む。<span class="note">注記の文</span>
参考: https://example.org/ザリガニ ![鯨の図](whale.png) {{MDNSidebar}}

```js
const かたつむり = await fetch(url);
```

最後の段落で`fetch()`に触れる。
"""


@pytest.fixture()
def markdown_corpus(tmp_path: Path) -> Path:
    write(tmp_path / "md" / "guide.md", MARKDOWN)
    return tmp_path / "md"


@pytest.mark.parametrize("query", ["かたつむり", "ザリガニ", "鯨", "example", "mdnsidebar", "span", "whale"])
def test_code_blocks_urls_tags_images_and_macros_are_not_indexed(markdown_corpus: Path, query: str) -> None:
    assert open_corpus(markdown_corpus).search(query) == []


@pytest.mark.parametrize("query, surface", [("プロミス", "プロミス"), ("注記", "注記"), ("fetch", "fetch")])
def test_link_text_html_text_and_inline_code_are_indexed_and_highlighted_exactly(
    markdown_corpus: Path, query: str, surface: str
) -> None:
    (hit,) = open_corpus(markdown_corpus).search(query)
    assert surface in [hit.text[s:e] for s, e in hit.highlights]
    assert MARKDOWN.index(hit.text) == hit.start  # offsets point into the original file


MORE_MARKDOWN = """# 注意書き

`Vec<String>` と `ls | grep <pattern>` を使う。比較 a<b かつ c>d。各行は <key value の形式で書く。
<a
  href="/ja/docs/Guide/Using_promises#composition">合成</a>の説明。
{% highlight ruby %}
requirements
{% endhighlight %}

<style> 要素にも書ける。変数を %%i と書き、PID は $$ で得る。

```html
<style>p { color: red; }</style>
```

> [!warning] 警告の本文

## 詳細度の話

詳細度の説明。
"""


@pytest.mark.parametrize(
    "query, indexed",
    [
        ("String", True),  # inside a code span, <…> is code, not a tag
        ("pattern", True),
        ("形式", True),  # "<key value の形式" is no tag: CommonMark's needs attributes before its >
        ("合成", True),
        ("警告", True),
        ("要素", True),  # a <style> mentioned in prose takes nothing with it…
        ("詳細度", True),  # …up to a </style> in a code block, or past it
        ("PID", True),
        ("href", False),  # a tag's attributes on a line of their own
        ("composition", False),
        ("requirements", False),  # Liquid's code block
        ("warning", False),  # a callout's kind
        ("color", False),  # a code block
    ],
)
def test_code_spans_and_tags_are_read_as_commonmark_reads_them(tmp_path: Path, query: str, indexed: bool) -> None:
    write(tmp_path / "more" / "note.md", MORE_MARKDOWN)
    hits = open_corpus(tmp_path / "more").search(query)
    assert bool(hits) is indexed
    if indexed:
        assert query in [hits[0].text[s:e] for s, e in hits[0].highlights]


def test_show_prints_the_original_markdown(markdown_corpus: Path) -> None:
    shown = run_mlq("show", "guide", "--corpus", str(markdown_corpus))
    assert "const かたつむり = await fetch(url);" in shown.stdout
    assert "(https://example.com/promise-guide)" in shown.stdout


@pytest.fixture()
def notes(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    for relative in ["a.md", "drafts/b.md", "drafts/keep.md", "journal/2024/c.txt", "x.tmp.md", ".obsidian/d.md"]:
        write(root / relative, f"# {relative}\n\n共通の語。")
    return root


def ids(root: Path, **selection: tuple[str, ...]) -> list[str]:
    from mlq.corpus import Selection

    return [d.doc_id for d in load_corpus(root, selection=Selection(**selection))]


def test_include_and_exclude_patterns(notes: Path) -> None:
    assert ids(notes) == ["a", "drafts/b", "drafts/keep", "journal/2024/c", "x.tmp"]
    assert ids(notes, include=("*.txt",)) == ["journal/2024/c"]
    assert ids(notes, exclude=("drafts/", "*.tmp.md")) == ["a", "journal/2024/c"]
    assert ids(notes, include=("drafts/**",), exclude=("b.md",)) == ["drafts/keep"]


def test_names_macos_wrote_decomposed_are_typed_composed(tmp_path: Path) -> None:
    import unicodedata

    def nfd(name: str) -> str:
        return unicodedata.normalize("NFD", name)

    root = tmp_path / "mac"
    write(root / nfd("ガイド.md"), "# 案内\n\n道案内の文。")
    write(root / nfd("ノート") / nfd("プロジェクト.md"), "# 計画\n\n計画の文。")
    write(root / "other.md", "# 他\n\n別の文。")
    assert ids(root) == ["other", "ガイド", "ノート/プロジェクト"]  # composed, as typed
    assert ids(root, exclude=("ノート/プロジェクト.md",)) == ["other", "ガイド"]
    assert ids(root, include=("ノート/プ*",)) == ["ノート/プロジェクト"]
    (root / ".mlqignore").write_text("ガイド.md\n", encoding="utf-8")
    assert ids(root) == ["other", "ノート/プロジェクト"]
    (root / ".mlqignore").unlink()
    for typed in ("ガイド", nfd("ガイド")):  # composed as typed, or decomposed as pasted from a Mac
        shown = run_mlq("show", typed, "--corpus", str(root))
        assert shown.returncode == 0 and "道案内の文。" in shown.stdout, shown.stderr
    by_nfd = run_mlq("search", "計画 doc:" + nfd("ノート/プ"), "-l", "--corpus", str(root))
    assert by_nfd.stdout.split() == ["ノート/プロジェクト"], by_nfd.stderr
    found = run_mlq("search", "計画 doc:ノート/プ", "-l", "--corpus", str(root))
    assert found.stdout.split() == ["ノート/プロジェクト"], found.stderr


def test_mlqignore_in_the_corpus_root_uses_gitignore_rules(notes: Path) -> None:
    (notes / ".mlqignore").write_text("# drafts stay private\ndrafts/*\n!drafts/keep.md\n*.tmp.md\n", encoding="utf-8")
    assert ids(notes) == ["a", "drafts/keep", "journal/2024/c"]


def test_symlinks_are_followed_without_looping(notes: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / "linked.md", "リンク先の文書")
    (notes / "shared").symlink_to(elsewhere, target_is_directory=True)
    (notes / "journal" / "loop").symlink_to(notes, target_is_directory=True)
    found = ids(notes)
    assert "shared/linked" in found
    assert found.count("a") == 1 and not any(doc_id.startswith("journal/loop/") for doc_id in found)


def test_cli_include_exclude_choose_what_is_searched(notes: Path) -> None:
    everything = run_mlq("search", "共通", "-l", "-n", "50", "--corpus", str(notes))
    only_txt = run_mlq("search", "共通", "-l", "--include", "*.txt", "--corpus", str(notes))
    no_drafts = run_mlq("list", "--exclude", "drafts/", "--corpus", str(notes))
    assert sorted(everything.stdout.split()) == ["a", "drafts/b", "drafts/keep", "journal/2024/c", "x.tmp"]
    assert only_txt.stdout.split() == ["journal/2024/c"]
    assert [line.split("\t")[0] for line in no_drafts.stdout.splitlines()] == ["a", "journal/2024/c", "x.tmp"]


SECTIONED = """# MLOps

導入の文章。ここでは全体を述べる。機械学習のモデルを作って終わりではない。機械学習のモデルを作って終わりではない。機械学習のモデルを作って終わりではない。機械学習のモデルを作って終わりではない。機械学習のモデルを作って終わりではない。機械学習のモデルを作って終わりではない。

## 運用

モデルを本番に出したあとの話。しばらくは手作業で回していた。毎週の作業を少しずつ自動化した。毎週の作業を少しずつ自動化した。毎週の作業を少しずつ自動化した。毎週の作業を少しずつ自動化した。毎週の作業を少しずつ自動化した。毎週の作業を少しずつ自動化した。

```sh
# 見出しではないコメント
```

### 監視

ダッシュボードでレイテンシを見る。異常があれば通知が届く。異常があれば通知が届く。異常があれば通知が届く。異常があれば通知が届く。異常があれば通知が届く。異常があれば通知が届く。異常があれば通知が届く。異常があれば通知が届く。
"""


def test_passages_know_their_heading_path_and_heading_words_count(tmp_path: Path) -> None:
    write(tmp_path / "s" / "mlops.md", SECTIONED)
    searcher = open_corpus(tmp_path / "s")
    (hit,) = searcher.search("レイテンシ")
    assert hit.section == "MLOps > 運用 > 監視"
    # 運用 is said only in a heading: only the passage that opens with it holds it. The passage
    # under 監視 does not match 運用 on its own, but its heading path counts with its own words,
    # and its document's headings once more.
    under = searcher.search("運用", limit=10)
    assert {h.section for h in under} == {"MLOps > 運用"}
    (monitoring,) = [h for h in searcher.search("レイテンシ 運用", explain=True) if h.section == "MLOps > 運用 > 監視"]
    parts = {(c.field, c.term) for c in monitoring.explain}
    assert ("document", "運用") in parts and ("words", "運用") in parts
    assert any(f == "words" and t != "運用" for f, t in parts)  # and its own word (レイテンシ, as Sudachi normalizes it)
    shown = run_mlq("search", "レイテンシ", "--json", "--corpus", str(tmp_path / "s"))
    assert '"section": "MLOps > 運用 > 監視"' in shown.stdout


def test_setext_headings_count_like_atx_ones_but_lists_and_rules_do_not(tmp_path: Path) -> None:
    setext = SECTIONED.replace("# MLOps\n", "MLOps\n=====\n").replace("## 運用\n", "[運用](ops.md)\n----\n")
    setext = setext.replace("### 監視\n", "- 一覧の項目\n---\n\n### 監視\n")
    write(tmp_path / "s" / "setext.md", setext)
    searcher = open_corpus(tmp_path / "s")
    (hit,) = searcher.search("レイテンシ")
    assert hit.section == "MLOps > 運用 > 監視"


def test_mlq_toml_sets_files_and_ranking_and_the_command_line_overrides_it(notes: Path) -> None:
    (notes / "mlq.toml").write_text(
        '[files]\nexclude = ["drafts/", "*.tmp.md"]\n\n[ranking]\nk1 = 1.2\nweights = { bigrams = 0.25 }\n',
        encoding="utf-8",
    )
    listed = run_mlq("list", "--corpus", str(notes))
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["a", "journal/2024/c"]
    overridden = run_mlq("list", "--exclude", "journal/", "--corpus", str(notes))
    assert [line.split("\t")[0] for line in overridden.stdout.splitlines()] == ["a", "drafts/b", "drafts/keep", "x.tmp"]
    settings = open_corpus(notes).index.settings
    assert settings.params("words").k1 == settings.params("bigrams").k1 == 1.2  # [ranking] sets every field
    assert dict(settings.weights) == {"words": 0.5, "bigrams": 0.25, "header": 0.0, "document": 0.5, "body": 0.5}


def test_mlq_toml_sets_one_field_and_what_passages_count(notes: Path) -> None:
    (notes / "mlq.toml").write_text(
        '[analysis]\ntitle = 0\nlatin_bigrams = false\n\n[ranking.bigrams]\nb = 0.5\n', encoding="utf-8"
    )
    settings = open_corpus(notes).index.settings
    default = IndexSettings()
    assert settings.params("bigrams") == replace(default.params("bigrams"), b=0.5)
    assert settings.params("words") == default.params("words")
    assert settings.headers.title == 0 and settings.headers.headings == default.headers.headings
    assert settings.analyzer.latin_bigrams is False


@pytest.mark.parametrize(
    "content, message",
    [
        ("[files\n", "mlq.toml"),
        ('[ranking]\nweights = { title = 2 }\n', "ranking.weights"),
        ("[colours]\n", "unknown section"),
        ("[ranking]\nk = 1.0\n", "unknown setting ranking.k"),
        ("[ranking.words]\nk1 = -1\n", "ranking.words: k1 must be from 0 to 1000"),
        ("[analysis]\ntitle = -1\n", "analysis.title must be a whole number"),
        ("[analysis]\ntitle = 1000000000\n", "analysis.title must be a whole number from 0 to 100"),
        ("[ranking]\nk1 = inf\n", "ranking: k1 must be from 0 to 1000"),
        ("[ranking]\nk1 = 1e308\n", "ranking: k1 must be from 0 to 1000"),
        ("[ranking]\nk1 = 1" + "0" * 400 + "\n", "ranking: k1 must be from 0 to 1000"),
        ("[ranking.words]\nb = nan\n", "ranking.words: k1 must be from 0 to 1000 and b between 0 and 1"),
        ("[ranking]\nweights = { words = nan }\n", "ranking.weights: each must be a number from 0 to 1000"),
        ("[ranking]\nweights = { words = 1e308 }\n", "ranking.weights: each must be a number from 0 to 1000"),
        ("[ranking]\nweights = { bigrams = -1 }\n", "ranking.weights: each must be a number from 0 to 1000"),
    ],
)
def test_a_bad_mlq_toml_is_a_one_line_error(notes: Path, content: str, message: str) -> None:
    (notes / "mlq.toml").write_text(content, encoding="utf-8")
    result = run_mlq("search", "共通", "--corpus", str(notes))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


def test_an_mlq_toml_or_ignore_file_that_is_no_regular_file_is_not_waited_on(notes: Path) -> None:
    """A FIFO would never end, and a link to /dev/zero never stop: the config is an error, the
    ignore file ignored, and mlq answers at once (one that waited fails on run_mlq's timeout)."""
    os.mkfifo(notes / ".mlqignore")
    assert run_mlq("search", "共通", "--corpus", str(notes)).returncode == 0
    os.mkfifo(notes / "mlq.toml")
    result = run_mlq("search", "共通", "--corpus", str(notes))
    assert result.returncode == 2 and "mlq.toml: not a regular file" in result.stderr


EXPORT = "\r\n".join(
    [
        '{"id": 42, "title": "型推論の話", "text": "TypeScriptの型推論は便利だ。\\n\\n二段落目の文。", "tags": ["ts", "型"], "stars": 7}',
        '{"_id": "doc-b", "text": "見出しのない記録。タイトルは本文の一行目から取る。", "meta": {"lang": "ja"}}',
        '{"id": 42, "text": "同じ id の二行目は読まない。"}',
        "{not json",
        '["an", "array"]',
        '{"id": "no-text", "title": "本文なし"}',
        "",
        '{"text": "id のない記録は行番号で呼ばれる。"}',
    ]
)


def test_json_lines_records_become_documents_with_metadata_and_one_warning(tmp_path: Path) -> None:
    write(tmp_path / "exports" / "qiita.jsonl", EXPORT)
    warnings: list[str] = []
    documents = {d.doc_id: d for d in load_corpus(tmp_path, warnings.append)}
    assert list(documents) == ["exports/qiita/42", "exports/qiita/doc-b", "exports/qiita/8"]
    first = documents["exports/qiita/42"]
    assert first.title == "型推論の話" and first.text == "TypeScriptの型推論は便利だ。\n\n二段落目の文。"
    assert first.metadata == {"title": "型推論の話", "tags": "ts, 型", "stars": "7", "line": "1"}
    assert documents["exports/qiita/doc-b"].title == "見出しのない記録。タイトルは本文の一行目から取る。"
    assert documents["exports/qiita/doc-b"].metadata["meta"] == '{"lang": "ja"}'
    assert len(warnings) == 1
    assert "qiita.jsonl" in warnings[0] and "skipped 4 lines" in warnings[0]
    for problem in ("line 3: id '42' repeats line 1", "line 4: not valid JSON", "line 5: not a JSON object", 'line 6: no "text"'):
        assert problem in warnings[0]


def test_json_lines_records_are_searched_and_shown_by_their_ids(tmp_path: Path) -> None:
    write(tmp_path / "exports" / "qiita.jsonl", EXPORT)
    write(tmp_path / "notes.md", "# メモ\n\n型推論とは関係のない、ただのメモ。")
    found = run_mlq("search", "TypeScript", "--corpus", str(tmp_path), "--json")
    assert found.returncode == 0, found.stderr
    hit = json.loads(found.stdout.splitlines()[0])
    assert (hit["doc_id"], hit["title"], hit["start"]) == ("exports/qiita/42", "型推論の話", 0)
    assert hit["text"].startswith("TypeScriptの型推論は便利だ。")
    shown = run_mlq("show", "exports/qiita/42", "--corpus", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert "tags: ts, 型" in shown.stdout and "line: 1" in shown.stdout and "二段落目の文。" in shown.stdout
    listed = run_mlq("list", "--corpus", str(tmp_path)).stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["exports/qiita/42", "exports/qiita/doc-b", "exports/qiita/8", "notes"]


def test_edited_renamed_and_copied_exports_keep_every_record_searchable(tmp_path: Path) -> None:
    export = write(tmp_path / "a.jsonl", "\n".join(json.dumps({"id": i, "text": f"記録{i}はユニコーン{i}号の話。"}, ensure_ascii=False) for i in range(5)))
    write(tmp_path / "b.md", "# 別の文書\n\nユニコーンは出てこない、ペンギンの話。")
    open_corpus(tmp_path)

    export.rename(tmp_path / "renamed.jsonl")
    renamed = open_corpus(tmp_path)
    assert renamed.built is not None and renamed.built.analysed_files == 0
    assert [d.doc_id for d in renamed.documents] == ["b", *(f"renamed/{i}" for i in range(5))]

    # A copy of a file already indexed is taken over, not analysed, and both copies are found.
    (tmp_path / "copy.jsonl").write_bytes((tmp_path / "renamed.jsonl").read_bytes())
    (tmp_path / "b-copy.md").write_bytes((tmp_path / "b.md").read_bytes())
    copied = open_corpus(tmp_path)
    assert copied.built is not None and copied.built.analysed_files == 0
    top_two = copied.search("ユニコーン3号", limit=2)
    assert {hit.doc_id for hit in top_two} == {"copy/3", "renamed/3"}
    assert top_two[0].score == pytest.approx(top_two[1].score)
    full = open_corpus(tmp_path, rebuild=True)
    for query in ("ユニコーン3号", "ペンギン", "記録"):
        assert copied.search(query, limit=20) == full.search(query, limit=20)


def test_a_record_named_like_a_file_is_skipped_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "x.jsonl", '{"id": "y", "text": "記録の y。"}\n{"id": "z", "text": "記録の z。"}')
    write(tmp_path / "x" / "y.md", "ファイルの y。")
    warnings: list[str] = []
    searcher = open_corpus(tmp_path, warn=warnings.append)
    assert [d.doc_id for d in searcher.documents] == ["x/y", "x/z"]
    assert searcher.document("x/y").text == "記録の y。"
    assert len(warnings) == 1 and "y.md" in warnings[0] and "same document id" in warnings[0]
    assert searcher.search("ファイル") == []  # the file skipped left no terms in the index
    assert [hit.doc_id for hit in searcher.search("記録")] == ["x/y", "x/z"]


def test_a_passage_reads_the_same_prose_alone_as_within_its_whole_document(tmp_path: Path) -> None:
    code = "\n\n".join(f"x{i} = かたつむり({i})  # <b>{i}</b> 変数の説明をここに少し長めに書いておく" for i in range(30))
    write(tmp_path / "code.md", f"# 長いコード\n\n<!-- 長い\n\nコメント -->\n\n```python\n{code}\n```\n\nかたつむりは本文にも出る。\n")
    write(tmp_path / "links.md", MARKDOWN)
    shutil.copytree(bundled_corpus(), tmp_path / "essays")
    searcher = open_corpus(tmp_path)
    inside_code = 0
    for row in range(len(searcher.index.passages)):
        passage = searcher.index.passage(row)
        document = searcher.document(passage.doc_id)
        assert searcher.index.prose(row) == document.prose[passage.start : passage.end], passage
        inside_code += int(searcher.index.passages.prose_from[row]) < passage.start
    assert inside_code >= 2  # passages that begin inside the code block were among them
    # Highlights mark only what was indexed: the word in the prose, not in the code.
    (hit,) = searcher.search("かたつむり", per_doc=1)
    assert [hit.text[start:end] for start, end in hit.highlights] == ["かたつむり"]
    assert hit.text.endswith("かたつむりは本文にも出る。")


@pytest.mark.parametrize(
    "front_matter",
    [
        'title: "HTML コメント <!-- の書き方"',  # a comment opened in a title, closed nowhere
        "title: コードの例\nsummary: |\n  ```\n  npm install",  # a fence opened in a block scalar
    ],
)
def test_nothing_written_in_the_front_matter_hides_the_body(tmp_path: Path, front_matter: str) -> None:
    """The front matter is read as metadata, not as Markdown: a construct it opens does not run
    on into the body, which stays searchable and highlighted, passage by passage as a whole."""
    body = "かたつむりの観察記録。\n\n" + "\n\n".join(f"## 節{i}\n\nかたつむりは{i}日目も葉の上にいた。" for i in range(40))
    write(tmp_path / "note.md", f"---\n{front_matter}\n---\n{body}\n")
    searcher = open_corpus(tmp_path)
    hits = searcher.search("かたつむり", per_doc=None, limit=100)
    assert len(hits) == len(searcher.index.passages) > 1
    assert all("かたつむり" in [hit.text[start:end] for start, end in hit.highlights] for hit in hits)
    (document,) = searcher.documents
    for row in range(len(searcher.index.passages)):  # a passage read alone reads as within its note
        passage = searcher.index.passage(row)
        assert searcher.index.prose(row) == document.prose[passage.start : passage.end] != " " * (passage.end - passage.start)


@pytest.mark.parametrize(
    ("note", "word"),
    [
        ("本文で主張を述べる[^1]。\n\n[^1]: 出典は量子アニーリングの論文である。\n", "量子アニーリング"),  # a footnote
        ("[メモ]: 明日 カナリアリリースを試す\n", "カナリアリリース"),  # no link definition: a space in its target
        ("HTML のコメントは <!-- で書き始める。\n\n閉じ忘れると後続の表示が消えるので注意。\n", "後続"),  # no comment: never ended
        ("```npm install``` でインストールする。\n\n依存関係の脆弱性は定期的に確認する。\n", "脆弱性"),  # a code span, no fence
        ("詳細は公式ドキュメント（https://example.com/docs）を参照すること。\n", "参照"),  # a URL ends at （）
        ("https://example.com/blogの記事も役に立つ。\n", "記事"),
        ('入力欄は \\<input type="text"> で作る。\n', "input"),  # an escaped <, no tag
        # Fences in list items: closed by a fence indented as the item is; opened after the
        # marker. Each hid the rest of the note.
        ("1. 作る。\n\n   ```bash\n    git add -A\n    ```\n\n2. 確認する。\n\nカナリアリリースで監視する。\n\n```bash\ngit push\n```\n", "カナリアリリース"),
        ("- ```sh\n  make build\n  ```\n- テストする。\n\nキャッシュ無効化の注意点。\n", "キャッシュ"),
        # ... but a fence indented four spaces more than its block's opening one is code in it.
        ("リストの例：\n\n```markdown\n1. 手順\n\n    ```sh\n    npm install\n    ```\n```\n\nこの段落は本文です。\n", "段落"),
        # A title's escaped quotes, a < in a target, a shortcode before a path: the link ends there.
        ('[腹圧の解説](https://ex.com/a "\\"腹圧\\"の動画") と [表 \\<caption>](/docs/t#with_<caption>) と [フィード]({{< ref "/t" >}}index.xml) を見た。\n', "見"),
    ],
)
def test_what_a_reader_sees_of_a_note_is_searchable_and_highlighted(tmp_path: Path, note: str, word: str) -> None:
    """Each of these lost the words after it, or the line, from the index: a reader of the
    rendered note sees them (CommonMark, and GFM's footnotes)."""
    write(tmp_path / "note.md", "# メモ\n\n" + note)
    (hit,) = open_corpus(tmp_path).search(word)
    assert word in [hit.text[start:end] for start, end in hit.highlights]


def test_a_link_title_and_a_link_definition_are_not_indexed(tmp_path: Path) -> None:
    write(
        tmp_path / "note.md",
        '# 本\n\n[猫の本](https://example.com/dp/1 "Amazon | 猫にご用心 (翻訳) | 洋書 | 蔵書票")を買った。\n\n'
        '[MDN の解説][mdn] も読んだ。\n\n[mdn]: https://developer.mozilla.org/ja/ "ウェブ開発者向けドキュメント"\n',
    )
    searcher = open_corpus(tmp_path)
    assert searcher.search("蔵書票") == [] and searcher.search("ウェブ開発者") == []
    assert [hit.doc_id for hit in searcher.search("猫の本")] == ["note"]
    assert [hit.doc_id for hit in searcher.search("解説")] == ["note"]


def test_the_readme_lists_every_setting_with_its_default(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("Every setting, with its default:", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    write(tmp_path / "c" / "mlq.toml", "\n".join(line.strip() for line in block.splitlines()))
    assert settings_for(tmp_path / "c") == IndexSettings()
