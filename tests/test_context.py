"""`mlq search -C N`: neighbouring passages around each hit, marked as context."""

from __future__ import annotations

import json

from conftest import on_terminal, run_mlq

from mlq import open_corpus


def test_context_is_the_neighbouring_passages_of_the_same_document() -> None:
    searcher = open_corpus()
    for hit in searcher.search("インターン 面接", limit=5, neighbours=2):
        document = searcher.document(hit.doc_id)
        count = len(searcher.passages(document))
        assert [p.number for p in hit.before] == list(range(max(1, hit.passage - 2), hit.passage))
        assert [p.number for p in hit.after] == list(range(hit.passage + 1, min(count, hit.passage + 2) + 1))
        assert all(p.doc_id == hit.doc_id for p in hit.before + hit.after)
    assert all(not hit.before and not hit.after for hit in searcher.search("面接", limit=3))


def test_context_in_text_and_json_and_refused_where_it_has_no_place() -> None:
    lines = run_mlq("search", "インターン 面接", "-n", "1", "-C", "1").stdout.splitlines()
    heads = [line.split("\t") for line in lines[0::2]]
    assert [score == "-" for _, score, _ in heads] == [True, False, True]  # before, the hit, after
    numbers = [int(doc.rpartition("#")[2]) for doc, _, _ in heads]
    assert numbers == [numbers[1] - 1, numbers[1], numbers[1] + 1]
    hit = json.loads(run_mlq("search", "インターン 面接", "-n", "1", "-C", "1", "--json").stdout)
    assert [(c["where"], c["passage"]) for c in hit["context"]] == [("before", hit["passage"] - 1), ("after", hit["passage"] + 1)]
    assert run_mlq("search", "面接", "-C", "1", "--format", "tsv").returncode == 2


def test_context_on_a_terminal_is_marked_apart_from_the_hit_without_colour() -> None:
    """Dim alone is lost with NO_COLOR: each context line carries grep's kind of mark and its
    passage's #N, the hit's lines none, and a blank line parts each two passages."""
    screen = on_terminal("search", "ビザ", "-n", "1", "-C", "1", "--no-pager", env={"NO_COLOR": "1"}).replace("\r\n", "\n")
    body = [line[4:].rstrip() for line in screen.splitlines() if line.startswith("    ")]
    hit = json.loads(run_mlq("search", "ビザ", "-n", "1", "--json").stdout)
    marked = [line for line in body if line.startswith("┆")]
    assert f"┆ #{hit['passage'] - 1}" in marked and f"┆ #{hit['passage'] + 1}" in marked
    plain = [line for line in body if line.strip() and not line.startswith("┆")]
    assert plain and "ビザ" in "".join(plain)  # the hit itself, unmarked
    first, last = body.index(plain[0]), body.index(plain[-1])
    assert body[first - 1] == "" and body[last + 1] == ""  # apart from its neighbours
