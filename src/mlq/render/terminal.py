"""Output for a person at a terminal, styled with rich: matched terms highlighted, a progress bar."""

from __future__ import annotations

from typing import Iterable, Sequence

from rich.cells import cell_len, get_character_cell_size
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from ..analysis import Token
from ..corpus import Document
from ..passages import Passage
from ..search import Hit
from . import Printer, as_read, details, explanation_lines, format_score, one_line, paging, shown, shown_id
from .wrapping import wrap

HIGHLIGHT = "bold yellow"

def visible(text: str, style: str = "") -> Text:
    """``text`` as rich text (which rich never reads as markup) as :func:`on_screen` has it."""
    return Text(on_screen(text), style=style)


def on_screen(text: str) -> str:
    """:func:`shown` ``text``, each tab a space (one for one, so that spans still hold): rich
    would widen a tab to the next stop of eight after the lines were measured (a tab has no
    width of its own), and crop what then overflowed."""
    return shown(text).replace("\t", " ")


class TerminalPrinter(Printer):
    """Prints through rich to stdout; overrides every view, so it needs no byte stream. Lines
    are broken for a Japanese reader (:mod:`.wrapping`) and fitted to the width, whatever it
    is from 40 columns on; output taller than the screen goes through ``pager`` if one is
    given (:mod:`.paging`)."""

    shows_explanations = True

    def __init__(self, color: bool = True, pager: str | None = None, console: Console | None = None) -> None:
        # color_system=None makes rich write no escape codes at all, bold included.
        self.console = console or Console(color_system="auto" if color else None, highlight=False)
        self.pager = pager

    def _print(self, *renderables: RenderableType) -> None:
        if self.pager is None:
            self.console.print(*renderables)
            return
        with self.console.capture() as captured:
            self.console.print(*renderables)
        paging.page(captured.get(), self.console.height, self.pager)

    def hits(self, found: Sequence[Hit], query: str, query_id: str | None = None, terms: Sequence[str] = ()) -> None:
        width = self.console.width
        blocks: list[RenderableType] = []
        if query_id is not None:
            blocks.append(Text.assemble((on_screen(f"[{query_id}] "), "dim"), (on_screen(query), "bold magenta")))
        for hit in found:
            blocks.append(hit_header(hit, width))
            inner = width - _INDENT
            explained = [wrapped(Text(line, style="dim"), inner) for line in explanation_lines(hit)]
            passage = wrapped(_without_trailing_space(highlighted(*as_read(hit.text, hit.highlights, hit.path))), inner)
            if hit.before or hit.after:
                # grep -C's way: the context marked, so that it reads apart from the hit
                # without colour too; a blank line between passages, whatever their text ends with.
                before = [_context(p.number, as_read(p.text, (), hit.path)[0], inner) for p in hit.before]
                after = [_context(p.number, as_read(p.text, (), hit.path)[0], inner) for p in hit.after]
                body = Group(*_spaced([*before, Group(passage, *explained), *after]))
            else:
                body = Group(passage, *explained)
            blocks.append(Padding(body, (0, 0, 1, _INDENT)))
        self._print(Group(*blocks))

    def document(self, document: Document, passages: Sequence[Passage], passage: Passage | None = None) -> None:
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="dim", no_wrap=True)
        facts.add_column(overflow="fold")  # a path is folded, never cut: it must stay whole to copy
        for key, value in details(document, passages):
            facts.add_row(visible(key), visible(value))
        if passage is not None:
            facts.add_row("passage", f"{passage.number} of {len(passages)} (characters {passage.start}–{passage.end})")
        body = passage.text if passage is not None else document.body.strip("\n")
        width = self.console.width
        self._print(Group(wrapped(visible(one_line(document.shown_title), "bold"), width), facts, Text(""), wrapped(visible(body), width)))

    def tokens(self, tokens: Sequence[Token]) -> None:
        rows = [
            (t.term, t.fate, t.field, t.surface, t.part_of_speech, f"{t.start}–{t.end}", t.indexed)
            for t in tokens
        ]
        width = self.console.width
        if _natural_width([row[:6] for row in rows], ("term", "", "field", "surface", "part of speech", "span")) > width:
            # Too narrow for the table: each token's term and fate on a line, the rest below it.
            lines = []
            for term, fate, field, surface, pos, span, indexed in rows:
                style = None if indexed else "dim"
                lines.append(Text.assemble((on_screen(term), style or "bold"), "  ", (fate, style or "green")))
                rest = " · ".join(part for part in (field, surface, pos, span) if part)
                lines.append(wrapped(visible(rest, "dim"), width - _INDENT, " " * _INDENT))
            self._print(Group(*lines))
            return
        table = Table(box=None, header_style="bold")
        table.add_column("term", no_wrap=True)
        table.add_column("", no_wrap=True)
        for column in ("field", "surface", "part of speech", "span"):
            table.add_column(column, no_wrap=True)
        for term, fate, field, surface, pos, span, indexed in rows:
            table.add_row(*(visible(cell) for cell in (term, fate, field, surface, pos, span)), style=None if indexed else "dim")
        self._print(table)

    def listing(self, rows: Sequence[tuple[Document, int]]) -> None:
        width = self.console.width
        keys = _natural_width([(document.doc_id, str(count)) for document, count in rows], ("document", "passages"))
        if keys + _ROOM_FOR_TITLES > width:
            # Too narrow for the table: each document's id (and passage count, where it fits),
            # then its title.
            lines = []
            for document, passage_count in rows:
                doc_id = shown_id(document.doc_id)
                count = next((c for c in (f"  {passage_count} passages", f"  {passage_count}") if cell_len(doc_id + c) <= width), "")
                line = Text.assemble((doc_id, "cyan"), (count, "dim"))
                line.no_wrap, line.overflow = True, "fold"
                lines.append(line)
                lines.append(wrapped(visible(one_line(document.shown_title)), width - _INDENT, " " * _INDENT))
            self._print(Group(*lines))
            return
        table = Table(box=None, header_style="bold")
        table.add_column("document", style="cyan", no_wrap=True)
        table.add_column("passages", justify="right", no_wrap=True)
        table.add_column("title", no_wrap=True)
        room = width - keys - 2  # the title column's, less its padding
        for document, passage_count in rows:
            table.add_row(visible(shown_id(document.doc_id)), str(passage_count), wrapped(visible(one_line(document.shown_title)), room))
        self._print(table)


