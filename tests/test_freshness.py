"""Seeing every change without listing every folder: while no folder's time has moved, a search
stats only the files the index recorded; anything else lists the folders as before. Each case
is a real edit of real files, and the search that follows must answer as a fresh build does."""

from __future__ import annotations

import base64
import json
import os
import zlib
import time
from pathlib import Path

import pytest
from conftest import aged, split_essays

from mlq import cache, freshness, open_corpus
from mlq.errors import MlqError
from mlq import corpus as corpus_module
from mlq import index as index_module
from mlq.corpus import corpus_files


def _aged(root: Path) -> None:
    """Every folder's (and the ignore file's) time ten seconds back: older than a coarse
    clock's tick, so that a listing recorded now can be trusted."""
    past = time.time_ns() - 10_000_000_000
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(folder, ns=(past, past))
    if (root / ".mlqignore").exists():
        os.utime(root / ".mlqignore", ns=(past, past))


@pytest.fixture(params=["one process", "stats shared"])
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> tuple[Path, list[bool]]:
    """A corpus of 60 files in subfolders, indexed, with its folders aged; and the record of
    each freshness check: True where the recorded listing held (no folder was listed). Each
    test runs twice: statting every file in this process, and sharing the stats with a forked
    one as a large corpus does (see :func:`mlq.corpus.stat_many`)."""
    if request.param == "stats shared":
        monkeypatch.setattr(corpus_module, "STAT_SHARED_FROM", 2)
    root = split_essays(tmp_path / "notes")
    (root / "deep" / "er").mkdir(parents=True)
    (root / "deep" / "er" / "leaf.md").write_text("# 葉\n\n深いフォルダのメモ。\n", encoding="utf-8")
    _aged(root)
    open_corpus(root, jobs=1)
    checks: list[bool] = []
    holds = freshness._listing_holds
    monkeypatch.setattr(freshness, "_listing_holds", lambda *args: checks.append(holds(*args)) or checks[-1])
    return root, checks


def _same_as_fresh_build(root: Path, query: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    found = open_corpus(root, jobs=1).search(query, limit=10)
    monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / "fresh"))
    assert [(h.doc_id, h.score) for h in found] == [(h.doc_id, h.score) for h in open_corpus(root, jobs=1).search(query, limit=10)]
    return found


def test_an_unchanged_corpus_lists_no_folder(notes: tuple[Path, list[bool]]) -> None:
    root, checks = notes
    assert open_corpus(root).built is None
    assert checks == [True]


