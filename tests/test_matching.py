"""What matches a query, as a user of the real `mlq` command sees it: the word is there, as an
analysed word or whole, or nothing is found; Latin words meet their plurals; a question's filler
weighs nothing; the page about a word ranks first."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from conftest import run_mlq, write
from mlq import matching, open_corpus


def listed(*args: str) -> list[str]:
    found = run_mlq("search", "-l", "-n", "1000", *args)
    assert found.returncode in (0, 1), found.stderr
    return found.stdout.split()


def hits(*args: str) -> list[dict]:
    found = run_mlq("search", "--json", *args)
    assert found.returncode == 0, found.stderr
    return [json.loads(line) for line in found.stdout.splitlines()]


def folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@pytest.mark.parametrize("query", ["xyzzy", "ブロックチェーン"])
def test_a_word_no_essay_holds_finds_nothing(query: str) -> None:
    # Bigrams of it are there (zz? no; チェ of チェック, ーン of インターン): no match, exit 1.
    found = run_mlq("search", query)
    assert found.returncode == 1 and found.stdout == ""
    assert "no passage matches" in found.stderr


def test_every_hit_holds_a_word_of_the_query() -> None:
    top = hits("インターン 面接", "-n", "10", "--per-doc", "10")
    assert len(top) == 10
    for hit in top:
        assert "インターン" in hit["text"] or "面接" in hit["text"], hit["doc_id"]


@pytest.fixture()
def notes(tmp_path: Path) -> Path:
    """Notes on Web APIs, each English word where a reader would write it."""
    root = tmp_path / "notes"
    write(root / "model.md", "# データの設計\n\nこの model は単純だ。\n")
    write(root / "models.md", "# 複数の設計\n\n二つの Models を比べる。\n")
    write(root / "remodel.md", "# 改装\n\n部屋を remodel した話。\n")
    write(root / "mode-del.md", "# モード\n\nmode を切り替え、del キーで消す。modest な変更。\n")
    write(root / "title-only.md", "---\ntitle: Model の話\n---\n\n本文には出てこない。設計の話だけ。\n")
    write(root / "code-only.md", "# コード\n\n説明だけ。\n\n```js\nconst model = load();\n```\n")
    write(root / "promise.md", "# 非同期\n\nPromise を返す関数。\n")
    write(root / "promises.md", "# 非同期処理\n\npromises を並べて待つ。\n")
    write(root / "promised.md", "# 約束\n\nHe promised nothing.\n")
    return root


def test_an_english_word_lists_exactly_the_files_that_hold_it_or_its_plural(notes: Path) -> None:
    corpus = ("--corpus", str(notes))
    assert sorted(listed("model", *corpus)) == ["model", "models"]
    assert sorted(listed("Models", *corpus)) == ["model", "models"]  # either side, any case
    # Not inside another word, not from bigrams mo/od/de/el, not from the title alone, not from code.
    assert sorted(listed("promise", *corpus)) == sorted(listed("promises", *corpus))
    assert {"promise", "promises"} <= set(listed("promise", *corpus))
    found = run_mlq("analyze", "promises")
    assert re.search(r"^words\tpromises\tpromis\t", found.stdout, re.M), found.stdout  # mlq analyze shows the stem


def test_a_compound_matches_where_it_is_whole_and_its_parts_only_rank(tmp_path: Path) -> None:
    root = tmp_path / "stadium"
    write(root / "designed.md", "# 建築\n\n国立屋内総合競技場は丹下健三が設計した。\n")
    write(root / "other.md", "# 建築\n\n市民会館は別の建築家が設計した。\n")
    write(root / "part.md", "# 大学\n\n国立大学の競技会に出た。\n")
    corpus = ("--corpus", str(root))
    # 国立 and 競技 are parts of 国立競技場: they never make a match (part.md has no 設計)…
    assert sorted(listed("国立競技場 設計", *corpus)) == ["designed", "other"]
    # …but they rank the page that names the stadium another way above the one that does not.
    assert [h["doc_id"] for h in hits("国立競技場 設計", *corpus)] == ["designed", "other"]
    assert listed("国立競技場", *corpus) == []


def test_selection_never_reads_a_passage_that_holds_only_parts_of_a_compound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts make no match, so a passage holding ゲーム and ビデオ but not ビデオゲーム is no
    candidate: a search for the compound reads its own passages, not every one its common
    parts are in (in mdn-ja, 906 passages checked for ビデオゲーム 解剖学 before, 54 after)."""
    root = tmp_path / "games"
    write(root / "whole.md", "# 遊び\n\nビデオゲームの解剖学。\n")
    for number in range(30):
        write(root / f"part{number}.md", f"# 遊び {number}\n\nゲームの話。ゲームとビデオの話。ゲーム。\n")
    monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / "cache"))
    searcher = open_corpus(root, jobs=1)
    asked: list[int] = []
    exact = matching.Candidates.exact
    monkeypatch.setattr(matching.Candidates, "exact", lambda self, row, bound: (asked.append(row), exact(self, row, bound))[1])
    for _ in ("read as plain arrays", "with numpy, from the second search on"):
        asked.clear()
        assert [hit.doc_id for hit in searcher.search("ビデオゲーム")] == ["whole"]
        assert asked and {searcher.index.passage(row).doc_id for row in asked} == {"whole"}
    assert searcher.index.backend.numpy


def test_the_filler_of_a_question_weighs_nothing() -> None:
    top = hits("機械学習エンジニアの面接ではどんな質問をされますか", "-n", "10", "--explain")
    for hit in top:
        terms = {part["term"] for part in hit["explain"]}
        assert not terms & {"どんな", "為る"}, hit["doc_id"]
        assert any(word in hit["text"] for word in ("機械学習", "エンジニア", "面接", "質問")), hit["doc_id"]
    # A query of filler alone still finds what holds it.
    alone = hits("どんな", "-n", "3")
    assert alone and all("どんな" in hit["text"] for hit in alone)


def test_the_page_about_a_word_ranks_first(corpus: Path) -> None:
    # Among the essays, a page titled with the word beats release notes that say it more often.
    write(corpus / "api" / "fetch.md", "---\ntitle: fetch()\n---\n\nfetch() はリソースを取得する。\n\n## 引数\n\nURL を渡す。\n")
    notes = "".join(f"第{i}版では多くの変更があった。fetch の扱いも少し変わった。" for i in range(1, 4))
    write(corpus / "releases" / "9.md", f"# リリースノート\n\n{notes}\n")
    assert [h["doc_id"] for h in hits("fetch", "--per-doc", "1", "--corpus", str(corpus))] == ["api/fetch", "releases/9"]
