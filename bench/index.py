"""The on-disk index at scale: full builds, incremental rebuilds, cached searches, size on disk.

On a copy of a large real corpus (default: ../shared/corpora/mdn-ja, 6,556 Markdown files;
skipped cleanly when absent), with the installed `mlq` run as a user would run it, one run
reports:

* a full build with ``--jobs 1`` and with every core: the parallel speed-up is their ratio;
* a rebuild after editing one file, and after touching one (new time, same content), each as a
  share of the full build with every core;
* load-and-search: `mlq search` on the cached index, against the same search on the bundled
  five essays measured in the same run;
* the index's size on disk against the corpus's;
* the peak memory of the full build with every core: of its largest process, and of all of them
  together as proportional set sizes (the dictionary the workers share counted once);
* its CPU time: of the building process itself (reading its workers' results and putting the
  index together) and of its workers.

    python bench/index.py [--corpus DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installed import alternated, mlq_command, mlq_env, wall, written_by
from processes import run_measured

from mlq.cache import entry_dir, lock

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "mdn-ja"
QUERY = "非同期 関数"



def size(path: Path) -> int:
    seen = {}
    for p in path.rglob("*"):
        if p.is_file():
            stat = p.stat()
            seen[(stat.st_dev, stat.st_ino)] = stat.st_size
    return sum(seen.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=9, help="runs of each search (median, alternated)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus}", file=sys.stderr)
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch, args.corpus.name)
        shutil.copytree(args.corpus, corpus)
        files = [p for p in corpus.rglob("*") if p.is_file() and p.suffix in (".md", ".txt")]
        env = mlq_env(Path(scratch, "cache"))
        on = ["--corpus", str(corpus)]

        mlq = mlq_command()
        one_job = wall([mlq, "index", "--rebuild", "--jobs", "1", *on], env)
        build = run_measured([mlq_command(), "index", "--rebuild", "--jobs", str(cores), *on], env)
        all_jobs, largest_rss, tree_pss = build.seconds, build.largest_mb, build.peak_mb
        own_cpu, workers_cpu = build.own_cpu, build.cpu - build.own_cpu

        edited = files[len(files) // 2]
        with open(edited, "a", encoding="utf-8") as out:
            out.write("\n\n追記: インクリメンタルな再構築の計測。\n")
        entry = entry_dir(corpus.resolve(), Path(scratch, "cache"))
        after_edit, written, whole = written_by(entry, lambda: wall([mlq, "index", *on], env))
        os.utime(files[len(files) // 3])
        after_touch = wall([mlq, "index", *on], env)
        # The edit left segments, which a process of the command's own merges once it has
        # answered (see mlq.cache.merge_later): the searches below are timed once it is done.
        started = time.perf_counter()
        with lock(entry):
            merge_wait = time.perf_counter() - started

        searches = [[mlq, "search", QUERY, *on], [mlq, "search", QUERY]]
        for search in searches:  # once first: the bundled essays' first search indexes them
            wall(search, env)
        search_large, search_small = alternated(searches, env, args.runs)
        summary = subprocess.run(
            [mlq_command(), "index", *on], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        corpus_bytes = sum(p.stat().st_size for p in files)
        index_bytes = size(entry_dir(corpus.resolve(), Path(scratch, "cache")))

    print(f"corpus: {args.corpus.name}, {len(files)} files, {corpus_bytes / 1e6:.1f} MB; {cores} cores")
    print(f"index:  {summary.split(';')[0]}")
    print("wall seconds of the installed mlq:")
    print(f"  {one_job:7.2f}  full build, --jobs 1")
    print(f"  {all_jobs:7.2f}  full build, --jobs {cores}   → {one_job / all_jobs:.2f}× faster than one job")
    print(f"           peak memory: {largest_rss:.0f} MB the largest process, {tree_pss:.0f} MB all of them (PSS)")
    print(f"           CPU: {own_cpu:.1f} s the building process itself, {workers_cpu:.1f} s its workers")
    print(f"  {after_edit:7.2f}  rebuild after editing one file   → {after_edit / all_jobs:.1%} of a full build,"
          f" writing {written / 1e6:.2f} MB = {written / whole:.1%} of the index")
    print(f"  {after_touch:7.2f}  rebuild after touching one file  → {after_touch / all_jobs:.1%} of a full build")
    print(f"  {merge_wait:7.2f}  waited then for the edit's segments to be merged, after the command answered")
    print(f"  {search_large:7.2f}  mlq search '{QUERY}' on this index (median of {args.runs}, alternated)")
    print(f"  {search_small:7.2f}  the same search on the bundled five essays → {search_large / search_small:.2f}×")
    print(f"size on disk: index {index_bytes / 1e6:.1f} MB for {corpus_bytes / 1e6:.1f} MB of corpus"
          f" ({index_bytes / corpus_bytes:.1f}×)")


if __name__ == "__main__":
    main()
