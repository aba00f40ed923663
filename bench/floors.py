"""What three of issue 16's targets are up against: the work any search or build of mlq's
design must do, measured on this machine beside what mlq does, in one run.

    python bench/floors.py [--runs N] [--large]

* **Build** (the slice of mdn-ja bench/speed.py builds): raw Sudachi tokenization of the
  documents' texts, as bench/speed.py times it; the same with each morpheme read (its dictionary
  entry and its spelling: the least any indexer of Sudachi's words asks of it); the least an
  index of mlq's two passage fields needs, step by step (files read, Markdown to prose,
  passages cut, their words and bigrams, counted; no header, body or document field, nothing
  hashed, nothing written); and `mlq index --rebuild --jobs 1`. Rounds alternated; medians.
* **Cold search** of a large corpus (all of mdn-ja and baldanders; with ``--large`` also eight
  hard-linked copies of them, bench/speed.py's 78,084 files): the CPU time, each in a fresh
  process, of what no search of it can skip — Python's start with Sudachi's dictionary loaded,
  importing numpy (an index past ``mlq.cache.PLAIN_MAX_PASSAGES`` is searched with it), and
  one ``stat`` of every file and folder the index recorded (an edit in place moves no folder's
  time, so nothing cheaper sees it) — against the wall time of the bundled essays' cold search.
  Shared perfectly over the machine's cores, that CPU is the least wall time such a search can
  take: the figure the target (≤ 2× the bundled essays') is set against.

The third, warm latency with highlights, has no such floor here: what bounds it is the number
of Python calls a query makes (see the README's Performance section).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path

from installed import mlq_command, mlq_env, wall
from processes import run_measured
from speed import CORPORA, CORPUS_QUERY, QUERY, _tokenize_all, grow


# ---------------------------------------------------------------------------------------------
# Build


def least_indexer(corpus: Path) -> dict[str, float]:
    """Seconds of each step an index of mlq's two passage fields cannot do without, over the
    files of ``corpus``: mlq's own reading, Markdown and passages; each line's words from
    Sudachi (a line met again looked up, as mlq does: Sudachi is the larger cost either way),
    a morpheme's term decided once per dictionary entry and spelling; mlq's bigrams; each
    passage's terms counted."""
    from mlq.analysis import Analyzer, AnalyzerSettings, bigram_texts
    from mlq.corpus import read_file
    from mlq.passages import passage_spans

    analyzer = Analyzer(AnalyzerSettings())  # its tokenizer and mode; its dictionary loaded now
    tokenizer, mode = analyzer._tokenizer, analyzer._mode
    steps = dict.fromkeys(("read", "Markdown and passages", "words", "bigrams", "counted", "texts compressed"), 0.0)
    clock = time.perf_counter
    lines: dict[str, list[str]] = {}
    decided: dict[tuple[int, str], str | None] = {}
    for path in sorted(corpus.rglob("*.md")):
        started = clock()
        _, documents = read_file(path, corpus, lambda warning: None)
        read = clock()
        cut = [(document.prose, passage_spans(document)) for document in documents]
        markdown = clock()
        words: list[list[str]] = []
        for prose, passages in cut:
            for start, end, _ in passages:
                found: list[str] = []
                for line in prose[start:end].split("\n"):
                    forms = lines.get(line)
                    if forms is None:
                        forms = lines[line] = []
                        for morpheme in tokenizer.tokenize(line, mode) if line.strip() else ():
                            key = (morpheme.word_id(), morpheme.surface())
                            if key not in decided:
                                form, kept, *_ = analyzer._decide(morpheme)  # mlq's own decision
                                decided[key] = form if kept else None
                            if decided[key] is not None:
                                forms.append(decided[key])
                    found += forms
                words.append(found)
        worded = clock()
        bigrams = [bigram_texts(prose[start:end]) for prose, passages in cut for start, end, _ in passages]
        bigrammed = clock()
        for terms in words + bigrams:
            Counter(terms)
        counted = clock()
        for document in documents:
            zlib.compress(document.text.encode("utf-8"))
        steps["read"] += read - started
        steps["Markdown and passages"] += markdown - read
        steps["words"] += worded - markdown
        steps["bigrams"] += bigrammed - worded
        steps["counted"] += counted - bigrammed
        steps["texts compressed"] += clock() - counted
    return steps


