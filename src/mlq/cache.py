"""The on-disk cache: one entry per corpus folder, saved once, loaded on every later run.

An entry is a folder holding build folders and a ``current`` file naming the live one. A build
is written into a fresh folder, synced to disk, and made live by atomically replacing
``current``: a process killed at any moment leaves the old index or the new one, never a mix.
A lock file lets one process build while others wait. Loading checks what is cheap to check
(the manifest's own checksum and format, every file's size, every array's dtype and shape)
and memory-maps the arrays; ``verify`` checks every file's SHA-256. Everything is JSON or
``.npy`` read with ``allow_pickle=False`` (or, for a small index, mapped as plain typed memory
without numpy): a cache folder must never be a way to run code.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import dataclasses
import errno
import hashlib
import json
import math
import mmap
import os
import re
import sys
import time
import uuid
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Sequence

from ._lazy import ImportedOnFirstUse
from ._numpy import np
from .bm25 import FieldIndex, Index
from .scoring import FieldStats
from .corpus import Digests, FileTable, Selection, SourceFile, Warn
from . import interrupts
from .errors import MlqError
from .freshness import Edit, as_recorded, listing_started, settled, staleness
from .fields import NAMES
from .backends import NUMPY, PLAIN
from .index import FINISHED, PASSAGE_COLUMNS, CorpusIndex, Delta, DocumentTable, IndexSettings, PassageTable, Progress, build_delta, build_index, mapped_file
from .spellings import Spellings

# Only writing, removing and composing segments need these (see mlq._lazy).
shutil = ImportedOnFirstUse("shutil")
tempfile = ImportedOnFirstUse("tempfile")
_segments = ImportedOnFirstUse("mlq.segments")

#: What a process says as it waits for another's build (or the one clearing its entry).
WAITING = "waiting for another mlq to finish indexing"
#: Bump when the layout or meaning of the files changes; older entries are then rebuilt.
FORMAT_VERSION = 29

_POINTER = "current"
_LOCK = "lock"
_MANIFEST = "manifest.json"
_BUILD_NAME = re.compile(r"build-[0-9a-f]{12}")


def cache_root() -> Path:
    """``$MLQ_CACHE_DIR``, else ``$XDG_CACHE_HOME/mlq``, else ``~/.cache/mlq``."""
    if os.environ.get("MLQ_CACHE_DIR"):
        return Path(os.environ["MLQ_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "mlq"


def entry_dir(corpus_root: Path, root: Path | None = None, selection: Selection = Selection()) -> Path:
    """The entry of a corpus folder (by absolute path, and by file selection when one is
    given, so that two selections do not rebuild each other's index): readable name,
    collision-free hash."""
    key_text = str(corpus_root) if selection == Selection() else f"{corpus_root}\0{selection!r}"
    key = hashlib.sha256(key_text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    slug = re.sub(r"[^\w.-]+", "_", corpus_root.name)[:40] or "root"
    return (root or cache_root()) / f"{slug}-{key}"


class CacheError(Exception):
    """A cache entry that cannot be used: damaged or foreign. Never fatal: the index is
    rebuilt, with a warning."""


class CacheMiss(CacheError):
    """No usable entry for an ordinary reason, not worth a warning: a first run, or an entry
    written by another version of mlq or with other settings."""


@dataclass(frozen=True)
class Manifest:
    """What a build folder holds, what it was built from, and how to check it."""

    format: int
    fingerprint: dict[str, Any]
    root: str
    built_at: float
    build_seconds: float
    files: Sequence[SourceFile]  # a FileTable when written or read back
    #: How many documents each of ``files`` has (see :attr:`mlq.index.CorpusIndex.file_documents`).
    file_documents: Sequence[int]
    counts: dict[str, int]
    #: name → [size in bytes, sha256] of every other file in the build folder.
    contents: dict[str, list[Any]]
    #: name → [dtype, shape] of every array, checked against each array's header on load.
    arrays: dict[str, list[Any]]
    #: field → [units, average length, mean idf]: what its scores are worked out from.
    field_stats: dict[str, list[float]]
    #: For an index of segments (see :mod:`mlq.segments`): ``segments``, each one's ``name``
    #: (the prefix of its arrays' names), ``documents``, ``passages`` and own ``field_stats``;
    #: and ``terms``, each field's number of terms in the whole. Empty for one index.
    composition: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """``{"sha256": "<hash of the body>", "manifest": <body>}``, the body's bytes exactly as
        hashed: the check hashes them as read, instead of writing the JSON out again (at tens
        of thousands of files that took a twentieth of a second and tens of megabytes on every
        search)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["files"] = _files_record(self.files, self.file_documents)
        del data["file_documents"]
        # ASCII: a name that is not UTF-8 (the corpus folder's) goes in escaped, and comes back.
        body = json.dumps(data).encode("ascii")
        return _MANIFEST_HEAD + hashlib.sha256(body).hexdigest().encode("ascii") + _MANIFEST_MIDDLE + body + b"}"

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        start = len(_MANIFEST_HEAD) + 64 + len(_MANIFEST_MIDDLE)
        if not (raw.startswith(_MANIFEST_HEAD) and raw[start - len(_MANIFEST_MIDDLE) : start] == _MANIFEST_MIDDLE):
            old = json.loads(raw)  # not JSON at all: a ValueError
            version = old.get("format") if isinstance(old, dict) else None
            if version is None or version == FORMAT_VERSION:
                raise ValueError("manifest is not as mlq wrote it")
            raise CacheMiss(f"index format {version}, this mlq writes {FORMAT_VERSION}")  # an older mlq's
        body = raw[start:-1]
        if raw[len(_MANIFEST_HEAD) : len(_MANIFEST_HEAD) + 64] != hashlib.sha256(body).hexdigest().encode("ascii"):
            raise ValueError("manifest checksum does not match")
        data = json.loads(body)
        if data.get("format") != FORMAT_VERSION:
            raise CacheMiss(f"index format {data.get('format')}, this mlq writes {FORMAT_VERSION}")
        files, documents = _files_read(data["files"])
        return cls(**{**data, "files": files, "file_documents": documents})


def _files_record(files: Sequence[SourceFile], documents: Sequence[int]) -> dict[str, str]:
    """The record of the files, most of a large corpus's manifest, as columns (see
    :func:`_columns`: every edit writes a manifest, and the rest of an edit writes little):
    the paths; sizes, times and document counts; and the hashes as
    :class:`~mlq.corpus.Digests` (32 bytes each, not compressed: they would not be smaller)."""
    table = FileTable.of(files)
    if len(documents) != len(table):
        raise ValueError("a count of documents for every file, and no more")
    record = _columns(table.paths, [*table.sizes, *table.mtimes, *documents])
    return {**record, "sha256": base64.b64encode(Digests.of(table.hashes).raw).decode("ascii")}


def _files_read(record: dict[str, str]) -> tuple[FileTable, list[int]]:
    """:func:`_files_record` read back: the files, and how many documents each has."""
    paths, values = _columns_read(record)
    hashes = Digests(base64.b64decode(record["sha256"], validate=True))
    n = len(paths)
    if len(values) != 3 * n or len(hashes) != n:
        raise ValueError("the record of the files is not as mlq wrote it")
    return FileTable(paths, values[:n], values[n : 2 * n], hashes), values[2 * n :]


def _columns(names: Sequence[str], numbers: Sequence[int]) -> dict[str, str]:
    """``names`` and ``numbers`` as a record's two columns, read back without parsing a row
    per name (see :func:`_columns_read`): the names joined by NUL, in UTF-8 with the bytes of a
    name that is not UTF-8 kept as they were; the numbers as little-endian int64; each
    compressed, in base64."""
    packed = array("q", numbers)
    if sys.byteorder == "big":
        packed.byteswap()
    raw = {"paths": "\0".join(names).encode("utf-8", "surrogateescape"), "numbers": packed.tobytes()}
    return {name: base64.b64encode(zlib.compress(column, 1)).decode("ascii") for name, column in raw.items()}


def _columns_read(record: dict[str, str]) -> tuple[list[str], list[int]]:
    raw = {name: zlib.decompress(base64.b64decode(record[name], validate=True)) for name in ("paths", "numbers")}
    text = raw["paths"].decode("utf-8", "surrogateescape")
    numbers = array("q")
    numbers.frombytes(raw["numbers"])
    if sys.byteorder == "big":
        numbers.byteswap()
    # A single name that is empty (the corpus folder's own, in a listing) is joined into nothing
    # too: the numbers, which every name has, tell it from no name at all.
    return text.split("\0") if text or numbers else [], numbers.tolist()


_MANIFEST_HEAD, _MANIFEST_MIDDLE = b'{"sha256": "', b'", "manifest": '


def fingerprint(settings: IndexSettings) -> dict[str, Any]:
    # Through JSON so that tuples compare equal to the lists read back.
    return json.loads(json.dumps({"format": FORMAT_VERSION, **settings.fingerprint()}))


def read_manifest(entry: Path) -> tuple[Path, Manifest]:
    """The live build folder of ``entry`` and its manifest."""
    try:
        name = (entry / _POINTER).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):  # nothing there (the cache folder may be a file)
        raise CacheMiss("no cached index") from None
    except (OSError, ValueError) as error:
        raise CacheError(f"unreadable cache entry ({error})") from None
    if not _BUILD_NAME.fullmatch(name):
        raise CacheError(f"unreadable cache entry (bad build name {name[:40]!r})")
    build = entry / name
    try:
        manifest = Manifest.from_bytes((build / _MANIFEST).read_bytes())
    except (OSError, ValueError, TypeError, KeyError, AttributeError, zlib.error) as error:
        raise CacheError(f"unreadable cache entry ({error})") from None
    return build, manifest


