"""Documents → passages: cut a document's body into exact, numbered slices of its text.

BM25 over whole essays favours long essays and returns a 30 KB answer; over single sentences
it loses context. Passages of roughly 100–400 characters, cut at paragraph breaks first and
sentence ends second, are the unit mlq ranks and shows.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterator

from . import markdown
from .corpus import Document

MIN_CHARS = 100
MAX_CHARS = 400
#: A single sentence longer than this is the only thing ever cut mid-sentence.
HARD_MAX_CHARS = 1000

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u3000]*\n\s*")
# A sentence ends after 。！？!? (full or half width, possibly repeated, possibly closed by a
# bracket or quote), after a Latin full stop followed by space, or at a line end.
_SENTENCE_END = re.compile(r"[。．！？!?…]+[」』）)\]】\"'”’]*\s*|\.(?:\s+|$)|\n\s*")
# Where an overlong sentence is best cut: after a comma or a space.
_SOFT_BREAK = re.compile(r"[、，,;；]\s*|\s+")
# Essays pasted from the web keep their headings as short lines of their own ("はじめに").
HEADING_MAX_CHARS = 40
_NOT_A_HEADING_END = re.compile(r"[。．！？!?.:：、,]\Z")


@dataclass(frozen=True)
class Passage:
    """``document.text[start:end] == text``; ``number`` counts from 1 within the document;
    ``section`` is the path of Markdown headings it sits under (``MLOps > 運用``)."""

    doc_id: str
    number: int
    start: int
    end: int
    text: str
    section: str = ""


def split_passages(document: Document) -> list[Passage]:
    """The passages of ``document``'s body, in order, without overlap, covering every
    non-blank character of the body."""
    text = document.text
    return [
        Passage(document.doc_id, number, start, end, text[start:end], section)
        for number, (start, end, section) in enumerate(passage_spans(document), start=1)
    ]


def passage_spans(document: Document) -> list[tuple[int, int, str]]:
    """:func:`split_passages`' passages as ``(start, end, section)``, without their texts: what
    indexing needs, without a second copy of a 50 MB file's text in passage-sized strings."""
    text = document.text
    sections = Sections(document)
    return [(start, end, sections.of(start, end)) for start, end in _group(_units(text, document.body_start, len(text)))]


class Sections:
    """The heading path at any offset of a document: each heading (as its reader finds them:
    :meth:`mlq.corpus.Document.headings`) replaces those of its level and deeper."""

    def __init__(self, document: Document) -> None:
        self._starts: list[int] = []
        self._paths: list[str] = []
        path: list[tuple[int, str]] = []
        for start, level, title in sorted(document.headings()):
            path = [(lvl, t) for lvl, t in path if lvl < level] + ([(level, title)] if title else [])
            self._starts.append(start)
            self._paths.append(" > ".join(t for _, t in path))

    def at(self, offset: int) -> str:
        """The path in force at ``offset``: a passage that starts with a heading is under it."""
        i = bisect.bisect_right(self._starts, offset) - 1
        return self._paths[i] if i >= 0 else ""

    def of(self, start: int, end: int) -> str:
        """The section of a passage ``[start, end)``: the path at its last heading. A heading
        opens a passage of its own unless the one before is too short, so what comes before a
        heading inside a passage is a few lines at most (a title, a lead), and the passage is
        about what follows it: a short note's first ``## 借用`` is its section."""
        i = bisect.bisect_left(self._starts, end) - 1
        return self._paths[i] if i >= 0 and self._starts[i] >= start else self.at(start)




def _units(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    """Paragraphs, or the sentences of a paragraph too long to be a passage on its own.
    The flag marks a heading, which opens a new passage unless the one before is too short."""
    for p_start, p_end in _pieces(text, start, end, _PARAGRAPH_BREAK):
        is_heading = _is_heading(text[p_start:p_end])
        if p_end - p_start <= MAX_CHARS:
            yield p_start, p_end, is_heading
            continue
        for s_start, s_end in _pieces(text, p_start, p_end, _SENTENCE_END):
            for c_start, c_end in _cut(text, s_start, s_end):
                yield c_start, c_end, is_heading
                is_heading = False


def _is_heading(paragraph: str) -> bool:
    if markdown.is_heading(paragraph):
        return True
    return (
        len(paragraph) <= HEADING_MAX_CHARS
        and "\n" not in paragraph
        and not _NOT_A_HEADING_END.search(paragraph)
    )


def _pieces(text: str, start: int, end: int, separator: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """Spans of ``text[start:end]`` ending after each separator match, trimmed of whitespace
    and never empty."""
    piece_start = start
    for match in separator.finditer(text, start, end):
        yield from _trimmed(text, piece_start, match.end())
        piece_start = match.end()
    yield from _trimmed(text, piece_start, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def _cut(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut a sentence longer than HARD_MAX_CHARS, at the last comma or space in the second
    half of each window where there is one."""
    while end - start > HARD_MAX_CHARS:
        limit = start + HARD_MAX_CHARS
        breaks = _SOFT_BREAK.finditer(text, start + HARD_MAX_CHARS // 2, limit)
        cut = max((match.end() for match in breaks), default=limit)
        yield from _trimmed(text, start, cut)
        start = cut
    yield from _trimmed(text, start, end)


def _group(units: Iterator[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """Join neighbouring units while the passage stays within MAX_CHARS and no heading starts
    a new section; a passage shorter than MIN_CHARS (a heading, a one-line paragraph) may grow
    up to HARD_MAX_CHARS so that it carries the context that follows it."""
    spans: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for start, end, is_heading in units:
        if current is not None:
            length, merged = current[1] - current[0], end - current[0]
            if length < MIN_CHARS:
                fits = merged <= HARD_MAX_CHARS
            else:
                fits = merged <= MAX_CHARS and not is_heading
            if fits:
                current = (current[0], end)
                continue
        if current is not None:
            spans.append(current)
        current = (start, end)
    if current is not None:
        spans.append(current)
    return spans
