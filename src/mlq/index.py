"""Documents → passages → terms → the index of one corpus folder.

A :class:`CorpusIndex` is everything a search needs: a table of the documents, a columnar table
of their passages, and one BM25 per analysis field. :func:`build_index` makes one, analysing
only the files that changed since a previous index and taking the rest over from it;
:mod:`mlq.cache` saves and loads it.
"""

from __future__ import annotations

import array
import contextlib
import functools
import json
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from . import passages as passage_rules
from ._lazy import ImportedOnFirstUse
from ._numpy import np
from .backends import NUMPY, Backend
from .analysis import AnalyzerSettings, Headers, versions
from .bm25 import Entries, FieldIndex, Gathered, Index, assemble_field, count_terms, pack
from .fields import DOCUMENT_FIELDS, FIELDS, PASSAGE_FIELDS, field as field_named
from .scoring import BM25Params
from .corpus import (
    Digests,
    Document,
    FileTable,
    Names,
    Selection,
    SourceFile,
    Warn,
    check_corpus_dir,
    corpus_files,
    doc_id_of,
    id_clashes,
    sha256,
)
from .errors import MlqError
from .passages import Passage
from .postings import npy_from_raw, offsets_array
from .records import JSONL_SUFFIXES
from .spellings import NONE as NO_SPELLINGS
from .spellings import Spellings

tempfile = ImportedOnFirstUse("tempfile")  # only a build needs it (see mlq._lazy)

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from .ingest import FileAnalysis

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexSettings:
    """Everything that shapes the index. Any change to it (or to the analyzer's versions)
    makes a cached index stale."""

    analyzer: AnalyzerSettings = AnalyzerSettings()
    #: What the document field holds (title, headings, path).
    headers: Headers = Headers()
    #: k1 = 0.9 rather than rank-bm25's 1.5: passages are short, and a term said once more
    #: should count for less than another term of the query matched (bench/RESULTS.md).
    bm25: BM25Params = BM25Params(k1=0.9)
    #: Fields whose BM25 parameters differ from ``bm25``. Bigrams overlap, so one repeated word
    #: repeats several of them: their term frequency saturates sooner.
    field_bm25: tuple[tuple[str, BM25Params], ...] = (("bigrams", BM25Params(k1=0.5)),)
    selection: Selection = Selection()
    #: words + 0.5 × bigrams ranks better than either field alone (bench/RESULTS.md).
    weights: tuple[tuple[str, float], ...] = tuple((f.name, f.weight) for f in FIELDS)

    def params(self, field_name: str) -> BM25Params:
        return dict(self.field_bm25).get(field_name, self.bm25)

    def fingerprint(self) -> dict[str, object]:
        return {
            **asdict(self),
            "passages": {
                "min": passage_rules.MIN_CHARS,
                "max": passage_rules.MAX_CHARS,
                "hard_max": passage_rules.HARD_MAX_CHARS,
            },
            "versions": versions(),
        }


_DOCUMENTS_KEPT = 256


class DocumentTable(Sequence[Document]):
    """The documents as two blobs with offsets: one small JSON record per document (id, path,
    title, metadata, where the body starts, the file's hash) and the texts, each compressed on
    its own (zlib: a third of the size, and a few microseconds to read back a hit's document;
    see :func:`pack_text`).
    A record or a :class:`Document` is decoded when asked for, so loading a large index decodes
    nothing, and a search only the documents of its hits."""

    def __init__(self, records: np.ndarray, record_offsets: np.ndarray, texts: np.ndarray, text_offsets: np.ndarray):
        self.records_blob = records
        self.record_offsets = record_offsets
        self.blob = texts
        self.offsets = text_offsets
        self._decoded: dict[int, dict[str, Any]] = {}  # a cache of records read
        self._documents: dict[int, Document] = {}  # a cache of documents made, oldest first


    def record(self, i: int) -> dict[str, Any]:
        if i not in self._decoded:
            raw = bytes(self.records_blob[self.record_offsets[i] : self.record_offsets[i + 1]])
            self._decoded[i] = json.loads(raw)
        return self._decoded[i]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [self.record(i) for i in range(len(self))]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> Document:  # type: ignore[override]
        if isinstance(i, slice):
            raise TypeError("DocumentTable does not slice")
        document = self._documents.get(i)
        if document is None:
            record = self.record(i)
            document = Document(
                record["doc_id"], record["path"], record["title"], self.text(i), record["body_start"], record["metadata"]
            )
            # A small cache of the documents last shown: a batch of queries keeps hitting the same
            # few, and each keeps what it computed once (its text decoded).
            if len(self._documents) >= _DOCUMENTS_KEPT:
                self._documents.pop(next(iter(self._documents)))
            self._documents[i] = document
        return document

    def text(self, i: int) -> str:
        stored = self.blob[self.offsets[i] : self.offsets[i + 1]]
        try:
            if stored[0] == _COMPRESSED:
                return zlib.decompress(stored[1:]).decode("utf-8")
            return bytes(stored[1:]).decode("utf-8")
        except (zlib.error, UnicodeDecodeError, IndexError):
            raise MlqError(f"the cached index is damaged (the text of document {i}); run `mlq index --rebuild`") from None

    def packed_text(self, i: int) -> bytes:
        """Document ``i``'s text as stored (see :func:`pack_text`): what a build takes over."""
        return bytes(self.blob[self.offsets[i] : self.offsets[i + 1]])

    @property
    def ids(self) -> list[str]:
        return [record["doc_id"] for record in self.records]


#: The first byte of a stored text: what follows is zlib's, or the UTF-8 text itself.
_COMPRESSED, _RAW = 1, 0
#: Texts of this many bytes or more are stored as they are: a hit in a 50 MB file then costs no
#: decompression of all of it, and such files are few.
_RAW_FROM = 1 << 20


