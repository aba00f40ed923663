"""mlq beside other search engines on the same prose, in one run: where it stands.

    python bench/peers.py [--corpus DIR] [--queries N]

Every system indexes the very passages mlq searches (their prose, as mlq's index holds it,
read back from a build of ``--corpus``, by default ``../shared/corpora/mdn-ja``) and answers
the same queries: nouns of the documents' titles as the titles write them (not as mlq's
analyzer makes them terms: prototype, not its stem prototyp), one or two at a time, as a
reader recalls a page (``--queries``, default 200; fixed seed). Each is measured in a process of its own:

* **build**: wall seconds to index the passages from scratch;
* **peak memory**: the highest memory of the building process and its children together, as
  proportional set sizes (pages they share counted once; sampled every 50 ms: see
  ``bench/processes.py``);
* **on disk**: the disk space of the index (allocated blocks; with the texts, where the system
  stores them);
* **cold query**: wall seconds of a fresh process that opens the index and answers one query;
* **warm p50 / p95**: milliseconds per query (top 10) in a process that has the index open.

The peers, each skipped with a line saying so when it is not installed: SQLite FTS5 with its
trigram tokenizer (in Python's sqlite3), bm25s (PyPI) over Sudachi words as mlq analyses them,
Groonga (Debian's ``groonga-bin``) with TokenBigram. mlq itself runs as installed
(``mlq index``, ``mlq search``; in process, ``Searcher.search`` with highlights).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installed import mlq_command, mlq_env
from processes import run_measured

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"



def size_mb(path: Path) -> float:
    """The disk space files under ``path`` take (allocated blocks, as ``du``: Groonga's files
    are sparse, their sizes far larger than what they hold)."""
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    return sum(p.stat().st_blocks * 512 for p in files) / 1e6


# ---------------------------------------------------------------------------------------------
# The peers. Each is this script run with --peer NAME --phase build|cold|warm, so that its
# memory and start-up are its own.


def _passages(work: Path) -> list[str]:
    return [json.loads(line)["text"] for line in (work / "passages.jsonl").open(encoding="utf-8")]


def _queries(work: Path) -> list[str]:
    return json.loads((work / "queries.json").read_text(encoding="utf-8"))


def _timed(answer, queries: list[str]) -> dict[str, float]:
    answer(queries[0])  # warm
    times = []
    for query in queries:
        started = time.perf_counter()
        answer(query)
        times.append(time.perf_counter() - started)
    times.sort()
    return {"p50_ms": 1000 * times[len(times) // 2], "p95_ms": 1000 * times[int(len(times) * 0.95)]}


class Sqlite:
    name = "SQLite FTS5 trigram"

    @staticmethod
    def available() -> str | None:
        import sqlite3

        try:
            sqlite3.connect(":memory:").execute("create virtual table t using fts5(x, tokenize='trigram')")
        except sqlite3.OperationalError as error:
            return f"no FTS5 trigram in this sqlite3 ({error})"
        return None

    @staticmethod
    def build(work: Path) -> Path:
        import sqlite3

        path = work / "fts5.db"
        db = sqlite3.connect(path)
        db.execute("create virtual table passages using fts5(text, tokenize='trigram')")
        db.executemany("insert into passages(text) values (?)", ((text,) for text in _passages(work)))
        db.commit()
        db.close()
        return path

    @staticmethod
    def opener(work: Path):
        import sqlite3

        db = sqlite3.connect(work / "fts5.db")

        def answer(query: str) -> list:
            words = [w for w in query.split() if len(w) >= 3] or [query.replace(" ", "")]
            match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
            return db.execute("select rowid from passages where passages match ? order by bm25(passages) limit 10", (match,)).fetchall()

        return answer


class Bm25s:
    name = "bm25s over Sudachi words"

    @staticmethod
    def available() -> str | None:
        try:
            import bm25s  # noqa: F401
        except ImportError:
            return "bm25s is not installed (pip install bm25s)"
        return None

    @staticmethod
    def build(work: Path) -> Path:
        import bm25s

        from mlq import Analyzer

        analyzer = Analyzer()
        tokens = [analyzer.texts(text)["words"] for text in _passages(work)]
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        retriever.save(str(work / "bm25s"))
        return work / "bm25s"

    @staticmethod
    def opener(work: Path):
        import bm25s

        from mlq import Analyzer

        analyzer = Analyzer()
        retriever = bm25s.BM25.load(str(work / "bm25s"), mmap=True)

        def answer(query: str) -> list:
            words = analyzer.texts(query)["words"]
            return retriever.retrieve([words], k=10, show_progress=False) if words else []

        return answer


class Groonga:
    name = "Groonga TokenBigram"

    @staticmethod
    def available() -> str | None:
        return None if shutil.which("groonga") else "groonga is not installed (apt-get install groonga-bin)"

    @staticmethod
    def _run(db: Path, commands: str, create: bool = False) -> str:
        args = ["groonga", *(["-n"] if create else []), str(db)]
        return subprocess.run(args, input=commands, capture_output=True, text=True, check=True).stdout

    @staticmethod
    def build(work: Path) -> Path:
        db = work / "groonga" / "db"
        db.parent.mkdir()
        rows = json.dumps([{"_key": str(i), "text": text} for i, text in enumerate(_passages(work))], ensure_ascii=False)
        Groonga._run(
            db,
            "table_create Passages TABLE_HASH_KEY ShortText\ncolumn_create Passages text COLUMN_SCALAR LongText\n"
            "table_create Terms TABLE_PAT_KEY ShortText --default_tokenizer TokenBigram --normalizer NormalizerAuto\n"
            "column_create Terms index COLUMN_INDEX|WITH_POSITION Passages text\n"
            f"load --table Passages\n{rows}\n",
            create=True,
        )
        return db.parent

    @staticmethod
    def opener(work: Path):
        db = work / "groonga" / "db"
        process = subprocess.Popen(["groonga", str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

        def answer(query: str) -> str:
            escaped = query.replace("\\", "\\\\").replace('"', '\\"')
            process.stdin.write(f'select Passages --match_columns text --query "{escaped}" --limit 10 --output_columns _key --sort_keys -_score\n')
            process.stdin.flush()
            return process.stdout.readline()

        return answer


PEERS = {"sqlite": Sqlite, "bm25s": Bm25s, "groonga": Groonga}


def peer_phase(name: str, phase: str, work: Path) -> None:
    peer = PEERS[name]
    if phase == "build":
        print(json.dumps({"size_mb": size_mb(peer.build(work))}))
    elif phase == "cold":
        peer.opener(work)(_queries(work)[0])
    else:
        print(json.dumps(_timed(peer.opener(work), _queries(work))))


# ---------------------------------------------------------------------------------------------
# mlq, and the run


def prepare(corpus: Path, work: Path, count: int) -> dict[str, float]:
    """Build mlq's index (measured), and write its passages' prose and the queries for the peers."""
    mlq = mlq_command()
    env = mlq_env(work / "mlq-cache")
    seconds, peak = run_measured([mlq, "index", "--rebuild", "--jobs", "2", "--corpus", str(corpus)], env)[:2]
    os.environ["MLQ_CACHE_DIR"] = str(work / "mlq-cache")
    import mlq as library

    searcher = library.open_corpus(corpus)
    index = searcher.index
    with (work / "passages.jsonl").open("w", encoding="utf-8") as out:
        for row in range(len(index.passages)):
            out.write(json.dumps({"text": index.prose(row)}, ensure_ascii=False) + "\n")
    rng = random.Random(16)
    nouns = []
    for document in searcher.documents:
        nouns.append([t.surface for t in searcher.analyzer.tokens(document.title) if t.field == "words" and t.indexed and t.part_of_speech.startswith("名詞") and len(t.surface) > 1])
    queries: list[str] = []
    while len(queries) < count:
        words = rng.choice(nouns)
        if words:
            queries.append(" ".join(rng.sample(words, min(len(words), rng.choice((1, 2))))))
    (work / "queries.json").write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    cold = statistics.median(run_measured([mlq, "search", queries[0], "--corpus", str(corpus)], env).seconds for _ in range(5))
    warm = _timed(lambda q: searcher.search(q, limit=10), queries)
    cache_size = size_mb(work / "mlq-cache")
    return {"build_s": seconds, "peak_mb": peak, "size_mb": cache_size, "cold_s": cold, **warm}


def measure_peer(name: str, work: Path) -> dict[str, float] | str:
    missing = PEERS[name].available()
    if missing:
        return missing
    me = [sys.executable, __file__, "--peer", name, "--work", str(work)]
    build = run_measured([*me, "--phase", "build"])
    seconds, peak, size = build.seconds, build.peak_mb, json.loads(build.stdout)["size_mb"]
    cold = statistics.median(run_measured([*me, "--phase", "cold"]).seconds for _ in range(5))
    warm = json.loads(run_measured([*me, "--phase", "warm"]).stdout)
    return {"build_s": seconds, "peak_mb": peak, "size_mb": size, "cold_s": cold, **warm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPORA / "mdn-ja")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--peer", choices=sorted(PEERS), help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=("build", "cold", "warm"), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        peer_phase(args.peer, args.phase, args.work)
        return
    if not args.corpus.is_dir():
        print(f"skipped: {args.corpus} is not here")
        return
    corpus_mb = sum(p.stat().st_size for p in args.corpus.rglob("*") if p.is_file()) / 1e6
    with tempfile.TemporaryDirectory(prefix="mlq-peers-") as scratch:
        work = Path(scratch)
        results = {"mlq": prepare(args.corpus, work, args.queries)}
        for name in PEERS:
            results[PEERS[name].name] = measure_peer(name, work)
    print(f"corpus: {args.corpus} ({corpus_mb:.1f} MB); {args.queries} queries of title nouns\n")
    print(f"{'system':28} {'build s':>8} {'peak MB':>8} {'disk MB':>8} {'cold s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for system, found in results.items():
        if isinstance(found, str):
            print(f"{system:28} skipped: {found}")
            continue
        print(
            f"{system:28} {found['build_s']:8.2f} {found['peak_mb']:8.0f} {found['size_mb']:8.1f} "
            f"{found['cold_s']:7.2f} {found['p50_ms']:7.2f} {found['p95_ms']:7.2f}"
        )
    print(f"\nmlq's index is {results['mlq']['size_mb'] / corpus_mb:.1f}× the corpus.")


if __name__ == "__main__":
    main()
