"""The on-disk index: loaded when fresh, rebuilt when the corpus or the settings change,
never trusted blindly and never a way to run code."""

from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mlq import IndexSettings, cache, open_corpus
from mlq.bm25 import BM25Params
from conftest import mlq_command, run_mlq
from mlq.cache import cache_root, entry_dir


def live_build(cache_dir: Path) -> Path:
    (entry,) = [p for p in cache_dir.iterdir() if p.is_dir()]
    return entry / (entry / "current").read_text().strip()


def test_second_open_loads_the_cache_without_rebuilding(corpus: Path, cache_dir: Path) -> None:
    first = open_corpus(corpus)
    assert first.built is not None and first.built.cached
    second = open_corpus(corpus)
    assert second.built is None
    assert second.search("インターン 面接") == first.search("インターン 面接")


def test_changed_file_is_picked_up(corpus: Path) -> None:
    open_corpus(corpus)
    with open(corpus / "m3-ml-team-building.md", "a", encoding="utf-8") as out:
        out.write("\n\nユニコーン企業の面接官についての追記。\n")
    searcher = open_corpus(corpus)
    assert searcher.built is not None and searcher.built.reason == "+0 ~1 -0 files"
    assert searcher.search("ユニコーン")[0].doc_id == "m3-ml-team-building"


def test_added_and_deleted_files_are_picked_up(corpus: Path) -> None:
    open_corpus(corpus)
    (corpus / "notes").mkdir()
    (corpus / "notes" / "unicorn.md").write_text("# ユニコーン\n\nユニコーンの話。", encoding="utf-8")
    searcher = open_corpus(corpus)
    assert searcher.built is not None and searcher.built.reason == "+1 ~0 -0 files"
    assert searcher.search("ユニコーン")[0].doc_id == "notes/unicorn"

    (corpus / "msr-internship-2024.md").unlink()
    searcher = open_corpus(corpus)
    assert searcher.built is not None and searcher.built.reason == "+0 ~0 -1 files"
    assert "msr-internship-2024" not in {d.doc_id for d in searcher.documents}
    assert all(hit.doc_id != "msr-internship-2024" for hit in searcher.search("インターン", limit=50))


def test_touching_a_file_without_changing_it_does_not_rebuild(corpus: Path) -> None:
    open_corpus(corpus)
    path = corpus / "landing-an-ml-job.md"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000_000))
    assert open_corpus(corpus).built is None


def test_changed_settings_rebuild(corpus: Path) -> None:
    open_corpus(corpus)
    other = IndexSettings(bm25=BM25Params(k1=1.2))
    searcher = open_corpus(corpus, settings=other)
    assert searcher.built is not None and "settings" in searcher.built.reason
    assert open_corpus(corpus, settings=other).built is None


