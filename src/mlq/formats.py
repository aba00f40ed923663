"""The kinds of file mlq reads, one reader each: its suffixes, front matter, prose, headings,
title fallback, and where in the file an offset is.

* :data:`MARKDOWN` (``.md``, ``.markdown``): YAML or TOML front matter, inline ``#tags``,
  prose without code, URLs and link targets (:mod:`mlq.markdown`);
* :data:`TEXT` (``.txt``, and the base :class:`Format`): the text as it is (front matter
  too, if a note has one);
* :data:`JSON_LINES` (``.jsonl``): one document a record (:mod:`mlq.records`).

A reader turns a file's text into :class:`Entry` values, plain data that :mod:`mlq.corpus`
makes documents of; the rest it answers of a document's text. :func:`for_path` picks the
reader by suffix, in any case. (The model is sqlite-utils' ``Format`` and ``rows_from_file``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from . import markdown, records

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Entry:
    """One document of a file, as its reader found it. ``key`` is what the document's id adds
    to the file's (``""``, or ``"/42"`` for a JSON Lines record); ``title`` is "" when neither
    the metadata nor the text gives one."""

    key: str
    title: str
    text: str
    body_start: int = 0
    metadata: dict[str, str] = field(default_factory=dict)


# What separates the tags of a front matter that writes them as one string: commas, or, where
# there is none, spaces ("Google Cloud, BigQuery" is two tags).
_TAG_COMMAS = re.compile(r"[,、，]")
# A heading's line, whose words (none, if it held only a macro) are no first line of prose.
_HEADING_MARK = re.compile(r"^[ ]{0,3}#{1,6}(?:[ \t]|$)")
# A thematic break (---, ***, ___), which no title is.
_RULE = re.compile(r"^[ ]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")


class Format:
    """A kind of file; as it stands, a plain-text note, which may open with front matter and
    mark headings as Markdown does. Other kinds override what they read otherwise."""

    name = "text"
    suffixes: tuple[str, ...] = (".txt",)

    def entries(self, text: str, path: object, warn: Warn | None = None) -> list[Entry]:
        """The file's one document: front matter split off (see
        :func:`mlq.markdown.split_front_matter`), the title from it or else from the body."""
        fields, body_start = markdown.split_front_matter(text, path, warn)
        if isinstance(fields.get("tags"), str):  # tags: rust、所有権, or rust 所有権 (Jekyll) where no comma is
            tags = fields["tags"]
            fields = {**fields, "tags": [tag.strip() for tag in (_TAG_COMMAS.split(tags) if _TAG_COMMAS.search(tags) else tags.split()) if tag.strip()]}
        metadata = {str(k): records.metadata_text(v) for k, v in fields.items() if v is not None}
        written = " ".join(metadata.get("title", "").split())  # on one line: a YAML folded title ends in one
        return [Entry("", written or self.title(text[body_start:]), text, body_start, metadata)]

    def title(self, body: str) -> str:
        """A title for a document whose metadata gives none: its first heading (ATX or
        Setext), else its first line of prose that is not a rule, as a reader sees them (see
        :meth:`plain`). A comment in a code block (``# イメージをビルドする``) is neither."""
        prose = self.prose(body)
        heading = next((title for _, _, title in sorted(self.headings(body, prose, 0)) if title), None)
        if heading is not None:
            return heading
        lines = zip(body.splitlines(), prose.splitlines())
        return next((shown for line, read in lines if read.strip() and not _RULE.match(read) and not _HEADING_MARK.match(read) and (shown := self.plain(line))), "")

    def plain(self, written: str) -> str:
        """A heading or a line of the text as a title or section shows it, on one line."""
        return " ".join(written.split())

    def prose(self, text: str) -> str:
        """What is indexed of ``text``: a copy of the same length (offsets hold)."""
        return text

    def prose_starts(self, text: str, starts: list[int]) -> list[int]:
        """For passages beginning at ``starts``, where reading must begin for :meth:`prose` of
        the slice to equal the slice of the prose."""
        return starts

    def readable(self, text: str) -> tuple[str, list[int]] | None:
        """``text`` as a reader of a hit should see it, with where each character is in
        ``text``; None when that is the text itself."""
        return None

    def headings(self, text: str, prose: str, start: int) -> Iterator[tuple[int, int, str]]:
        """``(offset, level, title)`` of each heading from ``start`` on, in no particular
        order, its title as a reader sees it (see :meth:`plain`; "" when nothing is left)."""
        return ((offset, level, self.plain(written)) for offset, level, written in markdown.headings(text, prose, start))

    def place(self, text: str, metadata: dict[str, str], offset: int) -> tuple[int, int]:
        """Where character ``offset`` of a document's ``text`` is in its file, as editors count:
        line from 1, column in UTF-8 bytes from 1. mlq reads a file with its line ends made
        ``\\n`` and without a byte-order mark, as vim shows it."""
        line_start = text.rfind("\n", 0, offset) + 1
        return text.count("\n", 0, offset) + 1, len(text[line_start:offset].encode("utf-8")) + 1


class Markdown(Format):
    """A Markdown note: code, HTML and link targets are not prose; inline ``#tags`` join the
    front matter's, as a vault's notes are tagged either way."""

    name = "markdown"
    suffixes = markdown.MARKDOWN_SUFFIXES

    def entries(self, text: str, path: object, warn: Warn | None = None) -> list[Entry]:
        (entry,) = super().entries(text, path, warn)
        written = [tag.strip().lstrip("#") for tag in entry.metadata.get("tags", "").split(",") if tag.strip()]
        tags = list(dict.fromkeys(written + markdown.inline_tags(text[entry.body_start :])))
        if tags:
            entry.metadata["tags"] = ", ".join(tags)
        return [entry]

    def prose(self, text: str) -> str:
        return markdown.prose(text)

    def prose_starts(self, text: str, starts: list[int]) -> list[int]:
        return markdown.prose_starts(text, starts)

    def readable(self, text: str) -> tuple[str, list[int]] | None:
        return markdown.readable(text)

    def plain(self, written: str) -> str:
        return markdown.plain_text(written)


class JsonLines(Format):
    """An export of one document a line (see :mod:`mlq.records`): a record's text is plain
    text, its fields the metadata, and its place in the file its line."""

    name = "jsonl"
    suffixes = records.JSONL_SUFFIXES

    def entries(self, text: str, path: object, warn: Warn | None = None) -> list[Entry]:
        found, problem = records.parse_records(text)
        if problem and warn:
            warn(f"{path}: {problem}")
        return [Entry(f"/{record.key}", record.title or self.title(record.text), record.text, 0, record.metadata) for record in found]

    def place(self, text: str, metadata: dict[str, str], offset: int) -> tuple[int, int]:
        return int(metadata.get("line", 1)), 1


MARKDOWN, TEXT, JSON_LINES = Markdown(), Format(), JsonLines()
READERS: tuple[Format, ...] = (MARKDOWN, TEXT, JSON_LINES)
#: Every suffix a corpus file may have.
SUFFIXES: tuple[str, ...] = tuple(suffix for reader in READERS for suffix in reader.suffixes)


def for_path(path: str) -> Format:
    """The reader of the file at ``path``, by its suffix in any case (plain text if none fits)."""
    lowered = path.lower()
    return next((reader for reader in READERS if lowered.endswith(reader.suffixes)), TEXT)
