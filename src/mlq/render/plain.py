"""Plain, stable, line-oriented output for pipes and files: no styling, one record a line."""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from ..corpus import Document
from ..passages import Passage
from ..search import Hit
from . import details, format_score, one_line


def hits(found: Iterable[Hit]) -> Iterator[str]:
    """Two lines a hit: ``doc_id#N<TAB>score<TAB>title``, then the passage on one line."""
    for hit in found:
        yield f"{hit.doc_id}#{hit.passage}\t{format_score(hit.score)}\t{one_line(hit.title)}"
        yield one_line(hit.text)


def document(doc: Document, passages: Sequence[Passage], passage: Passage | None = None) -> Iterator[str]:
    """The title, ``key: value`` details, a blank line, then the body (or one passage)."""
    yield doc.title
    for key, value in details(doc, passages):
        yield f"{key}: {one_line(value)}"
    if passage is not None:
        yield f"passage: {passage.number} (characters {passage.start}–{passage.end})"
    yield ""
    yield passage.text if passage is not None else doc.body.strip("\n")


def listing(rows: Iterable[tuple[Document, int]]) -> Iterator[str]:
    """``doc_id<TAB>passages<TAB>title``, one document a line."""
    for doc, passage_count in rows:
        yield f"{doc.doc_id}\t{passage_count}\t{one_line(doc.title)}"
