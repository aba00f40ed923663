"""Corpus files → per-file term counts, on one core or all of them.

Analysing text with Sudachi is nearly all of the cost of building an index, and each file can
be analysed on its own. :func:`analyze_files` does that in worker processes, each loading the
dictionary once, and hands the results back in file order, so the index is the same whatever
the number of jobs.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from dataclasses import dataclass, field, replace
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Generator, Iterator, Sequence

import numpy as np

from . import interrupts
from .analysis import Analyzer, AnalyzerSettings, Headers
from .bm25 import Entries, TermCounter, TermTexts
from .corpus import Document, Selection, SourceFile, doc_id_of, read_file, walk
from .fields import DOCUMENT_FIELDS, PASSAGE_FIELDS
from .index import pack_text
from .fields import field as field_named
from .passages import passage_spans

#: Document fields whose terms come from every passage: a file analysed in parts adds them up.
SUMMED_FIELDS = tuple(name for name in DOCUMENT_FIELDS if field_named(name).text == "body")
#: The analyses those fields count: only these are gathered over a document's passages.
_SUMMED_ANALYSES = tuple(dict.fromkeys(field_named(name).analysis for name in SUMMED_FIELDS))

#: Below this many files per job, starting worker processes costs more than it saves.
_FILES_PER_JOB = 16
#: A file of this many bytes or more is analysed in parts, one per job, up to one per this many.
_PART_BYTES = 2 << 20


@dataclass(frozen=True)
class FieldCounts:
    """One field of one file: entries with units (passages, or documents for a document
    field) numbered from 0 within the file — in pieces, one for each part of a file analysed
    in parts, not copied into one — each unit's length, and the texts of its terms."""

    pieces: tuple[Entries, ...]
    lengths: np.ndarray
    texts: TermTexts

    @classmethod
    def of(cls, counted: tuple[Entries, np.ndarray, TermTexts]) -> FieldCounts:
        entries, lengths, texts = counted
        return cls((entries,), lengths, texts)


@dataclass(frozen=True)
class FileAnalysis:
    """What an index needs of one file: its documents (none for a skipped file, whose
    ``warnings`` say why; several for a JSON Lines file), and their passages, in order:
    ``spans`` holds each passage's start and end in its document's text, and
    ``passage_counts`` how many passages each document has. Per passage, too: its heading
    path, and where its prose can be read from (see :meth:`Document.prose_of`). ``fields``
    holds every field of :data:`mlq.fields.FIELDS`."""

    source: SourceFile
    documents: tuple[Document, ...]
    spans: np.ndarray  # (passages, 2)
    passage_counts: np.ndarray  # (documents,)
    prose_starts: np.ndarray  # (passages,)
    sections: tuple[str, ...]
    fields: dict[str, FieldCounts] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: Each document's text as the index stores it (see :func:`mlq.index.pack_text`), packed
    #: here, in the worker: the documents themselves come without their texts.
    texts: tuple[bytes, ...] = ()
    #: Words met written otherwise than their terms (see :mod:`mlq.spellings`), here or, the
    #: first time, in a file analysed before it by the same analyzer.
    spellings: tuple[tuple[str, str], ...] = ()


def analyze_file(
    path: Path, root: Path, analyzer: PassageAnalyzer, clashes_with: Path | None = None, part: int = 0, parts: int = 1
) -> FileAnalysis:
    """One file read, cut into passages and analysed. With ``parts`` > 1, only the ``part``-th
    share of its passages is analysed, so that several processes can share a large file; the
    first part alone carries the documents and warnings (see :func:`join_parts`)."""
    warnings: list[str] = []
    source, documents = read_file(path, root, warnings.append, clashes_with)
    return analyze_documents(source, documents, analyzer, part, parts, tuple(warnings))


