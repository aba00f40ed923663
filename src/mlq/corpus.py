"""Files → documents: find the essays in a folder and read each into a :class:`Document`."""

from __future__ import annotations

import functools
import hashlib
import itertools
import mmap
import os
import re
import signal
import stat
import struct
import sys
import threading
import unicodedata
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Container, Iterable, Iterator, Mapping, Sequence, overload

from . import formats
from .errors import MlqError
from .formats import SUFFIXES

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Document:
    """One essay. ``text`` is the whole file as mlq reads it (BOM dropped, line ends as ``\\n``);
    the body, which is what gets indexed, starts at ``body_start`` after any front matter.
    Passage offsets are offsets into ``text``, so they also give line numbers in the file.
    A document of a JSON Lines file is one record: ``text`` is its ``text`` field. ``title`` is
    its own (front matter's, first heading, first line), or empty."""

    doc_id: str
    path: str
    title: str
    text: str
    body_start: int = 0
    metadata: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def body(self) -> str:
        return self.text[self.body_start :]

    @property
    def shown_title(self) -> str:
        """What names it for a reader: its title, or its id where it has none. Only shown,
        never indexed: indexing the id would tie its counts to its name, which a rename changes
        and content does not (an empty file renamed kept its old name as title)."""
        return self.title or self.doc_id

    @property
    def format(self) -> formats.Format:
        """The reader of its file's kind (see :mod:`mlq.formats`), which answers the rest."""
        return formats.for_path(self.path)

    @functools.cached_property
    def prose(self) -> str:
        """What is indexed: ``text`` with what is not prose (Markdown's code, tags and URLs)
        blanked, same length, so offsets hold. The front matter is read as metadata, never as
        Markdown, and blanked whole: a ``<!--`` or a code fence written in it, read as
        Markdown, ran on into the body and blanked all of it."""
        head = self.text[: self.body_start]
        return re.sub(r"[^\n]", " ", head) + self.format.prose(self.body)

    def prose_starts(self, starts: list[int]) -> list[int]:
        """For passages beginning at ``starts`` (in the body), where :meth:`prose_of` must
        begin reading."""
        body = self.body_start
        return [body + start for start in self.format.prose_starts(self.body, [start - body for start in starts])]

    def prose_of(self, start: int, end: int, prose_from: int) -> str:
        """``prose[start:end]`` without working out the prose of the whole document, which for
        a file of many megabytes takes seconds: read from ``prose_from`` (from :meth:`prose_starts`),
        where the code block or comment the slice begins in, if any, starts."""
        return self.format.prose(self.text[prose_from:end])[start - prose_from :]

    def headings(self) -> Iterator[tuple[int, int, str]]:
        """``(offset, level, title)`` of each heading of the body, its title as a reader sees
        it (Markdown's links, emphasis and code marks gone: see :meth:`mlq.formats.Format.plain`)."""
        return self.format.headings(self.text, self.prose, self.body_start)

    def place(self, offset: int) -> tuple[int, int]:
        """Where character ``offset`` of ``text`` is in the file, as editors count: line and
        column (UTF-8 bytes), from 1."""
        return self.format.place(self.text, self.metadata, offset)


IGNORE_FILE = ".mlqignore"


