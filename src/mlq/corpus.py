"""Files → documents: find the essays in a folder and read each into a :class:`Document`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import yaml

from .errors import MlqError

SUFFIXES = (".md", ".txt")

Warn = Callable[[str], None]

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_ATX_HEADING = re.compile(r"^[ ]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


@dataclass(frozen=True)
class Document:
    """One essay. ``text`` is the whole file as mlq reads it (BOM dropped, line ends as ``\\n``);
    the body, which is what gets indexed, starts at ``body_start`` after any front matter.
    Passage offsets are offsets into ``text``, so they also give line numbers in the file."""

    doc_id: str
    path: str
    title: str
    text: str
    body_start: int = 0
    metadata: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def body(self) -> str:
        return self.text[self.body_start :]


def corpus_files(root: Path) -> list[Path]:
    """Every ``*.md`` and ``*.txt`` file under ``root``, recursively, sorted by relative path.

    Hidden files and folders (``.git``, ``.obsidian``…) are skipped: they hold tool state,
    not essays.
    """
    found: list[Path] = []
    for folder, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and name.lower().endswith(SUFFIXES):
                found.append(Path(folder, name))
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def doc_id_for(path: Path, root: Path) -> str:
    """The path relative to the corpus folder, without its extension, with ``/`` separators."""
    return path.relative_to(root).with_suffix("").as_posix()


def decode(raw: bytes) -> str:
    """UTF-8 with or without a BOM; CRLF and lone CR become ``\\n``."""
    text = raw.decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_document(doc_id: str, path: Path, text: str, warn: Warn | None = None) -> Document:
    """Split off a YAML front matter block and work out the title."""
    metadata: dict[str, str] = {}
    body_start = 0
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1) or "")
        except yaml.YAMLError as error:
            loaded = None
            if warn:
                reason = str(error).splitlines()[0]
                warn(f"{path}: front matter is not valid YAML ({reason}); ignoring it")
        if isinstance(loaded, dict):
            metadata = {str(k): _scalar(v) for k, v in loaded.items() if v is not None}
        body_start = match.end()
    title = metadata.get("title") or _title_from_body(text[body_start:]) or doc_id
    return Document(doc_id, str(path), title, text, body_start, metadata)


def _scalar(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _title_from_body(body: str) -> str:
    heading = _ATX_HEADING.search(body)
    if heading:
        return heading.group(1).strip()
    for line in body.splitlines():
        if line.strip():
            return line.strip()
    return ""


def read_document(path: Path, root: Path, warn: Warn | None = None) -> Document:
    """Read one file; raises :class:`MlqError` when it is not UTF-8 text."""
    try:
        text = decode(path.read_bytes())
    except UnicodeDecodeError as error:
        raise MlqError(f"{path}: not UTF-8 text (byte {error.start})") from None
    return parse_document(doc_id_for(path, root), path, text, warn)


def load_corpus(root: Path, warn: Warn | None = None) -> list[Document]:
    """All documents under ``root`` in a stable order. Unreadable files are skipped with a
    warning rather than stopping the whole corpus."""
    root = check_corpus_dir(root)
    return list(iter_documents(root, corpus_files(root), warn))


def iter_documents(root: Path, paths: list[Path], warn: Warn | None = None) -> Iterator[Document]:
    seen: dict[str, Path] = {}
    for path in paths:
        doc_id = doc_id_for(path, root)
        if doc_id in seen:
            if warn:
                warn(f"{path}: same document id as {seen[doc_id]}; skipping it")
            continue
        try:
            document = read_document(path, root, warn)
        except (MlqError, OSError) as error:
            if warn:
                warn(str(error) if isinstance(error, MlqError) else f"{path}: {error.strerror}")
            continue
        seen[doc_id] = path
        yield document


def check_corpus_dir(root: Path) -> Path:
    """The folder, resolved, or a one-line error saying what is wrong with it."""
    if not root.exists():
        raise MlqError(f"corpus folder not found: {root}")
    if not root.is_dir():
        raise MlqError(f"corpus is not a folder: {root}")
    return root.resolve()
