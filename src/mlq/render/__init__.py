"""Hits and documents → output, one printer per output format, all over the same data.

Every printer has the same four views — ``hits`` (one query's results), ``document`` (what
`mlq show` prints), ``listing`` (what `mlq list` prints) and ``tokens`` (what `mlq analyze`
prints) — and writes them to stdout:

* :class:`.terminal.TerminalPrinter`: rich styling for a person at a terminal;
* :class:`.plain.PlainPrinter`: stable lines for pipes (``doc_id#N<TAB>score<TAB>title``, then the
  passage on one line);
* :class:`.plain.FilesPrinter`: only the distinct document ids (``-l``);
* :class:`.jsonl.JsonPrinter`: JSON Lines;
* :class:`.tsv.TsvPrinter`: tab-separated columns.
"""

from __future__ import annotations

import bisect
from typing import BinaryIO, Iterable, Sequence

from ..analysis import Token
from ..corpus import Document
from ..errors import MlqError
from ..formats import for_path
from ..passages import Passage
from ..search import Hit

FORMATS = ("text", "json", "tsv", "vimgrep")

#: bold yellow, as the terminal printer's highlight; reset after.
ANSI_HIGHLIGHT, ANSI_RESET = "\x1b[1;33m", "\x1b[0m"


# C0 controls but line feed and tab, DEL, and C1 controls: what a terminal would act on.
_CONTROLS = {code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A, 0x0D)}
_CONTROLS[0x0D] = " "  # a Windows line end's carriage return: nothing to see, and nothing to obey
_CONTROLS.update({0x7F: "\u2421", **{code: "\ufffd" for code in range(0x80, 0xA0)}})
# The bidirectional embeddings, overrides and isolates: a terminal that obeys them shows the rest
# of the line turned round (U+202E, "Trojan Source"). Japanese has no use for them; JSON keeps them.
_CONTROLS.update({code: "\ufffd" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def shown(text: str) -> str:
    """``text`` with control characters (an escape sequence in a document or a query, a
    bidirectional override) as symbols (␛, �), one for one, so that offsets into it still hold
    and the terminal obeys none."""
    return text.translate(_CONTROLS)


#: What breaks a line or a column, as a symbol for it: in a document id (a file's name, a JSON
#: Lines record's id may hold them), which the line formats print as it is otherwise.
_BREAKS = {0x09: "\u2409", 0x0A: "\u2424", 0x0D: "\u240d"}


def shown_id(doc_id: str) -> str:
    """A document id as the line formats print it: on one line, within its column (␤, ␉),
    and its control characters as :func:`shown` shows them."""
    return shown(doc_id.translate(_BREAKS))


def as_read(text: str, spans: Sequence[tuple[int, int]], path: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A passage of the file at ``path`` as a reader sees it: Markdown's link targets, images,
    embeds and HTML tags taken out (:func:`mlq.markdown.readable`), its highlights ``spans``
    moved to match. Other files' text is shown as it is."""
    found = for_path(path).readable(text)
    if found is None:
        return text, tuple(spans)
    read, where = found
    moved = ((bisect.bisect_left(where, start), bisect.bisect_left(where, end)) for start, end in spans)
    return read, tuple((start, end) for start, end in moved if start < end)


def one_line(text: str) -> str:
    """A field that must not break a line-oriented format: line ends and tabs become spaces."""
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def format_score(score: float) -> str:
    return f"{score:.4f}"


def explanation_lines(hit: Hit) -> list[str]:
    """``--explain`` as text: one line a query term, what it adds and why (and, for the bigrams
    of a query's part or join, which: ``(part 機械)``, ``(join 梅雨明けの発表)``), and its share
    of the score — none for a score of 0 (a term in half the documents of a corpus of two has an
    idf of 0)."""
    return [
        f"{c.field} {c.term}{f' ({c.via})' if c.via else ''}{f' ×{c.count}' if c.count > 1 else ''}: "
        f"{c.weight:g} × idf {c.idf:.3f} × tf {c.tf} (norm {c.norm:.3f}) = {format_score(c.score)}"
        f"{f' ({c.score / hit.score:.0%})' if hit.score else ''}"
        for c in hit.explain
    ]


def details(document: Document, passages: Sequence[Passage]) -> list[tuple[str, str]]:
    """The ``key: value`` facts shown above a document."""
    rows = [("id", document.doc_id), ("path", document.path)]
    rows += [(key, value) for key, value in document.metadata.items() if key != "title"]
    rows.append(("passages", str(len(passages))))
    return rows


class Printer:
    """Base of the line-oriented printers: UTF-8 lines on a binary stream, whatever the locale
    (JSON and TSV consumers expect UTF-8), flushed after each view so that a batch of queries
    streams through a pipe."""

    format_name = "text"
    #: Whether hits need their ``highlights``: computing them means analysing each hit again.
    uses_highlights = True
    #: Whether what ``--explain`` and ``-C`` add to hits has a place in this format.
    shows_explanations = False
    #: Whether the words a search was made of (`mlq similar`'s) have a place in this format.
    shows_terms = False

    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def hits(self, found: Sequence[Hit], query: str, query_id: str | None = None, terms: Sequence[str] = ()) -> None:
        """``found`` for ``query``; ``terms``, the words searched for when they are not the
        query's own (`mlq similar`), where the format has a place for them (JSON)."""
        self.write(self.hit_lines(found, query, query_id, **({"terms": terms} if terms and self.shows_terms else {})))

    def document(self, document: Document, passages: Sequence[Passage], passage: Passage | None = None) -> None:
        self.write(self.document_lines(document, passages, passage))

    def listing(self, rows: Sequence[tuple[Document, int]]) -> None:
        self.write(self.listing_lines(rows))

    def tokens(self, tokens: Sequence[Token]) -> None:
        self.write(self.token_lines(tokens))

    def hit_lines(self, found: Sequence[Hit], query: str, query_id: str | None) -> Iterable[str]:
        raise MlqError(f"--format {self.format_name} does not apply to search results")

    def document_lines(self, document: Document, passages: Sequence[Passage], passage: Passage | None) -> Iterable[str]:
        raise MlqError(f"--format {self.format_name} does not apply to `mlq show`")

    def listing_lines(self, rows: Sequence[tuple[Document, int]]) -> Iterable[str]:
        raise MlqError(f"--format {self.format_name} does not apply to `mlq list`")

    def token_lines(self, tokens: Sequence[Token]) -> Iterable[str]:
        raise MlqError(f"--format {self.format_name} does not apply to `mlq analyze`")

    def write(self, lines: Iterable[str]) -> None:
        self.out.write("".join(f"{line}\n" for line in lines).encode("utf-8"))
        self.out.flush()


def make_printer(
    format_name: str,
    *,
    terminal: bool,
    color: bool,
    out: BinaryIO,
    files_only: bool = False,
    header: bool = False,
    pager: str | None = None,
) -> Printer:
    """The printer for the options given: ``terminal`` is whether stdout is one, ``color``
    whether to style (decided from ``--color`` and ``NO_COLOR`` by the caller), ``pager`` the
    command that long terminal output goes through (None: none)."""
    if files_only:
        from .plain import FilesPrinter

        return FilesPrinter(out)
    if format_name == "json":
        from .jsonl import JsonPrinter

        return JsonPrinter(out)
    if format_name == "tsv":
        from .tsv import TsvPrinter

        return TsvPrinter(out, header=header)
    if format_name == "vimgrep":
        from .plain import VimgrepPrinter

        return VimgrepPrinter(out)
    if terminal:
        # rich is imported only for a terminal: a twentieth of a second saved on piped runs.
        from .terminal import TerminalPrinter

        return TerminalPrinter(color=color, pager=pager)
    from .plain import PlainPrinter

    return PlainPrinter(out, color=color)