def _natural_width(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> int:
    """The cells a borderless rich table of ``rows`` needs to show every cell on one line."""
    widths = [max([cell_len(header), *(cell_len(on_screen(row[i])) for row in rows)]) for i, header in enumerate(headers)]
    return sum(widths) + 2 * len(widths)  # a cell's padding: one space each side


#: The indent of a hit's passage under its header.
_INDENT = 4
#: The fewest cells `mlq list` leaves its titles before it stacks them under their ids.
_ROOM_FOR_TITLES = 20


def hit_header(hit: Hit, width: int) -> Text:
    """A hit's header on one line of ``width`` cells: rank, id and score, then the title and
    heading path shortened to what is left (dropped when almost nothing is). Where even those
    three do not fit, the word "score" goes first, then the score's last two decimals, then the
    rank; an id wider than the line is the one thing left to cut, in its middle."""
    ref = shown(f"{shown_id(hit.doc_id)}#{hit.passage}")
    score = format_score(hit.score) if hit.ranked else ""
    variants = [(f"{hit.rank:>2}. ", "  score ", score), (f"{hit.rank:>2}. ", " ", score), (f"{hit.rank}. ", " ", f"{hit.score:.2f}"), ("", " ", f"{hit.score:.2f}")]
    if not hit.ranked:
        variants = [(f"{hit.rank:>2}. ", "", ""), ("", "", "")]
    rank, label, score = next((v for v in variants if cell_len(v[0] + ref + v[1] + v[2]) <= width), variants[-1])
    room = width - cell_len(rank + ref + (label + score if score else ""))
    if room < 0:  # the id itself: cut in its middle, its #N kept
        keep = max(width - cell_len(rank + label + score) - 1, 2)
        ref = _first_cells(ref, keep // 2) + "…" + _first_cells(ref[::-1], keep - keep // 2)[::-1]
        room = 0
    section = _below_title(one_line(hit.section), one_line(hit.title))
    title = Text.assemble((on_screen(one_line(hit.title)), "bold"), (on_screen(f" › {section}") if section else "", "magenta"))
    if cell_len(title.plain) > room - 2:  # shortened, with "…", where enough of it is left to read
        kept = _first_cells(title.plain, room - 3).rstrip()
        title = title[: len(kept)] + Text("…") if cell_len(kept) >= 4 and any(c.isalnum() for c in kept) else Text("")
    title = Text.assemble("  ", title) if title.plain else title
    scored = Text.assemble((label, "dim"), (score, "green")) if score else Text("")
    header = Text.assemble((rank, "dim"), (ref, "bold cyan"), title, scored)
    header.no_wrap = True
    return header


#: What marks each line of a context passage (``-C``), as grep's ``-`` does.
_CONTEXT_MARK = "┆ "


def _context(number: int, text: str, width: int) -> Text:
    """A neighbouring passage of a hit, dim, each line marked, under its own ``#N``."""
    mark = Text(_CONTEXT_MARK, style="dim")
    body = wrapped(_without_trailing_space(visible(text, "dim")), width - cell_len(_CONTEXT_MARK), mark)
    return Text("\n").join([Text(f"{_CONTEXT_MARK}#{number}", style="dim"), body])


def _spaced(blocks: Sequence[RenderableType]) -> list[RenderableType]:
    """``blocks`` with a blank line between each two."""
    return [part for i, block in enumerate(blocks) for part in ((Text(""), block) if i else (block,))]


def _without_trailing_space(text: Text) -> Text:
    """``text`` without the blank lines and spaces it may end with (a passage keeps its own)."""
    text = text.copy()
    text.rstrip()
    return text


def _first_cells(text: str, cells: int) -> str:
    """The longest start of ``text`` that takes at most ``cells`` cells: a wide character is
    left out whole, where rich would cut it and pad the gap with a space."""
    taken = 0
    for i, char in enumerate(text):
        taken += get_character_cell_size(char)
        if taken > cells:
            return text[:i]
    return text


def wrapped(text: Text, width: int, before: str | Text = "") -> Text:
    """``text`` broken into lines of ``width`` cells at the places :func:`.wrapping.wrap`
    allows, its styles (highlights) kept; ``before`` each line (an indent, a mark), if given."""
    lines = _pieces(text, wrap(text.plain, width))
    joined = Text("\n").join(Text.assemble(before, line) if before else line for line in lines)
    joined.no_wrap = True
    return joined


def _pieces(text: Text, spans: Sequence[tuple[int, int]]) -> list[Text]:
    """``text[start:end]`` for each of ``spans`` (in order, not overlapping), cut in one pass:
    rich copies the whole text (and strips it of control codes) for each slice, which made a
    long document's lines cost time in its length squared (`mlq show` of 140 KB: 12 s)."""
    cuts = sorted({at for span in spans for at in span} - {0, len(text)})
    piece_at = {start: piece for start, piece in zip([0, *cuts], text.divide(cuts))}
    return [piece_at[start] if end > start else Text() for start, end in spans]


def _below_title(section: str, title: str) -> str:
    """The heading path less a first heading that only repeats the title shown beside it."""
    first, _, rest = section.partition(" > ")
    return rest if first == title else section


def highlighted(text: str, spans: Iterable[tuple[int, int]]) -> Text:
    styled = visible(text)
    for start, end in spans:
        styled.stylize(HIGHLIGHT, start, end)
    return styled


def progress_bar(console: Console) -> Progress:
    """A bar over the files being indexed, on ``console`` (stderr), gone when done."""
    return Progress(
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
