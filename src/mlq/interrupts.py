"""How mlq stops on Ctrl-C and SIGTERM: at once, quietly, and without damage.

Ctrl-C raises ``KeyboardInterrupt`` in the main thread, as Python does; :func:`on_signals`
makes SIGTERM raise :class:`Terminated` the same way, so both unwind through the same
``finally`` blocks: the worker pool is ended, a half-written build is removed, the progress bar
is put away, and the live index is left as it was. The command line turns either into one line,
``mlq: interrupted``, and exit status 130 or 143, as a shell reports them. Each signal is noted
as well: an exception raised where Python only prints it (a finalizer that the garbage
collector runs) is lost, and :func:`check`, called as each file is done, raises it again.

:func:`held` keeps both signals waiting (not lost) over the few steps that must not be cut in
the middle: forking workers, starting or redrawing the progress bar.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

SIGNALS = {signal.SIGINT, signal.SIGTERM}


class Terminated(BaseException):
    """SIGTERM, raised where the main thread is, like Ctrl-C's ``KeyboardInterrupt`` (not an
    ``Exception``: nothing that handles errors may swallow it)."""


#: The signals that came (for the ``mlq`` command's process: see :func:`on_signals`).
_came: list[int] = []


def on_signals() -> None:
    """From now on (for the ``mlq`` command's process), Ctrl-C raises ``KeyboardInterrupt``
    and SIGTERM :class:`Terminated`, each noted for :func:`check`."""

    def handler(signum: int, frame: object) -> None:
        _came.append(signum)
        _raise(signum)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def check() -> None:
    """Raise for a signal that came, if one did: its first exception was lost."""
    if _came:
        _raise(_came[0])


def _raise(signum: int) -> None:
    raise KeyboardInterrupt() if signum == signal.SIGINT else Terminated()


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back while the block runs, then let in. Blocked for this thread
    (and for a process forked inside the block, until it sets its own handlers: see
    :func:`let_in`); and noted, not raised, where the system hands one to another thread of
    the process (a native thread pool's, numpy's: it picks any thread that does not block
    it, and Python raises in the main thread whichever caught it). Where the platform cannot
    hold signals, or in a thread other than the main one, the block simply runs."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[signal.Signals] = []
    handlers = {signum: signal.signal(signum, lambda signum, frame: came.append(signal.Signals(signum))) for signum in SIGNALS}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    for signum in came[:1]:  # let in, to the handler there was
        signal.raise_signal(signum)


def let_in() -> None:
    """Undo :func:`held` in a process forked inside it (a worker, once it has set its handlers)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
