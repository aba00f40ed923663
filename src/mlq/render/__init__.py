"""Hits and documents → output. Each output mode is its own module with the same views over
the same data (``hits``, ``document``, ``listing``): :mod:`.terminal` styles them with rich,
:mod:`.plain` writes stable lines for pipes and files."""

from __future__ import annotations

from typing import Sequence

from ..corpus import Document
from ..passages import Passage


def one_line(text: str) -> str:
    """A field that must not break a line-oriented format: line ends and tabs become spaces."""
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def format_score(score: float) -> str:
    return f"{score:.4f}"


def details(document: Document, passages: Sequence[Passage]) -> list[tuple[str, str]]:
    """The ``key: value`` facts shown above a document."""
    rows = [("id", document.doc_id), ("path", document.path)]
    rows += [(key, value) for key, value in document.metadata.items() if key != "title"]
    rows.append(("passages", str(len(passages))))
    return rows
