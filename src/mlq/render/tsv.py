"""Tab-separated values: no quoting; tabs and line ends inside a field become spaces, control
characters symbols."""

from __future__ import annotations

from typing import BinaryIO, Iterator, Sequence

from ..analysis import Token
from ..corpus import Document
from ..passages import Passage
from ..search import Hit
from . import Printer, format_score, one_line, shown

HIT_COLUMNS = ("rank", "doc_id", "passage", "score", "title", "text")
PASSAGE_COLUMNS = ("doc_id", "passage", "start", "end", "text")
LISTING_COLUMNS = ("doc_id", "passages", "title")
TOKEN_COLUMNS = ("field", "surface", "term", "part_of_speech", "start", "end", "indexed", "filler")


def _row(fields: Sequence[object]) -> str:
    """One line; a document's control characters as symbols (see :func:`mlq.render.shown`)."""
    return "\t".join(shown(one_line(str(field))) for field in fields)


class TsvPrinter(Printer):
    """A header line only with ``--header``; in batch mode ``query_id`` is the first column."""

    format_name = "tsv"
    uses_highlights = False

    def __init__(self, out: BinaryIO, header: bool = False) -> None:
        super().__init__(out)
        self.header = header

    def _header(self, columns: Sequence[str]) -> Iterator[str]:
        if self.header:
            self.header = False  # once, even over a batch of queries
            yield _row(columns)

    def hit_lines(self, found: Sequence[Hit], query: str, query_id: str | None) -> Iterator[str]:
        first = () if query_id is None else ("query_id",)
        yield from self._header(first + HIT_COLUMNS)
        lead = () if query_id is None else (query_id,)
        for hit in found:
            yield _row(lead + (hit.rank, hit.doc_id, hit.passage, format_score(hit.score), hit.title, hit.text))

    def document_lines(self, document: Document, passages: Sequence[Passage], passage: Passage | None) -> Iterator[str]:
        """One row per passage (only the chosen one with ``DOC#N``)."""
        yield from self._header(PASSAGE_COLUMNS)
        for p in [passage] if passage is not None else passages:
            yield _row((document.doc_id, p.number, p.start, p.end, p.text))

    def listing_lines(self, rows: Sequence[tuple[Document, int]]) -> Iterator[str]:
        yield from self._header(LISTING_COLUMNS)
        for document, passage_count in rows:
            yield _row((document.doc_id, passage_count, document.shown_title))

    def token_lines(self, tokens: Sequence[Token]) -> Iterator[str]:
        yield from self._header(TOKEN_COLUMNS)
        for t in tokens:
            yield _row((t.field, t.surface, t.term, t.part_of_speech, t.start, t.end, "true" if t.indexed else "false", "true" if t.filler else "false"))
