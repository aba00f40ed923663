"""Ctrl-C and SIGTERM while mlq indexes: a quick, quiet end that leaves the index as it was."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import aged, bundled_corpus, run_mlq
from terminal import Terminal

FILES = 200


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few hundred real Japanese notes, cut from the bundled essays: a build of some seconds
    on two workers."""
    root = tmp_path_factory.mktemp("many-notes")
    texts = [path.read_text(encoding="utf-8") for path in sorted(bundled_corpus().glob("*.md"))]
    for i in range(FILES):
        text = texts[i % len(texts)]
        start = (i * 997) % max(1, len(text) - 3000)
        (root / f"note-{i:03d}.md").write_text(f"# メモ {i}\n\n{text[start : start + 3000]}\n", encoding="utf-8")
    return aged(root)  # so that no search records the files again while the test counts builds


def files_done(output: bytes) -> int:
    """The last count the progress bar showed."""
    counts = re.findall(rb"(\d+)/%d" % FILES, output)
    return int(counts[-1]) if counts else -1


# When the signal comes: as the first files are done (the workers just started), a third of the
# way through, and near the end (the last files, then the writing of the index).
MOMENTS = {
    "first files": lambda output: files_done(output) >= 0,
    "a third in": lambda output: files_done(output) >= FILES // 3,
    "near the end": lambda output: files_done(output) >= FILES * 9 // 10,
}


@pytest.mark.parametrize("signal_name, status", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_stopped_index_build_ends_within_a_second_and_keeps_the_index(notes: Path, cache_dir: Path, signal_name: str, status: int) -> None:
    assert run_mlq("index", "--corpus", str(notes)).returncode == 0  # the previous index: a clean build
    (entry,) = cache_dir.iterdir()
    live = (entry / "current").read_text().strip()
    expected = run_mlq("search", "面接 インターン", "--json", "--corpus", str(notes)).stdout
    assert expected.count("\n") >= 5
    for moment, ready in MOMENTS.items():
        terminal = Terminal("index", "--rebuild", "--jobs", "2", "--corpus", str(notes), columns=80, rows=24)
        assert terminal.read_until(ready), moment
        terminal.interrupt() if signal_name == "SIGINT" else terminal.terminate()
        took = terminal.wait()
        left = terminal.group_left()
        run = terminal.finish()
        assert left == [], (moment, left)  # every worker ended with it
        assert b"Traceback" not in run.output and b"Process ForkPoolWorker" not in run.output, moment
        if run.status == 0 and moment == "near the end":
            # The build outran the signal: the bar showed the last files as the rest took a
            # fraction of a second. Then its index is the new live one, as whole as the old.
            assert (entry / "current").read_text().strip() != live, moment
            live = (entry / "current").read_text().strip()
        else:
            assert run.status == status and took < 1.0, (moment, run.status, took)
            assert [row.strip() for row in run.lines if row.strip() and row.strip() != "^C"] == ["mlq: interrupted"], (moment, run.lines)
            # The previous index stands, whole; nothing half-written is left beside it.
            assert (entry / "current").read_text().strip() == live, moment
        assert sorted(p.name for p in entry.iterdir() if p.name.startswith("build-")) == [live], moment
        assert not any(p.name.startswith(".") for p in entry.iterdir()), moment
        assert run_mlq("index", "--verify", "--corpus", str(notes)).returncode == 0, moment
        assert run_mlq("search", "面接 インターン", "--json", "--corpus", str(notes)).stdout == expected, moment


def test_a_ctrl_c_whose_exception_a_finalizer_swallowed_is_raised_again_by_the_next_check() -> None:
    """Python only prints an exception raised inside a finalizer: a Ctrl-C that lands there
    would be lost, and mlq would go on to the end. mlq notes each signal, and checks as each
    file is done."""
    script = (
        "import gc, os, signal, sys, time\n"
        "from mlq import interrupts\n"
        "interrupts.on_signals()\n"
        "class Held:\n"
        "    def __del__(self):\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        time.sleep(0.1)\n"
        "Held()\n"  # collected at once: the KeyboardInterrupt raised in __del__ is printed, not raised
        "print('went on', flush=True)\n"
        "try:\n"
        "    interrupts.check()\n"
        "except KeyboardInterrupt:\n"
        "    print('raised again', flush=True)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.stdout.splitlines() == ["went on", "raised again"], (run.stdout, run.stderr)
    assert "KeyboardInterrupt" in run.stderr  # what Python did with the first one


def test_ctrl_c_while_mlq_imports_its_command_is_a_quiet_stop_not_a_traceback() -> None:
    # Importing the command (Click, Sudachi, mlq's modules) takes a good part of a cached search:
    # Ctrl-C comes, here, as Click is imported, the moment the entry point imports the CLI. (A
    # signal sent from outside at a chosen delay may land in the script wrapper pip writes,
    # before any of mlq runs: no test of mlq's.)
    code = (
        "import sys\n"
        "class Interrupting:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'click':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupting())\n"
        "sys.argv = ['mlq', 'search', '面接']\n"
        "from mlq.__main__ import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130 and done.stderr == "mlq: interrupted\n", done.stderr


def test_ctrl_c_inside_a_command_says_one_line_in_a_pipe_and_no_empty_one_before_it(tmp_path: Path) -> None:
    # The interrupt comes as the build imports its analysis workers' module, inside the command.
    code = (
        "import sys\n"
        "class Interrupting:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'mlq.ingest':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupting())\n"
        f"sys.argv = ['mlq', 'index', '--rebuild', '--corpus', {str(bundled_corpus())!r}]\n"
        "from mlq.__main__ import main\n"
        "main()\n"
    )
    env = {**os.environ, "MLQ_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 130 and done.stderr == "mlq: interrupted\n", done.stderr
