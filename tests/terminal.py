"""The installed mlq on a real pseudo-terminal, and its screen as a person sees it (pyte)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pyte

from conftest import mlq_command


@dataclass
class Run:
    """A finished (or stopped) run: its exit status, its raw output, and the screen."""

    status: int | None
    output: bytes
    screen: pyte.Screen

    @property
    def lines(self) -> list[str]:
        """The screen's rows, trailing blanks cut, empty rows at the end dropped."""
        rows = [row.rstrip() for row in self.screen.display]
        while rows and not rows[-1]:
            rows.pop()
        return rows


class Terminal:
    """``mlq ARGS`` started on a pseudo-terminal of ``columns`` × ``rows``, in its own session
    with the terminal as its controlling one: Ctrl-C typed (:meth:`interrupt`) reaches its
    whole process group, as in a shell."""

    def __init__(self, *args: str, columns: int = 80, rows: int = 24, env: dict[str, str] | None = None, cwd: Path | None = None):
        self.columns, self.rows = columns, rows
        environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        environment.update({"TERM": "xterm-256color", "PYTHONIOENCODING": "utf-8", **(env or {})})
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the terminal's size, then mlq
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
                if cwd is not None:
                    os.chdir(cwd)
                os.execve(mlq_command(), [mlq_command(), *args], environment)
            finally:
                os._exit(127)
        self.output = b""
        self.status: int | None = None

    def read(self, seconds: float) -> None:
        """Collect output for ``seconds`` (less if the terminal closes)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.02)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.output += chunk

    def read_until(self, test, timeout: float = 60) -> bool:  # test: Callable[[bytes], bool]
        end = time.monotonic() + timeout
        while time.monotonic() < end and not test(self.output):
            if self.exited():
                return test(self.output)
            self.read(0.02)
        return test(self.output)

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def interrupt(self) -> None:
        """Ctrl-C, as typed: the terminal sends SIGINT to the foreground process group."""
        self.type(b"\x03")

    def terminate(self) -> None:
        os.kill(self.pid, signal.SIGTERM)

    def exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def wait(self, timeout: float = 60) -> float:
        """Seconds until mlq exits (reading its output meanwhile); fails past ``timeout``."""
        start = time.monotonic()
        while not self.exited():
            if time.monotonic() - start > timeout:
                os.kill(self.pid, signal.SIGKILL)
                raise AssertionError(f"mlq did not exit within {timeout} s")
            self.read(0.01)
        took = time.monotonic() - start
        self.read(0.1)
        return took

    def finish(self, timeout: float = 60) -> Run:
        self.wait(timeout)
        os.close(self.fd)
        return Run(self.status, self.output, render(self.output, self.columns, self.rows))

    def group_left(self) -> list[int]:
        """Processes still in mlq's process group (its workers, had they outlived it)."""
        left = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                fields = stat.rsplit(")", 1)[1].split()
                if int(fields[2]) == self.pid and fields[0] != "Z":  # pgrp; zombies are gone already
                    left.append(int(entry))
        return left


def render(output: bytes, columns: int, rows: int) -> pyte.Screen:
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    stream.feed(output)
    return screen


def run(*args: str, columns: int = 80, rows: int = 1000, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """``mlq ARGS`` to the end on a terminal of ``columns`` × ``rows`` (tall by default: every
    line of the output stays on the screen)."""
    return Terminal(*args, columns=columns, rows=rows, env=env, cwd=cwd).finish()
