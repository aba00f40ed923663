"""An index of segments: an edit adds a small segment and deletes what it replaces, later
builds merge them, and at every step a search answers exactly as an index built from scratch
does (scores to 1e-9, ties in the same order). Real files, real Sudachi, a random sequence of
edits per seed."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import split_essays

from mlq import cache, freshness, open_corpus
from mlq import index as index_module
from mlq.cache import entry_dir

QUERIES = ["インターン 面接", "機械学習", "断片", "メモ 研究", "ユニコーン 企業", '"機械学習"', "面接 -インターン", "メモ"]
WORDS = ["ユニコーン", "企業", "面接", "研究", "メモ", "機械学習", "評価", "論文", "チーム", "ビザ"]


@pytest.fixture()
def segmented(monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments for an index of any size; the small ones merged once there are more than three."""
    monkeypatch.setattr(cache, "SEGMENT_MIN_PASSAGES", 0)
    monkeypatch.setattr(cache, "MAX_SEGMENTS", 3)


def _corpus(tmp_path: Path) -> Path:
    root = split_essays(tmp_path / "notes", pieces=30)
    for path in sorted(root.rglob("*.md")):  # one word in every document: its IDF is floored
        path.write_text(path.read_text(encoding="utf-8") + "\nメモ\n", encoding="utf-8")
    return root


def _clean(root: Path, where: Path) -> object:
    saved = os.environ["MLQ_CACHE_DIR"]
    os.environ["MLQ_CACHE_DIR"] = str(where)
    try:
        return open_corpus(root, jobs=1)
    finally:
        os.environ["MLQ_CACHE_DIR"] = saved


def _assert_same(edited, clean) -> None:
    assert [d.doc_id for d in edited.documents] == [d.doc_id for d in clean.documents]
    for query in QUERIES:
        got, want = edited.search(query, limit=15, explain=True), clean.search(query, limit=15, explain=True)
        assert [(h.doc_id, h.passage, h.text, h.highlights) for h in got] == [(h.doc_id, h.passage, h.text, h.highlights) for h in want], query
        assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-9, rel=0), query
        for a, b in zip(got, want):
            assert [p.score for p in a.explain] == pytest.approx([p.score for p in b.explain], abs=1e-9, rel=0)


def _edit(rng: random.Random, root: Path, step: int) -> None:
    files = sorted(root.rglob("*.md"))
    kind = rng.choice(["append", "append", "rewrite", "add", "remove", "break"])
    words = "、".join(rng.choices(WORDS, k=rng.randint(1, 6)))
    if kind == "add" or len(files) < 10:
        path = root / f"part{rng.randint(0, 6)}" / f"new-{step}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"---\ntitle: 追加 {step}\n---\n# 追加\n\n{words}についての新しいメモ。\n", encoding="utf-8")
    elif kind == "remove":
        rng.choice(files).unlink()
    elif kind == "break":  # no longer text: its document is gone, and every later one moves up
        rng.choice(files).write_bytes(b"\0binary\0")
    elif kind == "rewrite":
        rng.choice(files).write_text(f"# 書き直し {step}\n\n{words}。\n", encoding="utf-8")
    else:
        path = rng.choice(files)
        path.write_text(path.read_text(encoding="utf-8") + f"\n\n{words}について追記した。\n", encoding="utf-8")


@pytest.mark.parametrize(("seed", "share", "merge"), [(1, 0.125, "all"), (2, 0.6, "small")])
def test_after_any_edits_and_merges_hits_equal_a_clean_builds(
    segmented: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, share: float, merge: str
) -> None:
    """With a small share the edits' segments are soon merged into the large one; with a
    large one, the small segments are merged among themselves (each edit here is one file: a
    small segment of several documents is a merge)."""
    monkeypatch.setattr(cache, "MERGE_SHARE", share)
    root = _corpus(tmp_path)
    open_corpus(root, jobs=1)
    rng = random.Random(seed)
    merges, most = set(), 0
    for step in range(6):
        _edit(rng, root, step)
        edited = open_corpus(root, jobs=1)
        assert edited.built is not None
        segments = edited.index.segments
        if most and not segments:
            merges.add("all")
        if any(len(s.index.documents) > 1 for s in segments[1:]):
            merges.add("small")
        most = max(most, len(segments))
        _assert_same(edited, _clean(root, tmp_path / f"clean-{step}"))
        _assert_same(open_corpus(root, jobs=1), edited)  # read back from the cache, unbuilt
    assert most >= 3 and merge in merges


