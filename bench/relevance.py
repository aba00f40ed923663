"""Search quality on retrieval benchmarks, as the installed `mlq` answers them.

A benchmark is a folder of ``queries.jsonl`` (``_id``, ``text``), ``qrels.tsv`` (``query-id``,
``corpus-id``, ``score``, after a header line; a score > 0 is a judged-relevant document, its
value the grade) and its corpus, either of:

* ``corpus.jsonl`` (``_id``, ``title``, ``text``), BEIR style: ``../shared/bench/jsquad-dev`` is
  one (see its SOURCE.md). It is indexed as any JSON Lines export is.
* ``corpus.path``: one line, the path of a folder of Markdown (or text) files, relative to the
  repository root (``../shared/corpora/baldanders``) or absolute. The folder is indexed as it is
  (``mlq index --corpus DIR``); a document's id is its path in the folder without the suffix, as
  mlq names it. The known-item sets under ``bench/known-item/`` are of this kind (see each one's
  METHOD.md). If the folder is absent, the benchmark is skipped with a message.

With no folder named, every benchmark in ``../shared/bench/*/`` and ``bench/known-item/*/`` is
run, one after the other. mlq indexes in a scratch cache, and every query is answered in one
batch, as a user would script it::

    mlq search --queries FILE --json --per-doc 1 -n 100 --no-highlights

A document's rank is that of its best passage. Printed for each benchmark, headed by its name,
documents, queries and mlq's timings (index; the batch as a whole process, in queries per second):
MRR@10, nDCG@10, Recall@1/10/100 and queries with no hit. nDCG@10 is graded with linear gain:
a document at rank i adds grade / log2(i + 1), divided by the same sum over the judged grades in
descending order (so binary qrels give binary nDCG). MRR and recall count any grade > 0 as
relevant. For comparison, in the same run, two baselines rank whole documents (title and text)
with ``rank_bm25.BM25Okapi``: Sudachi mode-C normalized forms with the part-of-speech filter, and
character bigrams (mlq's own two analyzers, so the difference is what mlq does with them). For a
``corpus.path`` folder the baselines read every ``.md`` (and ``.markdown``, ``.txt``) file that is
not hidden nor in a hidden folder, without its front matter (YAML ``---`` or TOML ``+++``; its
``title`` is the title), the rest as it is: unlike mlq, they also see code blocks, URLs and markup.

    python bench/relevance.py [FOLDER ...] [--config mlq.toml] [--per-query FILE] [--json] [--no-baselines]

``--config`` indexes with that ``mlq.toml`` (how experiments in bench/RESULTS.md were run; a
``corpus.path`` folder is then mirrored in the scratch folder with symbolic links, so its own
files are never touched). ``--per-query`` writes each query's reciprocal rank and nDCG@10 under mlq and both
baselines, one TSV line a query, for paired comparisons between runs (bench/compare.py): to FILE
itself when one folder is named, else one file per benchmark, its name before the suffix
(``rr.tsv`` → ``rr.jsquad-dev.tsv``). ``--json`` prints one JSON object per benchmark, one a line.
A benchmark that cannot be run is reported on stderr and the others still run (exit status 1).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import re
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

REPO = Path(__file__).resolve().parent.parent
BENCH_FOLDERS = (REPO.parent / "shared" / "bench", REPO / "bench" / "known-item")
DEPTH = 100
CUTOFFS = (1, 10, 100)
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")  # what mlq reads as one document a file

_FRONT_MATTER = (
    (re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL), "yaml"),
    (re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL), "toml"),
)


class Unusable(Exception):
    """A benchmark that cannot be run: the reason, on one line."""


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
    name: str
    folder: Path
    corpus: list[dict[str, str]]  # _id, title, text
    queries: list[tuple[str, str]]  # (id, text), the queries that have judgments
    grades: dict[str, dict[str, int]]  # query id → judged document → grade (> 0)
    corpus_dir: Path | None = None  # the folder of a corpus.path benchmark, else None

    @property
    def relevant(self) -> dict[str, set[str]]:
        return {query_id: set(judged) for query_id, judged in self.grades.items()}


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    grades: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as lines:
        next(lines, None)  # header
        for number, line in enumerate(lines, start=2):
            if not line.strip():
                continue
            try:
                query_id, doc_id, score = line.rstrip("\n").split("\t")
                grade = int(score)
            except ValueError:
                raise Unusable(f"{path}:{number}: not query-id<TAB>corpus-id<TAB>score: {line.strip()!r}") from None
            if grade > 0:
                judged = grades.setdefault(query_id, {})
                judged[doc_id] = max(grade, judged.get(doc_id, 0))
    return grades


def corpus_dir_of(folder: Path) -> Path:
    """The folder that ``corpus.path`` names: relative to the repository root, or absolute."""
    lines = [line.strip() for line in (folder / "corpus.path").read_text(encoding="utf-8").splitlines()]
    named = next((line for line in lines if line), "")
    if not named:
        raise Unusable(f"{folder / 'corpus.path'} is empty")
    return Path(os.path.normpath(REPO / Path(named).expanduser()))


def split_front_matter(text: str) -> tuple[str, str]:
    """The title of a leading YAML (``---``) or TOML (``+++``) front matter block, if it has
    one, and the text after the block."""
    for pattern, language in _FRONT_MATTER:
        block = pattern.match(text)
        if block:
            try:
                if language == "yaml":
                    import yaml

                    fields = yaml.safe_load(block.group(1) or "")
                else:
                    import tomllib

                    fields = tomllib.loads(block.group(1) or "")
            except Exception:  # noqa: BLE001 — a block that does not parse has no title
                fields = None
            title = fields.get("title") if isinstance(fields, dict) else None
            return ("" if title is None else str(title)), text[block.end() :]
    return "", text


def read_folder(root: Path) -> list[dict[str, str]]:
    """Every document file under ``root`` not hidden (nor in a hidden folder), by path:
    id = relative path without the suffix, title from the front matter, text after it."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in files:
            if name.startswith(".") or not name.lower().endswith(DOCUMENT_SUFFIXES):
                continue
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            raw = path.read_text(encoding="utf-8-sig", errors="replace")
            title, text = split_front_matter(raw.replace("\r\n", "\n").replace("\r", "\n"))
            found.append({"_id": relative[: relative.rfind(".")], "title": title, "text": text})
    return sorted(found, key=lambda document: document["_id"])