def analyze_documents(
    source: SourceFile, documents: Sequence[Document], analyzer: PassageAnalyzer, part: int = 0, parts: int = 1, warnings: tuple[str, ...] = ()
) -> FileAnalysis:
    """The documents of file ``source`` (read, with their texts) cut into passages and
    analysed (see :func:`analyze_file`): also how an index finds again the terms of documents
    it holds, from their stored texts, when they are deleted (see :mod:`mlq.segments`)."""
    counters = {name: TermCounter() for name in PASSAGE_FIELDS}
    about = {name: TermCounter() for name in DOCUMENT_FIELDS}
    spans: list[tuple[int, int]] = []
    passage_counts: list[int] = []
    prose_starts: list[int] = []
    sections: list[str] = []
    cut = [(document, passage_spans(document)) for document in documents]
    total = sum(len(passages) for _, passages in cut)
    lo, hi = total * part // parts, total * (part + 1) // parts
    first = 0  # the file's number of the document's first passage
    for document, passages in cut:
        prose = document.prose
        prose_starts += document.prose_starts([start for start, _, _ in passages])
        sections += [section for _, _, section in passages]
        spans += [(start, end) for start, end, _ in passages]
        passage_counts.append(len(passages))
        analyzer.start_document()
        # The body field's terms: the title once (the first part's), each passage's own words.
        title = analyzer.title_terms(document) if part == 0 else {}
        body = {analysis: list(title.get(analysis, ())) for analysis in _SUMMED_ANALYSES}
        for start, end, section in passages[max(lo - first, 0) : max(hi - first, 0)]:
            header = analyzer.header_terms(document, section)
            own = analyzer.analyzer.texts(prose[start:end])
            terms = {"header": header, "passage": {analysis: own[analysis] + header[analysis] for analysis in own}}
            for name, counter in counters.items():
                spec = field_named(name)
                counter.add(terms[spec.text][spec.analysis])
            for analysis in body:
                body[analysis] += own[analysis]
        about_terms = {"body": body}
        if part == 0:
            about_terms["document"] = analyzer.document_terms(document.title, [section for _, _, section in passages], doc_id_of(source.path))
        for name, counter in about.items():
            spec = field_named(name)
            if spec.text in about_terms:  # a part after the first adds only to the body
                counter.add(about_terms[spec.text][spec.analysis])
        first += len(passages)
    fields = {name: FieldCounts.of(counter.counts()) for name, counter in {**counters, **about}.items()}
    return FileAnalysis(
        source,
        tuple(replace(document, text="") for document in documents) if part == 0 else (),
        np.array(spans, dtype=np.int64).reshape(-1, 2),
        np.array(passage_counts, dtype=np.int64),
        np.array(prose_starts, dtype=np.int64),
        tuple(sections),
        fields,
        warnings if part == 0 else (),
        tuple(pack_text(document.text) for document in documents) if part == 0 else (),
        tuple(analyzer.analyzer.take_spellings()),
    )


def join_parts(parts: Sequence[FileAnalysis]) -> FileAnalysis:
    """The analysis of a whole file from those of its parts, in order."""
    if len(parts) == 1:
        return parts[0]
    fields = dict(parts[0].fields)  # the document fields come with the first part, but for the body
    for name in SUMMED_FIELDS:
        counts = [part.fields[name] for part in parts]
        fields[name] = FieldCounts(
            (Entries.concatenate([piece for c in counts for piece in c.pieces]).summed(),),
            np.sum([c.lengths for c in counts], axis=0),
            TermTexts.concatenate([c.texts for c in counts]),
        )
    for name in PASSAGE_FIELDS:
        counts = [part.fields[name] for part in parts]
        firsts = np.cumsum([0] + [len(c.lengths) for c in counts[:-1]])
        fields[name] = FieldCounts(
            tuple(Entries(e.hashes, e.passages + int(n), e.tf) for c, n in zip(counts, firsts) for e in c.pieces),
            np.concatenate([c.lengths for c in counts]),
            TermTexts.concatenate([c.texts for c in counts]),
        )
    return replace(parts[0], fields=fields, spellings=tuple(pair for part in parts for pair in part.spellings))