def write_listing(entry: Path, manifest: Manifest, listing: dict[str, Any]) -> None:
    """Record ``listing`` (see :func:`listing_started`) beside the live build whose manifest this
    is: a file of its own, replaced atomically, so that recording it publishes no new build.
    Call it holding :func:`lock`."""
    folders = _columns(list(listing["folders"]), list(listing["folders"].values()))  # 64k folders at 78k files
    _replace_text(entry / _LISTING, json.dumps({"built_at": manifest.built_at, "listing": {**listing, "folders": folders}}))


def read_listing(entry: Path, manifest: Manifest) -> dict[str, Any]:
    """The listing recorded for the build of ``manifest``, or {} (none, another build's, or
    not as mlq writes it: then every folder is listed, as without one)."""
    try:
        data = json.loads((entry / _LISTING).read_text(encoding="utf-8"))
        listing = data["listing"]
        trusted, ignore = listing["trusted_before"], listing["ignore"]
        if data["built_at"] != manifest.built_at:
            return {}
        names, times = _columns_read(listing["folders"])
        valid = (
            isinstance(trusted, int)
            and len(names) == len(times)
            and (ignore is None or (isinstance(ignore, list) and len(ignore) == 2 and all(isinstance(v, int) for v in ignore)))
        )
    except (OSError, ValueError, TypeError, KeyError, zlib.error):
        return {}
    return {**listing, "folders": dict(zip(names, times))} if valid else {}


_LISTING = "listing.json"


def load(entry: Path, settings: IndexSettings) -> tuple[CorpusIndex, Manifest]:
    """The cached index in ``entry`` (without checking it against the corpus) and its
    manifest. Arrays are memory-mapped and the document records read when first needed:
    loading does no work per passage or per document."""
    try:
        return _load(entry, settings)
    except CacheMiss:
        raise
    except CacheError:
        # A build replaced the live one between our reading `current` and opening its files
        # (old builds are removed at once): the new one is there to load.
        return _load(entry, settings)


