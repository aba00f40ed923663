"""The ``mlq`` command (and ``python -m mlq``): Ctrl-C while mlq starts is a quiet stop.

Importing the command (Click, Sudachi, numpy's first parts, mlq's modules) takes a good part
of a cached search's run; until :func:`mlq.cli.main` sets its own handlers, a Ctrl-C there
would end in a traceback. Here it ends as it does later: ``mlq: interrupted``, status 130.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("mlq: interrupted\n")
        raise SystemExit(130) from None
    run()


if __name__ == "__main__":
    main()
