"""Japanese text → terms, one analyzer for documents and queries alike.

Two fields come out of a text:

* ``words``: SudachiPy mode C normalized forms, lower-cased, so that サーバ/サーバー,
  打込み/打ち込む and ＭＬＯｐｓ/MLOps meet. Particles, auxiliary verbs, symbols and
  whitespace are dropped by part of speech. A word written in Latin letters is its own
  lower-cased spelling (Sudachi would normalize "model" to モデル, and "the" to ザ), stemmed
  by Snowball English, so that model/models and promise/promises meet.
* ``bigrams``: overlapping character bigrams of the NFKC-normalized, lower-cased text, never
  across whitespace or punctuation (a lone character stands for itself). They find part of a
  compound or of a word Sudachi keeps whole: 学習 in 機械学習, インターン in インターンシップ.

Every term keeps its span in the text it came from, so a hit can highlight exactly the
characters that matched.
"""

from __future__ import annotations

import functools
from collections import Counter
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Sequence

import Stemmer
import sudachidict_core
import sudachipy
from sudachipy import Dictionary, Morpheme, SplitMode, Tokenizer

#: The analyses a text goes through (each field of the index is made by one of them).
ANALYSES = ("words", "bigrams")

# How many morphemes' decisions an analyzer keeps (a few MB; the common words are met again
# at once after it is emptied).
_DECIDED_MAX = 1 << 13
# Sudachi refuses inputs over about 49 KB; 4,000 characters are at most 16 KB of UTF-8.
_SUDACHI_MAX_CHARS = 4000
# How many lines' terms an analyzer keeps (some 3 MB). The lines met again are mostly met
# soon: on mdn-ja, 4,096 kept leave 152,727 of its 647,813 lines to analyse, 32,768 (20 MB a
# process) 143,327, and keeping every line 139,182.
_LINES_MAX = 1 << 12
_CHUNK_BREAK = re.compile(r"[。．！？!?]\s*|\s+")


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
    #: The Snowball stemmer for words in Latin letters ("" for none).
    latin_stemmer: str = "english"
    #: Parts of speech (a prefix of Sudachi's, levels joined by ",") of a query's filler:
    #: interrogatives, demonstratives and light verbs, which say how a question is asked,
    #: not what it is about. Indexed as usual; outside quotes, a query word of these carries no
    #: weight (bench/RESULTS.md). Measured on `mlq analyze` of typed questions: どんな/どの
    #: (連体詞), 何/いつ/どこ/誰 (代名詞), する/できる/いる/ある/なる (動詞,非自立可能),
    #: ない (形容詞,非自立可能), ように (形状詞,助動詞語幹).
    filler_pos: tuple[str, ...] = ("代名詞", "連体詞", "動詞,非自立可能", "形容詞,非自立可能", "形状詞,助動詞語幹", "接続詞", "感動詞")


@dataclass(frozen=True)
class Headers:
    """What a passage's header (see :mod:`mlq.fields`) and its document's field hold, and how
    many times each part counts: the title, the headings (a passage's path of them; every
    distinct one of the document) and, in the document field, the words of its file's path
    (``web/api/fetch`` → web api fetch). A page whose title and headings are about X is about
    X; 0 leaves a part out."""

    title: int = 1
    headings: int = 1
    path: int = 1

    def header(self, title: str, section: str) -> str:
        """The text of a passage's header: ``title`` (the document's own, from front
        matter or a JSON Lines ``title``) and the heading path ``section`` (less a first heading
        that is the title)."""
        headings = section.split(" > ") if section else []
        if title and headings and headings[0] == title:
            headings = headings[1:]
        parts = [title] * (self.title if title.strip() else 0) + [" > ".join(headings)] * (self.headings if headings else 0)
        return "\n".join(parts)

    def document(self, title: str, sections: Sequence[str], file_id: str) -> str:
        """The text the document field analyses: ``title``, the distinct headings of the
        heading paths ``sections`` (the title once more as a first heading is not counted
        again), and the words of ``file_id`` (the file's id: its path without suffix)."""
        headings: dict[str, None] = {}
        for section in sections:
            for heading in section.split(" > ") if section else ():
                if heading.strip() and heading != title:
                    headings.setdefault(heading, None)
        path = _PATH_SEPARATORS.sub(" ", file_id)
        parts = [title] * (self.title if title.strip() else 0) + ["\n".join(headings)] * self.headings + [path] * self.path
        return "\n".join(part for part in parts if part)