def pack_text(text: str) -> bytes:
    """A document's text as :class:`DocumentTable` stores it: compressed, unless it is large."""
    encoded = text.encode("utf-8")
    if len(encoded) >= _RAW_FROM:
        return bytes([_RAW]) + encoded
    return bytes([_COMPRESSED]) + zlib.compress(encoded)


def packed_record(document: Document, digest: str, suffix: str) -> bytes:
    """A document's record as :class:`DocumentTable` stores it (JSON, UTF-8)."""
    return json.dumps(_record(document, digest, suffix), ensure_ascii=False).encode()


def _record(document: Document, digest: str, suffix: str) -> dict[str, Any]:
    return {
        "doc_id": document.doc_id,
        # What the id adds to the file's id ("/42" for a JSON Lines record): the document keeps
        # it when the file is renamed.
        "suffix": suffix,
        "path": document.path,
        "title": document.title,
        "body_start": document.body_start,
        "metadata": document.metadata,
        "sha256": digest,
    }


@dataclass(frozen=True)
class PassageTable:
    """Passage ``i`` is ``documents[doc[i]].text[start[i]:end[i]]``, numbered ``number[i]``
    within its document, its prose readable from ``prose_from[i]`` (see
    :meth:`Document.prose_of`), under the heading path ``section_text(section[i])``. Passages
    of a document are contiguous and in order. Kept here, rather than worked out again from
    the document, so that showing a hit costs the same in a file of 50 MB as in one of 5 KB."""

    doc: np.ndarray
    number: np.ndarray
    start: np.ndarray
    end: np.ndarray
    prose_from: np.ndarray
    section: np.ndarray
    #: The distinct heading paths, as a UTF-8 blob with offsets.
    section_blob: np.ndarray
    section_offsets: np.ndarray
    #: How its arrays are read (see :mod:`mlq.backends`); not a column.
    backend: Backend = field(default=NUMPY, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.doc)

    def section_text(self, i: int) -> str:
        return bytes(self.section_blob[self.section_offsets[i] : self.section_offsets[i + 1]]).decode("utf-8")

    def rows_of(self, doc_index: int) -> range:
        """Rows that belong to document ``doc_index``."""
        return range(self.backend.position(self.doc, doc_index), self.backend.position(self.doc, doc_index + 1))


#: The arrays of a :class:`PassageTable`, as saved.
PASSAGE_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(PassageTable) if f.name != "backend")


@dataclass(frozen=True)
class CorpusIndex:
    root: str
    documents: DocumentTable
    #: Every file found, including any that was skipped, so that changes to it are noticed.
    files: Sequence[SourceFile]
    #: How many documents each of ``files`` has (0 for one skipped): a file's documents are
    #: the next rows of ``documents``, in file order — what an edit finds a file's rows by,
    #: without decoding the records.
    file_documents: tuple[int, ...]
    passages: PassageTable
    bm25: Index
    settings: IndexSettings = field(default_factory=IndexSettings)
    #: Files analysed by the build that made this index (the others were taken over from the
    #: previous index); -1 for an index loaded from the cache.
    analysed_files: int = field(default=-1, compare=False)
    #: The segments it is composed of (see :mod:`mlq.segments`); none when it is one itself.
    segments: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    #: The cache's build folder it was read from ("" if built by this process): what an edit
    #: checks is still the live one before it writes segments beside it (see :mod:`mlq.cache`).
    build: str = field(default="", compare=False)
    #: The words its passages have written otherwise than their terms (see :mod:`mlq.spellings`),
    #: and maybe some that passages since replaced had.
    spellings: Spellings = field(default=NO_SPELLINGS, compare=False, repr=False)

    def file_rows(self) -> Iterator[tuple[SourceFile, range]]:
        """Each file with the rows of its documents."""
        first = 0
        for source, count in zip(self.files, self.file_documents):
            yield source, range(first, first + count)
            first += count

    def passage(self, row: int) -> Passage:
        document = self.documents[int(self.passages.doc[row])]
        start, end = int(self.passages.start[row]), int(self.passages.end[row])
        number = int(self.passages.number[row])
        section = self.passages.section_text(int(self.passages.section[row]))
        return Passage(document.doc_id, number, start, end, document.text[start:end], section)

    def prose(self, row: int) -> str:
        """What was analysed of passage ``row`` (its text, less Markdown's code, tags and URLs)."""
        document = self.documents[int(self.passages.doc[row])]
        passages = self.passages
        return document.prose_of(int(passages.start[row]), int(passages.end[row]), int(passages.prose_from[row]))

    @property
    def term_count(self) -> int:
        return sum(f.term_count for f in self.bm25.fields.values())

    @property
    def backend(self) -> Backend:
        """How its arrays are read, chosen when it was opened (see :mod:`mlq.backends`)."""
        return self.passages.backend

    def with_numpy_arrays(self) -> CorpusIndex:
        """The same index over numpy arrays (views, no copies), for the numpy work of a build:
        a small index is read as memoryviews (see :mod:`mlq.cache`)."""
        if self.backend.numpy:
            return self

        def arrays(item: Any, names: Sequence[str]) -> dict[str, Any]:
            return {name: np.asarray(getattr(item, name)) for name in names}

        old = self.documents
        documents = DocumentTable(*map(np.asarray, (old.records_blob, old.record_offsets, old.blob, old.offsets)))
        passages = PassageTable(**arrays(self.passages, PASSAGE_COLUMNS))
        bm25 = Index({name: field.with_numpy() for name, field in self.bm25.fields.items()}, self.bm25.weights, self.bm25.passage_count)
        return replace(self, documents=documents, passages=passages, bm25=bm25)


@dataclass(frozen=True)
class _Reused:
    """A file whose documents the previous index holds (at ``rows``), as the file is now."""

    rows: range
    source: SourceFile
    relative: str


#: How the folders of a build's scratch folder where finished fields and the texts wait to be
#: saved begin (one a :class:`_Assembly`).
FINISHED = "finished-"


