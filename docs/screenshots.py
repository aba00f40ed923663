"""The README's pictures of mlq on a terminal, made by mlq's own terminal printer.

    python docs/screenshots.py            # writes docs/search.svg and docs/show.svg
    python docs/screenshots.py --check    # fails if they differ from what mlq prints now

Each is the very output `mlq search` / `mlq show` gives on a 100-column terminal over the
bundled essays, recorded by rich and exported as SVG; only the folder of the essays, which
depends on the machine, is shown as ``…/corpus``.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import sys
from pathlib import Path

from rich.console import Console

import mlq
from mlq.render.terminal import TerminalPrinter

HERE = Path(__file__).resolve().parent
WIDTH = 100
PICTURES = {
    "search.svg": ("mlq search ビザ 面接 -n 2", lambda s, p: p.hits(s.search("ビザ 面接", limit=2), "ビザ 面接")),
    "show.svg": ("mlq show msr#4", lambda s, p: p.document(*_passage_of(s, "msr#4"))),
}


def _passage_of(searcher: mlq.Searcher, ref: str):
    document, number = searcher.resolve(ref)
    passages = searcher.passages(document)
    # The essays' folder depends on the machine (and its length on how the line folds).
    shown = dataclasses.replace(document, path=f"…/corpus/{Path(document.path).name}")
    return shown, passages, searcher.passage(document, number)


def pictures() -> dict[str, str]:
    """Each picture's file name and SVG text."""
    searcher = mlq.open_corpus()
    made = {}
    for name, (title, draw) in PICTURES.items():
        console = Console(record=True, width=WIDTH, force_terminal=True, color_system="truecolor", highlight=False, file=io.StringIO())
        printer = TerminalPrinter(console=console)
        draw(searcher, printer)
        svg = printer.console.export_svg(title=title)
        made[name] = svg
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the pictures in docs/")
    args = parser.parse_args()
    stale = []
    for name, svg in pictures().items():
        path = HERE / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != svg:
                stale.append(name)
        else:
            path.write_text(svg, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run python docs/screenshots.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