def test_each_corpus_folder_has_its_own_entry(corpus: Path, tmp_path: Path, cache_dir: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.md").write_text("別のコーパス", encoding="utf-8")
    open_corpus(corpus)
    open_corpus(other)
    assert len([p for p in cache_dir.iterdir() if p.is_dir()]) == 2
    assert open_corpus(corpus).built is None and open_corpus(other).built is None
    assert entry_dir(corpus.resolve()) != entry_dir(other.resolve())


def test_cache_location_follows_xdg_when_not_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MLQ_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "mlq"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "mlq"


def test_cache_holds_only_json_and_plain_npy_arrays(corpus: Path, cache_dir: Path) -> None:
    open_corpus(corpus)
    build = live_build(cache_dir)
    for path in build.iterdir():
        assert path.suffix in {".json", ".npy"}, path
        if path.suffix == ".npy":
            array = np.load(path, allow_pickle=False)
            assert array.dtype != object
        else:
            json.loads(path.read_text(encoding="utf-8"))


class _Plant:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickle_planted_in_the_cache_is_never_run(corpus: Path, cache_dir: Path, tmp_path: Path) -> None:
    open_corpus(corpus)
    marker = tmp_path / "code-ran"
    planted = np.array([_Plant(marker)], dtype=object)
    np.save(live_build(cache_dir) / "words.tf_nibbles.npy", planted, allow_pickle=True)
    warnings: list[str] = []
    searcher = open_corpus(corpus, warn=warnings.append)
    assert not marker.exists()
    assert searcher.built is not None and warnings and "damaged" in warnings[0]
    assert searcher.search("面接")


@pytest.mark.parametrize(
    "damage", ["truncate-array", "foreign-array", "garbage-manifest", "missing-documents", "dangling-pointer"]
)
def test_damaged_cache_is_rebuilt_with_a_warning(corpus: Path, cache_dir: Path, damage: str) -> None:
    expected = open_corpus(corpus).search("インターン 面接")
    build = live_build(cache_dir)
    if damage == "truncate-array":
        path = build / "bigrams.gaps1.npy"
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "foreign-array":
        path = build / "words.firsts.npy"
        np.save(path, np.load(path).astype(np.float32), allow_pickle=False)
    elif damage == "garbage-manifest":
        (build / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "missing-documents":
        (build / "records.npy").unlink()
    else:
        (build.parent / "current").write_text("build-gone", encoding="utf-8")
    warnings: list[str] = []
    searcher = open_corpus(corpus, warn=warnings.append)
    assert searcher.built is not None
    assert len(warnings) == 1
    assert searcher.search("インターン 面接") == expected
    assert open_corpus(corpus).built is None


def test_unwritable_cache_still_searches_in_memory(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MLQ_CACHE_DIR", str(blocker / "cache"))
    warnings: list[str] = []
    searcher = open_corpus(corpus, warn=warnings.append)
    assert searcher.built is not None and not searcher.built.cached
    assert len(warnings) == 1 and "cannot write the index cache" in warnings[0]  # said once, no "unreadable" too
    assert searcher.search("インターン 面接")
    assert blocker.read_text() == "not a folder"


def test_an_index_written_by_another_version_is_rebuilt_without_a_warning(corpus: Path, cache_dir: Path) -> None:
    open_corpus(corpus)
    (live_build(cache_dir) / "manifest.json").write_text('{"format": 1, "files": []}', encoding="utf-8")
    warnings: list[str] = []
    searcher = open_corpus(corpus, warn=warnings.append)
    assert searcher.built is not None and searcher.built.reason.startswith("index format 1")
    assert warnings == []
    assert searcher.search("面接")


def _build_files(cache_dir: Path) -> list[str]:
    return sorted(path.name for path in live_build(cache_dir).iterdir())


@pytest.fixture(scope="module")
def other_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build folder of another corpus's index, for swapping files into this one's."""
    root = tmp_path_factory.mktemp("other")
    (root / "corpus").mkdir()
    for i in range(3):
        # More words written otherwise than their terms than small_notes has (サーバ, 使っ…):
        # its spellings' arrays have another shape too.
        text = f"# 別の{i}\n\nまったく別の文書{i}。面接はない。サーバとコンピュータを使った。\n"
        (root / "corpus" / f"n{i}.md").write_text(text, encoding="utf-8")
    cache = root / "cache"
    os.environ["MLQ_CACHE_DIR"], saved = str(cache), os.environ.get("MLQ_CACHE_DIR")
    try:
        open_corpus(root / "corpus")
    finally:
        os.environ["MLQ_CACHE_DIR"] = saved or ""
    return live_build(cache)


@pytest.fixture()
def small_notes(tmp_path: Path) -> Path:
    """A few short notes: every file of the index is damaged in turn, each time a rebuild. More
    documents and passages than ``other_build``'s, so that a file swapped in has another shape."""
    target = tmp_path / "small"
    target.mkdir()
    notes = {
        "team": "# チームビルディング\n\n機械学習チームの作り方。採用と面接について。\n\n## 評価\n\nチームビルディングの評価。",
        "camp": "# 合宿\n\n機械学習工学の合宿で議論した。\n\n## 議論\n\n合宿の議論は夜まで続いた。",
        "intern": "---\ntitle: インターン\n---\nインターンの面接を受けた。機械学習の課題が出た。\n\n## 結果\n\n合格した。",
        "visa": "# ビザ\n\nビザの面接は大使館で受けた。\n\n## 書類\n\n書類を揃えた。",
    }
    for name, text in notes.items():
        (target / f"{name}.md").write_text(text + "\n", encoding="utf-8")
    return target


DAMAGES = ("truncated", "zeroed", "swapped")


def _damaged(raw: bytes, other: bytes, damage: str) -> bytes:
    """A build file's bytes damaged: cut in half, zeroed, or another index's file of that name."""
    return raw[: len(raw) // 2] if damage == "truncated" else bytes(len(raw)) if damage == "zeroed" else other


@pytest.mark.parametrize("ways", [1, pytest.param(len(DAMAGES), marks=pytest.mark.slow)], ids=["each file one way", "each file every way"])
def test_every_index_file_damaged_is_caught_and_rebuilt(small_notes: Path, cache_dir: Path, other_build: Path, ways: int) -> None:
    """Each file of the build folder in turn, damaged one way — the three ways taken in turn,
    so that each is met some 25 times — or, with ``-m slow``, every way: the next run warns
    once, rebuilds, and answers as a clean build does."""
    corpus = small_notes
    queries = ["合宿 議論", "機械学習", "チームビルディング", "インターン 面接"]
    expected = [open_corpus(corpus).search(q, limit=20) for q in queries]
    assert all(expected)
    met: set[str] = set()
    for number, name in enumerate(_build_files(cache_dir)):
        done = 0
        for damage in DAMAGES[number % 3 :] + DAMAGES[: number % 3]:
            path = live_build(cache_dir) / name
            raw = path.read_bytes()
            damaged = _damaged(raw, (other_build / name).read_bytes(), damage)
            if damaged == raw:
                continue  # the same bytes in both builds (an empty stream): swapping changes nothing
            path.write_bytes(damaged)
            warnings: list[str] = []
            searcher = open_corpus(corpus, warn=warnings.append)
            assert searcher.built is not None, (name, damage)
            assert len(warnings) == 1, (name, damage, warnings)
            assert [searcher.search(q, limit=20) for q in queries] == expected, (name, damage)
            met.add(damage)
            done += 1
            if done == ways:
                break
        assert done, name  # no file is left undamaged
    assert met == set(DAMAGES)


def test_a_full_disk_keeps_the_old_index_and_still_searches(corpus: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_corpus(corpus)
    before = {path.name: path.read_bytes() for path in live_build(cache_dir).iterdir()}
    (corpus / "new.md").write_text("# 新しい\n\nディスクが満杯のときに足された面接の話。\n", encoding="utf-8")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache, "_write", full)
    warnings: list[str] = []
    searcher = open_corpus(corpus, warn=warnings.append)
    assert any("No space left on device" in w for w in warnings)
    assert searcher.search("満杯")[0].doc_id == "new"  # searched in memory
    assert {path.name: path.read_bytes() for path in live_build(cache_dir).iterdir()} == before
    live = live_build(cache_dir)
    assert [p.name for p in live.parent.iterdir() if p.name.startswith("build-")] == [live.name]  # no half-written build left


def _with_file_size_limit(*args: str, limit: int) -> subprocess.CompletedProcess[str]:
    """The installed mlq, run where the system refuses every byte of a file past ``limit``
    (RLIMIT_FSIZE: EFBIG, as a full disk's ENOSPC or a quota's EDQUOT refuse them)."""

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [mlq_command(), *args], capture_output=True, text=True, encoding="utf-8", preexec_fn=limited, timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_a_disk_that_fills_up_under_a_build_leaves_the_search_answered_from_memory(corpus: Path, cache_dir: Path) -> None:
    """No mock: writes really fail part way through the build's scratch files and its new
    build, whether the corpus is indexed for the first time or edited since."""
    first = _with_file_size_limit("search", "面接", "--corpus", str(corpus), "--format", "tsv", limit=16 << 10)
    assert first.returncode == 0, first.stderr
    assert "cannot write the index cache" in first.stderr and "internal error" not in first.stderr
    assert run_mlq("search", "面接", "--corpus", str(corpus), "--format", "tsv").stdout == first.stdout

    before = {path.name: path.read_bytes() for path in live_build(cache_dir).iterdir()}
    with (corpus / "landing-an-ml-job.md").open("a", encoding="utf-8") as out:
        out.write("\n満杯のディスクで足した一行。\n")
    edited = _with_file_size_limit("search", "満杯", "--corpus", str(corpus), "--format", "tsv", limit=16 << 10)
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout.split("\t")[1] == "landing-an-ml-job" and "internal error" not in edited.stderr
    assert {path.name: path.read_bytes() for path in live_build(cache_dir).iterdir()} == before
    assert run_mlq("index", "--verify", "--corpus", str(corpus)).returncode == 0


def test_a_lock_removed_while_waited_on_is_taken_again_so_one_build_runs_at_a_time(tmp_path: Path) -> None:
    # mlq index --clear removes the entry, lock file and all, while a search waits on that file:
    # the search must lock the file now there, or a newcomer making a new one would build too.
    import shutil
    import threading

    entry = tmp_path / "entry"
    waiting, inside, leave = threading.Event(), threading.Event(), threading.Event()

    def search() -> None:
        with cache.lock(entry, on_wait=waiting.set):
            inside.set()
            leave.wait(10)

    with cache.lock(entry):
        waiter = threading.Thread(target=search)
        waiter.start()
        assert waiting.wait(10)  # it has the lock file open, and waits on it
        shutil.rmtree(entry)  # as --clear does, holding the lock
    try:
        assert inside.wait(10)
        with cache.lock(entry, blocking=False) as held:
            assert held is False  # the waiter holds the entry's lock: no second build
    finally:
        leave.set()
        waiter.join(10)
    with cache.lock(entry, blocking=False) as held:
        assert held is True


def test_ctrl_c_as_a_new_build_goes_live_leaves_it_whole_and_no_old_build_beside_it(corpus: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    open_corpus(corpus)
    index = open_corpus(corpus).index  # as loaded from the cache
    entry = entry_dir(corpus.resolve())
    real_switch = cache._replace_text

    def switched_then_interrupted(path: Path, text: str) -> None:
        real_switch(path, text)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, the moment the pointer moves

    monkeypatch.setattr(cache, "_replace_text", switched_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        cache.save(entry, index, 0.0)
    builds = [p.name for p in entry.glob("build-*")]
    assert builds == [(entry / "current").read_text().strip()]  # the new one, alone
    assert cache.verify(entry) == []
    monkeypatch.setattr(cache, "_replace_text", real_switch)
    assert open_corpus(corpus).built is None  # loaded as it is: whole
