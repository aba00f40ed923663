"""Hostile input: queries and corpora built to break a search tool. mlq answers or says why in
one line, with the documented exit status; it never crashes, and never lets a query or a
document's text drive the terminal."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from conftest import aged, on_terminal, run_mlq, write

from mlq import MlqError, build_index, open_corpus

TRACEBACK = "Traceback (most recent call last)"
# Anything a terminal would act on: CSI/OSC escape sequences and other C0/C1 controls, and the
# bidirectional overrides and isolates that turn a line round where a terminal obeys them.
_TERMINAL_CONTROL = re.compile(r"\x1b[\[\]P^_]|[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture()
def hostile_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "hostile"
    write(root / "markup.md", "# [bold red]見出し[/bold red]\n\n本文に [link=https://example.com]罠[/link] と書く。面接の話。\n")
    write(root / "escape.md", "# エスケープ\n\n端末を操る \x1b[31m赤い\x1b[0m 文字と \x1b]0;title\x07 の面接。\u202e逆さま\u202c\n")
    write(root / "normal.md", "# 普通の文書\n\n面接の準備について書いた普通の文章です。\n")
    return root


QUERIES = [
    ("", 2, "empty query"),
    ("   \u3000\t ", 2, "empty query"),
    ("、。！？・…「」", 2, "no searchable term"),
    ("[bold]面接[/bold]", 0, None),
    ("$(rm -rf ~); `reboot` | tee /etc/passwd", None, None),
    ("\x1b[31m面接\x1b[0m", 0, None),
    ("面接\x00\x07\x08", 0, None),
    ("面接 " * 20_000, 0, None),  # 100,000 characters
]


@pytest.mark.parametrize(("query", "status", "message"), QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_hostile_queries_answer_or_say_why_in_one_line(hostile_corpus: Path, query: str, status, message) -> None:
    if "\x00" in query or len(query) > 10_000:
        # No command line can carry a NUL or 100,000 characters: such a query comes on stdin.
        result = run_mlq("search", "-", "--corpus", str(hostile_corpus), stdin=query + "\n")
    else:
        result = run_mlq("search", query, "--corpus", str(hostile_corpus))
    assert TRACEBACK not in result.stderr
    if status is not None:
        assert result.returncode == status, result.stderr
    else:
        assert result.returncode in (0, 1)
    if result.returncode == 2:
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("mlq: error: ")
        assert message in result.stderr
        assert result.stdout == ""
    # What the user typed comes back only as text: no escape or control character reaches the output.
    assert not _TERMINAL_CONTROL.search(result.stderr)


@pytest.mark.parametrize("query", ["[bold]面接[/bold]", "\x1b[31m面接\x1b[0m", "面接"])
def test_the_terminal_shows_markup_and_escapes_as_text(hostile_corpus: Path, query: str) -> None:
    run_mlq("index", "--corpus", str(hostile_corpus))  # no progress bar below: only what is shown
    for args in (["search", query, "-n", "5"], ["show", "markup"], ["show", "escape"], ["list"]):
        shown = on_terminal(*args, "--corpus", str(hostile_corpus), env={"NO_COLOR": "1"})
        assert TRACEBACK not in shown
        assert not _TERMINAL_CONTROL.search(shown.replace("\r\n", "\n")), (args, shown)
    shown = on_terminal("show", "markup", "--corpus", str(hostile_corpus), env={"NO_COLOR": "1"})
    assert "[bold red]見出し[/bold red]" in shown and "[link=https://example.com]罠[/link]" in shown


def test_json_carries_document_text_exactly(hostile_corpus: Path) -> None:
    import json

    result = run_mlq("search", "エスケープ", "--json", "--corpus", str(hostile_corpus))
    hit = json.loads(result.stdout.splitlines()[0])
    assert "\x1b[31m赤い\x1b[0m" in hit["text"] and "\u202e逆さま\u202c" in hit["text"]  # data stays data; JSON escapes it on the wire
    assert "\x1b" not in result.stdout


def hostile_files(root: Path) -> None:
    write(root / "empty.md", b"")
    write(root / "one-line.txt", "面接" + "あ" * (5 * 1024 * 1024 // 3))  # one 5 MB line
    write(root / "nul.md", b"# NUL\n\n\x00binary")
    write(root / "unclosed.md", "---\ntitle: 閉じない\n\n本文の面接の話。\n")
    write(root / "スペース 入り/日本語の 名前.md", "# 名前\n\n空白と日本語のパスの面接。\n")
    (root / "folder.md").mkdir()  # a directory named like a file
    write(root / "folder.md" / "inside.md", "# 中身\n\nフォルダの中の面接。\n")
    (root / "loop").symlink_to(root)  # a symlink loop
    (root / "itself").symlink_to(root / "itself")  # links that lead round to themselves (ELOOP)
    (root / "itself.md").symlink_to(root / "itself.md")
    write(root / "normal.md", "# 普通\n\n普通の面接の話。\n")


def test_hostile_corpus_is_indexed_as_far_as_it_can_be(tmp_path: Path) -> None:
    root = tmp_path / "c"
    hostile_files(root)
    result = run_mlq("search", "面接", "-l", "-n", "20", "--corpus", str(root))
    assert result.returncode == 0 and TRACEBACK not in result.stderr
    found = set(result.stdout.split())
    assert {"normal", "unclosed", "folder.md/inside", "one-line"} <= found
    assert any(doc_id.endswith("名前") for doc_id in found)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("mlq: warning")]
    assert any("nul.md" in w and "binary" in w for w in warnings)
    assert len(warnings) == len({w for w in warnings})  # once for each skipped file
    listed = run_mlq("list", "--corpus", str(root))
    assert "empty" in listed.stdout and "スペース 入り/日本語の 名前" in listed.stdout


def test_files_that_vanish_or_change_between_listing_and_reading_are_survived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlq import corpus as corpus_module

    root = tmp_path / "moving"
    for i in range(6):
        write(root / f"f{i}.md", f"# 文書{i}\n\n面接の話 その{i}。\n")
    real_read = corpus_module.read_file

    def racing_read(path: Path, *args, **kwargs):
        if path.name == "f1.md":
            path.unlink()  # gone after it was listed
        if path.name == "f2.md":
            path.write_text("# 書き換え\n\n読む直前に書き換えられた面接。\n", encoding="utf-8")
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(corpus_module, "read_file", racing_read)
    monkeypatch.setattr("mlq.ingest.read_file", racing_read)
    warnings: list[str] = []
    searcher = open_corpus(root, jobs=1, warn=warnings.append)
    ids = {d.doc_id for d in searcher.documents}
    assert "f1" not in ids and {"f0", "f2", "f3"} <= ids
    assert any("f1.md" in w for w in warnings)
    assert searcher.search("書き換え")[0].doc_id == "f2"
    # The next run sees the folder as it is now, and does not trip over the vanished file.
    again = open_corpus(root, jobs=1)
    assert {d.doc_id for d in again.documents} == ids


def tree_digest(root: Path) -> dict[str, str]:
    """Every path under ``root`` (links not followed) with a hash of what it is."""
    found = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder, name)
            relative = str(path.relative_to(root))
            if path.is_symlink():
                found[relative] = "link:" + os.readlink(path)
            elif path.is_file():
                found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[relative] = "folder"
    return found


def test_mlq_never_writes_into_the_corpus_folder(tmp_path: Path) -> None:
    root = tmp_path / "c"
    hostile_files(root)
    write(root / "mlq.toml", "[ranking]\nk1 = 1.2\n")
    before = tree_digest(root)
    commands = [
        ["index"],
        ["index", "--rebuild"],
        ["search", "面接"],
        ["search", "", "--json"],  # an error
        ["show", "normal"],
        ["show", "no-such-document"],  # an error
        ["list"],
        ["index", "--verify"],
        ["index", "--status"],
    ]
    for command in commands:
        result = run_mlq(*command, "--corpus", str(root))
        assert TRACEBACK not in result.stderr, command
    (root / "mlq.toml").write_text("[ranking\n", encoding="utf-8")  # a broken config: an error
    assert run_mlq("search", "面接", "--corpus", str(root)).returncode == 2
    (root / "mlq.toml").write_text("[ranking]\nk1 = 1.2\n", encoding="utf-8")
    assert tree_digest(root) == before


def test_a_document_id_with_a_line_end_or_tab_keeps_the_line_formats_whole(tmp_path: Path) -> None:
    """A JSON Lines id (or a file name) may hold a line end or a tab: the text output, the
    listing and -l still give each hit, document or id its own lines, the id's breaks as ␤ ␉."""
    records = [{"id": "a\nb", "text": "改行のある id の面接。"}, {"id": "c\td", "text": "タブのある id の面接。"}]
    write(tmp_path / "x.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    hits = run_mlq("search", "面接", "--corpus", str(tmp_path))
    assert hits.returncode == 0
    lines = hits.stdout.splitlines()
    assert len(lines) == 4 and {line.split("\t")[0] for line in lines[0::2]} == {"x/a␤b#1", "x/c␉d#1"}
    listed = run_mlq("list", "--corpus", str(tmp_path)).stdout.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [["x/a␤b", "1"], ["x/c␉d", "1"]]
    assert sorted(run_mlq("search", "面接", "-l", "--corpus", str(tmp_path)).stdout.splitlines()) == ["x/a␤b", "x/c␉d"]


def test_a_file_name_with_an_escape_sequence_is_named_not_obeyed(tmp_path: Path) -> None:
    root = tmp_path / "c"
    write(root / "\x1b[2Jclear.md", b"\x00binary")  # a file name that would clear the screen
    write(root / "normal.md", "# 普通\n\n普通の面接の話。\n")
    result = run_mlq("search", "面接", "--corpus", str(root))
    assert result.returncode == 0
    assert "␛[2Jclear.md" in result.stderr and not _TERMINAL_CONTROL.search(result.stderr)


def test_colour_in_a_pipe_obeys_only_mlqs_own_escapes(hostile_corpus: Path) -> None:
    result = run_mlq("search", "エスケープ 面接", "--color", "always", "--corpus", str(hostile_corpus))
    assert result.returncode == 0
    assert "␛[31m赤い␛[0m" in result.stdout
    assert set(re.findall(r"\x1b\[[0-9;]*m", result.stdout)) <= {"\x1b[1;33m", "\x1b[0m"}
    plain = run_mlq("search", "エスケープ", "--corpus", str(hostile_corpus))
    assert "␛[31m赤い␛[0m" in plain.stdout and "\x1b" not in plain.stdout  # without colour, the same symbols


def test_an_unreadable_file_is_skipped_with_one_warning_and_retried_later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, whom file permissions do not stop: the refusal is simulated.
    root = tmp_path / "c"
    write(root / "secret.md", "# 秘密\n\n読めない面接の話。\n")
    write(root / "open.md", "# 公開\n\n読める面接の話。\n")
    real_read_bytes = Path.read_bytes

    def refusing(path: Path) -> bytes:
        if path.name == "secret.md":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refusing)
    warnings: list[str] = []
    searcher = open_corpus(root, jobs=1, warn=warnings.append)
    assert [d.doc_id for d in searcher.documents] == ["open"]
    assert len(warnings) == 1 and "secret.md" in warnings[0] and "Permission denied" in warnings[0]
    monkeypatch.setattr(Path, "read_bytes", real_read_bytes)  # readable again: picked up
    assert [d.doc_id for d in open_corpus(root, jobs=1).documents] == ["open", "secret"]


