"""Speed, every part against a baseline measured in the same run: one command, one table.

    python bench/speed.py [--json] [--queries N]

What it measures (the corpora are the real Japanese Markdown of ../shared/corpora; the script
skips cleanly when they are absent):

* **Cold search**: wall time of the installed `mlq search "インターン 面接"` on a cached index of
  the bundled essays, piped, against the *floor*: a Python process that only loads the Sudachi
  dictionary and tokenizes the query. Medians of 15 each, the two alternated. Beside them, the
  very first search, on an empty cache, which indexes the essays (what a new user waits for).
* **Build throughput**: characters per second of a full `mlq index --rebuild` of a slice of
  mdn-ja, on one job and on two, against raw Sudachi tokenization (mode C) of the same text in one
  process.
* **Query latency in process** (`Searcher.search`: analysis, scoring, top 10, building the hits)
  at three sizes of one growing corpus — a slice of mdn-ja (~10k passages), all of mdn-ja and
  baldanders (~100k), and that folder plus hard-linked copies under new names (~1M; copies are
  taken over from the index, not analysed again) — p50 and p95 over ``--queries`` queries made
  from the corpus's own sentences, without highlights and with them (with the share of the hits'
  characters analysed again to place them), and the postings they touch. At ~100k passages, the baseline:
  `rank_bm25.BM25Okapi.get_scores` + top 10 over the same passages and the same term lists (read
  back from mlq's index), the passage fields weighted as mlq weights them, on a sample of the
  queries (the same BM25 arithmetic over every passage, without mlq's matching rule).
* **Cold search at each size**: wall time of `mlq search` on each cached index, against the
  cold search of the bundled essays above; and the first search after the build, of a corpus
  whose files were made just before it.
* **Memory and size**: peak RSS of `mlq search` on the largest index (``wait4``), and the index's
  size on disk against the corpus's.
* **Batch throughput**: queries per second of `mlq search --queries FILE --json` on the largest
  index.
* **Edits** on the largest corpus: one file edited in place, then a note added beside it and
  removed again — the search that indexes each change, against the cold search of the
  unchanged corpus, and the bytes of the index it wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from installed import alternated, mlq_command, mlq_env, wall, written_by

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
QUERY = "インターン 面接"
#: A query the corpora of growing size answer (the bundled essays' one finds nothing in MDN).
CORPUS_QUERY = "非同期 関数"
_SENTENCE = re.compile(r"[^\s。、！？!?「」（）()\[\]`#*|<>{}=/:.,;\"'-]{6,}")



# The search runs in a Python process of its own, which reports its own peak from /proc (a
# child's ru_maxrss would count the copy of this large process it was forked from), split into
# private memory and pages of mapped files (the index, the Sudachi dictionary: page cache that
# the kernel maps in whole folios, shared and reclaimable).
_SEARCH_AND_REPORT = (
    "import sys\n"
    "from mlq.cli import main\n"
    "try:\n    main(sys.argv[1:])\nexcept SystemExit as done:\n    code = done.code\n"
    "status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
    "print(code, *(int(status[key].split()[0]) for key in ('VmHWM', 'RssAnon', 'RssFile')), file=sys.stderr)\n"
)


def peak_memory_mb(arguments: list[str], env: dict[str, str]) -> dict[str, float]:
    """Peak resident memory of one `mlq` run (which must not have had to index anything),
    and its private and file-backed parts at the end."""
    done = subprocess.run([sys.executable, "-c", _SEARCH_AND_REPORT, *arguments], env=env, capture_output=True, text=True)
    *said, last = done.stderr.strip().splitlines() or ["?"]
    code, *figures = last.split()
    if code not in ("0", "None") or said:
        raise SystemExit(f"mlq {' '.join(arguments)}: {' '.join(said) or done.stderr.strip()}")
    peak, private, mapped = (int(kb) / 1024 for kb in figures)
    return {"search_peak_rss_mb": peak, "private_mb": private, "file_pages_mb": mapped}


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# ---------------------------------------------------------------------------------------------
# Cold search


def cold_search(mlq: str, scratch: Path) -> dict[str, float]:
    env = mlq_env(scratch / "cache-bundled")
    subprocess.run([mlq, "index"], env=env, check=True, capture_output=True)
    subprocess.run([mlq, "search", QUERY], env=env, check=True, capture_output=True)  # compiles, if need be
    floor_code = (
        "from sudachipy import Dictionary, SplitMode\n"
        f"Dictionary(dict='core').tokenizer(SplitMode.C).tokenize({QUERY!r})\n"
    )
    floor, search = alternated([[sys.executable, "-c", floor_code], [mlq, "search", QUERY]], env, 15)
    # The first search of all, on an empty cache: it indexes the essays (in a folder of their own
    # each time, so that every run starts with nothing).
    first_cache = scratch / "cache-first"
    first_command = ["sh", "-c", 'rm -rf "$1" && MLQ_CACHE_DIR="$1" exec "$2" search "$3"', "sh", str(first_cache), mlq, QUERY]
    (first,) = alternated([first_command], env, 5)
    return {"search_seconds": search, "floor_seconds": floor, "ratio": search / floor, "first_seconds": first}


# ---------------------------------------------------------------------------------------------
# Build throughput


def _tokenize_all(texts: list[str], read_each: bool = False) -> float:
    """Seconds for raw Sudachi (mode C) to tokenize ``texts``, in chunks as mlq hands them over;
    with ``read_each``, reading each morpheme's dictionary entry and spelling too (the least any
    indexer of Sudachi's words asks of it: bench/floors.py)."""
    from sudachipy import Dictionary, SplitMode

    from mlq.analysis import _chunks

    tokenizer = Dictionary(dict="core").tokenizer(SplitMode.C)
    started = time.perf_counter()
    for text in texts:
        for _, chunk in _chunks(text, 4000):
            morphemes = tokenizer.tokenize(chunk)
            if read_each:
                for morpheme in morphemes:
                    morpheme.word_id(), morpheme.surface()
    return time.perf_counter() - started


