"""The library API: open a corpus (from the cache when it is fresh), search it, look documents up.

    >>> import mlq
    >>> searcher = mlq.open_corpus()            # the bundled essays
    >>> for hit in searcher.search("インターン 面接", limit=3):
    ...     print(hit.doc_id, hit.passage, round(hit.score, 2))
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Mapping, Sequence

from . import cache
from .analysis import Analyzer, Term
from .bm25 import select_top
from .corpus import Document, SourceFile, Warn, check_corpus_dir
from .errors import MlqError
from .index import CorpusIndex, IndexSettings, Progress, build_index
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
    #: With ``explain``: what each query term added to ``score`` (they sum to it).
    explain: tuple[Contribution, ...] = ()
    #: With ``context``: the passages of the same document just before and just after it.
    before: tuple[Passage, ...] = ()
    after: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class Contribution:
    """One query term's part of a hit's score: ``weight × count × idf × tf·(k1+1) /
    (tf + k1·norm)``, where ``norm = 1 − b + b·(passage length / average length)``."""

    field: str
    term: str
    count: int  # times the term is in the query
    weight: float  # the field's weight
    tf: int
    idf: float
    norm: float
    score: float


@dataclass(frozen=True)
class BuildReport:
    """Why and how long the index was (re)built on opening."""

    reason: str
    seconds: float
    cached: bool
    #: How many files were analysed; the rest were taken over from the previous index.
    analysed_files: int


SORTS = ("score", "date", "doc")


def _position(postings: Sequence[int], row: int) -> int | None:
    """Where passage ``row`` is among a term's postings (numpy arrays, or memoryviews for a
    small index read without numpy), or None."""
    if isinstance(postings, memoryview):
        return next((k for k, passage in enumerate(postings) if passage == row), None)
    found = (postings == row).nonzero()[0]  # type: ignore[attr-defined]
    return int(found[0]) if len(found) else None


def _contains_run(words: Sequence[str], run: Sequence[str]) -> bool:
    """Whether ``run`` occurs in ``words`` as consecutive items."""
    n = len(run)
    return any(words[i : i + n] == list(run) for i in range(len(words) - n + 1)) if n else True


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_of(metadata: Mapping[str, str]) -> str | None:
    """A document's front-matter ``date`` as ``YYYY-MM-DD``, or None if it has none."""
    found = _ISO_DATE.match(metadata.get("date", "").strip())
    return found.group(0) if found else None


def analyze_query(analyzer: Analyzer, query: str) -> dict[str, list[Term]]:
    """The query's terms per field; an error if there is nothing to search for."""
    if not query.strip():
        raise MlqError("empty query")
    terms = analyzer.analyze(query)
    if not any(terms.values()):
        raise MlqError(f"no searchable term in query {query!r}")
    return terms


