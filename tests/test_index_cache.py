"""The on-disk index under change, crashes and concurrency: real files, real `mlq` processes."""

from __future__ import annotations

import json
import mmap
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import aged, mlq_command, run_mlq, split_essays

from mlq import Searcher, bundled_corpus, cache, ingest, load_corpus, open_corpus
from mlq.cache import entry_dir, load
from mlq.errors import MlqError
from mlq.index import IndexSettings, build_index

QUERIES = ["インターン 面接", "機械学習", "研究所", "チームビルディング", "ビザ"]


def results(searcher) -> list:
    return [searcher.search(query, limit=20) for query in QUERIES]


def live_build(corpus: Path) -> Path:
    entry = entry_dir(corpus.resolve())
    return entry / (entry / "current").read_text().strip()


def test_one_changed_file_is_the_only_one_analysed_and_results_match_a_full_build(
    many_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_corpus(many_files, jobs=1)
    assert first.built is not None and first.built.analysed_files == 60
    target = many_files / "part3" / "essay-009.md"
    target.write_text(target.read_text(encoding="utf-8") + "\nユニコーン企業の面接についての追記。\n", encoding="utf-8")
    (many_files / "part1" / "essay-013.md").unlink()
    (many_files / "new.md").write_text("# 新しい\n\nユニコーンの話。", encoding="utf-8")

    again = open_corpus(many_files, jobs=1)
    assert again.built is not None
    assert again.built.reason == "+1 ~1 -1 files"
    assert again.built.analysed_files == 2  # the changed file and the new one
    assert again.search("ユニコーン", limit=1)[0].doc_id in {"part3/essay-009", "new"}

    monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / "fresh-cache"))
    full = open_corpus(many_files, jobs=1)
    assert full.built is not None and full.built.analysed_files == 60
    assert results(again) == results(full)
    assert [d.doc_id for d in again.documents] == [d.doc_id for d in full.documents]


def test_an_index_updated_by_edits_renames_and_copies_is_the_one_a_full_build_makes(
    many_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Array for array, with each term's postings in passage order (which matching relies on):
    passages taken over land between new ones, and a renamed or copied file's elsewhere."""
    open_corpus(many_files, jobs=1)
    edited = many_files / "part1" / "essay-013.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n## 追記\n\nユニコーン企業の面接の話。" * 3, encoding="utf-8")
    (many_files / "part2" / "essay-002.md").rename(many_files / "part0" / "renamed.md")
    (many_files / "part3" / "copy.md").write_text((many_files / "part1" / "essay-001.md").read_text(encoding="utf-8"), encoding="utf-8")
    updated = open_corpus(many_files, jobs=1)
    assert updated.built is not None and updated.built.analysed_files == 1

    monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / "fresh-cache"))
    full = open_corpus(many_files, jobs=1)
    assert full.built is not None and full.built.analysed_files == 61
    for name, field in full.index.bm25.fields.items():
        other = updated.index.bm25.fields[name]
        for array, values in field.arrays().items():
            assert np.array_equal(np.asarray(other.arrays()[array]), np.asarray(values)), (name, array)
        assert other.stats == field.stats, name
        ids, starts = field.postings.decoded()[0], np.asarray(field.postings.indptr)
        inside = np.ones(len(ids) - 1, dtype=bool)
        inside[starts[1:-1][starts[1:-1] > 0] - 1] = False  # the step from one term's postings to the next
        assert (ids[1:][inside] > ids[:-1][inside]).all(), name