def build_throughput(mlq: str, corpus: Path, scratch: Path) -> dict[str, float]:
    import multiprocessing

    from mlq import load_corpus

    texts = [document.text for document in load_corpus(corpus)]
    characters = sum(map(len, texts))
    raw_seconds = _tokenize_all(texts)
    # The machine's own ceiling for two jobs: raw Sudachi on two processes, half the text each.
    with multiprocessing.get_context("fork").Pool(2) as pool:
        started = time.perf_counter()
        pool.map(_tokenize_all, [texts[0::2], texts[1::2]])
        raw_two_seconds = time.perf_counter() - started
    env = mlq_env(scratch / "cache-throughput")
    one = wall([mlq, "index", "--rebuild", "--jobs", "1", "--corpus", str(corpus)], env)
    two = wall([mlq, "index", "--rebuild", "--jobs", "2", "--corpus", str(corpus)], env)
    return {
        "characters": characters,
        "sudachi_chars_per_second": characters / raw_seconds,
        "sudachi_two_processes_vs_one": raw_seconds / raw_two_seconds,
        "one_job_chars_per_second": characters / one,
        "two_jobs_chars_per_second": characters / two,
        "one_job_vs_sudachi": raw_seconds / one,
        "two_jobs_vs_one": one / two,
    }


# ---------------------------------------------------------------------------------------------
# Corpora of three sizes, one folder growing


def grow(corpus: Path, stage: int) -> None:
    """Stage 0: the first eighth of mdn-ja's pages; 1: all of mdn-ja and baldanders;
    2: that, plus eight hard-linked copies of it under other names."""
    if stage == 0:
        files = sorted((CORPORA / "mdn-ja").rglob("*.md"))
        for path in files[: len(files) // 8]:
            target = corpus / "mdn-ja" / path.relative_to(CORPORA / "mdn-ja")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    elif stage == 1:
        shutil.copytree(CORPORA / "mdn-ja", corpus / "mdn-ja", dirs_exist_ok=True)
        shutil.copytree(CORPORA / "baldanders", corpus / "baldanders", dirs_exist_ok=True)
    else:
        originals = [p for p in corpus.rglob("*") if p.is_file()]
        for copy in range(2, 10):
            for path in originals:
                target = corpus / f"copy-{copy}" / path.relative_to(corpus)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, target)


def make_queries(searcher, count: int) -> list[str]:
    """Sentences of the corpus, cut to 4–12 characters, from random passages (fixed seed)."""
    rng = random.Random(7)
    index = searcher.index
    queries: list[str] = []
    while len(queries) < count:
        passage = index.passage(rng.randrange(len(index.passages)))
        pieces = _SENTENCE.findall(passage.text)
        if pieces:
            piece = rng.choice(pieces)
            start = rng.randrange(max(1, len(piece) - 4))
            queries.append(piece[start : start + rng.randint(4, 12)])
    return queries