class Searcher:
    """Searches one indexed corpus. Create it with :func:`open_corpus`."""

    def __init__(self, index: CorpusIndex, analyzer: Analyzer | None = None, built: BuildReport | None = None):
        self.index = index
        self.analyzer = analyzer or Analyzer(index.settings.analyzer)
        self.built = built
        self._searches = 0
        self._average_lengths: dict[str, float] = {}  # a cache for explain

    @functools.cached_property
    def _ids(self) -> dict[str, int]:
        return {doc_id: i for i, doc_id in enumerate(self.index.documents.ids)}

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
        context: int = 0,
        since: str | None = None,
        until: str | None = None,
        tags: Sequence[str] = (),
        sort: str = "score",
    ) -> list[Hit]:
        """The best passages for ``query``, at most ``per_doc`` from one document. Without
        ``highlight`` the hits' ``highlights`` are left empty, which saves analysing them; with
        ``explain`` each hit says what every query term added to its score; with ``context``,
        each carries that many neighbouring passages on either side (like ``grep -C``). Only
        documents dated (front matter ``date``, ``YYYY-MM-DD…``) from ``since`` to ``until``
        and tagged with every one of ``tags`` are searched, if those are given; ``sort`` orders
        the hits found by ``score``, ``date`` (newest first) or ``doc`` (id)."""
        if limit < 1:
            raise MlqError("limit must be at least 1")
        if per_doc is not None and per_doc < 1:
            raise MlqError("per-doc must be at least 1")
        if sort not in SORTS:
            raise MlqError(f"unknown sort {sort!r}: one of {', '.join(SORTS)}")
        parsed = parse_query(query)
        # A query of title: words alone ranks by them (titles count in every passage).
        terms = analyze_query(self.analyzer, parsed.ranked or " ".join(parsed.titles) or query)
        query_terms = {name: [t.text for t in field] for name, field in terms.items()}
        allowed = self._filtered(since, until, tags) if since or until or tags else None
        allowed = self._restricted(parsed, allowed)
        keep = self._passage_rule(parsed)
        hits = self._ranked(query_terms, limit, per_doc, highlight, allowed=allowed, explain=explain, keep=keep)
        if sort != "score":
            key = (lambda h: (_date_of(self.documents[self._ids[h.doc_id]].metadata) or "", -h.rank)) if sort == "date" else (lambda h: (h.doc_id, h.passage))
            hits = sorted(hits, key=key, reverse=sort == "date")
        return [self._with_context(hit, context) for hit in hits] if context > 0 else hits

    def _filtered(self, since: str | None, until: str | None, tags: Sequence[str]) -> list[bool]:
        """Which documents the date and tag filters let through."""
        wanted = {tag.strip().lower() for tag in tags}
        allowed = []
        for i in range(len(self.documents)):
            metadata = self.index.documents.record(i)["metadata"]
            date = _date_of(metadata)
            dated = (since is None or (date is not None and date >= since)) and (until is None or (date is not None and date <= until))
            has = {tag.strip().lower() for tag in metadata.get("tags", "").split(",") if tag.strip()}
            allowed.append(dated and wanted <= has)
        return allowed

    def _restricted(self, parsed: Query, allowed: list[bool] | None) -> list[bool] | None:
        """``allowed`` narrowed by ``doc:`` prefixes and ``title:`` words."""
        if not parsed.doc_prefixes and not parsed.titles:
            return allowed
        wanted = [self._words(title) for title in parsed.titles]
        narrowed = []
        for i in range(len(self.documents)):
            record = self.index.documents.record(i)
            ok = allowed is None or allowed[i]
            ok = ok and (not parsed.doc_prefixes or record["doc_id"].startswith(parsed.doc_prefixes))
            if ok and wanted:
                title = self._words(record["title"])
                ok = all(_contains_run(title, words) for words in wanted)
            narrowed.append(ok)
        return narrowed

    def _passage_rule(self, parsed: Query) -> Callable[[int], bool] | None:
        """Which passages the phrases, ``+`` and ``-`` let through, or None if all."""
        must = [self._words(text) for text in (*parsed.phrases, *parsed.required)]
        must_not = [self._words(text) for text in parsed.excluded]
        if not any(must) and not any(must_not):
            return None

        def keep(row: int) -> bool:
            words = self._words(self.index.prose(row) + "\n" + self.index.passage(row).section)
            return all(_contains_run(words, run) for run in must if run) and not any(
                _contains_run(words, run) for run in must_not if run
            )

        return keep

    def _words(self, text: str) -> list[str]:
        return self.analyzer.texts(text)["words"]

    def _with_context(self, hit: Hit, context: int) -> Hit:
        rows = self.index.passages.rows_of(self._ids[hit.doc_id])
        row = rows.start + hit.passage - 1
        before = range(max(rows.start, row - context), row)
        after = range(row + 1, min(rows.stop, row + 1 + context))
        return replace(
            hit,
            before=tuple(self.index.passage(r) for r in before),
            after=tuple(self.index.passage(r) for r in after),
        )

    def explain(self, query: Mapping[str, list[str]], row: int) -> tuple[Contribution, ...]:
        """What each of ``query``'s terms (per field) adds to passage ``row``'s score, read back
        from the index: the stored score of the term in the passage, its tf, and the idf and
        length norm that make it."""
        found = []
        for name, terms in query.items():
            field, weight = self.index.bm25.fields[name], self.index.bm25.weights[name]
            params = self.index.settings.params(name)
            norm = 1 - params.b + params.b * int(field.lengths[row]) / self._average_length(name)
            for term, count in Counter(terms).items():
                i = field.vocabulary.id_of(term)
                if i is None:
                    continue
                lo, hi = int(field.indptr[i]), int(field.indptr[i + 1])
                where = _position(field.postings[lo:hi], row)
                if where is None:
                    continue
                tf, stored = int(field.tf[lo + where]), float(field.scores[lo + where])
                idf = stored * (tf + params.k1 * norm) / (tf * (params.k1 + 1))
                found.append(Contribution(name, term, count, weight, tf, idf, norm, weight * count * stored))
        return tuple(found)

    def _average_length(self, field_name: str) -> float:
        """A field's average passage length (BM25's avgdl), worked out once."""
        if field_name not in self._average_lengths:
            lengths = self.index.bm25.fields[field_name].lengths
            total = int(lengths.sum()) if hasattr(lengths, "sum") else sum(lengths)
            self._average_lengths[field_name] = (total / len(lengths) if len(lengths) else 0.0) or 1.0
        return self._average_lengths[field_name]

    def similar(self, ref: str, limit: int = DEFAULT_LIMIT, per_doc: int | None = 1, terms: int = 25) -> list[Hit]:
        """Passages of other documents most like document ``ref`` (or its passage ``DOC#N``):
        its ``terms`` most characteristic words — the highest BM25 weight, idf × saturated tf,
        over its own text as indexing analyses it — searched as a query. The document itself
        is never among them. By default one passage per document: the documents most alike."""
        document, number = self.resolve(ref)
        doc_index = self._ids[document.doc_id]
        own = self.index.passages.rows_of(doc_index)
        if number is not None:
            self.passage(document, number)  # an error for a passage it does not have
        per_passage = [Counter(self.analyzer.texts(self.index.prose(row))["words"]) for row in own]
        counts = per_passage[number - 1] if number is not None else sum(per_passage, Counter())
        field, params = self.index.bm25.fields["words"], self.index.settings.params("words")
        weighed = []
        own_df = Counter(term for passage in per_passage for term in passage)
        for term, tf in counts.items():
            i = field.vocabulary.id_of(term)
            if i is None:
                continue
            df = int(field.indptr[i + 1]) - int(field.indptr[i])
            elsewhere = df - own_df[term]
            idf = math.log((self.index.bm25.passage_count - df + 0.5) / (df + 0.5))
            # A word no other document has finds nothing; one in most passages says nothing.
            if elsewhere > 0 and idf > 0:
                weighed.append((-idf * tf * (params.k1 + 1) / (tf + params.k1), term))
        query = [term for _, term in sorted(weighed)[:terms]]
        if not query:
            return []
        others = [True] * len(self.documents)
        others[doc_index] = False
        return self._ranked({"words": query}, limit, per_doc, True, allowed=others)

    def _ranked(
        self,
        query: Mapping[str, list[str]],
        limit: int,
        per_doc: int | None,
        highlight: bool,
        allowed: Sequence[bool] | None = None,
        explain: bool = False,
        keep: Callable[[int], bool] | None = None,
    ) -> list[Hit]:
        """The hits for query terms already analysed, best first (only from documents ``d``
        where ``allowed[d]``, if given)."""
        self._searches += 1
        if self._searches == 2:
            # A small index is read without numpy, which suits one search; from a second one on
            # (a batch, a program), importing numpy once costs less than summing in Python.
            self.index = self.index.with_numpy_arrays()
        ids, scores = self.index.bm25.score(query)
        # Phrases, + and - (``keep``) are checked on the passages' analysed text, best first, only
        # as far as the hits shown need.
        ids, scores = select_top(ids, scores, limit, self.index.passages.doc, per_doc, allowed, keep)
        wanted = {name: set(terms) for name, terms in query.items()} if highlight else None
        hits = [self._hit(rank, int(i), float(score), wanted) for rank, (i, score) in enumerate(zip(ids, scores), 1)]
        if explain:
            hits = [replace(hit, explain=self.explain(query, int(i))) for hit, i in zip(hits, ids)]
        return hits

    def _hit(self, rank: int, row: int, score: float, wanted: Mapping[str, set[str]] | None) -> Hit:
        document = self.documents[int(self.index.passages.doc[row])]
        passage = self.index.passage(row)
        return Hit(
            rank=rank,
            doc_id=passage.doc_id,
            passage=passage.number,
            score=score,
            title=document.title,
            path=document.path,
            start=passage.start,
            end=passage.end,
            text=passage.text,
            highlights=self.highlights(self.index.prose(row), wanted) if wanted is not None else (),
            section=passage.section,
        )

    def highlights(self, text: str, wanted: Mapping[str, set[str]]) -> tuple[tuple[int, int], ...]:
        """Spans of ``text`` whose terms are among ``wanted`` (per field), merged where they
        touch or overlap. The passage is analysed again rather than storing every term's span
        in the index: the analyzer is deterministic, and it is only the few passages shown."""
        spans = sorted(
            (term.start, term.end)
            for name, terms in self.analyzer.analyze(text).items()
            for term in terms
            if term.text in wanted.get(name, ())
        )
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return tuple(merged)

    def resolve(self, ref: str) -> tuple[Document, int | None]:
        """A document from its id or a unique prefix of it, and a passage number from a
        ``#N`` suffix. Unknown or ambiguous references are errors naming the closest ids."""
        doc_ref, hash_mark, number = ref.partition("#")
        passage = None
        if hash_mark:
            if not number.isdigit() or int(number) < 1:
                raise MlqError(f"bad passage number in {ref!r}: expected DOC#N with N ≥ 1")
            passage = int(number)
        return self.document(doc_ref), passage

    def document(self, ref: str) -> Document:
        ref = ref.strip().removesuffix(".md").removesuffix(".txt")
        if ref in self._ids:
            return self.documents[self._ids[ref]]
        matches = [doc_id for doc_id in self._ids if doc_id.startswith(ref)] if ref else []
        if len(matches) == 1:
            return self.documents[self._ids[matches[0]]]
        if matches:
            raise MlqError(f"ambiguous document {ref!r}: matches {_listing(matches)}")
        close = [doc_id for doc_id in self._ids if ref and ref in doc_id]
        close += [c for c in difflib.get_close_matches(ref, self._ids, n=3, cutoff=0.0) if c not in close]
        hint = f"; closest: {_listing(close, most=3)}" if close else " (the corpus is empty)"
        raise MlqError(f"unknown document {ref!r}{hint}")

    def passages(self, document: Document) -> list[Passage]:
        return [self.index.passage(i) for i in self.index.passages.rows_of(self._ids[document.doc_id])]

    def passage(self, document: Document, number: int) -> Passage:
        passages = self.passages(document)
        if not 1 <= number <= len(passages):
            raise MlqError(f"{document.doc_id} has passages 1–{len(passages)}, not {number}")
        return passages[number - 1]