class _Blobs:
    """Byte strings of a new index's documents (their records, their stored texts: see
    :func:`pack_text`), in order: written to a file of the build's scratch folder as they come,
    where there is one, so that a build does not hold them until it is saved (the texts are a
    quarter to a third of the corpus), and read back memory-mapped; saving links that file
    (see :func:`mlq.cache.save`)."""

    def __init__(self, aside: Path | None, name: str) -> None:
        """``aside``: the folder to write them in (see :attr:`_Assembly.aside`), if any;
        ``name``: the file's name there (``name.npy``)."""
        self.lengths = _Column(np.int64)
        self._held: list[bytes] = []  # without a folder, or once it could not be written
        self._raw: Path | None = None
        self._out: Any = None
        if aside is not None:
            with contextlib.suppress(OSError):
                self._raw = aside / f"{name}.raw"
                self._out = open(self._raw, "wb")

    def add(self, packed: bytes) -> None:
        self.lengths.append(len(packed))
        if self._out is not None:
            try:
                self._out.write(packed)
                return
            except OSError:  # a full disk: what was written is read back, the rest held
                self._held = [self._taken_back(), packed]
                return
        self._held.append(packed)

    def _taken_back(self) -> bytes:
        assert self._raw is not None
        self._out.close()
        self._out = None
        written = int(self.lengths.array()[:-1].sum())
        with open(self._raw, "rb") as raw:
            return raw.read(written)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """The byte strings as one blob, and their offsets."""
        lengths = self.lengths.array()
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        total = int(offsets[-1])
        if self._out is None or total == 0:
            if self._out is not None:
                self._out.close()
            return np.frombuffer(b"".join(self._held), dtype=np.uint8), offsets
        assert self._raw is not None
        self._out.close()
        return npy_from_raw(self._raw, np.uint8), offsets


class _Column:
    """Numbers appended file after file: a build of a million passages appends to these some
    80,000 times. Held as one ``array.array`` of machine integers (a list of small numpy
    arrays, or of ints, would cost several times the numbers' own bytes), and, given a file
    to spill to, written there a block at a time, so that what a build holds while its workers
    run does not grow with the corpus. A file that cannot be written (a full disk) is left as
    it is and the rest held."""

    #: Values held before they are written to the file.
    BLOCK = 1 << 16

    def __init__(self, dtype: Any, name: str = "", aside: Path | None = None) -> None:
        """``aside``: a folder to spill to, as file ``name.column``."""
        spill = aside / f"{name}.column" if aside is not None else None
        self.dtype = np.dtype(dtype)
        self._values = array.array({4: "i", 8: "q"}[self.dtype.itemsize])
        self._file = spill
        self._spilling = spill is not None
        self._written = 0  # values in the file

    def __len__(self) -> int:
        return self._written + len(self._values)

    def append(self, value: int) -> None:
        self._values.append(value)
        self._spill_full_block()

    def extend(self, values: Any) -> None:
        self._values.frombytes(np.ascontiguousarray(values, dtype=self.dtype).tobytes())
        self._spill_full_block()

    def _spill_full_block(self) -> None:
        if self._spilling and len(self._values) >= self.BLOCK:
            assert self._file is not None
            try:
                with open(self._file, "ab") as out:
                    self._values.tofile(out)
            except OSError:
                self._spilling = False  # what the file holds up to _written stays good
                return
            self._written += len(self._values)
            self._values = array.array(self._values.typecode)

    def array(self) -> np.ndarray:
        """The numbers so far (a copy)."""
        held = np.frombuffer(self._values, dtype=self.dtype) if len(self._values) else np.zeros(0, dtype=self.dtype)
        if not self._written:
            return held.copy()
        assert self._file is not None
        return np.concatenate([np.fromfile(self._file, dtype=self.dtype, count=self._written), held])


class _Files:
    """The files of a new index, in order, as they come: their paths and hashes written aside
    (see :class:`_Blobs`), their sizes and times in columns; a :class:`FileTable` at the end."""

    def __init__(self, aside: Path | None) -> None:
        self._paths, self._hashes = _Blobs(aside, "files.paths"), _Blobs(aside, "files.hashes")
        self._sizes, self._mtimes = _Column(np.int64, "files.sizes", aside), _Column(np.int64, "files.mtimes", aside)

    def add(self, source: SourceFile) -> None:
        self._paths.add(source.path.encode("utf-8", "surrogateescape"))
        self._hashes.add(Digests.of((source.sha256,)).raw)
        self._sizes.append(source.size)
        self._mtimes.append(source.mtime_ns)

    def finish(self) -> FileTable:
        hashes = Digests(bytes(self._hashes.finish()[0]))
        blob, offsets = self._paths.finish()
        paths = list(Names.packed(bytes(blob), offsets[1:].tolist()))
        return FileTable(paths, self._sizes.array().tolist(), self._mtimes.array().tolist(), hashes)


