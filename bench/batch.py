"""Batch throughput: queries per second of `mlq search --queries FILE` on the bundled essays.

The queries are made from the corpus itself, the same every run: the first 15 characters of
every sentence of every passage, cycled to ``--queries`` lines (2,000 by default). The batch is
run as a user would run it, the installed `mlq` writing JSON Lines into a pipe, on a warm cache.

Baseline, measured in the same run: one `mlq search QUERY --json` process per query (median of
``--runs`` processes), which is what a shell loop over the queries would cost.

    python bench/batch.py [--queries N] [--runs N]
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from installed import mlq_command, mlq_env

from mlq import bundled_corpus, load_corpus, split_passages

_SENTENCE = re.compile(r"[^。！？!?\n]{6,}")


def corpus_queries(count: int) -> list[str]:
    sentences = [
        match.group(0).strip()[:15]
        for document in load_corpus(bundled_corpus())
        for passage in split_passages(document)
        for match in _SENTENCE.finditer(passage.text)
    ]
    return list(itertools.islice(itertools.cycle(sentences), count))



def timed(command: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    mlq = mlq_command()
    queries = corpus_queries(args.queries)
    with tempfile.TemporaryDirectory() as scratch:
        env = mlq_env(scratch)
        subprocess.run([mlq, "index"], env=env, check=True, capture_output=True)
        query_file = Path(scratch, "queries.txt")
        query_file.write_text("".join(f"q{i}\t{q}\n" for i, q in enumerate(queries, 1)), encoding="utf-8")
        batch_seconds, output = timed([mlq, "search", "--queries", str(query_file), "--json"], env)
        single = statistics.median(timed([mlq, "search", q, "--json"], env)[0] for q in queries[: args.runs])
    hits = output.count(b"\n")
    batch_qps = len(queries) / batch_seconds
    print(f"corpus: bundled essays; {len(queries)} queries made from its sentences; {hits} hits written")
    print(f"  batch (--queries FILE --json): {batch_seconds:6.2f} s  = {batch_qps:7.1f} queries/s"
          f" = {batch_qps * 60:,.0f} queries/min")
    print(f"  baseline, one process a query: {single:6.3f} s  = {1 / single:7.1f} queries/s")
    print(f"batch / one process a query: {batch_qps * single:.0f}× the throughput")


if __name__ == "__main__":
    main()
