"""The operators of a query, one small class each: what a search asks for beyond words to rank.

Each clause answers three questions, and :class:`mlq.search.Searcher` only combines the
answers (every clause must hold):

* :meth:`Clause.documents` — which documents may match at all (a mask over the index's
  documents, or None for every one): ``title:``, ``doc:``, ``--tag``, ``--since``/``--until``;
* :meth:`Clause.keeps` — whether a passage passes, from the words ranking counts for it (its
  prose with its document's title and its heading path): a phrase, ``+``, ``-``;
* :meth:`Clause.ranked` — the text it adds to ranking, analysed as quoted (every word counts):
  a phrase, ``+``.

A query with nothing to rank lists the documents its clauses let through
(:meth:`Clause.listed`). Adding an operator is a class here, a line in :mod:`mlq.query` if it
has a syntax, and its test. (The model is tantivy's ``src/query/``: one Query, Weight and
Scorer per operator.)

Text is compared as mlq analyses it (``サーバ`` finds ``サーバー``), so a phrase is a run of
analysed words, not of characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

from .corpus import composed
from .errors import MlqError


class Corpus(Protocol):
    """What a clause reads of the index it is asked about (a :class:`mlq.search.Searcher`)."""

    @property
    def document_count(self) -> int: ...

    def record(self, doc: int) -> Mapping[str, Any]:
        """Document ``doc``'s ``doc_id``, ``title`` and ``metadata`` (front matter)."""
        ...

    def words(self, text: str) -> list[str]:
        """``text`` as the words field indexes it."""
        ...

    def documents_holding(self, run: Sequence[str]) -> set[int]:
        """The documents with a passage whose words hold ``run`` (consecutive words)."""
        ...


def holds_run(words: Sequence[str], run: Sequence[str]) -> bool:
    """Whether ``run`` occurs in ``words`` as consecutive items (an empty run always does)."""
    n = len(run)
    return any(words[i : i + n] == list(run) for i in range(len(words) - n + 1)) if n else True


class Clause:
    """One operator. The defaults let every document and passage through and rank nothing."""

    @property
    def looks_at_passages(self) -> bool:
        """Whether :meth:`keeps` looks at passages: whether the class says how. Otherwise the
        searcher never asks it, and reads no passage's words for it."""
        return type(self).keeps is not Clause.keeps

    def documents(self, corpus: Corpus) -> list[bool] | None:
        """Which documents may match (None: every one)."""
        return None

    def listed(self, corpus: Corpus) -> list[bool] | None:
        """Which documents a listing (a query with nothing to rank) may show: those
        :meth:`documents` lets through, unless the clause says more of whole documents."""
        return self.documents(corpus)

    def keeps(self, words: Sequence[str], corpus: Corpus) -> bool:
        """Whether a passage whose words (prose, title, headings) are ``words`` passes."""
        return True

    def ranked(self) -> tuple[str, ...]:
        """The text this clause adds to ranking."""
        return ()


def _mask(corpus: Corpus, test: Any) -> list[bool]:
    """``test(record)`` for each document of ``corpus``, in order."""
    return [bool(test(corpus.record(doc))) for doc in range(corpus.document_count)]


@dataclass(frozen=True)
class Phrase(Clause):
    """``"機械学習 エンジニア"``: a passage must hold these words next to each other, in this
    order; they rank as well."""

    text: str

    def keeps(self, words: Sequence[str], corpus: Corpus) -> bool:
        return holds_run(words, corpus.words(self.text))

    def ranked(self) -> tuple[str, ...]:
        return (self.text,)


@dataclass(frozen=True)
class Required(Phrase):
    """``+ビザ`` (or ``+"a phrase"``): a passage must hold it; it ranks as well — a phrase,
    as typed with a sign."""


@dataclass(frozen=True)
class Excluded(Clause):
    """``-Google`` (or ``-"a phrase"``): no passage shown may hold it. A listing shows whole
    documents, so there no document may hold it."""

    text: str

    def keeps(self, words: Sequence[str], corpus: Corpus) -> bool:
        run = corpus.words(self.text)
        return not run or not holds_run(words, run)

    def listed(self, corpus: Corpus) -> list[bool] | None:
        run = corpus.words(self.text)
        holding = corpus.documents_holding(run) if run else set()
        return [doc not in holding for doc in range(corpus.document_count)]


@dataclass(frozen=True)
class Title(Clause):
    """``title:体験記``: the document's title must hold these words, in this order."""

    text: str

    def documents(self, corpus: Corpus) -> list[bool] | None:
        run = corpus.words(self.text)
        if not run:  # (every title would hold it)
            raise MlqError(f"no searchable word in title:{self.text}")
        return _mask(corpus, lambda record: holds_run(corpus.words(record["title"]), run))


@dataclass(frozen=True)
class DocPrefix(Clause):
    """``doc:ml/``: the document's id must start with one of ``prefixes`` (``doc:a doc:b``
    is either, as a folder and another)."""

    prefixes: tuple[str, ...]

    def documents(self, corpus: Corpus) -> list[bool] | None:
        prefixes = tuple(composed(prefix) for prefix in self.prefixes)  # as ids are
        return _mask(corpus, lambda record: record["doc_id"].startswith(prefixes))


def _tags(metadata: Mapping[str, str]) -> set[str]:
    return {tag.strip().lower() for tag in metadata.get("tags", "").split(",") if tag.strip()}


@dataclass(frozen=True)
class Tag(Clause):
    """``--tag rust``: the document must carry the tag (front matter or inline ``#tag``; any
    case), or a tag nested under it (``lang`` is carried by ``lang/rust``, as Obsidian has it)."""

    tag: str

    def documents(self, corpus: Corpus) -> list[bool] | None:
        wanted = self.tag.strip().lower().strip("/")
        return _mask(corpus, lambda record: any(tag == wanted or tag.startswith(wanted + "/") for tag in _tags(record["metadata"])))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_of(metadata: Mapping[str, str]) -> str | None:
    """A document's front-matter ``date`` as ``YYYY-MM-DD``, or None if it has none — or one
    that is no day (2024-13-45, kept as written), which no range holds."""
    found = _ISO_DATE.match(metadata.get("date", "").strip())
    return found.group(0) if found and _is_day(found.group(0)) else None


@dataclass(frozen=True)
class Dated(Clause):
    """``--since``/``--until`` (``YYYY-MM-DD``, either may be None): the document's
    front-matter date must be in the range; an undated document is in none."""

    since: str | None = None
    until: str | None = None

    def documents(self, corpus: Corpus) -> list[bool] | None:
        def within(record: Mapping[str, Any]) -> bool:
            date = date_of(record["metadata"])
            return date is not None and (self.since is None or date >= self.since) and (self.until is None or date <= self.until)

        return _mask(corpus, within)


def from_options(since: str | None = None, until: str | None = None, tags: Sequence[str] | str = ()) -> tuple[Clause, ...]:
    """The clauses of a search's options: a date range (days written ``YYYY-MM-DD``, else an
    error: a day that is none would let no document through, silently), and every one of
    ``tags`` (a string alone is one tag, not its letters)."""
    for name, day in (("since", since), ("until", until)):
        if day is not None and not _is_day(day):
            raise MlqError(f"{name} must be a day written YYYY-MM-DD, not {day!r}")
    dated: tuple[Clause, ...] = (Dated(since, until),) if since or until else ()
    return dated + tuple(Tag(tag) for tag in ((tags,) if isinstance(tags, str) else tags))


def _is_day(text: object) -> bool:
    import datetime  # only when a date is given

    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True
