"""The installed ``mlq`` command, run for real as a subprocess from another directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import on_terminal, run_mlq

from mlq import bundled_corpus, load_corpus, open_corpus
from mlq.passages import split_passages

COMMANDS = ["search", "show", "list", "index"]


def hits_of(stdout: str) -> list[tuple[str, int, float, str]]:
    """(doc id, passage, score, title) of each hit in plain output (header lines only)."""
    lines = stdout.splitlines()
    assert len(lines) % 2 == 0, stdout
    parsed = []
    for header in lines[::2]:
        ref, score, title = header.split("\t")
        doc_id, number = ref.rsplit("#", 1)
        parsed.append((doc_id, int(number), float(score), title))
    return parsed


def test_search_lists_ranked_passages_of_the_internship_essays(tmp_path: Path, bundled_indexed: Path) -> None:
    result = run_mlq("search", "インターン 面接", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    hits = hits_of(result.stdout)
    assert 5 <= len(hits) <= 10
    doc_ids = {doc_id for doc_id, *_ in hits}
    assert {"msr-internship-2024", "landing-an-ml-job"} <= doc_ids
    scores = [score for _, _, score, _ in hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    # Default cap: at most three passages from one document.
    assert max(sum(1 for d, *_ in hits if d == doc_id) for doc_id in doc_ids) <= 3
    # The passage line under each header holds the matched text, on one line; the best hold
    # both words, and every one holds one of them whole (bigrams alone never make a match).
    passages = result.stdout.splitlines()[1::2]
    assert any("インターン" in p and "面接" in p for p in passages[:3])
    assert all("インターン" in p or "面接" in p for p in passages)


def test_piped_output_is_plain_and_stable(tmp_path: Path, bundled_indexed: Path) -> None:
    first = run_mlq("search", "機械学習", "エンジニア", "-n", "5", cwd=tmp_path)
    second = run_mlq("search", "機械学習 エンジニア", "-n", "5", cwd=tmp_path)
    assert first.returncode == 0
    assert first.stdout == second.stdout
    assert "\x1b[" not in first.stdout
    assert len(hits_of(first.stdout)) == 5


def test_limit_and_per_doc(tmp_path: Path, bundled_indexed: Path) -> None:
    result = run_mlq("search", "機械学習", "-n", "4", "--per-doc", "1", cwd=tmp_path)
    hits = hits_of(result.stdout)
    assert len(hits) == 4
    assert len({doc_id for doc_id, *_ in hits}) == 4


def test_terminal_output_highlights_the_matched_terms(bundled_indexed: Path) -> None:
    text = on_terminal("search", "インターン 面接", "-n", "5")
    assert "\x1b[1;33mインターン\x1b[0m" in text  # highlighted exactly, not the whole word around it
    assert "\x1b[1;33m面接\x1b[0m" in text


def test_show_prints_the_whole_essay(tmp_path: Path, bundled_indexed: Path) -> None:
    result = run_mlq("show", "msr-internship-2024", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Microsoft Research インターンシップ体験記 (2024)"
    assert "author: Hiroki Naganuma" in lines
    # The count is the essay's real number of passages: cut from its text here, and as indexed.
    (document,) = [d for d in load_corpus(bundled_corpus()) if d.doc_id == "msr-internship-2024"]
    count = len(split_passages(document))
    searcher = open_corpus()
    doc_index = [d.doc_id for d in searcher.documents].index("msr-internship-2024")
    assert len(searcher.index.passages.rows_of(doc_index)) == count > 1
    assert [line for line in lines if line.startswith("passages: ")] == [f"passages: {count}"]
    assert "ありがとうございました。" in lines[-1]
    assert "title:" not in result.stdout.split("\n\n", 1)[1]


def test_show_one_passage_by_hash_or_option_or_prefix(tmp_path: Path, bundled_indexed: Path) -> None:
    by_hash = run_mlq("show", "msr-internship-2024#1", cwd=tmp_path)
    by_option = run_mlq("show", "msr", "--passage", "1", cwd=tmp_path)
    assert by_hash.returncode == 0 and by_option.returncode == 0
    assert by_hash.stdout == by_option.stdout
    body = by_hash.stdout.split("\n\n", 1)[1]
    assert body.startswith("Hiroki Naganuma")
    assert "2024年にMicrosoft Researchにインターンシップ" in body
    assert "シアトル" not in body  # only passage 1, not the essay


def test_search_hit_can_be_shown(tmp_path: Path, bundled_indexed: Path) -> None:
    first = hits_of(run_mlq("search", "ビザ面接", "-n", "1", cwd=tmp_path).stdout)[0]
    shown = run_mlq("show", f"{first[0]}#{first[1]}", cwd=tmp_path)
    assert shown.returncode == 0 and "面接" in shown.stdout


def test_list_shows_ids_passage_counts_and_titles(tmp_path: Path, bundled_indexed: Path) -> None:
    result = run_mlq("list", cwd=tmp_path)
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows][-1] == "msr-internship-2024"
    assert len(rows) == 5 and all(int(r[1]) > 0 for r in rows)
    assert rows[-1][2] == "Microsoft Research インターンシップ体験記 (2024)"


def test_index_prints_one_summary_line_and_the_next_run_loads_the_cache(tmp_path: Path) -> None:
    built = run_mlq("index", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (summary,) = built.stdout.splitlines()
    assert summary.startswith("5 documents, ") and "passages" in summary and "distinct terms" in summary
    assert "built in" in summary
    again = run_mlq("search", "面接", cwd=tmp_path)
    assert again.returncode == 0 and "indexed" not in again.stderr
    assert "up to date" in run_mlq("index", cwd=tmp_path).stdout


def test_own_corpus_by_option_and_environment(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "tech").mkdir(parents=True)
    (notes / "tech" / "rust.md").write_text("# Rustの所有権\n\n借用チェッカーとライフタイムの話。", encoding="utf-8")
    by_option = run_mlq("search", "借用", "--corpus", str(notes), cwd=tmp_path)
    assert by_option.returncode == 0, by_option.stderr
    assert hits_of(by_option.stdout)[0][:2] == ("tech/rust", 1)
    assert hits_of(by_option.stdout)[0][3] == "Rustの所有権"
    import os

    os.environ["MLQ_CORPUS"] = str(notes)
    try:
        by_env = run_mlq("list", cwd=tmp_path)
    finally:
        del os.environ["MLQ_CORPUS"]
    assert by_env.stdout.startswith("tech/rust\t1\t")


def test_no_match_exits_1_with_a_note(tmp_path: Path, bundled_indexed: Path) -> None:
    result = run_mlq("search", "量子色力学", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no passage matches" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["show", "no-such-essay"], "unknown document 'no-such-essay'; closest: "),
        (["show", "m"], "ambiguous document 'm'"),
        (["show", "msr#999"], "msr-internship-2024 has passages 1–22, not 999"),
        (["search", "   "], "empty query"),
        (["search", "、。！"], "no searchable term"),
        (["search", "面接", "--corpus", "/no/such/folder"], "corpus folder not found: /no/such/folder"),
        (["search", "面接", "--corpus", ""], "--corpus is empty"),
        (["search"], "Missing argument"),
        (["search", "面接", "-n", "0"], "-n"),
        (["frobnicate"], "No such command"),
        (["show", "msr#²"], "bad passage number in 'msr#²'"),
        (["search", "-", "借用"], "give either QUERY or - (queries from stdin), not both"),
        (["index", "--status", "--clear"], "--status and --clear do not combine"),
        (["index", "--clear", "--rebuild"], "--clear and --rebuild do not combine"),
        (["search", "ビザ", "--vimgrep", "--no-highlights"], "--no-highlights does not combine with --format vimgrep"),
        (["show", "msr", "--format", "vimgrep"], "'vimgrep' is not one of 'text', 'json', 'tsv'"),
        (["analyze", "面接", "--vimgrep"], "No such option '--vimgrep'"),
        (["analyze", " "], "empty text"),
        (["index", "--clear", "--corpus", "/no/such/folder"], "corpus folder not found: /no/such/folder (`mlq index --prune` removes"),
        (["search", "\udcff面接"], "the query is not valid UTF-8"),
        (["analyze", "面接\udcff"], "the text is not valid UTF-8"),
        (["list", "--include", "[z-a]"], "not a file pattern: '[z-a]'"),
        (["list", "--exclude", "!"], "not a file pattern: '!'"),
    ],
)
def test_errors_are_one_line_on_stderr_with_exit_2(tmp_path: Path, args: list[str], message: str, bundled_indexed: Path) -> None:
    # Indexed already, so that no indexing note precedes the error.
    result = run_mlq(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("mlq: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command, prints_hits", [("search", True), ("similar", True), ("show", False), ("list", False), ("analyze", False)])
def test_help_offers_vimgrep_only_where_there_are_hits_to_point_at(tmp_path: Path, command: str, prints_hits: bool) -> None:
    result = run_mlq(command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert ("--vimgrep" in result.stdout) is prints_hits
    assert ("vimgrep]" in result.stdout) is prints_hits  # in --format's choices


def test_a_bad_query_fails_before_any_indexing(tmp_path: Path, cache_dir: Path) -> None:
    result = run_mlq("search", "、。", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "mlq: error: no searchable term in query '、。'\n"
    assert not cache_dir.exists()


def test_unknown_document_names_the_closest_ids(tmp_path: Path, bundled_indexed: Path) -> None:
    result = run_mlq("show", "msr-internship-2023", cwd=tmp_path)
    assert result.returncode == 2
    assert "closest: msr-internship-2024" in result.stderr


def test_version_and_help_with_an_example_on_every_command(tmp_path: Path) -> None:
    version = run_mlq("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("mlq, version ")
    for command in COMMANDS:
        result = run_mlq(command, "--help", cwd=tmp_path)
        assert result.returncode == 0
        assert "Example" in result.stdout and f"mlq {command}" in result.stdout
        assert "--corpus" in result.stdout


def test_shell_completion_offers_document_ids_from_the_cached_index_only(tmp_path: Path) -> None:
    import os
    import subprocess

    from conftest import mlq_command

    def complete(words: str) -> list[str]:
        current = len(words.split()) - (0 if words.endswith(" ") else 1)  # the word being completed
        env = {**os.environ, "_MLQ_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(current)}
        done = subprocess.run([mlq_command()], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert done.returncode == 0 and done.stderr == ""
        return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line]

    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "sub" / "alpha.md").write_text("# A\n\n面接の話。\n", encoding="utf-8")
    (notes / "beta.md").write_text("# B\n\nビザの話。\n", encoding="utf-8")
    assert complete(f"mlq show --corpus {notes} s") == []  # not indexed yet: nothing, and no indexing
    assert not list(Path(os.environ["MLQ_CACHE_DIR"]).glob("notes-*"))
    assert run_mlq("list", "--corpus", str(notes)).returncode == 0
    assert complete(f"mlq show --corpus {notes} s") == ["sub/alpha"]
    assert complete(f"mlq similar --corpus {notes} ") == ["beta", "sub/alpha"]


def test_a_passage_of_a_document_with_none_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("---\ntitle: 空\n---\n\n", encoding="utf-8")
    (tmp_path / "full.md").write_text("面接の話。\n", encoding="utf-8")
    result = run_mlq("show", "empty#1", "--corpus", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == "mlq: error: empty has no passages (nothing but front matter or blank lines)"


def test_a_document_id_holding_a_hash_is_shown_by_its_name_and_its_hits_refs(tmp_path: Path) -> None:
    """A JSON Lines id "x#2" beside an id "x": `mlq show x#2` is the record named so, and the
    ref a hit prints for it (r/x#2#1) shows that passage, not an error."""
    (tmp_path / "r.jsonl").write_text('{"id": "x#2", "text": "ハッシュの面接。"}\n{"id": "x", "text": "天気の面接。"}\n', encoding="utf-8")
    shown = run_mlq("show", "r/x#2", "--format", "tsv", "--corpus", str(tmp_path))
    assert shown.returncode == 0 and shown.stdout.startswith("r/x#2\t1\t") and "ハッシュの面接" in shown.stdout
    refs = [line.split("\t")[0] for line in run_mlq("search", "面接", "--corpus", str(tmp_path)).stdout.splitlines()[::2]]
    assert sorted(refs) == ["r/x#1", "r/x#2#1"]
    passage = run_mlq("show", "r/x#2#1", "--corpus", str(tmp_path))
    assert passage.returncode == 0 and "ハッシュの面接" in passage.stdout