def read_benchmark(folder: Path, name: str | None = None) -> Benchmark:
    """The benchmark in ``folder``; :class:`Unusable` (with the reason) if there is none."""
    if not folder.is_dir():
        raise Unusable(f"{folder}: no such folder")
    missing = [f for f in ("queries.jsonl", "qrels.tsv") if not (folder / f).is_file()]
    if missing:
        raise Unusable(f"{folder}: no {' or '.join(missing)}, not a benchmark")
    name = name or folder.resolve().name
    corpus_dir = None
    if (folder / "corpus.jsonl").is_file():
        corpus = read_jsonl(folder / "corpus.jsonl")
        for document in corpus:
            document["_id"] = str(document["_id"])
    elif (folder / "corpus.path").is_file():
        corpus_dir = corpus_dir_of(folder)
        if not corpus_dir.is_dir():
            raise Unusable(f"{name}: corpus folder {corpus_dir} not found (named by {folder / 'corpus.path'})")
        corpus = read_folder(corpus_dir.resolve())
    else:
        raise Unusable(f"{folder}: neither corpus.jsonl nor corpus.path")
    grades = read_qrels(folder / "qrels.tsv")
    queries = [(str(q["_id"]), " ".join(q["text"].split())) for q in read_jsonl(folder / "queries.jsonl")]
    return Benchmark(name, folder, corpus, [q for q in queries if q[0] in grades], grades, corpus_dir)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str] | dict[str, int], k: int = 10) -> float:
    return next((1 / rank for rank, doc in enumerate(ranked[:k], start=1) if doc in relevant), 0.0)


def ndcg(ranked: Sequence[str], grades: dict[str, int], k: int = 10) -> float:
    """Graded nDCG@k with linear gain: sum of grade / log2(rank + 1) over the top k, divided by
    the same sum for the judged grades in descending order."""
    dcg = sum(grades.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1))
    best = sorted(grades.values(), reverse=True)[:k]
    ideal = sum(grade / math.log2(rank + 1) for rank, grade in enumerate(best, start=1))
    return dcg / ideal