def test_a_file_without_a_title_renamed_or_copied_is_named_by_its_new_id_and_scores_as_built_afresh(tmp_path: Path) -> None:
    """A document with no title of its own (an empty file, front matter alone) is shown by its
    id: taken over by its content after a rename or a copy, it must not keep the old id as its
    title, nor count it in the document field that every score's statistics share."""
    root = tmp_path / "notes"
    root.mkdir()
    (root / "note.md").write_text("# 面接メモ\n\n面接の準備をした。研究の話もした。\n", encoding="utf-8")
    (root / "other.md").write_text("# 研究\n\n研究の準備をした。\n", encoding="utf-8")
    (root / "template.md").write_text("---\ndate: 2024-01-01\n---\n", encoding="utf-8")
    (root / "empty.md").write_text("", encoding="utf-8")
    open_corpus(root)
    (root / "template.md").rename(root / "2024-06-01.md")
    shutil.copy2(root / "empty.md", root / "blank.md")
    again = open_corpus(root)
    assert again.built is not None and again.built.analysed_files == 0
    assert {d.doc_id: d.shown_title for d in again.documents}["2024-06-01"] == "2024-06-01"
    assert {d.doc_id: d.shown_title for d in again.documents}["blank"] == "blank"
    fresh = Searcher(build_index(root))
    assert [(d.doc_id, d.title) for d in again.documents] == [(d.doc_id, d.title) for d in fresh.documents]
    assert results(again) == results(fresh)


def test_renamed_file_is_taken_over_without_analysis(many_files: Path) -> None:
    open_corpus(many_files, jobs=1)
    (many_files / "part2" / "essay-002.md").rename(many_files / "part2" / "renamed.md")
    searcher = open_corpus(many_files, jobs=1)
    assert searcher.built is not None and searcher.built.analysed_files == 0
    assert "part2/renamed" in {d.doc_id for d in searcher.documents}
    assert searcher.resolve("part2/renamed")[0].title == "断片 2"


def test_touched_files_are_not_rebuilt_and_not_hashed_again(many_files: Path) -> None:
    aged(many_files)
    open_corpus(many_files, jobs=1)
    build = live_build(many_files)
    scores_inode = (build / "words.tf_nibbles.npy").stat().st_ino
    for path in list(many_files.rglob("*.md"))[:5]:
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))  # still long past
    assert open_corpus(many_files).built is None
    # The new times are recorded (a new build of hard links), so the next run needs no hashing.
    assert live_build(many_files) != build
    assert (live_build(many_files) / "words.tf_nibbles.npy").stat().st_ino == scores_inode
    _, manifest = load(entry_dir(many_files.resolve()), IndexSettings())
    recorded = {f.path: f.mtime_ns for f in manifest.files}
    assert all(recorded[p.relative_to(many_files).as_posix()] == p.stat().st_mtime_ns for p in many_files.rglob("*.md"))


def test_output_is_identical_whatever_the_number_of_jobs(many_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = []
    for jobs in (1, 2):
        monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / f"cache-{jobs}"))
        searcher = open_corpus(many_files, jobs=jobs)
        assert searcher.built is not None
        builds.append(live_build(many_files))
    one, two = builds
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    for name in names:
        if name != "manifest.json":  # holds the build time
            assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_a_script_without_a_main_guard_can_build_on_several_jobs(many_files: Path, tmp_path: Path) -> None:
    """A Python user's script calls the library at its top level: the workers must not run it
    again (as spawned or fork-server workers do, where it hung on the index's lock)."""
    script = tmp_path / "notes.py"
    script.write_text(f"from mlq import open_corpus\nprint(len(open_corpus({str(many_files)!r}, jobs=2).documents))\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "60\n", "")


@pytest.mark.parametrize("corpus_kind, started", [("four notes", 0), ("60 files", 1), ("one large file", 1)])
def test_workers_are_started_only_for_a_corpus_with_enough_to_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_kind: str, started: int) -> None:
    """Two workers started for a folder of a few notes and ended unused cost more than its
    whole build: a build on two jobs starts them (once, before it lists the corpus) only for
    enough files to share, or a file large enough to be analysed in parts, and its index is
    the one a build on one job makes."""
    corpus = tmp_path / "corpus"
    if corpus_kind == "60 files":
        split_essays(corpus)
    else:
        essays = [d.text for d in load_corpus(bundled_corpus())]
        for number, text in enumerate(essays[:4] if corpus_kind == "four notes" else ["\n\n".join(essays)]):
            (corpus / f"note{number}.md").parent.mkdir(exist_ok=True)
            (corpus / f"note{number}.md").write_text(text, encoding="utf-8")
    monkeypatch.setattr(ingest, "_PART_BYTES", 16 << 10)  # the essays together are cut in two, no one of them
    calls: list[int] = []
    real = ingest.start_workers
    monkeypatch.setattr(ingest, "start_workers", lambda settings, headers, jobs: (calls.append(jobs), real(settings, headers, jobs))[1])
    hits = []
    for jobs in (2, 1):
        monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / f"cache-{jobs}"))
        hits.append([(h.doc_id, h.passage, h.score) for h in open_corpus(corpus, jobs=jobs).search("機械学習 面接", limit=20)])
    assert calls == [2] * started
    assert hits[0] and hits[0] == hits[1]


