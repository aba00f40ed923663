"""Relevance on jsquad-dev: how well mlq's BM25 finds the paragraph a question was written on.

The data is JSQuAD's validation split as a retrieval set (``../shared/bench/jsquad-dev``; see
its SOURCE.md): Wikipedia paragraphs, questions, and for each question the paragraph(s) that hold
its answer. Each paragraph is one unit, indexed as ``title + "\\n" + text``. Paragraphs and
questions are analysed once, and the same term lists are ranked under three configurations:

* ``words`` alone;
* ``bigrams`` alone;
* words + 0.5 × bigrams, the default weights of :class:`mlq.index.IndexSettings`.

Prints MRR@10, Recall@10 and nDCG@10 (binary relevance) of each configuration, the seconds taken
to analyse and index the paragraphs, and the queries per second of the default configuration
(analysing the question included). Skips, exiting 0, when the data folder is absent.

    python bench/jsquad.py [--data DIR] [--limit-queries N] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import fmean
from typing import Mapping, Sequence

from mlq.analysis import FIELDS, Analyzer
from mlq.bm25 import FieldIndex, Index, build_field, select_top
from mlq.index import IndexSettings

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared/bench/jsquad-dev"
K = 10

#: Term texts of one text, per field.
Terms = dict[str, list[str]]


@dataclass(frozen=True)
class Configuration:
    """Which fields to rank by, and the weight of each."""

    weights: Mapping[str, float]
    default: bool = False

    @property
    def name(self) -> str:
        name = " + ".join(field if w == 1 else f"{w:g} × {field}" for field, w in self.weights.items())
        return f"{name} (default)" if self.default else name


@dataclass(frozen=True)
class Result:
    """Mean metrics at ``K`` of one configuration over the evaluated queries."""

    configuration: str
    weights: Mapping[str, float]
    mrr: float
    recall: float
    ndcg: float


@dataclass(frozen=True)
class Report:
    """Everything one run prints; ``--json`` prints it as is."""

    data: str
    documents: int
    queries: int
    k: int
    index_seconds: float
    #: Of the default configuration, analysing the query included.
    queries_per_second: float
    results: list[Result]


def configurations(settings: IndexSettings) -> list[Configuration]:
    singles = [Configuration({field: 1.0}) for field in FIELDS]
    return [*singles, Configuration(dict(settings.weights), default=True)]


def read_jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def read_qrels(path: Path) -> dict[str, set[str]]:
    """Query id → ids of its relevant documents (those with a positive score)."""
    relevant: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as lines:
        next(lines)  # header
        for line in lines:
            if line.strip():
                query_id, doc_id, score = line.rstrip("\n").split("\t")
                if int(score) > 0:
                    relevant.setdefault(query_id, set()).add(doc_id)
    return relevant


def analyze(analyzer: Analyzer, text: str) -> Terms:
    return {field: [term.text for term in terms] for field, terms in analyzer.analyze(text).items()}


def build_fields(documents: Sequence[Terms], settings: IndexSettings) -> dict[str, FieldIndex]:
    return {field: build_field([terms[field] for terms in documents], settings.bm25) for field in FIELDS}


def top_k(index: Index, query: Terms) -> list[int]:
    """Document numbers of the ``K`` best matches, best first."""
    ids, scores = index.score({field: query[field] for field in index.fields})
    return select_top(ids, scores, K)[0].tolist()


def reciprocal_rank(ranked: Sequence[int], relevant: set[int]) -> float:
    return next((1 / rank for rank, doc in enumerate(ranked, start=1) if doc in relevant), 0.0)


def recall(ranked: Sequence[int], relevant: set[int]) -> float:
    return len(relevant.intersection(ranked)) / len(relevant)


def ndcg(ranked: Sequence[int], relevant: set[int]) -> float:
    dcg = sum(1 / math.log2(rank + 1) for rank, doc in enumerate(ranked, start=1) if doc in relevant)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), K) + 1))
    return dcg / ideal


def evaluate(config: Configuration, rankings: Sequence[list[int]], relevant: Sequence[set[int]]) -> Result:
    return Result(
        configuration=config.name,
        weights=dict(config.weights),
        mrr=fmean(map(reciprocal_rank, rankings, relevant)),
        recall=fmean(map(recall, rankings, relevant)),
        ndcg=fmean(map(ndcg, rankings, relevant)),
    )


def run(data: Path, limit_queries: int | None) -> Report:
    settings = IndexSettings()
    analyzer = Analyzer(settings.analyzer)
    corpus = read_jsonl(data / "corpus.jsonl")
    qrels = read_qrels(data / "qrels.tsv")
    queries = [query for query in read_jsonl(data / "queries.jsonl") if query["_id"] in qrels][:limit_queries]

    started = time.perf_counter()
    documents = [analyze(analyzer, f"{doc['title']}\n{doc['text']}") for doc in corpus]
    fields = build_fields(documents, settings)
    index_seconds = time.perf_counter() - started

    started = time.perf_counter()
    query_terms = [analyze(analyzer, query["text"]) for query in queries]
    analyse_seconds = time.perf_counter() - started

    number = {doc["_id"]: i for i, doc in enumerate(corpus)}
    relevant = [{number[doc_id] for doc_id in qrels[query["_id"]]} for query in queries]
    results = []
    queries_per_second = 0.0
    for config in configurations(settings):
        index = Index({field: fields[field] for field in config.weights}, dict(config.weights), len(corpus))
        started = time.perf_counter()
        rankings = [top_k(index, query) for query in query_terms]
        rank_seconds = time.perf_counter() - started
        if config.default:
            queries_per_second = len(queries) / (analyse_seconds + rank_seconds)
        results.append(evaluate(config, rankings, relevant))
    return Report(str(data), len(corpus), len(queries), K, index_seconds, queries_per_second, results)


def print_report(report: Report) -> None:
    print(f"data: {report.data}")
    print(f"documents: {report.documents}   queries: {report.queries}")
    print(f"analyse + index: {report.index_seconds:.2f} s")
    print(f"queries per second (default configuration, query analysis included): {report.queries_per_second:.0f}")
    print()
    width = max(len("configuration"), *(len(result.configuration) for result in report.results))
    print(f"{'configuration':<{width}}  MRR@{K}  Recall@{K}  nDCG@{K}")
    for r in report.results:
        print(f"{r.configuration:<{width}}  {r.mrr:6.3f}  {r.recall:9.3f}  {r.ndcg:7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the jsquad-dev files")
    parser.add_argument("--limit-queries", type=int, metavar="N", help="evaluate only the first N queries")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"skipped: no jsquad-dev data at {args.data}", file=sys.stderr)
        return
    report = run(args.data, args.limit_queries)
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False))
    else:
        print_report(report)


if __name__ == "__main__":
    main()