def _load(entry: Path, settings: IndexSettings) -> tuple[CorpusIndex, Manifest]:
    build, manifest = read_manifest(entry)
    if manifest.fingerprint != fingerprint(settings):
        raise CacheMiss("analyzer settings, index format or dictionary changed")
    try:
        _check_sizes(build, manifest)
        backend = PLAIN if _plain(manifest) else NUMPY  # chosen once, for every part of the index
        load = _map_plainly if backend is PLAIN else _load_array
        arrays = {name: load(build, name, expected) for name, expected in manifest.arrays.items()}
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise CacheError(f"damaged cache entry ({error})") from None
    if len(manifest.file_documents) != len(manifest.files) or sum(manifest.file_documents) != manifest.counts["documents"]:
        raise CacheError("damaged cache entry (the files' documents do not add up)")
    if not manifest.composition:
        index = _index_of(arrays, "", manifest.root, manifest.files, manifest.file_documents, manifest.counts, manifest.field_stats, settings, backend)
        return dataclasses.replace(index, build=build.name), manifest
    try:
        segments = []
        for k, about in enumerate(manifest.composition["segments"]):
            index = _index_of(arrays, about["name"], manifest.root, [], [], about, about["field_stats"], settings, backend)
            gone = {name: (arrays[f"{_COMPOSITION}{k}.gone.{name}.hashes"], arrays[f"{_COMPOSITION}{k}.gone.{name}.counts"]) for name in NAMES}
            segments.append(_segments.Segment(index, arrays[f"{_COMPOSITION}{k}.order"], gone, about["name"]))
        stats = {name: FieldStats(int(units), average, mean) for name, (units, average, mean) in manifest.field_stats.items()}
        composed = _segments.compose(segments, manifest.files, manifest.file_documents, stats, manifest.composition["terms"], settings)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise CacheError(f"damaged cache entry (segments: {error})") from None
    if len(composed.passages) != manifest.counts["passages"] or len(composed.documents) != manifest.counts["documents"]:
        raise CacheError("damaged cache entry (counts differ from the manifest)")
    return dataclasses.replace(composed, build=build.name), manifest


def _check_sizes(build: Path, manifest: Manifest) -> None:
    """Raise unless every file of the build is there, of the size the manifest recorded: a
    stat each, no reading (``mlq index --verify`` reads them)."""
    for name, (size, _) in manifest.contents.items():
        if (build / name).stat().st_size != size:
            raise ValueError(f"{name} is {(build / name).stat().st_size} bytes, the manifest says {size}")


def _index_of(
    arrays: dict[str, Any],
    prefix: str,
    root: str,
    files: Sequence[SourceFile],
    file_documents: Sequence[int],
    counts: dict[str, int],
    field_stats: dict[str, list[float]],
    settings: IndexSettings,
    backend: Any,
) -> CorpusIndex:
    """The index (or segment) whose arrays are named ``prefix`` + their names in ``arrays``."""
    arrays = {key[len(prefix) :]: array for key, array in arrays.items() if key.startswith(prefix) and "/" not in key[len(prefix) :]}
    documents = DocumentTable(arrays["records"], arrays["records.offsets"], arrays["texts"], arrays["texts.offsets"])
    passages = PassageTable(**{column: arrays[f"passages.{column}"] for column in PASSAGE_COLUMNS}, backend=backend)
    if len(passages) != counts["passages"] or len(documents) != counts["documents"]:
        raise CacheError("damaged cache entry (counts differ from the manifest)")
    fields = {}
    for name in NAMES:
        part = {key[len(name) + 1 :]: array for key, array in arrays.items() if key.startswith(f"{name}.")}
        try:
            units, average, mean = field_stats[name]
            fields[name] = FieldIndex.from_arrays(part, FieldStats(int(units), average, mean), settings.params(name), backend)
        except (KeyError, TypeError, ValueError) as error:
            raise CacheError(f"damaged cache entry ({name}: {error})") from None
    bm25 = Index(fields, dict(settings.weights), len(passages))
    spellings = Spellings.from_arrays(arrays, backend)
    return CorpusIndex(root, documents, FileTable.of(files), tuple(file_documents), passages, bm25, settings, spellings=spellings)


#: Up to this many passages, an index is read without numpy (see :func:`_map_plainly`): on
#: mdn-ja (75,180 passages) one search in plain Python costs 12–55 ms, where importing numpy
#: alone costs 90 ms and the search with it 6–12 ms more (a second search switches to numpy).
#: On mdn-ja with baldanders (107,743 passages), 213 queries searched once each in plain
#: Python took 5.3 ms at the median, 22 ms at the 90th percentile and 66 ms at the 99th, against
#: 1.9, 6.0 and 20 ms with numpy after importing it (stop 32, a /tmp script).
PLAIN_MAX_PASSAGES = 150_000
#: The dtypes mlq writes, as ``memoryview`` formats.
_FORMATS = {"<i4": "i", "<i8": "q", "<u8": "Q", "<f8": "d", "|u1": "B", "<u2": "H", "<u4": "I"}


def _plain(manifest: Manifest) -> bool:
    return manifest.counts["passages"] <= PLAIN_MAX_PASSAGES and sys.byteorder == "little" and not manifest.composition


def _map_plainly(build: Path, name: str, expected: list[Any]) -> memoryview:
    """Memory-map one ``.npy`` array as a typed ``memoryview``, without numpy: importing numpy
    costs more than searching a small index does (``bench/speed.py``). The header, a Python
    literal, is read with ``ast.literal_eval``; the array is refused unless it is what the
    manifest describes."""
    with open(build / f"{name}.npy", "rb") as file:
        magic = file.read(8)
        if magic[:6] != b"\x93NUMPY":
            raise ValueError(f"{name}.npy is not a .npy file")
        size = int.from_bytes(file.read(2 if magic[6] == 1 else 4), "little")
        header = ast.literal_eval(file.read(size).decode("latin-1"))
        if not isinstance(header, dict) or header.get("fortran_order") or header.get("descr") not in _FORMATS:
            raise ValueError(f"{name}.npy holds an array mlq does not write")
        if [header["descr"], list(header["shape"])] != expected:
            raise ValueError(f"{name}.npy is not the array the manifest describes")
        offset, length = file.tell(), math.prod(header["shape"])
        view = memoryview(b"")
        if length:
            view = memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ))[offset:]
    view = view.cast(_FORMATS[header["descr"]])  # type: ignore[call-overload]  # typeshed takes literal formats only
    if len(view) < length:
        raise ValueError(f"{name}.npy is shorter than its header says")
    return view[:length]


