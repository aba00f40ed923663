"""BM25 over term counts, as a few arrays: the scoring core of the index.

Each field is one BM25Okapi (the formula of ``rank_bm25.BM25Okapi``, epsilon floor for
negative IDF included) stored as arrays: a vocabulary of term hashes (sorted, with the terms'
text beside them), and per term its postings (passage numbers and term frequencies, stored
small: :mod:`mlq.postings`). A query then costs in proportion to the postings of its terms:
decode them, work out their BM25 weights (:func:`mlq.scoring.weights`), sum per passage with
``np.bincount``, and pick the best few with a partial sort. Nothing loops over every passage.

Terms are identified by a 64-bit hash (BLAKE2b) rather than by their text, so that an index
can be put together from counts kept per file, with numpy alone, whatever the size of the
vocabulary; the text is kept to confirm a match and to show terms.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import heapq
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ._numpy import np
from .backends import NUMPY, Backend
from .postings import PostingLists, PostingsWriter, offsets_array
from .scoring import BM25Params, FieldStats, stats, weights


@functools.lru_cache(maxsize=1 << 14)
def term_hash(term: str) -> int:
    """A stable 64-bit id for a term, the same in every process and on every machine. The
    cache keeps the common terms (a build's workers hash each file's distinct terms): a cache
    of every term met would grow a worker by ~200 bytes a term, 30 MB by 250,000 terms. With
    16,384 of them, a worker analysing mdn-ja levels off at 37 MB of its own (46 MB with 65,536)
    and hashes 6% of the terms rather than 3%, in the same time (2,500 files, 17.5–20.0 s
    against 17.7–19.2, alternated)."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


def hashes_of(terms: Iterable[str]) -> np.ndarray:
    return np.fromiter((term_hash(term) for term in terms), dtype=np.uint64)


