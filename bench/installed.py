"""The installed `mlq`, as the benchmarks run it: the command, and its environment."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


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