def read_queries(stream: BinaryIO, warn: Warn | None = None) -> Iterator[tuple[str, str]]:
    """``(query_id, query)`` for each non-empty line of a batch: ``id<TAB>query``, or just the
    query, whose id is then its line number. Read as it comes, so a pipe feeding queries one
    by one gets answers one by one; a line that is not UTF-8 is skipped with a warning."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            if warn:
                warn(f"query line {number} is not UTF-8; skipped")
            continue
        if not line.strip():
            continue
        query_id, tab, query = line.partition("\t")
        yield (query_id, query) if tab else (str(number), line)


def _listing(ids: list[str], most: int = 5) -> str:
    shown = ", ".join(ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")


def open_corpus(
    corpus: str | Path | None = None,
    *,
    settings: IndexSettings | None = None,
    rebuild: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
    notice: Warn | None = None,
) -> Searcher:
    """Open ``corpus`` (default: the bundled essays) for searching, with ``settings`` (default:
    the corpus' ``mlq.toml``, if any).

    The cached index is loaded when it matches the corpus and the settings. Otherwise, under
    the entry's lock, the corpus is indexed again — only the files that changed, on ``jobs``
    processes — and the cache replaced. A process that finds another one building waits for
    it (``notice`` says so) and then uses its index. When the cache cannot be written, the
    index lives in memory for this run only, with a warning."""
    root = check_corpus_dir(Path(corpus) if corpus is not None else bundled_corpus())
    if settings is None:
        from .config import settings_for

        settings = settings_for(root)
    entry = cache.entry_dir(root, selection=settings.selection)
    previous, reason = None, "rebuild requested"
    if not rebuild:
        fresh, previous, reason = _cached(entry, root, settings, warn)
        if fresh is not None:
            return Searcher(fresh)
    waited = []

    def on_wait() -> None:
        waited.append(True)
        if notice:
            notice("waiting for another mlq to finish indexing")

    with contextlib.ExitStack() as held:
        try:
            held.enter_context(cache.lock(entry, on_wait))
        except OSError as error:
            _cannot_write(warn, entry, error)
            return _build(root, settings, reason, previous, jobs, progress, warn, entry=None)
        if waited and not rebuild:  # the other process has probably just built it
            fresh, previous, reason = _cached(entry, root, settings, warn)
            if fresh is not None:
                return Searcher(fresh)
        return _build(root, settings, reason, previous, jobs, progress, warn, entry=entry)
    raise AssertionError("unreachable")


def _cached(entry: Path, root: Path, settings: IndexSettings, warn: Warn | None) -> tuple[CorpusIndex | None, CorpusIndex | None, str]:
    """(the cached index if fresh, the cached index to take unchanged files from, why it is
    not fresh)."""
    try:
        index, manifest = cache.load(entry, settings)
    except cache.CacheMiss as miss:
        return None, None, str(miss)
    except cache.CacheError as error:
        if warn:
            warn(f"{error}; rebuilding")
        return None, None, str(error)
    reason, touched = cache.staleness(manifest, root, settings.selection)
    if touched is not None:
        _record_touched(entry, touched, warn)
    return (None if reason else index), index, reason or ""


def _record_touched(entry: Path, files: list[SourceFile], warn: Warn | None) -> None:
    """Note new file times in the cache, so the touched files are not hashed on every run.
    Best effort: skipped when another process holds the lock or the cache is read-only."""
    try:
        with cache.lock(entry, blocking=False) as held:
            if held:
                cache.refresh(entry, files)
    except (OSError, cache.CacheError):
        pass


def _build(
    root: Path,
    settings: IndexSettings,
    reason: str,
    previous: CorpusIndex | None,
    jobs: int | None,
    progress: Progress | None,
    warn: Warn | None,
    entry: Path | None,
) -> Searcher:
    started = time.perf_counter()
    try:
        index = build_index(root, settings, progress, warn, previous=previous, jobs=jobs)
    except cache.CacheError as error:  # the previous index turned out damaged while reused
        if warn:
            warn(f"{error}; rebuilding from scratch")
        index = build_index(root, settings, progress, warn, jobs=jobs)
    seconds = time.perf_counter() - started
    cached = False
    if entry is not None:
        try:
            if previous is not None and index.bm25 is previous.bm25:
                cache.refresh(entry, list(index.files))
            else:
                cache.save(entry, index, seconds)
            cached = True
        except OSError as error:
            _cannot_write(warn, entry, error)
    return Searcher(index, built=BuildReport(reason, seconds, cached, index.analysed_files))


def _cannot_write(warn: Warn | None, entry: Path, error: OSError) -> None:
    if warn:
        warn(f"cannot write the index cache in {entry.parent} ({error.strerror or error}); keeping it in memory")
