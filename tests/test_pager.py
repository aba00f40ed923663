"""Output taller than the terminal goes through a pager, as git's does; never in a pipe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_mlq
from terminal import run


@pytest.fixture(autouse=True)
def _indexed(bundled_indexed: Path) -> None:
    """The bundled essays are indexed already: these tests are about what mlq prints."""

LONG = ("show", "landing-an-ml-job")  # some 300 rows on 80 columns
LAST_WORDS = "解説してみたいと思います。"  # its last words
# Most passages of the essays, some 100 KB: more than a pipe holds (64 KB), so that the pager
# must read before mlq has written it all.
LONGER = ("search", "機械学習", "インターン", "研究", "面接", "エンジニア", "チーム", "-n", "500", "--per-doc", "500", "--sort", "doc")
LONGER_LAST_WORDS = "msr-internship-2024#22"  # the last hit's header


def test_long_output_on_a_terminal_goes_through_the_pager_styled(tmp_path: Path) -> None:
    recorded = tmp_path / "paged.txt"
    screen = run(*LONG, columns=80, rows=24, env={"MLQ_PAGER": f"cat > '{recorded}'"})
    assert screen.status == 0
    paged = recorded.read_text(encoding="utf-8")
    assert "\x1b[" in paged  # the colours and styles of the terminal, kept
    plain = re.sub(r"\x1b\[[0-9;]*m", "", paged).splitlines()
    assert plain[0] == "機械学習の仕事に就く — 技術採用担当者が語る秘訣" and len(plain) > 100
    assert all(len(line) <= 80 for line in plain)  # laid out for the terminal's width
    assert "技術採用担当者" not in "\n".join(screen.lines)  # all of it went to the pager


def test_no_pager_short_output_and_pipes_bypass_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = tmp_path / "paged.txt"
    env = {"MLQ_PAGER": f"cat > '{recorded}'"}
    screen = run(*LONG, "--no-pager", columns=80, rows=24, env=env)
    assert screen.status == 0 and not recorded.exists()
    short = run("list", columns=80, rows=24, env=env)  # fits the screen
    assert short.status == 0 and not recorded.exists() and "landing-an-ml-job" in "\n".join(short.lines)
    monkeypatch.setenv("MLQ_PAGER", env["MLQ_PAGER"])
    piped = run_mlq(*LONG)  # stdout is a pipe
    assert piped.returncode == 0 and piped.stdout.startswith("機械学習の仕事に就く")
    assert not recorded.exists()


@pytest.mark.parametrize("command", [LONG, LONGER], ids=["one", "more-than-a-pipe-holds"])
@pytest.mark.parametrize("pager", ["head -n 3 > /dev/null", "true"])
def test_quitting_the_pager_early_is_a_quiet_end(tmp_path: Path, command: tuple[str, ...], pager: str) -> None:
    screen = run(*command, columns=80, rows=24, env={"MLQ_PAGER": pager})
    assert screen.status == 0
    assert not any("rror" in row or "Traceback" in row or "pipe" in row.lower() for row in screen.lines), screen.lines


@pytest.mark.parametrize("command, last_words", [(LONG, LAST_WORDS), (LONGER, LONGER_LAST_WORDS)], ids=["one", "more-than-a-pipe-holds"])
def test_a_pager_that_cannot_be_run_loses_no_output(command: tuple[str, ...], last_words: str) -> None:
    screen = run(*command, columns=80, rows=24, env={"MLQ_PAGER": "/no/such/pager"})
    assert screen.status == 0
    assert last_words in "".join(screen.lines)  # below the shell's complaint (scrolled away), the document
