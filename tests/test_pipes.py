"""mlq in pipelines: the installed command run as a subprocess, its stdout a real pipe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import mlq_command, on_terminal, run_mlq, shell

from mlq import Analyzer

HIT_FIELDS = {"query", "rank", "doc_id", "passage", "score", "title", "section", "path", "line", "column", "start", "end", "text", "highlights", "prose"}


def read_text(path: str) -> str:
    """A document's text as mlq reads it, to check offsets against."""
    return Path(path).read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture(autouse=True)
def warm_index(bundled_indexed: Path) -> None:
    """The bundled essays are indexed already (no "indexed" note among the output checked)."""


def analyzed(text: str) -> dict[str, list[str]]:
    return {field: [t.text for t in terms] for field, terms in Analyzer().analyze(text).items()}


def test_json_lines_parse_and_have_the_documented_fields(tmp_path: Path) -> None:
    query = analyzed("インターン 面接")
    result = run_mlq("search", "インターン 面接", "--json", cwd=tmp_path)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert 5 <= len(lines) <= 10
    for rank, line in enumerate(lines, start=1):
        hit = json.loads(line)
        assert set(hit) == HIT_FIELDS
        assert hit["query"] == "インターン 面接" and hit["rank"] == rank
        assert isinstance(hit["score"], float) and hit["score"] > 0
        # start/end are offsets in the document; highlights are offsets in text.
        assert read_text(hit["path"])[hit["start"] : hit["end"]] == hit["text"]
        before = read_text(hit["path"])[: hit["start"] + hit["highlights"][0][0]]
        assert hit["line"] == before.count("\n") + 1 and hit["column"] == len(before.rpartition("\n")[2].encode()) + 1
        marked = [hit["text"][s:e] for s, e in hit["highlights"]]
        assert marked and all(0 <= s < e <= len(hit["text"]) for s, e in hit["highlights"])
        # Every marked piece is a term of the query, in one field or the other (Sudachi
        # normalizes "Intern" to インターン, so a word match need not look like the query).
        for piece in marked:
            assert any(set(terms) & set(query[field]) for field, terms in analyzed(piece).items()), piece
    assert "インターン" in result.stdout and "\\u" not in result.stdout  # UTF-8, not ASCII-escaped


def test_no_highlights_gives_the_same_hits_without_highlights(tmp_path: Path) -> None:
    plain = run_mlq("search", "インターン 面接", "--json", cwd=tmp_path).stdout.splitlines()
    bare = run_mlq("search", "インターン 面接", "--json", "--no-highlights", cwd=tmp_path).stdout.splitlines()
    assert len(bare) == len(plain) >= 5
    for with_marks, without in zip(map(json.loads, plain), map(json.loads, bare)):
        assert with_marks["highlights"] and without["highlights"] == []
        # Without highlights, an editor lands on the passage's start rather than its first match.
        start = read_text(without["path"])[: without["start"]]
        assert (without["line"], without["column"]) == (start.count("\n") + 1, len(start.rpartition("\n")[2].encode()) + 1)
        assert {**with_marks, "highlights": [], "line": without["line"], "column": without["column"]} == without


