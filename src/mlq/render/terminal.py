"""Output for a person at a terminal, styled with rich: matched terms highlighted, a progress bar."""

from __future__ import annotations

from typing import Iterable, Sequence

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
from . import Printer, as_read, details, explanation_lines, format_score, shown

HIGHLIGHT = "bold yellow"

def visible(text: str) -> Text:
    """:func:`shown` ``text`` as rich text, which rich never reads as markup."""
    return Text(shown(text))


class TerminalPrinter(Printer):
    """Prints through rich to stdout; overrides every view, so it needs no byte stream."""

    shows_explanations = True

    def __init__(self, color: bool = True) -> None:
        # color_system=None makes rich write no escape codes at all, bold included.
        self.console = Console(color_system="auto" if color else None, highlight=False)

    def hits(self, found: Sequence[Hit], query: str, query_id: str | None = None, terms: Sequence[str] = ()) -> None:
        blocks: list[RenderableType] = []
        if query_id is not None:
            blocks.append(Text.assemble((shown(f"[{query_id}] "), "dim"), (shown(query), "bold magenta")))
        for hit in found:
            section = _below_title(hit.section, hit.title)
            blocks.append(
                Text.assemble(
                    (f"{hit.rank:>2}. ", "dim"),
                    (shown(f"{hit.doc_id}#{hit.passage}"), "bold cyan"),
                    "  ",
                    (shown(hit.title), "bold"),
                    (shown(f" › {section}") if section else "", "magenta"),
                    ("  score " if hit.ranked else "", "dim"),
                    (format_score(hit.score) if hit.ranked else "", "green"),
                )
            )
            explained = [Text(line, style="dim") for line in explanation_lines(hit)]
            before = [Text(shown(as_read(p.text, (), hit.path)[0]), style="dim") for p in hit.before]
            after = [Text(shown(as_read(p.text, (), hit.path)[0]), style="dim") for p in hit.after]
            body = Group(*before, highlighted(*as_read(hit.text, hit.highlights, hit.path)), *after, *explained)
            blocks.append(Padding(body, (0, 0, 1, 4)))
        self.console.print(Group(*blocks))

    def document(self, document: Document, passages: Sequence[Passage], passage: Passage | None = None) -> None:
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="dim")
        facts.add_column()
        for key, value in details(document, passages):
            facts.add_row(visible(key), visible(value))
        if passage is not None:
            facts.add_row("passage", f"{passage.number} of {len(passages)} (characters {passage.start}–{passage.end})")
        body = passage.text if passage is not None else document.body.strip("\n")
        self.console.print(Group(Text(shown(document.title), style="bold"), facts, Text(""), visible(body)))

    def tokens(self, tokens: Sequence[Token]) -> None:
        self.console.print(_token_table(tokens))

    def listing(self, rows: Sequence[tuple[Document, int]]) -> None:
        table = Table(box=None, header_style="bold")
        table.add_column("document", style="cyan", no_wrap=True)
        table.add_column("passages", justify="right")
        table.add_column("title")
        for document, passage_count in rows:
            table.add_row(visible(document.doc_id), str(passage_count), visible(document.title))
        self.console.print(table)


def _token_table(tokens: Sequence[Token]) -> Table:
    table = Table(box=None, header_style="bold")
    for column in ("field", "surface", "term", "part of speech", "span", ""):
        table.add_column(column)
    for t in tokens:
        style = None if t.indexed else "dim"
        cells = (t.field, t.surface, t.term, t.part_of_speech, f"{t.start}–{t.end}", "indexed" if t.indexed else "dropped")
        table.add_row(*(visible(cell) for cell in cells), style=style)
    return table


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