def latency(searcher, queries: list[str], highlight: bool = False) -> dict[str, float]:
    times, touched = [], []
    for query in queries:
        started = time.perf_counter()
        searcher.search(query, limit=10, highlight=highlight)
        times.append(time.perf_counter() - started)
    for query in queries[:200]:
        terms = searcher.analyzer.analyze(query)
        touched.append(
            sum(
                len(postings[0])
                for name, found in terms.items()
                for postings in map(searcher.index.bm25.fields[name].postings_of, (t.text for t in found))
                if postings is not None
            )
        )
    return {
        "p50_ms": 1000 * float(np.percentile(times, 50)),
        "p95_ms": 1000 * float(np.percentile(times, 95)),
        "postings_touched_mean": float(np.mean(touched)),
    }


def analysed_share(searcher, queries: list[str]) -> float:
    """The share of the hits' characters (top 10 of each query) that highlighting analyses
    again: the lines that hold another spelling of a query word (see mlq.spellings)."""
    analysed, seen = 0, 0
    lines = searcher._lines_to_analyse

    def counted(text, *args):
        nonlocal analysed, seen
        found = lines(text, *args)
        analysed += sum(end - start for start, end in found)
        seen += len(text)
        return found

    searcher._lines_to_analyse = counted
    try:
        for query in queries:
            searcher.search(query, limit=10)
    finally:
        del searcher._lines_to_analyse
    return analysed / max(1, seen)


def rank_bm25_baseline(searcher, queries: list[str]) -> dict[str, float]:
    """rank-bm25 over the very term lists of mlq's passages (each term repeated tf times): its
    ``get_scores`` for the query's words and bigrams in each passage field that weighs, summed
    with mlq's weights, and the top 10. The same BM25 arithmetic over every passage, without
    mlq's matching rule or document field: a cost to compare with (that each field's scores are
    rank-bm25's is tests/test_bm25.py's business)."""
    from rank_bm25 import BM25Okapi

    from mlq.fields import FIELDS

    index = searcher.index
    settings = index.settings
    weights = dict(settings.weights)
    models = {}
    for spec in FIELDS:
        if spec.unit != "passage" or not weights[spec.name]:
            continue
        field = index.bm25.fields[spec.name]
        lists: list[list[str]] = [[] for _ in range(len(index.passages))]
        vocabulary = [field.vocabulary[i] for i in range(len(field.vocabulary))]
        for term_id in range(len(vocabulary)):
            term = vocabulary[term_id]
            for passage, tf in zip(field.postings.units(term_id).tolist(), field.postings.frequencies(term_id).tolist()):
                lists[passage].extend([term] * tf)
        params = settings.params(spec.name)
        models[spec.name] = (spec.analysis, BM25Okapi(lists, k1=params.k1, b=params.b, epsilon=params.epsilon))
        del lists
    times = []
    for query in queries:
        words = searcher.analyzer.query_words(query)
        terms = {"words": [w.term for w in words if w.term is not None], "bigrams": [b for w in words for b in w.bigrams]}
        started = time.perf_counter()
        scores = sum(weights[name] * model.get_scores(terms[analysis]) for name, (analysis, model) in models.items())
        top = np.argpartition(-scores, 10)[:10]
        top = top[np.argsort(-scores[top], kind="stable")]
        times.append(time.perf_counter() - started)
    return {"p50_ms": 1000 * float(np.percentile(times, 50)), "queries": len(queries)}


def measure_size(mlq: str, corpus: Path, env: dict[str, str], queries: list[str], stage: int, report: dict) -> list[str]:
    from mlq import open_corpus

    started = time.perf_counter()
    done = subprocess.run([mlq, "index", "--corpus", str(corpus)], env=env, check=True, capture_output=True, text=True)
    build = time.perf_counter() - started
    first = wall([mlq, "search", CORPUS_QUERY, "--corpus", str(corpus)], env)  # the corpus was made just before its build
    searcher = open_corpus(corpus)
    queries = queries or make_queries(searcher, report["query_count"])
    cold = statistics.median(wall([mlq, "search", CORPUS_QUERY, "--corpus", str(corpus)], env) for _ in range(5))
    row = {
        "passages": len(searcher.index.passages),
        "documents": len(searcher.index.documents),
        "files": len(searcher.index.files),
        "build_seconds": build,
        "cold_seconds": cold,
        "first_seconds": first,
        "build_summary": done.stdout.strip(),
        **latency(searcher, queries),
        **{f"{key}_highlighted": value for key, value in latency(searcher, queries, highlight=True).items() if key.endswith("_ms")},
        "analysed_share": analysed_share(searcher, queries[:100]),
    }
    if stage == 1:
        row["rank_bm25"] = rank_bm25_baseline(searcher, queries[:20])
    report["sizes"].append(row)
    return queries