def build_floor(mlq: str, corpus: Path, scratch: Path, runs: int) -> dict:
    from mlq import load_corpus

    texts = [document.text for document in load_corpus(corpus)]
    env = mlq_env(scratch / "cache-build")
    # Untimed, once: the first pass also pages Sudachi's dictionary in, which made the first
    # round's raw tokenizing up to 40% slower than the rest (and every ratio to it larger).
    _tokenize_all(texts)
    rounds: list[dict] = []
    for _ in range(runs):
        rounds.append(
            {
                "raw": _tokenize_all(texts),
                "read_each": _tokenize_all(texts, read_each=True),
                "least": least_indexer(corpus),
                "mlq": wall([mlq, "index", "--rebuild", "--jobs", "1", "--corpus", str(corpus)], env),
            }
        )
    steps = {name: statistics.median(r["least"][name] for r in rounds) for name in rounds[0]["least"]}
    return {
        "characters": sum(map(len, texts)),
        "raw": statistics.median(r["raw"] for r in rounds),
        "read_each": statistics.median(r["read_each"] for r in rounds),
        "least_steps": steps,
        "least": statistics.median(sum(r["least"].values()) for r in rounds),
        "mlq": statistics.median(r["mlq"] for r in rounds),
        "runs": runs,
    }


# ---------------------------------------------------------------------------------------------
# Cold search

_STAT_EACH = "import os, sys\nfor path in open(sys.argv[1], encoding='utf-8').read().split('\\0'):\n    os.stat(path)\n"
_DICTIONARY = "from sudachipy import Dictionary\nDictionary(dict='core')\n"


def recorded_paths(corpus: Path) -> tuple[list[str], int]:
    """Every file and folder the cached index of ``corpus`` recorded, as a search stats them,
    and the index's number of passages."""
    from mlq.cache import entry_dir, load, read_listing
    from mlq.corpus import FileTable
    from mlq.index import IndexSettings

    settings = IndexSettings()
    entry = entry_dir(corpus, selection=settings.selection)
    index, manifest = load(entry, settings)
    prefix = str(corpus) + os.sep
    folders = read_listing(entry, manifest).get("folders") or {}
    files = FileTable.of(manifest.files).paths
    return [*(prefix + folder if folder else str(corpus) for folder in folders), *(prefix + path for path in files)], len(index.passages)


def search_floor(mlq: str, corpus: Path, scratch: Path, runs: int) -> dict:
    env = mlq_env(scratch / "cache-search")
    os.environ["MLQ_CACHE_DIR"] = env["MLQ_CACHE_DIR"]  # for reading the record in this process
    started = time.perf_counter()
    subprocess.run([mlq, "index", "--corpus", str(corpus)], env=env, check=True, capture_output=True)
    build = time.perf_counter() - started
    from mlq.cache import PLAIN_MAX_PASSAGES

    paths, passages = recorded_paths(corpus)
    listed = scratch / "paths"
    listed.write_text("\0".join(paths), encoding="utf-8")
    python = sys.executable
    commands = {
        "bundled_search": [mlq, "search", QUERY],
        "large_search": [mlq, "search", CORPUS_QUERY, "--corpus", str(corpus)],
    }
    costs = {
        "python": [python, "-c", "pass"],
        "dictionary": [python, "-c", _DICTIONARY],
        "numpy": [python, "-c", "import numpy"],
        "stats": [python, "-c", _STAT_EACH, str(listed)],
    }
    for command in commands.values():
        wall(command, env)  # its modules compiled, its cache read once
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in costs}
    for _ in range(runs):
        for name, command in commands.items():
            walls[name].append(wall(command, env))
        for name, command in costs.items():
            cpu[name].append(run_measured(command, env).cpu)
    median = {name: statistics.median(taken) for name, taken in {**walls, **cpu}.items()}
    # Python's start counted once: in the process that loads the dictionary.
    numpy = max(0.0, median["numpy"] - median["python"]) if passages > PLAIN_MAX_PASSAGES else 0.0
    unavoidable = median["dictionary"] + numpy + max(0.0, median["stats"] - median["python"])
    cores = len(os.sched_getaffinity(0))
    return {
        "paths": len(paths),
        "passages": passages,
        "numpy_needed": numpy,
        "build_seconds": build,
        **median,
        "unavoidable_cpu": unavoidable,
        "cores": cores,
        "floor_seconds": max(median["dictionary"], unavoidable / cores),
        "runs": runs,
    }


