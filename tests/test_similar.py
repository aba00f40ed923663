"""`mlq similar`: the documents most like a given one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import run_mlq

from mlq import bundled_corpus, open_corpus

TWIN = """# 梅雨と台風の観察記録

梅雨前線が停滞すると、雨の日が何日も続く。気象庁の観測データを毎朝確認し、降水量と気温を記録した。
湿度が高い日は洗濯物が乾かず、除湿機を一日中動かしていた。

台風が近づくと気圧が下がり、風が強まる。ベランダの植木鉢を室内に入れ、窓の養生テープを貼った。
観測を続けるうちに、前線の位置と雨の強さの関係が少しずつ見えてきた。
"""


def corpus_with_twins(root: Path) -> Path:
    shutil.copytree(bundled_corpus(), root)  # five unrelated essays on machine learning careers
    (root / "rain-2023.md").write_text(TWIN, encoding="utf-8")
    changed = TWIN.replace("除湿機", "エアコンの除湿").replace("植木鉢", "プランター").replace("毎朝", "毎晩")
    (root / "rain-2024.md").write_text(changed + "\n今年は梅雨明けが早かった。\n", encoding="utf-8")
    return root


def test_each_twin_finds_the_other_first_and_never_itself(tmp_path: Path) -> None:
    searcher = open_corpus(corpus_with_twins(tmp_path / "c"))
    for one, other in (("rain-2023", "rain-2024"), ("rain-2024", "rain-2023")):
        hits = searcher.similar(one, limit=10)
        assert hits[0].doc_id == other
        assert one not in {hit.doc_id for hit in hits}
        assert len({hit.doc_id for hit in hits}) == len(hits)  # documents, one passage each
    for document in searcher.documents:  # no document lists itself, whatever it is
        assert document.doc_id not in {hit.doc_id for hit in searcher.similar(document.doc_id)}


def test_similar_to_a_passage_from_the_command_line(tmp_path: Path) -> None:
    root = corpus_with_twins(tmp_path / "c")
    result = run_mlq("similar", "rain-2023#1", "--json", "--corpus", str(root))
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits[0]["doc_id"] == "rain-2024" and hits[0]["query"] == "similar:rain-2023#1"
    assert all(hit["doc_id"] != "rain-2023" for hit in hits)
    assert run_mlq("similar", "rain-2023#99", "--corpus", str(root)).returncode == 2
    assert run_mlq("similar", "no-such-essay", "--corpus", str(root)).returncode == 2


def test_similar_says_which_words_it_searched_for_and_lists_ids(tmp_path: Path) -> None:
    root = corpus_with_twins(tmp_path / "c")
    words = open_corpus(root).characteristic_words("rain-2023")
    assert 5 <= len(words) <= 25 and "除湿機" not in words  # a word only rain-2023 has finds nothing
    hits = [json.loads(line) for line in run_mlq("similar", "rain-2023", "--json", "--corpus", str(root)).stdout.splitlines()]
    assert hits and all(hit["terms"] == words for hit in hits)
    ids = run_mlq("similar", "rain-2023", "-l", "-n", "3", "--corpus", str(root))
    assert ids.returncode == 0 and ids.stdout.splitlines() == [hit["doc_id"] for hit in hits[:3]]
    explained = run_mlq("similar", "rain-2023", "-n", "1", "--explain", "--corpus", str(root)).stdout.splitlines()
    parts = [line for line in explained if line.startswith("explain\t")]
    assert parts and all(line.split("\t")[1].split()[1].rstrip(":") in words for line in parts)
    total = sum(float(line.rsplit("= ", 1)[1].split()[0]) for line in parts)
    assert abs(total - float(explained[0].split("\t")[1])) < 1e-3  # the parts add up to the score


def test_similar_takes_search_s_output_options_tsv_header_included() -> None:
    rows = run_mlq("similar", "msr-internship-2024", "--format", "tsv", "--header", "-n", "2").stdout.splitlines()
    assert rows[0].split("\t") == ["rank", "doc_id", "passage", "score", "title", "text"] and len(rows) == 3
