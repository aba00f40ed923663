"""Paired comparison of runs of bench/relevance.py, from their per-query files (``--per-query``).

    python bench/relevance.py DIR --per-query before.tsv --config before.toml
    python bench/relevance.py DIR --per-query after.tsv
    python bench/compare.py before.tsv after.tsv [--column 1]   # one system, two runs
    python bench/compare.py run.tsv                             # mlq against each baseline of a run

For each of MRR@10 and nDCG@10: the means, how many queries got better, worse or stayed the
same, and a two-sided paired randomization test (10,000 random sign flips of the per-query
differences, fixed seed): the chance of a mean difference this large if the two were the same.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

METRICS = ("MRR@10", "nDCG@10")


def read_run(path: Path) -> tuple[list[str], dict[str, dict[str, dict[str, float]]]]:
    """The systems of a per-query file, in order, and ``values[metric][system][query]``."""
    with path.open(encoding="utf-8") as lines:
        header, *rows = list(csv.reader(lines, delimiter="\t"))
    systems: list[str] = []
    values: dict[str, dict[str, dict[str, float]]] = {metric: {} for metric in METRICS}
    for column, name in enumerate(header[1:], 1):
        metric, _, system = name.partition(": ") if name.startswith(METRICS) else ("MRR@10", "", name)
        if system not in systems:
            systems.append(system)
        values[metric][system] = {row[0]: float(row[column]) for row in rows}
    return systems, values


def paired(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int, float]:
    """Better, worse, same, and the two-sided p of the mean difference ``b - a``."""
    differences = b - a
    flips = np.random.default_rng(0).choice([-1.0, 1.0], size=(10_000, len(differences)))
    observed = abs(differences.mean())
    p_value = float((np.abs((flips * differences).mean(axis=1)) >= observed - 1e-12).mean())
    return int((differences > 0).sum()), int((differences < 0).sum()), int((differences == 0).sum()), p_value


def report(label: str, before: dict[str, float], after: dict[str, float]) -> None:
    ids = sorted(before.keys() & after.keys())
    a, b = np.array([before[i] for i in ids]), np.array([after[i] for i in ids])
    better, worse, same, p_value = paired(a, b)
    print(f"{label}: {a.mean():.4f} → {b.mean():.4f} ({b.mean() - a.mean():+.4f}); "
          f"better {better}, worse {worse}, same {same}; paired randomization test p = {p_value:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path, nargs="?", help="a second run (else: mlq against each baseline of the first)")
    parser.add_argument("--column", type=int, default=1, help="which system of two runs (1: mlq)")
    args = parser.parse_args()
    systems, values = read_run(args.before)
    if args.after is None:
        mlq, *others = systems
        print(f"queries: {len(values['MRR@10'][mlq])}")
        for other in others:
            for metric in METRICS:
                if other in values[metric] and mlq in values[metric]:
                    report(f"{metric}, {other} → {mlq}", values[metric][other], values[metric][mlq])
        return
    after_systems, after = read_run(args.after)
    system, after_system = systems[args.column - 1], after_systems[args.column - 1]
    print(f"queries: {len(values['MRR@10'][system].keys() & after['MRR@10'][after_system].keys())}")
    for metric in METRICS:
        if system in values[metric] and after_system in after[metric]:
            report(metric, values[metric][system], after[metric][after_system])


if __name__ == "__main__":
    main()
