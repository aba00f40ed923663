"""Japanese text → terms, one analyzer for documents and queries alike.

Two fields come out of a text:

* ``words``: SudachiPy mode C normalized forms, lower-cased, so that サーバ/サーバー,
  打込み/打ち込む and ＭＬＯｐｓ/MLOps meet. Particles, auxiliary verbs, symbols and
  whitespace are dropped by part of speech.
* ``bigrams``: overlapping character bigrams of the NFKC-normalized, lower-cased text, never
  across whitespace or punctuation (a lone character stands for itself). They find part of a
  compound or of a word Sudachi keeps whole: 学習 in 機械学習, インターン in インターンシップ.

Every term keeps its span in the text it came from, so a hit can highlight exactly the
characters that matched.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Sequence

import sudachidict_core
import sudachipy
from sudachipy import Dictionary, Morpheme, SplitMode

FIELDS = ("words", "bigrams")

# Sudachi refuses inputs over about 49 KB; 4,000 characters are at most 16 KB of UTF-8.
_SUDACHI_MAX_CHARS = 4000
_CHUNK_BREAK = re.compile(r"\n|[。．！？!?]\s*|\s+")


@dataclass(frozen=True)
class Term:
    """A term and the span ``[start, end)`` of the characters it came from."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class AnalyzerSettings:
    split_mode: str = "C"
    #: First-level Sudachi parts of speech that carry no meaning a search could want.
    dropped_pos: tuple[str, ...] = ("助詞", "助動詞", "補助記号", "記号", "空白")
    #: Whether Latin letters and digits make bigrams too, or only Japanese script does.
    latin_bigrams: bool = True


@dataclass(frozen=True)
class PassageContext:
    """How many times a passage's context counts with its own words: the document's title,
    where the document gives one (front matter, a JSON Lines ``title``), and the path of
    headings the passage sits under. A passage under "MLOps > 運用" is about MLOps even when
    it never says so; 0 leaves that context out."""

    title: int = 1
    headings: int = 1


@functools.cache
def _dictionary() -> Dictionary:
    """The Sudachi dictionary, loaded once per process (it takes a good part of a second)."""
    return Dictionary(dict="core")


@functools.cache
def versions() -> dict[str, str]:
    """What the terms depend on besides the settings: a change to any of these changes the
    analysis, so the on-disk index is rebuilt."""
    return {
        "sudachipy": sudachipy.__version__,
        "sudachidict_core": _dictionary_version(),
        "unicode": unicodedata.unidata_version,
    }


def _dictionary_version() -> str:
    # Read off the installed distribution's folder name: importlib.metadata would add a
    # twentieth of a second to every run, and the package has no __version__.
    package = Path(sudachidict_core.__file__).parent
    for info in package.parent.glob("sudachidict_core-*.dist-info"):
        return info.name.removeprefix("sudachidict_core-").removesuffix(".dist-info")
    import importlib.metadata

    return importlib.metadata.version("sudachidict-core")


class Analyzer:
    """Turns text into the terms of each field. Cheap to create; the dictionary is shared."""

    def __init__(self, settings: AnalyzerSettings = AnalyzerSettings()) -> None:
        self.settings = settings
        self._mode = getattr(SplitMode, settings.split_mode)
        self._tokenizer = _dictionary().tokenizer(self._mode, fields={"pos", "normalized_form"})
        self._dropped = frozenset(settings.dropped_pos)
        self._dropped_pos_ids: dict[int, bool] = {}

    def _is_dropped(self, pos_id: int) -> bool:
        # A cache by part-of-speech id: building the POS tuple of every morpheme costs more
        # than the rest of the filtering.
        dropped = self._dropped_pos_ids.get(pos_id)
        if dropped is None:
            dropped = self._dropped_pos_ids[pos_id] = _dictionary().pos_of(pos_id)[0] in self._dropped
        return dropped

    def fingerprint(self) -> dict[str, object]:
        return {"settings": asdict(self.settings), "versions": versions()}

    def analyze(self, text: str) -> dict[str, list[Term]]:
        return {"words": self.words(text), "bigrams": bigrams(text, self.settings.latin_bigrams)}

    def texts(self, text: str) -> dict[str, list[str]]:
        """The texts of :meth:`analyze`'s terms, without their spans: what indexing needs,
        at a fraction of the cost."""
        return {
            "words": [form for form, _, _ in self._kept(text)],
            "bigrams": bigram_texts(text, self.settings.latin_bigrams),
        }

    def words(self, text: str) -> list[Term]:
        return [Term(form, *_span(morpheme, offset)) for form, morpheme, offset, kept in self._morphemes(text) if kept]

    def tokens(self, text: str) -> list[Token]:
        """Everything :meth:`analyze` sees, dropped morphemes included, for `mlq analyze`:
        each Sudachi morpheme (indexed or not), then each bigram."""
        found = []
        for form, morpheme, offset, kept in self._morphemes(text):
            start, end = _span(morpheme, offset)
            pos = ",".join(part for part in morpheme.part_of_speech() if part != "*")
            found.append(Token("words", text[start:end], form, pos, start, end, kept))
        for term in bigrams(text, self.settings.latin_bigrams):
            found.append(Token("bigrams", text[term.start : term.end], term.text, "", term.start, term.end, True))
        return found

    def _kept(self, text: str) -> Iterator[tuple[str, Morpheme, int]]:
        """Each morpheme indexed, with its form and the offset of the chunk it came from."""
        return ((form, morpheme, offset) for form, morpheme, offset, kept in self._morphemes(text) if kept)

    def _morphemes(self, text: str) -> Iterator[tuple[str, Morpheme, int, bool]]:
        """Every morpheme with its form, its chunk's offset, and whether it is indexed: not a
        dropped part of speech, and not blank. The one place that decides what the words
        field holds, for indexing, searching and `mlq analyze` alike."""
        for offset, chunk in _chunks(text, _SUDACHI_MAX_CHARS):
            for morpheme in self._tokenizer.tokenize(chunk, self._mode):
                form = morpheme.normalized_form().lower()
                kept = not self._is_dropped(morpheme.part_of_speech_id()) and bool(form) and not form.isspace()
                yield form, morpheme, offset, kept


