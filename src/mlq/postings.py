"""Posting lists stored small: which units hold each term of a field, and how often.

A term's units are ascending, so they are kept as the first unit and the gaps to the next
ones, in the narrowest of ``uint8``, ``uint16`` and ``uint32`` that holds that term's largest
gap (one stream per width): the common terms, which hold most postings, have small gaps and
fit one or two bytes a posting, instead of four for the unit and eight for a precomputed score
(scores are worked out at query time, see :mod:`mlq.scoring`). Term frequencies go two to a
byte; the few above 15 are written 0 there and kept aside, sorted by position. Lucene and
tantivy do the same per block of 128 postings; per term keeps the decoding one cumulative sum
over a slice, with numpy or in plain Python (:mod:`mlq.backends`), and every part a plain array
that is memory-mapped, loaded without pickle.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from ._lazy import ImportedOnFirstUse
from ._numpy import np
from .backends import NUMPY, Backend

shutil = ImportedOnFirstUse("shutil")  # only a build needs it (see mlq._lazy)

#: The widths gaps are stored in, and their dtypes.
WIDTHS = {1: "uint8", 2: "uint16", 4: "uint32"}
#: Term frequencies above this are kept aside (a nibble holds 1..15; 0 means "aside").
_NIBBLE_MAX = 15


@dataclass(frozen=True)
class PostingLists:
    """Term ``i``'s postings are positions ``indptr[i]:indptr[i + 1]``: its first unit is
    ``firsts[i]``, then come ``indptr[i + 1] - indptr[i] - 1`` gaps from ``gap_starts[i]`` in the
    stream of width ``widths[i]``. Frequencies: nibble ``p`` of ``tf_nibbles`` (low half first),
    or, where that is 0, ``tf_aside[k]`` for ``tf_aside_at[k] == p``."""

    indptr: Any
    firsts: Any
    widths: Any
    gap_starts: Any
    gaps1: Any
    gaps2: Any
    gaps4: Any
    tf_nibbles: Any
    tf_aside_at: Any
    tf_aside: Any
    #: How its arrays are read (see :mod:`mlq.backends`); not an array.
    backend: Backend = NUMPY

    @classmethod
    def encode(cls, indptr: np.ndarray, units: np.ndarray, tf: np.ndarray) -> PostingLists:
        """The lists of ``units`` and ``tf`` (grouped by term as ``indptr`` says, ascending
        within a term)."""
        units = np.asarray(units, dtype=np.int32)  # unit numbers fit; int64 temporaries would double a build's peak
        counts = np.diff(indptr)
        terms = len(counts)
        starts = indptr[:-1][counts > 0]
        firsts = units[starts]
        gaps = np.diff(units, prepend=np.int32(0))
        gaps[starts] = 0  # a term's first unit is no gap
        largest = np.zeros(terms, dtype=np.int64)
        has_gaps = counts > 1
        if has_gaps.any():
            largest[has_gaps] = np.maximum.reduceat(gaps, indptr[:-1])[has_gaps]
        widths = np.where(largest < 2**8, 1, np.where(largest < 2**16, 2, 4)).astype(np.uint8)
        width_of = np.repeat(widths, counts)
        width_of[starts] = 0  # in no stream
        streams = {}
        gap_starts = np.zeros(terms, dtype=np.int64)
        for width, dtype in WIDTHS.items():
            mine = widths == width
            taken = np.where(mine, counts - 1, 0)
            gap_starts[mine] = (np.cumsum(taken) - taken)[mine]
            streams[width] = gaps[width_of == width].astype(dtype)
        del gaps, width_of
        tf = np.asarray(tf)
        aside = tf > _NIBBLE_MAX
        return cls(
            indptr=offsets_array(indptr),
            firsts=firsts.astype(np.int32),
            widths=widths,
            gap_starts=offsets_array(gap_starts),
            gaps1=streams[1],
            gaps2=streams[2],
            gaps4=streams[4],
            tf_nibbles=_packed_nibbles(np.where(aside, 0, tf)),
            tf_aside_at=np.flatnonzero(aside).astype(np.int64),
            tf_aside=tf[aside].astype(np.uint32),
        )

    @classmethod
    def concatenate(cls, parts: Sequence[PostingLists]) -> PostingLists:
        """The terms of ``parts``, one after the other: a field encoded a bucket of terms at a
        time (see :func:`mlq.bm25.assemble_field`), so that no step holds all its postings in
        wide integers at once."""
        if len(parts) == 1:
            return parts[0]
        sizes = [part.size for part in parts]
        bases = np.cumsum([0] + sizes[:-1])
        indptr = np.concatenate([part.indptr[:-1].astype(np.int64) + base for part, base in zip(parts, bases)] + [[sum(sizes)]])
        gap_starts, shift = [], {width: 0 for width in WIDTHS}
        for part in parts:
            starts = part.gap_starts.astype(np.int64)
            for width in WIDTHS:
                mine = part.widths == width
                starts[mine] += shift[width]
                shift[width] += len(getattr(part, f"gaps{width}"))
            gap_starts.append(starts)
        return cls(
            indptr=offsets_array(indptr),
            firsts=np.concatenate([part.firsts for part in parts]),
            widths=np.concatenate([part.widths for part in parts]),
            gap_starts=offsets_array(np.concatenate(gap_starts)),
            gaps1=np.concatenate([part.gaps1 for part in parts]),
            gaps2=np.concatenate([part.gaps2 for part in parts]),
            gaps4=np.concatenate([part.gaps4 for part in parts]),
            tf_nibbles=_packed_nibbles(np.concatenate([NUMPY.nibbles(part.tf_nibbles, 0, part.size) for part in parts])),
            tf_aside_at=np.concatenate([part.tf_aside_at + base for part, base in zip(parts, bases)]),
            tf_aside=np.concatenate([part.tf_aside for part in parts]),
        )

    def arrays(self) -> dict[str, Any]:
        """Its arrays by name, as saved (see :func:`from_arrays`)."""
        return {name: getattr(self, name) for name in ARRAY_NAMES}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any], backend: Backend = NUMPY) -> PostingLists:
        return cls(**{name: arrays[name] for name in ARRAY_NAMES}, backend=backend)

    def with_numpy(self) -> PostingLists:
        """The same lists over numpy arrays (views of what it holds, no copies)."""
        return replace(self, **{name: np.asarray(getattr(self, name)) for name in ARRAY_NAMES}, backend=NUMPY)

    def __len__(self) -> int:
        """How many terms."""
        return len(self.firsts)

    @property
    def size(self) -> int:
        """How many postings, over every term."""
        return int(self.indptr[len(self.indptr) - 1])

    def count(self, term: int) -> int:
        """Term ``term``'s document frequency: how many units hold it."""
        return int(self.indptr[term + 1]) - int(self.indptr[term])

    def units(self, term: int) -> Sequence[int]:
        """The units holding term ``term``, ascending (an ``int32`` array, or a list)."""
        lo, hi = int(self.indptr[term]), int(self.indptr[term + 1])
        if hi == lo:
            return self.backend.running_sum(0, self.gaps1[0:0])
        width, start = int(self.widths[term]), int(self.gap_starts[term])
        stream = self.gaps1 if width == 1 else self.gaps2 if width == 2 else self.gaps4
        return self.backend.running_sum(int(self.firsts[term]), stream[start : start + hi - lo - 1])

    def frequencies(self, term: int) -> Sequence[int]:
        """Term ``term``'s frequency in each of :meth:`units`, in the same order."""
        return self._frequencies(int(self.indptr[term]), int(self.indptr[term + 1]))

    def frequencies_at(self, term: int, positions: Sequence[int]) -> Sequence[int]:
        """Term ``term``'s frequency in its units at ``positions`` (ascending) only."""
        lo, hi = int(self.indptr[term]), int(self.indptr[term + 1])
        values = self.backend.nibbles_at(self.tf_nibbles, lo, positions)
        aside = self._aside(lo, hi)
        return values if aside is None else self.backend.put_matching(values, positions, aside[0], lo, aside[1])

    def _frequencies(self, lo: int, hi: int) -> Sequence[int]:
        values = self.backend.nibbles(self.tf_nibbles, lo, hi)
        aside = self._aside(lo, hi)
        return values if aside is None else self.backend.put(values, aside[0], lo, aside[1])

    def _aside(self, lo: int, hi: int) -> tuple[Sequence[int], Sequence[int]] | None:
        """The positions (from ``lo`` to ``hi``) and values of the frequencies kept aside, or
        None if none of them is."""
        if not len(self.tf_aside_at):
            return None
        first, last = self.backend.position(self.tf_aside_at, lo), self.backend.position(self.tf_aside_at, hi)
        return None if first == last else (self.tf_aside_at[first:last], self.tf_aside[first:last])

    def decoded(self, first: int = 0, last: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The unit (``int32``) and frequency (``int32``) of every posting of terms ``first``
        to ``last`` (default: all), term after term: what a build takes over from the previous
        index. With numpy, whatever the size."""
        lists = self.with_numpy()
        last = len(lists) if last is None else last
        indptr = lists.indptr[first : last + 1].astype(np.int64)
        counts = np.diff(indptr)
        size = int(indptr[-1] - indptr[0]) if len(indptr) else 0
        starts = (indptr[:-1] - indptr[0])[counts > 0]
        gaps = np.zeros(size, dtype=np.int64)
        widths = lists.widths[first:last]
        width_of = np.repeat(widths, counts)
        following = np.ones(size, dtype=bool)
        following[starts] = False
        for width in WIDTHS:
            mine = np.flatnonzero(widths == width)
            if not len(mine):
                continue
            begin = int(lists.gap_starts[first + mine[0]])
            end = int(lists.gap_starts[first + mine[-1]]) + int(counts[mine[-1]]) - 1
            gaps[following & (width_of == width)] = getattr(lists, f"gaps{width}")[begin:end]
        gaps[starts] = lists.firsts[first:last][counts > 0]
        running = np.cumsum(gaps)
        units = running - np.repeat(running[starts] - gaps[starts], counts[counts > 0])
        tf = np.array(lists._frequencies(int(indptr[0]), int(indptr[-1])), dtype=np.int32) if size else np.zeros(0, np.int32)
        return units.astype(np.int32), tf


class PostingsWriter:
    """:meth:`PostingLists.concatenate` of parts that come one at a time (a field encoded a
    bucket of terms at a time, see :func:`mlq.bm25.assemble_field`), with the arrays of a
    posting each — the gaps, the frequencies — written to files in ``folder`` as they come and
    read back memory-mapped: a field's postings are never whole in memory, nor twice, as a list
    of parts and their concatenation. What is per term (and the few frequencies kept aside) is
    held. Without a folder, or once one cannot be written (a full disk), what was written is
    read back and the parts are held and concatenated."""

    _STREAMS = {**{f"gaps{width}": dtype for width, dtype in WIDTHS.items()}, "tf_nibbles": "uint8"}

    def __init__(self, folder: Path | None, prefix: str) -> None:
        self._parts: list[PostingLists] = []  # held, when nothing is written
        self._files: dict[str, Any] = {}
        self._paths = {name: Path(folder or ".", f"{prefix}{name}.raw") for name in self._STREAMS}
        if folder is not None:
            try:
                self._files = {name: open(path, "wb") for name, path in self._paths.items()}
            except OSError:
                self._close()
        self._size = 0  # postings written
        self._written = dict.fromkeys(self._STREAMS, 0)  # values of each stream written
        self._terms: dict[str, list[np.ndarray]] = {name: [] for name in ("indptr", "firsts", "widths", "gap_starts", "tf_aside_at", "tf_aside")}
        self._carry = np.zeros(0, dtype=np.uint8)  # a last frequency not yet paired in a byte

    def add(self, part: PostingLists) -> None:
        if self._files:
            try:
                self._write(part)
                return
            except OSError:  # what was written is read back, the rest held
                self._parts = [self._held_back()]
        self._parts.append(part)

    def _write(self, part: PostingLists) -> None:
        """Writes ``part``; what it adds to the per-term arrays is kept only once every
        write went through."""
        starts = part.gap_starts.astype(np.int64)
        for width in WIDTHS:
            starts[part.widths == width] += self._written[f"gaps{width}"]
        nibbles = np.concatenate([self._carry, NUMPY.nibbles(part.tf_nibbles, 0, part.size)])
        paired = len(nibbles) & ~1
        streams = {f"gaps{width}": getattr(part, f"gaps{width}") for width in WIDTHS}
        streams["tf_nibbles"] = _packed_nibbles(nibbles[:paired])
        for name, values in streams.items():
            self._files[name].write(np.ascontiguousarray(values, dtype=self._STREAMS[name]).tobytes())
        for name, values in streams.items():
            self._written[name] += len(values)
        terms = self._terms
        terms["indptr"].append(part.indptr[:-1].astype(np.int64) + self._size)
        terms["firsts"].append(part.firsts)
        terms["widths"].append(part.widths)
        terms["gap_starts"].append(starts)
        terms["tf_aside_at"].append(part.tf_aside_at + self._size)
        terms["tf_aside"].append(part.tf_aside)
        self._carry = nibbles[paired:]
        self._size += part.size

    def finish(self) -> PostingLists:
        if not self._files:
            parts = self._parts or [PostingLists.encode(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))]
            return PostingLists.concatenate(parts)
        try:
            self._files["tf_nibbles"].write(_packed_nibbles(self._carry).tobytes())
            for out in self._files.values():
                out.flush()
            self._written["tf_nibbles"] += (len(self._carry) + 1) // 2
            self._carry = np.zeros(0, dtype=np.uint8)
            self._close()
            streams = {name: npy_from_raw(self._paths[name], dtype) for name, dtype in self._STREAMS.items()}
        except OSError:  # a full disk, at the end: the lists are held
            return PostingLists.concatenate([self._held_back()])
        return self._whole(streams)

    def _whole(self, streams: dict[str, np.ndarray]) -> PostingLists:
        """The lists from their per-posting ``streams`` and the per-term arrays held."""
        terms = {name: np.concatenate(pieces) if pieces else np.zeros(0, np.int64) for name, pieces in self._terms.items()}
        return PostingLists(
            indptr=offsets_array(np.r_[terms["indptr"], self._size]),
            firsts=terms["firsts"].astype(np.int32),
            widths=terms["widths"].astype(np.uint8),
            gap_starts=offsets_array(terms["gap_starts"]),
            **streams,
            tf_aside_at=terms["tf_aside_at"].astype(np.int64),
            tf_aside=terms["tf_aside"].astype(np.uint32),
        )

    def _held_back(self) -> PostingLists:
        """What was written so far, read back from its files (raw, or made ``.npy`` already),
        as one part in memory; the files are closed and removed."""
        self._close()
        streams = {}
        for name, dtype in self._STREAMS.items():
            raw, made = self._paths[name], self._paths[name].with_suffix(".npy")
            if raw.exists():
                streams[name] = np.fromfile(raw, dtype=dtype, count=self._written[name])
            else:
                streams[name] = np.array(np.load(made, allow_pickle=False))[: self._written[name]]
            for path in (raw, made):
                with contextlib.suppress(OSError):
                    path.unlink()
        written = self._size - len(self._carry)
        tf = np.concatenate([NUMPY.nibbles(streams["tf_nibbles"], 0, written), self._carry])
        streams["tf_nibbles"] = _packed_nibbles(tf)
        return self._whole(streams)

    def _close(self) -> None:
        for out in self._files.values():
            with contextlib.suppress(OSError):
                out.close()
        self._files = {}


def npy_from_raw(raw: Path, dtype: Any) -> np.ndarray:
    """The values of ``dtype`` in file ``raw``, made an ``.npy`` file beside it (``raw`` is
    removed) and read back memory-mapped: an array written a piece at a time, never whole in
    memory. The file is what ``np.save`` writes, so saving can link it (see
    :func:`mlq.cache.save`)."""
    dtype = np.dtype(dtype)
    count = raw.stat().st_size // dtype.itemsize
    path = raw.with_suffix(".npy")
    header = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(count,))
    start = header.offset
    del header
    with open(raw, "rb") as source, open(path, "r+b") as out:
        out.seek(start)
        shutil.copyfileobj(source, out, 1 << 20)
    raw.unlink()
    return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))


#: The arrays of :class:`PostingLists`, as saved.
ARRAY_NAMES: tuple[str, ...] = tuple(f.name for f in fields(PostingLists) if f.name != "backend")


def _packed_nibbles(values: np.ndarray) -> np.ndarray:
    """``values`` (each 0..15) two to a byte, the first in the low half."""
    values = values.astype(np.uint8)
    if len(values) % 2:
        values = np.r_[values, np.uint8(0)]
    return (values[0::2] | (values[1::2] << 4)).astype(np.uint8)


def offsets_array(values: np.ndarray) -> np.ndarray:
    """Offsets or positions as ``int32`` (half the bytes) when they fit, as they do but in a
    huge field or document, else ``int64``."""
    values = np.asarray(values, dtype=np.int64)
    return values.astype(np.int32) if not len(values) or int(values.max()) < 2**31 else values
