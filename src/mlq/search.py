"""The library API: open a corpus (from the cache when it is fresh), search it, look documents up.

    >>> import mlq
    >>> searcher = mlq.open_corpus()            # the bundled essays
    >>> for hit in searcher.search("インターン 面接", limit=3):
    ...     print(hit.doc_id, hit.passage, round(hit.score, 2))
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from . import cache, matching, scoring
from .cache import BuildReport
from .clauses import Clause, date_of, from_options, holds_run
from .analysis import INSIDE_A_WORD, Analyzer, QueryWord, bigram_texts, contains_surface, line_around, load_dictionary, normalize, occurrences, surface_spans
from .bm25 import select_top
from .corpus import Document, Warn, check_corpus_dir, is_unicode
from .errors import MlqError
from .fields import EVIDENCE_FIELDS, field as field_named
from .index import CorpusIndex, IndexSettings, Progress
from .lookup import Catalog
from .passages import Passage
from .query import Query, parse_query

DEFAULT_LIMIT = 10
DEFAULT_PER_DOC = 3


def bundled_corpus() -> Path:
    """The essays shipped with mlq: inside the installed package, or at the top of a source
    checkout when mlq runs from one."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "bundled_corpus", package.parent.parent / "corpus"):
        if candidate.is_dir():
            return candidate
    raise MlqError("the bundled corpus is missing from this installation; pass --corpus DIR")


@dataclass(frozen=True)
class Hit:
    """One ranked passage. ``start``/``end`` are offsets in the document's text;
    ``highlights`` are ``(start, end)`` offsets in ``text`` of the characters that matched."""

    rank: int
    doc_id: str
    passage: int
    score: float
    title: str
    path: str
    start: int
    end: int
    text: str
    highlights: tuple[tuple[int, int], ...]
    #: The Markdown heading path the passage sits under ("" if none).
    section: str = ""
    #: With ``explain``: what each query term added to ``score``, per field (they sum to it).
    explain: tuple[scoring.Part, ...] = ()
    #: With ``neighbours``: the passages of the same document just before and just after it.
    before: tuple[Passage, ...] = ()
    after: tuple[Passage, ...] = ()
    #: False for a listing (a query of filters alone): ``score`` is 0, nothing ranked it.
    ranked: bool = True
    #: Where in its file an editor should land: the line (from 1) of its first highlight (or
    #: of its start), and the column as ripgrep and vim count it, in UTF-8 bytes from 1. A
    #: JSON Lines record is its line, column 1.
    line: int = 0
    column: int = 0


SORTS = ("score", "date", "doc")
#: How many entries each of a searcher's caches keeps (passages' normalized prose and headers'
#: bigrams, for checking surfaces; clauses' texts as words).
_KEPT = 4096

K = TypeVar("K")
V = TypeVar("V")


def _remembered(cache: dict[K, V], key: K, make: Callable[[], V]) -> V:
    """``cache[key]``, made by ``make`` the first time; the oldest entry goes once there are
    :data:`_KEPT`."""
    found = cache.get(key)
    if found is None:
        if len(cache) >= _KEPT:
            cache.pop(next(iter(cache)))
        found = cache[key] = make()
    return found


def analyze_query(analyzer: Analyzer, query: str, filtered: bool = False, given: Sequence[Clause] = ()) -> tuple[Query, list[QueryWord]]:
    """A query taken apart, and the words of it that rank, as matching needs them: the free
    words (filler among them marked), then the words of phrases and ``+`` words (never
    filler: quoted, every word counts), then those of the clauses ``given`` besides the query's.
    No words to rank is a listing of what the query's filters (or, if ``filtered``, the
    caller's: dates, tags) let through; an error if there is no filter either, or if the words
    typed analyse to nothing searchable."""
    if not is_unicode(query):
        raise MlqError("the query is not valid UTF-8")  # lone surrogates: no analyzer takes them
    parsed = parse_query(query)
    ranked = [text for clause in (*parsed.clauses, *given) for text in clause.ranked()]
    if not parsed.text.strip() and not any(text.strip() for text in ranked):
        if parsed.filters or filtered:
            return parsed, []
        raise MlqError("empty query")
    words = analyzer.query_words(parsed.text)
    for text in ranked:
        words += analyzer.query_words(text, filler=False)
    if not words:
        raise MlqError(f"no searchable term in query {query!r}")
    return parsed, words