def _span(morpheme: Morpheme, offset: int) -> tuple[int, int]:
    start, end = offset + morpheme.begin(), offset + morpheme.end()
    if end <= start:
        # Sudachi expands some characters before analysis (㍻ → 平成); a morpheme cut from
        # inside the expansion comes back empty. It came from the character just before.
        start, end = max(start - 1, 0), max(start, 1)
    return start, end


@dataclass(frozen=True)
class Token:
    """One piece of analysed text as `mlq analyze` shows it: the characters it came from
    (``surface``, at ``start:end``), the term it became, its part of speech (words only), and
    whether the index holds it."""

    field: str
    surface: str
    term: str
    part_of_speech: str
    start: int
    end: int
    indexed: bool


def bigram_texts(text: str, latin: bool = True) -> list[str]:
    """The texts of :func:`bigrams`' terms."""
    normalized = normalize(text)[0]
    found: list[str] = []
    for run in (_RUN if latin else _JAPANESE_RUN).findall(normalized):
        found += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
    return found


def bigrams(text: str, latin: bool = True) -> list[Term]:
    """Character bigrams of NFKC(text).lower(), with spans in ``text``; with ``latin`` False,
    of Japanese script only (kanji, kana), leaving Latin words and numbers to the words field."""
    normalized, starts, ends = normalize(text)
    terms = []
    for run in (_RUN if latin else _JAPANESE_RUN).finditer(normalized):
        first, last = run.start(), run.end() - 1
        if first == last:
            terms.append(Term(normalized[first], starts[first], ends[first]))
        else:
            terms.extend(Term(normalized[i : i + 2], starts[i], ends[i + 1]) for i in range(first, last))
    return terms


# What a bigram is made of: letters and digits (str.isalnum), and the combining marks NFKC may
# leave in Latin or kana text. Anything else (space, punctuation, symbol) ends a run.
_RUN = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u3099\u309a])+")
# Kana (with ー and voicing marks), kanji (with 々〆) and the CJK extensions.
_JAPANESE_RUN = re.compile(r"[\u3005\u3006\u3041-\u309f\u30a1-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


def normalize(text: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """NFKC(text).lower(), and for each of its characters the span ``starts[i]:ends[i]`` of the
    original characters it came from. NFKC changes lengths (㍻ → 平成, ｶﾞ → ガ), so it is
    applied cluster by cluster: a base character with the combining or voicing marks after it.
    Most text maps one character to one, which is checked for first, at C speed."""
    whole = unicodedata.normalize("NFKC", text).lower()
    if len(whole) == len(text) and whole == text.translate(_PER_CHARACTER):
        return whole, range(len(text)), range(1, len(text) + 1)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    start = 0
    while start < len(text):
        end = start + 1
        while end < len(text) and _joins_previous(text[end]):
            end += 1
        for char in _normalize(text[start:end]):
            chars.append(char)
            starts.append(start)
            ends.append(end)
        start = end
    return "".join(chars), starts, ends


@functools.lru_cache(maxsize=65536)
def _normalize(cluster: str) -> str:
    return unicodedata.normalize("NFKC", cluster).lower()


class _PerCharacter(dict):
    """``str.translate`` table of each character's own NFKC + lower-case form, filled as
    characters are met: the check that a text normalizes character by character runs at C
    speed for every character seen before. A cache, and obviously one."""

    def __missing__(self, code: int) -> str:
        self[code] = _normalize(chr(code))
        return self[code]


_PER_CHARACTER = _PerCharacter()


def _joins_previous(char: str) -> bool:
    # Half-width voicing marks (ﾞﾟ) are not combining characters, yet NFKC
    # folds them into the kana before them.
    return unicodedata.combining(char) != 0 or char in "\uff9e\uff9f"


def _chunks(text: str, limit: int) -> Iterator[tuple[int, str]]:
    """``text`` in pieces of at most ``limit`` characters, cut after a line, sentence or space
    where possible, each with its offset."""
    start = 0
    while len(text) - start > limit:
        breaks = _CHUNK_BREAK.finditer(text, start + limit // 2, start + limit)
        cut = max((match.end() for match in breaks), default=start + limit)
        yield start, text[start:cut]
        start = cut
    if start < len(text):
        yield start, text[start:]
