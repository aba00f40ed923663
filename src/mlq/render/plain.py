"""Plain, stable, line-oriented output for pipes and files. A document's control characters
(an escape sequence in a file) come out as symbols, as on a terminal: `mlq search … | head` in a
terminal must not turn it red."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

from ..analysis import Token
from ..corpus import Document
from ..passages import Passage
from ..search import Hit
from . import ANSI_HIGHLIGHT, ANSI_RESET, Printer, as_read, details, explanation_lines, format_score, one_line, shown, shown_id


class PlainPrinter(Printer):
    """Two lines a hit: ``doc_id#N<TAB>score<TAB>title``, then the passage on one line; in batch
    mode the header starts with the query id and a tab. With ``--explain``, one
    ``explain<TAB>…`` line more per query term; with ``-C N``, context passages around each hit
    in the same two-line form, ``-`` in place of the score. Matched terms are marked with ANSI
    colour only when colour is on (``--color always`` in a pipe)."""

    shows_explanations = True

    def __init__(self, out: BinaryIO, color: bool = False) -> None:
        super().__init__(out)
        self.color = color
        self.uses_highlights = color

    def hit_lines(self, found: Sequence[Hit], query: str, query_id: str | None) -> Iterator[str]:
        prefix = f"{one_line(query_id)}\t" if query_id is not None else ""
        for hit in found:
            yield from self._neighbour_lines(prefix, hit, hit.before)
            score = format_score(hit.score) if hit.ranked else "-"  # a listing: nothing ranked it
            yield shown(f"{prefix}{shown_id(hit.doc_id)}#{hit.passage}\t{score}\t{one_line(hit.title)}")
            text, spans = as_read(hit.text, hit.highlights, hit.path)
            # Marked only with colour on (less -R): the terminal must obey only our escapes.
            yield one_line(self.marked(shown(text), spans) if self.color else shown(text))
            yield from (f"{prefix}explain\t{one_line(line)}" for line in explanation_lines(hit))
            yield from self._neighbour_lines(prefix, hit, hit.after)

    def _neighbour_lines(self, prefix: str, hit: Hit, passages: Sequence[Passage]) -> Iterator[str]:
        """A context passage as a hit is, with ``-`` for its score (as grep marks context)."""
        for passage in passages:
            yield shown(f"{prefix}{shown_id(hit.doc_id)}#{passage.number}\t-\t{one_line(hit.title)}")
            yield one_line(shown(as_read(passage.text, (), hit.path)[0]))

    @staticmethod
    def marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
        pieces, previous = [], 0
        for start, end in spans:
            pieces += [text[previous:start], ANSI_HIGHLIGHT, text[start:end], ANSI_RESET]
            previous = end
        return "".join(pieces) + text[previous:]

    def document_lines(self, document: Document, passages: Sequence[Passage], passage: Passage | None) -> Iterator[str]:
        """The title, ``key: value`` details, a blank line, then the body (or one passage)."""
        yield shown(one_line(document.shown_title))
        for key, value in details(document, passages):
            yield shown(f"{key}: {one_line(value)}")
        if passage is not None:
            yield f"passage: {passage.number} (characters {passage.start}–{passage.end})"
        yield ""
        yield shown(passage.text if passage is not None else document.body.strip("\n"))

    def token_lines(self, tokens: Sequence[Token]) -> Iterator[str]:
        """``field<TAB>surface<TAB>term<TAB>part of speech<TAB>start-end<TAB>indexed|dropped|filler``."""
        for t in tokens:
            where = f"{t.start}-{t.end}"
            fields = [t.field, t.surface, t.term, t.part_of_speech, where, t.fate]
            yield shown("\t".join(map(one_line, fields)))

    def listing_lines(self, rows: Sequence[tuple[Document, int]]) -> Iterator[str]:
        """``doc_id<TAB>passages<TAB>title``, one document a line."""
        for document, passage_count in rows:
            yield shown(f"{shown_id(document.doc_id)}\t{passage_count}\t{one_line(document.shown_title)}")


class FilesPrinter(Printer):
    """``-l``: the distinct document ids of the hits, best first, one a line (in batch mode
    ``query_id<TAB>doc_id``), so that ``mlq search -l 面接 | xargs -n1 mlq show`` works."""

    format_name = "-l"
    uses_highlights = False

    def hit_lines(self, found: Sequence[Hit], query: str, query_id: str | None) -> Iterator[str]:
        prefix = f"{one_line(query_id)}\t" if query_id is not None else ""
        for doc_id in dict.fromkeys(hit.doc_id for hit in found):
            yield shown(prefix + shown_id(doc_id))


class VimgrepPrinter(Printer):
    """``path:line:column:passage``, one hit a line, as ``rg --vimgrep`` prints matches: what
    ``vim -q``, Emacs' grep mode and editors' terminals jump from. The path is relative to the
    working folder when the file is inside it; the column counts UTF-8 bytes from 1."""

    format_name = "vimgrep"

    def hit_lines(self, found: Sequence[Hit], query: str, query_id: str | None) -> Iterator[str]:
        here = Path.cwd()
        for hit in found:
            path = Path(hit.path)
            with contextlib.suppress(ValueError):
                path = path.relative_to(here)
            yield shown(one_line(f"{path}:{hit.line}:{hit.column}:{as_read(hit.text, (), hit.path)[0]}"))
