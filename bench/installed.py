"""The installed `mlq`, as the benchmarks run it: the command, and its environment."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")


def mlq_command() -> str:
    """The `mlq` script beside the running Python (its virtualenv's), else the one on PATH."""
    script = Path(sys.executable).parent / "mlq"
    return str(script) if script.exists() else (shutil.which("mlq") or sys.exit("mlq is not installed"))


def mlq_env(cache: str | Path, **extra: str) -> dict[str, str]:
    """This environment with mlq's cache at ``cache``, as pip installs mlq: its modules
    compiled once. (A PYTHONDONTWRITEBYTECODE in the environment, as this sandbox sets, would
    have a source checkout recompile them in every process, which no user's install does.)"""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "MLQ_CACHE_DIR": str(cache), **extra}


def wall(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run of ``command`` (its output thrown away; a failure raises)."""
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def alternated(commands: Sequence[list[str]], env: dict[str, str], runs: int) -> list[float]:
    """The median wall seconds of each of ``commands``, run ``runs`` times taking turns, so
    that the machine's moods fall on all of them alike."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, taken in zip(commands, times):
            taken.append(wall(command, env))
    return [statistics.median(taken) for taken in times]


def written_by(entry: Path, act: Callable[[], T]) -> tuple[T, int, int]:
    """What ``act`` returns, and the bytes of the live build of cache entry ``entry`` after it
    that are new (files that are not the build's before, hard-linked) and all of them."""

    def files() -> list[Path]:
        return [p for p in (entry / (entry / "current").read_text().strip()).rglob("*") if p.is_file()]

    before = {p.stat().st_ino for p in files()}
    done = act()
    after = [(p.stat().st_ino, p.stat().st_size) for p in files()]
    return done, sum(size for inode, size in after if inode not in before), sum(size for _, size in after)
