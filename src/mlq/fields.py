"""The fields of the index, declared once: building, saving, loading, searching and explaining
all read this list, so a field is added or changed here and nowhere else.

Two fields score passages on their own prose; one scores whole documents on what they are
about — title, headings and file path — and is added, once per document, to the score of
each of the document's passages that matches the query by its own words (BM25F-style
document evidence: the page about X ranks first, yet no passage ranks on its title alone).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    #: What one BM25 "document" of the field is: a ``passage`` or a whole ``document``.
    unit: str
    #: Which analysis makes its terms: Sudachi ``words`` or character ``bigrams``.
    analysis: str
    #: Its weight in a hit's score, unless mlq.toml says otherwise.
    weight: float
    #: What it holds, for --help and the README.
    about: str


FIELDS: tuple[Field, ...] = (
    Field("words", "passage", "words", 1.0, "the passage's analysed words"),
    Field("bigrams", "passage", "bigrams", 0.5, "character bigrams of the passage, counted only where a query word is there whole"),
    Field("document", "document", "words", 0.5, "the analysed words of the document's title, headings and path"),
)

NAMES: tuple[str, ...] = tuple(field.name for field in FIELDS)
PASSAGE_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.unit == "passage")
DOCUMENT_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.unit == "document")


def field(name: str) -> Field:
    return next(f for f in FIELDS if f.name == name)
