"""Spellings: the written forms in which an index met each of its words, where they differ from
the word itself (サーバ and サーバー are the word サーバー, 使っ and 使い are 使う).

Highlighting a hit shows every place of its passage that holds a query word. A place written as
the query writes the word is found by looking for the characters; another spelling of the word
only by analysing the passage again with Sudachi, which is most of what a warm query with
highlights costs. With the spellings each word was met in, a passage that holds none of the
query words' other spellings needs no analysis: its highlights are where the query's own
spellings stand (see :meth:`mlq.search.Searcher.highlights`).

A word met inside a longer word of Latin letters and digits (Python in Python3: Sudachi cuts
between letters and digits) has the empty spelling too (:data:`mlq.analysis.INSIDE_A_WORD`):
where it has not, a Latin spelling found inside a longer word cannot be it.

A table may hold more than the index's passages now have (the spellings of documents since
deleted or replaced): that only costs an analysis that finds nothing more, never a highlight.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ._numpy import np
from .backends import NUMPY, Backend
from .bm25 import Vocabulary, hashes_of, pack

#: How many words' spellings a table keeps once looked up.
_KNOWN_MAX = 4096
#: The arrays a table is stored as (after the index's own prefix).
ARRAYS = ("spellings.hashes", "spellings.words", "spellings.words_offsets", "spellings.forms", "spellings.forms_offsets")


class Spellings:
    """Each word's other spellings (NFKC, lower-cased, as :func:`mlq.analysis.normalize` has
    them), looked up by the word; one table, or the union of several (an index of segments)."""

    def __init__(self, words: Vocabulary | None, forms: Any = None, forms_offsets: Any = None, parts: Sequence[Spellings] = ()) -> None:
        self._words, self._forms, self._forms_offsets = words, forms, forms_offsets
        self._parts = tuple(parts)
        self._known: dict[str, frozenset[str]] = {}  # a cache of forms(): each hit asks again

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Spellings:
        """The table of ``(word, spelling)`` pairs (repeats allowed)."""
        found: dict[str, set[str]] = defaultdict(set)
        for word, spelling in pairs:
            found[word].add(spelling)
        words = list(found)
        hashes = hashes_of(words)
        order = np.argsort(hashes, kind="stable")
        words = [words[i] for i in order.tolist()]
        vocabulary, offsets = pack([word.encode("utf-8") for word in words])
        forms, forms_offsets = pack(["\0".join(sorted(found[word])).encode("utf-8") for word in words])
        return cls(Vocabulary(hashes[order], vocabulary, offsets), forms, forms_offsets)

    @classmethod
    def combined(cls, parts: Sequence[Spellings]) -> Spellings:
        """The union of ``parts``, looked up in each (nothing is copied)."""
        return cls(None, parts=parts)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any], backend: Backend = NUMPY) -> Spellings:
        words = Vocabulary(arrays["spellings.hashes"], arrays["spellings.words"], arrays["spellings.words_offsets"], backend)
        return cls(words, arrays["spellings.forms"], arrays["spellings.forms_offsets"])

    def arrays(self) -> dict[str, Any]:
        """The table as it is stored (the union of several, made one)."""
        table = self if self._words is not None and not self._parts else Spellings.of(self.pairs())
        assert table._words is not None
        values = (table._words.hashes, table._words.blob, table._words.offsets, table._forms, table._forms_offsets)
        return dict(zip(ARRAYS, values))

    def forms(self, word: str) -> frozenset[str]:
        """The spellings ``word`` was met in, other than itself."""
        known = self._known.get(word)
        if known is None:
            if len(self._known) >= _KNOWN_MAX:
                self._known.clear()
            known = self._known[word] = frozenset(self._looked_up(word))
        return known

    def _looked_up(self, word: str) -> set[str]:
        found: set[str] = set()
        if self._words is not None:
            i = self._words.id_of(word)
            if i is not None:
                found.update(self._forms_at(i))
        for part in self._parts:
            found |= part.forms(word)
        return found

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Every ``(word, spelling)`` of the table."""
        if self._words is not None:
            for i in range(len(self._words)):
                word = self._words[i]
                yield from ((word, form) for form in self._forms_at(i))
        for part in self._parts:
            yield from part.pairs()

    def _forms_at(self, i: int) -> list[str]:
        """The spellings of the table's word number ``i``."""
        return bytes(self._forms[self._forms_offsets[i] : self._forms_offsets[i + 1]]).decode("utf-8").split("\0")


#: The table of an index that met no other spelling.
NONE = Spellings.combined(())
