"""A cold search with the freshness check's stats shared with a forked process, or not.

A search of an unchanged corpus stats every file and folder the index recorded; from
``mlq.corpus.STAT_SHARED_FROM`` paths on, a forked process stats half of them. This runs
`mlq search` on a cached index both ways, alternated (the other way by patching the threshold
out in the same installed mlq), and the same search of the bundled essays beside them:

    python bench/stats.py [--corpus DIR] [--runs N]

The default corpus is ../shared/corpora/mdn-ja (skipped cleanly when absent); for the 78,084-file
corpus of bench/speed.py, build it with that script's ``grow`` and pass it with ``--corpus``
(and ``--cache``, a cache that has its index, to save indexing it again).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from installed import alternated, mlq_command, mlq_env

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "mdn-ja"
QUERY = "非同期 関数"
# The installed mlq's command, with the threshold set first.
PATCHED = "import sys; from mlq import corpus; corpus.STAT_SHARED_FROM = {}; from mlq.cli import main; sys.argv[0] = 'mlq'; main()"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--cache", type=Path, help="an MLQ_CACHE_DIR that holds the corpus's index already (default: a new one)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus}", file=sys.stderr)
        return
    python = str(Path(mlq_command()).parent / "python")
    with tempfile.TemporaryDirectory() as scratch:
        env = mlq_env(args.cache or Path(scratch, "cache"))
        subprocess.run([mlq_command(), "index", "--corpus", str(args.corpus)], env=env, check=True, capture_output=True)
        subprocess.run([mlq_command(), "search", QUERY], env=env, check=True, capture_output=True)
        search = ["search", QUERY, "--corpus", str(args.corpus)]
        commands = [[python, "-c", PATCHED.format(10**12), *search], [mlq_command(), *search], [mlq_command(), "search", QUERY]]
        one_s, shared_s, bundled_s = alternated(commands, env, args.runs)
    print(f"mlq search '{QUERY}' on {args.corpus} (cached index, medians of {args.runs}, alternated)")
    print(f"  stats in one process           {one_s:.3f} s = {one_s / bundled_s:.2f}× the bundled essays")
    print(f"  stats shared with a fork       {shared_s:.3f} s = {shared_s / bundled_s:.2f}×")
    print(f"  the bundled essays             {bundled_s:.3f} s")


if __name__ == "__main__":
    main()
