"""Whether a corpus is as its index recorded it, and if not, what changed — checked on every run.

The files' sizes and modification times are compared with those recorded, and a file is hashed
only when they differ: an unchanged corpus costs one ``stat`` a file and a folder (shared with a
second process on a large corpus: see :func:`mlq.corpus.stat_many`). A listing of the corpus's
folders, recorded with the index (see :func:`listing_started`), says that no file was added,
removed or renamed while no folder's time has moved; a folder whose time moved is listed again,
and only it. What changed is handed to the build that follows (see :class:`Edit`), which need not
look again.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from .corpus import IGNORE_FILE, FileTable, LinkMet, Selection, SourceFile, listing_unchanged, sha256, stat_many, stat_of, walk

if TYPE_CHECKING:
    from .cache import Manifest


#: A folder modified this close (ns) to when it was listed, or a file to when it was read, may
#: change again within the same tick of a coarse clock (FAT's is two seconds; ext3's, HFS+'s
#: and an ext4 of small inodes' one) without its time showing it.
_RACY_NS = 2_000_000_000
#: The time a record of a file gets when its own cannot be trusted (see :func:`as_recorded`).
_UNTRUSTED = -1


def trusted_before() -> int:
    """The time (ns) before which a file's or folder's time, met from now on, can be trusted
    to show any later change."""
    return time.time_ns() - _RACY_NS


def as_recorded(files: Sequence[SourceFile], limit: int) -> Sequence[SourceFile]:
    """``files``, read after :func:`trusted_before` gave ``limit``, as a record that later
    checks may trust: a file modified after it (in the same tick of a coarse clock as the read)
    can be changed again without its size or time showing it — "racily clean", as git says —
    so its record gets a time no file has, and the next check hashes it rather than trusting
    its size and time (and records it again, trusted once its time is old enough)."""
    table = FileTable.of(files)
    if all(mtime < limit for mtime in table.mtimes):
        return files
    return FileTable(table.paths, table.sizes, [mtime if mtime < limit else _UNTRUSTED for mtime in table.mtimes], table.hashes)


def listing_started(corpus_root: Path) -> dict[str, Any]:
    """A listing of the corpus's folders about to be taken: the ignore file's size and time now,
    and ``folders`` for a walk to fill with each folder's time as it lists it (see
    :func:`mlq.corpus.walk`). Taken by a build's walk, it lets a later check see that no file
    was added, removed or renamed without listing any folder (see :func:`staleness`)."""
    return {"trusted_before": trusted_before(), "folders": {}, "ignore": _ignore_state(corpus_root)}


def _ignore_state(corpus_root: Path) -> list[int] | None:
    """The ignore file's size and time, or None if there is none."""
    try:
        stat = os.stat(corpus_root / IGNORE_FILE)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _listing_holds(corpus_root: Path, listing: dict[str, Any], times: Sequence[int]) -> bool:
    """Whether ``listing`` is still the corpus's, folder for folder (see
    :func:`mlq.corpus.listing_unchanged`; ``times``: its folders' times now), and the ignore
    file as it was."""
    if not listing or not listing.get("folders") or not _ignore_holds(corpus_root, listing):
        return False
    return listing_unchanged(listing["folders"], listing["trusted_before"], times)


def _ignore_holds(corpus_root: Path, listing: dict[str, Any]) -> bool:
    """Whether the ignore file is as ``listing`` recorded it, and was then old enough for its
    time to be trusted."""
    ignore = listing["ignore"]
    return _ignore_state(corpus_root) == ignore and (ignore is None or ignore[1] < listing["trusted_before"])