def test_a_corpus_of_one_folder_lists_it_no_more_than_a_deep_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled essays' shape: every file in the corpus folder itself, whose path relative to
    it is empty. Its recorded listing is read back and holds, so a search neither lists the
    folder nor writes the listing again."""
    root = tmp_path / "flat"
    root.mkdir()
    for i in range(3):
        (root / f"note-{i}.md").write_text(f"# メモ {i}\n\n面接の準備について。\n", encoding="utf-8")
    _aged(root)
    open_corpus(root, jobs=1)
    listing = next((tmp_path / "cache").glob("*/listing.json"))
    written = listing.stat().st_mtime_ns
    checks: list[bool] = []
    holds = freshness._listing_holds
    monkeypatch.setattr(freshness, "_listing_holds", lambda *args: checks.append(holds(*args)) or checks[-1])
    for _ in range(2):
        assert open_corpus(root).built is None
    assert checks == [True, True]
    assert listing.stat().st_mtime_ns == written


@pytest.mark.parametrize("change", ["none", "a file edited", "no index yet"])
def test_what_comes_first_is_done_once_before_the_index_is_returned_or_built(
    notes: tuple[Path, list[bool]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A search's check of its query (``first``) is done once, before any indexing: with the
    stats shared, while the forked process stats the files. A check that fails leaves the
    index as it was: the edit is indexed by the next search."""
    root, _ = notes
    if change == "a file edited":
        leaf = root / "deep" / "er" / "leaf.md"
        leaf.write_text(leaf.read_text(encoding="utf-8") + "\n追記した一文。\n", encoding="utf-8")
    elif change == "no index yet":
        monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / "empty"))
    events: list[str] = []
    build = cache._build
    monkeypatch.setattr(cache, "_build", lambda *args, **kwargs: events.append("build") or build(*args, **kwargs))

    def failing() -> None:
        events.append("check")
        raise MlqError("no searchable term")

    with pytest.raises(MlqError, match="no searchable term"):
        open_corpus(root, jobs=1, first=failing)
    assert events == ["check"]
    events.clear()
    searcher = open_corpus(root, jobs=1, first=lambda: events.append("check"))
    assert events == (["check"] if change == "none" else ["check", "build"])
    assert (searcher.built is None) == (change == "none")
    if change == "a file edited":
        assert searcher.search("追記", limit=1)[0].doc_id == "deep/er/leaf"


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_file_edited_in_place_deep_down_is_seen_without_listing_folders(
    notes: tuple[Path, list[bool]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """The first file in the index's order (deep/er/leaf.md) or the last: with the stats
    shared, one is statted by this process and the other by the forked one."""
    root, checks = notes
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md"))
    edited = root / files[0 if where == "first" else -1]
    with open(edited, "r+", encoding="utf-8") as file:  # in place: the folder's time stays
        file.seek(0, os.SEEK_END)
        file.write("\n追記: ユニコーン企業の面接。\n")
    searcher = open_corpus(root, jobs=1)
    assert checks[0] is True and searcher.built is not None and searcher.built.analysed_files == 1
    hits = _same_as_fresh_build(root, "ユニコーン", tmp_path, monkeypatch)
    assert hits and hits[0].doc_id == edited.relative_to(root).with_suffix("").as_posix()


def _statted(tmp_path: Path, count: int) -> tuple[list[str], list[int], list[int]]:
    """``count`` paths, every seventh missing, and the sizes and times they should have."""
    paths = []
    for k in range(count):
        path = tmp_path / f"f{k}.md"
        if k % 7:
            path.write_text("x" * k, encoding="utf-8")
            os.utime(path, ns=(k * 1_000_000_007, k * 1_000_000_007))
        paths.append(str(path))
    return paths, [k if k % 7 else -1 for k in range(count)], [k * 1_000_000_007 if k % 7 else -1 for k in range(count)]


@pytest.mark.parametrize("chunk", [1024, 3, 1])
@pytest.mark.parametrize("meanwhile", ["nothing", "sleeping"])
def test_shared_stats_are_the_stats_of_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, meanwhile: str) -> None:
    """Whoever stats which path (the forked process takes them all while this one sleeps, or
    they meet somewhere, a chunk at a time), each has its own figures."""
    paths, sizes, times = _statted(tmp_path, 41)
    monkeypatch.setattr(corpus_module, "STAT_SHARED_FROM", 2)
    monkeypatch.setattr(corpus_module, "STAT_CHUNK", chunk)
    done = []
    got = corpus_module.stat_many(paths, (lambda: done.append(time.sleep(0.05))) if meanwhile == "sleeping" else None)
    assert (list(got[0]), list(got[1])) == (sizes, times)
    assert len(done) == (meanwhile == "sleeping")


def test_stats_left_by_a_failed_process_are_done_by_this_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths, sizes, times = _statted(tmp_path, 41)
    monkeypatch.setattr(corpus_module, "STAT_SHARED_FROM", 2)
    monkeypatch.setattr(corpus_module, "STAT_CHUNK", 4)
    this = os.getpid()
    stat_each = corpus_module._stat_each

    def failing_elsewhere(chunk: list[str]) -> tuple:
        if os.getpid() != this:
            os._exit(1)
        return stat_each(chunk)

    monkeypatch.setattr(corpus_module, "_stat_each", failing_elsewhere)
    got = corpus_module.stat_many(paths)
    assert (list(got[0]), list(got[1])) == (sizes, times)


def test_a_failing_meanwhile_is_raised_and_leaves_no_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths, _, _ = _statted(tmp_path, 41)
    monkeypatch.setattr(corpus_module, "STAT_SHARED_FROM", 2)
    forked = []
    fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(fork()) or forked[-1])

    def failing() -> None:
        raise RuntimeError("no dictionary")

    with pytest.raises(RuntimeError, match="no dictionary"):
        corpus_module.stat_many(paths, failing)
    assert forked and forked[0] > 0
    with pytest.raises(ChildProcessError):
        os.waitpid(forked[0], os.WNOHANG)  # already reaped