def recall(ranked: Sequence[str], relevant: set[str] | dict[str, int], k: int) -> float:
    return sum(1 for doc in set(ranked[:k]) if doc in relevant) / len(relevant)


def score(system: str, rankings: dict[str, list[str]], bench: Benchmark) -> Scores:
    ids = [query_id for query_id, _ in bench.queries]
    ranked = [rankings.get(query_id, []) for query_id in ids]
    wanted = [bench.grades[query_id] for query_id in ids]
    return Scores(
        system,
        fmean(map(reciprocal_rank, ranked, wanted)),
        fmean(map(ndcg, ranked, wanted)),
        {k: fmean(recall(r, w, k) for r, w in zip(ranked, wanted)) for k in CUTOFFS},
        sum(1 for r in ranked if not r),
    )


def mirror(source: Path, target: Path) -> None:
    """``target``, a folder of symbolic links to what ``source`` holds (but its mlq.toml)."""
    target.mkdir()
    for item in source.iterdir():
        if item.name != "mlq.toml":
            (target / item.name).symlink_to(item.resolve())


def run_mlq(bench: Benchmark, config: Path | None, scratch: Path) -> tuple[dict[str, list[str]], dict]:
    """Rankings of the installed mlq, and how long indexing and the batch took."""
    prefix = ""
    if bench.corpus_dir is None:
        corpus = scratch / "corpus"
        corpus.mkdir()
        (corpus / "corpus.jsonl").symlink_to((bench.folder / "corpus.jsonl").resolve())
        prefix = "corpus/"  # the JSON Lines file's records are corpus/ID
    elif config is None:
        corpus = bench.corpus_dir
    else:
        corpus = scratch / "corpus"
        mirror(bench.corpus_dir, corpus)
    if config is not None:
        shutil.copyfile(config, corpus / "mlq.toml")
    env = mlq_env(scratch / "cache")
    started = time.perf_counter()
    done = subprocess.run([mlq_command(), "index", "--corpus", str(corpus)], env=env, capture_output=True)
    index_seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise Unusable(f"{bench.name}: mlq index failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    summary = re.match(r"(\d+) documents", done.stdout.decode("utf-8", "replace"))
    queries = scratch / "queries.tsv"
    queries.write_text("".join(f"{query_id}\t{text}\n" for query_id, text in bench.queries), encoding="utf-8")
    command = [mlq_command(), "search", "--queries", str(queries), "--json", "--per-doc", "1", "-n", str(DEPTH)]
    started = time.perf_counter()
    done = subprocess.run([*command, "--no-highlights", "--corpus", str(corpus)], env=env, capture_output=True)
    batch_seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some query found nothing
        raise Unusable(f"{bench.name}: mlq search failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    rankings: dict[str, list[str]] = {}
    for line in done.stdout.decode("utf-8").splitlines():
        hit = json.loads(line)
        doc_id = hit["doc_id"]
        rankings.setdefault(hit["query_id"], []).append(doc_id[len(prefix) :] if doc_id.startswith(prefix) else doc_id)
    timing = {
        "index_seconds": index_seconds,
        "batch_seconds": batch_seconds,
        "queries_per_second": len(bench.queries) / batch_seconds,
        "mlq_documents": int(summary.group(1)) if summary else None,
    }
    return rankings, timing


@functools.cache
def analyzer():  # -> mlq.Analyzer, one for every benchmark of the run (its dictionary loads once)
    from mlq import Analyzer

    return Analyzer()


def terms(text: str) -> dict[str, list[str]]:
    return {field: [t.text for t in found] for field, found in analyzer().analyze(text).items()}


def analyze_all(texts: list[str]) -> list[dict[str, list[str]]]:
    """``terms`` of every text; in one process a CPU when there is much to analyse (Sudachi
    reads some 0.5 M characters a second: baldanders' 10 M would take half a minute)."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or sum(map(len, texts)) < 2_000_000:
        return [terms(text) for text in texts]
    import multiprocessing

    with multiprocessing.get_context("spawn" if sys.platform != "linux" else "fork").Pool(workers) as pool:
        return pool.map(terms, texts, chunksize=16)


def bm25_rankings(bm25, queries: list[tuple[str, list[str]]], ids: list[str]) -> dict[str, list[str]]:
    """What ``bm25.get_scores`` ranks (the same float operations, so the same scores and ties),
    from postings of the query terms rather than a Python loop over every document per term."""
    needed = {term for _, terms in queries for term in terms}
    docs: dict[str, list[int]] = {}
    freqs: dict[str, list[int]] = {}
    for i, frequencies in enumerate(bm25.doc_freqs):
        for term in needed.intersection(frequencies):
            docs.setdefault(term, []).append(i)
            freqs.setdefault(term, []).append(frequencies[term])
    postings = {term: (np.array(docs[term]), np.array(freqs[term])) for term in docs}
    doc_len = np.array(bm25.doc_len)
    norm = bm25.k1 * (1 - bm25.b + bm25.b * doc_len / bm25.avgdl)
    rankings = {}
    for query_id, terms in queries:
        if not terms:
            rankings[query_id] = []
            continue
        scores = np.zeros(bm25.corpus_size)
        for term in terms:
            if term in postings:  # a term no document has adds 0 to every score
                where, tf = postings[term]
                scores[where] += (bm25.idf.get(term) or 0) * (tf * (bm25.k1 + 1) / (tf + norm[where]))
        best = np.argsort(-scores, kind="stable")[:DEPTH]
        rankings[query_id] = [ids[i] for i in best if scores[i] > 0]
    return rankings


def baselines(bench: Benchmark) -> dict[str, dict[str, list[str]]]:
    """rank_bm25.BM25Okapi over whole documents, one per analyzer field."""
    from rank_bm25 import BM25Okapi

    documents = analyze_all([f"{doc.get('title') or ''}\n{doc['text']}" for doc in bench.corpus])
    queries = [(query_id, terms(text)) for query_id, text in bench.queries]
    ids = [doc["_id"] for doc in bench.corpus]
    systems: dict[str, dict[str, list[str]]] = {}
    for field in ("words", "bigrams"):
        bm25 = BM25Okapi([doc[field] for doc in documents])
        found = bm25_rankings(bm25, [(query_id, query[field]) for query_id, query in queries], ids)
        systems[f"BM25Okapi, documents, {field}"] = found
    return systems


def write_per_query(path: Path, bench: Benchmark, systems: dict[str, dict[str, list[str]]]) -> None:
    """Each query's reciprocal rank under every system (a column named by the system), then its
    nDCG@10 (columns ``nDCG@10: <system>``): what bench/compare.py pairs."""
    with path.open("w", encoding="utf-8") as out:
        out.write("\t".join(["query-id", *systems, *(f"nDCG@10: {name}" for name in systems)]) + "\n")
        for query_id, _ in bench.queries:
            grades = bench.grades[query_id]
            rr = [f"{reciprocal_rank(r.get(query_id, []), grades):.4f}" for r in systems.values()]
            gains = [f"{ndcg(r.get(query_id, []), grades):.4f}" for r in systems.values()]
            out.write("\t".join([query_id, *rr, *gains]) + "\n")


def per_query_file(path: Path, name: str, exact: bool) -> Path:
    """``path`` itself, or with the benchmark's name before its suffix (rr.tsv → rr.NAME.tsv)."""
    return path if exact else path.with_name(f"{path.stem}.{name}{path.suffix}")


def table(results: Sequence[Scores]) -> list[str]:
    width = max(len(r.system) for r in results)
    recall_heads = "  ".join(f"R@{k:<3}" for k in CUTOFFS)
    lines = [f"{'system':<{width}}  MRR@10  nDCG@10  {recall_heads}  no hit"]
    for r in results:
        recalls = "  ".join(f"{r.recall[k]:.3f}" for k in CUTOFFS)
        lines.append(f"{r.system:<{width}}  {r.mrr_10:6.3f}  {r.ndcg_10:7.3f}  {recalls}  {r.no_hit:6d}")
    return lines


def all_folders() -> list[Path]:
    """Every folder of ``../shared/bench`` and ``bench/known-item``, by name (benchmark or not)."""
    return [folder for parent in BENCH_FOLDERS if parent.is_dir() for folder in sorted(parent.iterdir()) if folder.is_dir()]


def names_for(folders: Sequence[Path]) -> list[str]:
    """Each folder's name; the parent's too where two folders share a name."""
    names = [folder.resolve().name for folder in folders]
    return [
        f"{folder.resolve().parent.name}-{name}" if names.count(name) > 1 else name
        for folder, name in zip(folders, names)
    ]


def run(bench: Benchmark, args: argparse.Namespace, exact_per_query: bool, out: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        rankings, timing = run_mlq(bench, args.config, Path(scratch))
    if args.config is not None:
        label = f"mlq ({args.config.name})"
    elif bench.corpus_dir is not None and (bench.corpus_dir / "mlq.toml").is_file():
        label = "mlq (the corpus' mlq.toml)"
    else:
        label = "mlq (defaults)"
    systems = {label: rankings}
    if not args.no_baselines:
        systems.update(baselines(bench))
    results = [score(name, found, bench) for name, found in systems.items()]
    if args.per_query:
        write_per_query(per_query_file(args.per_query, bench.name, exact_per_query), bench, systems)
    known = {doc["_id"] for doc in bench.corpus}
    unknown = {doc for judged in bench.grades.values() for doc in judged} - known
    if unknown:
        print(f"warning: {bench.name}: {len(unknown)} judged documents are not in the corpus, "
              f"e.g. {sorted(unknown)[0]}", file=sys.stderr)
    if timing["mlq_documents"] not in (None, len(bench.corpus)):
        print(f"warning: {bench.name}: mlq indexed {timing['mlq_documents']} documents, "
              f"the baselines read {len(bench.corpus)}", file=sys.stderr)
    corpus = {} if bench.corpus_dir is None else {"corpus": str(bench.corpus_dir)}
    if args.json:
        out(json.dumps({
            "benchmark": bench.name, "folder": str(bench.folder), **corpus,
            "documents": len(bench.corpus), "queries": len(bench.queries),
            **timing, "results": [asdict(r) for r in results],
        }, ensure_ascii=False))
        return
    where = f" ({bench.corpus_dir})" if bench.corpus_dir is not None else ""
    out(f"benchmark: {bench.name} — {len(bench.corpus)} documents{where}, {len(bench.queries)} queries")
    out(
        f"mlq: index {timing['index_seconds']:.1f} s; batch of {len(bench.queries)} queries "
        f"{timing['batch_seconds']:.1f} s = {timing['queries_per_second']:.0f} queries/s (whole process)"
    )
    out("")
    for line in table(results):
        out(line)


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = functools.partial(print, flush=True)) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folders", nargs="*", type=Path, metavar="FOLDER",
        help="benchmark folder: queries.jsonl, qrels.tsv and corpus.jsonl or corpus.path "
        "(default: every folder of ../shared/bench and bench/known-item)",
    )
    parser.add_argument("--config", type=Path, help="an mlq.toml to index with")
    parser.add_argument("--per-query", type=Path, metavar="FILE", help="write each query's reciprocal rank and nDCG@10 here")
    parser.add_argument("--no-baselines", action="store_true", help="score mlq alone (quicker, for experiments)")
    parser.add_argument("--json", action="store_true", help="print one JSON object a benchmark instead of tables")
    args = parser.parse_args(argv)
    folders = args.folders or all_folders()
    if not folders:
        print(f"skipped: no benchmark folders in {' or '.join(map(str, BENCH_FOLDERS))}", file=sys.stderr)
        return 0
    status, printed = 0, False
    for folder, name in zip(folders, names_for(folders)):
        try:
            bench = read_benchmark(folder, name)
        except Unusable as reason:
            print(f"skipped: {reason}", file=sys.stderr)
            continue
        if not bench.queries:
            print(f"skipped: {name}: no query has a judgment", file=sys.stderr)
            continue
        if printed and not args.json:
            out("")
        try:
            run(bench, args, exact_per_query=len(args.folders) == 1, out=out)
            printed = True
        except Unusable as reason:
            print(f"failed: {reason}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
