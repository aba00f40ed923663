"""JSON Lines: one object a hit (or a document), UTF-8, not ASCII-escaped."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterator, Sequence

from ..analysis import Token
from ..corpus import Document
from ..passages import Passage
from ..search import Hit
from . import Printer, as_read


def _line(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _neighbour(passage: Passage, where: str) -> dict[str, Any]:
    return {"where": where, "passage": passage.number, "start": passage.start, "end": passage.end, "text": passage.text}


class JsonPrinter(Printer):
    format_name = "json"
    shows_explanations = True
    shows_terms = True

    def hit_lines(self, found: Sequence[Hit], query: str, query_id: str | None, terms: Sequence[str] = ()) -> Iterator[str]:
        """``query`` (and ``query_id`` in batch mode), ``rank``, ``doc_id``, ``passage``,
        ``score``, ``title``, ``section`` (heading path), ``path``, ``line``/``column`` (where an
        editor should land, see :class:`mlq.search.Hit`), ``start``/``end`` (offsets in the document's text),
        ``text`` and ``highlights`` (``[start, end]`` offsets in ``text``), ``prose`` (the text as
        text output shows it: see :func:`mlq.render.as_read`); with ``terms`` (the
        words `mlq similar` searched for), ``terms`` after ``query``."""
        head: dict[str, Any] = {"query": query} if query_id is None else {"query_id": query_id, "query": query}
        if terms:
            head["terms"] = list(terms)
        for hit in found:
            yield _line(
                {
                    **head,
                    "rank": hit.rank,
                    "doc_id": hit.doc_id,
                    "passage": hit.passage,
                    "score": hit.score,
                    "title": hit.title,
                    "section": hit.section,
                    "path": hit.path,
                    "line": hit.line,
                    "column": hit.column,
                    "start": hit.start,
                    "end": hit.end,
                    "text": hit.text,
                    "highlights": [list(span) for span in hit.highlights],
                    "prose": as_read(hit.text, (), hit.path)[0],
                    **({"explain": [dataclasses.asdict(c) for c in hit.explain]} if hit.explain else {}),
                    **(
                        {"context": [_neighbour(p, "before") for p in hit.before] + [_neighbour(p, "after") for p in hit.after]}
                        if hit.before or hit.after
                        else {}
                    ),
                }
            )

    def document_lines(self, document: Document, passages: Sequence[Passage], passage: Passage | None) -> Iterator[str]:
        """One object. ``text`` is the whole file as mlq reads it, so that every ``start``/
        ``end`` indexes into it; the body starts at ``body_start``. With a passage chosen, the
        object describes that passage, with the fields a search hit has for it."""
        head = {"doc_id": document.doc_id, "title": document.shown_title, "path": document.path, "metadata": document.metadata}
        if passage is not None:
            yield _line({**head, **_passage(passage)})
            return
        yield _line(
            {
                **head,
                "text": document.text,
                "body_start": document.body_start,
                "passages": [_passage(p) for p in passages],
            }
        )

    def token_lines(self, tokens: Sequence[Token]) -> Iterator[str]:
        """One object a token: ``field``, ``surface``, ``term``, ``part_of_speech``, ``start``,
        ``end`` (offsets in the text analysed) and ``indexed``."""
        for token in tokens:
            yield _line(dataclasses.asdict(token))

    def listing_lines(self, rows: Sequence[tuple[Document, int]]) -> Iterator[str]:
        for document, passage_count in rows:
            yield _line(
                {
                    "doc_id": document.doc_id,
                    "title": document.shown_title,
                    "path": document.path,
                    "passages": passage_count,
                    "metadata": document.metadata,
                }
            )


def _passage(passage: Passage) -> dict[str, object]:
    """A passage as `mlq show --json` gives it: the fields a search hit has for it."""
    return {"passage": passage.number, "section": passage.section, "start": passage.start, "end": passage.end, "text": passage.text}
