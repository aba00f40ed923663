"""The query language: phrases, +word, -word, title:, doc:, and a clear error when malformed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_mlq

from mlq import MlqError, open_corpus
from mlq.clauses import DocPrefix, Excluded, Phrase, Required, Title
from mlq.query import Query, parse_query

NOTES = {
    "ml/engineer": ("機械学習エンジニアの仕事", "機械学習エンジニアの面接では、設計の経験を聞かれる。"),
    "ml/reverse": ("エンジニアと研究", "エンジニアが機械学習を学ぶ順序について書く。面接の話はない。"),
    "visa/notes": ("ビザの体験記", "ビザの面接は大使館で受けた。機械学習とは関係がない。"),
    "other/diary": ("日記", "今日は晴れ。散歩をして、機械学習の本を読んだ。"),
}


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("syntax")
    for doc_id, (title, body) in NOTES.items():
        path = root / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {title}\n---\n{body}\n", encoding="utf-8")
    return root


def ids(searcher, query: str) -> set[str]:
    return {hit.doc_id for hit in searcher.search(query, limit=20)}


def test_parse_takes_the_query_apart() -> None:
    parsed = parse_query('インターン "機械学習 エンジニア" +ビザ -Google title:体験記 doc:ml/ -"悪い 例" 面接')
    assert parsed == Query(
        text="インターン 面接",
        clauses=(Phrase("機械学習 エンジニア"), Required("ビザ"), Excluded("Google"), Title("体験記"), Excluded("悪い 例"), DocPrefix(("ml/",))),
    )
    assert parsed.ranked == "インターン 面接 機械学習 エンジニア ビザ"
    assert parse_query("doc:a 面接 doc:b").clauses == (DocPrefix(("a", "b")),)  # either prefix
    with pytest.raises(MlqError, match="unclosed quote"):
        parse_query('"機械学習 エンジニア')


def test_a_phrase_needs_its_words_next_to_each_other_in_order(notes: Path) -> None:
    searcher = open_corpus(notes)
    assert ids(searcher, "機械学習 エンジニア") >= {"ml/engineer", "ml/reverse"}  # both words, any order
    assert ids(searcher, '"機械学習 エンジニア"') == {"ml/engineer"}
    assert ids(searcher, '"面接 エンジニア"') == set()  # the words, but not in this order
    # Words are compared as indexed: a particle between them (エンジニアが機械学習) does not part them.
    assert ids(searcher, '"エンジニア 機械学習"') == {"ml/reverse"}


def test_plus_requires_and_minus_excludes(notes: Path) -> None:
    searcher = open_corpus(notes)
    assert ids(searcher, "機械学習 +面接") == {"ml/engineer", "ml/reverse", "visa/notes"}
    assert ids(searcher, "機械学習 -面接") == {"other/diary"}


def test_minus_phrase_removes_exactly_the_passages_that_hold_the_phrase(notes: Path, analyzer) -> None:
    searcher = open_corpus(notes)
    everything = searcher.search("機械学習", limit=20)
    assert 0 < len(everything) < 20  # every match: none left out by the limit
    phrase = analyzer.texts("ビザ の 面接")["words"]

    def holds_phrase(text: str) -> bool:  # its analysed words, next to each other, in order
        words = analyzer.texts(text)["words"]
        return any(words[i : i + len(phrase)] == phrase for i in range(len(words)))

    removed = [hit for hit in everything if holds_phrase(hit.text)]
    assert removed and all("ビザの面接" in hit.text for hit in removed)  # the phrase as written, too
    kept = searcher.search('機械学習 -"ビザ の 面接"', limit=20)
    assert [(h.doc_id, h.passage) for h in kept] == [(h.doc_id, h.passage) for h in everything if h not in removed]
    assert [h.score for h in kept] == pytest.approx([h.score for h in everything if h not in removed])
    assert not any(holds_phrase(hit.text) or "ビザの面接" in hit.text for hit in kept)


def test_title_and_doc_restrict_the_documents(notes: Path) -> None:
    searcher = open_corpus(notes)
    assert ids(searcher, "面接 title:体験記") == {"visa/notes"}
    assert ids(searcher, "title:エンジニア") == {"ml/engineer", "ml/reverse"}
    assert ids(searcher, "機械学習 doc:ml/") == {"ml/engineer", "ml/reverse"}
    assert ids(searcher, "機械学習 doc:other doc:visa") == {"other/diary", "visa/notes"}


def test_a_fields_value_in_quotes_is_one_value_and_an_empty_one_an_error(notes: Path) -> None:
    assert parse_query('title:"機械学習 エンジニア" doc:"ml/" 面接') == Query("面接", (Title("機械学習 エンジニア"), DocPrefix(("ml/",))))
    searcher = open_corpus(notes)
    assert ids(searcher, 'title:"機械学習 エンジニア"') == {"ml/engineer"}  # its words, in this order
    assert ids(searcher, 'title:"エンジニア 機械学習"') == set()
    for query, message in [('title:"" 面接', 'title:"" holds nothing'), ('doc:"" 面接', 'doc:"" holds nothing'), ("title:。", "no searchable word in title:。")]:
        with pytest.raises(MlqError, match=message):  # not every document (title:""), nor none (doc:"")
            searcher.search(query)


def test_syntax_from_the_command_line(notes: Path) -> None:
    found = run_mlq("search", '"機械学習 エンジニア"', "-l", "--corpus", str(notes))
    assert found.returncode == 0 and found.stdout.split() == ["ml/engineer"]
    bad = run_mlq("search", '"機械学習', "--corpus", str(notes))
    assert bad.returncode == 2 and bad.stderr.startswith("mlq: error: unclosed quote")
    assert "title:" in run_mlq("search", "--help").stdout


# Queries as people type them into a shell: `-word` needs no quoting, options go anywhere.


def search_json(*args: str) -> list[dict]:
    import json

    done = run_mlq("search", "--json", "--per-doc", "1", *args)  # before the args: they may hold --
    assert done.returncode in (0, 1), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_an_exclusion_typed_bare_is_the_same_query_as_quoted() -> None:
    bare = search_json("面接", "-インターン")
    quoted = search_json("面接 -インターン")
    assert bare and bare == quoted
    assert all("インターン" not in hit["text"] and "面接" in hit["text"] for hit in bare)
    with_interns = search_json("面接")
    assert any("インターン" in hit["text"] for hit in with_interns)  # the exclusion took something out


def test_options_work_in_any_position_and_a_word_that_looks_like_flags_is_excluded(notes: Path) -> None:
    first = run_mlq("search", "-l", "-n", "2", "面接", "--corpus", str(notes))
    last = run_mlq("search", "面接", "--corpus", str(notes), "-n2", "-l")
    assert first.returncode == last.returncode == 0 and first.stdout == last.stdout
    assert len(first.stdout.splitlines()) == 2
    # -lh would be flags; -linux is not (-i is no option of search): it excludes "linux".
    (notes / "other" / "linux.md").write_text("---\ntitle: linux\n---\nlinux での面接の準備。\n", encoding="utf-8")
    try:
        with_linux = run_mlq("search", "面接", "-l", "--corpus", str(notes)).stdout.split()
        without = run_mlq("search", "面接", "-linux", "-l", "--corpus", str(notes)).stdout.split()
        assert "other/linux" in with_linux and "other/linux" not in without and set(without) < set(with_linux)
    finally:
        (notes / "other" / "linux.md").unlink()


def test_an_exclusion_of_a_phrase_typed_with_shell_quotes(notes: Path) -> None:
    # The shell turns -"機械学習 エンジニア" into one word, "-機械学習 エンジニア": still the phrase.
    found = run_mlq("search", "機械学習", '-機械学習 エンジニア', "-l", "--corpus", str(notes)).stdout.split()
    assert "ml/engineer" not in found and "ml/reverse" in found and "other/diary" in found


@pytest.mark.parametrize(
    "typed, ascii",
    [("面接 －ビザ", "面接 -ビザ"), ("面接 ＋ビザ", "面接 +ビザ"), ("面接　−ビザ", "面接 -ビザ"), ("面接 title：体験記", "面接 title:体験記"), ("ｄｏｃ：ml/ 面接", "doc:ml/ 面接")],
)
def test_operators_typed_full_width_by_an_input_method_are_operators(notes: Path, typed: str, ascii: str) -> None:
    assert parse_query(typed) == parse_query(ascii)
    assert ids(open_corpus(notes), typed) == ids(open_corpus(notes), ascii)


@pytest.mark.parametrize("query", ["－５度", "−5度", "27＂ ディスプレイ", "Ｃ＋＋", "時刻：12時"])
def test_full_width_signs_in_ordinary_words_are_no_operators(query: str) -> None:
    assert parse_query(query) == Query(query)  # minus five degrees; an inch mark; C++


def test_a_phrase_typed_with_shell_quotes_is_a_phrase_alone_too(notes: Path) -> None:
    # The shell's one word "-機械学習 エンジニア" is the phrase's exclusion, alone as beside other words.
    alone = run_mlq("search", "-l", "--corpus", str(notes), "--", '-機械学習 エンジニア')
    assert alone.returncode == 0 and "ml/engineer" not in alone.stdout.split() and "ml/reverse" in alone.stdout.split()
    wide = run_mlq("search", "機械学習", "－機械学習 エンジニア", "-l", "--corpus", str(notes)).stdout.split()
    assert "ml/engineer" not in wide and "ml/reverse" in wide  # typed full-width, the same


def test_a_query_of_exclusions_alone_lists_the_documents_without_them(notes: Path) -> None:
    listed = search_json("--corpus", str(notes), "-n", "100", "--", "-面接")
    ids = [hit["doc_id"] for hit in listed]
    assert ids == sorted(ids) == ["other/diary"]  # the only note without 面接, by id
    assert listed[0]["highlights"] == [] and listed[0]["passage"] == 1
    everything = search_json("--corpus", str(notes), "-n", "100", "--", "-存在しない語")
    assert [hit["doc_id"] for hit in everything] == sorted(NOTES)
    titled = search_json("title:エンジニア", "--corpus", str(notes))
    assert [hit["doc_id"] for hit in titled] == ["ml/engineer", "ml/reverse"]  # listed by id, not ranked
    shown = run_mlq("search", "--corpus", str(notes), "--", "-面接")
    assert shown.returncode == 0 and "面接" not in shown.stdout
    assert shown.stdout.splitlines()[0] == "other/diary#1\t-\t日記"  # nothing ranked it: no score


def test_a_required_word_sees_the_title_as_ranking_does(notes: Path) -> None:
    # 体験記 is only in visa/notes' title, which ranking counts with each of its passages.
    assert ids(open_corpus(notes), "面接 +体験記") == {"visa/notes"}


def test_a_malformed_query_fails_before_any_indexing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / "empty-cache"))
    done = run_mlq("search", '"unclosed')
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == ["mlq: error: unclosed quote in query '\"unclosed' (a phrase is \"…\")"]
    assert not (tmp_path / "empty-cache").exists() or not any((tmp_path / "empty-cache").rglob("manifest.json"))


def test_plain_mlq_prints_the_help() -> None:
    done = run_mlq()
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Usage: mlq") and "Commands:" in lines and any(line.split()[:1] == ["search"] for line in lines)
