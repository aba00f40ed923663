"""Shared fixtures. No test touches the user's real cache: MLQ_CACHE_DIR points into tmp_path."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlq import Analyzer, bundled_corpus, load_corpus, open_corpus

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("MLQ_CACHE_DIR", str(path))
    monkeypatch.delenv("MLQ_CORPUS", raising=False)
    # No pager unless a test asks for one: a `less` waiting for keys on a test's terminal
    # would wait for ever.
    monkeypatch.setenv("MLQ_PAGER", "")
    return path


@pytest.fixture(scope="session")
def _bundled_entry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled essays' cache entry, built once for the whole run."""
    cache = tmp_path_factory.mktemp("bundled-cache")
    saved = os.environ.get("MLQ_CACHE_DIR")
    os.environ["MLQ_CACHE_DIR"] = str(cache)
    try:
        open_corpus()
    finally:
        os.environ["MLQ_CACHE_DIR"] = saved or ""
    (entry,) = cache.iterdir()
    return entry


@pytest.fixture()
def bundled_indexed(cache_dir: Path, _bundled_entry: Path) -> Path:
    """This test's cache holds the bundled essays' index already (a copy): for the many tests
    of what mlq prints, which need not each index the essays again."""
    shutil.copytree(_bundled_entry, cache_dir / _bundled_entry.name)
    return cache_dir


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """A private copy of the bundled essays that a test may change."""
    target = tmp_path / "essays"
    shutil.copytree(bundled_corpus(), target)
    return target


def write(path: Path, data: str | bytes) -> Path:
    """A file of a test's corpus, with its folders (text as UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def mlq_command() -> str:
    """The installed ``mlq`` script of the Python running the tests."""
    script = Path(sys.executable).parent / "mlq"
    found = str(script) if script.exists() else shutil.which("mlq")
    if not found:
        pytest.fail("the mlq command is not installed; run: pip install '.[test]'")
    return found


def run_mlq(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``mlq`` for real, with the test's environment (and so its cache)."""
    return subprocess.run(
        [mlq_command(), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )


def shell(pipeline: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a shell pipeline in which `mlq` is the installed command."""
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline.replace("mlq ", f"'{mlq_command()}' ")],
        cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )


def on_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """Output of `mlq ARGS` with stdout (and stderr) on a pseudo-terminal."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [mlq_command(), *args], stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm-256color", **(env or {})},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode("utf-8")


def aged(root: Path, seconds: int = 60) -> Path:
    """``root``'s files, their times put ``seconds`` back: a corpus as people's notes are, older
    than any clock's tick, whose recorded times a check trusts. A file written the moment
    before it is indexed is hashed again by the next check (see mlq.freshness.as_recorded),
    which records it anew: a test of what a search writes would see that."""
    past = time.time_ns() - seconds * 1_000_000_000
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(past, past))
    return root


def split_essays(target: Path, pieces: int = 60) -> Path:
    """A corpus of ``pieces`` files cut from the bundled essays' paragraphs, in subfolders:
    enough files for worker processes and for builds that take a moment."""
    paragraphs = [
        paragraph
        for document in load_corpus(bundled_corpus())
        for paragraph in document.body.split("\n\n")
        if paragraph.strip()
    ]
    per_file = -(-len(paragraphs) // pieces)
    for i in range(pieces):
        chunk = paragraphs[i * per_file : (i + 1) * per_file]
        path = target / f"part{i % 6}" / f"essay-{i:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: 断片 {i}\n---\n" + "\n\n".join(chunk) + "\n", encoding="utf-8")
    return target


@pytest.fixture()
def many_files(tmp_path: Path) -> Path:
    return split_essays(tmp_path / "many")
