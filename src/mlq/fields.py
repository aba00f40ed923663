"""The fields of the index, declared once: building, saving, loading, searching and explaining
all read this list, so a field is added or changed here and nowhere else.

A passage's own fields hold its prose *and its header* — the document's title and the
headings it sits under, as if written above it — as BM25F counts a title inside its document:
a passage under "MLOps > 運用" is about MLOps even where it never says so, and a word every
passage of a page is titled with weighs little in telling those passages apart. The header
field holds the header alone, so that matching can tell a passage's own words from its
title's: only its own words make a passage match. Once per document, the document field (title, every heading, the
file's path) and the body field (the words of the whole document) are added to each matching
passage's score, so that the page about X ranks first, and the post that said all the words a
reader remembers, if in different passages — yet no passage ranks on its title alone.
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
    #: What text it analyses: the ``passage`` (its prose, then its header), the passage's
    #: ``header`` alone (title and heading path), the ``document``'s title, headings and path,
    #: or its ``body``: its title and every passage's prose.
    text: str
    #: Its weight in a hit's score, unless mlq.toml says otherwise.
    weight: float
    #: What it holds, for --help and the README.
    about: str


FIELDS: tuple[Field, ...] = (
    Field("words", "passage", "words", "passage", 0.5, "the analysed words of the passage and its header (title and heading path)"),
    Field("bigrams", "passage", "bigrams", "passage", 0.35, "character bigrams of the passage and its header, counted only where a query word is there whole"),
    Field("header", "passage", "words", "header", 0.0, "the analysed words of the document's title and the passage's heading path, alone"),
    Field("document", "document", "words", "document", 0.5, "the analysed words of the document's title, headings and path"),
    Field("body", "document", "words", "body", 0.5, "the analysed words of the whole document: its title and the prose of every passage"),
)

NAMES: tuple[str, ...] = tuple(field.name for field in FIELDS)
PASSAGE_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.unit == "passage")
#: Fields that add to a matching passage's score without making it match.
EVIDENCE_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.text != "passage")
DOCUMENT_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.unit == "document")


def field(name: str) -> Field:
    return next(f for f in FIELDS if f.name == name)