@pytest.mark.parametrize("change", ["added", "removed", "renamed folder", "ignore file"])
def test_added_removed_and_renamed_files_change_a_folder_and_are_seen(
    notes: tuple[Path, list[bool]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    root, checks = notes
    if change == "added":
        (root / "deep" / "er" / "new.md").write_text("# 新\n\nユニコーン企業の話。\n", encoding="utf-8")
    elif change == "removed":
        (root / "deep" / "er" / "leaf.md").unlink()
    elif change == "renamed folder":
        (root / "deep" / "er").rename(root / "deep" / "moved")
    else:
        (root / ".mlqignore").write_text("part1/\n", encoding="utf-8")
        open_corpus(root, jobs=1)  # the ignore file is new: the root folder changed
        _aged(root)
        open_corpus(root, jobs=1)  # the aged listing recorded
        with open(root / ".mlqignore", "a", encoding="utf-8") as file:  # edited in place
            file.write("part2/\n")
        checks.clear()
    searcher = open_corpus(root, jobs=1)
    assert checks[0] is False and searcher.built is not None, change
    ids = {d.doc_id for d in searcher.documents}
    expected = {
        "added": "deep/er/new" in ids,
        "removed": "deep/er/leaf" not in ids,
        "renamed folder": "deep/moved/leaf" in ids and "deep/er/leaf" not in ids,
        "ignore file": not any(i.startswith(("part1/", "part2/")) for i in ids),
    }
    assert expected[change], (change, sorted(ids)[:5])
    _same_as_fresh_build(root, "面接", tmp_path, monkeypatch)


@pytest.mark.parametrize("change", ["added", "removed", "new folder", "renamed folder", "link to a folder"])
def test_only_the_folders_whose_time_moved_are_listed_again(
    notes: tuple[Path, list[bool]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A file added or removed moves its folder's time: that folder is listed (and a new
    folder in it walked), not every folder of the corpus — unless it now holds a link to a
    folder, which only a whole walk can place. Either way the index is a fresh build's."""
    root, checks = notes
    walks: list[tuple[str, ...]] = []
    real_walk = freshness.walk

    def walk(root: Path, selection: object, times: object, start: tuple[str, ...] = ("",), known: object = frozenset()):
        walks.append(tuple(start))
        return real_walk(root, selection, times, start, known)

    monkeypatch.setattr(freshness, "walk", walk)
    if change == "added":
        (root / "deep" / "er" / "new.md").write_text("# 新\n\nユニコーン企業の話。\n", encoding="utf-8")
    elif change == "removed":
        (root / "deep" / "er" / "leaf.md").unlink()
    elif change == "new folder":
        (root / "deep" / "er" / "new" / "newer").mkdir(parents=True)
        (root / "deep" / "er" / "new" / "newer" / "note.md").write_text("# 新\n\nユニコーン企業の話。\n", encoding="utf-8")
    elif change == "renamed folder":
        (root / "deep" / "er").rename(root / "deep" / "moved")
    else:
        (root / "deep" / "er" / "link").symlink_to(root / "part1", target_is_directory=True)
    searcher = open_corpus(root, jobs=1)
    assert checks[0] is False and (searcher.built is not None or change == "link to a folder")  # a link may add nothing new
    expected = {
        "added": [("deep/er",)],
        "removed": [("deep/er",)],
        "new folder": [("deep/er",)],
        "renamed folder": [("deep", "deep/er")],
        "link to a folder": [("deep/er",), ("",)],
    }[change]
    assert [tuple(sorted(w)) for w in walks[: len(expected)]] == expected
    ids = {d.doc_id for d in searcher.documents}
    assert {
        "added": "deep/er/new" in ids,
        "removed": "deep/er/leaf" not in ids,
        "new folder": "deep/er/new/newer/note" in ids,
        "renamed folder": "deep/moved/leaf" in ids and "deep/er/leaf" not in ids,
        "link to a folder": any(i.startswith("deep/er/link/") for i in ids) != any(i.startswith("part1/") for i in ids),
    }[change], sorted(ids)
    _same_as_fresh_build(root, "面接", tmp_path, monkeypatch)
    _aged(root)
    checks.clear()
    assert open_corpus(root).built is None and checks == [False]  # the aged folders listed again...
    assert open_corpus(root).built is None and checks == [False, True]  # ...and their listing trusted


@pytest.mark.parametrize("meanwhile", ["nothing", "a file added"])
def test_a_build_outlasting_the_clocks_tick_leaves_a_listing_its_first_search_trusts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, meanwhile: str
) -> None:
    """A corpus indexed the moment it is made: its folders were listed too soon after they
    changed to trust their times, but once the build has outlasted the tick it lists them
    again, so the first search lists none — unless a file came meanwhile, which it finds."""
    monkeypatch.setattr(freshness, "_RACY_NS", 300_000_000)  # a tick of 0.3 s, which the build outlasts
    root = split_essays(tmp_path / "notes")
    save = cache.save

    def slow_save(*args: object) -> object:
        time.sleep(0.5)
        if meanwhile == "a file added":
            (root / "part1" / "new.md").write_text("# 新\n\nユニコーン企業の話。\n", encoding="utf-8")
        return save(*args)

    monkeypatch.setattr(cache, "save", slow_save)
    assert open_corpus(root, jobs=1).built is not None
    checks: list[bool] = []
    holds = freshness._listing_holds
    monkeypatch.setattr(freshness, "_listing_holds", lambda *args: checks.append(holds(*args)) or checks[-1])
    searcher = open_corpus(root, jobs=1)
    if meanwhile == "nothing":
        assert searcher.built is None and checks == [True]
    else:
        assert checks[0] is False and searcher.built is not None and "part1/new" in {d.doc_id for d in searcher.documents}


def test_a_folder_changed_just_now_is_listed_again_until_its_time_is_safely_past(notes: tuple[Path, list[bool]]) -> None:
    """A folder whose time is within a coarse clock's tick of the listing proves nothing: the
    check lists the folders (and records a new listing only once that listing can be trusted)."""
    root, checks = notes
    (root / "deep" / "er" / "new.md").write_text("# 新\n\n話。\n", encoding="utf-8")
    assert open_corpus(root, jobs=1).built is not None  # rebuilt, its listing taken just now
    assert open_corpus(root).built is None and checks[-1] is False  # too recent to trust: listed
    _aged(root)
    assert open_corpus(root).built is None and checks[-1] is False  # listed, and the listing recorded
    assert open_corpus(root).built is None and checks[-1] is True


@pytest.mark.parametrize("damage", ["garbage", "another build", "wrong types", "a time short"])
def test_a_damaged_listing_is_ignored_and_every_folder_listed(notes: tuple[Path, list[bool]], damage: str) -> None:
    """The listing beside a build is a hint: one that is not as mlq writes it, or another
    build's, is never trusted; the check lists the folders and still sees every change."""
    root, checks = notes
    (entry,) = [p for p in Path(os.environ["MLQ_CACHE_DIR"]).iterdir() if p.is_dir()]
    listing = entry / "listing.json"
    data = json.loads(listing.read_text(encoding="utf-8"))
    if damage == "garbage":
        listing.write_text("{not json", encoding="utf-8")
    elif damage == "another build":
        data["built_at"] += 1
        listing.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "wrong types":
        data["listing"]["trusted_before"] = str(data["listing"]["trusted_before"])
        listing.write_text(json.dumps(data), encoding="utf-8")
    else:
        folders = data["listing"]["folders"]  # the folders' times, one short
        folders["numbers"] = base64.b64encode(zlib.compress(zlib.decompress(base64.b64decode(folders["numbers"]))[:-8])).decode()
        listing.write_text(json.dumps(data), encoding="utf-8")
    (root / "deep" / "er" / "new.md").write_text("# 新\n\nユニコーン企業の話。\n", encoding="utf-8")
    searcher = open_corpus(root, jobs=1)
    assert checks == [] and searcher.built is not None  # not even tried: the folders were listed
    assert "deep/er/new" in {d.doc_id for d in searcher.documents}


def test_scratch_left_by_a_killed_build_is_removed_by_the_next(notes: tuple[Path, list[bool]]) -> None:
    root, _ = notes
    (entry,) = [p for p in Path(os.environ["MLQ_CACHE_DIR"]).iterdir() if p.is_dir()]
    left = entry / ".counts-killed"
    (left / "words").mkdir(parents=True)
    (left / "words" / "3").write_bytes(b"\0" * 64)
    (root / "deep" / "er" / "new.md").write_text("# 新\n\n話。\n", encoding="utf-8")
    assert open_corpus(root, jobs=1).built is not None
    assert not left.exists() and not [p for p in entry.iterdir() if p.name.startswith(".counts-")]


def test_an_edit_in_place_of_a_segmented_index_is_indexed_without_listing_folders(
    notes: tuple[Path, list[bool]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check already saw what changed: the edit analyses that file into a segment without
    walking the corpus again, and records the folders' times it checked, so the search after
    it lists no folder either."""
    root, checks = notes
    monkeypatch.setattr(cache, "SEGMENT_MIN_PASSAGES", 0)
    walks: list[Path] = []
    walk = freshness.walk
    monkeypatch.setattr(freshness, "walk", lambda root, *rest: walks.append(root) or walk(root, *rest))
    monkeypatch.setattr(index_module, "corpus_files", lambda root, *rest: walks.append(root) or corpus_files(root, *rest))
    leaf = root / "deep" / "er" / "leaf.md"
    with open(leaf, "a", encoding="utf-8") as file:  # in place: the folder's time stays
        file.write("\n追記: ユニコーン企業の面接。\n")
    searcher = open_corpus(root, jobs=1)
    assert searcher.built is not None and searcher.built.analysed_files == 1
    assert len(searcher.index.segments) == 2 and walks == [] and checks == [True]
    assert open_corpus(root, jobs=1).built is None and checks == [True, True] and walks == []
    hits = _same_as_fresh_build(root, "ユニコーン 面接", tmp_path, monkeypatch)
    assert hits[0].doc_id == "deep/er/leaf"


def test_a_file_changed_within_a_clock_tick_of_being_read_is_seen_though_its_size_and_time_are_as_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a clock of whole seconds (ext3, HFS+, an ext4 of small inodes; ext4's own moves a few
    ms at a time), a note rewritten in the second the build read it keeps its size and time. Its
    record is not trusted ("racily clean", as git says) but hashed by the next check, and the
    change is seen; a note whose time was long past when it was read is trusted, unhashed."""
    root = tmp_path / "notes"
    root.mkdir()
    note, other = root / "note.md", root / "other.md"
    other.write_text("# 他\n\n天気の話。\n", encoding="utf-8")
    aged(root)
    note.write_text("# メモ\n\n面接の準備をした。\n", encoding="utf-8")
    second = time.time_ns() // 1_000_000_000 * 1_000_000_000  # now, on a clock of whole seconds
    os.utime(note, ns=(second, second))
    assert [hit.doc_id for hit in open_corpus(root).search("面接")] == ["note"]
    note.write_text("# メモ\n\n研究の準備をした。\n", encoding="utf-8")  # the same size (面接, 研究)
    os.utime(note, ns=(second, second))  # and the same second
    assert [hit.doc_id for hit in open_corpus(root).search("研究")] == ["note"]
    assert open_corpus(root).search("面接") == []

    hashed: list[str] = []
    real = freshness.sha256
    monkeypatch.setattr(freshness, "sha256", lambda data: hashed.append("") or real(data))
    note.unlink()
    aged(root)
    open_corpus(root)  # rebuilt: other.md alone, long past
    hashed.clear()
    assert open_corpus(root).built is None and hashed == []
