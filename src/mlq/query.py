"""The query language: what a search string asks for beyond words to rank.

    インターン 面接          ranked by BM25, as always
    "機械学習 エンジニア"     a phrase: its words next to each other, in this order
    +ビザ  -Google           a word every hit must have / no hit may have ("+"/"-" before a phrase too)
    title:体験記             a word of the document's title
    doc:msr                  only documents whose id starts with "msr"

A query of filters alone (``-Google``, ``title:``, ``doc:``) ranks nothing: it lists the
documents they let through.

Words, phrases and titles are matched as mlq analyses text (``サーバ`` finds ``サーバー``), so a
phrase is a run of analysed words, not of characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import MlqError

# A quoted phrase (with an optional sign) or a bare token.
_TOKEN = re.compile(r'([+-]?)"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Query:
    """A search string taken apart. ``text`` is what is ranked."""

    text: str
    phrases: tuple[str, ...] = ()  # quoted: must occur, and rank
    required: tuple[str, ...] = ()  # +word or +"phrase": must occur, and rank
    excluded: tuple[str, ...] = ()  # -word or -"phrase": must not occur
    titles: tuple[str, ...] = ()  # title:word
    doc_prefixes: tuple[str, ...] = ()  # doc:PREFIX

    @property
    def ranked(self) -> str:
        """Everything that counts towards the score."""
        return " ".join(part for part in (self.text, *self.phrases, *self.required) if part)

    @property
    def filters(self) -> bool:
        """Whether it narrows what is searched (``-``, ``title:``, ``doc:``) besides ranking."""
        return bool(self.excluded or self.titles or self.doc_prefixes)


def parse_query(query: str) -> Query:
    """``query`` taken apart; an unclosed quote is an error saying where it opens."""
    if query.count('"') % 2:
        raise MlqError(f'unclosed quote in query {query!r} (a phrase is "…")')
    free: list[str] = []
    parts: dict[str, list[str]] = {"phrases": [], "required": [], "excluded": [], "titles": [], "doc_prefixes": []}
    for match in _TOKEN.finditer(query):
        sign, phrase, bare = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            if phrase.strip():
                parts[{"+": "required", "-": "excluded", "": "phrases"}[sign]].append(phrase)
        elif bare.startswith("title:") and len(bare) > len("title:"):
            parts["titles"].append(bare[len("title:") :])
        elif bare.startswith("doc:") and len(bare) > len("doc:"):
            parts["doc_prefixes"].append(bare[len("doc:") :])
        elif bare[0] in "+-" and len(bare) > 1:
            parts["required" if bare[0] == "+" else "excluded"].append(bare[1:])
        else:
            free.append(bare)
    return Query(" ".join(free), **{name: tuple(values) for name, values in parts.items()})