def test_a_folder_unreadable_for_one_search_is_listed_again_once_it_can_be(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root, permissions stop no listing: the refusal is simulated. The folders are old, so
    # that a later check trusts the listing recorded and lists no folder whose time is as it was.
    root = tmp_path / "c"
    write(root / "open.md", "# 公開\n\n読める面接の話。\n")
    write(root / "secret" / "a.md", "# 秘密\n\n読めない面接の話。\n")
    aged(root)
    past = (root / "open.md").stat().st_mtime_ns
    for folder in (root, root / "secret"):
        os.utime(folder, ns=(past, past))
    real_scandir = os.scandir

    def refusing(path: str) -> object:
        if isinstance(path, str) and os.path.basename(path) == "secret":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    assert [d.doc_id for d in open_corpus(root, jobs=1).documents] == ["open"]
    monkeypatch.setattr(os, "scandir", real_scandir)  # readable again, its time unchanged
    assert [d.doc_id for d in open_corpus(root, jobs=1).documents] == ["open", "secret/a"]


@pytest.mark.parametrize("output", [[], ["--format", "tsv"], ["-l"]], ids=["text", "tsv", "files"])
def test_a_pipe_never_carries_a_documents_escape_bytes(hostile_corpus: Path, output: list[str]) -> None:
    """Piped into `head` on a terminal, a document holding ``\\x1b[31m`` must not turn it red:
    control characters come out as symbols, in every text format and from every command."""
    for args in (["search", "エスケープ", *output], ["show", "escape"], ["list"], ["analyze", "赤い\x1b[31m色"]):
        if args[0] != "search" and output == ["-l"]:
            continue
        fmt = output if args[0] != "search" and output == ["--format", "tsv"] else []
        result = run_mlq(*args, *fmt, "--corpus", str(hostile_corpus))
        assert result.returncode == 0, result.stderr
        assert not _TERMINAL_CONTROL.search(result.stdout), (args, result.stdout)
    text = run_mlq("search", "エスケープ", *output, "--corpus", str(hostile_corpus)).stdout
    if output != ["-l"]:
        assert "␛[31m赤い␛[0m" in text  # shown, one symbol for one character


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s: s.search("面接\udc80"), "the query is not valid UTF-8"),
        (lambda s: s.search("面接", neighbours=-1), "neighbours must be 0 or more"),
        (lambda s: s.similar("msr-internship-2024", limit=0), "limit must be at least 1"),
        (lambda s: s.similar("msr-internship-2024", per_doc=0), "per-doc must be at least 1"),
        (lambda s: s.similar("msr-internship-2024", terms=0), "terms must be at least 1"),
        (lambda s: s.characteristic_words("msr-internship-2024", -1), "terms must be at least 1"),
        (lambda s: open_corpus(""), "the corpus folder's name is empty"),
        (lambda s: build_index("/no/such/folder"), "corpus folder not found: /no/such/folder"),
    ],
)
def test_the_python_api_refuses_what_it_cannot_use_with_an_mlq_error(call, message: str) -> None:
    """What the CLI refuses in one line, a program gets as an MlqError saying the same, not
    an empty answer (similar(limit=0) was []; terms=-1 all but the last word) nor an error
    from deep inside (a lone surrogate: UnicodeEncodeError in Sudachi)."""
    with pytest.raises(MlqError, match=re.escape(message)):
        call(open_corpus())


