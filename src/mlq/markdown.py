"""Markdown as mlq reads it: front matter, and which characters are prose.

Nothing here rewrites a document. :func:`prose` returns a copy of the text *of the same length*
in which what is not prose — fenced code blocks, HTML tags and comments, link and image targets
and titles, link reference definitions, bare URLs, template macros like MDN's ``{{…}}``, Obsidian's embeds ``![[…]]`` and the page of a
wikilink that has an alias (``[[page|alias]]`` reads as "alias") — is blanked with spaces (line
breaks kept).
Analysing that copy indexes only the prose, while every offset still points into the original
file, so passages, `mlq show` and highlights stay exact.

Code blocks are left out rather than indexed "as code": Sudachi splits identifiers and symbols
into noise terms, and long listings would swamp BM25's length normalisation. Inline code
(`` `Array.prototype.map()` ``) stays, since it names things the prose is about.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Any, Callable, Iterator

Warn = Callable[[str], None]

MARKDOWN_SUFFIXES = (".md", ".markdown")

_YAML_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_TOML_FRONT_MATTER = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)

# An HTML open tag as CommonMark defines one: a name, then attributes (a name, and maybe = and a
# value), nothing else before the > (so "<key value の形式" is no tag).
_OPEN_TAG = r"""<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:@][\w.:@-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*\s*/?>"""

# Markdown that is not prose, each pattern with whether a reader of a hit sees it as written:
# code, URLs and macros are not indexed, but are shown; link targets, images, comments
# and HTML tags are neither. A pattern's group "keep", "wiki" or "code", where it has one, is
# prose inside the construct (link text, a wikilink's page or alias, a code span whole: what
# it holds is read as written, never as a tag or a link).
_MACRO_PATTERN = r"\{\{[^{}\n]*\}\}"  # a template macro: {{jsxref("Promise")}}
# A backtick fence's opening line holds no other backtick (```npm install``` is a code span).
_FENCE = r"`{3,}(?=[^`\n]*$)|~{3,}"
# A link's destination as CommonMark reads one: <…>, or a run without spaces whose parentheses
# balance; or a Hugo shortcode that becomes one ({{< ref "…" >}}). Then maybe a title ("…", '…'
# or (…)). Anything else is no link, and reads as written (a title's "(翻訳)" no longer ends the
# link early, leaving the rest of the title as prose).
_SHORTCODE = r"\{\{[<%][^{}\n]*[>%]\}\}"
# (Possessive spaces, *+ and ++: "[a](" and ten thousand spaces took a second, tried every way.)
_TITLE = r"""(?:[ \t]++(?:"(?:[^"\\\n]|\\.)*+"|'(?:[^'\\\n]|\\.)*+'|\([^()\n]*+\)))?[ \t]*+"""
_DESTINATION = r"\([ \t]*+(?:<[^<>\n]*>|" + _SHORTCODE + r"[^\s()]*|(?!<)[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)" + _TITLE + r"\)"
# A list item's marker and the spaces after it: "- ", "1. ".
_LIST_MARKER = r"(?:[-*+]|\d{1,9}[.)])[ ]{1,4}"
_CONSTRUCTS: tuple[tuple[str, bool], ...] = (
    # Fenced code. Its closing fence may be indented three spaces more than its opening one
    # (as far as a list item's content is), no more: a fence indented further is code.
    (r"^(?P<fence_indent>[ ]{0,3})(?P<fence>" + _FENCE + r")[^\n]*\n(?:.*?\n)??(?:(?P=fence_indent)[ ]{0,3}|[ ]{0,3})(?P=fence)[`~]*[ \t]*(?:\n|\Z)", True),
    # Opened after a list item's marker (- ```sh): its lines are the item's, indented.
    (r"^[ ]{0,3}" + _LIST_MARKER + r"(?P<item_fence>" + _FENCE + r")[^\n]*\n(?:(?:[ \t][^\n]*)?\n)*?[ ]*(?P=item_fence)[`~]*[ \t]*(?:\n|\Z)", True),
    # A fence never closed runs to the end, as it does in a passage read alone (from where its
    # block begins: see prose_starts) when the passage ends before its closing fence.
    (r"^[ ]{0,3}(?:" + _LIST_MARKER + r")?(?:" + _FENCE + r")[^\n]*\n.*\Z", True),
    (r"(?P<code>(?P<ticks>`+)[^`\n]*?(?P=ticks))", False),  # code span, on its line: `Vec<String>`
    # An HTML comment: as a block (a line that begins with it), to its end or the note's; within
    # a paragraph, only if it ends there ("<!-- で書き始める" with no end is text).
    (r"<!---?>|^[ ]{0,3}<!--.*?(?:-->|\Z)|<!--(?:(?!\n[ \t]*\n|<!--).)*?-->", False),
    (r"!\[\[[^\]\n]*\]\]", False),  # an embedded note or image, as Obsidian writes it: ![[page]]
    (r"\[\[(?:[^\]|\n]*\|)?(?P<wiki>[^\]|\n]+)\]\]", False),  # wikilink [[page]] or [[page|alias]]: keep what it reads as
    # An image (no text kept) or a link (its text kept), with its destination or by reference.
    (r"(?:!\[[^\]\n]*\]|\[(?P<keep>[^\]\n]*)\])(?:" + _DESTINATION + r"|\[[^\]\n]*\])", False),
    # A link reference definition: a label, a destination, maybe a title, nothing else. A
    # footnote's ([^1]: 出典は…) is text a reader sees: only its label is not.
    (r"^[ ]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*(?:<[^<>\n]*>|" + _SHORTCODE + r"|\S+)" + _TITLE + "$", False),
    (r"^[ ]{0,3}\[\^[^\]\n]+\]:", False),  # a footnote's label
    # An HTML tag, as CommonMark reads one (attributes may go over lines); \<input> is text.
    (r"(?<!\\)(?:" + _OPEN_TAG + r"|</[A-Za-z][A-Za-z0-9-]*\s*>)", False),
    # A bare URL (or autolink: <https://…>): its ASCII, and a part in other letters that a /, #,
    # =, ?, &, _ or - begins (…/wiki/ザリガニ), up to a space or Japanese punctuation. Japanese
    # glued to it otherwise is prose: （https://…）を参照, https://…/blogの記事.
    # (Written with ASCII classes and \w: a class of Japanese punctuation took 3.7 ms to compile,
    # a fiftieth of a cold search.)
    (r"https?://(?:[!#-&*-;=?-Z\\^-z|~]|(?<=[/#=?&_-])\w+)+", True),
    (_MACRO_PATTERN, True),  # template macro
    (r"\{%[ \t]*highlight\b.*?\{%[ \t]*endhighlight[ \t]*%\}|\{%[^\n]*?%\}", True),  # Liquid's code block, or tag
    (r"^(?:[ ]{0,3}>[ \t]?)+\[![A-Za-z-]+\][+-]?", True),  # a callout's kind: > [!note]
)
_FLAGS = re.MULTILINE | re.DOTALL
_NOT_PROSE = re.compile("|".join(pattern for pattern, _ in _CONSTRUCTS), _FLAGS)
_NOT_READ = re.compile("|".join(pattern for pattern, shown in _CONSTRUCTS if not shown), _FLAGS)


@functools.cache
def _not_read_inline() -> re.Pattern[str]:
    """:data:`_NOT_READ` within a line taken alone (a heading's text), where "[CVE-2022-24675]: …"
    is no definition. Compiled when first needed, by indexing: a search needs none of it."""
    return re.compile("|".join(pattern for pattern, shown in _CONSTRUCTS if not shown and not pattern.startswith("^")), _FLAGS)


class _Invalid(Exception):
    """A front matter block that does not parse; carries the parser's error."""


@functools.cache
def _yaml_loader() -> Any:
    """libyaml's parser with the safe constructors where PyYAML was built with it (the same
    documents, the same types, at a tenth of the cost of the pure-Python one), less the
    resolver that makes dates of plain scalars: a date stays the text written, so that one
    that is no day (``2024-02-30``) is a string like any other rather than an error that loses
    every other field. ``--since``/``--until`` read a date from its text (see
    :func:`mlq.clauses.date_of`)."""
    import yaml  # only needed when indexing: keeps cached runs quick to start

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {first: [(tag, pattern) for tag, pattern in found if tag != "tag:yaml.org,2002:timestamp"] for first, found in base.yaml_implicit_resolvers.items()}
    return type("FrontMatterLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def _yaml(source: str) -> Any:
    import yaml

    try:
        data = yaml.load(source, Loader=_yaml_loader())
        if _values_in(data, {}) > _MOST_VALUES:
            raise ValueError(f"its aliases make more than {_MOST_VALUES:,} values")
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, RecursionError) as error:
        # Not only YAMLError: the safe constructors raise ValueError for a date that is no day
        # (2024-02-30) or an `!!int abc`, AttributeError for a `!!timestamp abc`.
        raise _Invalid(error) from None
    return data


#: The most values a front matter may hold, each alias counted as what it stands for: nine
#: lists of nine aliases of each other, eight deep, are 43 million strings once written out
#: ("billion laughs"), in a few hundred bytes.
_MOST_VALUES = 100_000


def _values_in(value: Any, counted: dict[int, int]) -> int:
    """How many values ``value`` holds written out, each alias as what it stands for; counted
    once per list or mapping (``counted``), so without writing anything out."""
    if not isinstance(value, (list, dict)):
        return 1
    if id(value) not in counted:
        counted[id(value)] = 0  # a list holding itself (``&a [*a]``) adds nothing more
        counted[id(value)] = 1 + sum(_values_in(item, counted) for item in (value.values() if isinstance(value, dict) else value))
    return counted[id(value)]


def _toml(source: str) -> Any:
    import tomllib

    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise _Invalid(error) from None


_FRONT_MATTER_KINDS = ((_YAML_FRONT_MATTER, "YAML", _yaml), (_TOML_FRONT_MATTER, "TOML", _toml))


def split_front_matter(text: str, path: object, warn: Warn | None) -> tuple[dict[str, Any], int]:
    """The front matter's fields and where the body starts. YAML between ``---`` lines, read
    with PyYAML's safe constructors (dates kept as written), or TOML between ``+++`` lines,
    read with ``tomllib``. A block that does not parse is reported and its fields ignored; it
    is still not body text. A block that parses as YAML but holds no fields — a heading and a
    paragraph between two rules, a list — is body text, as a Markdown reader renders it."""
    for pattern, language, parse in _FRONT_MATTER_KINDS:
        block = pattern.match(text)
        if block:
            try:
                loaded = parse(block.group(1) or "")
            except _Invalid as error:
                if warn:
                    reason = str(error.args[0]).splitlines()[0]
                    warn(f"{path}: front matter is not valid {language} ({reason}); ignoring it")
                return {}, block.end()
            if loaded is None or isinstance(loaded, dict):  # no fields at all (---\n---), or fields
                return loaded or {}, block.end()
            return {}, 0
    return {}, 0


_ATX_HEADING = re.compile(r"^[ ]{0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$", re.MULTILINE)
# A Setext heading: one line of text (not a list item, quote, table row or ATX heading)
# underlined with = (level 1) or - (level 2).
_SETEXT_HEADING = re.compile(r"^[ ]{0,3}([^\s>*+\-#|][^\n]*?)[ \t]*\n[ ]{0,3}(=+|-+)[ \t]*$", re.MULTILINE)


def is_heading(paragraph: str) -> bool:
    """Whether ``paragraph`` is a Markdown heading (ATX, or Setext: the whole paragraph)."""
    return bool(_ATX_HEADING.match(paragraph) or _SETEXT_HEADING.fullmatch(paragraph))


def headings(text: str, prose: str, start: int = 0) -> Iterator[tuple[int, int, str]]:
    """``(offset, level, title as written)`` of each heading of ``text`` from ``start`` on, ATX
    (``## 運用``) or Setext (underlined), in no particular order. They are found in the
    ``prose`` (a ``#`` comment in a code block is no heading) and read from the text, where
    links are whole."""
    for match in _ATX_HEADING.finditer(prose, start):
        line_end = text.find("\n", match.start())
        original = _ATX_HEADING.match(text[match.start() : line_end if line_end >= 0 else len(text)])
        yield match.start(), len(match.group(1)), (original or match).group(2)
    for match in _SETEXT_HEADING.finditer(prose, start):
        original = _SETEXT_HEADING.match(text, match.start())
        yield match.start(), 1 if match.group(2)[0] == "=" else 2, (original or match).group(1)


def prose_starts(text: str, starts: list[int]) -> list[int]:
    """For each offset in ``starts`` (ascending), where to begin reading the text so that
    :func:`prose` of ``text[from_:end]`` is ``prose(text)[from_:end]``: the offset itself,
    or the start of the code block or HTML comment it falls inside. Only these run over a
    line break, so a passage (which begins at a line or sentence start) can begin inside them."""
    spans = [match.span() for match in _NOT_PROSE.finditer(text) if "\n" in match.group()]
    ends = [end for _, end in spans]
    found = []
    for start in starts:
        i = bisect.bisect_right(ends, start)
        found.append(spans[i][0] if i < len(spans) and spans[i][0] < start else start)
    return found


@functools.lru_cache(maxsize=1)
def prose(text: str) -> str:
    """``text`` with everything that is not prose replaced by spaces; same length, same lines.
    The last one is kept: reading a note asks it for the same body up to three times (its
    inline tags, a title from its first line, what is indexed)."""
    pieces: list[str] = []
    previous = 0
    for start, end, keep_start, keep_end in _spans(_NOT_PROSE, text):
        pieces += [text[previous:start], _blank(text[start:keep_start]), text[keep_start:keep_end], _blank(text[keep_end:end])]
        previous = end
    pieces.append(text[previous:])
    return "".join(pieces)


def readable(text: str) -> tuple[str, list[int]]:
    """``text`` as a reader of a hit should see it: link text without its target, a wikilink's
    alias, no images, embeds, HTML tags or comments (code and URLs stay); with, for each of
    its characters, where it is in ``text`` (so that highlights can follow)."""
    return _read(text, _NOT_READ)


def _read(text: str, constructs: re.Pattern[str]) -> tuple[str, list[int]]:
    kept: list[range] = []
    previous = 0
    for start, end, keep_start, keep_end in _spans(constructs, text):
        kept.append(range(previous, start))
        kept += _line_breaks(text, start, keep_start)  # a construct's line breaks stay
        kept.append(range(keep_start, keep_end))
        kept += _line_breaks(text, keep_end, end)
        previous = end
    kept.append(range(previous, len(text)))
    where = [i for r in kept for i in r]
    return "".join(text[i] for i in where), where


# Emphasis as CommonMark writes it: *a*, **a**, ***a*** anywhere; _a_ and __a__ not inside a word
# (snake_case stays); a code span's backticks.
_EMPHASIS = re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1|(?<![^\W_])(_{1,3})(?=\S)(.+?)(?<=\S)\3(?![^\W_])|(`+)(.+?)\5")
_MACRO = re.compile(_MACRO_PATTERN)


def plain_text(written: str) -> str:
    """A heading or a line as a title shows it: its words as a reader of the rendered page
    reads them, without link targets, images, HTML, template macros (which are not indexed
    either), emphasis marks or a code span's backticks, on one line."""
    escaped: list[str] = []

    def hidden(escape: re.Match[str]) -> str:  # \<form> is "<form>" as written, no tag: kept aside
        escaped.append(escape.group(1))
        return chr(_ASIDE + len(escaped) - 1)

    shown = _MACRO.sub(" ", _read(_ESCAPED.sub(hidden, written), _not_read_inline())[0])
    for _ in range(3):  # ***a*** is one pass; **[*a*](…)** two
        shown = _EMPHASIS.sub(lambda m: m.group(2) or m.group(4) or m.group(6), shown)
    shown = "".join(escaped[ord(c) - _ASIDE] if _ASIDE <= ord(c) < _ASIDE + len(escaped) else c for c in shown)
    return " ".join(shown.split())


# A backslash escape (\<, \*, \_): the character as written. Escaped characters are kept aside
# as private-use characters while the rest is read.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_ASIDE = 0xF0000


def _line_breaks(text: str, start: int, end: int) -> list[range]:
    return [range(i, i + 1) for i in range(start, end) if text[i] == "\n"]


def _spans(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int, int, int]]:
    """Each construct ``pattern`` finds: its span, and the span of the prose kept inside it
    (empty, at its end, when none is)."""
    for match in pattern.finditer(text):
        kept = next((name for name in ("keep", "wiki", "code") if match.group(name) is not None), None)
        keep_start, keep_end = match.span(kept) if kept else (match.end(), match.end())
        yield match.start(), match.end(), keep_start, keep_end


def _blank(text: str) -> str:
    return " " * len(text) if "\n" not in text else re.sub(r"[^\n]", " ", text)


# An inline tag as Obsidian and Bear write it: # then letters, digits, _, - or / (nested tags),
# not only digits (#1 is a number), not right after a letter or digit (C#, issue#12), another #
# (## is a heading) or & (&#12; is a character).
_INLINE_TAG = re.compile(r"(?<![\w#&])#((?:[^\W_]|[_\-/])*[^\W\d_](?:[^\W_]|[_\-/])*)")
_INLINE_CODE = re.compile(r"(`+)[^`]*?\1")


def inline_tags(text: str) -> list[str]:
    """The ``#tags`` written in the prose of ``text`` (not in code, URLs or links), in order,
    each once."""
    readable = _INLINE_CODE.sub(lambda code: " " * len(code.group()), prose(text))
    return list(dict.fromkeys(match.group(1).rstrip("/") for match in _INLINE_TAG.finditer(readable)))
