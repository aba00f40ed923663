"""Documents as a person names them: an id, a unique prefix of one, ``DOC#N`` for a passage —
and, when nothing fits, the closest ids to suggest."""

from __future__ import annotations

import functools

from ._lazy import ImportedOnFirstUse
from .corpus import Document, composed
from .errors import MlqError
from .index import CorpusIndex
from .passages import Passage

difflib = ImportedOnFirstUse("difflib")  # only for a name that fits nothing (see mlq._lazy)


class Catalog:
    """The documents and passages of an index, looked up by what ``mlq show`` is given."""

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index

    @functools.cached_property
    def numbers(self) -> dict[str, int]:
        """Each document id's number in the index."""
        return {doc_id: i for i, doc_id in enumerate(self.index.documents.ids)}

    def resolve(self, ref: str) -> tuple[Document, int | None]:
        """A document from its id or a unique prefix of it, and a passage number from a
        ``#N`` suffix. Unknown or ambiguous references are errors naming the closest ids. An id
        may hold ``#`` itself (a JSON Lines record's ``x#2``): it is itself, and ``x#2#1`` its
        first passage, as a hit names it. A name typed decomposed (as macOS's file names come,
        pasted or completed) is the composed id."""
        ref = composed(ref)
        if ref in self.numbers:
            return self.document(ref), None
        doc_ref, hash_mark, number = ref.rpartition("#") if "#" in ref else (ref, "", "")
        passage = None
        if hash_mark:
            if not number.isdecimal() or int(number) < 1:  # not isdigit: ² is a digit int() refuses
                raise MlqError(f"bad passage number in {ref!r}: expected DOC#N with N ≥ 1")
            passage = int(number)
        return self.document(doc_ref), passage

    def document(self, ref: str) -> Document:
        ref = ref.strip().removesuffix(".md").removesuffix(".txt")
        numbers, documents = self.numbers, self.index.documents
        if ref in numbers:
            return documents[numbers[ref]]
        matches = [doc_id for doc_id in numbers if doc_id.startswith(ref)] if ref else []
        if len(matches) == 1:
            return documents[numbers[matches[0]]]
        if matches:
            raise MlqError(f"ambiguous document {ref!r}: matches {_listing(matches)}")
        close = [doc_id for doc_id in numbers if ref and ref in doc_id]
        close += [c for c in difflib.get_close_matches(ref, numbers, n=3, cutoff=0.0) if c not in close]
        hint = f"; closest: {_listing(close, most=3)}" if close else " (the corpus is empty)"
        raise MlqError(f"unknown document {ref!r}{hint}")

    def passages(self, document: Document) -> list[Passage]:
        return [self.index.passage(i) for i in self.index.passages.rows_of(self.numbers[document.doc_id])]

    def passage(self, document: Document, number: int) -> Passage:
        passages = self.passages(document)
        if not passages:
            raise MlqError(f"{document.doc_id} has no passages (nothing but front matter or blank lines)")
        if not 1 <= number <= len(passages):
            raise MlqError(f"{document.doc_id} has passages 1–{len(passages)}, not {number}")
        return passages[number - 1]


def _listing(ids: list[str], most: int = 5) -> str:
    shown = ", ".join(ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")
