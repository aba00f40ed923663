"""How exactly the installed `mlq` finds an English word in Japanese documents, against grep.

For each word (default: ``model canvas worker fetch promise``), over a folder of Markdown files
(default: ``../shared/corpora/mdn-ja``, relative to the repository root; skipped with a message
if absent), indexed once with ``mlq index`` in a scratch cache::

    mlq search -l WORD -n 100000 --corpus DIR

and printed, per word:

* ``mlq``: how many documents mlq lists;
* ``grep -w``: how many files ``grep -liw WORD`` finds (the word anywhere in the file, any case);
* ``+plural``: how many ``grep -liwE 'WORD|PLURAL'`` finds (plural: +es after s, sh, ch or x,
  else +s: fetches, canvases, workers);
* ``neither``: how many of mlq's documents contain neither the word nor its plural anywhere in the
  file, as ``+plural`` counts — documents a reader searching for the word did not ask for;
* ``missed``: how many files ``+plural`` finds that mlq does not list (grep reads everything,
  code blocks and URLs too, which mlq leaves out of its index: not all of these are mlq's fault).

Then the first 3 ``neither`` documents of each word in mlq's order (with their rank), with the Latin words of the file that
share the word's English Snowball stem (PyStemmer, ``Stemmer.Stemmer("english")``: ``fetched``,
``fetching`` for fetch; ``promised`` for promise): a match that a stemming analyzer finds on
purpose. When there are none, something else made mlq list the document: then the file's Latin
words that contain the word inside a longer one are shown (``ServiceWorker``), or failing that
nothing (a match on character bigrams alone, ``er`` of ``worker`` in ``server``, say).

grep runs with ``LC_ALL=C``, so a whole word is one not next to an ASCII letter, digit or ``_``:
in a UTF-8 locale GNU grep counts kana and kanji as word characters, and ``-w`` would miss
``Workerを`` — most English words in Japanese prose. mlq's document id is a file's path in the
folder without its suffix (``web/api/worker/index`` ↔ ``web/api/worker/index.md``); grep reads
the same files mlq does (``.md``, ``.markdown``, ``.txt``, none hidden nor in a hidden folder).

    python bench/precision.py [WORD ...] [--corpus DIR]

A benchmark to read, not a test: nothing is asserted, and timings are only printed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from installed import mlq_command, mlq_env

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path("../shared/corpora/mdn-ja")
DEFAULT_WORDS = ("model", "canvas", "worker", "fetch", "promise")
SUFFIXES = (".md", ".markdown", ".txt")  # what mlq reads as one document a file
SHOWN = 3  # "neither" documents shown per word
LATIN_WORD = re.compile(r"[A-Za-z]+")
GREP_WORD = re.compile(r"[A-Za-z0-9_]+")


def plural(word: str) -> str:
    return word + ("es" if word.endswith(("s", "sh", "ch", "x")) else "s")


def corpus_files(root: Path) -> dict[str, Path]:
    """mlq's document id → file, for every file mlq reads under ``root``."""
    found = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(SUFFIXES):
                path = Path(folder) / name
                relative = path.relative_to(root).as_posix()
                found[relative[: relative.rfind(".")]] = path
    return found


def grep(options: list[str], pattern: str, files: Sequence[Path]) -> set[Path]:
    """The files that ``grep -l OPTIONS PATTERN`` finds among ``files`` (in the C locale)."""
    env = {**os.environ, "LC_ALL": "C"}
    found: set[Path] = set()
    for start in range(0, len(files), 1000):
        chunk = [str(path) for path in files[start : start + 1000]]
        done = subprocess.run(["grep", "-l", *options, "--", pattern, *chunk], env=env, capture_output=True)
        if done.returncode > 1:
            raise SystemExit(f"grep failed: {done.stderr.decode('utf-8', 'replace').strip()}")
        found.update(Path(line) for line in done.stdout.decode("utf-8", "surrogateescape").splitlines())
    return found


def mlq_lists(word: str, corpus: Path, env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [mlq_command(), "search", "-l", word, "-n", "100000", "--corpus", str(corpus)],
        env=env, capture_output=True,
    )
    if done.returncode not in (0, 1):  # 1: nothing found
        raise SystemExit(f"mlq search failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout.decode("utf-8").split()


def explain(path: Path, word: str, stemmer) -> str:
    """The file's Latin words that share the word's stem (each with the longer token it is part
    of, where grep's whole word is longer: ``Workers (in Web_Workers_API)``), or else its words
    that contain the word."""
    text = path.read_text(encoding="utf-8", errors="replace")
    tokens = Counter(GREP_WORD.findall(text))  # grep -w's words: ASCII letters, digits and _
    stem = stemmer.stemWord(word.lower())
    same: Counter[str] = Counter()
    for token, count in tokens.items():
        for latin in LATIN_WORD.findall(token):
            if stemmer.stemWord(latin.lower()) == stem:
                same[latin if latin == token else f"{latin} (in {token})"] += count
    if same:
        return "same stem: " + ", ".join(shown for shown, _ in same.most_common(6))
    containing = [token for token, _ in tokens.most_common() if word.lower() in token.lower()]
    if containing:
        return "no word of the same stem; containing: " + ", ".join(containing[:6])
    return "no Latin word of the same stem or containing it"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("words", nargs="*", default=list(DEFAULT_WORDS), help=f"default: {' '.join(DEFAULT_WORDS)}")
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS,
        help=f"folder of Markdown files, relative to the repository root or absolute (default: {DEFAULT_CORPUS})",
    )
    args = parser.parse_args(argv)
    corpus = Path(os.path.normpath(REPO / args.corpus))
    if not corpus.is_dir():
        print(f"skipped: corpus folder {corpus} not found", file=sys.stderr)
        return 0
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    files = corpus_files(corpus)
    paths = list(files.values())
    with tempfile.TemporaryDirectory() as scratch:
        env = mlq_env(Path(scratch) / "cache")
        started = time.perf_counter()
        subprocess.run([mlq_command(), "index", "--corpus", str(corpus)], env=env, check=True, capture_output=True)
        print(f"corpus: {corpus} — {len(files)} files; mlq index {time.perf_counter() - started:.1f} s")
        print()
        rows, examples = [], []
        for word in args.words:
            listed = mlq_lists(word, corpus, env)
            exact = grep(["-iw"], word, paths)
            either = grep(["-iwE"], f"{re.escape(word)}|{re.escape(plural(word))}", paths)
            unmapped = [doc for doc in listed if doc not in files]
            neither = [(rank, doc) for rank, doc in enumerate(listed, 1) if doc in files and files[doc] not in either]
            missed = len(either - {files[doc] for doc in listed if doc in files})
            rows.append((word, len(listed), len(exact), len(either), len(neither), missed, len(unmapped)))
            examples.append((word, neither[:SHOWN]))
    width = max(len("word"), *(len(word) for word in args.words))
    print(f"{'word':<{width}}  {'mlq':>6}  {'grep -w':>7}  {'+plural':>7}  {'neither':>7}  {'missed':>6}")
    for word, listed, exact, either, neither, missed, unmapped in rows:
        note = f"  ({unmapped} listed ids with no file)" if unmapped else ""
        print(f"{word:<{width}}  {listed:6d}  {exact:7d}  {either:7d}  {neither:7d}  {missed:6d}{note}")
    for word, docs in examples:
        if not docs:
            continue
        print()
        print(f"{word} ({plural(word)}): mlq's best-ranked documents with neither word in the file")
        for rank, doc in docs:
            print(f"  #{rank} {doc}: {explain(files[doc], word, stemmer)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