def build_index(
    root: str | Path,
    settings: IndexSettings = IndexSettings(),
    progress: Progress | None = None,
    warn: Warn | None = None,
    previous: CorpusIndex | None = None,
    jobs: int | None = None,
    scratch: Path | None = None,
    folder_times: dict[str, int] | None = None,
) -> CorpusIndex:
    """Index every file under folder ``root``. Files whose content a
    ``previous`` index (built with the same settings) already holds are taken over from it —
    unchanged size and modification time are trusted, anything else is hashed — and only the
    rest is analysed, on ``jobs`` processes (default: every core). A large corpus's term counts
    wait in ``scratch`` (a folder the caller removes), if given, rather than in memory. The
    folders' times as the walk for the corpus's files met them go into ``folder_times``, if
    given (see :func:`mlq.corpus.walk`)."""
    # Imported here: only a build needs worker processes.
    from .ingest import default_jobs, large_blocks_returned, start_workers, worth_sharing

    root = check_corpus_dir(Path(root).expanduser())
    jobs = jobs or default_jobs()
    with contextlib.ExitStack() as stack:
        # Started before the corpus is listed (see start_workers) if it has enough files to
        # share; ended once the files are analysed, or at once when those to analyse are too few.
        sharing = jobs > 1 and worth_sharing(root, settings.selection, jobs)
        workers = stack.enter_context(start_workers(settings.analyzer, settings.headers, jobs)) if sharing else None
        if workers is not None:  # this process only puts the analyses together
            stack.enter_context(large_blocks_returned())
        plan = _Plan.of(root, settings, previous, folder_times)
        if plan.only_touched():
            return plan.touched(progress)
        stack.enter_context(_held_packed(folder_times))
        assembly = _Assembly(root, settings, plan.previous, warn, scratch, ids_may_clash=_holds_records(plan.paths))
        for path, found in plan.files(progress, warn, jobs, workers):
            if isinstance(found, _Reused):
                assembly.reuse(found)
            else:
                assembly.add(found)
    return assembly.finish()


@contextlib.contextmanager
def _held_packed(times: dict[str, int] | None) -> Iterator[None]:
    """``times`` (the folders' times a build's walk met, which its caller records afterwards)
    held packed while the files are analysed, and given back as they were on the way out: at
    78k files in 63k folders, 10 MB as a dict, 4 MB packed."""
    if not times:
        yield
        return
    names, values = Names(times), array.array("q", times.values())
    times.clear()
    try:
        yield
    finally:
        times.update(zip(names, values))


@dataclass(frozen=True)
class Delta:
    """An edit of a corpus as a new segment (see :mod:`mlq.segments`): ``segment`` indexes the
    files analysed anew, alone; ``files`` are the whole corpus's, in order, each with
    ``file_documents``. The previous index's document ``d`` is document ``renumbered[d]`` of
    the new whole (-1: deleted), and the segment's document ``d`` is ``numbers[d]``."""

    segment: CorpusIndex
    files: Sequence[SourceFile]
    file_documents: tuple[int, ...]
    renumbered: np.ndarray
    numbers: np.ndarray


def build_delta(
    root: Path,
    previous: CorpusIndex,
    most_files: int,
    progress: Progress | None = None,
    warn: Warn | None = None,
    jobs: int | None = None,
    scratch: Path | None = None,
    folder_times: dict[str, int] | None = None,
    edited: Collection[str] | None = None,
    added: Collection[str] = (),
    removed: Collection[str] = (),
) -> Delta | CorpusIndex | None:
    """The change from ``previous`` to the corpus under ``root`` now, as a :class:`Delta`
    when it is an edit a segment can hold: at most ``most_files`` files to analyse, every
    other file the same one, under the same name, as before (a rename or a copy is taken over
    by a full build instead, which does not analyse it again), and no document whose id
    another could claim (no JSON Lines file, no clashing names). None when it is not; the
    previous index with new file times when only times changed.

    ``edited``, when the caller knows it, is what changed: the relative paths of the files
    whose content is new, with those ``added`` and those ``removed``, every other file being
    as ``previous`` records it (see :func:`mlq.freshness.staleness`). Then the corpus is not
    walked again, and only those files are read: at 78k files, the walk and the look at every
    file cost seconds. A change that both adds and removes files may be a rename, which only
    the walk can tell: it is walked."""
    if edited is not None and not (added and removed):
        return _edited(root, previous, frozenset(edited), frozenset(added), frozenset(removed), most_files, progress, warn, jobs, scratch)
    plan = _Plan.of(root, previous.settings, previous, folder_times)
    if plan.only_touched():
        return plan.touched(progress)
    if plan.clashes or len(plan.to_analyse) > most_files or _holds_records(plan.paths):
        return None
    own = {source.path: rows for source, rows in previous.file_rows()}
    if any(own.get(found.relative) != found.rows for found in plan.reusable.values()):
        return None
    return _delta(root, previous, (found for _, found in plan.files(progress, warn, jobs)), warn, scratch)


def _edited(
    root: Path,
    previous: CorpusIndex,
    edited: frozenset[str],
    added: frozenset[str],
    removed: frozenset[str],
    most_files: int,
    progress: Progress | None,
    warn: Warn | None,
    jobs: int | None,
    scratch: Path | None,
) -> Delta | None:
    """:func:`build_delta` of a change known to be ``edited``, ``added`` and ``removed``."""
    # Imported here: only a build needs worker processes.
    from .ingest import analyze_files, default_jobs

    table = FileTable.of(previous.files)
    old = table.paths
    position = {name: k for k, name in enumerate(old)}
    if not (edited | removed) <= position.keys() or added & position.keys():  # not the change the index can take
        return None
    names = sorted([name for name in old if name not in removed] + list(added))  # in the corpus's order, as listed
    if len(edited) + len(added) > most_files or _holds_records(names):
        return None
    if len(set(map(doc_id_of, names))) != len(names):  # clashing names: their documents move
        return None
    new = edited | added
    rows = np.array([-1 if name in new else position[name] for name in names], dtype=np.int64)  # in the previous index; -1: analysed now
    where = np.flatnonzero(rows < 0).tolist()
    kept = np.flatnonzero(rows >= 0)
    old_counts = np.array(previous.file_documents, dtype=np.int64)
    counts = np.zeros(len(names), dtype=np.int64)
    counts[kept] = old_counts[rows[kept]]
    settings = previous.settings
    assembly = _Assembly(root, settings, None, warn, scratch)
    sources = {}
    analyses = analyze_files(root, [names[k] for k in where], settings.analyzer, jobs or default_jobs(), {}, settings.headers)
    with contextlib.closing(analyses) as analysed:
        for done, k in enumerate(where, start=1):
            analysis = _warned(next(analysed), warn)
            before = assembly.documents
            assembly.add(analysis)
            sources[names[k]], counts[k] = analysis.source, assembly.documents - before
            if progress:
                progress(done, len(where))
    first = np.concatenate([[0], np.cumsum(counts)])
    old_first = np.concatenate([[0], np.cumsum(old_counts)])
    # Every other file's documents move to where their file now stands, by what the files
    # before it gained or lost; the removed and edited files' documents are deleted.
    now = np.full(len(old), -1, dtype=np.int64)  # each previous file's place now
    now[rows[kept]] = kept
    owner = np.repeat(np.arange(len(old)), old_counts)
    renumbered = first[now[owner]] + (np.arange(len(previous.documents), dtype=np.int64) - old_first[owner])
    renumbered[now[owner] < 0] = -1
    numbers = np.concatenate([np.arange(first[k], first[k + 1], dtype=np.int64) for k in where] or [np.zeros(0, np.int64)])
    return Delta(assembly.finish(), table.replaced(names, rows.tolist(), sources), tuple(counts.tolist()), renumbered, numbers)


