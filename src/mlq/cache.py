"""The on-disk cache: one entry per corpus folder, saved once, loaded on every later run.

An entry holds one or more build folders and a ``current`` file naming the live one. A build
is written into a fresh folder and made live by atomically replacing ``current``, so a reader
sees the old index or the new one, never a mix. Everything is JSON or ``.npy`` read with
``allow_pickle=False``: a cache folder must never be a way to run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable

import numpy as np

from .bm25 import FieldIndex, Index, Vocabulary
from .corpus import Document, SourceFile, corpus_files, sha256
from .index import CorpusIndex, IndexSettings, PassageTable

#: Bump when the layout or meaning of the files changes; older entries are then rebuilt.
FORMAT_VERSION = 2

_POINTER = "current"
_MANIFEST = "manifest.json"
_DOCUMENTS = "documents.json"
_BUILD_NAME = re.compile(r"build-[0-9a-f]{12}")


def cache_root() -> Path:
    """``$MLQ_CACHE_DIR``, else ``$XDG_CACHE_HOME/mlq``, else ``~/.cache/mlq``."""
    if os.environ.get("MLQ_CACHE_DIR"):
        return Path(os.environ["MLQ_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "mlq"


def entry_dir(corpus_root: Path, root: Path | None = None) -> Path:
    """The entry of a corpus folder (by absolute path): readable name, collision-free hash."""
    key = hashlib.sha256(str(corpus_root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    slug = re.sub(r"[^\w.-]+", "_", corpus_root.name)[:40] or "root"
    return (root or cache_root()) / f"{slug}-{key}"


@dataclass(frozen=True)
class Manifest:
    """What a build folder holds and what it was built from."""

    format: int
    fingerprint: dict[str, Any]
    root: str
    built_at: float
    build_seconds: float
    files: list[SourceFile]
    counts: dict[str, int]
    #: dtype and shape of every array, checked against each array's header on load.
    arrays: dict[str, list[Any]]

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["files"] = [[f.path, f.size, f.mtime_ns, f.sha256] for f in self.files]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        files = [SourceFile(*row) for row in data["files"]]
        return cls(**{**data, "files": files})


class CacheError(Exception):
    """A cache entry that cannot be used: missing, stale, foreign or damaged. Never fatal:
    the index is rebuilt."""


class CacheMiss(CacheError):
    """No usable entry for an ordinary reason, not worth a warning: a first run, or an entry
    written by another version of mlq."""


def fingerprint(settings: IndexSettings) -> dict[str, Any]:
    # Through JSON so that tuples compare equal to the lists read back.
    return json.loads(json.dumps({"format": FORMAT_VERSION, **settings.fingerprint()}))


def read_manifest(entry: Path) -> tuple[Path, Manifest]:
    """The live build folder of ``entry`` and its manifest."""
    try:
        name = (entry / _POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise CacheMiss("no cached index") from None
    except (OSError, ValueError) as error:
        raise CacheError(f"unreadable cache entry ({error})") from None
    if not _BUILD_NAME.fullmatch(name):
        raise CacheError(f"unreadable cache entry (bad build name {name[:40]!r})")
    build = entry / name
    try:
        data = json.loads((build / _MANIFEST).read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("format") != FORMAT_VERSION:
            raise CacheMiss(f"index format {data.get('format')}, this mlq writes {FORMAT_VERSION}")
        manifest = Manifest.from_json(data)
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise CacheError(f"unreadable cache entry ({error})") from None
    return build, manifest


def staleness(manifest: Manifest, corpus_root: Path, settings: IndexSettings) -> str | None:
    """Why the index in ``manifest`` no longer matches the corpus, or ``None`` if it does.

    Size and modification time are compared first; a file is hashed only when they differ,
    so an unchanged corpus costs one ``stat`` per file."""
    if manifest.fingerprint != fingerprint(settings):
        return "analyzer settings, index format or dictionary changed"
    recorded = {f.path: f for f in manifest.files}
    current = {path.relative_to(corpus_root).as_posix(): path for path in corpus_files(corpus_root)}
    added = current.keys() - recorded.keys()
    removed = recorded.keys() - current.keys()
    changed = [rel for rel in current.keys() & recorded.keys() if _changed(current[rel], recorded[rel])]
    if added or removed or changed:
        return f"+{len(added)} ~{len(changed)} -{len(removed)} files"
    return None


def _changed(path: Path, recorded: SourceFile) -> bool:
    try:
        stat = path.stat()
        if stat.st_size == recorded.size and stat.st_mtime_ns == recorded.mtime_ns:
            return False
        return sha256(path.read_bytes()) != recorded.sha256
    except OSError:
        return recorded.size != -1


def load(entry: Path, settings: IndexSettings) -> CorpusIndex:
    """The cached index in ``entry``, without checking it against the corpus. Arrays are
    memory-mapped: loading reads headers, not postings."""
    build, manifest = read_manifest(entry)
    try:
        documents = tuple(Document(**d) for d in json.loads((build / _DOCUMENTS).read_text(encoding="utf-8")))
        arrays = {name: _load_array(build, name, manifest.arrays.get(name)) for name in _array_names(settings)}
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise CacheError(f"damaged cache entry ({error})") from None
    passages = PassageTable(**{column: arrays[f"passages.{column}"] for column in _PASSAGE_COLUMNS})
    if len(passages) != manifest.counts["passages"] or len(documents) != manifest.counts["documents"]:
        raise CacheError("damaged cache entry (counts differ from the manifest)")
    fields = {
        name: FieldIndex(
            Vocabulary(arrays[f"{name}.vocab"], arrays[f"{name}.vocab_offsets"]),
            arrays[f"{name}.indptr"],
            arrays[f"{name}.postings"],
            arrays[f"{name}.scores"],
        )
        for name, _ in settings.weights
    }
    bm25 = Index(fields, dict(settings.weights), len(passages))
    return CorpusIndex(manifest.root, documents, tuple(manifest.files), passages, bm25, settings)


_PASSAGE_COLUMNS = tuple(f.name for f in dataclasses.fields(PassageTable))
_FIELD_ARRAYS = ("vocab", "vocab_offsets", "indptr", "postings", "scores")


def _array_names(settings: IndexSettings) -> list[str]:
    names = [f"passages.{column}" for column in _PASSAGE_COLUMNS]
    return names + [f"{field}.{part}" for field, _ in settings.weights for part in _FIELD_ARRAYS]


def _arrays_of(index: CorpusIndex) -> dict[str, np.ndarray]:
    arrays = {f"passages.{column}": getattr(index.passages, column) for column in _PASSAGE_COLUMNS}
    for name, field in index.bm25.fields.items():
        parts = (field.vocabulary.blob, field.vocabulary.offsets, field.indptr, field.postings, field.scores)
        arrays.update({f"{name}.{part}": array for part, array in zip(_FIELD_ARRAYS, parts)})
    return arrays


def _load_array(build: Path, name: str, expected: list | None) -> np.ndarray:
    """Memory-map one array, refusing it unless its header says what the manifest recorded."""
    array = np.load(build / f"{name}.npy", mmap_mode="r", allow_pickle=False)
    if expected is None or [array.dtype.str, list(array.shape)] != expected:
        raise ValueError(f"{name}.npy is not the array the manifest describes")
    return array


def save(entry: Path, index: CorpusIndex, build_seconds: float) -> None:
    """Write ``index`` as a new build folder of ``entry`` and make it the live one."""
    entry.mkdir(parents=True, exist_ok=True)
    build = entry / f"build-{uuid.uuid4().hex[:12]}"
    build.mkdir()
    try:
        arrays = {name: np.ascontiguousarray(array) for name, array in _arrays_of(index).items()}
        for name, array in arrays.items():
            _write(build / f"{name}.npy", lambda out, a=array: np.save(out, a, allow_pickle=False))
        documents = [dataclasses.asdict(d) for d in index.documents]
        _write(build / _DOCUMENTS, lambda out: out.write(_json_bytes(documents)))
        manifest = Manifest(
            format=FORMAT_VERSION,
            fingerprint=fingerprint(index.settings),
            root=index.root,
            built_at=time.time(),
            build_seconds=round(build_seconds, 3),
            files=list(index.files),
            counts={
                "documents": len(index.documents),
                "passages": len(index.passages),
                "terms": index.term_count,
            },
            arrays={name: [array.dtype.str, list(array.shape)] for name, array in arrays.items()},
        )
        _write(build / _MANIFEST, lambda out: out.write(_json_bytes(manifest.to_json())))
        _replace_text(entry / _POINTER, build.name)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    for old in entry.glob("build-*"):
        if old != build:
            shutil.rmtree(old, ignore_errors=True)


def _json_bytes(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a new file and make sure it is on disk before the pointer can name its folder."""
    with open(path, "xb") as out:
        write(out)
        out.flush()
        os.fsync(out.fileno())


def _replace_text(path: Path, text: str) -> None:
    """Replace ``path`` atomically: write a temporary file beside it, then rename over it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