def print_report(build: dict, searches: list[tuple[str, dict]]) -> None:
    raw = build["raw"]
    print(f"build: {build['characters']:,} characters of mdn-ja, one process (medians of {build['runs']} rounds, alternated)")
    print(f"  raw Sudachi tokenization               {raw:6.2f} s")
    print(f"  the same, each morpheme read           {build['read_each']:6.2f} s = {build['read_each'] / raw:.2f}× the tokenizing")
    print(f"  the least an index of the passages' words and bigrams needs: {build['least']:.2f} s = {raw / build['least']:.2f}× Sudachi's speed")
    for name, seconds in build["least_steps"].items():
        print(f"    {name:<36} {seconds:6.2f} s")
    print(f"  mlq index --rebuild --jobs 1           {build['mlq']:6.2f} s = {raw / build['mlq']:.2f}× Sudachi's speed (target ≥ 0.6×)")
    for label, s in searches:
        bundled = s["bundled_search"]
        print()
        print(f"cold search of {label} ({s['passages']:,} passages, {s['paths']:,} files and folders recorded; medians of {s['runs']}, alternated)")
        print(f"  mlq search, bundled essays (wall)      {bundled:.3f} s")
        print(f"  mlq search '{CORPUS_QUERY}' here (wall)      {s['large_search']:.3f} s = {s['large_search'] / bundled:.2f}× the bundled essays'")
        print("  CPU that no search of it can skip:")
        print(f"    Python with Sudachi's dictionary     {s['dictionary']:.3f} s")
        if s["numpy_needed"]:
            print(f"    importing numpy                      {s['numpy_needed']:.3f} s")
        print(f"    one stat a file and folder           {max(0.0, s['stats'] - s['python']):.3f} s")
        print(
            f"  on {s['cores']} cores, shared perfectly: at least {s['floor_seconds']:.3f} s"
            f" = {s['floor_seconds'] / bundled:.2f}× the bundled essays' search (mlq's own imports, reading its index and the search itself not counted)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds of each measurement")
    parser.add_argument("--large", action="store_true", help="also the 78,084 files of bench/speed.py (some minutes more)")
    args = parser.parse_args()
    if not (CORPORA / "mdn-ja").is_dir() or not (CORPORA / "baldanders").is_dir():
        print(f"skipped: no corpora at {CORPORA}", file=sys.stderr)
        return
    mlq = mlq_command()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        corpus = scratch / "corpus"
        grow(corpus, 0)
        build = build_floor(mlq, corpus, scratch, args.runs)
        searches = []
        grow(corpus, 1)
        searches.append(("mdn-ja and baldanders", search_floor(mlq, corpus, scratch, args.runs)))
        if args.large:
            grow(corpus, 2)
            searches.append(("them and eight copies", search_floor(mlq, corpus, scratch, args.runs)))
    print_report(build, searches)


if __name__ == "__main__":
    main()