def _delta(root: Path, previous: CorpusIndex, items: Iterable[_Reused | FileAnalysis], warn: Warn | None, scratch: Path | None) -> Delta:
    """The :class:`Delta` of ``items``, every file of the corpus in order: taken over from
    ``previous`` or analysed anew (into the new segment)."""
    assembly = _Assembly(root, previous.settings, None, warn, scratch)
    renumbered = np.full(len(previous.documents), -1, np.int64)
    numbers: list[int] = []
    files, counts, total = [], [], 0
    for found in items:
        if isinstance(found, _Reused):
            renumbered[found.rows.start : found.rows.stop] = np.arange(total, total + len(found.rows))
            count = len(found.rows)
        else:
            before = assembly.documents
            assembly.add(found)
            count = assembly.documents - before
            numbers += range(total, total + count)
        files.append(found.source)
        counts.append(count)
        total += count
    return Delta(assembly.finish(), tuple(files), tuple(counts), renumbered, np.array(numbers, dtype=np.int64))


def _holds_records(names: Iterable[str]) -> bool:
    """Whether any of the files ``names`` is a JSON Lines file: only a record's document id can
    be another document's (a file's own id is its name's, and :func:`mlq.corpus.id_clashes`
    keeps those apart)."""
    return any(name.lower().endswith(JSONL_SUFFIXES) for name in names)


def _warned(analysis: FileAnalysis, warn: Warn | None) -> FileAnalysis:
    """``analysis``, its warnings said."""
    for message in analysis.warnings:
        if warn:
            warn(message)
    return analysis


@dataclass(frozen=True)
class _Plan:
    """What a build does with each file: take it over from ``previous`` (``reusable``) or
    analyse it."""

    root: Path
    settings: IndexSettings
    previous: CorpusIndex | None
    paths: Names  # relative to root (see corpus_files)
    clashes: dict[str, str]
    reusable: dict[str, _Reused]

    @classmethod
    def of(cls, root: Path, settings: IndexSettings, previous: CorpusIndex | None, folder_times: dict[str, int] | None) -> _Plan:
        previous = previous.with_numpy_arrays() if previous is not None else None
        paths = corpus_files(root, settings.selection, folder_times)
        clashes = id_clashes(paths)
        return cls(root, settings, previous, paths, clashes, _reusable(root, paths, clashes, previous))

    @functools.cached_property
    def to_analyse(self) -> Names:
        """The files to analyse, in order (made once: at 78k files, a filter of every name)."""
        if not self.reusable:
            return self.paths
        return Names(path for path in self.paths if path not in self.reusable)

    def only_touched(self) -> bool:
        """Same content under the same names (a checkout or `touch` changed only times)."""
        return self.previous is not None and _only_touched(self.previous, self.paths, self.reusable)

    def touched(self, progress: Progress | None) -> CorpusIndex:
        """The previous index, which stands, with the new file times."""
        assert self.previous is not None
        if progress:
            progress(len(self.paths), len(self.paths))
        return replace(self.previous, files=tuple(self.reusable[path].source for path in self.paths), analysed_files=0)

    def files(
        self, progress: Progress | None, warn: Warn | None, jobs: int | None, workers: Pool | None = None
    ) -> Iterator[tuple[str, _Reused | FileAnalysis]]:
        """Every file in order, as taken over or as analysed (on ``jobs`` processes, ``workers``
        if given: see :func:`mlq.ingest.analyze_files`)."""
        # Imported here: only a build needs worker processes.
        from .ingest import analyze_files, default_jobs

        settings, reusable = self.settings, self.reusable
        # Closed on the way out, whatever stops it (Ctrl-C included): the worker processes end
        # then, not whenever the generator happens to be collected.
        analyses = analyze_files(self.root, self.to_analyse, settings.analyzer, jobs or default_jobs(), self.clashes, settings.headers, workers)
        with contextlib.closing(analyses) as analysed:
            for done, path in enumerate(self.paths, start=1):
                if path in reusable:
                    yield path, reusable[path]
                else:
                    yield path, _warned(next(analysed), warn)
                if progress:
                    progress(done, len(self.paths))


def _only_touched(previous: CorpusIndex, paths: Names, reusable: dict[str, _Reused]) -> bool:
    if len(previous.files) != len(paths):
        return False
    next_row = 0
    for path, old in zip(paths, previous.files):
        found = reusable.get(path)
        if found is None or found.relative != old.path or found.rows.start != next_row:
            return False
        next_row = found.rows.stop
    return next_row == len(previous.documents)