@dataclass(frozen=True)
class Edit:
    """What changed in the corpus's files, as the check for staleness saw it: the relative
    ``paths`` of those whose content changed, those ``added`` and those ``removed``; and the
    ``folders``' times as checked (see :func:`listing_started`), to be recorded with the
    edit's build."""

    paths: frozenset[str]
    folders: dict[str, int]
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Staleness:
    """What :func:`staleness` found: why the index is stale (None if it is not); when files
    were only touched — new times, same content — the corpus as it now is; a new listing of its
    folders worth recording, when the recorded one could not be used; and what changed (an
    edit need not look again)."""

    reason: str | None
    touched: Sequence[SourceFile] | None = None
    listing: dict[str, Any] | None = None
    edit: Edit | None = None


def staleness(
    manifest: Manifest,
    corpus_root: Path,
    selection: Selection = Selection(),
    recorded: dict[str, Any] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Staleness:
    """What changed in the corpus since the index in ``manifest`` was built.

    Size and modification time are compared first; a file is hashed only when they differ,
    so an unchanged corpus costs one ``stat`` per file. While the folders are as recorded (no
    entry added, removed or renamed in any), only the recorded files are looked at; otherwise
    only the folders whose time moved are listed, and every folder when that cannot be
    trusted. ``recorded`` is the listing recorded for this build, if any (see
    :func:`mlq.cache.read_listing`); ``meanwhile``, work to do while another process stats them, if one
    does (see :func:`stat_many`). Files hashed are recorded as :func:`as_recorded` says."""
    limit = trusted_before()  # every file this check hashes is read after it
    if recorded and recorded.get("folders"):
        # The recorded folders and files statted at once (a large corpus shares them with a
        # second process: see stat_many); the files' figures count only if the folders hold.
        prefix = str(corpus_root) + os.sep
        folders, files = recorded["folders"], FileTable.of(manifest.files)
        paths = files.paths
        sizes, times = stat_many([*(prefix + relative if relative else str(corpus_root) for relative in folders), *(prefix + r for r in paths)], meanwhile)
        if _listing_holds(corpus_root, recorded, times[: len(folders)]):
            file_sizes, file_times = sizes[len(folders) :], times[len(folders) :]
            if file_sizes.tolist() == list(files.sizes) and file_times.tolist() == list(files.mtimes):
                return Staleness(None)  # every file as recorded: compared at C speed, not file by file
            # The same files as recorded: only those whose size or time moved are looked at.
            figures = zip(file_sizes, file_times, files.sizes, files.mtimes)
            moved = [k for k, (size, mtime, was, was_mtime) in enumerate(figures) if size != was or mtime != was_mtime]
            met = ((paths[k], prefix + paths[k], (file_sizes[k], file_times[k])) for k in moved)
            return _compared(manifest, met, folders, limit, {paths[k]: k for k in moved})
        if _ignore_holds(corpus_root, recorded):
            found = _relisted(manifest, corpus_root, selection, recorded, sizes[len(folders) :], times, limit)
            if found is not None:
                return found
    listing = listing_started(corpus_root)
    walked = ((relative, entry.path, stat_of(entry.path)) for relative, entry in walk(corpus_root, selection, listing["folders"]))
    found = _compared(manifest, walked, listing["folders"], limit)  # filled as the walk goes: the dict is read after it
    return dataclasses.replace(found, listing=listing if found.reason is None else None)


def _relisted(
    manifest: Manifest, corpus_root: Path, selection: Selection, recorded: dict[str, Any], sizes: Sequence[int], times: Sequence[int], limit: int
) -> Staleness | None:
    """:func:`staleness` when the ``recorded`` listing no longer holds but the ignore file is
    as it was: the folders whose time moved (or that were listed too soon after a change to
    trust their time) are listed again, with the new folders in them; the files of every other
    folder are the recorded ones, whose ``sizes`` and ``times`` (after the folders') were just
    taken. Adding a note to a corpus of 78k files lists one folder, not 64k. None when a
    folder listed holds a new symbolic link to a folder: then every folder is."""
    folders, trusted = recorded["folders"], recorded["trusted_before"]
    moved = [relative for relative, then, now in zip(folders, folders.values(), times) if now != then or then >= trusted]
    relisted = set(moved)
    listing = listing_started(corpus_root)
    kept = {relative: then for relative, then in folders.items() if relative not in relisted}  # the walk adds what it lists
    try:
        found = [(relative, entry.path) for relative, entry in walk(corpus_root, selection, kept, moved, folders)]
    except LinkMet:
        return None
    prefix = str(corpus_root) + os.sep
    files = FileTable.of(manifest.files)
    met = [
        (relative, prefix + relative, (size, mtime))
        for relative, size, mtime in zip(files.paths, sizes, times[len(folders) :])
        if relative.rpartition("/")[0] not in relisted
    ]
    met += [(relative, path, stat_of(path)) for relative, path in found]
    listing["folders"] = kept
    result = _compared(manifest, iter(met), kept, limit)
    return dataclasses.replace(result, listing=listing if result.reason is None else None)


def _compared(
    manifest: Manifest, met: Iterator[tuple[str, str, tuple[int, int]]], folders: dict[str, int], limit: int, rows: dict[str, int] | None = None
) -> Staleness:
    """:func:`staleness` over the files ``met`` (relative path, path, size and time now), all
    that the corpus holds, in folders whose times are ``folders``; or, given their ``rows`` in
    the record, only those of the recorded files, every other one being as recorded. A file
    hashed here is recorded as :func:`as_recorded` has it, with ``limit``: one recorded as
    untrusted, still too new to trust, adds nothing to record."""
    files = FileTable.of(manifest.files)
    unseen = dict(zip(files.paths, range(len(files)))) if rows is None else dict(rows)  # those not met yet
    sizes, mtimes = files.sizes, files.mtimes
    added, changed, touched = [], [], {}
    for relative, path, (size, mtime) in met:  # compared as met: no list of them all
        i = unseen.pop(relative, None)
        if i is None:
            added.append(relative)
            continue
        if size == sizes[i] and mtime == mtimes[i]:
            continue  # most files, most of the time: no record made
        now = _now(path, files[i], None if size < 0 else (size, mtime))
        if now is None:
            changed.append(relative)
            continue
        (now,) = as_recorded([now], limit)
        if now != files[i]:
            touched[relative] = now
    if added or unseen or changed:
        edit = Edit(frozenset(changed), folders, frozenset(added), frozenset(unseen))
        return Staleness(f"+{len(added)} ~{len(changed)} -{len(unseen)} files", edit=edit)
    if touched:
        return Staleness(None, files.replaced(files.paths, [-1 if path in touched else k for k, path in enumerate(files.paths)], touched))
    return Staleness(None)


def _now(path: str, recorded: SourceFile, stat: tuple[int, int] | None) -> SourceFile | None:
    """The file as it is now, its size and time ``stat`` (None if it could not be statted) not
    the recorded ones, if its content is still what was recorded (only touched), else None."""
    unreadable = recorded if recorded.size == -1 else None  # as it was, if it was unreadable then
    if stat is None:
        return unreadable
    try:
        digest = sha256(Path(path).read_bytes())
    except OSError:
        return unreadable
    if digest != recorded.sha256:
        return None
    return SourceFile(recorded.path, *stat, digest)


def settled(root: Path, selection: Selection, manifest: Manifest, listing: dict[str, Any]) -> dict[str, Any]:
    """A build's ``listing``, or, when it listed folders too soon after they changed to trust
    their times and the clock has since moved on, a listing that can be trusted: those folders
    listed again (see :func:`staleness`), if nothing changed meanwhile. A corpus made and
    indexed at once (a clone, a script, bench/speed.py's copies) then costs its first search
    no listing of every folder: at 78k files that took 5–60 s."""
    newest, trusted, ignore = max(listing["folders"].values(), default=0), listing["trusted_before"], listing["ignore"]
    if newest < trusted or time.time_ns() - _RACY_NS <= newest or (ignore is not None and ignore[1] >= trusted):
        return listing
    found = staleness(manifest, root, selection, listing)
    return found.listing if found.reason is None and found.listing is not None else listing