def test_an_edit_writes_a_segment_and_links_every_array_it_keeps(segmented: None, tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    open_corpus(root, jobs=1)
    entry = entry_dir(root.resolve())
    before = entry / (entry / "current").read_text().strip()
    inodes = {p.relative_to(before): p.stat().st_ino for p in before.rglob("*.npy")}
    target = sorted(root.rglob("*.md"))[5]
    target.write_text(target.read_text(encoding="utf-8") + "\nユニコーン企業の話。\n", encoding="utf-8")

    edited = open_corpus(root, jobs=1)
    assert edited.built is not None and edited.built.analysed_files == 1
    after = entry / (entry / "current").read_text().strip()
    assert after != before and not before.exists()
    kept = {p.relative_to(after): p.stat().st_ino for p in after.rglob("*.npy") if p.relative_to(after) in inodes}
    assert kept == inodes  # every array of the index before, the same file: nothing rewritten
    assert edited.search("ユニコーン", limit=1)[0].doc_id == target.relative_to(root).with_suffix("").as_posix()
    assert cache.verify(entry) == []


@pytest.mark.parametrize("change", ["added", "removed", "added and edited"])
def test_a_note_added_or_removed_is_an_edit_that_walks_no_folder(
    segmented: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """Adding or removing a file is indexed as an edit: a segment of the new files alone, the
    removed one's documents deleted, without walking the corpus again (the check for
    staleness has listed the one folder that changed), and hits as a clean build's."""
    root = _corpus(tmp_path)
    open_corpus(root, jobs=1)
    files = sorted(root.rglob("*.md"))
    if change == "removed":
        files[3].unlink()
    else:
        (files[3].parent / "aa-new.md").write_text("# 新しいメモ\n\nユニコーン企業の面接についてのメモ。\n", encoding="utf-8")
    if change == "added and edited":
        files[-1].write_text(files[-1].read_text(encoding="utf-8") + "\n機械学習の評価。\n", encoding="utf-8")
    planned = []
    with monkeypatch.context() as patched:
        patched.setattr(index_module._Plan, "of", lambda *args: planned.append(args))  # the walk a full build plans with
        edited = open_corpus(root, jobs=1)
    assert not planned
    assert edited.built is not None and edited.built.analysed_files == {"added": 1, "removed": 0, "added and edited": 2}[change]
    assert edited.index.segments  # an edit's segment, not a build
    _assert_same(edited, _clean(root, tmp_path / "clean"))
    _assert_same(open_corpus(root, jobs=1), edited)


def test_a_damaged_segment_is_rebuilt_with_a_warning(segmented: None, tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    open_corpus(root, jobs=1)
    target = sorted(root.rglob("*.md"))[2]
    target.write_text(target.read_text(encoding="utf-8") + "\nユニコーン\n", encoding="utf-8")
    open_corpus(root, jobs=1)
    entry = entry_dir(root.resolve())
    build = entry / (entry / "current").read_text().strip()
    (segment,) = [p for p in build.iterdir() if p.is_dir() and p.name.startswith("s-")]
    with open(segment / "words.firsts.npy", "ab") as out:
        out.write(b"\0" * 8)
    warnings: list[str] = []
    again = open_corpus(root, jobs=1, warn=warnings.append)
    assert again.built is not None and any("damaged" in w for w in warnings)
    _assert_same(again, _clean(root, tmp_path / "clean"))


def _edit_one(root: Path, k: int, words: str) -> None:
    target = sorted(root.rglob("*.md"))[k]
    target.write_text(target.read_text(encoding="utf-8") + f"\n{words}の話。\n", encoding="utf-8")


def test_a_merge_makes_one_index_that_answers_the_same_and_lists_no_folder(
    segmented: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _corpus(tmp_path)
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:  # older than a clock's tick
        os.utime(folder, (time.time() - 3600,) * 2)
    open_corpus(root, jobs=1)
    for k, words in [(3, "ユニコーン企業"), (11, "面接 メモ")]:
        _edit_one(root, k, words)
        open_corpus(root, jobs=1)
    entry = entry_dir(root.resolve())
    assert len(open_corpus(root, jobs=1).index.segments) == 3
    with cache.lock(entry):  # another mlq is building: its build will stand, not a merge
        assert cache.merge(entry, open_corpus(root, jobs=1).index.settings) is None
    walks: list[Path] = []
    walk = freshness.walk
    monkeypatch.setattr(freshness, "walk", lambda root, *rest: walks.append(root) or walk(root, *rest))
    settings = open_corpus(root, jobs=1).index.settings
    assert walks == []  # the folders' listing holds before the merge...
    assert cache.merge_due(open_corpus(root, jobs=1).index) == "all"  # small enough to read without numpy
    assert cache.merge(entry, settings) == "all"
    merged = open_corpus(root, jobs=1)
    assert merged.built is None and merged.index.segments == () and walks == []  # ... and after it
    assert cache.verify(entry) == [] and len(list(entry.glob("build-*"))) == 1
    _assert_same(merged, _clean(root, tmp_path / "clean"))
    assert cache.merge(entry, settings) is None  # one index: nothing to merge


def test_a_large_index_merges_its_small_segments_among_themselves_and_keeps_the_large_one(
    segmented: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past half the segments a build would allow itself, a merge after the answer folds the
    small ones into one, leaving the first (large) segment's files as they were: hard links to
    the same arrays. Below that, nothing is merged."""
    monkeypatch.setattr(cache, "PLAIN_MAX_PASSAGES", 0)  # every index is large
    monkeypatch.setattr(cache, "MAX_SEGMENTS", 6)  # a build merges past 6; after an answer, past 3
    monkeypatch.setattr(cache, "MERGE_SHARE", 0.9)
    root = _corpus(tmp_path)
    open_corpus(root, jobs=1)
    entry = entry_dir(root.resolve())
    first = entry / (entry / "current").read_text().strip()
    inodes = {p.name: p.stat().st_ino for p in first.glob("*.npy") if not p.name.startswith("composition")}
    assert len(inodes) > 5
    for k, words in [(3, "ユニコーン企業"), (11, "面接 メモ")]:
        _edit_one(root, k, words)
        open_corpus(root, jobs=1)
    settings = open_corpus(root, jobs=1).index.settings
    assert cache.merge_due(open_corpus(root, jobs=1).index) is None and cache.merge(entry, settings) is None  # 3 segments
    _edit_one(root, 17, "ビザ 論文")
    edited = open_corpus(root, jobs=1)
    assert len(edited.index.segments) == 4 and cache.merge_due(edited.index) == "small"
    assert cache.merge(entry, settings) == "small"
    after = open_corpus(root, jobs=1)
    assert after.built is None and len(after.index.segments) == 2
    assert [len(s.index.documents) for s in after.index.segments][1] == 3  # the three edited files
    build = entry / (entry / "current").read_text().strip()
    assert {name: (build / name).stat().st_ino for name in inodes} == inodes  # the large segment: not rewritten
    _assert_same(after, _clean(root, tmp_path / "clean"))
    assert cache.verify(entry) == []


def test_a_search_that_leaves_segments_merges_them_after_it_answers(tmp_path: Path) -> None:
    """The real command, in a process of its own, with segments for an index of any size: the
    search answers from the segments, and a process it leaves behind merges them into one
    index that answers the same."""
    root = _corpus(tmp_path)
    patched = "import sys; from mlq import cache; cache.SEGMENT_MIN_PASSAGES = 0; from mlq.cli import main; sys.argv[0] = 'mlq'; main()"

    def mlq(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", patched, *args, "--corpus", str(root)], capture_output=True, text=True, encoding="utf-8", timeout=120
        )

    assert mlq("index").returncode == 0
    _edit_one(root, 7, "ユニコーン企業")
    entry = entry_dir(root.resolve())
    edited = mlq("search", "ユニコーン 企業", "--json")
    assert edited.returncode == 0 and "indexed" in edited.stderr and "ユニコーン" in edited.stdout
    deadline = time.monotonic() + 60
    while cache.read_manifest(entry)[1].composition and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not cache.read_manifest(entry)[1].composition, "the segments were never merged"
    with cache.lock(entry):  # the merge is over once its lock is free
        pass
    after = mlq("search", "ユニコーン 企業", "--json")
    assert after.stdout == edited.stdout and after.stderr == ""
    assert cache.verify(entry) == []