def _reusable(root: Path, paths: Names, clashes: dict[str, str], previous: CorpusIndex | None) -> dict[str, _Reused]:
    """Files whose documents the previous index holds: the same file, or another with the
    same content (a copy is taken over, not analysed again)."""
    if previous is None:
        return {}
    recorded = {f.path: f for f in previous.files}
    stored = _stored_files(previous)
    found = {}
    for relative in paths:
        if relative in clashes:
            continue
        path = root / relative
        try:
            stat = path.stat()
            old = recorded.get(relative)
            if old and (old.size, old.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                digest = old.sha256
            else:
                digest = sha256(path.read_bytes())
        except OSError:
            continue  # analyze_file reports it
        candidates = stored.get(digest)
        if candidates:
            rows = next((rows for p, rows in candidates if p == relative), candidates[0][1])
            found[relative] = _Reused(rows, SourceFile(relative, stat.st_size, stat.st_mtime_ns, digest), relative)
    return found


def _stored_files(index: CorpusIndex) -> dict[str, list[tuple[str, range]]]:
    """The files an index holds documents of, by content hash: each with its relative path and
    its documents' rows."""
    stored: dict[str, list[tuple[str, range]]] = {}
    for source, rows in index.file_rows():
        if rows:
            stored.setdefault(source.sha256, []).append((source.path, rows))
    return stored


class _Assembly:
    """The new index, put together file by file as the analyses come, in file order: each
    analysis is taken apart at once — its documents numbered, its passages placed, its term
    counts gathered by field (see :class:`mlq.bm25.Gathered`) — and let go, so that a build holds
    the corpus' counts once, as numbers, and not its analyses. Documents and passages of
    unchanged files are taken over from ``previous`` (gathered with numpy, whatever their
    number). A document whose id an earlier one has (a JSON Lines record named like a file) is
    left out."""

    def __init__(
        self, root: Path, settings: IndexSettings, previous: CorpusIndex | None, warn: Warn | None, scratch: Path | None, ids_may_clash: bool = False
    ) -> None:
        self.root, self.settings, self.previous, self.warn = root, settings, previous, warn
        #: A folder of its own in the build's scratch folder for what is finished to wait in
        #: (see :meth:`_put_aside`), or None.
        self.aside: Path | None = None
        if scratch is not None:
            with contextlib.suppress(OSError):
                scratch.mkdir(parents=True, exist_ok=True)
                self.aside = Path(tempfile.mkdtemp(prefix=FINISHED, dir=scratch))
        # Everything a file adds is kept as numbers in columns, or written aside, as it comes:
        # what the build holds per document and passage is a few machine integers.
        self.records = _Blobs(self.aside, "records")
        self.texts = _Blobs(self.aside, "texts")
        self.files = _Files(self.aside)
        self.file_documents: list[int] = []
        #: doc id → the file that has it, kept only when ids may clash (see _holds_records):
        #: at 78k files of one document each, the ids and names took 20 MB a build held to the end.
        self.owner: dict[str, str] | None = {} if ids_may_clash else None
        column = functools.partial(_Column, aside=self.aside)
        self.counts = column(np.int64, "counts")  # passages per document
        self.taken = column(np.int64, "taken")  # per passage: its row in the previous index, or -1 (a new one)
        # The passage table's columns of the new passages, in row order, their heading paths
        # numbered in the order they were met.
        self.fresh = {name: column(np.int64, f"new.{name}") for name in ("number", "start", "end", "prose_from", "section")}
        self.fresh_sections: dict[str, int] = {}
        self.analysed = 0
        self.lengths = {name: column(np.int32, f"{name}.new_lengths") for name in PASSAGE_FIELDS}  # of the new passages
        self.gathered = {name: Gathered(scratch / name if scratch else None) for name in (*PASSAGE_FIELDS, *DOCUMENT_FIELDS)}
        # Per document field: the new documents' numbers and lengths.
        self.document_lengths = {name: (column(np.int64, f"{name}.new_documents"), column(np.int32, f"{name}.new_lengths")) for name in DOCUMENT_FIELDS}
        self.same_documents: list[tuple[int, int]] = []  # (new number, row in the previous index), same file
        self.moved_documents: list[tuple[int, int, str]] = []  # (new number, previous row, file id): renamed or copied
        self.bounds = np.searchsorted(previous.passages.doc, np.arange(len(previous.documents) + 1)) if previous else None
        # Each (word, spelling) once, as one string "word\0spelling": a tuple of two strings
        # costs twice as much, and a large corpus meets tens of thousands of them.
        self.spellings: set[str] = {"\0".join(pair) for pair in previous.spellings.pairs()} if previous else set()

    @property
    def documents(self) -> int:
        """How many documents so far."""
        return len(self.counts)

    @property
    def total(self) -> int:
        """How many passages so far."""
        return len(self.taken)

    def _claim(self, doc_id: str, relative: str) -> bool:
        if self.owner is None:
            return True
        if doc_id in self.owner:
            if self.warn:
                self.warn(f"{self.root / relative}: same document id as {self.root / self.owner[doc_id]} ({doc_id}); skipping it")
            return False
        self.owner[doc_id] = relative
        return True

    def reuse(self, item: _Reused) -> None:
        """A file whose documents the previous index holds."""
        previous, bounds = self.previous, self.bounds
        assert previous is not None and bounds is not None
        self.files.add(item.source)
        before = self.documents
        for row in item.rows:
            record = previous.documents.record(row)
            doc_id = doc_id_of(item.relative) + record["suffix"]
            if not self._claim(doc_id, item.relative):
                continue
            path = str(self.root / item.relative)
            if record["path"] == path:
                self.same_documents.append((self.documents, row))
            else:  # the document field holds the path's words: worked out again
                self.moved_documents.append((self.documents, row, doc_id_of(item.relative)))
            document = Document(doc_id, path, record["title"], "", record["body_start"], record["metadata"])
            self.records.add(packed_record(document, item.source.sha256, record["suffix"]))
            self.texts.add(previous.documents.packed_text(row))
            self.taken.extend(np.arange(bounds[row], bounds[row + 1]))
            self.counts.append(int(bounds[row + 1] - bounds[row]))
        self.file_documents.append(self.documents - before)

    def add(self, item: FileAnalysis) -> None:
        """A file analysed anew."""
        self.files.add(item.source)
        self.analysed += 1
        before = self.documents
        places = np.full(len(item.spans), -1, dtype=np.int64)
        numbers = np.full(len(item.documents), -1, dtype=np.int64)
        first = 0
        file_id = doc_id_of(item.source.path)
        for number, (document, count) in enumerate(zip(item.documents, item.passage_counts.tolist())):
            if self._claim(document.doc_id, item.source.path):
                numbers[number] = self.documents
                self.records.add(packed_record(document, item.source.sha256, document.doc_id[len(file_id) :]))
                self.texts.add(item.texts[number])
                places[first : first + count] = np.arange(self.total, self.total + count)
                self.taken.extend(np.full(count, -1))
                self.counts.append(count)
            first += count
        self.file_documents.append(self.documents - before)
        kept, kept_documents = places >= 0, numbers >= 0
        sections = self.fresh_sections
        for name, values in (
            ("number", _numbers(item.passage_counts)),
            ("start", item.spans[:, 0]),
            ("end", item.spans[:, 1]),
            ("prose_from", item.prose_starts),
            ("section", [sections.setdefault(s, len(sections)) for s in item.sections]),
        ):
            self.fresh[name].extend(np.asarray(values, dtype=np.int64).reshape(-1)[kept])
        for name in PASSAGE_FIELDS:
            counts = item.fields[name]
            for k, piece in enumerate(counts.pieces):
                self.gathered[name].add(_placed(piece, places), None if k else counts.texts)
            self.lengths[name].extend(counts.lengths[kept])
        for name in DOCUMENT_FIELDS:
            counts = item.fields[name]
            for k, piece in enumerate(counts.pieces):
                self.gathered[name].add(_placed(piece, numbers), None if k else counts.texts)
            self.document_lengths[name][0].extend(numbers[kept_documents])
            self.document_lengths[name][1].extend(counts.lengths[kept_documents])
        self.spellings.update("\0".join(pair) for pair in item.spellings)

    def _put_aside(self, name: str, done: FieldIndex) -> FieldIndex:
        """Field ``name``, just put together, written to the build's scratch folder and read back
        memory-mapped, so that a build does not hold every finished field until it is saved;
        saving links these files into the build rather than writing them again (see
        :func:`mlq.cache.save`). As it is without a scratch folder."""
        if self.aside is None:
            return done
        mapped = {}
        try:
            for part, values in done.arrays().items():
                path = self.aside / f"{name}.{part}.npy"
                if mapped_file(values) == path:  # written there as it was put together
                    mapped[part] = values
                    continue
                np.save(path, np.ascontiguousarray(values), allow_pickle=False)
                mapped[part] = np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
        except OSError:  # a full disk: the field stays in memory, and saving will say so
            return done
        return FieldIndex.from_arrays(mapped, done.stats, done.params)

    def finish(self) -> CorpusIndex:
        previous = self.previous
        rows = self.taken.array()
        old = rows >= 0
        new_rows = np.flatnonzero(~old)

        def column(from_previous: Callable[[CorpusIndex], np.ndarray], fresh: np.ndarray, dtype: type) -> np.ndarray:
            """A column of the new index: the previous one's values for the units taken over,
            ``fresh`` for the new ones."""
            out = np.empty(len(rows), dtype=dtype)
            if old.any():
                assert previous is not None  # only a previous index has units to take over
                out[old] = from_previous(previous)[rows[old]]
            if len(new_rows):
                out[new_rows] = fresh
            return out

        fresh = {name: values.array() for name, values in self.fresh.items()}
        section_texts, old_sections, new_sections = _sections(previous.passages if previous else None, rows[old], self.fresh_sections, fresh["section"])
        passages = PassageTable(
            doc=np.repeat(np.arange(self.documents, dtype=np.int32), self.counts.array()),
            number=column(lambda p: p.passages.number, fresh["number"], np.int32),
            start=offsets_array(column(lambda p: p.passages.start, fresh["start"], np.int64)),
            end=offsets_array(column(lambda p: p.passages.end, fresh["end"], np.int64)),
            prose_from=offsets_array(column(lambda p: p.passages.prose_from, fresh["prose_from"], np.int64)),
            section=column(lambda _: old_sections, new_sections, np.int32),
            section_blob=section_texts[0],
            section_offsets=section_texts[1],
        )
        del fresh
        # Passages taken over keep their order unless files were copied or renamed: then their
        # entries are sorted again with the new ones, since each term's postings go in unit order.
        taken_rows = rows[old]
        reordered = len(taken_rows) > 1 and not bool((taken_rows[1:] > taken_rows[:-1]).all())
        fields = {}
        for name in PASSAGE_FIELDS:
            taken_over, known = None, None
            if previous is not None and old.any():
                old_field, known = previous.bm25.fields[name], previous.bm25.fields[name].vocabulary
                if reordered:
                    self.gathered[name].add(old_field.entries_of(taken_rows, np.flatnonzero(old)))
                else:
                    keep = np.zeros(len(previous.passages), dtype=bool)
                    keep[rows[old]] = True
                    renumber = np.full(len(previous.passages), -1, dtype=np.int32)
                    renumber[rows[old]] = np.flatnonzero(old)
                    taken_over = (old_field, keep, renumber)
            lengths = column(lambda p: p.bm25.fields[name].lengths, self.lengths.pop(name).array(), np.int32)
            done = assemble_field(self.gathered.pop(name), lengths, self.settings.params(name), taken_over, known, self.aside, f"{name}.")
            fields[name] = self._put_aside(name, done)
        about = _DocumentFields(self.settings, previous, self.documents, self.same_documents, self.moved_documents)
        document_lengths = {name: (numbers.array(), lengths.array()) for name, (numbers, lengths) in self.document_lengths.items()}
        fields.update({name: self._put_aside(name, done) for name, done in about.assemble(self.gathered, document_lengths).items()})
        bm25 = Index({name: fields[name] for name in dict(self.settings.weights)}, dict(self.settings.weights), len(passages))
        documents = DocumentTable(*self.records.finish(), *self.texts.finish())
        spellings = Spellings.of(tuple(pair.rsplit("\0", 1)) for pair in sorted(self.spellings))  # type: ignore[misc]
        return CorpusIndex(str(self.root), documents, self.files.finish(), tuple(self.file_documents), passages, bm25, self.settings, self.analysed, spellings=spellings)


#: Document fields that count the words of the file's path.
_PATH_FIELDS = tuple(name for name in DOCUMENT_FIELDS if field_named(name).text == "document")


class _DocumentFields:
    """The fields whose units are whole documents (see :mod:`mlq.fields`), put together from
    the previous index (documents of unchanged files), from new analyses, and — for a file
    renamed or copied, whose passages are taken over but whose path is new — analysed again
    here from the title and headings the previous index holds, for the field that counts the
    path (the body field's words are taken over: they do not depend on it)."""

    def __init__(
        self,
        settings: IndexSettings,
        previous: CorpusIndex | None,
        count: int,
        same: list[tuple[int, int]],
        moved: list[tuple[int, int, str]],
    ) -> None:
        self.settings, self.previous, self.count = settings, previous, count
        self.same = np.array(same, dtype=np.int64).reshape(-1, 2)
        self.moved = np.array([(number, row) for number, row, _ in moved], dtype=np.int64).reshape(-1, 2)
        self.moved_terms = self._analyse(moved) if moved else {}

    def _analyse(self, moved: list[tuple[int, int, str]]) -> dict[str, tuple[Entries, np.ndarray, Any]]:
        from .ingest import PassageAnalyzer

        assert self.previous is not None
        analyzer = PassageAnalyzer(self.settings.analyzer, self.settings.headers)
        table = self.previous.passages
        found: dict[str, list[list[str]]] = {name: [] for name in _PATH_FIELDS}
        for _, row, file_id in moved:
            title = self.previous.documents.record(row)["title"]
            sections = [table.section_text(int(table.section[r])) for r in table.rows_of(row)]
            terms = analyzer.document_terms(title, sections, file_id)
            for name in _PATH_FIELDS:
                found[name].append(terms[field_named(name).analysis])
        return {name: count_terms(lists) for name, lists in found.items()}

    def assemble(self, gathered: dict[str, Gathered], fresh: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, FieldIndex]:
        """The document fields, from the counts ``gathered`` of the files analysed anew (and,
        per field, the new documents' numbers and lengths)."""
        built = {}
        for name in DOCUMENT_FIELDS:
            lengths = np.zeros(self.count, dtype=np.int32)
            known = None
            taken = self.same if name in _PATH_FIELDS else np.concatenate([self.same, self.moved])
            if self.previous is not None and len(taken):
                old = self.previous.bm25.fields[name]
                known = old.vocabulary
                gathered[name].add(old.entries_of(taken[:, 1], taken[:, 0]))
                lengths[taken[:, 0]] = np.asarray(old.lengths)[taken[:, 1]]
            numbers, counts = fresh[name]
            lengths[numbers] = counts
            if name in self.moved_terms:
                entries, moved_lengths, moved_texts = self.moved_terms[name]
                gathered[name].add(_placed(entries, self.moved[:, 0]), moved_texts)
                lengths[self.moved[:, 0]] = moved_lengths
            built[name] = assemble_field(gathered.pop(name), lengths, self.settings.params(name), known=known)
        return built


def mapped_file(array: Any) -> Path | None:
    """The file that ``array`` is the whole of, memory-mapped (as ``np.load`` with ``mmap_mode``
    gives it), if it is one."""
    mapped = array if isinstance(array, np.memmap) else getattr(array, "base", None)
    if not isinstance(mapped, np.memmap) or not mapped.filename or array.shape != mapped.shape or array.ctypes.data != mapped.ctypes.data:
        return None
    return Path(mapped.filename)


def _sections(
    previous: PassageTable | None, old_rows: np.ndarray, fresh: dict[str, int], fresh_ids: np.ndarray
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
    """The distinct heading paths of the new index, packed, and each passage's number among
    them: over the previous index's rows (for the passages taken over), and for the new
    passages, whose paths ``fresh`` numbered as they came (``fresh_ids``)."""
    numbering: dict[str, int] = {"": 0}
    from_previous = np.zeros(0, dtype=np.int32)
    if previous is not None and len(old_rows):
        renumber = np.zeros(len(previous.section_offsets) - 1, dtype=np.int32)
        for old_id in np.unique(previous.section[old_rows]).tolist():
            renumber[old_id] = numbering.setdefault(previous.section_text(old_id), len(numbering))
        from_previous = renumber[previous.section]
    renumber_fresh = np.array([numbering.setdefault(s, len(numbering)) for s in fresh], dtype=np.int32)
    return pack([text.encode("utf-8") for text in numbering]), from_previous, renumber_fresh[fresh_ids]


def _numbers(passage_counts: np.ndarray) -> np.ndarray:
    """Each passage's number within its document (from 1), for documents of these sizes."""
    total = int(passage_counts.sum())
    starts = np.repeat(np.cumsum(passage_counts) - passage_counts, passage_counts)
    return np.arange(total, dtype=np.int64) - starts + 1


def _placed(entries: Entries, places: np.ndarray) -> Entries:
    """A file's entries with its passages renumbered to their rows in the index (those
    placed at -1, left out)."""
    rows = places[entries.passages]
    if rows.min(initial=0) >= 0:  # every passage placed, as a file's mostly are: nothing copied
        return Entries(entries.hashes, rows.astype(np.int32), entries.tf)
    kept = rows >= 0
    return Entries(entries.hashes[kept], rows[kept].astype(np.int32), entries.tf[kept])