class Searcher:
    """Searches one indexed corpus. Create it with :func:`open_corpus`."""

    def __init__(self, index: CorpusIndex, analyzer: Analyzer | None = None, built: BuildReport | None = None):
        self.index = index
        if analyzer is not None:
            self.analyzer = analyzer
        self.built = built
        self._searches = 0
        self._normalized: dict[tuple[int, str], str] = {}  # a cache of passages' prose and headers, NFKC and lower-cased
        self._header_counts: dict[tuple[int, int], Counter[str]] = {}  # a cache of headers' bigrams, by (document, section)
        self._analysed: dict[str, list[str]] = {}  # a cache of clauses' texts as words

    @functools.cached_property
    def analyzer(self) -> Analyzer:
        """The analyzer of queries and hits, made when first needed: loading the dictionary
        takes some 30 ms and tens of MB, which `mlq index`, `mlq show` and `mlq list` never need."""
        return Analyzer(self.index.settings.analyzer)

    @functools.cached_property
    def catalog(self) -> Catalog:
        """Documents by id, prefix or ``DOC#N`` (over the index as opened: a switch to numpy
        arrays changes nothing it reads)."""
        return Catalog(self.index)

    @property
    def _ids(self) -> dict[str, int]:
        return self.catalog.numbers

    @property
    def documents(self) -> Sequence[Document]:
        return self.index.documents

    def search(
        self,
        query: str,
        limit: int = DEFAULT_LIMIT,
        per_doc: int | None = DEFAULT_PER_DOC,
        highlight: bool = True,
        explain: bool = False,
        neighbours: int = 0,
        since: str | None = None,
        until: str | None = None,
        tags: Sequence[str] = (),
        sort: str = "score",
        clauses: Sequence[Clause] = (),
    ) -> list[Hit]:
        """The best passages for ``query``, at most ``per_doc`` from one document. Without
        ``highlight`` the hits' ``highlights`` are left empty, which saves analysing them; with
        ``explain`` each hit says what every query term added to its score; with ``neighbours``,
        each carries that many neighbouring passages on either side (like ``grep -C``). Only
        documents dated (front matter ``date``, ``YYYY-MM-DD…``) from ``since`` to ``until``
        and tagged with every one of ``tags`` are searched, if those are given; ``sort`` orders
        the hits found by ``score``, ``date`` (newest first) or ``doc`` (id). ``clauses``
        (see :mod:`mlq.clauses`) narrow the search further, as the query's own do."""
        _check_counts(limit, per_doc)
        if neighbours < 0:
            raise MlqError("neighbours must be 0 or more")
        if sort not in SORTS:
            raise MlqError(f"unknown sort {sort!r}: one of {', '.join(SORTS)}")
        options = (*from_options(since, until, tags), *clauses)
        parsed, words = analyze_query(self.analyzer, query, bool(options), given=options)
        every = (*parsed.clauses, *options)
        if not words:
            hits = self._listed(every, limit, sort)
            return [self._with_neighbours(hit, neighbours) for hit in hits] if neighbours > 0 else hits
        allowed = self._allowed(clause.documents(self) for clause in every)
        keep = self._passage_rule(every)
        hits = self._ranked(matching.weighted(words), limit, per_doc, highlight, allowed=allowed, explain=explain, keep=keep)
        if sort != "score":
            key = (lambda h: (date_of(self.documents[self._ids[h.doc_id]].metadata) or "", -h.rank)) if sort == "date" else (lambda h: (h.doc_id, h.passage))
            hits = [replace(hit, rank=rank) for rank, hit in enumerate(sorted(hits, key=key, reverse=sort == "date"), 1)]  # numbered as shown
        return [self._with_neighbours(hit, neighbours) for hit in hits] if neighbours > 0 else hits

    @staticmethod
    def _allowed(masks: Iterable[Sequence[bool] | None]) -> list[bool] | None:
        """The documents every mask lets through (None: every document)."""
        allowed: list[bool] | None = None
        for mask in masks:
            if mask is not None:
                allowed = list(mask) if allowed is None else [a and b for a, b in zip(allowed, mask)]
        return allowed

    def _passage_rule(self, every: Sequence[Clause]) -> Callable[[int], bool] | None:
        """Which passages the clauses let through, or None if all: they look at the words
        ranking counts, the passage's prose with its title and heading path."""
        looking = [clause for clause in every if clause.looks_at_passages]
        if not looking:
            return None

        def keep(row: int) -> bool:
            words = self._passage_words(row)
            return all(clause.keeps(words, self) for clause in looking)

        return keep

    def _passage_words(self, row: int) -> list[str]:
        """The words-field terms of passage ``row``, in order: its prose, then its header."""
        return self._words(self.index.prose(row) + "\n" + self._header_text(row))

    def _listed(self, every: Sequence[Clause], limit: int, sort: str) -> list[Hit]:
        """A query with nothing to rank: the documents its clauses let through, each as its
        first passage, by id (newest first by ``date``)."""
        allowed = self._allowed(clause.listed(self) for clause in every)
        first_rows = {}  # each listed document's first passage
        for i in range(len(self.documents)):
            rows = self.index.passages.rows_of(i)
            if (allowed is None or allowed[i]) and len(rows):
                first_rows[i] = rows.start
        records = self.index.documents.record
        listed = sorted(first_rows, key=lambda i: records(i)["doc_id"])
        if sort == "date":
            listed.sort(key=lambda i: date_of(records(i)["metadata"]) or "", reverse=True)
        return [replace(self._hit(rank, first_rows[i], 0.0, None), ranked=False) for rank, i in enumerate(listed[:limit], 1)]

    # What clauses read (see mlq.clauses.Corpus).

    @property
    def document_count(self) -> int:
        return len(self.documents)

    def record(self, doc: int) -> Mapping[str, Any]:
        return self.index.documents.record(doc)

    def words(self, text: str) -> list[str]:
        """``text`` as the words field indexes it (kept for the few texts asked again and again:
        a clause's, per passage it looks at)."""
        return _remembered(self._analysed, text, lambda: self._words(text))

    def documents_holding(self, run: Sequence[str]) -> set[int]:
        """The documents with a passage holding ``run`` (consecutive words) as ranking counts
        it: found through the words field, read only where the run is longer than one word."""
        words_field = self.index.bm25.fields["words"]
        postings = [words_field.lookup(term) for term in dict.fromkeys(run)]
        if not run or any(p is None for p in postings):
            return set()
        rows = set.intersection(*(set(int(i) for i in p.ids) for p in postings))  # type: ignore[union-attr]
        return {int(self.index.passages.doc[row]) for row in rows if len(run) == 1 or holds_run(self._passage_words(row), run)}

    def _words(self, text: str) -> list[str]:
        return self.analyzer.texts(text)["words"]

    def _with_neighbours(self, hit: Hit, neighbours: int) -> Hit:
        rows = self.index.passages.rows_of(self._ids[hit.doc_id])
        row = rows.start + hit.passage - 1
        before = range(max(rows.start, row - neighbours), row)
        after = range(row + 1, min(rows.stop, row + 1 + neighbours))
        return replace(
            hit,
            before=tuple(self.index.passage(r) for r in before),
            after=tuple(self.index.passage(r) for r in after),
        )

    def place_of(self, row: int, surface: str, times: int | None = None) -> str | None:
        """Where passage ``row`` holds ``surface`` whole: in its ``prose``, else in its
        ``header`` (its document's title and its heading path), else None. ``times``, for a
        surface that is one bigram, is how often the passage's bigram field holds it: more than
        its header does means the prose holds it too, with no need to read the prose."""
        if times is not None:
            in_header = self._header_bigrams(row)[surface]
            return "prose" if times > in_header else "header" if in_header else None
        for place in ("prose", "header"):
            if contains_surface(self._normalized_text(row, place), surface):
                return place
        return None

    def _header_bigrams(self, row: int) -> Counter[str]:
        """The bigrams passage ``row``'s header adds to its bigram field, as indexing made them."""
        key = (int(self.index.passages.doc[row]), int(self.index.passages.section[row]))
        latin = self.index.settings.analyzer.latin_bigrams
        return _remembered(self._header_counts, key, lambda: Counter(bigram_texts(self._header_text(row), latin)))

    def _header_text(self, row: int) -> str:
        """Passage ``row``'s header as indexing counted it with the passage (see
        :meth:`mlq.analysis.Headers.header`)."""
        title = self.index.documents.record(int(self.index.passages.doc[row]))["metadata"].get("title", "").strip()
        return self.index.settings.headers.header(title, self.index.passages.section_text(int(self.index.passages.section[row])))

    def _normalized_text(self, row: int, place: str) -> str:
        def make() -> str:
            return normalize(self.index.prose(row) if place == "prose" else self._header_text(row))[0]

        return _remembered(self._normalized, (row, place), make)

    def explain(self, words: Sequence[tuple[QueryWord, int]], row: int) -> tuple[scoring.Part, ...]:
        """What each of the query's words adds to passage ``row``'s score, field by field, from
        :mod:`mlq.scoring`'s formula over the counts the index holds: the words field, the
        bigrams of each word the passage or its header holds (as a term, or its surface whole)
        where it holds every bigram of the surface (see :func:`mlq.matching.candidates`), the
        evidence fields."""
        weights = self.index.bm25.weights
        doc = int(self.index.passages.doc[row])
        found = []
        for word, count in words:
            if word.term is not None:
                found += self._parts("words", word.term, count, row)
            if word.bigrams and (self._holds_term(word, row) or self.place_of(row, word.surface)):
                via = "" if word.matches else f"{word.role} {word.surface}"
                held = [self._parts("bigrams", bigram, count * times, row) for bigram, times in Counter(word.bigrams).items()]
                if all(held):  # as matching counts them: none from a passage lacking one (サーバ for サーバー)
                    found += [replace(part, via=via) for parts in held for part in parts]
        for name in EVIDENCE_FIELDS:
            if not weights[name]:
                continue
            unit = doc if field_named(name).unit == "document" else row
            for word, count in words:
                if word.term is not None:
                    found += self._parts(name, word.term, count, unit)
        return tuple(found)

    def _holds_term(self, word: QueryWord, row: int) -> bool:
        """Whether passage ``row`` (its prose or header) holds ``word``'s term."""
        return word.term is not None and self.index.bm25.fields["words"].posting(word.term, row) is not None

    def _parts(self, name: str, term: str, count: int, unit: int) -> list[scoring.Part]:
        """The part of ``term`` (``count`` times in the query) in unit ``unit`` of field ``name``."""
        field = self.index.bm25.fields[name]
        posting = field.posting(term, unit)
        if posting is None:
            return []
        tf, df = posting
        params = self.index.settings.params(name)
        stats = field.stats
        weight = self.index.bm25.weights[name]
        unit_name = field_named(name).unit
        return [scoring.explain(name, unit_name, term, count, weight, tf, df, int(field.lengths[unit]), stats, params)]

    def similar(
        self,
        ref: str,
        limit: int = DEFAULT_LIMIT,
        per_doc: int | None = 1,
        terms: int = 25,
        explain: bool = False,
        highlight: bool = True,
        words: Sequence[str] | None = None,
    ) -> list[Hit]:
        """Passages of other documents most like document ``ref`` (or its passage ``DOC#N``):
        its :meth:`characteristic_words` searched as a query (``words``, when the caller has
        worked them out already: it analyses the whole document). The document itself is never
        among them. By default one passage per document: the documents most alike."""
        _check_counts(limit, per_doc)
        words = self.characteristic_words(ref, terms) if words is None else words
        if not words:
            return []
        others = [True] * len(self.documents)
        others[self._ids[self.resolve(ref)[0].doc_id]] = False
        query = [(QueryWord(term, term, ()), 1) for term in words]
        return self._ranked(query, limit, per_doc, highlight, allowed=others, explain=explain)

    def characteristic_words(self, ref: str, terms: int = 25) -> list[str]:
        """The ``terms`` most characteristic words of document ``ref`` (or its passage
        ``DOC#N``), best first: :func:`mlq.scoring.characteristic` (idf × saturated tf over its
        own text as indexing analyses it), among words that other documents also hold."""
        if terms < 1:
            raise MlqError("terms must be at least 1")
        document, number = self.resolve(ref)
        own = self.index.passages.rows_of(self._ids[document.doc_id])
        if number is not None:
            self.passage(document, number)  # an error for a passage it does not have
        per_passage = [Counter(self.analyzer.texts(self.index.prose(row))["words"]) for row in own]
        counts = per_passage[number - 1] if number is not None else sum(per_passage, Counter())
        field, params = self.index.bm25.fields["words"], self.index.settings.params("words")
        weighed = []
        own_df = Counter(term for passage in per_passage for term in passage)
        for term, tf in counts.items():
            df = field.document_frequency(term)
            # A word no other document has finds nothing; one in most passages says nothing.
            weight = scoring.characteristic(tf, df, self.index.bm25.passage_count, params)
            if df > own_df[term] and weight > 0:
                weighed.append((-weight, term))
        return [term for _, term in sorted(weighed)[:terms]]

    def _ranked(
        self,
        words: Sequence[tuple[QueryWord, int]],
        limit: int,
        per_doc: int | None,
        highlight: bool,
        allowed: Sequence[bool] | None = None,
        explain: bool = False,
        keep: Callable[[int], bool] | None = None,
    ) -> list[Hit]:
        """The hits for query words already analysed (each with its count), best first (only
        from documents ``d`` where ``allowed[d]``, if given)."""
        self._searches += 1
        if self._searches == 2:
            # A small index is read without numpy, which suits one search; from a second one on
            # (a batch, a program), importing numpy once costs less than summing in Python.
            self.index = self.index.with_numpy_arrays()
        bm25 = self.index.bm25
        found = matching.candidates(bm25.fields, bm25.weights, self.index.passages.doc, words, self.place_of, self.index.backend)
        # Own words, surfaces, phrases, + and - (``exact``, ``keep``) are checked best first, only
        # as far as the hits shown need.
        ids, scores = select_top(found.ids, found.scores, limit, self.index.passages.doc, per_doc, allowed, keep, found.exact)
        hits = [self._hit(rank, int(i), float(score), words if highlight else None) for rank, (i, score) in enumerate(zip(ids, scores), 1)]
        if explain:
            hits = [replace(hit, explain=self.explain(words, int(i))) for hit, i in zip(hits, ids)]
        return hits

    def _hit(self, rank: int, row: int, score: float, words: Sequence[tuple[QueryWord, int]] | None) -> Hit:
        document = self.documents[int(self.index.passages.doc[row])]
        passage = self.index.passage(row)
        highlights = self.highlights(self.index.prose(row), [word for word, _ in words]) if words is not None else ()
        line, column = document.place(passage.start + (highlights[0][0] if highlights else 0))
        return Hit(
            rank=rank,
            doc_id=passage.doc_id,
            passage=passage.number,
            score=score,
            title=document.shown_title,
            path=document.path,
            start=passage.start,
            end=passage.end,
            text=passage.text,
            highlights=highlights,
            section=passage.section,
            line=line,
            column=column,
        )

    def highlights(self, text: str, words: Sequence[QueryWord]) -> tuple[tuple[int, int], ...]:
        """Spans of ``text`` that match ``words``: the analysed words whose term is one of
        theirs, and every place that holds one's surface whole, merged where they touch or
        overlap. The lines that could hold a word where its surface does not stand are analysed
        again (see :meth:`_lines_to_analyse`), rather than storing every term's span in the
        index: the analyzer is deterministic and sees a line at a time, and it is only the few
        passages shown. A query's parts and joins are not shown: they never make a match."""
        words = [word for word in words if word.matches]
        normalized, starts, ends = normalize(text)
        standing = _standing(normalized, words)
        spans = [(starts[i], ends[j - 1]) for i, j in standing]
        terms = {word.term for word in words}
        for line_start, line_end in self._lines_to_analyse(text, normalized, starts, words, standing):
            line = text[line_start:line_end]
            spans += [(line_start + term.start, line_start + term.end) for term in self.analyzer.words(line) if term.text in terms]
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and (start <= merged[-1][1] or _joined_latin(text, merged[-1][1], start)):
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return tuple(merged)

    def _lines_to_analyse(
        self, text: str, normalized: str, starts: Sequence[int], words: Sequence[QueryWord], standing: Sequence[tuple[int, int]] | None = None
    ) -> list[tuple[int, int]]:
        """The lines of ``text`` (``normalized``: as :func:`normalize` has it, ``starts``: where
        its characters come from) where analysing could find a word of ``words`` where its
        surface does not stand. A word analysed has its term written as the term or as one of
        the term's spellings in the index (see :mod:`mlq.spellings`), so outside the lines
        that hold another of them, each place of the word is a place of its surface, which
        :func:`surface_spans` finds — anywhere for Japanese script; for a surface with a Latin
        letter or digit at an end, only at a word's edges. Such a word was met inside a longer
        one (Python in Python3) only if its spellings say so: otherwise only what stands at a
        word's edge can be it.

        A spelling that stands inside a place of a query's surface (``standing``: those
        places, sorted; found here if not given) is left out: the word analysis could find
        there lies within a highlight already, so it changes none. サーバ is in every サーバー,
        tabl (the term of table) in every table: without this, every line holding the query's
        own spelling would be analysed."""
        if standing is None:
            standing = _standing(normalized, words)
        firsts = [start for start, _ in standing]
        reach = list(itertools.accumulate((end for _, end in standing), max))

        def uncovered(at: int, length: int) -> bool:
            k = bisect.bisect_right(firsts, at) - 1
            return k < 0 or reach[k] < at + length

        places: set[int] = set()
        for word in words:
            if word.term is None or not word.bigrams:
                return [(0, len(text))] if text else []
            others = self.index.spellings.forms(word.term) | {word.term}
            inside = INSIDE_A_WORD in others
            others -= {word.surface, INSIDE_A_WORD}
            for other in others:
                found = occurrences(normalized, other) if inside else (at for at, _ in surface_spans(normalized, other))
                places.update(at for at in found if uncovered(at, len(other)))
            if inside:
                # A place of the surface at a word's edge is among ``standing``, so covered:
                # what is left are its places inside longer words (Python in Python3).
                places.update(at for at in occurrences(normalized, word.surface) if uncovered(at, len(word.surface)))
        return sorted({line_around(text, starts[at]) for at in places})

    def resolve(self, ref: str) -> tuple[Document, int | None]:
        """A document and passage number from what a person types (see :mod:`mlq.lookup`)."""
        return self.catalog.resolve(ref)

    def document(self, ref: str) -> Document:
        return self.catalog.document(ref)

    def passages(self, document: Document) -> list[Passage]:
        return self.catalog.passages(document)

    def passage(self, document: Document, number: int) -> Passage:
        return self.catalog.passage(document, number)