# What separates the words of a path: folders, dashes, underscores, dots (rust-ownership.md).
_PATH_SEPARATORS = re.compile(r"[/\\._\-]+")


@functools.cache
def _dictionary() -> Dictionary:
    """The Sudachi dictionary, loaded once per process (it takes a good part of a second)."""
    return Dictionary(dict="core")


def load_dictionary() -> None:
    """Load the dictionary now rather than when it is first needed (some 40 ms): a search
    does it while another process checks a large corpus's files (see :func:`mlq.cache.open_index`)."""
    _dictionary()


@functools.cache
def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    """One Snowball stemmer per algorithm and process (it keeps a cache of words stemmed)."""
    return Stemmer.Stemmer(algorithm)


@functools.cache
def versions() -> dict[str, str]:
    """What the terms depend on besides the settings: a change to any of these changes the
    analysis, so the on-disk index is rebuilt."""
    return {
        "sudachipy": sudachipy.__version__,
        "sudachidict_core": _dictionary_version(),
        "unicode": unicodedata.unidata_version,
        "pystemmer": getattr(Stemmer, "__version__", "?"),
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

    def __init__(self, settings: AnalyzerSettings = AnalyzerSettings(), remember: int = _DECIDED_MAX, spellings: bool = False) -> None:
        """``remember``: how many morphemes' decisions (see :meth:`_decide`) to keep, 0 for
        none; ``spellings``: whether to note the words written otherwise than their terms (see
        :meth:`take_spellings`), as a build does."""
        self.settings = settings
        self._remember = remember
        self._noting = spellings
        self._mode = getattr(SplitMode, settings.split_mode)
        self._tokenizer = _dictionary().tokenizer(self._mode, fields={"pos", "normalized_form"})
        self._dropped = frozenset(settings.dropped_pos)
        self._dropped_pos_ids: dict[int, bool] = {}
        self._filler_pos = tuple(tuple(pos.split(",")) for pos in settings.filler_pos)
        self._stem = _stemmer(settings.latin_stemmer).stemWord if settings.latin_stemmer else None
        self._short_units: Tokenizer | None = None  # made when a query first needs it
        #: (word id, surface) → what :meth:`_decide` made of it: a cache, emptied when full.
        self._decided: dict[tuple[int, str], _Decision] = {}
        self._spellings: set[tuple[str, str]] = set()  # see take_spellings
        #: line → its words' terms (see :meth:`_line_forms`): a cache, emptied when full.
        self._lines: dict[str, list[str]] = {}

    def _is_dropped(self, pos_id: int) -> bool:
        # A cache by part-of-speech id: building the POS tuple of every morpheme costs more
        # than the rest of the filtering.
        dropped = self._dropped_pos_ids.get(pos_id)
        if dropped is None:
            dropped = self._dropped_pos_ids[pos_id] = _dictionary().pos_of(pos_id)[0] in self._dropped
        return dropped

    def is_filler(self, part_of_speech: Sequence[str]) -> bool:
        """Whether a word of this part of speech is a query's filler (see
        :attr:`AnalyzerSettings.filler_pos`)."""
        return any(tuple(part_of_speech[: len(prefix)]) == prefix for prefix in self._filler_pos)

    def _form(self, morpheme: Morpheme) -> str:
        """The words-field term of a morpheme: Sudachi's normalized form, lower-cased, or for a
        word in Latin letters its own spelling, stemmed."""
        surface = morpheme.surface()
        form = surface.lower() if surface.isascii() and surface.isalnum() else morpheme.normalized_form().lower()
        if self._stem is not None and form.isascii() and form.isalpha():
            return self._stem(form)
        return form

    def fingerprint(self) -> dict[str, object]:
        return {"settings": asdict(self.settings), "versions": versions()}

    def analyze(self, text: str) -> dict[str, list[Term]]:
        return {"words": self.words(text), "bigrams": bigrams(text, self.settings.latin_bigrams)}

    def texts(self, text: str) -> dict[str, list[str]]:
        """The texts of :meth:`analyze`'s terms, without their spans: what indexing needs,
        at a fraction of the cost."""
        return {"words": self._line_forms(text), "bigrams": bigram_texts(text, self.settings.latin_bigrams)}

    def _line_forms(self, text: str) -> list[str]:
        """The words field's terms of ``text``, a line at a time. A line analysed alone gives
        the terms it gives in its text (see :func:`_chunks`), so a line met again, as Markdown
        notes repeat many (code, table rows, boilerplate: half the lines of mdn-ja, a fifth of
        its characters), is looked up rather than analysed again."""
        words: list[str] = []
        known = self._lines
        for line in text.split("\n"):
            found = known.get(line)
            if found is None:
                found = [form for form, _, _, kept in self._morphemes(line) if kept]
                if len(known) >= _LINES_MAX:
                    known.clear()
                known[line] = found
            words += found
        return words

    def words(self, text: str) -> list[Term]:
        return [Term(form, *_span(morpheme, offset)) for form, morpheme, offset, kept in self._morphemes(text) if kept]

    def tokens(self, text: str) -> list[Token]:
        """Everything :meth:`analyze` sees, dropped morphemes included, for `mlq analyze`:
        each Sudachi morpheme (indexed or not), then each bigram."""
        found = []
        for form, morpheme, offset, kept in self._morphemes(text):
            start, end = _span(morpheme, offset)
            pos = [part for part in morpheme.part_of_speech() if part != "*"]
            filler = kept and self.is_filler(pos)
            found.append(Token("words", text[start:end], form, ",".join(pos), start, end, kept, filler))
        for term in bigrams(text, self.settings.latin_bigrams):
            found.append(Token("bigrams", text[term.start : term.end], term.text, "", term.start, term.end, True))
        return found

    def query_words(self, text: str, filler: bool = True) -> list[QueryWord]:
        """The words of a query as searching matches them: each indexed word's term, its
        surface (NFKC, lower-cased) and whether it is filler — which only counts, when
        ``filler`` is off, as an ordinary word (inside a quoted phrase). After them, the
        query's parts and joins (see :class:`QueryWord`): Sudachi's short units of each
        compound, and each two neighbouring words as typed, with the particles between."""
        words: list[QueryWord] = []
        spans: list[tuple[int, int]] = []
        for form, morpheme, offset, kept in self._morphemes(text):
            if kept:
                start, end = _span(morpheme, offset)
                surface = normalize(text[start:end])[0]
                is_filler = filler and self.is_filler(morpheme.part_of_speech())
                words.append(QueryWord(form, surface, tuple(bigram_texts(surface, self.settings.latin_bigrams)), is_filler))
                spans.append((start, end))
        extra: dict[str, tuple[str, tuple[str, ...]]] = {}  # surface → its role, and its bigrams that count
        for word, (start, end) in zip(words, spans):
            if not word.filler:
                for part in self._parts(text[start:end]):
                    extra[part] = ("part", tuple(bigram_texts(part, self.settings.latin_bigrams)))
        for (one, (start, end)), (two, (next_start, next_end)) in zip(zip(words, spans), zip(words[1:], spans[1:])):
            if _joins(text[end:next_start]):
                joined = normalize(text[start:next_end])[0]
                between = Counter(bigram_texts(joined, self.settings.latin_bigrams)) - Counter(one.bigrams + two.bigrams)
                extra[joined] = ("join", tuple(between.elements()))
        own = {word.surface for word in words}
        return words + [QueryWord(None, surface, grams, role=role) for surface, (role, grams) in extra.items() if grams and surface not in own]

    def _parts(self, surface: str) -> list[str]:
        """The short units (Sudachi's mode A) of a compound word, of two characters or more."""
        if len(surface) < 3 or surface.isascii():  # no unit of two characters and another, or a Latin word
            return []
        if self._short_units is None:
            self._short_units = _dictionary().tokenizer(SplitMode.A, fields={"pos"})
        units = [normalize(m.surface())[0] for m in self._short_units.tokenize(surface)]
        return [unit for unit in units if len(unit) > 1] if len(units) > 1 else []

    def _morphemes(self, text: str) -> Iterator[tuple[str, Morpheme, int, bool]]:
        """Every morpheme with its form, its chunk's offset, and whether it is indexed. What a
        morpheme becomes is decided once per dictionary entry and spelling (see
        :meth:`_decide`), then looked up: asking Sudachi for a normalized form and a part of
        speech, and checking them, costs more than the lookup (bench/speed.py's build part)."""
        decided = self._decided
        noting, before = self._noting, _NOTHING
        for offset, chunk in _chunks(text, _SUDACHI_MAX_CHARS):
            if offset == 0 or text[offset - 1] == "\n":
                before = _NOTHING  # a line's first word stands at a word's edge
            for morpheme in self._tokenizer.tokenize(chunk, self._mode):
                key = (morpheme.word_id(), morpheme.surface())
                found = decided.get(key)
                if found is None:
                    found = self._decide(morpheme)
                    if len(decided) >= self._remember:
                        decided.clear()
                    if self._remember:
                        decided[key] = found
                if found[4]:
                    # Latin runs joined by - or . (GPT-4, COVID-19): the dictionary has some as
                    # one word, which Sudachi takes only before more text ("GPT-4の調査"), not
                    # alone (a query of "GPT-4"). Always read as their runs: "GPT-4" and "GPT"
                    # find what says GPT-4, wherever it stands.
                    at = offset + morpheme.begin()
                    for start, piece in _runs_and_joins(morpheme.surface()):
                        for each in self._tokenizer.tokenize(piece, self._mode):
                            part = self._decide(each)
                            if noting:
                                if before[3] and part[2]:
                                    self._note_cut(before, part)
                                before = part
                            yield part[0], each, at + start, part[1]
                    continue
                if noting:
                    if before[3] and found[2]:
                        self._note_cut(before, found)
                    before = found
                yield found[0], morpheme, offset, found[1]

    def _decide(self, morpheme: Morpheme) -> _Decision:
        """A morpheme's form, whether it is indexed (not a dropped part of speech, and not
        blank), and whether its spelling begins and ends with a Latin letter or digit. The one
        place that decides what the words field holds, for indexing, searching and `mlq
        analyze` alike. It depends on the morpheme's dictionary entry (its word id, which for a
        word outside the dictionary says its part of speech) and spelling only. Last, whether
        it is Latin runs joined by ``-`` or ``.``, which :meth:`_morphemes` reads as its runs."""
        form = self._form(morpheme)
        kept = not self._is_dropped(morpheme.part_of_speech_id()) and bool(form) and not form.isspace()
        spelling = normalize(morpheme.surface())[0]
        # Split only where Sudachi keeps the spelling: e-mail is eメール, which Eメール meets.
        joined = kept and form == spelling and _JOINED_LATIN.fullmatch(spelling) is not None
        if kept and self._noting and spelling != form and not joined:
            self._spellings.add((form, spelling))
        return form, kept, bool(spelling) and _latin(spelling[0]), bool(spelling) and _latin(spelling[-1]), joined

    def _note_cut(self, before: _Decision, after: _Decision) -> None:
        """Two morphemes met with Latin letters or digits either side of the cut between them
        (Python|3, HTML|5; Sudachi cuts no run of letters in mdn-ja's 10 million morphemes):
        neither word stands there at a word's edge, where a highlight looks for it without
        analysing (see :meth:`mlq.search.Searcher._lines_to_analyse`)."""
        for form, kept, *_ in (before, after):
            if kept:
                self._spellings.add((form, INSIDE_A_WORD))

    def take_spellings(self) -> list[tuple[str, str]]:
        """The ``(term, spelling)`` pairs met since the last call, where a word indexed was
        written otherwise than its term (NFKC, lower-cased; see :mod:`mlq.spellings`). Each is
        met once at least in every text that holds it, unless it was met before in the
        analyzer's life: a build takes them after each file with a new analyzer."""
        taken, self._spellings = sorted(self._spellings), set()
        return taken


#: What :meth:`Analyzer._decide` makes of a morpheme: its form, whether it is indexed,
#: whether its spelling begins, and ends, with a Latin letter or digit, and whether it is
#: Latin runs joined by - or . (GPT-4).
_Decision = tuple[str, bool, bool, bool, bool]
_NOTHING: _Decision = ("", False, False, False, False)
# Runs of Latin letters and digits joined by - or ., one a letter at least (gpt-4, covid-19;
# not 2.0, a number).
_JOINED_LATIN = re.compile(r"(?=[0-9.\-]*[a-z])[0-9a-z]+(?:[-.][0-9a-z]+)+")
_RUN_OR_JOIN = re.compile(r"[0-9a-z]+|[^0-9a-z]")
#: The spelling :meth:`Analyzer.take_spellings` gives a word met where a Latin letter or digit
#: stands right before or after it (see :meth:`Analyzer._note_cut`), or where its spelling is
#: empty (a part of an expansion: ㍻ → 平成): a place that is no word's edge.
INSIDE_A_WORD = ""


#: The most characters between two query words that still join them (の, には, を…).
_JOIN_GAP = 2


def _joins(between: str) -> bool:
    """Whether two query words with ``between`` between them were typed as one phrase: nothing
    but a particle or two, no space or punctuation."""
    return len(between) <= _JOIN_GAP and not any(c.isspace() or unicodedata.category(c)[0] in "PSZC" for c in between)


def _runs_and_joins(surface: str) -> Iterator[tuple[int, str]]:
    """The runs of Latin letters and digits of a word such as GPT-4, and what joins them, each
    with its offset (the word whole where NFKC changes its length, which no such word's does)."""
    spelling = normalize(surface)[0]
    if len(spelling) != len(surface):
        yield 0, surface
        return
    for match in _RUN_OR_JOIN.finditer(spelling):
        yield match.start(), surface[match.start() : match.end()]


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
    #: Whether, in a query, the word is filler and carries no weight (outside quotes).
    filler: bool = False

    @property
    def fate(self) -> str:
        """``indexed``, ``dropped``, or for an indexed word that a query weighs not, ``filler``."""
        return "filler" if self.filler else "indexed" if self.indexed else "dropped"


@dataclass(frozen=True)
class QueryWord:
    """A word of a query: the term the words field holds for it, and its ``surface`` (NFKC,
    lower-cased) with that surface's character ``bigrams``. A passage matches the word if it
    holds the term, or the whole surface as a run of characters (found through the bigrams,
    then checked). ``filler`` words match and weigh nothing, unless all words are filler.

    A query also has words that never make a passage match, and add their ``bigrams`` only to
    a passage that holds their whole ``surface`` (``term`` None, ``role`` not ``word``): the
    *parts* of a compound (国立 and 競技 of 国立競技場, for a page that writes
    国立屋内総合競技場), and the *joins* of two neighbouring words as typed (梅雨明けの発表:
    the bigrams けの, の発 that only a passage saying it just so holds)."""

    term: str | None
    surface: str
    bigrams: tuple[str, ...]
    filler: bool = False
    #: ``word``, ``part`` or ``join``.
    role: str = "word"

    @property
    def matches(self) -> bool:
        """Whether holding it makes a passage match (a word does; a part or join only adds)."""
        return self.role == "word"


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


def surface_spans(text: str, surface: str) -> Iterator[tuple[int, int]]:
    """Where ``text`` holds ``surface`` whole (both already NFKC and lower-cased): anywhere
    for Japanese script — a part of a compound is there (学習 in 機械学習) — but at word
    boundaries for a surface that begins or ends in a Latin letter or digit, which a word
    of Latin letters is only with spaces or symbols around it (model is not in remodel)."""
    latin_start, latin_end = _latin(surface[0]), _latin(surface[-1])
    for at in occurrences(text, surface):
        end = at + len(surface)
        if not (latin_start and at > 0 and _latin(text[at - 1])) and not (latin_end and end < len(text) and _latin(text[end])):
            yield at, end


def occurrences(text: str, surface: str) -> Iterator[int]:
    """Where ``surface`` stands in ``text``, overlapping places too."""
    at = text.find(surface)
    while at >= 0:
        yield at
        at = text.find(surface, at + 1)


def contains_surface(text: str, surface: str) -> bool:
    return next(surface_spans(text, surface), None) is not None


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _chunks(text: str, limit: int) -> Iterator[tuple[int, str]]:
    """Each line of ``text`` that holds more than spaces and tabs, in pieces of at most
    ``limit`` characters (cut after a sentence or a space where possible), each with its
    offset. Sudachi sees a line at a time, so a line analysed alone gives the very terms it
    gives inside its passage: a hit's highlights analyse only the lines that could hold a
    query word (see :meth:`mlq.search.Searcher.highlights`). Across a line end, Sudachi's
    choices changed in 24 of 18,795 passages of mdn-ja, and the time to analyse them not at all."""
    line_start = 0
    for line in text.split("\n"):
        if line.strip(" \t"):
            yield from _pieces(line, line_start, limit)
        line_start += len(line) + 1


def line_around(text: str, offset: int) -> tuple[int, int]:
    """The span of the line of ``text`` that holds character ``offset``, without its line end:
    what the analyzer analyses on its own (see :func:`_chunks`)."""
    end = text.find("\n", offset)
    return text.rfind("\n", 0, offset) + 1, len(text) if end < 0 else end


def _pieces(line: str, offset: int, limit: int) -> Iterator[tuple[int, str]]:
    start = 0
    while len(line) - start > limit:
        breaks = _CHUNK_BREAK.finditer(line, start + limit // 2, start + limit)
        cut = max((match.end() for match in breaks), default=start + limit)
        yield offset + start, line[start:cut]
        start = cut
    if start < len(line):
        yield offset + start, line[start:]
