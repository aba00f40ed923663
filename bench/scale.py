"""A large folder and a large file: files, MB, passages, build seconds and peak memory.

Three corpora are put together from the real ones in ../shared/corpora (skipped cleanly when
they are absent), in a temporary folder:

* *mdn-ja*: the Japanese MDN pages as they are (6,556 files, 33 MB), the baseline for the
  others: peak memory per MB of corpus should stay about the same as the corpus grows;
* *folder*: mdn-ja and baldanders side by side, plus further copies of mdn-ja under other names
  until there are at least 10,000 files and 100 MB;
* *one file*: the baldanders essays concatenated into a single Markdown file of at least 50 MB;
* with ``--large``, *1M passages*: mdn-ja and baldanders and eight hard-linked copies of both
  under other names (78,084 files, 1.05M passages: bench/speed.py's largest corpus), the set
  issue 16 measures build memory on (at most 1.2× mdn-ja's). A build takes some 7 minutes.

Each is indexed by the installed `mlq index --rebuild` (all cores), then searched: once just
after the build, then the median of three more. Peak memory is the largest resident set of the
mlq process or any of its workers (``ru_maxrss`` from ``wait4``), set against the corpus size,
and the peak of all of them together as proportional set sizes (the dictionary the workers
share counted once; sampled every 50 ms, see ``bench/processes.py``), set against mdn-ja's.

    python bench/scale.py [--large]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installed import mlq_command, mlq_env
from processes import run_measured

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"



def measure(corpus: Path, cache: Path, query: str) -> dict[str, object]:
    """Index ``corpus`` in a fresh process and search it; wall seconds and peak memory of each."""
    env = mlq_env(cache)
    build = run_measured([mlq_command(), "index", "--rebuild", "--corpus", str(corpus)], env)
    if build.returncode != 0:
        raise SystemExit(f"mlq index failed on {corpus}")
    summary, build_seconds = build.stdout, build.seconds
    searches = []
    for _ in range(4):
        started = time.perf_counter()
        subprocess.run([mlq_command(), "search", query, "--corpus", str(corpus)], env=env, check=True, capture_output=True)
        searches.append(time.perf_counter() - started)
    files = [p for p in corpus.rglob("*") if p.is_file()]
    return {
        "files": len(files),
        "mb": sum(p.stat().st_size for p in files) / 1e6,
        "summary": summary.strip().split(";")[0],
        "build_seconds": build_seconds,
        "first_search_seconds": searches[0],
        "search_seconds": statistics.median(searches[1:]),
        "peak_mb": build.largest_mb,
        "tree_mb": build.peak_mb,
    }


def folder_corpus(target: Path) -> Path:
    for name in ("mdn-ja", "baldanders"):
        shutil.copytree(CORPORA / name, target / name)
    copy = 2
    while True:
        files = [p for p in target.rglob("*.md")]
        if len(files) >= 10_000 and sum(p.stat().st_size for p in files) >= 100e6:
            return target
        shutil.copytree(CORPORA / "mdn-ja", target / f"mdn-ja-{copy}")
        copy += 1


def one_file_corpus(target: Path) -> Path:
    target.mkdir()
    essays = sorted((CORPORA / "baldanders").rglob("*.md"))
    with open(target / "everything.md", "w", encoding="utf-8") as out:
        written = 0
        while written < 50e6:
            for essay in essays:
                text = essay.read_text(encoding="utf-8")
                written += out.write(f"\n\n# {essay.stem}\n\n{text}")
                if written >= 50e6:
                    break
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also the 1M-passage corpus (78k files, ~7 minutes to build)")
    args = parser.parse_args()
    if not (CORPORA / "mdn-ja").is_dir() or not (CORPORA / "baldanders").is_dir():
        print(f"skipped: no corpora at {CORPORA}", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as scratch:
        rows = [("mdn-ja", measure(CORPORA / "mdn-ja", Path(scratch, "cache0"), "非同期 関数"))]
        rows.append(("folder", measure(folder_corpus(Path(scratch, "folder")), Path(scratch, "cache1"), "非同期 関数")))
        rows.append(("one file", measure(one_file_corpus(Path(scratch, "one")), Path(scratch, "cache2"), "設計")))
        if args.large:
            from speed import grow

            large = Path(scratch, "large")
            grow(large, 1)
            grow(large, 2)
            rows.append(("1M", measure(large, Path(scratch, "cache3"), "非同期 関数")))
    base = rows[0][1]
    for name, row in rows:
        per_mb = row["peak_mb"] / row["mb"]
        print(
            f"{name:8}  {row['files']:6} files  {row['mb']:6.1f} MB  {row['summary']}\n"
            f"          build {row['build_seconds']:6.1f} s ({row['mb'] / row['build_seconds']:.2f} MB/s)   "
            f"search {row['first_search_seconds']:.2f} s just after, {row['search_seconds']:.2f} s then\n"
            f"          peak memory {row['peak_mb']:,.0f} MB = {per_mb:.1f}× the corpus "
            f"({per_mb / (base['peak_mb'] / base['mb']):.2f}× mdn-ja's ratio); all its processes "
            f"{row['tree_mb']:,.0f} MB (PSS) = {row['tree_mb'] / base['tree_mb']:.2f}× mdn-ja's"
        )


if __name__ == "__main__":
    main()