def _load_array(build: Path, name: str, expected: list[Any]) -> np.ndarray:
    """Memory-map one array, refusing it unless its header says what the manifest recorded:
    :func:`_map_plainly`'s map, as a plain read-only ndarray. ``np.load`` with ``mmap_mode``
    costs ten times as much (an index of ten segments has some 200 arrays), and its
    ``np.memmap`` subclass's hooks cost on every slice."""
    dtype, shape = expected
    return np.frombuffer(_map_plainly(build, name, expected), dtype=np.dtype(dtype)).reshape(shape)


def _arrays_of(index: CorpusIndex, prefix: str = "") -> dict[str, np.ndarray]:
    arrays = {f"passages.{column}": getattr(index.passages, column) for column in PASSAGE_COLUMNS}
    documents = index.documents
    arrays.update({"records": documents.records_blob, "records.offsets": documents.record_offsets})
    arrays.update({"texts": documents.blob, "texts.offsets": documents.offsets})
    for name, field in index.bm25.fields.items():
        arrays.update({f"{name}.{part}": array for part, array in field.arrays().items()})
    arrays.update(index.spellings.arrays())
    return {prefix + name: np.ascontiguousarray(array) for name, array in arrays.items()}


def _stats_of(index: CorpusIndex) -> dict[str, list[float]]:
    return {name: [f.stats.units, f.stats.average_length, f.stats.mean_idf] for name, f in index.bm25.fields.items()}


def _write_arrays(build: Path, arrays: dict[str, np.ndarray]) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Write ``arrays`` into ``build``: their contents and arrays entries (see :class:`Manifest`).
    An array the build put aside in its scratch folder (see :data:`mlq.index.FINISHED`) is that
    file already, byte for byte: it is linked, not read into memory to be written again."""
    contents = {}
    for name, values in arrays.items():
        (build / name).parent.mkdir(parents=True, exist_ok=True)
        aside = _put_aside_file(values)
        if aside is not None:
            contents[f"{name}.npy"] = _linked(aside, build / f"{name}.npy")
        else:
            contents[f"{name}.npy"] = _write(build / f"{name}.npy", lambda out: np.save(out, values, allow_pickle=False))
    return contents, {name: [values.dtype.str, list(values.shape)] for name, values in arrays.items()}


def _put_aside_file(array: np.ndarray) -> Path | None:
    """The file of a build's scratch folder that ``array`` is the whole of, if it is one."""
    path = mapped_file(array)
    if path is None or not path.parent.name.startswith(FINISHED) or not path.parent.parent.name.startswith(_SCRATCH):
        return None
    return path


def _linked(source: Path, target: Path) -> list[Any]:
    """``source`` as file ``target`` too (a hard link, or a copy where there can be none), on
    disk, and its ``[size, sha256]``, read back in pieces."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    with open(target, "rb") as got:
        digest = hashlib.file_digest(got, "sha256")
        os.fsync(got.fileno())
        size = got.tell()
    return [size, digest.hexdigest()]


def save(entry: Path, index: CorpusIndex, build_seconds: float) -> Manifest:
    """Write ``index`` as a new build folder of ``entry`` and make it the live one. Call it
    holding :func:`lock`. Readers that have the replaced build open keep their memory maps;
    one that read ``current`` just before the switch retries (see :func:`load`)."""

    def fill(build: Path) -> Manifest:
        return _manifest_of(index, build_seconds, *_write_arrays(build, _arrays_of(index)))

    return _publish(entry, fill)


def _manifest_of(
    index: CorpusIndex, build_seconds: float, contents: dict[str, list[Any]], arrays: dict[str, list[Any]], composition: dict[str, Any] | None = None
) -> Manifest:
    """The manifest of ``index``, built in ``build_seconds``, whose files are ``contents``
    and arrays ``arrays`` (see :class:`Manifest`)."""
    return Manifest(
        format=FORMAT_VERSION,
        fingerprint=fingerprint(index.settings),
        root=index.root,
        built_at=time.time(),
        build_seconds=round(build_seconds, 3),
        files=FileTable.of(index.files),
        file_documents=list(index.file_documents),
        counts={"documents": len(index.documents), "passages": len(index.passages), "terms": index.term_count},
        contents=contents,
        arrays=arrays,
        field_stats=_stats_of(index),
        composition=composition or {},
    )


#: Where a build of segments keeps what says how they compose (rewritten by every edit).
_COMPOSITION = "composition/"


def save_segments(entry: Path, index: CorpusIndex, build_seconds: float, live: tuple[Path, Manifest] | None = None) -> Manifest:
    """Write ``index``, composed of segments (see :mod:`mlq.segments`), as a new build folder
    of ``entry`` and make it the live one: the segments the live build has are hard-linked
    (copied where links are not possible), only a new one is written, with each segment's
    deletions and the statistics of the whole. ``live`` is the live build and its manifest,
    when the caller has read them (else they are read). Call it holding :func:`lock`."""
    current, manifest = live or read_manifest(entry)
    held = {about["name"] for about in manifest.composition.get("segments", [{"name": ""}])}

    def fill(build: Path) -> Manifest:
        contents: dict[str, list[Any]] = {}
        arrays: dict[str, list[Any]] = {}
        about = []
        for k, segment in enumerate(index.segments):
            if segment.name in held:
                for name, described in manifest.arrays.items():
                    if name.startswith(segment.name) and "/" not in name[len(segment.name) :]:
                        _link(current, build, f"{name}.npy")
                        contents[f"{name}.npy"], arrays[name] = manifest.contents[f"{name}.npy"], described
            else:
                written = _write_arrays(build, _arrays_of(segment.index, segment.name))
                contents.update(written[0])
                arrays.update(written[1])
            own = {f"{_COMPOSITION}{k}.order": np.asarray(segment.order, dtype=np.int32)}
            for name in NAMES:
                hashes, counts = segment.gone.get(name, (np.zeros(0, np.uint64), np.zeros(0, np.int64)))
                own[f"{_COMPOSITION}{k}.gone.{name}.hashes"] = np.asarray(hashes, dtype=np.uint64)
                own[f"{_COMPOSITION}{k}.gone.{name}.counts"] = np.asarray(counts, dtype=np.int64)
            written = _write_arrays(build, own)
            contents.update(written[0])
            arrays.update(written[1])
            seg = segment.index
            about.append({"name": segment.name, "documents": len(seg.documents), "passages": len(seg.passages), "field_stats": _stats_of(seg)})
        composition = {"segments": about, "terms": {name: f.term_count for name, f in index.bm25.fields.items()}}
        return _manifest_of(index, build_seconds, contents, arrays, composition)

    return _publish(entry, fill)


def _link(current: Path, build: Path, name: str) -> None:
    """File ``name`` of build ``current`` into ``build`` too, as a hard link where it can be."""
    (build / name).parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(current / name, build / name)
    except OSError:
        shutil.copy2(current / name, build / name)


def refresh(entry: Path, files: Sequence[SourceFile]) -> Manifest:
    """Make a new live build that is the current one with ``files`` as its record of the
    corpus: for files that were touched but not changed. The arrays are hard-linked, not
    rewritten (copied where links are not possible). Call it holding :func:`lock`."""
    current, manifest = read_manifest(entry)

    def fill(build: Path) -> Manifest:
        for name in manifest.contents:
            _link(current, build, name)
        return dataclasses.replace(manifest, files=files)

    return _publish(entry, fill)


def _publish(entry: Path, fill: Callable[[Path], Manifest]) -> Manifest:
    """Let ``fill`` write a new build folder and describe it, write its manifest, sync, and
    make it the live build; then remove the others. A failure leaves the live build as it was."""
    entry.mkdir(parents=True, exist_ok=True)
    build = entry / f"build-{uuid.uuid4().hex[:12]}"
    build.mkdir()
    try:
        manifest = fill(build)
        _write(build / _MANIFEST, lambda out: out.write(manifest.to_bytes()))
        _fsync_dir(build)
        # Switched and tidied in one go: Ctrl-C here would leave the new build live and the old
        # ones half removed beside it, for no later search to remove (held, it comes after).
        with interrupts.held():
            _replace_text(entry / _POINTER, build.name)
            _remove_old_builds(entry, keep=build.name)
    except BaseException:
        if _read_pointer(entry) != build.name:
            shutil.rmtree(build, ignore_errors=True)
        raise
    return manifest


def _read_pointer(entry: Path) -> str | None:
    """The name of ``entry``'s live build, as its pointer says (None: it says nothing readable)."""
    try:
        return (entry / _POINTER).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None