def test_a_folder_is_named_as_a_string_or_from_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``mlq.open_corpus("~/notes")``, as the README writes it, and build_index alike."""
    write(tmp_path / "notes" / "a.md", "# メモ\n\n面接の準備。\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert [hit.doc_id for hit in open_corpus("~/notes").search("面接")] == ["a"]
    assert [document.doc_id for document in build_index("~/notes").documents] == ["a"]


@pytest.mark.parametrize(
    "body",
    [
        "- 手順:\n  ```sh\n" + "  \n" * 40 + "本文の検索語。\n",  # a fence in a list item, never closed, then blank lines
        "- 手順:\n" + "  ```sh\n  x\n" * 3000 + "本文の検索語。\n",  # thousands of them
        "https://example.com/" + "検/" * 20000 + " 本文の検索語。\n",  # a URL of 20,000 parts
        "[a](" + " " * 40000 + "x 本文の検索語。\n",  # no link, but tried every way
        "a<!--" * 20000 + "\n\n本文の検索語。\n",  # comments never ended, in one paragraph
        " ```a\n" * 20000 + "本文の検索語。\n",  # fences never closed
        " - ```a\n" * 20000 + "本文の検索語。\n",
    ],
)
def test_markdown_that_could_make_reading_backtrack_is_indexed(tmp_path: Path, body: str) -> None:
    """Reading a note's Markdown takes time in proportion to it, whatever it holds: the first of
    these took twice as long for every blank line more (forever, by 40) in a pattern tried
    while this stop was writing it, the others up to a minute (a second for each 10 KB, growing with
    the square). Run by the command, with a limit that only a hang reaches."""
    write(tmp_path / "note.md", "# 長いメモ\n\n検索語の段落。\n\n" + body)
    done = run_mlq("search", "検索語", "--corpus", str(tmp_path), "--json")  # with run_mlq's limit of 120 s
    assert done.returncode == 0, done.stderr
    assert {json.loads(line)["doc_id"] for line in done.stdout.splitlines()} == {"note"}
