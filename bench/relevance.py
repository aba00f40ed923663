"""Search quality on a BEIR-style benchmark, as the installed `mlq` answers it.

A benchmark folder holds ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl``
(``_id``, ``text``) and ``qrels.tsv`` (``query-id``, ``corpus-id``, ``score``, after a header
line); ``../shared/bench/jsquad-dev`` is one (see its SOURCE.md). The corpus is indexed by the
installed `mlq`, as any JSON Lines export is (``mlq index``, in a scratch cache), and every query
is answered in one batch, as a user would script it::

    mlq search --queries FILE --json --per-doc 1 -n 100 --no-highlights

A document's rank is that of its best passage. Printed: MRR@10, nDCG@10 (binary relevance),
Recall@1/10/100, queries with no hit, and queries per second of the batch (the whole process).
For comparison, in the same run, two baselines rank whole documents (title and text) with
``rank_bm25.BM25Okapi``: Sudachi mode-C normalized forms with the part-of-speech filter, and
character bigrams (mlq's own two analyzers, so the difference is what mlq does with them).

    python bench/relevance.py ../shared/bench/jsquad-dev [--config mlq.toml] [--per-query FILE] [--json]

``--config`` indexes with that ``mlq.toml`` (how experiments in bench/RESULTS.md were run);
``--per-query`` writes each query's reciprocal rank under mlq and both baselines, one TSV line
a query, for paired comparisons between runs.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import fmean

import numpy as np
from installed import mlq_command, mlq_env

DEPTH = 100
CUTOFFS = (1, 10, 100)


@dataclass(frozen=True)
class Scores:
    """Mean metrics of one system over every query."""

    system: str
    mrr_10: float
    ndcg_10: float
    recall: dict[int, float]
    no_hit: int


@dataclass(frozen=True)
class Benchmark:
    corpus: list[dict[str, str]]
    queries: list[tuple[str, str]]  # (id, text), the queries that have judgments
    relevant: dict[str, set[str]]


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def read_benchmark(folder: Path) -> Benchmark:
    relevant: dict[str, set[str]] = {}
    with (folder / "qrels.tsv").open(encoding="utf-8") as lines:
        next(lines)  # header
        for line in lines:
            if line.strip():
                query_id, doc_id, score = line.rstrip("\n").split("\t")
                if int(score) > 0:
                    relevant.setdefault(query_id, set()).add(doc_id)
    queries = [(str(q["_id"]), " ".join(q["text"].split())) for q in read_jsonl(folder / "queries.jsonl")]
    return Benchmark(read_jsonl(folder / "corpus.jsonl"), [q for q in queries if q[0] in relevant], relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    return next((1 / rank for rank, doc in enumerate(ranked[:k], start=1) if doc in relevant), 0.0)


def ndcg(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1) if doc in relevant)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def recall(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def score(system: str, rankings: dict[str, list[str]], bench: Benchmark) -> Scores:
    ids = [query_id for query_id, _ in bench.queries]
    ranked = [rankings.get(query_id, []) for query_id in ids]
    wanted = [bench.relevant[query_id] for query_id in ids]
    return Scores(
        system,
        fmean(map(reciprocal_rank, ranked, wanted)),
        fmean(map(ndcg, ranked, wanted)),
        {k: fmean(recall(r, w, k) for r, w in zip(ranked, wanted)) for k in CUTOFFS},
        sum(1 for r in ranked if not r),
    )



def run_mlq(folder: Path, bench: Benchmark, config: Path | None, scratch: Path) -> tuple[dict[str, list[str]], dict]:
    """Rankings of the installed mlq, and how long indexing and the batch took."""
    corpus = scratch / "corpus"
    corpus.mkdir()
    (corpus / "corpus.jsonl").symlink_to((folder / "corpus.jsonl").resolve())
    if config is not None:
        shutil.copyfile(config, corpus / "mlq.toml")
    env = mlq_env(scratch / "cache")
    started = time.perf_counter()
    subprocess.run([mlq_command(), "index", "--corpus", str(corpus)], env=env, check=True, capture_output=True)
    index_seconds = time.perf_counter() - started
    queries = scratch / "queries.tsv"
    queries.write_text("".join(f"{query_id}\t{text}\n" for query_id, text in bench.queries), encoding="utf-8")
    command = [mlq_command(), "search", "--queries", str(queries), "--json", "--per-doc", "1", "-n", str(DEPTH)]
    started = time.perf_counter()
    done = subprocess.run([*command, "--no-highlights", "--corpus", str(corpus)], env=env, capture_output=True)
    batch_seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some query found nothing
        raise SystemExit(f"mlq failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    rankings: dict[str, list[str]] = {}
    for line in done.stdout.decode("utf-8").splitlines():
        hit = json.loads(line)
        rankings.setdefault(hit["query_id"], []).append(hit["doc_id"].removeprefix("corpus/"))
    timing = {
        "index_seconds": index_seconds,
        "batch_seconds": batch_seconds,
        "queries_per_second": len(bench.queries) / batch_seconds,
    }
    return rankings, timing


def baselines(bench: Benchmark) -> dict[str, dict[str, list[str]]]:
    """rank_bm25.BM25Okapi over whole documents, one per analyzer field."""
    from rank_bm25 import BM25Okapi

    from mlq import Analyzer

    analyzer = Analyzer()

    def terms(text: str) -> dict[str, list[str]]:
        return {field: [t.text for t in found] for field, found in analyzer.analyze(text).items()}

    documents = [terms(f"{doc.get('title', '')}\n{doc['text']}") for doc in bench.corpus]
    queries = [(query_id, terms(text)) for query_id, text in bench.queries]
    ids = [str(doc["_id"]) for doc in bench.corpus]
    systems: dict[str, dict[str, list[str]]] = {}
    for field in ("words", "bigrams"):
        bm25 = BM25Okapi([doc[field] for doc in documents])
        rankings = {}
        for query_id, query in queries:
            if not query[field]:
                rankings[query_id] = []
                continue
            scores = bm25.get_scores(query[field])
            best = np.argsort(-scores, kind="stable")[:DEPTH]
            rankings[query_id] = [ids[i] for i in best if scores[i] > 0]
        systems[f"BM25Okapi, documents, {field}"] = rankings
    return systems


def write_per_query(path: Path, bench: Benchmark, systems: dict[str, dict[str, list[str]]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("\t".join(["query-id", *systems]) + "\n")
        for query_id, _ in bench.queries:
            relevant = bench.relevant[query_id]
            values = [f"{reciprocal_rank(r.get(query_id, []), relevant):.4f}" for r in systems.values()]
            out.write("\t".join([query_id, *values]) + "\n")


def table(results: Sequence[Scores]) -> list[str]:
    width = max(len(r.system) for r in results)
    recall_heads = "  ".join(f"R@{k:<3}" for k in CUTOFFS)
    lines = [f"{'system':<{width}}  MRR@10  nDCG@10  {recall_heads}  no hit"]
    for r in results:
        recalls = "  ".join(f"{r.recall[k]:.3f}" for k in CUTOFFS)
        lines.append(f"{r.system:<{width}}  {r.mrr_10:6.3f}  {r.ndcg_10:7.3f}  {recalls}  {r.no_hit:6d}")
    return lines


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="benchmark folder: corpus.jsonl, queries.jsonl, qrels.tsv")
    parser.add_argument("--config", type=Path, help="an mlq.toml to index with")
    parser.add_argument("--per-query", type=Path, metavar="FILE", help="write each query's reciprocal rank here")
    parser.add_argument("--no-baselines", action="store_true", help="score mlq alone (quicker, for experiments)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    if not (args.folder / "corpus.jsonl").is_file():
        print(f"skipped: no benchmark at {args.folder}", file=sys.stderr)
        return
    bench = read_benchmark(args.folder)
    with tempfile.TemporaryDirectory() as scratch:
        rankings, timing = run_mlq(args.folder, bench, args.config, Path(scratch))
    systems = {"mlq (defaults)" if args.config is None else f"mlq ({args.config.name})": rankings}
    if not args.no_baselines:
        systems.update(baselines(bench))
    results = [score(name, found, bench) for name, found in systems.items()]
    if args.per_query:
        write_per_query(args.per_query, bench, systems)
    if args.json:
        out(json.dumps({"folder": str(args.folder), **timing, "results": [asdict(r) for r in results]}, ensure_ascii=False))
        return
    out(f"benchmark: {args.folder.resolve().name} — {len(bench.corpus)} documents, {len(bench.queries)} queries")
    out(
        f"mlq: index {timing['index_seconds']:.1f} s; batch of {len(bench.queries)} queries "
        f"{timing['batch_seconds']:.1f} s = {timing['queries_per_second']:.0f} queries/s (whole process)"
    )
    out("")
    for line in table(results):
        out(line)


if __name__ == "__main__":
    main()
