"""`mlq search -C N`: neighbouring passages around each hit, marked as context."""

from __future__ import annotations

import json

from conftest import run_mlq

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