def test_json_output_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    raw = subprocess.run(
        [mlq_command(), "search", "面接", "--json", "-n", "1"], capture_output=True, cwd=tmp_path,
        env={**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"},
    )
    assert raw.returncode == 0, raw.stderr
    assert json.loads(raw.stdout.decode("utf-8"))["text"]


def test_tsv_has_the_columns_and_a_header_only_when_asked(tmp_path: Path) -> None:
    plain = run_mlq("search", "機械学習", "--format", "tsv", cwd=tmp_path)
    with_header = run_mlq("search", "機械学習", "--format", "tsv", "--header", cwd=tmp_path)
    rows = [line.split("\t") for line in plain.stdout.splitlines()]
    assert with_header.stdout.splitlines()[0] == "rank\tdoc_id\tpassage\tscore\ttitle\ttext"
    assert with_header.stdout.splitlines()[1:] == plain.stdout.splitlines()
    assert len(rows) == 10 and all(len(row) == 6 for row in rows)
    assert [int(row[0]) for row in rows] == list(range(1, 11))
    assert all(row[1] and int(row[2]) >= 1 and float(row[3]) > 0 for row in rows)
    # Passages with line breaks come out on one line.
    assert any("  " in row[5] for row in rows)


def test_files_with_matches_feeds_mlq_show(tmp_path: Path) -> None:
    ids = run_mlq("search", "-l", "面接", cwd=tmp_path)
    assert ids.returncode == 0
    doc_ids = ids.stdout.splitlines()
    assert len(doc_ids) == len(set(doc_ids)) >= 2
    assert set(doc_ids) <= {line.split("\t")[0] for line in run_mlq("list", cwd=tmp_path).stdout.splitlines()}
    shown = shell("mlq search -l 面接 | xargs mlq show", tmp_path)  # one mlq show for them all
    assert shown.returncode == 0, shown.stderr
    assert [line.removeprefix("id: ") for line in shown.stdout.splitlines() if line.startswith("id: ")] == doc_ids
    as_json = shell("mlq search -l 面接 | xargs mlq show --json", tmp_path)
    assert [json.loads(line)["doc_id"] for line in as_json.stdout.splitlines()] == doc_ids


def test_show_looks_every_document_up_before_printing_any(tmp_path: Path) -> None:
    done = run_mlq("show", "msr-internship-2024", "no-such-essay", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("mlq: error: unknown document 'no-such-essay'") and len(done.stderr.splitlines()) == 1


def test_a_passage_shown_as_json_has_the_fields_of_a_hit(tmp_path: Path) -> None:
    hit = json.loads(run_mlq("search", "ビザ 面接", "-n", "1", "--json", cwd=tmp_path).stdout.splitlines()[0])
    shown = json.loads(run_mlq("show", f"{hit['doc_id']}#{hit['passage']}", "--json", cwd=tmp_path).stdout)
    for name in ("doc_id", "title", "path", "passage", "section", "start", "end", "text"):
        assert shown[name] == hit[name], name
    whole = json.loads(run_mlq("show", hit["doc_id"], "--json", cwd=tmp_path).stdout)
    assert all({"passage", "section", "start", "end", "text"} <= set(p) for p in whole["passages"])


def test_files_with_matches_is_best_first_and_limited_to_n_documents(tmp_path: Path) -> None:
    best = json.loads(run_mlq("search", "面接", "--json", "-n", "1", cwd=tmp_path).stdout)["doc_id"]
    ids = run_mlq("search", "-l", "-n", "2", "面接", cwd=tmp_path).stdout.splitlines()
    assert len(ids) == 2 and ids[0] == best


@pytest.mark.parametrize("args", [["--json"], ["--format", "tsv"], ["-l"], []])
def test_no_hit_exits_1_with_nothing_on_stdout(tmp_path: Path, args: list[str]) -> None:
    result = run_mlq("search", "量子色力学", *args, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("mlq: no passage matches")


@pytest.mark.parametrize(
    "args",
    [
        ["search", "面接", "--json", "--format", "tsv"],
        ["search", "面接", "-l", "--json"],
        ["search", "面接", "--color", "sometimes"],
        ["search", "面接", "--queries", "/no/such/file"],
        ["show", "no-such-doc", "--json"],
    ],
)
def test_errors_exit_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    result = run_mlq(*args, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("mlq: error: ")


@pytest.mark.parametrize(
    "pipeline",
    [
        "mlq search 学習 -n 1000 --per-doc 1000 | head -1",
        "mlq search 学習 -n 1000 --per-doc 1000 --json | head -1",
        "mlq show landing-an-ml-job | head -1",
        "mlq show landing-an-ml-job --format tsv | head -1",
    ],
)
def test_closed_pipe_ends_quietly(tmp_path: Path, pipeline: str) -> None:
    result = shell(pipeline.replace(" | ", " 2>stderr.txt | "), tmp_path)
    assert len(result.stdout.splitlines()) == 1
    stderr = (tmp_path / "stderr.txt").read_text()
    assert stderr == "", stderr
    assert result.returncode in (0, 141)  # pipefail: mlq's status, killed by SIGPIPE or 0


@pytest.mark.parametrize(
    "command, message",
    [
        ("mlq search 学習 -n 100 > /dev/full", "cannot write the output: No space left on device"),
        ("mlq show landing-an-ml-job --json > /dev/full", "cannot write the output: No space left on device"),
        ("mlq search 学習 >&-", "standard output is closed"),
        ("mlq index >&-", "standard output is closed"),
        ("mlq search - <&-", "standard input is closed"),
        ("mlq analyze - <&-", "standard input is closed"),
    ],
)
def test_output_that_cannot_be_written_or_input_that_is_closed_is_a_one_line_error(tmp_path: Path, command: str, message: str) -> None:
    if "/dev/full" in command and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    result = shell(command, tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"mlq: error: {message}\n"


@pytest.mark.parametrize("stderr", ["2>/dev/full", "2>&-"])
def test_stderr_that_cannot_be_written_changes_neither_the_results_nor_the_status(tmp_path: Path, stderr: str) -> None:
    # An empty cache: the search indexes first, and says so on stderr (nowhere, here).
    if "/dev/full" in stderr and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    empty_cache = f"MLQ_CACHE_DIR='{tmp_path / 'cache'}'"
    found = shell(f"{empty_cache} mlq search 面接 -n 1 {stderr}", tmp_path)
    expected = shell("mlq search 面接 -n 1", tmp_path)
    assert found.returncode == 0 and found.stdout == expected.stdout and found.stdout
    refused = shell(f"mlq search '\"unclosed' {stderr}", tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""


@pytest.mark.parametrize("action", ["--prune", "--clear"])
def test_a_cache_that_cannot_be_cleared_is_a_one_line_error(tmp_path: Path, action: str) -> None:
    unnameable = tmp_path / ("x" * 300)  # a name no file system takes
    result = shell(f"MLQ_CACHE_DIR='{unnameable}' mlq index {action}", tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("mlq: error: cannot ") and "File name too long" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "internal" not in result.stderr


def test_colour_follows_terminal_no_color_and_the_option(tmp_path: Path) -> None:
    assert "\x1b[" in on_terminal("search", "面接", "-n", "1")
    assert "\x1b[" not in on_terminal("search", "面接", "-n", "1", "--color", "auto", env={"NO_COLOR": "1"})
    assert "\x1b[" not in on_terminal("search", "面接", "-n", "1", "--color", "never")
    piped = run_mlq("search", "面接", "-n", "1", cwd=tmp_path).stdout
    coloured = run_mlq("search", "面接", "-n", "1", "--color", "always", cwd=tmp_path).stdout
    assert "\x1b[" not in piped
    assert "\x1b[1;33m面接\x1b[0m" in coloured
    # Same plain layout, only the marks added.
    assert coloured.replace("\x1b[1;33m", "").replace("\x1b[0m", "") == piped


def test_batch_from_stdin_gives_the_query_id_on_every_hit(tmp_path: Path) -> None:
    queries = "q-intern\tインターン\n\n面接 対策\n、。\nq-none\t量子色力学\n\tビザ\n"
    result = run_mlq("search", "-", "--json", "-n", "3", cwd=tmp_path, stdin=queries)
    assert result.returncode == 0
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert {h["query_id"] for h in hits} == {"q-intern", "3", "6"}  # lines 3 and 6 have no id: their line number
    assert all(h["query"] == {"q-intern": "インターン", "3": "面接 対策", "6": "ビザ"}[h["query_id"]] for h in hits)
    assert [h["rank"] for h in hits if h["query_id"] != "6"] == [1, 2, 3, 1, 2, 3]
    assert "query 4: no searchable term" in result.stderr  # a bad line is skipped, not fatal


def test_batch_tsv_has_query_id_first_and_file_equals_stdin(tmp_path: Path) -> None:
    queries = "a\tインターン\nb\t面接\n"
    (tmp_path / "queries.tsv").write_text(queries, encoding="utf-8")
    from_file = run_mlq("search", "--queries", "queries.tsv", "--format", "tsv", "--header", cwd=tmp_path)
    from_stdin = run_mlq("search", "-", "--format", "tsv", "--header", cwd=tmp_path, stdin=queries)
    assert from_file.returncode == 0 and from_file.stdout == from_stdin.stdout
    lines = from_file.stdout.splitlines()
    assert lines[0] == "query_id\trank\tdoc_id\tpassage\tscore\ttitle\ttext"
    ids = [line.split("\t")[0] for line in lines[1:]]
    first_b = ids.index("b")
    assert ids == ["a"] * first_b + ["b"] * (len(ids) - first_b) and first_b > 0


def test_batch_with_no_hit_at_all_exits_1(tmp_path: Path) -> None:
    result = run_mlq("search", "-", cwd=tmp_path, stdin="量子色力学\n\n")
    assert (result.returncode, result.stdout) == (1, "")


def test_show_json_is_one_object_with_passages_and_offsets(tmp_path: Path) -> None:
    result = run_mlq("show", "msr-internship-2024", "--json", cwd=tmp_path)
    (line,) = result.stdout.splitlines()
    document = json.loads(line)
    assert document["doc_id"] == "msr-internship-2024"
    assert document["metadata"]["author"] == "Hiroki Naganuma"
    assert document["text"] == read_text(document["path"])
    assert document["text"][document["body_start"] :].startswith("\nHiroki Naganuma")
    passages = document["passages"]
    assert [p["passage"] for p in passages] == list(range(1, len(passages) + 1))
    assert all(document["text"][p["start"] : p["end"]] == p["text"] for p in passages)
    one = json.loads(run_mlq("show", "msr-internship-2024#3", "--json", cwd=tmp_path).stdout)
    assert {k: one[k] for k in ("passage", "section", "start", "end", "text")} == passages[2]


def test_show_and_list_are_plain_in_a_pipe(tmp_path: Path) -> None:
    shown = run_mlq("show", "msr#1", cwd=tmp_path)
    listed = run_mlq("list", "--format", "tsv", "--header", cwd=tmp_path)
    assert "\x1b[" not in shown.stdout + listed.stdout
    assert listed.stdout.splitlines()[0] == "doc_id\tpassages\ttitle"
    objects = [json.loads(line) for line in run_mlq("list", "--json", cwd=tmp_path).stdout.splitlines()]
    assert [o["doc_id"] for o in objects] == [line.split("\t")[0] for line in listed.stdout.splitlines()[1:]]


def test_stdout_carries_only_results_even_while_indexing(tmp_path: Path, cache_dir: Path, corpus: Path) -> None:
    (corpus / "new.md").write_text("# 新しい\n\nインターンの面接の話。", encoding="utf-8")
    result = run_mlq("search", "インターン 面接", "--json", "--corpus", str(corpus), cwd=tmp_path)
    assert result.returncode == 0
    assert all(json.loads(line)["doc_id"] for line in result.stdout.splitlines())
    assert "indexed" in result.stderr


def _quickfix(line: str) -> tuple[str, int, int, str]:
    """One line of vim's quickfix format %f:%l:%c:%m."""
    path, lnum, col, message = line.split(":", 3)
    return path, int(lnum), int(col), message


def test_vimgrep_lands_on_the_first_match_of_each_hit(tmp_path: Path) -> None:
    corpus = tmp_path / "notes"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "visa.md").write_text("---\ntitle: ビザ\n---\n# ビザ\n\n前置き。\n\n大使館で、ビザの面接を受けた。\n", encoding="utf-8")
    (corpus / "crlf.md").write_text("\ufeff# 改行\r\n\r\nWindows の改行で書いた面接の話。\r\n", encoding="utf-8")
    lines = run_mlq("search", "面接", "--vimgrep", "--corpus", "notes", cwd=tmp_path).stdout.splitlines()
    hits = [json.loads(line) for line in run_mlq("search", "面接", "--json", "--corpus", "notes", cwd=tmp_path).stdout.splitlines()]
    assert len(lines) == len(hits) == 2
    for line, hit in zip(lines, hits):
        path, lnum, col, message = _quickfix(line)
        assert not Path(path).is_absolute() and (tmp_path / path).resolve() == Path(hit["path"]).resolve()  # relative to here
        assert (lnum, col) == (hit["line"], hit["column"])
        file_line = (tmp_path / path).read_bytes().decode("utf-8-sig").splitlines()[lnum - 1].encode("utf-8")
        assert file_line[col - 1 :].decode("utf-8").startswith("面接")  # byte column, as vim counts
        assert message == " ".join(hit["text"].split("\n")) or message.startswith(hit["text"].split("\n")[0])


@pytest.mark.skipif(not shutil.which("vim"), reason="vim is not installed")
def test_vim_reads_vimgrep_output_and_lands_on_the_hit(tmp_path: Path) -> None:
    quickfix = tmp_path / "hits.txt"
    quickfix.write_text(run_mlq("search", "ビザ 面接", "--vimgrep", "-n", "3", cwd=tmp_path).stdout, encoding="utf-8")
    hits = [json.loads(line) for line in run_mlq("search", "ビザ 面接", "--json", "-n", "3", cwd=tmp_path).stdout.splitlines()]
    for number, hit in enumerate(hits, 1):
        out = tmp_path / f"at-{number}.txt"
        subprocess.run(
            ["vim", "-es", "-N", "-u", "NONE", "-i", "NONE", "-c", "set encoding=utf-8 fileencodings=utf-8",
             "-c", "set errorformat=%f:%l:%c:%m", "-c", f"cfile {quickfix}", "-c", f"cc {number}",
             "-c", f"redir! > {out}", "-c", 'silent echo expand("%:p") line(".") col(".")', "-c", "redir END", "-c", "qa!"],
            cwd=tmp_path, timeout=60, check=False, stdin=subprocess.DEVNULL,
        )
        path, line, column = out.read_text(encoding="utf-8").split()
        assert (Path(path).resolve(), int(line), int(column)) == (Path(hit["path"]).resolve(), hit["line"], hit["column"])
        start = hit["highlights"][0][0]
        assert hit["text"][start:].startswith(("ビザ", "面接"))


READ_AS_PROSE = "# 鍵\n\nGnuPG で [鍵の作成](https://example.com/gpg) をする。![図](img.png) <b>注意</b>: 鍵は<!-- メモ -->大事。\n"


def test_text_output_shows_a_passage_as_prose_and_json_keeps_it_exact(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "key.md").write_text(READ_AS_PROSE, encoding="utf-8")
    (notes / "plain.txt").write_text("テキストの <b>鍵</b> はそのまま。\n", encoding="utf-8")
    found = run_mlq("search", "鍵", "--corpus", str(notes)).stdout.splitlines()
    shown_as = {head.split("\t")[0]: text for head, text in zip(found[::2], found[1::2])}
    assert shown_as["key#1"] == "# 鍵  GnuPG で 鍵の作成 をする。 注意: 鍵は大事。"
    assert "テキストの <b>鍵</b> はそのまま。" in found  # not Markdown: as written
    coloured = run_mlq("search", "鍵", "--color", "always", "--corpus", str(notes)).stdout
    assert coloured.count("\x1b[1;33m鍵\x1b[0m") == 3 + 1  # highlights follow the text shown
    (hit,) = [h for h in map(json.loads, run_mlq("search", "鍵", "--json", "--corpus", str(notes)).stdout.splitlines()) if h["doc_id"] == "key"]
    assert hit["text"] == READ_AS_PROSE.removesuffix("\n") and hit["prose"] == "# 鍵\n\nGnuPG で 鍵の作成 をする。 注意: 鍵は大事。"
    assert all(hit["text"][s:e] == "鍵" for s, e in hit["highlights"])  # offsets into the exact text
    screen = on_terminal("search", "鍵", "--corpus", str(notes), env={"NO_COLOR": "1"})
    assert "鍵の作成 をする。" in screen and "https://example.com" not in screen and "<b>" not in screen.split("テキスト")[0]


def test_the_readmes_first_example_is_what_mlq_prints(tmp_path: Path) -> None:
    from conftest import REPO

    command = """$ mlq search "インターン 面接" -n 2 | awk 'NR % 2'"""
    shown = (REPO / "README.md").read_text(encoding="utf-8").split(command, 1)[1].split("```", 1)[0].splitlines()[1:]
    assert shown == run_mlq("search", "インターン 面接", "-n", "2", cwd=tmp_path).stdout.splitlines()[0::2]
