"""An index as segments: a large one and the small ones edits add, read as one index.

An edit to a large corpus does not rewrite its index. The files that changed are analysed into a
new segment — an index of those files alone — and the documents they replace are marked deleted
in the segments that hold them, as Lucene and tantivy do: an edit writes what it changed, not
the postings of the whole corpus. A later build merges the segments again (see
:func:`mlq.index.build_delta`).

Opened, the segments are composed into one :class:`~mlq.index.CorpusIndex` that is numbered as a
build from scratch numbers it — documents in the corpus' file order, each document's passages
in order — and scored with the statistics of the whole (units, average lengths, document
frequencies over the documents that are not deleted), so that every hit, score and tie is the
one a clean build gives. Document frequencies are counted at query time from the postings that
are not deleted; the mean IDF (for the floor of common terms) needs every term's, so it is
worked out when the segments are written, from each segment's document frequencies less those
of its deleted documents, whose terms are found again by analysing their stored texts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from ._numpy import np
from .backends import NUMPY
from .bm25 import Entries, FieldIndex, Index, Postings, TermTexts, Vocabulary, _by_term_and_unit
from .corpus import Document, FileTable, SourceFile
from .fields import field as field_named
from .scoring import FieldStats, raw_idf, weights
from .index import CorpusIndex, Delta, IndexSettings, PassageTable
from .spellings import Spellings


@dataclass(frozen=True)
class Segment:
    """One segment: an index of some files (numbered on its own, its fields' stats its own);
    ``order[d]``, its document ``d``'s number in the whole, -1 if deleted; and ``gone``, per
    field, the terms of its deleted units with how many of them held each (hashes, counts)."""

    index: CorpusIndex
    order: np.ndarray
    gone: Mapping[str, tuple[np.ndarray, np.ndarray]]
    #: Where its arrays are in a build folder: the prefix of their names ("" for the first).
    name: str = ""

    @property
    def live(self) -> int:
        return int((self.order >= 0).sum())


@dataclass(frozen=True)
class Numbering:
    """Where each segment's units go in the whole: per segment, its documents' and its
    passages' numbers there (-1: deleted); and each document's number of passages."""

    documents: tuple[np.ndarray, ...]
    passages: tuple[np.ndarray, ...]
    passage_counts: np.ndarray

    @classmethod
    def of(cls, segments: Sequence[Segment]) -> Numbering:
        counts = np.zeros(sum(s.live for s in segments), np.int64)
        own_counts = []
        for s in segments:
            own = np.bincount(np.asarray(s.index.passages.doc), minlength=len(s.order)).astype(np.int64)
            live = s.order >= 0
            counts[s.order[live]] = own[live]
            own_counts.append(own)
        starts = np.cumsum(counts) - counts
        passages = []
        for s, own in zip(segments, own_counts):
            shift = np.where(s.order >= 0, starts[np.maximum(s.order, 0)] - (np.cumsum(own) - own), 0)
            numbers = np.repeat(shift, own) + np.arange(int(own.sum()), dtype=np.int64)
            numbers[np.repeat(s.order < 0, own)] = -1
            passages.append(numbers)
        return cls(tuple(np.asarray(s.order, dtype=np.int64) for s in segments), tuple(passages), counts)

    def units(self, name: str) -> tuple[np.ndarray, ...]:
        """Per segment, its units' numbers in the whole for field ``name``."""
        return self.documents if field_named(name).unit == "document" else self.passages

    @staticmethod
    def spread(parts: Sequence[Any], numbers: Sequence[np.ndarray], size: int) -> np.ndarray:
        """One array of ``size``: each segment's values put at its units' numbers."""
        arrays = [np.asarray(part) for part in parts]
        out = np.zeros(size, dtype=np.result_type(*arrays))
        for values, at in zip(arrays, numbers):
            live = at >= 0
            out[at[live]] = values[live]
        return out


def field_stats(segments: Sequence[Segment], name: str, numbering: Numbering) -> tuple[FieldStats, int]:
    """Field ``name``'s statistics over the segments' units that are not deleted, and its
    number of terms: what :func:`mlq.scoring.stats` gives a build from scratch, worked out
    from each segment's document frequencies less those of its deleted units."""
    units = numbering.units(name)
    count = sum(int((at >= 0).sum()) for at in units)
    total = sum(int(np.asarray(s.index.bm25.fields[name].lengths)[at >= 0].sum()) for s, at in zip(segments, units))
    fields = [s.index.bm25.fields[name] for s in segments]
    largest = max(range(len(fields)), key=lambda k: len(fields[k].vocabulary))
    hashes = np.asarray(fields[largest].vocabulary.hashes)
    df = np.diff(np.asarray(fields[largest].postings.indptr)).astype(np.int64)
    more_hashes = [np.asarray(f.vocabulary.hashes) for k, f in enumerate(fields) if k != largest]
    more_df = [np.diff(np.asarray(f.postings.indptr)).astype(np.int64) for k, f in enumerate(fields) if k != largest]
    for s in segments:
        gone_hashes, gone_counts = s.gone.get(name, (np.zeros(0, np.uint64), np.zeros(0, np.int64)))
        more_hashes.append(gone_hashes)
        more_df.append(-np.asarray(gone_counts, dtype=np.int64))
    extra, at = np.unique(np.concatenate([np.zeros(0, np.uint64), *more_hashes]), return_inverse=True)
    sums = np.zeros(len(extra), np.int64)
    np.add.at(sums, at, np.concatenate([np.zeros(0, np.int64), *more_df]))
    slot = np.searchsorted(hashes, extra)
    known = slot < len(hashes)
    known[known] = hashes[slot[known]] == extra[known]
    df = df.copy()
    np.add.at(df, slot[known], sums[known])
    df = np.insert(df, slot[~known], sums[~known])  # in hash order, as a build from scratch has them
    df = df[df > 0]
    mean = float(raw_idf(count, df).mean()) if len(df) else 0.0
    return FieldStats(count, total / count if count and total else 1.0, mean), len(df)


def deleted_terms(index: CorpusIndex, documents: Sequence[int], settings: IndexSettings, analyzer: Any = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per field, the terms of ``index``'s documents ``documents`` (and of their passages) with
    how many units hold each: found again by analysing the documents' stored texts as their
    files were analysed (see :func:`mlq.ingest.analyze_documents`)."""
    from .ingest import PassageAnalyzer, analyze_documents

    analyzer = analyzer or PassageAnalyzer(settings.analyzer, settings.headers)
    root = Path(index.root)
    found: dict[str, list[np.ndarray]] = {name: [] for name in index.bm25.fields}
    for d in documents:
        document: Document = index.documents[d]
        relative = Path(document.path).relative_to(root).as_posix()
        analysis = analyze_documents(SourceFile(relative, 0, 0, ""), [document], analyzer)
        for name in found:
            found[name] += [piece.hashes for piece in analysis.fields[name].pieces]
    return {name: np.unique(np.concatenate([np.zeros(0, np.uint64), *parts]), return_counts=True) for name, parts in found.items()}


def with_gone(old: Mapping[str, tuple[np.ndarray, np.ndarray]], new: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two records of deleted terms as one."""
    joined = {}
    for name in {*old, *new}:
        parts = [p for p in (old.get(name), new.get(name)) if p is not None]
        hashes, at = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
        counts = np.zeros(len(hashes), np.int64)
        np.add.at(counts, at, np.concatenate([np.asarray(p[1], np.int64) for p in parts]))
        joined[name] = (hashes, counts)
    return joined


class ComposedDocuments(Sequence[Document]):
    """The documents of every segment as one table, in the whole's numbering."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        total = sum(s.live for s in segments)
        self.tables = [s.index.documents for s in segments]
        self.segment = np.zeros(total, np.int32)
        self.local = np.zeros(total, np.int64)
        for k, s in enumerate(segments):
            live = np.flatnonzero(s.order >= 0)
            self.segment[s.order[live]] = k
            self.local[s.order[live]] = live

    def _at(self, i: int) -> tuple[Any, int]:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        return self.tables[int(self.segment[i])], int(self.local[i])

    def record(self, i: int) -> dict[str, Any]:
        table, local = self._at(i)
        return table.record(local)

    @property
    def records(self) -> list[dict[str, Any]]:
        return [self.record(i) for i in range(len(self))]

    def __len__(self) -> int:
        return len(self.segment)

    def __getitem__(self, i: int) -> Document:  # type: ignore[override]
        if isinstance(i, slice):
            raise TypeError("ComposedDocuments does not slice")
        table, local = self._at(i)
        return table[local]

    def text(self, i: int) -> str:
        table, local = self._at(i)
        return table.text(local)

    def packed_text(self, i: int) -> bytes:
        table, local = self._at(i)
        return table.packed_text(local)

    @property
    def ids(self) -> list[str]:
        return [record["doc_id"] for record in self.records]


class ComposedField(FieldIndex):
    """One field over every segment, in the whole's numbering: a term's postings are each
    segment's, renumbered, less the deleted units', in unit order; its document frequency is
    their number. Scores come from the whole's statistics (``stats``)."""

    parts: list[tuple[FieldIndex, np.ndarray]]
    _term_count: int

    def __init__(self, parts: Sequence[tuple[FieldIndex, np.ndarray]], lengths: np.ndarray, stats: FieldStats, params: Any, term_count: int) -> None:
        # FieldIndex is a frozen dataclass, and so is this: its attributes are set once, here.
        for name, value in (("parts", list(parts)), ("lengths", lengths), ("stats", stats), ("params", params), ("_term_count", term_count)):
            object.__setattr__(self, name, value)

    @property
    def backend(self):  # type: ignore[override]
        return NUMPY

    @property
    def term_count(self) -> int:
        return self._term_count

    def arrays(self) -> dict[str, Any]:
        raise TypeError("a composed field is saved as its segments")

    def with_numpy(self) -> FieldIndex:
        return self

    def _found(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        ids, tf = [], []
        for field, numbers in self.parts:
            i = field.vocabulary.id_of(term)
            if i is None:
                continue
            units = numbers[np.asarray(field.postings.units(i))]
            live = units >= 0
            ids.append(units[live])
            tf.append(np.asarray(field.postings.frequencies(i))[live])
        if not ids:
            return None
        units, frequencies = np.concatenate(ids), np.concatenate(tf)
        if len(ids) > 1:  # each segment's are in order; together, not
            order = np.argsort(units, kind="stable")
            units, frequencies = units[order], frequencies[order]
        return (units, frequencies) if len(units) else None

    def lookup(self, term: str) -> Postings | None:
        found = self._found(term)
        return None if found is None else Postings(found[0], found[1], self)

    def frequencies(self, term: Any) -> Any:
        return term

    def frequencies_at(self, term: Any, positions: Sequence[int]) -> Any:
        return term[np.asarray(positions, dtype=np.int64)]

    def weights(self, units: Sequence[int], tf: Sequence[int], df: int) -> Sequence[float]:
        return weights(units, tf, self.lengths, df, self.stats, self.params, NUMPY)

    def posting(self, term: str, unit: int) -> tuple[int, int] | None:
        found = self._found(term)
        if found is None:
            return None
        units, tf = found
        at = int(np.searchsorted(units, unit))
        return (int(tf[at]), len(units)) if at < len(units) and units[at] == unit else None

    def document_frequency(self, term: str) -> int:
        found = self._found(term)
        return 0 if found is None else len(found[0])

    # What a build that merges the segments takes over (see mlq.index._Assembly).

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:  # type: ignore[override]
        """Every segment's terms (some perhaps only in deleted units): where a merge finds
        their texts."""
        first = self.parts[0][0].vocabulary
        hashes = np.unique(np.concatenate([np.asarray(f.vocabulary.hashes) for f, _ in self.parts]))
        others = [TermTexts(np.asarray(f.vocabulary.hashes), np.asarray(f.vocabulary.blob), np.asarray(f.vocabulary.offsets)) for f, _ in self.parts[1:]]
        return Vocabulary(np.asarray(first.hashes), np.asarray(first.blob), np.asarray(first.offsets)).texts_of(hashes, others)

    def entries(self, bucket: int, keep: np.ndarray, renumber: np.ndarray) -> Entries:
        found = []
        for field, numbers in self.parts:
            at = np.maximum(numbers, 0)
            found.append(field.entries(bucket, (numbers >= 0) & keep[at], renumber[at].astype(np.int32)))
        return _by_term_and_unit(Entries.concatenate(found))

    def entries_of(self, sources: np.ndarray, targets: np.ndarray) -> Entries:
        found = []
        for field, numbers in self.parts:
            local = np.full(len(self.lengths), -1, np.int64)
            live = np.flatnonzero(numbers >= 0)
            local[numbers[live]] = live
            mine = local[sources] >= 0
            if mine.any():
                found.append(field.entries_of(local[sources][mine], targets[mine]))
        return Entries.concatenate(found)


def applied(previous: CorpusIndex, delta: Delta, name: str) -> CorpusIndex | None:
    """``previous`` (one index, or composed of segments) with the edit ``delta`` made: the
    documents it replaces deleted from their segments (their terms found again, for the
    statistics), its segment added under ``name``. None if no document is left."""
    settings = previous.settings
    old = previous.segments or (Segment(previous.with_numpy_arrays(), np.arange(len(previous.documents)), {}, ""),)
    segments, analyzer = [], None
    for s in old:
        live = s.order >= 0
        order = np.full(len(s.order), -1, np.int64)
        order[live] = delta.renumbered[s.order[live]]
        deleted = np.flatnonzero(live & (order < 0))
        gone = s.gone
        if len(deleted):
            if analyzer is None:
                from .ingest import PassageAnalyzer

                analyzer = PassageAnalyzer(settings.analyzer, settings.headers)
            gone = with_gone(gone, deleted_terms(s.index, deleted.tolist(), settings, analyzer))
        if (order >= 0).any():
            segments.append(Segment(s.index, order, gone, s.name))
    if len(delta.numbers):
        segments.append(Segment(delta.segment, delta.numbers, {}, name))
    if not segments:
        return None
    numbering = Numbering.of(segments)
    found = {field: field_stats(segments, field, numbering) for field in dict(settings.weights)}
    stats = {field: pair[0] for field, pair in found.items()}
    composed = compose(segments, delta.files, delta.file_documents, stats, {field: pair[1] for field, pair in found.items()}, settings, numbering)
    return replace(composed, analysed_files=delta.segment.analysed_files)


def merged_tail(index: CorpusIndex, name: str) -> CorpusIndex:
    """``index`` (composed) with every segment after the first merged into one, named
    ``name``: the tiered policy of :mod:`mlq.cache` merges the small segments among themselves
    long before it merges them into the large one. Their documents are taken over as a build
    takes over unchanged files, analysing nothing; those deleted are left out."""
    from .index import _Assembly, _Reused

    first, rest = index.segments[0], index.segments[1:]
    numbers = np.unique(np.concatenate([s.order[s.order >= 0] for s in rest]))  # their documents in the whole
    dense = [Segment(s.index, np.where(s.order >= 0, np.searchsorted(numbers, s.order), -1), s.gone, s.name) for s in rest]
    together = compose(dense, [], [], {n: FieldStats(1, 1.0, 0.0) for n in index.bm25.fields}, {n: 0 for n in index.bm25.fields}, index.settings)
    root = Path(index.root)
    recorded = {f.path: f for f in index.files}
    assembly = _Assembly(root, index.settings, together, None, None)
    for d in range(len(together.documents)):
        relative = Path(together.documents.record(d)["path"]).relative_to(root).as_posix()
        assembly.reuse(_Reused(range(d, d + 1), recorded[relative], relative))
    segments = (first, Segment(assembly.finish(), numbers, {}, name))
    fields = index.bm25.fields
    composed = compose(segments, index.files, index.file_documents, {n: f.stats for n, f in fields.items()}, {n: f.term_count for n, f in fields.items()}, index.settings)
    return replace(composed, analysed_files=index.analysed_files)


def merged(index: CorpusIndex) -> CorpusIndex:
    """``index`` (composed) as one index again, every document taken over as a build takes over
    unchanged files, analysing nothing: the index a clean build of the same files gives."""
    from .index import _Assembly, _Reused

    assembly = _Assembly(Path(index.root), index.settings, index, None, None)
    for source, rows in index.file_rows():
        assembly.reuse(_Reused(rows, source, source.path))
    return replace(assembly.finish(), analysed_files=0)


def compose(
    segments: Sequence[Segment],
    files: Sequence[SourceFile],
    file_documents: Sequence[int],
    stats: Mapping[str, FieldStats],
    term_counts: Mapping[str, int],
    settings: IndexSettings,
    numbering: Numbering | None = None,
) -> CorpusIndex:
    """The segments as one index (see the module's docstring), with the whole's ``files`` (and
    each one's number of documents) and statistics (worked out by :func:`field_stats` when they were written)."""
    numbering = numbering or Numbering.of(segments)
    passage_total = int(numbering.passage_counts.sum())
    tables = [s.index.passages for s in segments]

    def column(name: str) -> np.ndarray:
        return Numbering.spread([getattr(t, name) for t in tables], numbering.passages, passage_total)

    section_bases = np.cumsum([0] + [len(t.section_offsets) - 1 for t in tables[:-1]])
    blob_bases = np.cumsum([0] + [len(t.section_blob) for t in tables[:-1]])
    section_offsets = np.concatenate(
        [np.asarray(t.section_offsets[:-1], np.int64) + base for t, base in zip(tables, blob_bases)] + [[int(blob_bases[-1]) + len(tables[-1].section_blob)]]
    )
    sections = Numbering.spread([np.asarray(t.section, np.int64) + base for t, base in zip(tables, section_bases)], numbering.passages, passage_total)
    passages = PassageTable(
        doc=np.repeat(np.arange(len(numbering.passage_counts), dtype=np.int32), numbering.passage_counts),
        number=column("number"),
        start=column("start"),
        end=column("end"),
        prose_from=column("prose_from"),
        section=sections.astype(np.int32),
        section_blob=np.concatenate([np.asarray(t.section_blob) for t in tables]),
        section_offsets=section_offsets,
    )
    fields = {}
    for name in dict(settings.weights):
        own = [s.index.bm25.fields[name] for s in segments]
        numbers = numbering.units(name)
        size = passage_total if field_named(name).unit != "document" else len(numbering.passage_counts)
        lengths = Numbering.spread([f.lengths for f in own], numbers, size)
        fields[name] = ComposedField(list(zip(own, numbers)), lengths, stats[name], settings.params(name), term_counts[name])
    bm25 = Index(fields, dict(settings.weights), passage_total)
    return CorpusIndex(segments[0].index.root, ComposedDocuments(segments), FileTable.of(files), tuple(file_documents), passages, bm25, settings, segments=tuple(segments), spellings=Spellings.combined([s.index.spellings for s in segments]))  # type: ignore[arg-type]
