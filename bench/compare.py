"""Paired comparison of two runs of bench/relevance.py: per-query reciprocal ranks (``--per-query``).

    python bench/relevance.py DIR --per-query before.tsv --config before.toml
    python bench/relevance.py DIR --per-query after.tsv
    python bench/compare.py before.tsv after.tsv [--column mlq]

Prints the mean reciprocal rank (at 10) of each, how many queries got better, worse or stayed
the same, and a two-sided paired randomization test (10,000 random sign flips of the per-query
differences, fixed seed): the chance of a mean difference this large if the two were the same.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np


def read_column(path: Path, column: int) -> dict[str, float]:
    with path.open(encoding="utf-8") as lines:
        rows = list(csv.reader(lines, delimiter="\t"))
    return {row[0]: float(row[column]) for row in rows[1:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--column", type=int, default=1, help="which system column (1: mlq)")
    args = parser.parse_args()
    before, after = read_column(args.before, args.column), read_column(args.after, args.column)
    ids = sorted(before.keys() & after.keys())
    a = np.array([before[i] for i in ids])
    b = np.array([after[i] for i in ids])
    differences = b - a
    rng = np.random.default_rng(0)
    flips = rng.choice([-1.0, 1.0], size=(10_000, len(ids)))
    observed = abs(differences.mean())
    p_value = (np.abs((flips * differences).mean(axis=1)) >= observed - 1e-12).mean()
    print(f"queries: {len(ids)}")
    print(f"MRR@10: {a.mean():.4f} → {b.mean():.4f} ({differences.mean():+.4f})")
    print(f"better {int((differences > 0).sum())}, worse {int((differences < 0).sum())}, same {int((differences == 0).sum())}")
    print(f"paired randomization test: p = {p_value:.4f}")


if __name__ == "__main__":
    main()