class PassageAnalyzer:
    """The terms of passages (their prose, and their header: see :mod:`mlq.fields`) and of a
    document's field (see :class:`Headers`)."""

    def __init__(self, settings: AnalyzerSettings, headers: Headers) -> None:
        self.analyzer = Analyzer(settings, spellings=True)
        self.headers = headers
        self._header_terms: dict[str, dict[str, list[str]]] = {}  # of the current document, by section

    def start_document(self) -> None:
        self._header_terms.clear()

    def header_terms(self, document: Document, section: str) -> dict[str, list[str]]:
        """The terms of a passage's header field (the same for every passage of a section)."""
        if section not in self._header_terms:
            title = document.metadata.get("title", "").strip()
            self._header_terms[section] = self.analyzer.texts(self.headers.header(title, section))
        return self._header_terms[section]

    def title_terms(self, document: Document) -> dict[str, list[str]]:
        """The terms of the title the header field counts (the document's own)."""
        return self.analyzer.texts(document.metadata.get("title", "").strip())

    def document_terms(self, title: str, sections: Sequence[str], file_id: str) -> dict[str, list[str]]:
        return self.analyzer.texts(self.headers.document(title, sections, file_id))


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def analyze_files(
    root: Path,
    names: Sequence[str],
    settings: AnalyzerSettings,
    jobs: int,
    clashes: dict[str, str],
    headers: Headers = Headers(),
    workers: Pool | None = None,
) -> Generator[FileAnalysis, None, None]:
    """Each of the files ``names`` (relative to ``root``; ``clashes`` as
    :func:`mlq.corpus.id_clashes` gives them) analysed, in order, on up to ``jobs`` processes:
    ``workers`` (see :func:`start_workers`), if given, else started now. A file larger than
    ``_PART_BYTES`` is shared among them, so that one 50 MB export uses every core too. Either
    way the workers are ended once the files are analysed, or at once if there are too few to
    share."""
    parts = [_parts_of(root / name, jobs) for name in names]
    jobs = max(1, min(jobs, max(len(names) // _FILES_PER_JOB, max(parts, default=1))))
    if jobs == 1:
        if workers is not None:
            workers.terminate()
        analyzer = PassageAnalyzer(settings, headers)
        for name in names:
            yield analyze_file(root / name, root, analyzer, root / clashes[name] if name in clashes else None)
        return
    # Made as the pool takes them (a pipe's worth ahead of the workers), not all at once.
    root_name = str(root)
    tasks = ((name, root_name, clashes.get(name), part, count) for name, count in zip(names, parts) for part in range(count))
    pool = workers if workers is not None else start_workers(settings, headers, jobs)
    with pool:  # on the way out, whatever stops it, the workers are ended (terminate)
        done = pool.imap(_analyze_in_worker, tasks, chunksize=1 if max(parts) > 1 else 4)
        for count in parts:
            yield join_parts([next(done) for _ in range(count)])


def worth_sharing(root: Path, selection: Selection, jobs: int) -> bool:
    """Whether the corpus at ``root`` holds enough to share among ``jobs`` processes, as
    :func:`analyze_files` decides it: ``jobs × _FILES_PER_JOB`` files, or one large enough to be
    analysed in parts. Asked before a build lists the corpus, to start its workers then (see
    :func:`start_workers`), so the walk stops as soon as the answer is yes. Workers started
    for a folder of a few notes and ended unused cost more than its whole build: `mlq index`
    of the bundled essays took 0.61–0.80 s with them, 0.51–0.56 s without. If the files a build
    analyses turn out to be enough after all, :func:`analyze_files` starts the workers itself."""
    for count, (_, entry) in enumerate(walk(root, selection), 1):
        if count >= jobs * _FILES_PER_JOB or _parts_of(Path(entry.path), jobs) > 1:
            return True
    return False


def start_workers(settings: AnalyzerSettings, headers: Headers, jobs: int) -> Pool:
    """``jobs`` worker processes for :func:`analyze_files`, forked now. A build starts them
    before it lists the corpus: a worker shares the pages it inherits with this process only
    until this process writes them, and a build writes on what it holds by then (the files'
    names, the folders' times) all along. On the 78k files of bench/scale.py --large, each worker
    peaked at 157 MB (PSS) forked after the listing, at 140 MB forked before it."""
    pool = None
    try:
        with interrupts.held():  # a worker is born with them held, and lets them in once it ignores Ctrl-C
            # Frozen, the objects a worker inherits are never visited by its garbage collector,
            # whose marks would copy them into each worker.
            gc.freeze()
            try:
                pool = _Pool(jobs, initializer=_start_worker, initargs=(settings, headers, os.getpid()), context=_worker_processes())
            finally:
                gc.unfreeze()
    except BaseException:  # a Ctrl-C held meanwhile is raised as the block ends: the pool is no one's yet
        if pool is not None:
            pool.terminate()
        raise
    return pool


class _Pool(Pool):
    """A pool whose thread that looks after the workers wakes when one of them ends or the
    pool's state changes, not whenever results wait in the pipe, as CPython's does (it watches
    that pipe too, since 3.8): while a worker's analysis of a file — megabytes of arrays — was
    being read, that thread woke, built a selector and polled, again and again, 17,751 times for
    the 819 files of a slice of mdn-ja, taking the building process's time and its GIL. What it
    watches instead is what CPython's own ``ThreadPool`` has it watch; the workers' ends it
    watches either way. On mdn-ja, two jobs: the building process's own CPU 8.5–8.8 s → 5.4–6.6 s."""

    def _get_sentinels(self) -> list[object]:
        return [self._change_notifier._reader]  # type: ignore[attr-defined]


#: glibc's ``mallopt`` parameter for the size from which a block is mapped on its own.
_M_MMAP_THRESHOLD = -3


@contextlib.contextmanager
def large_blocks_returned(threshold: int = 256 << 10) -> Iterator[None]:
    """While in it, every block of ``threshold`` bytes or more that this process allocates is
    mapped on its own, and so given back to the system as soon as it is freed. For a building
    process that only puts analyses together: glibc raises that threshold whenever a mapped
    block is freed (up to 32 MiB), after which numpy's large temporary arrays come from the
    heap, whose freed pages the process keeps. On bench/scale.py --large's 78k files, the
    building process (workers analysing) held 145 MB with glibc's own threshold and 124 MB with
    this. Nothing happens without glibc. On the way out the threshold is set to glibc's first
    one, 128 KiB, which glibc then no longer raises."""
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""
        libc = ctypes.CDLL("libc.so.6") if glibc.startswith("glibc") else None
    except (AttributeError, ValueError, OSError):  # not Linux, or no such library
        libc = None
    if libc is None:
        yield
        return
    libc.mallopt(_M_MMAP_THRESHOLD, threshold)
    try:
        yield
    finally:
        libc.mallopt(_M_MMAP_THRESHOLD, 128 << 10)


def _worker_processes() -> multiprocessing.context.BaseContext:
    """How workers are started. On Linux, forked: they start at once, and a library caller's
    script needs no ``if __name__ == "__main__"`` guard. A fork server (a small process with mlq
    imported) kept workers no smaller than forking them before the corpus is listed (see
    :func:`start_workers`), and it runs the caller's main script again in every worker, as
    spawning does: an unguarded script hung (tests/test_index_cache.py)."""
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def _parts_of(path: Path, jobs: int) -> int:
    try:
        size = path.stat().st_size
    except OSError:
        return 1  # analyze_file reports it
    return max(1, min(jobs, size // _PART_BYTES))


# Each worker process's analyzer: set once by the pool's initializer, a per-process cache.
_worker_analyzer: PassageAnalyzer | None = None


def _start_worker(settings: AnalyzerSettings, headers: Headers, parent: int) -> None:
    global _worker_analyzer
    _end_with(parent)
    # Ctrl-C reaches every process of the terminal's group: only the parent answers it, by
    # ending the pool (SIGTERM, which a worker obeys at once), so no worker prints a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    interrupts.let_in()
    _worker_analyzer = PassageAnalyzer(settings, headers)


#: Linux's ``prctl`` option: the signal a process gets when the one that forked it ends.
_PR_SET_PDEATHSIG = 1


def _end_with(parent: int) -> None:
    """Have this worker killed when process ``parent``, which forked it, ends, however it ends.
    A build killed outright (SIGKILL) left its workers waiting for tasks for ever, holding what
    they inherited — the cache entry's lock among it, so that every later build of the corpus
    waited for them. Linux only: elsewhere workers are spawned, and inherit no lock."""
    if sys.platform != "linux":
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it had ended already, before the signal was asked for
        os._exit(1)


def _analyze_in_worker(task: tuple[str, str, str | None, int, int]) -> FileAnalysis:
    name, root_name, clashes_with, part, parts = task
    assert _worker_analyzer is not None
    root = Path(root_name)
    return analyze_file(root / name, root, _worker_analyzer, root / clashes_with if clashes_with else None, part, parts)
