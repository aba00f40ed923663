"""bench/relevance.py on a benchmark small enough to know the answers of."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