class Vocabulary:
    """The distinct terms of a field, ordered by hash: ``hashes`` (sorted ``uint64``) and
    their texts as one UTF-8 blob with offsets. Loads without building a dict of every term."""

    def __init__(self, hashes: np.ndarray, blob: np.ndarray, offsets: np.ndarray, backend: Backend = NUMPY) -> None:
        self.hashes = hashes
        self.blob = blob
        self.offsets = offsets
        self.backend = backend

    def __len__(self) -> int:
        return len(self.hashes)

    def __getitem__(self, i: int) -> str:
        return bytes(self.blob[self.offsets[i] : self.offsets[i + 1]]).decode("utf-8")

    def id_of(self, term: str) -> int | None:
        h = term_hash(term)
        i = self.backend.position(self.hashes, h)
        return i if i < len(self) and self.hashes[i] == h and self[i] == term else None

    def texts_of(self, hashes: np.ndarray, sources: Sequence[TermTexts]) -> Vocabulary:
        """A vocabulary of ``hashes`` (sorted, distinct), taking each text from this one where
        it has the hash and from ``sources`` otherwise. Texts are copied as bytes with numpy
        alone, whatever their number."""
        slot = np.minimum(np.searchsorted(self.hashes, hashes), max(len(self) - 1, 0))
        known = (self.hashes[slot] == hashes) if len(self) else np.zeros(len(hashes), dtype=bool)
        pool = TermTexts.concatenate(sources)
        new_starts, new_lengths = pool.locate(hashes[~known])
        lengths = np.zeros(len(hashes), dtype=np.int64)
        lengths[known] = self.offsets[slot[known] + 1] - self.offsets[slot[known]]
        lengths[~known] = new_lengths
        offsets = np.zeros(len(hashes) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        blob = np.empty(int(offsets[-1]), dtype=np.uint8)
        blob[_ranges(offsets[:-1][known], lengths[known])] = self.blob[_ranges(self.offsets[slot[known]], lengths[known])]
        blob[_ranges(offsets[:-1][~known], new_lengths)] = pool.blob[_ranges(new_starts, new_lengths)]
        return Vocabulary(hashes, blob, offsets)


def pack(pieces: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Byte strings as one ``uint8`` blob and ``len(pieces) + 1`` offsets: piece ``i`` is
    ``blob[offsets[i]:offsets[i + 1]]``. How mlq stores texts in arrays."""
    offsets = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum([len(piece) for piece in pieces], out=offsets[1:])
    return np.frombuffer(b"".join(pieces), dtype=np.uint8), offsets


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Positions ``starts[i] .. starts[i] + lengths[i] - 1`` of every range, concatenated.
    Made in one array, as the running sum of its steps (1 within a range, a jump between two):
    a build picks its terms' texts out of a blob this way every few hundred files, and three
    arrays of the blob's length (a repeat, a count, their sum) made spikes of tens of MB."""
    nonempty = lengths > 0
    starts, lengths = np.asarray(starts, dtype=np.int64)[nonempty], np.asarray(lengths, dtype=np.int64)[nonempty]
    steps = np.ones(int(lengths.sum()), dtype=np.int64)
    if len(steps):
        ends = np.cumsum(lengths)
        steps[0] = starts[0]
        steps[ends[:-1]] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
        np.cumsum(steps, out=steps)
    return steps


@dataclass(frozen=True)
class TermTexts:
    """The texts of some terms as one UTF-8 blob: the term whose hash is ``hashes[i]`` is
    ``blob[offsets[i]:offsets[i + 1]]``. A few arrays pass between processes, and are searched
    and copied with numpy, far more cheaply than thousands of strings."""

    hashes: np.ndarray
    blob: np.ndarray
    offsets: np.ndarray

    @classmethod
    def of(cls, terms: Sequence[str]) -> TermTexts:
        return cls(hashes_of(terms), *pack([term.encode("utf-8") for term in terms]))

    @classmethod
    def concatenate(cls, parts: Sequence[TermTexts]) -> TermTexts:
        if not parts:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.uint8), np.zeros(1, np.int64))
        bases = np.cumsum([0] + [len(p.blob) for p in parts[:-1]])
        offsets = np.concatenate([p.offsets[:-1] + base for p, base in zip(parts, bases)] + [[bases[-1] + len(parts[-1].blob)]])
        return cls(np.concatenate([p.hashes for p in parts]), np.concatenate([p.blob for p in parts]), offsets)

    def distinct(self) -> TermTexts:
        """Each term once (its first text), in the order of the hashes: what the texts of many
        files come down to."""
        return self.taken(np.unique(self.hashes, return_index=True)[1])

    def taken(self, rows: np.ndarray) -> TermTexts:
        """The terms ``rows``, in that order."""
        starts, lengths = self.offsets[rows], self.offsets[rows + 1] - self.offsets[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return TermTexts(self.hashes[rows], self.blob[_ranges(starts, lengths)], offsets)

    def locate(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and length in ``blob`` of each of ``wanted`` (hashes that are all here)."""
        order = np.argsort(self.hashes, kind="stable")
        first = order[np.searchsorted(self.hashes[order], wanted)]
        return self.offsets[first], self.offsets[first + 1] - self.offsets[first]


@dataclass(frozen=True)
class Entries:
    """Term counts before they become postings: one entry per distinct term of a passage."""

    hashes: np.ndarray  # uint64
    passages: np.ndarray  # int32
    tf: np.ndarray  # uint8, uint16 or int32: as small as the counts allow

    @classmethod
    def concatenate(cls, parts: Sequence[Entries]) -> Entries:
        if not parts:
            return Entries(np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.int32))
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in ("hashes", "passages", "tf")))

    def summed(self) -> Entries:
        """One entry per term and unit, with the frequencies of the entries they had added up."""
        order = np.lexsort((self.hashes, self.passages))
        hashes, units, tf = self.hashes[order], self.passages[order], self.tf[order]
        first = np.r_[True, (hashes[1:] != hashes[:-1]) | (units[1:] != units[:-1])] if len(hashes) else np.zeros(0, bool)
        summed = np.add.reduceat(tf.astype(np.int64), np.flatnonzero(first)) if len(tf) else tf  # widened: no sum wraps
        return Entries(hashes[first], units[first], _narrowest(summed))


#: Entries are kept in this many buckets, by the top bits of their term's hash (see
#: :class:`Gathered`): at most 8, a bucket's number being a byte.
_BUCKET_BITS = 6
_BUCKETS = 1 << _BUCKET_BITS


#: An entry as a spilled bucket holds it (see :meth:`Gathered._spill`): raw, read back only by
#: the build that wrote it.
_RECORD = [("hash", "<u8"), ("unit", "<i4"), ("tf", "<i4")]


def _bucket_bounds(hashes: np.ndarray) -> np.ndarray:
    """Where each bucket's terms begin in sorted ``hashes``, and where the last one ends."""
    firsts = np.arange(_BUCKETS, dtype=np.uint64) << np.uint64(64 - _BUCKET_BITS)
    return np.r_[np.searchsorted(hashes, firsts), len(hashes)]


class Gathered:
    """One field's entries as the files come, kept in buckets by the top bits of their term's
    hash, with the texts of their terms, each once. A field is then put together a bucket at a
    time (:func:`assemble_field`), each sorted on its own: a build never holds a sorted copy of
    all of a field's entries, nor the texts of every file's terms."""

    #: Entries held back before they are put in their buckets (few, large pieces). Each field
    #: holds up to this and :data:`SPILL` entries (~14 bytes each) while files are analysed:
    #: their sum over the fields is most of what a build's own process grows by (bench/index.py).
    #: Putting them in buckets takes temporaries of a few times their size: at 262,144 entries
    #: that was a jump of some 15 MB every few hundred files of a large build.
    PENDING = 1 << 16
    #: Term texts held back before those not kept yet are picked out: the same terms come
    #: again file after file, so this bounds what they cost.
    PENDING_TEXTS = 1 << 16
    #: With a ``scratch`` folder, once it holds this many entries, its buckets go to files there
    #: (one a bucket, appended to), so that a large corpus's counts do not stay in memory.
    SPILL = 1 << 18

    def __init__(self, scratch: Path | None = None) -> None:
        self._pending: list[Entries] = []
        self._pending_entries = 0
        self._buckets: list[list[Entries]] = [[] for _ in range(_BUCKETS)]
        self._held = 0  # entries in the buckets in memory
        self._scratch = scratch
        self._spilled: set[int] = set()  # buckets with entries in a file (the oldest ones)
        self._kept: list[TermTexts] = []  # each text once, in runs that share none
        self._kept_hashes = np.zeros(0, np.uint64)  # theirs, sorted
        self._texts: list[TermTexts] = []  # come since
        self._pending_texts = 0

    def add(self, entries: Entries, texts: TermTexts | None = None) -> None:
        for at in range(0, len(entries.hashes), self.PENDING):  # a large file's counts a slice at a time (views)
            piece = Entries(*(getattr(entries, name)[at : at + self.PENDING] for name in ("hashes", "passages", "tf")))
            self._pending.append(piece)
            self._pending_entries += len(piece.hashes)
            if self._pending_entries >= self.PENDING:
                self._flush()
        if texts is not None:
            self._texts.append(texts)
            self._pending_texts += len(texts.hashes)
            if self._pending_texts >= self.PENDING_TEXTS:
                self._keep_new_texts()

    def _keep_new_texts(self) -> None:
        """The texts come since, each once, less those kept already, kept as a run of their own:
        what was kept is neither copied nor picked out of its blob again, which made a large
        build's process jump by 10–20 MB every few hundred files."""
        came = TermTexts.concatenate(self._texts).distinct()
        self._texts, self._pending_texts = [], 0
        kept = self._kept_hashes
        at = np.minimum(np.searchsorted(kept, came.hashes), max(len(kept) - 1, 0))
        new = np.flatnonzero(kept[at] != came.hashes) if len(kept) else np.arange(len(came.hashes))
        if len(new):
            self._kept.append(came.taken(new))
            self._kept_hashes = np.sort(np.concatenate([kept, came.hashes[new]]), kind="stable")

    def _flush(self) -> None:
        if not self._pending:
            return
        entries = Entries.concatenate(self._pending)
        self._pending, self._pending_entries = [], 0
        # One byte a bucket number: numpy sorts bytes stably by radix, 6× faster here than
        # int64s (1.5 s of a two-job build of mdn-ja went on this sort).
        bucket = (entries.hashes >> np.uint64(64 - _BUCKET_BITS)).astype(np.uint8)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(_BUCKETS + 1))
        for k in np.flatnonzero(np.diff(bounds)).tolist():
            taken = order[bounds[k] : bounds[k + 1]]
            self._buckets[k].append(Entries(entries.hashes[taken], entries.passages[taken], entries.tf[taken]))
        self._held += len(entries.hashes)
        if self._scratch is not None and self._held >= self.SPILL:
            self._spill()

    def _spill(self) -> None:
        assert self._scratch is not None
        self._scratch.mkdir(parents=True, exist_ok=True)
        for k, pieces in enumerate(self._buckets):
            if pieces:
                entries = Entries.concatenate(pieces)
                records = np.empty(len(entries.hashes), dtype=_RECORD)
                records["hash"], records["unit"], records["tf"] = entries.hashes, entries.passages, entries.tf
                with open(self._scratch / str(k), "ab") as out:
                    out.write(records.tobytes())
                self._spilled.add(k)
        self._buckets = [[] for _ in range(_BUCKETS)]
        self._held = 0

    def take(self, k: int) -> Entries:
        """Bucket ``k``'s entries, in the order they came; the bucket is emptied."""
        self._flush()
        pieces, self._buckets[k] = self._buckets[k], []
        if k in self._spilled:
            assert self._scratch is not None
            records = np.fromfile(self._scratch / str(k), dtype=_RECORD)
            (self._scratch / str(k)).unlink()
            self._spilled.discard(k)
            pieces.insert(0, Entries(records["hash"].copy(), records["unit"].copy(), _narrowest(records["tf"])))
        return Entries.concatenate(pieces)

    def texts(self) -> TermTexts:
        runs = [*self._kept, *self._texts]
        return TermTexts.concatenate(runs).distinct() if runs else TermTexts.concatenate([])


@dataclass(frozen=True)
class Postings:
    """Term ``term`` of a field: the units holding it, and, read when first asked for, its
    frequency in each (:attr:`tf`) and its BM25 score in each — all of them (:attr:`scores`),
    or only those of the units an intersection kept (:meth:`scores_at`): an intersection of
    common bigrams keeps few of their postings."""

    ids: Sequence[int]
    #: The field's handle on the term: its number in the vocabulary (or, for a field composed
    #: of segments, its frequencies already read: see :mod:`mlq.segments`).
    term: Any
    field: FieldIndex

    @functools.cached_property
    def tf(self) -> Sequence[int]:
        return self.field.frequencies(self.term)

    @functools.cached_property
    def scores(self) -> Sequence[float]:
        return self.field.weights(self.ids, self.tf, len(self.ids))

    def scores_at(self, positions: Sequence[int]) -> Sequence[float]:
        """The scores at ``positions`` (ascending) of :attr:`ids`."""
        units = self.field.backend.take(self.ids, positions)
        return self.field.weights(units, self.field.frequencies_at(self.term, positions), len(self.ids))


@dataclass(frozen=True)
class FieldIndex:
    """One field's BM25: term ``i`` of ``vocabulary`` is in the units of ``postings.units(i)``;
    ``lengths[u]`` is unit ``u``'s number of terms (its BM25 document length); ``stats`` and
    ``params`` are what its scores are worked out from when a query asks."""

    vocabulary: Vocabulary
    postings: PostingLists
    lengths: np.ndarray
    stats: FieldStats
    params: BM25Params

    #: How its arrays are read (see :mod:`mlq.backends`): its vocabulary's.
    @property
    def backend(self) -> Backend:
        return self.vocabulary.backend

    @property
    def term_count(self) -> int:
        return len(self.vocabulary)

    def arrays(self) -> dict[str, Any]:
        """Its arrays by name, as saved (see :meth:`from_arrays`; its ``stats`` are saved
        beside them, not as an array)."""
        vocabulary = self.vocabulary
        own = {"hashes": vocabulary.hashes, "vocab": vocabulary.blob, "vocab_offsets": vocabulary.offsets, "lengths": self.lengths}
        return {**own, **self.postings.arrays()}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any], stats: FieldStats, params: BM25Params, backend: Backend = NUMPY) -> FieldIndex:
        vocabulary = Vocabulary(arrays["hashes"], arrays["vocab"], arrays["vocab_offsets"], backend)
        return cls(vocabulary, PostingLists.from_arrays(arrays, backend), arrays["lengths"], stats, params)

    def with_numpy(self) -> FieldIndex:
        """The same field over numpy arrays (views, no copies)."""
        return FieldIndex.from_arrays({name: np.asarray(a) for name, a in self.arrays().items()}, self.stats, self.params)

    def lookup(self, term: str) -> Postings | None:
        """``term``'s postings (numpy arrays, or lists for a small index), or None for an
        unknown term."""
        i = self.vocabulary.id_of(term)
        if i is None:
            return None
        return Postings(self.postings.units(i), i, self)

    def weights(self, units: Sequence[int], tf: Sequence[int], df: int) -> Sequence[float]:
        """The BM25 weights of a term with document frequency ``df`` in ``units``, where it
        occurs ``tf`` times."""
        return weights(units, tf, self.lengths, df, self.stats, self.params, self.backend)

    def frequencies(self, term: int) -> Sequence[int]:
        """The frequencies of term number ``term`` in each unit holding it (see :class:`Postings`)."""
        return self.postings.frequencies(term)

    def frequencies_at(self, term: int, positions: Sequence[int]) -> Sequence[int]:
        return self.postings.frequencies_at(term, positions)

    def postings_of(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Passage numbers containing ``term`` and the term's BM25 score in each, or None for an
        unknown term (see :meth:`lookup`)."""
        found = self.lookup(term)
        return None if found is None else (found.ids, found.scores)

    def posting(self, term: str, unit: int) -> tuple[int, int] | None:
        """``term``'s frequency in unit ``unit`` and its document frequency, or None if the unit
        does not hold it."""
        i = self.vocabulary.id_of(term)
        if i is None:
            return None
        units = self.postings.units(i)
        at = bisect.bisect_left(units, unit)  # postings are in unit order (see assemble_field)
        return (int(self.postings.frequencies_at(i, [at])[0]), len(units)) if at < len(units) and units[at] == unit else None

    def document_frequency(self, term: str) -> int:
        i = self.vocabulary.id_of(term)
        return 0 if i is None else self.postings.count(i)

    def entries(self, bucket: int, keep: np.ndarray, renumber: np.ndarray) -> Entries:
        """The counts of the passages where ``keep`` is true, numbered ``renumber[p]``, for the
        terms of bucket ``bucket`` (see :class:`Gathered`): what an incremental build takes over
        from the previous index, a bucket at a time. Grouped by term hash."""
        bounds = _bucket_bounds(self.vocabulary.hashes)
        first, last = int(bounds[bucket]), int(bounds[bucket + 1])
        units, tf = self.postings.decoded(first, last)
        kept = keep[units]
        hashes = np.repeat(self.vocabulary.hashes[first:last], np.diff(self.postings.indptr[first : last + 1]))[kept]
        return Entries(hashes, renumber[units[kept]], tf[kept])

    def entries_of(self, sources: np.ndarray, targets: np.ndarray) -> Entries:
        """The counts of passage ``sources[i]`` as passage ``targets[i]``, where a passage may
        be taken several times. Grouped by passage, not by term."""
        units, tf = self.postings.decoded()
        by_passage = np.argsort(units, kind="stable")
        counts = np.bincount(units, minlength=len(self.lengths))
        starts = np.cumsum(counts) - counts
        taken = by_passage[_ranges(starts[sources], counts[sources])]
        terms = np.repeat(np.arange(len(self.vocabulary)), np.diff(self.postings.indptr))[taken]
        passages = np.repeat(targets.astype(np.int32), counts[sources])
        return Entries(self.vocabulary.hashes[terms], passages, tf[taken])


class TermCounter:
    """Counts one field's terms passage by passage, keeping only numbers and each distinct
    term's text once: a file of any size is analysed without holding all its terms as
    strings (which cost some 70 bytes each, against 16 for an entry)."""

    def __init__(self) -> None:
        self._hashes = array("Q")
        self._passages = array("i")
        self._tf = array("i")
        self._lengths = array("i")
        self._hash_of: dict[str, int] = {}  # every distinct term so far, in order of appearance

    def add(self, terms: Sequence[str]) -> None:
        """The terms of the next passage."""
        counts = Counter(terms)
        hash_of = self._hash_of
        for term in counts:
            if term not in hash_of:
                hash_of[term] = term_hash(term)
        self._hashes.extend([hash_of[term] for term in counts])
        self._tf.extend(counts.values())
        self._passages.extend([len(self._lengths)] * len(counts))
        self._lengths.append(len(terms))

    def counts(self) -> tuple[Entries, np.ndarray, TermTexts]:
        """Entries (passages numbered from 0 in the order added), passage lengths, and the
        texts of the terms. The arrays are views of the counter's own buffers, not copies (a
        large file's counts would be held twice): nothing may be added after."""
        entries = Entries(
            np.frombuffer(self._hashes, dtype=np.uint64),
            np.frombuffer(self._passages, dtype=np.int32),
            _narrowest(np.frombuffer(self._tf, dtype=np.int32)),  # a byte each, mostly
        )
        lengths = np.frombuffer(self._lengths, dtype=np.int32)
        terms = list(self._hash_of)
        texts = TermTexts(np.fromiter(self._hash_of.values(), np.uint64, len(terms)), *pack([t.encode() for t in terms]))
        return entries, lengths, texts


def count_terms(term_lists: Iterable[Sequence[str]]) -> tuple[Entries, np.ndarray, TermTexts]:
    """:meth:`TermCounter.counts` of ``term_lists``, one list of terms per passage."""
    counter = TermCounter()
    for terms in term_lists:
        counter.add(terms)
    return counter.counts()


def build_field(term_lists: Sequence[Sequence[str]], params: BM25Params) -> FieldIndex:
    """BM25Okapi over ``term_lists`` (one list of terms per passage)."""
    entries, lengths, texts = count_terms(term_lists)
    gathered = Gathered()
    gathered.add(entries, texts)
    return assemble_field(gathered, lengths, params)


def assemble_field(
    gathered: Gathered,
    lengths: np.ndarray,
    params: BM25Params,
    previous: tuple[FieldIndex, np.ndarray, np.ndarray] | None = None,
    known: Vocabulary | None = None,
    aside: Path | None = None,
    prefix: str = "",
) -> FieldIndex:
    """Group entries by term into postings, each term's postings in the order of their units
    (which searching relies on), a bucket at a time. ``previous`` is a previous index's field
    with which of its passages to keep and their new numbers (see :meth:`FieldIndex.entries`):
    its entries, already in that order, are taken a bucket at a time too, and the new ones
    merged in. ``lengths`` holds every unit's length; a term's text comes from ``known`` (the
    previous vocabulary) or from ``gathered``. With an ``aside`` folder, the postings are
    written there as they are encoded, as files named ``prefix`` + their array's name (see
    :class:`mlq.postings.PostingsWriter`)."""
    terms, counts = [], []
    encoded = PostingsWriter(aside, prefix)
    for bucket in range(_BUCKETS):
        new = _by_term_and_unit(gathered.take(bucket))
        kept = previous[0].entries(bucket, previous[1], previous[2]) if previous is not None else None
        if kept is None or not len(kept.hashes):
            hashes, passages, tf = new.hashes, new.passages, new.tf
        else:
            # Inserting a few new entries into the grouped old ones costs a copy, not a sort.
            at = _insertion_points(kept, new)
            hashes = np.insert(kept.hashes, at, new.hashes)
            passages = np.insert(kept.passages, at, new.passages)
            tf = np.insert(kept.tf, at, new.tf)
        if not len(hashes):
            continue
        starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
        df = np.diff(np.r_[starts, len(hashes)])
        terms.append(hashes[starts])
        counts.append(df)
        encoded.add(PostingLists.encode(np.r_[0, np.cumsum(df)], passages, tf))
    df = np.concatenate(counts) if counts else np.zeros(0, np.int64)
    hashes = np.concatenate(terms) if terms else np.zeros(0, np.uint64)
    postings = encoded.finish()
    known = known or Vocabulary(np.zeros(0, np.uint64), np.zeros(0, np.uint8), np.zeros(1, np.int64))
    vocabulary = known.texts_of(hashes, [gathered.texts()])
    vocabulary = Vocabulary(vocabulary.hashes, vocabulary.blob, offsets_array(vocabulary.offsets))
    lengths = _narrowest(lengths)
    return FieldIndex(vocabulary, postings, lengths, stats(lengths, df), params)


def _narrowest(counts: np.ndarray) -> np.ndarray:
    """``counts`` (term frequencies, unit lengths) in the smallest unsigned type that holds
    them: most fit a byte or two instead of four. Whatever sums them widens them first."""
    top = int(counts.max()) if len(counts) else 0
    dtype = np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.int32
    return counts.astype(dtype, copy=False)


def _by_term_and_unit(entries: Entries) -> Entries:
    """``entries`` sorted by term hash, then unit: a stable sort by hash alone when the units
    already come in order (a full build), else a sort on both (copies, moved documents)."""
    units = entries.passages
    if len(units) < 2 or bool((units[1:] >= units[:-1]).all()):
        order = np.argsort(entries.hashes, kind="stable")
    else:
        order = np.lexsort((units, entries.hashes))
    return Entries(entries.hashes[order], units[order], entries.tf[order])


def _insertion_points(kept: Entries, new: Entries) -> np.ndarray:
    """Where each of ``new`` goes among ``kept`` (both sorted by term hash, then unit) to keep
    that order: by a key that orders the kept entries' terms, then units, as one number."""
    group = np.cumsum(np.r_[True, kept.hashes[1:] != kept.hashes[:-1]]) - 1
    span = int(max(kept.passages.max(initial=0), new.passages.max(initial=0))) + 1
    keys = group * span + kept.passages
    at = np.searchsorted(kept.hashes, new.hashes)
    known = at < len(kept.hashes)
    known[known] = kept.hashes[at[known]] == new.hashes[known]
    at[known] = np.searchsorted(keys, group[at[known]] * span + new.passages[known])
    return at


@dataclass(frozen=True)
class Index:
    """The fields of :data:`mlq.fields.FIELDS`, each one BM25 over its units, and the weight
    each counts with in a hit's score (see :mod:`mlq.matching`)."""

    fields: Mapping[str, FieldIndex]
    weights: Mapping[str, float]
    passage_count: int


def select_top(
    ids: np.ndarray,
    scores: np.ndarray,
    k: int,
    groups: np.ndarray | None = None,
    per_group: int | None = None,
    allowed: Sequence[bool] | None = None,
    keep: Callable[[int], bool] | None = None,
    exact: Callable[[int, float], float | None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best of ``ids`` by score, best first, ties broken by the lower id so results
    are stable. With ``groups`` (the group of each id, e.g. its document), at most
    ``per_group`` from one group, and none from a group ``g`` where ``allowed[g]`` is false.
    ``keep``, a costly test of one id, is asked of candidates best first, only until ``k``
    have passed. With ``exact``, ``scores`` are upper bounds: ``exact(id, bound)`` gives an
    id's true score (at most its bound; None drops it), asked best bound first, only as far
    as the ``k`` best need.

    The cap is applied to the best few candidates only, taking more while too few survive:
    an id's fate depends only on the ids of its group that rank above it, which are among the
    candidates whenever it is, so the survivors are exactly the first of the capped ranking."""
    if exact is not None:
        return _select_lazily(ids, scores, k, groups, per_group, allowed, keep, exact)
    if keep is not None and not isinstance(ids, list):
        ids, scores = ids.tolist(), scores.tolist()
    if isinstance(ids, list):
        return _select_plainly(ids, scores, k, groups, per_group, allowed, keep)
    if groups is not None and allowed is not None:
        mask = np.asarray(allowed, dtype=bool)[np.asarray(groups)[ids]]
        ids, scores = ids[mask], scores[mask]
    if groups is None or per_group is None:
        return _best(ids, scores, k)
    wanted = 4 * k
    while True:
        top_ids, top_scores = _best(ids, scores, wanted)
        capped = _rank_within_group(top_ids, top_scores, groups[top_ids]) < per_group
        if capped.sum() >= k or len(top_ids) == len(ids):
            return top_ids[capped][:k], top_scores[capped][:k]
        wanted *= 4


def _select_plainly(
    ids: list[int],
    scores: list[float],
    k: int,
    groups: Sequence[int] | None,
    per_group: int | None,
    allowed: Sequence[bool] | None,
    keep: Callable[[int], bool] | None = None,
) -> tuple[list[int], list[float]]:
    chosen = _Chosen(groups, per_group, keep)
    for i, score in sorted(zip(ids, scores), key=lambda pair: (-pair[1], pair[0])):
        if groups is not None and allowed is not None and not allowed[groups[i]]:
            continue
        chosen.offer(i, score)
        if len(chosen.best) == k:
            break
    return chosen.lists()


class _Chosen:
    """The hits taken so far, best first: at most ``per_group`` from one group, and only those
    ``keep`` lets through (asked last: it is the costly check)."""

    def __init__(self, groups: Sequence[int] | None, per_group: int | None, keep: Callable[[int], bool] | None) -> None:
        self.groups = groups if per_group is not None else None
        self.per_group = per_group
        self.keep = keep
        self.taken: dict[int, int] = {}
        self.best: list[tuple[int, float]] = []

    def full(self, i: int) -> bool:
        """Whether ``i``'s group has had its share: nothing of it can be taken any more."""
        return self.groups is not None and self.taken.get(self.groups[i], 0) >= self.per_group  # type: ignore[operator]

    def offer(self, i: int, score: float) -> None:
        if self.full(i):
            return
        group = self.groups[i] if self.groups is not None else None
        if self.keep is not None and not self.keep(i):
            return
        if group is not None:
            self.taken[group] = self.taken.get(group, 0) + 1
        self.best.append((i, score))

    def lists(self) -> tuple[list[int], list[float]]:
        return [i for i, _ in self.best], [score for _, score in self.best]


def _select_lazily(
    ids: Sequence[int],
    bounds: Sequence[float],
    k: int,
    groups: Sequence[int] | None,
    per_group: int | None,
    allowed: Sequence[bool] | None,
    keep: Callable[[int], bool] | None,
    exact: Callable[[int, float], float | None],
) -> tuple[list[int], list[float]]:
    """:func:`select_top` over upper bounds. Candidates come best bound first; each one's
    exact score goes into a heap, and the heap's best is taken whenever no bound still to come
    can beat it: every score is at most its bound, so what is taken is the true best."""
    chosen = _Chosen(groups, per_group, keep)
    heap: list[tuple[float, int]] = []
    stream = _best_first(ids, bounds, k)
    ahead = next(stream, None)
    while len(chosen.best) < k and (heap or ahead is not None):
        if ahead is not None and (not heap or (ahead[1], -ahead[0]) > (-heap[0][0], -heap[0][1])):
            i, bound = ahead
            ahead = next(stream, None)
            if chosen.full(i) or (groups is not None and allowed is not None and not allowed[groups[i]]):
                continue  # its exact score cannot matter
            score = exact(i, bound)
            if score is not None:
                heapq.heappush(heap, (-score, i))
            continue
        negative, i = heapq.heappop(heap)
        chosen.offer(i, -negative)
    return chosen.lists()


def _best_first(ids: Sequence[int], scores: Sequence[float], k: int) -> Iterator[tuple[int, float]]:
    """``(id, score)`` best first (ties: lower id first), sorting only as many as are asked."""
    wanted, done = max(4 * k, 64), 0
    if isinstance(ids, list):
        # The best few by a heap, the rest sorted only if they are asked for: most searches
        # need a dozen of tens of thousands.
        keyed = [(-score, i) for i, score in zip(ids, scores)]
        best = heapq.nsmallest(wanted, keyed)
        yield from ((i, -negative) for negative, i in best)
        if len(best) < len(keyed):
            yield from ((i, -negative) for negative, i in sorted(keyed)[len(best) :])
        return
    while done < len(ids):
        top_ids, top_scores = _best(ids, scores, wanted)
        yield from zip(top_ids[done:].tolist(), top_scores[done:].tolist())
        done, wanted = len(top_ids), wanted * 4


def _best(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best, best first (ties: lower id first)."""
    if len(ids) > k:
        kth_best = np.partition(scores, len(scores) - k)[len(scores) - k]
        near = np.flatnonzero(scores >= kth_best)
        ids, scores = ids[near], scores[near]
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]


def _rank_within_group(ids: np.ndarray, scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """For each id, how many ids of its group score better (ties: lower id first)."""
    best_first = np.lexsort((ids, -scores))
    by_group = best_first[np.argsort(groups[best_first], kind="stable")]
    sorted_groups = groups[by_group]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(by_group)])
    rank = np.empty(len(ids), dtype=np.int64)
    rank[by_group] = np.arange(len(by_group)) - np.repeat(starts, sizes)
    return rank
