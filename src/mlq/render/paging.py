"""A pager for terminal output taller than the screen, as git does it.

The command is ``$MLQ_PAGER``, else ``$PAGER``, else ``less -FRX`` (raw colours, quit at once if
it fits, leave the text on the screen), run by the shell; an empty one, or ``cat``, means none.
``LESS`` defaults to ``FRX`` for a ``less`` named by ``$PAGER``, as git sets it. The output is
rendered first, styled for the real terminal's width, so the pager shows the very layout mlq
would have printed. Quitting the pager early is a quiet end, not a broken pipe.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

from .._lazy import ImportedOnFirstUse

# Only a terminal's output is paged (see mlq._lazy).
shutil = ImportedOnFirstUse("shutil")
subprocess = ImportedOnFirstUse("subprocess")

DEFAULT = "less -FRX"


def command() -> str | None:
    """The pager to use, or None for none."""
    for name in ("MLQ_PAGER", "PAGER"):
        if name in os.environ:
            chosen = os.environ[name].strip()
            return None if chosen in ("", "cat") else chosen
    return DEFAULT if shutil.which("less") else None


def page(text: str, height: int, pager: str | None) -> None:
    """Print ``text`` (rendered, with its escape codes) to stdout, through ``pager`` when it is
    taller than ``height`` lines."""
    if pager is None or text.count("\n") < height:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX"), "LV": os.environ.get("LV", "-c")}
    # Ctrl-C in the pager is the pager's: mlq waits for it, as git does. A pager that quits (or
    # never starts) before reading it all is a broken pipe to write to, not a signal that ends
    # mlq (mlq's own is SIGPIPE's default: see mlq.cli.main), with more than a pipe's 64 KB.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_pipe = signal.signal(signal.SIGPIPE, signal.SIG_IGN) if hasattr(signal, "SIGPIPE") else None
    try:
        process = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
        assert process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # the reader quit before the end
            try:
                process.stdin.write(text.encode("utf-8"))
            finally:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
        process.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
        if previous_pipe is not None:
            signal.signal(signal.SIGPIPE, previous_pipe)
    if process.returncode in (126, 127):  # the shell could not run it (not found, not executable)
        sys.stdout.write(text)  # shown without a pager rather than lost, below the shell's message
        sys.stdout.flush()
