"""Which passages match a query, and what they score: the matching rule, over the index's fields.

A passage matches a query word when its own prose holds the word's term (the words field, less
the passage's header: see :mod:`mlq.fields`), or the word's whole surface as a run of
characters — found through the bigram field (the passage or its header holds every bigram of
the surface), then checked in the passage's prose: overlapping bigrams alone never make a match
(インターン is not イン in デザイン plus ター in スタートアップ). The bigram field adds to a
passage's score only for the words the passage holds, in its prose or its header (its title
is part of it, as in the words field): as a term, or its surface whole. A passage matching no
word is no hit; one that matches gets its own fields' scores, header included, and, once,
its document's scores in the document fields.

The check in the prose costs a passage's text, so it is left to selection (see
:func:`mlq.bm25.select_top`): each candidate first gets an upper bound of its score (as if
every check passed), and only the candidates that could make the top are checked, best first
— and only for the surfaces whose term they lack (a part of a compound, a join, a word inside
a longer one).

Postings are combined by the index's backend (:mod:`mlq.backends`), chosen once when it was
opened: numpy for an ordinary index, plain Python for a small one read without numpy; both sum in
the same order.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from .backends import NUMPY, Backend
from .analysis import QueryWord
from .bm25 import FieldIndex, Postings
from .fields import EVIDENCE_FIELDS, field

#: Where passage ``row`` holds ``surface`` whole, as a run of characters: in its ``"prose"``,
#: else in its ``"header"``, else None. For a surface that is one bigram of Japanese script, the
#: third argument is how many times the passage's bigram field (prose and header) holds it,
#: which a count of the header's alone decides without reading the prose.
Check = Callable[[int, str, "int | None"], "str | None"]


@dataclass(frozen=True)
class Surface:
    """A query word's surface that a candidate must hold whole for the bigram field to count:
    the candidates holding all its bigrams (sorted), what the field adds to each, and whether
    holding it in the prose makes a passage match (not for a query's parts and joins)."""

    text: str
    ids: Sequence[int]
    added: Sequence[float]
    matches: bool
    #: For a surface that is its one bigram: the bigram's frequency in each candidate.
    times: Sequence[int] | None = None
    #: False for a Latin word, held whole just where the analyzer made it a term (between
    #: non-letters): where the passage holds its term decides, with no need to read the text.
    read: bool = True


@dataclass(frozen=True)
class Candidates:
    """Passages that may match, with an upper bound of each one's score; :meth:`exact` gives
    a passage's score once its surfaces are checked (None: it matches nothing)."""

    ids: Sequence[int]
    scores: Sequence[float]
    #: The surfaces to check, per word with bigrams.
    pending: tuple[Surface, ...]
    #: Per word with a term: its surface, and the term's postings in the words field and in
    #: the header field.
    terms: tuple[tuple[str, Postings, Postings | None], ...]
    check: Check | None = None

    def exact(self, row: int, bound: float) -> float | None:
        """The score of candidate ``row`` whose upper bound is ``bound``. Only a surface whose
        word's term the passage lacks is read for in its text (or, to decide a match, one whose
        term only its header holds)."""
        places = {surface: place for surface, words, header in self.terms if (place := _term_place(words, header, row))}
        matched = "prose" in places.values()
        score = bound
        for surface in self.pending:
            at = _position(surface.ids, row)
            if at is None:
                continue
            place = places.get(surface.text)
            if surface.read and (place is None or (place == "header" and surface.matches and not matched)):
                assert self.check is not None
                place = self.check(row, surface.text, None if surface.times is None else int(surface.times[at])) or place
            if place is None:
                score -= float(surface.added[at])
            matched = matched or (place == "prose" and surface.matches)
        return score if matched else None


def _term_place(words: Postings, header: Postings | None, row: int) -> str | None:
    """Where passage ``row`` holds a term: in its own ``prose`` (more times in the words field,
    which counts its header too, than in the header field), only in its ``header``, or not."""
    at = _position(words.ids, row)
    if at is None:
        return None
    in_header = _position(header.ids, row) if header is not None else None
    return "prose" if in_header is None or int(words.tf[at]) > int(header.tf[in_header]) else "header"  # type: ignore[union-attr]


def _position(ids: Sequence[int], row: int) -> int | None:
    at = bisect.bisect_left(ids, row)
    return at if at < len(ids) and ids[at] == row else None


def weighted(words: Sequence[QueryWord]) -> list[tuple[QueryWord, int]]:
    """The words that carry weight — all but filler, unless no other word can make a match —
    each with the times it is in the query (a repeated word counts again, as in rank-bm25)."""
    kept = [word for word in words if not word.filler]
    if not any(word.matches for word in kept):
        kept = list(words)
    return list(Counter(kept).items())


def candidates(
    fields: Mapping[str, FieldIndex],
    weights: Mapping[str, float],
    passage_doc: Sequence[int],
    words: Sequence[tuple[QueryWord, int]],
    check: Check,
    backend: Backend = NUMPY,
) -> Candidates:
    """Every passage that may match one of ``words`` (with their counts), and its score's upper
    bound: words + bigrams (of surfaces it holds every bigram of) + its evidence fields'. Only
    a word makes a passage match, through its term or its whole surface: a passage that holds
    no more than a part or a join (ゲーム of ビデオゲーム) is no candidate, however high its
    bound would be, and selection never reads it."""
    parts: list[tuple[Sequence[int], Sequence[float], float]] = []
    listed: list[bool] = []  # whether each part's passages are candidates: a word's are, a part's or join's not
    terms = []
    pending = []
    for word, count in words:
        found = None
        if word.term is not None and (found := fields["words"].lookup(word.term)) is not None:
            parts.append((found.ids, found.scores, weights["words"] * count))
            listed.append(True)
            terms.append((word.surface, found, fields["header"].lookup(word.term)))
        if not word.bigrams:
            continue
        distinct = Counter(word.bigrams)
        postings = [fields["bigrams"].lookup(bigram) for bigram in distinct]
        if any(p is None for p in postings):
            continue
        factor = weights["bigrams"] * count
        held = [(p, factor * times) for p, times in zip(postings, distinct.values())]  # type: ignore[misc]
        latin = word.term is not None and word.surface.isascii() and word.surface.isalnum()
        if latin:
            # A Latin word is held whole only between non-letters, where the analyzer made it a
            # term: only passages holding the term can hold it (its stem's other forms too).
            if found is None:
                continue
            held.append((found, 0.0))
        ids, added = backend.in_all(held)
        if not len(ids):
            continue
        parts.append((ids, added, 1.0))
        listed.append(word.matches)
        # Checked even for one bigram: it may be the header's alone.
        times = None
        if word.bigrams == (word.surface,) and not any(c.isascii() and c.isalnum() for c in word.surface):
            times = postings[0].tf  # type: ignore[union-attr]
        pending.append(Surface(word.surface, ids, added, word.matches, times, read=not latin))
    ids, bounds = backend.summed(parts, listed)
    for name in EVIDENCE_FIELDS:  # added to the passages that match, never making one match
        if not weights[name]:
            continue
        evidence = [
            (*posting, weights[name] * count)
            for word, count in words
            if word.term is not None and (posting := fields[name].postings_of(word.term)) is not None
        ]
        if evidence and len(ids):
            units = backend.take(passage_doc, ids) if field(name).unit == "document" else ids
            bounds = backend.plus(bounds, units, backend.summed(evidence))
    return Candidates(ids, bounds, tuple(pending), tuple(terms), check)




def field_scores(index_field: FieldIndex, terms: Sequence[str]) -> dict[int, float]:
    """One field's BM25 of ``terms`` for every unit holding one of them, as
    ``rank_bm25.BM25Okapi.get_scores`` gives it (a repeated term counts again): what the tests
    hold each field against."""
    totals: dict[int, float] = {}
    for term, count in Counter(terms).items():
        found = index_field.postings_of(term)
        if found is not None:
            for i, score in zip(*found):
                totals[int(i)] = totals.get(int(i), 0.0) + float(score) * count
    return totals