@dataclass(frozen=True)
class Selection:
    """Which files of a folder make the corpus, beyond the defaults (every suffix of
    :mod:`mlq.formats`: ``*.md``, ``*.markdown``, ``*.txt``, ``*.jsonl``; no hidden files or
    folders): ``include`` patterns a file must match one of, if
    any are given, and ``exclude`` patterns it must match none of. Patterns, like the lines of
    a ``.mlqignore`` file in the corpus folder, use gitignore syntax, relative to the folder."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


def corpus_files(root: Path, selection: Selection = Selection(), times: dict[str, int] | None = None) -> Names:
    """Every corpus file under ``root``, recursively, as its path relative to ``root`` with
    ``/`` separators, sorted (and, into ``times``, the folders' times: see :func:`walk`). Names
    packed (see :class:`Names`), not :class:`Path` objects: a build holds them all, and at 78k
    files the objects took 28 MB, the names as strings 9, packed 5; nor the walk's directory
    entries, which sorted along with the names took 30 MB more while the corpus was listed."""
    return Names(sorted(relative for relative, _ in walk(root, selection, times)))


class Names(Sequence[str]):
    """Names (file or folder paths relative to a corpus), packed: their UTF-8 bytes one after
    another (a name not UTF-8 as :func:`os.fsencode` has it) and where each ends, 8 bytes a
    name against some 50 for a string object. Each is made a string again as it is read."""

    __slots__ = ("_blob", "_ends")

    def __init__(self, names: Iterable[str]) -> None:
        encoded = [name.encode("utf-8", "surrogateescape") for name in names]
        self._blob = b"".join(encoded)
        self._ends = array("q", itertools.accumulate(map(len, encoded)))

    @classmethod
    def packed(cls, blob: bytes, ends: Iterable[int]) -> Names:
        """Names packed already: their bytes one after another, and where each ends."""
        names = cls(())
        names._blob, names._ends = blob, array("q", ends)
        return names

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]  # one name at a time
        end = self._ends[i]
        start = self._ends[i - 1] if i % len(self) else 0
        return self._blob[start:end].decode("utf-8", "surrogateescape")

    def __iter__(self) -> Iterator[str]:
        blob, start = self._blob, 0
        for end in self._ends:
            yield blob[start:end].decode("utf-8", "surrogateescape")
            start = end


class LinkMet(Exception):
    """A walk of some folders only met a symbolic link to a folder: see :func:`walk`."""


def walk(
    root: Path,
    selection: Selection = Selection(),
    times: dict[str, int] | None = None,
    start: Sequence[str] = ("",),
    known: Container[str] = frozenset(),
) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """The corpus files as ``(path relative to root with / separators, directory entry)``, in
    no particular order, one folder's listing held at a time.
    Symbolic links are followed, each real folder entered once, so a link loop ends. Plain
    strings and ``os.scandir``: a large corpus is walked on every run to see whether it
    changed, and pathlib would cost several times more. With ``times``, each folder walked is
    recorded there (its path relative to ``root``, "" for the root) with its modification time
    as it was just before it was listed.

    A walk of a few folders (those that changed since a walk: see :func:`mlq.freshness.staleness`)
    starts from ``start`` (folders relative to ``root``; one that is gone or is no folder holds
    nothing) and does not enter the ``known`` folders, whose files are known otherwise. It
    raises :class:`LinkMet` on meeting a symbolic link to a folder, or starting from one: a
    whole walk enters each real folder under one name only, which this one cannot tell."""
    ignored = _ignore_rules(root, selection.exclude)
    included = _rules(selection.include) if selection.include else None
    whole = tuple(start) == ("",) and not known
    folders, seen = [], set()
    for relative in start:
        path = os.path.join(root, relative) if relative else str(root)
        if not whole and os.path.islink(path):
            raise LinkMet(relative)
        try:
            seen.add(_identity(path, times, relative))
        except OSError:
            if whole:
                raise
            continue
        folders.append((relative + "/" if relative else "", path))
    while folders:
        prefix, folder = folders.pop()
        try:
            listing = list(os.scandir(folder))
        except OSError:  # unreadable: its files cannot be read either, for now
            if times is not None:
                # A time no folder has: the next check lists it again (see mlq.freshness), and
                # finds its files once it can be read, though its own time has not moved.
                times[prefix.rstrip("/")] = UNLISTED
            continue
        for item in listing:
            relative = prefix + item.name
            if item.name.startswith("."):
                continue
            try:
                folder_here = item.is_dir()
                file_here = not folder_here and item.name.lower().endswith(SUFFIXES) and item.is_file()
            except OSError:  # a link that leads round to itself (ELOOP): neither, and nothing to read
                continue
            if folder_here:
                if ignored and ignored.match_file(composed(relative) + "/") or relative in known:
                    continue
                if not whole and item.is_symlink():
                    raise LinkMet(relative)
                try:
                    identity = _identity(item.path, times, relative)
                except OSError:  # gone since it was listed
                    continue
                if identity not in seen:
                    seen.add(identity)
                    folders.append((relative + "/", item.path))
            elif file_here:
                if ignored and ignored.match_file(composed(relative)):
                    continue
                if included is None or included.match_file(composed(relative)):
                    yield relative, item


#: The time :func:`walk` records for a folder it could not list.
UNLISTED = -1


def composed(name: str) -> str:
    """``name`` in NFC, as typed: how a path is named and matched, whichever form its file
    system keeps (macOS's decomposes)."""
    return unicodedata.normalize("NFC", name)


def _identity(folder: str, times: dict[str, int] | None = None, relative: str = "") -> tuple[int, int]:
    stat = os.stat(folder)
    if times is not None:
        times[relative] = stat.st_mtime_ns
    return stat.st_dev, stat.st_ino


def listing_unchanged(times: dict[str, int], trusted_before: int, now: Sequence[int]) -> bool:
    """Whether the folders of ``times`` (see :func:`walk`), whose times are ``now`` (in the same
    order, see :func:`stat_many`), still hold the entries they held when walked: creating,
    removing or renaming an entry changes its folder's modification time, so the same times
    mean the same names (a file edited in place changes its own time, not its folder's). A time
    at or after ``trusted_before`` proves nothing: a change in the same tick of a coarse clock
    would not show."""
    return len(now) == len(times) and all(recorded < trusted_before and recorded == found for recorded, found in zip(times.values(), now))


#: From this many paths on, :func:`stat_many` shares them with a second process (which costs
#: about 2 ms to start; a stat costs 2–3 µs on the project's machine).
STAT_SHARED_FROM = 5_000
#: How many paths each process of :func:`stat_many` takes at a time.
STAT_CHUNK = 1024


def stat_many(paths: Sequence[str], meanwhile: Callable[[], object] | None = None) -> tuple[array[int], array[int]]:
    """The size and modification time (ns) of each of ``paths``, -1 and -1 for one that cannot
    be statted: what a search of an unchanged corpus spends most of its time on, one ``stat``
    a file and a folder (142k at 78k files). A ``stat`` is a system call with little Python
    around it, yet threads do not overlap them (measured: no faster). From
    :data:`STAT_SHARED_FROM` paths on, on Linux, a forked process stats them from the last one
    back while this one first does ``meanwhile`` (a search checks its query, which loads the
    dictionary: see :func:`mlq.cache.open_index`), then stats from the first one on, until the
    two meet; each takes :data:`STAT_CHUNK` paths at a time and says how far it has got in
    memory they share, the forked one writing its figures there too. ``meanwhile`` is not done
    here when the paths are too few to share: the caller does it after. Should the other
    process fail, this one goes on to the end."""
    if len(paths) < STAT_SHARED_FROM or sys.platform != "linux" or threading.active_count() > 1:
        return _stat_each(paths)
    count = len(paths)
    # Two marks (how far this process has taken paths from the front, and how far back the
    # other has statted them), then the other's sizes and times, at each path's place.
    shared = mmap.mmap(-1, 16 * (count + 1))
    _MARK.pack_into(shared, _BACK, count)
    try:
        child = os.fork()
    except OSError:
        return _stat_each(paths)
    if child == 0:  # the child: it must never return
        try:
            _stat_from_the_back(paths, shared)
        finally:
            os._exit(0)
    front = 0
    sizes, times = array("q"), array("q")
    try:
        if meanwhile is not None:
            meanwhile()
        while front < (back := _MARK.unpack_from(shared, _BACK)[0]):
            taken = min(back, front + STAT_CHUNK)
            _MARK.pack_into(shared, _FRONT, taken)
            more = _stat_each(paths[front:taken])
            sizes += more[0]
            times += more[1]
            front = taken
    except BaseException:
        os.kill(child, signal.SIGKILL)
        raise
    finally:
        os.waitpid(child, 0)
    # The other process has statted from where this one stopped (or further) to the end;
    # had it stopped short, this one would have gone on until it had done its share.
    sizes.frombytes(shared[16 + 8 * front : 16 + 8 * count])
    times.frombytes(shared[16 + 8 * (count + front) :])
    return sizes, times


#: Where :func:`stat_many`'s marks are in the memory its processes share: each process writes
#: only its own (eight bytes, aligned: written and read whole).
_MARK, _FRONT, _BACK = struct.Struct("q"), 0, 8


def _stat_from_the_back(paths: Sequence[str], shared: mmap.mmap) -> None:
    """:func:`stat_many`'s forked process: it stats ``paths`` a chunk at a time from the last
    one back, writing their figures into ``shared`` before moving its mark, until it meets the
    mark of the process that forked it."""
    count = len(paths)
    back = count
    while True:
        front = _MARK.unpack_from(shared, _FRONT)[0]
        if back <= front:
            return
        start = max(front, back - STAT_CHUNK)
        sizes, times = _stat_each(paths[start:back])
        shared[16 + 8 * start : 16 + 8 * back] = sizes.tobytes()
        shared[16 + 8 * (count + start) : 16 + 8 * (count + back)] = times.tobytes()
        back = start
        _MARK.pack_into(shared, _BACK, back)


def _stat_each(paths: Sequence[str]) -> tuple[array[int], array[int]]:
    # stat_of, written out: a call a path costs 3–5% of the loop, the cold search's largest part.
    sizes, times = array("q"), array("q")
    for path in paths:
        try:
            found = os.stat(path)
        except OSError:
            sizes.append(-1)
            times.append(-1)
        else:
            sizes.append(found.st_size)
            times.append(found.st_mtime_ns)
    return sizes, times


def stat_of(path: str) -> tuple[int, int]:
    """One path's size and modification time (ns), -1 and -1 if it cannot be statted: as
    :func:`stat_many` gives them."""
    try:
        found = os.stat(path)
    except OSError:
        return -1, -1
    return found.st_size, found.st_mtime_ns


def _ignore_rules(root: Path, exclude: tuple[str, ...]):  # -> pathspec.PathSpec | None
    lines = list(exclude)
    try:
        lines += read_text_file(root / IGNORE_FILE, "utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        pass
    return _rules(lines) if any(line.strip() and not line.startswith("#") for line in lines) else None


def read_text_file(path: Path, encoding: str = "utf-8") -> str:
    """The text of the regular file at ``path``, else OSError: a FIFO would never end, a link
    to /dev/zero never stop (a corpus's own settings and ignore file are read this way)."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise OSError("not a regular file")
    return path.read_text(encoding=encoding)


def _rules(lines: list[str] | tuple[str, ...]):  # -> pathspec.PathSpec
    """Gitignore-style ``lines`` (an ignore file's, or ``--include``/``--exclude``'s), or an
    error naming the first one that is no pattern (``!``, ``[z-a]``)."""
    import re

    import pathspec  # only when patterns are in use

    lines = [composed(line) for line in lines]  # matched against composed paths (see walk)
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (re.error, ValueError):  # pathspec's own pattern error is a ValueError
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except (re.error, ValueError) as error:
                raise MlqError(f"not a file pattern: {line!r} ({error})") from None
        raise


def doc_id_for(path: Path, root: Path) -> str:
    """The path relative to the corpus folder, without its extension, with ``/`` separators."""
    return doc_id_of(path.relative_to(root).as_posix())


def doc_id_of(relative: str) -> str:
    """``doc_id_for`` of a relative path already in ``/`` form (``notes/a.b.md`` → ``notes/a.b``),
    composed (NFC): a name macOS wrote decomposed (ガ as カ and ゛) is the id a person types."""
    folder, slash, name = composed(relative).rpartition("/")
    dot = name.rfind(".")
    return folder + slash + (name[:dot] if dot > 0 else name)


#: Tried, strictly, when a file is not UTF-8: what older Japanese text files are written in.
LEGACY_ENCODINGS = ("cp932", "euc_jp")


class NotText(ValueError):
    """A file that is binary, or text in no encoding mlq reads."""


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a file and its encoding: UTF-8 (with or without a BOM) first, then
    Shift_JIS (cp932) or EUC-JP. CRLF and lone CR become ``\\n``. Raises :class:`NotText` for
    binary data (NUL bytes) or bytes that none of them decodes."""
    if b"\0" in raw:
        raise NotText("binary (NUL bytes)")
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        candidates = []
        for name in LEGACY_ENCODINGS:
            try:
                candidates.append((raw.decode(name), name))
            except UnicodeDecodeError:
                pass
        if not candidates:
            raise NotText("not UTF-8, Shift_JIS or EUC-JP text") from None
        # Some EUC-JP bytes also decode as Shift_JIS, into half-width kana and rare kanji;
        # real Japanese prose is rich in hiragana, so the reading with most of it wins.
        text, encoding = max(candidates, key=lambda candidate: _hiragana(candidate[0]))
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _hiragana(text: str) -> int:
    return sum(1 for char in text if "\u3041" <= char <= "\u309f")


def read_documents(
    doc_id: str, path: Path, text: str, warn: Warn | None = None, extra: dict[str, str] | None = None
) -> list[Document]:
    """The documents of the file at ``path`` (id ``doc_id``), read from ``text`` by the reader
    of its kind: one, or one per record of a JSON Lines file. ``extra`` joins each one's
    metadata."""
    return [
        Document(doc_id + entry.key, str(path), entry.title, entry.text, entry.body_start, {**entry.metadata, **(extra or {})})
        for entry in formats.for_path(str(path)).entries(text, path, warn)
    ]


def parse_document(doc_id: str, path: Path, text: str, warn: Warn | None = None) -> Document:
    """The one document of a Markdown or text file: front matter split off, the title found."""
    (document,) = read_documents(doc_id, path, text, warn)
    return document


@dataclass(frozen=True)
class SourceFile:
    """A corpus file as it was read: enough to tell later whether it has changed. The hash is
    of the very bytes that were indexed, so a file rewritten mid-read is noticed next time."""

    path: str
    size: int
    mtime_ns: int
    sha256: str


class FileTable(Sequence[SourceFile]):
    """The files of a corpus as columns, each :class:`SourceFile` made only when one is asked
    for: what a search reads back from the cache and checks, file by file, against the folder.
    At 78k files, making every record on every search took a tenth of a second; the check
    reads the columns."""

    __slots__ = ("paths", "sizes", "mtimes", "hashes")

    def __init__(self, paths: Sequence[str], sizes: Sequence[int], mtimes: Sequence[int], hashes: Sequence[str]) -> None:
        if not len(paths) == len(sizes) == len(mtimes) == len(hashes):
            raise ValueError("the file columns are not of one length")
        self.paths, self.sizes, self.mtimes, self.hashes = paths, sizes, mtimes, hashes

    @classmethod
    def of(cls, files: Iterable[SourceFile]) -> FileTable:
        if isinstance(files, FileTable):
            return files
        files = list(files)
        return cls([f.path for f in files], [f.size for f in files], [f.mtime_ns for f in files], [f.sha256 for f in files])

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, i: int) -> SourceFile: ...
    @overload
    def __getitem__(self, i: slice) -> list[SourceFile]: ...
    def __getitem__(self, i: int | slice) -> SourceFile | list[SourceFile]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return SourceFile(self.paths[i], self.sizes[i], self.mtimes[i], self.hashes[i])

    def __iter__(self) -> Iterator[SourceFile]:
        return map(SourceFile, self.paths, self.sizes, self.mtimes, self.hashes)

    def replaced(self, names: Sequence[str], rows: Sequence[int], new: Mapping[str, SourceFile]) -> FileTable:
        """The files ``names`` (in a corpus's order): each as row ``rows[i]`` of this table has
        it, or, where that is -1, as ``new`` gives it. Made column by column: an edit of a corpus
        of 78k files keeps them all, and making a record of each (its digest written out) took a
        fifth of it."""
        raw = Digests.of(self.hashes).raw
        return FileTable(
            list(names),
            [self.sizes[k] if k >= 0 else new[name].size for k, name in zip(rows, names)],
            [self.mtimes[k] if k >= 0 else new[name].mtime_ns for k, name in zip(rows, names)],
            Digests(b"".join(raw[32 * k : 32 * k + 32] if k >= 0 else Digests.of([new[name].sha256]).raw for k, name in zip(rows, names))),
        )

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of the same files (a tuple of them, as a build makes)."""
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FileTable({len(self)} files)"


class Digests(Sequence[str]):
    """SHA-256 digests held as 32 bytes each in one ``bytes``, each written out in its 64 hex
    digits only when asked for: the files' hashes are read back on every search and looked at
    only for a file whose size or time changed. At 78k files, a list of hex strings took 17 ms
    to make, and the hex, compressed, 20 ms more to inflate. A file that could not be read has
    the empty digest ``""``, 32 zero bytes here."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) % 32:
            raise ValueError("SHA-256 digests are 32 bytes each")
        self.raw = raw

    @classmethod
    def of(cls, digests: Iterable[str]) -> Digests:
        """From hex digests (or ``""``)."""
        if isinstance(digests, Digests):
            return digests
        return cls(b"".join(bytes.fromhex(digest) if digest else _NO_DIGEST for digest in digests))

    def __len__(self) -> int:
        return len(self.raw) // 32

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError("digest index out of range")
        at = 32 * (i % len(self))
        digest = self.raw[at : at + 32]
        return "" if digest == _NO_DIGEST else digest.hex()


_NO_DIGEST = bytes(32)


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def load_corpus(root: str | Path, warn: Warn | None = None, selection: Selection = Selection()) -> list[Document]:
    """All documents under ``root`` in a stable order."""
    root = check_corpus_dir(Path(root))
    return [document for _, documents in read_files(root, corpus_files(root, selection), warn) for document in documents]


def read_files(root: Path, names: Sequence[str], warn: Warn | None = None) -> Iterator[tuple[SourceFile, list[Document]]]:
    """Each file (named relative to ``root``, see :func:`corpus_files`) with its documents
    (none when it is skipped: see :func:`read_file`)."""
    clashes = id_clashes(names)
    for name in names:
        yield read_file(root / name, root, warn, root / clashes[name] if name in clashes else None)


def id_clashes(names: Sequence[str]) -> dict[str, str]:
    """Files (named as by :func:`corpus_files`) whose document id a file before them already
    has (``a.md`` then ``a.txt``), each with that earlier file."""
    first: dict[str, str] = {}
    clashes: dict[str, str] = {}
    for name in names:
        earlier = first.setdefault(doc_id_of(name), name)
        if earlier != name:
            clashes[name] = earlier
    return clashes


def read_file(
    path: Path, root: Path, warn: Warn | None = None, clashes_with: Path | None = None
) -> tuple[SourceFile, list[Document]]:
    """The file as read, with its documents: one, or one per record of a JSON Lines file, or
    none when the file cannot be read, is not text, or its id clashes with an earlier file's.
    Such a file is skipped with a warning rather than stopping the whole corpus, and still
    reported so that a cache can tell when it changes."""
    relative = path.relative_to(root).as_posix()
    try:
        stat = path.stat()
        raw = path.read_bytes()
    except OSError as error:
        _warn(warn, f"{path}: {error.strerror or error}")
        return SourceFile(relative, -1, -1, ""), []
    source = SourceFile(relative, stat.st_size, stat.st_mtime_ns, sha256(raw))
    if clashes_with is not None:
        _warn(warn, f"{path}: same document id as {clashes_with}; skipping it")
        return source, []
    if not is_unicode(relative):
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        _warn(warn, f"{shown}: the file's name is not UTF-8 (rename it to search it); skipping it")
        return source, []
    try:
        text, encoding = decode(raw)
    except NotText as error:
        _warn(warn, f"{path}: {error}; skipping it")
        return source, []
    extra = {"encoding": encoding} if encoding != "utf-8" else {}
    return source, read_documents(doc_id_of(relative), path, text, warn, extra)


def is_unicode(name: str) -> bool:
    """Whether a name from the file system (or any text from outside: the command line, a
    stream read with ``surrogateescape``) is text: bytes that are not UTF-8 come as lone
    surrogates, which no document id, analyser or terminal can carry."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _warn(warn: Warn | None, message: str) -> None:
    if warn:
        warn(message)


def check_corpus_dir(root: Path) -> Path:
    """The folder, resolved, or a one-line error saying what is wrong with it."""
    if not root.exists():
        raise MlqError(f"corpus folder not found: {root}")
    if not root.is_dir():
        raise MlqError(f"corpus is not a folder: {root}")
    return root.resolve()