def edit_cost(mlq: str, corpus: Path, env: dict[str, str], cache: Path, unchanged: float) -> dict[str, float]:
    """Edit one file of the corpus in place, then search: the search that finds the edit and
    indexes it (a new segment), the bytes that wrote (files of the new build that are not the
    previous build's, hard-linked), and searches after it, against ``unchanged``, the cold
    search of the corpus before the edit."""
    (entry,) = [p for p in cache.iterdir() if p.is_dir()]
    files = sorted(p for p in corpus.rglob("*.md"))
    edited = files[len(files) // 2]
    with open(edited, "a", encoding="utf-8") as out:
        out.write("\n\n追記: 一つのファイルを編集した後の検索を計測する。\n")
    search = [mlq, "search", CORPUS_QUERY, "--corpus", str(corpus)]
    first, written, index = written_by(entry, lambda: wall(search, env))
    after = statistics.median(wall(search, env) for _ in range(5))
    # A new note beside the edited file, then gone again: its folder's time moves.
    note = edited.parent / "mlq-bench-note.md"
    note.write_text("# 計測用のメモ\n\n非同期の関数について書き足したメモ。\n", encoding="utf-8")
    added, added_written, _ = written_by(entry, lambda: wall(search, env))
    note.unlink()
    removed, removed_written, _ = written_by(entry, lambda: wall(search, env))
    return {
        "first_seconds": first,
        "after_seconds": after,
        "unchanged_seconds": unchanged,
        "written_bytes": written,
        "index_bytes": index,
        "added_seconds": added,
        "added_written_bytes": added_written,
        "removed_seconds": removed,
        "removed_written_bytes": removed_written,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=500, help="queries for the latency figures")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args()
    if not (CORPORA / "mdn-ja").is_dir() or not (CORPORA / "baldanders").is_dir():
        print(f"skipped: no corpora at {CORPORA}", file=sys.stderr)
        return
    mlq = mlq_command()
    report: dict = {"query_count": args.queries, "sizes": []}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        report["cold"] = cold_search(mlq, scratch)
        corpus = scratch / "corpus"
        grow(corpus, 0)
        report["build"] = build_throughput(mlq, corpus, scratch)
        env = mlq_env(scratch / "cache-sizes")
        os.environ["MLQ_CACHE_DIR"] = env["MLQ_CACHE_DIR"]  # for open_corpus in this process
        queries: list[str] = []
        for stage in range(3):
            if stage:
                grow(corpus, stage)
            queries = measure_size(mlq, corpus, env, queries, stage, report)
        report["memory"] = {
            **peak_memory_mb(["search", QUERY, "--corpus", str(corpus)], env),
            "index_mb": size_mb(scratch / "cache-sizes"),
            "corpus_mb": size_mb(corpus),
        }
        batch_file = scratch / "queries.txt"
        batch_file.write_text("\n".join(queries) + "\n", encoding="utf-8")
        batch = wall([mlq, "search", "--queries", str(batch_file), "--json", "--corpus", str(corpus)], env)
        report["batch"] = {"queries": len(queries), "seconds": batch, "queries_per_second": len(queries) / batch}
        report["edit"] = edit_cost(mlq, corpus, env, scratch / "cache-sizes", report["sizes"][-1]["cold_seconds"])
    report["total_seconds"] = time.perf_counter() - started
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print_report(report)


def print_report(r: dict) -> None:
    cold, build, memory, batch = r["cold"], r["build"], r["memory"], r["batch"]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; whole run {r['total_seconds']:.0f} s")
    print()
    print("cold search (bundled essays, cached index, piped; medians of 15, alternated)")
    print(f"  mlq search '{QUERY}'            {cold['search_seconds']:.3f} s")
    print(f"  floor: load Sudachi + tokenize     {cold['floor_seconds']:.3f} s")
    print(f"  ratio                              {cold['ratio']:.2f}×   (target ≤ 2.0×)")
    print(f"  the first search, on an empty cache (it indexes the essays; median of 5): {cold['first_seconds']:.3f} s = {cold['first_seconds'] / cold['search_seconds']:.1f}× the search")
    print()
    print(f"build throughput ({build['characters']:,} characters of mdn-ja)")
    print(f"  raw Sudachi tokenization           {build['sudachi_chars_per_second']:,.0f} chars/s")
    print(f"  mlq index, 1 job                   {build['one_job_chars_per_second']:,.0f} chars/s = {build['one_job_vs_sudachi']:.2f}× Sudachi (target ≥ 0.6×)")
    print(f"  mlq index, 2 jobs                  {build['two_jobs_chars_per_second']:,.0f} chars/s = {build['two_jobs_vs_one']:.2f}× 1 job (target ≥ 1.6×)")
    print(f"  raw Sudachi, 2 processes           {build['sudachi_two_processes_vs_one']:.2f}× 1 process (this machine's ceiling for 2 jobs)")
    print()
    print(f"query latency in process (top 10, {r['query_count']} queries from the corpus)")
    print("                                           with highlights")
    print("  passages    build s   p50 ms   p95 ms   p50 ms   p95 ms   (text analysed again)   postings touched")
    for row in r["sizes"]:
        print(
            f"  {row['passages']:>9,}   {row['build_seconds']:7.1f}   {row['p50_ms']:6.2f}   {row['p95_ms']:6.2f}"
            f"   {row['p50_ms_highlighted']:6.2f}   {row['p95_ms_highlighted']:6.2f}   ({row['analysed_share']:.0%})                   {row['postings_touched_mean']:,.0f}"
        )
    for row in r["sizes"]:
        if "rank_bm25" in row:
            base = row["rank_bm25"]
            print(
                f"  rank_bm25 at {row['passages']:,} passages: p50 {base['p50_ms']:,.1f} ms "
                f"({base['queries']} queries, the passage fields' scores and top 10) → "
                f"mlq is {base['p50_ms'] / row['p50_ms']:,.0f}× faster (target ≥ 100×)"
            )
    print()
    print(f"cold search of each corpus ('{CORPUS_QUERY}', cached index, median of 5) against the bundled essays' above")
    for row in r["sizes"]:
        print(
            f"  {row['files']:>7,} files  {row['passages']:>9,} passages   {row['cold_seconds']:.3f} s"
            f" = {row['cold_seconds'] / cold['search_seconds']:.2f}×   (the first, just after the build: {row['first_seconds']:.3f} s)"
        )
    print()
    print(f"memory and size (largest index, {r['sizes'][-1]['passages']:,} passages)")
    print(f"  peak RSS of mlq search             {memory['search_peak_rss_mb']:,.0f} MB (target ≤ 300 MB)")
    print(f"    at the end: private {memory['private_mb']:,.0f} MB, pages of mapped files {memory['file_pages_mb']:,.0f} MB")
    print(f"  index on disk                      {memory['index_mb']:,.0f} MB for {memory['corpus_mb']:,.0f} MB of corpus ({memory['index_mb'] / memory['corpus_mb']:.1f}×)")
    print()
    print(f"batch: mlq search --queries FILE --json, {batch['queries']} queries: {batch['queries_per_second']:,.0f} queries/s")
    edit = r["edit"]
    print()
    print(f"editing one file of the largest corpus in place (cold '{CORPUS_QUERY}', against {edit['unchanged_seconds']:.3f} s unchanged)")
    print(f"  the search that indexes the edit   {edit['first_seconds']:.3f} s = {edit['first_seconds'] / edit['unchanged_seconds']:.2f}× (target ≤ 3×)")
    print(
        f"  it wrote                           {edit['written_bytes'] / 1e6:,.1f} MB of the index's {edit['index_bytes'] / 1e6:,.0f} MB"
        f" = {edit['written_bytes'] / edit['index_bytes']:.2%} (target ≤ 2%)"
    )
    print(f"  searches after it (median of 5)    {edit['after_seconds']:.3f} s = {edit['after_seconds'] / edit['unchanged_seconds']:.2f}×")
    for what, key in (("adding a note beside it", "added"), ("removing the note again", "removed")):
        print(
            f"  {what:<34} {edit[key + '_seconds']:.3f} s = {edit[key + '_seconds'] / edit['unchanged_seconds']:.2f}×,"
            f" writing {edit[key + '_written_bytes'] / 1e6:,.1f} MB = {edit[key + '_written_bytes'] / edit['index_bytes']:.2%}"
        )


if __name__ == "__main__":
    main()
