"""bench/relevance.py on a benchmark small enough to know the answers of."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

DOCS = [
    ("d1", "梅雨", "梅雨は東アジアで五月から七月に見られる雨の多い時期である。"),
    ("d2", "台風", "台風は北西太平洋で発達する熱帯低気圧のうち、風の強いものをいう。"),
    ("d3", "雪", "雪は大気中の水蒸気から生成される氷の結晶が落下してくるものである。"),
]
QUERIES = [("q1", "梅雨はいつ見られるか"), ("q2", "熱帯低気圧の強いものは何か"), ("q3", "量子コンピューター")]
QRELS = [("q1", "d1"), ("q2", "d2"), ("q3", "d3")]


def test_relevance_bench_scores_mlq_and_both_baselines(tmp_path: Path) -> None:
    bench = tmp_path / "tiny"
    bench.mkdir()
    rows = [json.dumps({"_id": i, "title": t, "text": x}, ensure_ascii=False) for i, t, x in DOCS]
    (bench / "corpus.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    queries = [json.dumps({"_id": i, "text": q}, ensure_ascii=False) for i, q in QUERIES]
    (bench / "queries.jsonl").write_text("\n".join(queries) + "\n", encoding="utf-8")
    (bench / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, d in QRELS))
    per_query = tmp_path / "rr.tsv"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "relevance.py"), str(bench), "--json", "--per-query", str(per_query)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    systems = {r["system"]: r for r in report["results"]}
    assert set(systems) == {"mlq (defaults)", "BM25Okapi, documents, words", "BM25Okapi, documents, bigrams"}
    mlq = systems["mlq (defaults)"]
    # q1 and q2 are found first; q3 shares no term with anything and finds nothing.
    assert mlq["mrr_10"] == mlq["recall"]["1"] == 2 / 3 and mlq["no_hit"] == 1
    lines = per_query.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t")[0] == "query-id" and [line.split("\t")[:2] for line in lines[1:]] == [
        ["q1", "1.0000"], ["q2", "1.0000"], ["q3", "0.0000"],
    ]


# A folder of Markdown files (corpus.path): ids are paths without ".md"; hidden files are not
# documents; front matter (YAML or TOML) is not text. Grades: 2 the known item, 1 also relevant.
NOTES = {
    "tsuyu.md": "---\ntitle: 梅雨\n---\n梅雨は東アジアで五月から七月に見られる雨の多い時期である。梅雨の時期は蒸し暑い。\n",
    "sub/kisetsu.md": '+++\ntitle = "日本の四季"\n+++\n日本には春夏秋冬がある。夏の前には梅雨があり、秋には紅葉が見られる。\n',
    "typhoon.md": "# 台風\n\n台風は北西太平洋で発達する熱帯低気圧のうち、風の強いものをいう。\n",
    ".hidden/tsuyu-copy.md": "梅雨の時期、梅雨の時期、梅雨の時期。\n",
}
NOTE_QUERIES = [("n1", "梅雨の時期"), ("n2", "熱帯低気圧"), ("n3", "量子コンピューター")]
# n1: its grade-1 document ranks first and its grade-2 document second.
NOTE_QRELS = [("n1", "tsuyu", 1), ("n1", "sub/kisetsu", 2), ("n2", "typhoon", 2), ("n3", "typhoon", 2)]


def write_notes_benchmark(tmp_path: Path, corpus_path: str | None = None) -> Path:
    """A corpus.path benchmark over a tiny folder of notes. corpus.path holds the folder's
    absolute path (relative paths are taken from the repository root, which a test cannot write)."""
    notes = tmp_path / "notes"
    for name, text in NOTES.items():
        (notes / name).parent.mkdir(parents=True, exist_ok=True)
        (notes / name).write_text(text, encoding="utf-8")
    bench = tmp_path / "notes-bench"
    bench.mkdir()
    (bench / "corpus.path").write_text(f"{corpus_path or notes}\n", encoding="utf-8")
    queries = [json.dumps({"_id": i, "text": q}, ensure_ascii=False) for i, q in NOTE_QUERIES]
    (bench / "queries.jsonl").write_text("\n".join(queries) + "\n", encoding="utf-8")
    qrels = "".join(f"{q}\t{d}\t{g}\n" for q, d, g in NOTE_QRELS)
    (bench / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n" + qrels, encoding="utf-8")
    return bench


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "bench" / "relevance.py"), *args],
        capture_output=True, text=True, timeout=300,
    )


def test_relevance_bench_corpus_path_graded(tmp_path: Path) -> None:
    bench = write_notes_benchmark(tmp_path)
    done = run_bench(str(bench), "--json", "--no-baselines", "--per-query", str(tmp_path / "rr.tsv"))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["benchmark"] == "notes-bench" and report["documents"] == 3 and report["queries"] == 3
    (mlq,) = report["results"]
    # Linear gain: n1 has grade 1 at rank 1 and grade 2 at rank 2, against the ideal 2 then 1.
    n1 = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert mlq["ndcg_10"] == pytest.approx((n1 + 1 + 0) / 3)
    assert mlq["mrr_10"] == pytest.approx(2 / 3) and mlq["no_hit"] == 1
    assert mlq["recall"]["1"] == pytest.approx((1 / 2 + 1 + 0) / 3)  # n1: one of its two documents
    assert mlq["recall"]["10"] == pytest.approx((1 + 1 + 0) / 3)
    lines = (tmp_path / "rr.tsv").read_text(encoding="utf-8").splitlines()  # one folder: FILE itself
    assert lines[0].split("\t") == ["query-id", "mlq (defaults)", "nDCG@10: mlq (defaults)"]
    assert [line.split("\t") for line in lines[1:]] == [["n1", "1.0000", f"{n1:.4f}"], ["n2", "1.0000", "1.0000"], ["n3", "0.0000", "0.0000"]]


def test_relevance_bench_several_folders_with_baselines(tmp_path: Path) -> None:
    """Two benchmarks in one run: one JSON line each, one per-query file each (named after it)."""
    notes = write_notes_benchmark(tmp_path)
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    (tiny / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}, ensure_ascii=False) + "\n" for i, t, x in DOCS),
        encoding="utf-8",
    )
    (tiny / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": i, "text": q}, ensure_ascii=False) + "\n" for i, q in QUERIES), encoding="utf-8"
    )
    (tiny / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, d in QRELS))
    done = run_bench(str(tiny), str(notes), "--json", "--per-query", str(tmp_path / "rr.tsv"))
    assert done.returncode == 0, done.stderr
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["benchmark"] for r in reports] == ["tiny", "notes-bench"]
    for report in reports:
        assert len(report["results"]) == 3
    # The baselines read the notes themselves: the same three documents, the known answers of n2.
    baseline = {r["system"]: r for r in reports[1]["results"]}["BM25Okapi, documents, words"]
    assert baseline["recall"]["100"] == pytest.approx((1 + 1 + 0) / 3)
    assert (tmp_path / "rr.tiny.tsv").is_file() and (tmp_path / "rr.notes-bench.tsv").is_file()
    assert not (tmp_path / "rr.tsv").exists()
    header = (tmp_path / "rr.notes-bench.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t")
    systems = ["mlq (defaults)", "BM25Okapi, documents, words", "BM25Okapi, documents, bigrams"]
    assert header == ["query-id", *systems, *(f"nDCG@10: {name}" for name in systems)]


def test_relevance_bench_skips_absent_corpus_folder(tmp_path: Path) -> None:
    bench = write_notes_benchmark(tmp_path, corpus_path=str(tmp_path / "not-there"))
    done = run_bench(str(bench), "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("skipped: ") and "not-there" in done.stderr


def test_compare_pairs_mlq_with_each_baseline_of_one_run_on_both_metrics(tmp_path: Path) -> None:
    """One per-query file: mlq against each baseline, MRR@10 and nDCG@10, with a paired test
    that tells a consistent gain from none."""
    run = tmp_path / "run.tsv"
    header = ["query-id", "mlq", "words", "same", "nDCG@10: mlq", "nDCG@10: words", "nDCG@10: same"]
    lines = ["\t".join(header)]
    for i in range(40):
        mlq = 1.0 if i % 4 else 0.5
        lines.append("\t".join([f"q{i}", f"{mlq}", "0.5", f"{mlq}", f"{mlq}", "0.6309", f"{mlq}"]))
    run.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(REPO / "bench" / "compare.py"), str(run)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    said = {line.split(":")[0]: line for line in done.stdout.splitlines()}
    assert "better 30, worse 0, same 10" in said["MRR@10, words → mlq"] and said["MRR@10, words → mlq"].endswith("p = 0.0000")
    assert said["nDCG@10, words → mlq"].endswith("p = 0.0000")
    assert "better 0, worse 0, same 40" in said["MRR@10, same → mlq"] and said["MRR@10, same → mlq"].endswith("p = 1.0000")