def test_a_large_file_shared_among_jobs_gives_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "big"
    corpus.mkdir()
    essays = [d.text for d in load_corpus(bundled_corpus())]
    (corpus / "all.md").write_text("\n\n".join(essays), encoding="utf-8")
    records = [{"id": i, "text": paragraph} for i, paragraph in enumerate(essays[0].split("\n\n"))]
    (corpus / "export.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    monkeypatch.setattr(ingest, "_PART_BYTES", 4096)  # both files are cut in two for two jobs
    assert ingest._parts_of(corpus / "all.md", 2) == ingest._parts_of(corpus / "export.jsonl", 2) == 2
    builds = []
    for jobs in (1, 2):
        monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / f"cache-{jobs}"))
        open_corpus(corpus, jobs=jobs)
        builds.append(live_build(corpus))
    one, two = builds
    for name in sorted(p.name for p in one.iterdir() if p.name != "manifest.json"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


@pytest.mark.parametrize("plain", [True, False], ids=["small index, no numpy", "numpy"])
def test_loading_does_no_work_per_passage(many_files: Path, monkeypatch: pytest.MonkeyPatch, plain: bool) -> None:
    if not plain:
        monkeypatch.setattr(cache, "PLAIN_MAX_PASSAGES", 0)
    open_corpus(many_files)
    index, _ = load(entry_dir(many_files.resolve()), IndexSettings())

    def mapped(array: np.ndarray | memoryview) -> bool:  # a view of a memory map, not a copy in memory
        if plain and not isinstance(array, memoryview):
            return False
        while isinstance(array, np.ndarray) and not array.flags.owndata:
            array = array.base
        return isinstance(array, memoryview) and isinstance(array.obj, mmap.mmap)

    assert mapped(index.passages.doc) and mapped(index.documents.blob)
    assert all(mapped(f.postings.gaps1) and mapped(f.postings.tf_nibbles) and mapped(f.vocabulary.hashes) for f in index.bm25.fields.values())
    assert index.documents._decoded == {}  # no document record read yet
    searcher = open_corpus(many_files)
    hits = searcher.search("面接", limit=3)
    # A search decodes the records of its hits' documents, no others.
    decoded = dict(searcher.index.documents._decoded)
    assert 1 <= len(decoded) <= 3
    assert {record["doc_id"] for record in decoded.values()} == {hit.doc_id for hit in hits}


def kill_build_at(corpus: Path, delay: float) -> None:
    process = subprocess.Popen(
        [mlq_command(), "index", "--rebuild", "--jobs", "2", "--corpus", str(corpus)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGKILL)  # the workers too
    process.wait()


def test_a_build_killed_at_any_moment_leaves_a_working_index(tmp_path: Path) -> None:
    corpus = split_essays(tmp_path / "big", pieces=120)
    assert run_mlq("index", "--corpus", str(corpus)).returncode == 0
    expected = run_mlq("search", "インターン 面接", "--json", "--corpus", str(corpus)).stdout
    # Change the corpus, then kill rebuilds of it at moments spread over a build.
    (corpus / "part0" / "essay-000.md").write_text("# 差し替え\n\nインターンの面接の話。", encoding="utf-8")
    started = time.perf_counter()
    assert run_mlq("index", "--rebuild", "--corpus", str(corpus)).returncode == 0
    duration = time.perf_counter() - started
    changed = run_mlq("search", "インターン 面接", "--json", "--corpus", str(corpus)).stdout
    assert changed != expected
    rng = random.Random(4)
    for delay in sorted(rng.uniform(0.05, duration) for _ in range(6)):
        kill_build_at(corpus, delay)
        result = run_mlq("search", "インターン 面接", "--json", "--corpus", str(corpus))
        assert result.returncode == 0, result.stderr
        assert result.stdout == changed
        assert "warning" not in result.stderr
        verified = run_mlq("index", "--verify", "--corpus", str(corpus))
        assert verified.returncode == 0, verified.stderr


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_a_build_killed_alone_leaves_no_worker_holding_the_cache(tmp_path: Path) -> None:
    """Killed outright while its workers analyse, a build's workers end with it: none lives on
    holding the entry's lock (inherited), which made every later build wait for ever. Many
    files quickly analysed: the workers often wait for tasks, the state in which they hung."""
    rng = random.Random(1)
    words = "機械学習 エンジニア 面接 インターン 研究 開発 データ 分析 モデル 学習 推論 評価 実験 論文 会社 チーム 技術 設計".split()
    corpus = tmp_path / "many"
    for i in range(400):
        paragraphs = ("".join(rng.choice(words) + rng.choice("はをがにでと") for _ in range(30)) + "。" for _ in range(40))
        (corpus / f"g{i % 10}").mkdir(parents=True, exist_ok=True)
        (corpus / f"g{i % 10}" / f"b{i:04d}.md").write_text(f"# 文書{i}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    process = subprocess.Popen(
        [mlq_command(), "index", "--rebuild", "--jobs", "2", "--corpus", str(corpus)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while len(workers := _children(process.pid)) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(workers) == 2, "the build ended before its workers could be seen"
    time.sleep(1.5)  # into their analysing, each waiting its turn at the tasks' pipe
    assert process.poll() is None, "the build ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)  # the build alone, not its process group
    process.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "a worker outlived its build"
    assert run_mlq("index", "--corpus", str(corpus)).returncode == 0  # not left waiting for the lock


def test_processes_started_together_on_a_stale_index_build_it_once(many_files: Path) -> None:
    assert run_mlq("index", "--corpus", str(many_files)).returncode == 0
    (many_files / "part0" / "essay-000.md").write_text("# 差し替え\n\nインターンの面接の話。", encoding="utf-8")
    processes = [
        subprocess.Popen(
            [mlq_command(), "search", "インターン 面接", "--json", "--corpus", str(many_files)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert len({stdout for stdout, _ in outputs}) == 1
    assert "part0/essay-000" in outputs[0][0]
    notes = [stderr for _, stderr in outputs]
    assert sum("indexed" in s for s in notes) == 1, notes
    assert all("indexed" in s or "waiting for another mlq" in s or s == "" for s in notes), notes
    assert run_mlq("index", "--verify", "--corpus", str(many_files)).returncode == 0


def test_manifest_tampering_is_caught_and_rebuilt(corpus: Path) -> None:
    expected = results(open_corpus(corpus))
    manifest_path = live_build(corpus) / "manifest.json"
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    data["manifest"]["counts"]["passages"] += 1  # still valid JSON, no longer what was written
    manifest_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    warnings: list[str] = []
    searcher = open_corpus(corpus, warn=warnings.append)
    assert searcher.built is not None and "checksum" in warnings[0]
    assert results(searcher) == expected


def test_verify_finds_a_flipped_byte_that_loading_does_not_check(corpus: Path, tmp_path: Path) -> None:
    assert run_mlq("index", "--corpus", str(corpus)).returncode == 0
    path = live_build(corpus) / "bigrams.tf_nibbles.npy"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    result = run_mlq("index", "--verify", "--corpus", str(corpus))
    assert result.returncode == 2
    assert "bigrams.tf_nibbles.npy: checksum does not match" in result.stderr
    assert "run `mlq index --rebuild`" in result.stderr  # what mends it: a plain `mlq index` trusts the sizes
    assert len(result.stderr.splitlines()) == 1
    assert run_mlq("index", "--rebuild", "--corpus", str(corpus)).returncode == 0
    assert run_mlq("index", "--verify", "--corpus", str(corpus)).returncode == 0


def test_verify_without_an_index_says_so_in_one_line(corpus: Path) -> None:
    result = run_mlq("index", "--verify", "--corpus", str(corpus))
    assert result.returncode == 2
    assert "no cached index" in result.stderr and "internal error" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_status_clear_and_prune(corpus: Path, tmp_path: Path, cache_dir: Path) -> None:
    assert "none yet" in run_mlq("index", "--status", "--corpus", str(corpus)).stdout
    run_mlq("index", "--corpus", str(corpus))
    status = run_mlq("index", "--status", "--corpus", str(corpus)).stdout
    assert f"corpus:  {corpus.resolve()}" in status and str(cache_dir) in status
    assert "MB" in status and "built:" in status and "status:  up to date" in status
    (corpus / "extra.md").write_text("追加", encoding="utf-8")
    assert "status:  stale: +1 ~0 -0 files" in run_mlq("index", "--status", "--corpus", str(corpus)).stdout
    live = entry_dir(corpus.resolve()) / (entry_dir(corpus.resolve()) / "current").read_text().strip()
    texts = live / "texts.npy"
    kept = texts.read_bytes()
    texts.unlink()  # a file of the build gone: the status says so, as a search would find it
    assert "index:   damaged (damaged cache entry" in run_mlq("index", "--status", "--corpus", str(corpus)).stdout
    texts.write_bytes(kept)

    gone = tmp_path / "gone"
    gone.mkdir()
    (gone / "a.md").write_text("消える", encoding="utf-8")
    run_mlq("index", "--corpus", str(gone))
    assert len(list(cache_dir.iterdir())) == 2
    gone.joinpath("a.md").unlink()
    gone.rmdir()
    pruned = run_mlq("index", "--prune")
    assert pruned.returncode == 0 and str(gone) in pruned.stdout
    assert [p.name for p in cache_dir.iterdir()] == [entry_dir(corpus.resolve()).name]

    cleared = run_mlq("index", "--clear", "--corpus", str(corpus))
    assert cleared.returncode == 0 and not entry_dir(corpus.resolve()).exists()
    assert run_mlq("index", "--clear", "--corpus", str(corpus)).returncode == 1


def test_prune_removes_only_mlqs_entries(tmp_path: Path, cache_dir: Path) -> None:
    """The cache may be any folder: pruning leaves what is not an entry of mlq's alone, even
    a folder named like one that holds something else, and an entry a build is filling; it
    removes an entry a build left empty."""
    (cache_dir / "notes").mkdir(parents=True)
    (cache_dir / "notes" / "keep.md").write_text("# 残す\n", encoding="utf-8")
    lookalike = cache_dir / "notes-0123456789abcdef"
    lookalike.mkdir()
    (lookalike / "keep.md").write_text("# これも残す\n", encoding="utf-8")
    project = cache_dir / "myproj-0123456789abcdef"  # named like an entry, with a "current" mlq cannot read
    (project / "src").mkdir(parents=True)
    (project / "current").write_text("v2\n", encoding="utf-8")
    (project / "src" / "main.py").write_text("print(1)\n", encoding="utf-8")
    damaged = entry_dir(tmp_path / "damaged")  # mlq's own, its build gone: removed
    (damaged / "build-0123456789ab").mkdir(parents=True)
    (damaged / "current").write_text("build-ba9876543210", encoding="utf-8")
    (damaged / "lock").touch()
    empty = entry_dir(tmp_path / "never-built")
    (empty / ".counts-x").mkdir(parents=True)
    with cache.lock(empty):  # as a first build holds it while it runs: its entry is not left over
        during = run_mlq("index", "--prune")
    assert during.returncode == 0 and str(empty) not in during.stdout and (empty / ".counts-x").exists()
    assert str(damaged) in during.stdout and not damaged.exists()
    pruned = run_mlq("index", "--prune")
    assert pruned.returncode == 0 and str(empty) in pruned.stdout and not empty.exists()
    assert (cache_dir / "notes" / "keep.md").exists() and (lookalike / "keep.md").exists()
    assert (project / "src" / "main.py").exists() and str(project) not in pruned.stdout


def test_a_cache_folder_removed_while_indexing_is_a_clear_error_and_the_next_run_builds(many_files: Path) -> None:
    """Someone clears ~/.cache while a build runs: what it put aside there is gone, so it
    stops with an error that says so (the CLI's one line), and the next run indexes again."""
    root = many_files.resolve()
    entry = entry_dir(root)
    removed: list[bool] = []

    def progress(done: int, total: int) -> None:
        if not removed:
            shutil.rmtree(entry)
            removed.append(True)

    with pytest.raises(MlqError, match="removed while indexing"):
        cache.open_index(root, IndexSettings(), jobs=1, progress=progress)
    assert removed
    assert results(open_corpus(many_files)) == results(Searcher(build_index(root)))


def test_a_corpus_folder_moved_while_indexing_leaves_the_index_as_it_was(many_files: Path) -> None:
    """Its files go missing one by one under the build, each a warning: what is left of them is
    no index of the corpus, and must not replace the one there is."""
    root = many_files.resolve()
    before = results(open_corpus(root))
    (root / "extra.md").write_text("# 追加\n\n追加の面接の話。\n", encoding="utf-8")  # so that the next search builds
    moved = root.with_name(root.name + "-moved")
    done: list[bool] = []

    def progress(finished: int, total: int) -> None:
        if not done:
            root.rename(moved)
            done.append(True)

    try:
        with pytest.raises(MlqError, match="moved or removed while indexing"):
            cache.open_index(root, IndexSettings(), jobs=1, progress=progress, warn=lambda message: None)
    finally:
        moved.rename(root)
    (root / "extra.md").unlink()
    assert results(open_corpus(root)) == before


QUERIES_BOTH_WAYS = [*QUERIES, "サーバーの打ち込み", "面接 面接 学習", "量子色力学", "MLOps", "の 機械学習 エンジニア"]


def test_a_small_index_read_without_numpy_answers_exactly_as_with_it(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_corpus(corpus)  # built: the index in memory is numpy's
    plain = open_corpus(corpus).index  # loaded from the cache
    assert isinstance(plain.passages.doc, memoryview)
    monkeypatch.setattr(cache, "PLAIN_MAX_PASSAGES", 0)
    with_numpy = open_corpus(corpus)
    assert isinstance(with_numpy.index.passages.doc, np.ndarray)
    analyzer = with_numpy.analyzer
    for query in QUERIES_BOTH_WAYS:
        for per_doc in (None, 1, 3):
            # A searcher's first search reads the small index plainly; later ones with numpy.
            first = Searcher(plain, analyzer).search(query, limit=15, per_doc=per_doc)
            assert first == with_numpy.search(query, limit=15, per_doc=per_doc)
    searcher = Searcher(plain, analyzer)
    for document in plain.documents:
        assert searcher.passages(document) == with_numpy.passages(with_numpy.document(document.doc_id))
    searcher.search("面接")
    assert isinstance(searcher.index.passages.doc, memoryview)
    assert searcher.search("インターン 面接") == with_numpy.search("インターン 面接")
    assert isinstance(searcher.index.passages.doc, np.ndarray)  # switched on the second search


def test_a_search_of_the_bundled_essays_does_not_import_numpy(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom mlq.cli import main\n"
        "try:\n    main(['search', 'インターン 面接', '-n', '1'])\nexcept SystemExit:\n    pass\n"
        "print('numpy' in sys.modules)\n"
    )
    run_mlq("index")  # built (with numpy) beforehand, as it is once
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"


def test_counts_are_stored_small_and_survive_an_incremental_build(tmp_path: Path) -> None:
    """A term frequency is stored in half a byte, those over 15 aside; when an edit brings one
    too large for half a byte, the incremental build counts it right."""
    root = tmp_path / "notes"
    root.mkdir()
    (root / "many.md").write_text("# 面接\n\n今日も面接。\n", encoding="utf-8")
    (root / "other.md").write_text("# 別\n\n面接の話。\n", encoding="utf-8")
    first = open_corpus(root)
    for field in first.index.bm25.fields.values():
        lists = field.postings
        assert len(lists.tf_nibbles) == (lists.size + 1) // 2 and len(lists.tf_aside) == 0
    (root / "many.md").write_text("# 面接\n\n" + "面接 " * 300 + "\n", encoding="utf-8")  # one passage, 300 times
    again = open_corpus(root)  # "other" taken over, its counts a byte each; "many" counted anew
    assert again.built is not None and again.built.analysed_files == 1
    clean = open_corpus(root, rebuild=True)
    row = again.index.passages.rows_of(again.catalog.numbers["many"]).stop - 1
    for name in ("words", "body"):
        unit = row if name == "words" else again.catalog.numbers["many"]
        tf, _ = again.index.bm25.fields[name].posting("面接", unit)
        assert tf >= 300 and tf in list(again.index.bm25.fields[name].postings.tf_aside), name
        assert (tf, _) == clean.index.bm25.fields[name].posting("面接", unit), name
    assert [hit.score for hit in again.search("面接")] == [hit.score for hit in clean.search("面接")]


def test_texts_are_stored_compressed_yet_shown_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index keeps every text compressed (a large one as it is, so that a hit in it costs no
    decompression of all of it); `mlq show` gives the file's text back to the character, from a
    cached index, and a damaged text is a one-line error, not a traceback."""
    from mlq import index as index_module

    corpus = tmp_path / "notes"
    corpus.mkdir()
    essays = [d.text for d in load_corpus(bundled_corpus())]
    (corpus / "small.md").write_text(essays[0], encoding="utf-8")
    (corpus / "large.md").write_text("\n\n".join(essays), encoding="utf-8")
    monkeypatch.setattr(index_module, "_RAW_FROM", len(essays[0].encode("utf-8")) + 1)  # "large" is above it, "small" below
    open_corpus(corpus, jobs=1)
    texts = (live_build(corpus) / "texts.npy").stat().st_size
    small, large = (len(p.read_bytes()) for p in (corpus / "small.md", corpus / "large.md"))
    assert large < texts < large + small / 2  # the small one compressed to under half, the large one as it is
    cached = open_corpus(corpus)
    assert cached.built is None
    for name in ("small", "large"):
        written = (corpus / f"{name}.md").read_text(encoding="utf-8")
        assert cached.document(name).text == written
        shown = run_mlq("show", name, "--corpus", str(corpus))
        assert shown.returncode == 0, shown.stderr
        assert written[cached.document(name).body_start :].strip() in shown.stdout
    path = live_build(corpus) / "texts.npy"
    data = bytearray(path.read_bytes())
    data[-40:-20] = bytes(20)  # inside the last stored text: the small one, compressed
    path.write_bytes(bytes(data))
    damaged = run_mlq("show", "small", "--corpus", str(corpus))
    assert damaged.returncode != 0 and "Traceback" not in damaged.stderr
    assert damaged.stderr.startswith("mlq: ") and "damaged" in damaged.stderr and len(damaged.stderr.splitlines()) == 1


def test_counts_spilled_to_scratch_files_give_the_same_index(many_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large corpus's term counts wait in files beside the cache, not in memory: with the
    threshold brought down so that every field spills many times, the index is byte for byte
    the one built in memory, and no scratch file is left."""
    from mlq import index
    from mlq.bm25 import Gathered

    builds = []
    for spill in (False, True):
        monkeypatch.setenv("MLQ_CACHE_DIR", str(tmp_path / f"cache-{spill}"))
        spills: list[Path] = []
        columns: list[int] = []  # values each column of the build had in its file
        if spill:
            monkeypatch.setattr(Gathered, "PENDING", 50)
            monkeypatch.setattr(Gathered, "SPILL", 100)
            monkeypatch.setattr(index._Column, "BLOCK", 3)  # the passages' and files' columns too
            write, read = Gathered._spill, index._Column.array
            monkeypatch.setattr(Gathered, "_spill", lambda self: (spills.append(self._scratch), write(self)))
            monkeypatch.setattr(index._Column, "array", lambda self: columns.append(self._written) or read(self))
        open_corpus(many_files, jobs=1)
        builds.append(live_build(many_files))
        assert len(spills) >= (10 if spill else 0) and len(set(spills)) == (5 if spill else 0), spills  # each field, many times
        assert sum(1 for written in columns if written) >= (10 if spill else 0), columns
    memory, spilled = builds
    names = sorted(p.name for p in memory.iterdir() if p.name != "manifest.json")
    assert names == sorted(p.name for p in spilled.iterdir() if p.name != "manifest.json")
    for name in names:
        assert (memory / name).read_bytes() == (spilled / name).read_bytes(), name
    assert sorted(p.name for p in spilled.parent.iterdir() if p.name.startswith(".")) == []  # no scratch left


def test_a_build_saves_its_finished_fields_and_texts_by_linking_them_not_writing_them_again(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build puts each field aside in its scratch folder once it is put together, and the
    texts as they come, memory-mapped (so it does not hold them all until it is saved): saving
    links those files, and the index reads back and verifies as any other."""
    linked, written = [], []
    link, write = cache._linked, cache._write
    monkeypatch.setattr(cache, "_linked", lambda source, target: linked.append(target.name) or link(source, target))
    monkeypatch.setattr(cache, "_write", lambda path, out: written.append(path.name) or write(path, out))
    built = open_corpus(corpus, jobs=1)
    assert "texts.npy" in linked and "words.hashes.npy" in linked and "bigrams.hashes.npy" in linked
    assert not any(name.startswith(("words.", "bigrams.", "texts.npy")) for name in written)
    entry = entry_dir(corpus.resolve())
    assert cache.verify(entry) == [] and not list(entry.glob(".counts-*"))  # the scratch folder is gone
    again = open_corpus(corpus, jobs=1)
    assert again.built is None and results(again) == results(built)


def test_a_column_that_cannot_be_written_is_held(tmp_path: Path) -> None:
    """A build's columns spill to its scratch folder; on a full disk (/dev/full takes no byte)
    or with none, they hold what they are given, and give it back."""
    from mlq.index import _Column

    values = np.arange(200_000, dtype=np.int64) * 3
    for aside in (tmp_path, Path("/dev") if Path("/dev/full").exists() else None, None):
        column = _Column(np.int64, "full" if aside == Path("/dev") else "taken", aside)
        for piece in np.array_split(values, 7):
            column.extend(piece)
        column.append(-1)
        assert len(column) == len(values) + 1
        assert column.array().tolist() == values.tolist() + [-1]
    assert (tmp_path / "taken.column").stat().st_size >= 8 * _Column.BLOCK  # that one spilled