def _remove_old_builds(entry: Path, keep: str) -> None:
    """Every build but the live one: replaced builds, and any left by a killed process."""
    for old in entry.glob("build-*"):
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def _write(path: Path, write: Callable[[BinaryIO], object]) -> list[Any]:
    """Write a new file, make sure it is on disk, and return its ``[size, sha256]`` — hashed
    on the way out, not read back."""
    with open(path, "xb") as raw:
        out = _Hashing(raw)
        write(out)  # type: ignore[arg-type]
        raw.flush()
        os.fsync(raw.fileno())
    return [out.size, out.digest.hexdigest()]


class _Hashing:
    """A binary file that also hashes and counts what is written to it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        self.digest.update(data)
        self.size += memoryview(data).nbytes
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_text(path: Path, text: str) -> None:
    """Replace ``path`` atomically: write a temporary file beside it, then rename over it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        _fsync_dir(path.parent)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def lock(entry: Path, on_wait: Callable[[], None] | None = None, blocking: bool = True) -> Iterator[bool]:
    """Hold the entry's lock while building. Yields True once held — or False, without
    waiting, when ``blocking`` is off and another process holds it. ``on_wait`` is called
    before waiting for another process. Raises OSError if the entry cannot be written. The
    kernel releases the lock of a process that dies. A lock file removed while this process
    waited on it (``mlq index --clear`` removes the entry, lock and all) is no lock any more,
    since another process may make a new one: it is taken again, from the file now there."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): no lock
        yield True
        return
    waited = False
    while True:
        entry.mkdir(parents=True, exist_ok=True)
        with open(entry / _LOCK, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not blocking:
                    yield False
                    return
                if on_wait and not waited:
                    on_wait()
                waited = True
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if not _is_file_at(handle, entry / _LOCK):
                    continue  # removed while waited on: take the one there now
                yield True
                return
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _is_file_at(handle: BinaryIO, path: Path) -> bool:
    """Whether the open ``handle`` is the file at ``path`` still (not removed, nor replaced)."""
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(handle.fileno())
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


def verify(entry: Path) -> list[str]:
    """Every problem with the live build of ``entry``: each file's size and SHA-256 against the
    manifest. An empty list means the entry is sound."""
    build, manifest = read_manifest(entry)
    problems = []
    for name, (size, digest) in sorted(manifest.contents.items()):
        path = build / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != size:
            problems.append(f"{name}: {path.stat().st_size} bytes, expected {size}")
        elif _file_sha256(path) != digest:
            problems.append(f"{name}: checksum does not match")
    return problems


def clear(entry: Path, on_wait: Callable[[], None] | None = None) -> bool:
    """Remove the entry (under its lock, so not under a build's feet: ``on_wait`` is called
    before waiting for one). Whether there was one."""
    return entry.exists() and _removed(entry, on_wait=on_wait)


def _removed(entry: Path, blocking: bool = True, on_wait: Callable[[], None] | None = None) -> bool:
    """Remove ``entry``, holding its lock while its contents go (so not under a build's feet);
    without ``blocking``, not at all while another process holds it. Whether it was removed."""
    with lock(entry, on_wait, blocking=blocking) as held:
        if not held:
            return False
        for child in entry.iterdir():
            if child.name != _LOCK:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.rmtree(entry, ignore_errors=True)
    return True


#: The name :func:`entry_dir` gives an entry: a folder of the cache named otherwise is not mlq's.
_ENTRY_NAME = re.compile(r"[\w.-]{1,40}-[0-9a-f]{16}")


def entries(root: Path | None = None) -> list[Path]:
    """The cache's entries: its folders named as :func:`entry_dir` names them. The cache may be
    any folder (``MLQ_CACHE_DIR``), holding what is not mlq's too."""
    folder = root or cache_root()
    return sorted(p for p in folder.iterdir() if p.is_dir() and _ENTRY_NAME.fullmatch(p.name)) if folder.is_dir() else []


def prune(root: Path | None = None) -> list[tuple[Path, str]]:
    """Remove the entries whose corpus folder no longer exists, or that cannot be read at all,
    and those a build left empty (holding no more than a lock, a listing and its counts);
    return each removed entry with its corpus folder (or the reason)."""
    removed = []
    for entry in entries(root):
        try:
            _, manifest = read_manifest(entry)
            corpus = manifest.root
            if Path(corpus).is_dir():
                continue
        except CacheMiss:
            if not _holds_only_mlqs(entry, built=False):
                continue  # another mlq version's entry, a build in progress, or not mlq's at all
            corpus = "empty entry"
        except CacheError as error:
            if not _holds_only_mlqs(entry, built=True):
                continue  # a folder named like an entry, holding what mlq never writes
            corpus = str(error)
        try:
            if not _removed(entry, blocking=False):
                continue  # a build holds it: a first build's entry is "empty" until it ends
        except OSError:
            continue
        removed.append((entry, corpus))
    return removed


def _holds_only_mlqs(entry: Path, built: bool) -> bool:
    """Whether ``entry`` holds nothing but what mlq writes there: a lock, a listing, a build's
    scratch folders, the temporary files of an atomic replacement and, if ``built``, the
    pointer to the live build and build folders. A folder of the cache that holds anything
    else is someone's own, whatever its name."""
    temporary = (f".{_POINTER}.", f".{_LISTING}.", _SCRATCH)
    for child in entry.iterdir():
        name = child.name
        if name in (_LOCK, _LISTING) or name.startswith(temporary):
            continue
        if built and (name == _POINTER or (_BUILD_NAME.fullmatch(name) and child.is_dir())):
            continue
        return False
    return True


def size_on_disk(path: Path) -> int:
    """Bytes under ``path``, counting a hard-linked file once."""
    seen: dict[tuple[int, int], int] = {}
    for p in path.rglob("*"):
        if p.is_file():
            stat = p.stat()
            seen[(stat.st_dev, stat.st_ino)] = stat.st_size
    return sum(seen.values())

# ---------------------------------------------------------------------------------------------
# Opening a corpus' index: from this cache when it is fresh, else built (again) and saved


@dataclass(frozen=True)
class BuildReport:
    """Why and how long the index was (re)built on opening."""

    reason: str
    seconds: float
    cached: bool
    #: How many files were analysed; the rest were taken over from the previous index.
    analysed_files: int


def open_index(
    root: Path,
    settings: IndexSettings,
    *,
    rebuild: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    warn: Warn | None = None,
    notice: Warn | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[CorpusIndex, BuildReport | None]:
    """The index of corpus folder ``root`` (checked) with ``settings``, and how it was built
    (None: loaded from the cache as it was).

    The cached index is loaded when it matches the corpus and the settings. Otherwise, under
    the entry's lock, the corpus is indexed again — only the files that changed, on ``jobs``
    processes — and the cache replaced. A process that finds another one building waits for
    it (``notice`` says so) and then uses its index. When the cache cannot be written, the
    index lives in memory for this run only, with a warning.

    ``meanwhile`` is work owed before the index is returned or built, which need not wait
    until it is known to be fresh: a search checks its query (a bad one must fail before any
    indexing) and so loads the dictionary. It is done once. A large corpus's files are
    statted partly by a forked process, and this one does that work first (see
    :func:`mlq.corpus.stat_many`), so that it costs no time of its own; otherwise it is done
    once the index is checked."""
    entry = entry_dir(root, selection=settings.selection)
    owed = [meanwhile] if meanwhile is not None else []

    def once() -> None:
        while owed:
            owed.pop()()

    checked = _Checked(None, None, "rebuild requested")
    if not rebuild:
        checked = _cached(entry, root, settings, warn, once)
    once()  # done already if a second process statted the files meanwhile
    if checked.fresh is not None:
        return checked.fresh, None
    waited = []

    def on_wait() -> None:
        waited.append(True)
        if notice:
            notice(WAITING)

    with contextlib.ExitStack() as held:
        try:
            held.enter_context(lock(entry, on_wait))
        except OSError as error:
            _cannot_write(warn, entry, error)
            return _build(root, settings, checked, jobs, progress, warn, entry=None)
        if waited and not rebuild:  # the other process has probably just built it
            checked = _cached(entry, root, settings, warn)
            if checked.fresh is not None:
                return checked.fresh, None
        return _build(root, settings, checked, jobs, progress, warn, entry=entry)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _Checked:
    """What :func:`_cached` found: the cached index if it is ``fresh``; the ``previous`` one to
    take unchanged files from, with its ``manifest``; why it is not fresh; and, for an edit,
    what changed (see :class:`mlq.freshness.Staleness`)."""

    fresh: CorpusIndex | None
    previous: CorpusIndex | None
    reason: str
    manifest: Manifest | None = None
    edit: Edit | None = None


def _cached(entry: Path, root: Path, settings: IndexSettings, warn: Warn | None, meanwhile: Callable[[], object] | None = None) -> _Checked:
    try:
        index, manifest = load(entry, settings)
    except CacheMiss as miss:
        return _Checked(None, None, str(miss))
    except CacheError as error:
        if warn:
            warn(f"{error}; rebuilding")
        return _Checked(None, None, "damaged cache entry")  # what is wrong with it, the warning said
    found = staleness(manifest, root, settings.selection, read_listing(entry, manifest), meanwhile)
    if found.touched is not None or found.listing is not None:
        _record(entry, manifest, found.touched, found.listing)
    return _Checked(None if found.reason else index, index, found.reason or "", manifest, found.edit)


def _record(entry: Path, manifest: Manifest, files: Sequence[SourceFile] | None, listing: dict[str, Any] | None) -> None:
    """Note new file times in the cache, so the touched files are not hashed on every run, and
    a new listing of the folders, so they are not all listed on every run. Best effort:
    skipped when another process holds the lock or the cache is read-only."""
    try:
        with lock(entry, blocking=False) as held:
            if held and files is not None:
                manifest = refresh(entry, files)
            if held and listing is not None:
                write_listing(entry, manifest, listing)
    except (OSError, CacheError):
        pass


#: An index of fewer passages is built again whole on an edit: that takes little longer, and
#: it stays one index, read without numpy (see :data:`PLAIN_MAX_PASSAGES`).
SEGMENT_MIN_PASSAGES = 20_000
#: Segments are merged in tiers: past this many, those after the first (each an edit's) are
#: merged into one...
MAX_SEGMENTS = 8
#: ... and once they hold more than this share of the documents, or an edit analyses more
#: than this share of the files, a build merges everything into one index again.
MERGE_SHARE = 0.125
#: Those are the limits a build keeps to itself, merging before it answers. After a command
#: has answered, a process of its own merges at this fraction of them (see :func:`merge_due`),
#: so that, where it can run, an edit's search seldom waits for a merge.
EARLY = 0.5


def _edit(
    root: Path,
    previous: CorpusIndex,
    entry: Path,
    progress: Progress | None,
    warn: Warn | None,
    jobs: int | None,
    scratch: Path | None,
    times: dict[str, int],
    edit: Edit | None,
) -> CorpusIndex | None:
    """The corpus's index as ``previous`` with a new segment for the files that changed (see
    :mod:`mlq.segments`; past :data:`MAX_SEGMENTS`, the small ones merged), or None where a
    build should merge everything instead: a small index, too much in its small segments, a
    change a segment cannot hold, or a live build that is no longer the one ``previous`` was
    read from. With ``edit`` (what the check for staleness found changed), the corpus is not
    walked again, and the folders' times it checked go into ``times``."""
    if len(previous.passages) < SEGMENT_MIN_PASSAGES:
        return None
    if previous.segments and sum(s.live for s in previous.segments[1:]) > MERGE_SHARE * len(previous.documents):
        return None
    if _read_pointer(entry) != previous.build:
        return None
    most = max(1, int(MERGE_SHARE * len(previous.files)))
    if edit is None:
        found = build_delta(root, previous, most, progress, warn, jobs, scratch, times)
    else:
        found = build_delta(root, previous, most, progress, warn, jobs, scratch, times, edit.paths, edit.added, edit.removed)
    if not isinstance(found, Delta):
        return found
    if edit is not None:
        times.update(edit.folders)
    index = _segments.applied(previous, found, _segment_name())
    if index is not None and len(index.segments) > MAX_SEGMENTS:
        index = _segments.merged_tail(index, _segment_name())
    return index


def merge_due(index: CorpusIndex) -> str | None:
    """The merge the tiered policy asks of ``index`` once a command has answered: ``"all"``
    segments into one index, where the index is small enough to be read without numpy when
    whole (see :data:`PLAIN_MAX_PASSAGES`; in segments it is read with numpy, and the edit that
    made them was worth its speed once) or its small segments hold :data:`EARLY` ×
    :data:`MERGE_SHARE` of the documents; ``"small"`` segments (those after the first) into
    one, past :data:`EARLY` × :data:`MAX_SEGMENTS` of them; None while neither holds."""
    if not index.segments:
        return None
    if len(index.passages) <= PLAIN_MAX_PASSAGES:
        return "all"
    if sum(s.live for s in index.segments[1:]) > EARLY * MERGE_SHARE * len(index.documents):
        return "all"
    if len(index.segments) > max(2, int(EARLY * MAX_SEGMENTS)):
        return "small"
    return None


def merge(entry: Path, settings: IndexSettings) -> str | None:
    """Merge the segments of ``entry``'s live build as :func:`merge_due` asks, and make that the
    live build, with the listing recorded for the build it replaces (so the next search lists no
    folder): the same hits and scores, read faster. The merge made (``"all"`` or ``"small"``),
    or None, doing nothing, when none is due or another mlq holds the lock (it is building: what
    it publishes stands). Changes to the corpus since the live build are for the next search to
    find, as without a merge."""
    with lock(entry, blocking=False) as held:
        if not held:
            return None
        index, manifest = load(entry, settings)
        due = merge_due(index)
        if due is None:
            return None
        listing = read_listing(entry, manifest)
        started = time.perf_counter()
        if due == "all":
            published = save(entry, _segments.merged(index), time.perf_counter() - started)
        else:
            tail = _segments.merged_tail(index, _segment_name())
            published = save_segments(entry, tail, time.perf_counter() - started, (entry / index.build, manifest))
        if listing:
            write_listing(entry, published, listing)
    return due


def merge_later(index: CorpusIndex) -> bool:
    """Merge the segments of ``index``'s cache entry (see :func:`merge`) in a process of its own
    that outlives this one, when the policy asks for a merge (see :func:`merge_due`). Call it
    when the answer has been written: the child lets go of the terminal and pipes at once, so
    ``mlq search … | head`` ends when the search does. Where there is no ``fork``, the segments
    wait for a later build, which merges at the limits themselves."""
    if merge_due(index) is None or not hasattr(os, "fork"):
        return False
    entry = entry_dir(Path(index.root), selection=index.settings.selection)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    if os.fork():
        return True
    try:  # the child: nothing it does may reach the user, and it must never return
        os.setsid()
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        merge(entry, index.settings)
    finally:
        os._exit(0)


def _segment_name() -> str:
    return f"s-{uuid.uuid4().hex[:12]}/"


def _build(
    root: Path,
    settings: IndexSettings,
    checked: _Checked,
    jobs: int | None,
    progress: Progress | None,
    warn: Warn | None,
    entry: Path | None,
) -> tuple[CorpusIndex, BuildReport]:
    """Build the index and save it in ``entry`` (if given). A disk that fills up under the
    build (what waits in its scratch folder) leaves it to build again in memory, as where the
    cache cannot be written at all: the live build stays as it was, and the search is
    answered."""
    started = time.perf_counter()
    previous = checked.previous
    folder = _identity_of(root)
    listing = listing_started(root)  # filled by the build's own walk, before it reads a file
    try:
        with _scratch(entry) as scratch:
            try:
                index = None
                if previous is not None and entry is not None:
                    index = _edit(root, previous, entry, progress, warn, jobs, scratch, listing["folders"], checked.edit)
                if index is None:
                    index = build_index(root, settings, progress, warn, previous=previous, jobs=jobs, scratch=scratch, folder_times=listing["folders"])
            except CacheError as error:  # the previous index turned out damaged while reused
                if warn:
                    warn(f"{error}; rebuilding from scratch")
                listing = listing_started(root)
                index = build_index(root, settings, progress, warn, jobs=jobs, scratch=scratch, folder_times=listing["folders"])
            seconds = time.perf_counter() - started
            if _identity_of(root) != folder:  # its files went missing one by one: no index of it
                raise MlqError(f"the corpus folder {root} was moved or removed while indexing; the index is as it was")
            # Saved while the scratch folder is there: its finished fields are linked.
            cached = entry is not None and _saved(entry, root, index, seconds, checked, listing, warn)
    except OSError as error:
        if entry is None or error.errno not in _NO_ROOM:
            raise
        _cannot_write(warn, entry, error)
        return _build(root, settings, checked, jobs, progress, warn, entry=None)
    return index, BuildReport(checked.reason, seconds, cached, index.analysed_files)


def _identity_of(folder: Path) -> tuple[int, int] | None:
    """Which folder ``folder`` names now (None: none), to tell it moved or was replaced."""
    try:
        found = os.stat(folder)
    except OSError:
        return None
    return found.st_dev, found.st_ino


#: What the system says when a disk, a quota or a file size limit is reached.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _saved(entry: Path, root: Path, index: CorpusIndex, seconds: float, checked: _Checked, listing: dict[str, Any], warn: Warn | None) -> bool:
    """Save a new ``index`` of ``root`` as ``entry``'s live build — only its listing, if it holds the
    files of the previous one unchanged — or warn that it cannot. Whether it was saved."""
    previous = checked.previous
    # Every file was read after the build's listing started.
    index = dataclasses.replace(index, files=as_recorded(index.files, listing["trusted_before"]))
    try:
        if previous is not None and index.bm25 is previous.bm25:
            manifest = refresh(entry, index.files)
        elif index.segments:
            live = (entry / previous.build, checked.manifest) if previous is not None and checked.manifest is not None else None
            manifest = save_segments(entry, index, seconds, live)
        else:
            manifest = save(entry, index, seconds)
    except OSError as error:
        _cannot_write(warn, entry, error)
        return False
    with contextlib.suppress(OSError):  # without it, the next check lists every folder
        write_listing(entry, manifest, settled(root, index.settings.selection, manifest, listing))
    return True


@contextlib.contextmanager
def _scratch(entry: Path | None) -> Iterator[Path | None]:
    """A folder in ``entry`` for a build's term counts to wait in (see :class:`mlq.bm25.Gathered`),
    removed afterwards, with any a killed build left (the caller holds the lock); None where
    there is no entry or it cannot be written."""
    if entry is None:
        yield None
        return
    try:
        for stale in entry.glob(f"{_SCRATCH}*"):
            shutil.rmtree(stale, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(prefix=_SCRATCH, dir=entry))
        mark = folder / "made"
        mark.touch()
    except OSError:
        yield None
        return
    try:
        yield folder
    except OSError as error:
        if mark.exists():  # (a build makes the folders it writes in again: the mark says whose)
            raise
        # What the build put aside there is gone: it cannot be finished (nor saved).
        raise MlqError(f"the cache folder {entry} was removed while indexing; run mlq again") from error
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_SCRATCH = ".counts-"


def _cannot_write(warn: Warn | None, entry: Path, error: OSError) -> None:
    if warn:
        warn(f"cannot write the index cache in {entry.parent} ({error.strerror or error}); keeping it in memory")


# ---------------------------------------------------------------------------------------------
# Looking after a corpus' cached index (`mlq index --status/--verify/--clear`, completion)


@dataclass(frozen=True)
class Status:
    """What the cache holds for a corpus: ``state`` is ``none`` (no index yet), ``damaged``
    (``problem`` says how), ``stale`` (``problem`` says what changed) or ``fresh``."""

    corpus: Path
    entry: Path
    state: str
    problem: str = ""
    size: int = 0
    built_at: float = 0.0
    build_seconds: float = 0.0
    counts: dict[str, int] = dataclasses.field(default_factory=dict)


def status(root: Path, settings: IndexSettings) -> Status:
    """The state of corpus ``root``'s cached index, without building or changing anything."""
    entry = entry_dir(root, selection=settings.selection)
    try:
        build, manifest = read_manifest(entry)
        _check_sizes(build, manifest)
    except CacheMiss:
        return Status(root, entry, "none")
    except CacheError as error:
        return Status(root, entry, "damaged", str(error))
    except (OSError, ValueError) as error:
        return Status(root, entry, "damaged", f"damaged cache entry ({error})")
    reason = staleness(manifest, root, settings.selection).reason
    return Status(
        root, entry, "fresh" if reason is None else "stale", reason or "", size_on_disk(entry), manifest.built_at, manifest.build_seconds, manifest.counts
    )


def verify_index(root: Path, settings: IndexSettings) -> tuple[Path, list[str]]:
    """Corpus ``root``'s cache entry and every problem with its files (see :func:`verify`); an
    error if there is no index to check."""
    entry = entry_dir(root, selection=settings.selection)
    try:
        return entry, verify(entry)
    except CacheError as error:
        raise MlqError(f"{entry}: {error}") from None


def clear_index(root: Path, settings: IndexSettings, on_wait: Callable[[], None] | None = None) -> tuple[Path, bool]:
    """Remove corpus ``root``'s cache entry: the entry, and whether there was one."""
    entry = entry_dir(root, selection=settings.selection)
    return entry, clear(entry, on_wait)


def cached_index(root: Path, settings: IndexSettings) -> CorpusIndex | None:
    """Corpus ``root``'s index as cached, fresh or not, or None if there is none readable: for
    what must never wait for indexing (shell completion)."""
    try:
        return load(entry_dir(root, selection=settings.selection), settings)[0]
    except (CacheError, OSError, ValueError):
        return None