def _joined_latin(text: str, end: int, start: int) -> bool:
    """Whether one character that joins Latin words (Node.js, vue-router, C#) is all that
    parts a highlight ending at ``end`` from one starting at ``start``: one highlight then."""
    return start == end + 1 and text[end] in ".-_/+#" and text[end - 1].isascii() and text[end - 1].isalnum() and text[start].isascii() and text[start].isalnum()


def _check_counts(limit: int, per_doc: int | None) -> None:
    if limit < 1:
        raise MlqError("limit must be at least 1")
    if per_doc is not None and per_doc < 1:
        raise MlqError("per-doc must be at least 1")


def _standing(normalized: str, words: Sequence[QueryWord]) -> list[tuple[int, int]]:
    """Where ``normalized`` holds the surface of one of ``words`` whole, sorted: a hit's
    highlights that need no analysis."""
    return sorted({span for surface in {word.surface for word in words if word.bigrams} for span in surface_spans(normalized, surface)})


def open_corpus(
    corpus: str | Path | None = None,
    *,
    settings: IndexSettings | None = None,
    rebuild: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
    notice: Warn | None = None,
    will_search: bool = True,
    first: Callable[[], object] | None = None,
) -> Searcher:
    """Open ``corpus`` (default: the bundled essays) for searching, with ``settings`` (default:
    the corpus' ``mlq.toml``, if any): its index from the cache, refreshed when the files
    have changed (see :func:`mlq.cache.open_index`). ``first`` is done before the index is
    built or returned (a command's check of its query, which must fail before any indexing),
    and so is loading the dictionary that queries need, unless ``will_search`` is off (a caller
    that only looks documents up): while another process checks a large corpus's files, if
    one does."""
    if corpus == "":  # not the current folder: a name left empty is a mistake (open_corpus(os.environ.get(...)))
        raise MlqError("the corpus folder's name is empty (None is the bundled essays)")
    root = check_corpus_dir(Path(corpus).expanduser() if corpus is not None else bundled_corpus())
    if settings is None:
        from .config import settings_for

        settings = settings_for(root)

    def meanwhile() -> None:
        if will_search:
            load_dictionary()
        if first is not None:
            first()

    index, built = cache.open_index(root, settings, rebuild=rebuild, jobs=jobs, progress=progress, warn=warn, notice=notice, meanwhile=meanwhile)
    return Searcher(index, built=built)
