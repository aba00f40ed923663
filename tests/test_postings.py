"""Posting lists stored small (mlq.postings): every list reads back exactly as it was given,
with numpy and in plain Python alike, whatever its gaps and frequencies."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings, strategies as st

from mlq.backends import PLAIN
from mlq.postings import PostingLists

# A term's units: ascending and distinct, with gaps of every width (to 2**20) and frequencies
# up to well past what half a byte holds.
term_lists = st.lists(
    st.lists(st.tuples(st.integers(1, 2**20), st.integers(1, 400)), min_size=1, max_size=40),
    max_size=30,
)


def _encoded(terms: list[list[tuple[int, int]]]) -> tuple[PostingLists, list[list[int]], list[list[int]]]:
    units = [list(np.cumsum([gap for gap, _ in term]) - 1) for term in terms]
    tf = [[count for _, count in term] for term in terms]
    indptr = np.cumsum([0] + [len(term) for term in terms])
    flat_units = np.array([u for term in units for u in term], dtype=np.int64)
    flat_tf = np.array([t for term in tf for t in term], dtype=np.int32)
    return PostingLists.encode(indptr, flat_units, flat_tf), units, tf


def _plain(lists: PostingLists) -> PostingLists:
    """The same lists as a small index is read: memoryviews, summed in plain Python."""
    views = {name: memoryview(np.ascontiguousarray(array)).cast("B").cast(np.asarray(array).dtype.char) for name, array in lists.arrays().items()}
    return PostingLists.from_arrays(views, PLAIN)


@settings(max_examples=200, deadline=None)
@given(term_lists)
@example([[(1, 1)] * 3 + [(300, 16)], [(70_000, 1), (1, 15)]])  # one of each width, tf just over a nibble
def test_every_list_reads_back_as_written_with_numpy_and_without(terms: list[list[tuple[int, int]]]) -> None:
    lists, units, tf = _encoded(terms)
    for read in (lists, _plain(lists)):
        assert len(read) == len(terms)
        for i in range(len(terms)):
            assert list(read.units(i)) == units[i], i
            assert list(read.frequencies(i)) == tf[i], i
            # What an intersection keeps: many (read as one run), a few far apart (one by one).
            for step in (3, 11):
                some = list(range(0, len(tf[i]), step))
                assert list(read.frequencies_at(i, some)) == [tf[i][k] for k in some], (i, step)
            assert list(read.frequencies_at(i, [len(tf[i]) - 1])) == [tf[i][-1]], i
            assert read.count(i) == len(units[i])
    all_units, all_tf = lists.decoded()
    assert all_units.tolist() == [u for term in units for u in term]
    assert all_tf.tolist() == [t for term in tf for t in term]


def test_gaps_take_the_narrowest_width_that_holds_them() -> None:
    lists, _, _ = _encoded([[(1, 1)] * 50, [(5, 1), (255, 1)], [(1, 1), (256, 1)], [(1, 1), (70_000, 1)], [(9, 2)]])
    assert lists.widths.tolist()[:4] == [1, 1, 2, 4]
    assert (len(lists.gaps1), len(lists.gaps2), len(lists.gaps4)) == (49 + 1, 1, 1)
    assert len(lists.tf_nibbles) == (lists.size + 1) // 2  # two frequencies a byte


@settings(max_examples=100, deadline=None)
@given(term_lists, st.lists(st.integers(0, 30), max_size=4))
def test_lists_encoded_in_parts_and_joined_are_the_lists_encoded_at_once(terms: list[list[tuple[int, int]]], cuts: list[int]) -> None:
    """A build encodes a field a bucket of terms at a time: joined, the parts are array for array
    what one encoding of all the terms gives."""
    whole, _, _ = _encoded(terms)
    bounds = sorted({0, len(terms), *(min(cut, len(terms)) for cut in cuts)})
    parts = [_encoded(terms[lo:hi])[0] for lo, hi in zip(bounds, bounds[1:])] or [whole]
    joined = PostingLists.concatenate(parts)
    for name, array in whole.arrays().items():
        assert np.array_equal(np.asarray(array), np.asarray(joined.arrays()[name])), name
        assert np.asarray(array).dtype == np.asarray(joined.arrays()[name]).dtype, name


@settings(max_examples=60, deadline=None)
@given(st.lists(term_lists, max_size=6), st.integers(0, 30))
def test_lists_written_a_part_at_a_time_are_the_lists_concatenated(parts: list, full_after: int) -> None:
    """A field's postings go to files as its buckets are encoded (PostingsWriter): the lists
    read back memory-mapped, or held once a write fails (a full disk), are those of
    concatenating the parts in memory."""
    import tempfile
    from pathlib import Path

    from mlq.postings import PostingsWriter

    encoded = [_encoded(terms)[0] for terms in parts]
    expected = PostingLists.concatenate(encoded) if encoded else _encoded([])[0]
    for disk_full in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            writer = PostingsWriter(Path(folder), "words.")
            writes = 0

            class Filling:
                """A file that fills up after ``full_after`` writes, when the disk is to fill."""

                def __init__(self, out):
                    self.out, self.name = out, out.name

                def write(self, data):
                    nonlocal writes
                    writes += 1
                    if disk_full and writes > full_after:
                        raise OSError(28, "No space left on device")
                    return self.out.write(data)

                def flush(self):
                    self.out.flush()

                def close(self):
                    self.out.close()

            writer._files = {name: Filling(out) for name, out in writer._files.items()}
            for part in encoded:
                writer.add(part)
            got = writer.finish()
            for name, array in expected.arrays().items():
                assert np.asarray(got.arrays()[name]).dtype == np.asarray(array).dtype, name
                assert np.array_equal(np.asarray(got.arrays()[name]), np.asarray(array)), name
            if not disk_full or writes <= full_after:
                assert sorted(p.name for p in Path(folder).iterdir()) == [f"words.{n}.npy" for n in ("gaps1", "gaps2", "gaps4", "tf_nibbles")]
