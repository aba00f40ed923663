"""The query language: a search string taken apart into words to rank and clauses.

    インターン 面接          ranked by BM25, as always
    "機械学習 エンジニア"     a phrase: its words next to each other, in this order
    +ビザ  -Google           a word every hit must have / no hit may have ("+"/"-" before a phrase too)
    title:体験記             a word of the document's title (title:"…" for several, in order)
    doc:msr                  only documents whose id starts with "msr" (doc:"…" for one with spaces)

Each operator is a class of :mod:`mlq.clauses`, which says what it does. A query of filters
alone (``-Google``, ``title:``, ``doc:``) ranks nothing: it lists the documents they let
through.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .clauses import Clause, DocPrefix, Excluded, Phrase, Required, Title
from .errors import MlqError

# A quoted phrase (with an optional sign), a field's quoted value, or a bare token.
_TOKEN = re.compile(r'([+-]?)"([^"]*)"|(title:|doc:)"([^"]*)"|(\S+)')
_QUOTED = {"": Phrase, "+": Required, "-": Excluded}
_PREFIXED = {"title:": Title}


@dataclass(frozen=True)
class Query:
    """A search string taken apart: ``text``, its free words, and its clauses in the order
    typed (every ``doc:`` prefix in one clause: a document may have any of them)."""

    text: str
    clauses: tuple[Clause, ...] = ()

    @property
    def ranked(self) -> str:
        """Everything that counts towards the score."""
        return " ".join(part for part in (self.text, *(text for clause in self.clauses for text in clause.ranked())) if part)

    @property
    def filters(self) -> bool:
        """Whether it narrows what is searched besides ranking (``-``, ``title:``, ``doc:``)."""
        return any(not clause.ranked() for clause in self.clauses)


# An operator as a Japanese input method types it: ＋ and － (or −) before a word, not a number
# (－５度 is minus five degrees), and ｔｉｔｌｅ： and ｄｏｃ：, which read as + - title: doc:.
_WIDE_OPERATOR = re.compile(r"(?:(?<=\s)|^)(?:[＋－−](?![0-9０-９])|(?:title|doc|ｔｉｔｌｅ|ｄｏｃ)[：:])")


def _as_operators(query: str) -> str:
    return _WIDE_OPERATOR.sub(lambda typed: unicodedata.normalize("NFKC", typed.group()).replace("−", "-"), query)


def parse_query(query: str) -> Query:
    """``query`` taken apart; an unclosed quote is an error. Operators typed full-width
    (``－エラー``, ``title：所有権``) are operators; a full-width quote (＂, an inch mark too) is not."""
    query = _as_operators(query)
    if query.count('"') % 2:
        raise MlqError(f'unclosed quote in query {query!r} (a phrase is "…")')
    free: list[str] = []
    clauses: list[Clause] = []
    prefixes: list[str] = []
    for match in _TOKEN.finditer(query):
        sign, phrase, field, value, bare = match.groups()
        if field is not None:  # title:"two words", doc:"a folder/with spaces"
            if not value.strip():
                raise MlqError(f'{field}"" holds nothing: give {"a word" if field == "title:" else "the start of an id"} between the quotes')
            bare = field + value
        prefix = next((p for p in _PREFIXED if bare and bare.startswith(p) and len(bare) > len(p)), None)
        if phrase is not None:
            if phrase.strip():
                clauses.append(_QUOTED[sign](phrase))
        elif prefix is not None:
            clauses.append(_PREFIXED[prefix](bare[len(prefix) :]))
        elif bare.startswith("doc:") and len(bare) > len("doc:"):
            prefixes.append(bare[len("doc:") :])
        elif bare[0] in "+-" and len(bare) > 1:
            clauses.append(_QUOTED[bare[0]](bare[1:]))
        else:
            free.append(bare)
    if prefixes:
        clauses.append(DocPrefix(tuple(prefixes)))
    return Query(" ".join(free), tuple(clauses))
