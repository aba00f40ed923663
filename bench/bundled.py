"""Speed on the bundled essays, as a user feels it: the installed `mlq` run as a process.

Measures, each as the median of several runs:

* ``mlq index --rebuild``: analysing and indexing the corpus from scratch;
* ``mlq search "インターン 面接"`` on a fresh cache: starting up, loading the index, searching;
* ``python -c "import numpy, sudachipy"``: the baseline, measured in the same run — the cost of
  starting Python with the two libraries every mlq run needs, which no search can go below.

The figure to watch is the ratio of a cached search to that baseline.

    python bench/bundled.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def mlq_command() -> str:
    script = Path(sys.executable).parent / "mlq"
    return str(script) if script.exists() else (shutil.which("mlq") or sys.exit("mlq is not installed"))


def wall(command: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall seconds of ``command`` over ``runs`` runs; fails loudly if it fails."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    mlq = mlq_command()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "MLQ_CACHE_DIR": cache}
        summary = subprocess.run([mlq, "index", "--rebuild"], env=env, check=True, capture_output=True, text=True)
        build = wall([mlq, "index", "--rebuild"], env, args.runs)
        search = wall([mlq, "search", "インターン 面接"], env, args.runs)
        baseline = wall([sys.executable, "-c", "import numpy, sudachipy"], env, args.runs)
    print(f"corpus: bundled essays — {summary.stdout.strip()}")
    print(f"median wall seconds of {args.runs} runs:")
    print(f"  {build:6.3f}  mlq index --rebuild")
    print(f"  {search:6.3f}  mlq search 'インターン 面接' (cached index)")
    print(f"  {baseline:6.3f}  baseline: python -c 'import numpy, sudachipy'")
    print(f"cached search / baseline: {search / baseline:.2f}×")


if __name__ == "__main__":
    main()
