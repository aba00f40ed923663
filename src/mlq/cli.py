"""The ``mlq`` command: parse options, call the library, print.

The contract, as grep and ripgrep keep it: results on stdout and nothing else there; notes,
warnings and progress on stderr; exit status 0 when something was printed, 1 when nothing was
found, 2 on an error; colour only on a terminal unless asked; quiet death on a closed pipe.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterator, Sequence, TextIO, TypeVar

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

from . import __version__, cache, interrupts
from .analysis import Analyzer
from .config import settings_for
from .corpus import Selection, Warn, check_corpus_dir, is_unicode
from .errors import MlqError
from .index import IndexSettings
from .query import parse_query
from .render import FORMATS, Printer, make_printer, shown
from .render import paging
from .search import (
    DEFAULT_LIMIT,
    DEFAULT_PER_DOC,
    SORTS,
    Searcher,
    analyze_query,
    bundled_corpus,
    open_corpus,
)

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_ERROR = 0, 1, 2
#: As a shell reports a process ended by SIGINT (Ctrl-C) or SIGTERM: 128 + the signal.
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

F = TypeVar("F", bound=Callable[..., object])


def warn(message: str) -> None:
    _say(f"mlq: warning: {shown(message)}")


def note(message: str) -> None:
    _say(f"mlq: {shown(message)}")


def _say(line: str) -> None:
    """One line on stderr; nowhere, where stderr cannot be written (``2>/dev/full``): what mlq
    says there never stops its work, nor changes its exit status."""
    try:
        click.echo(line, err=True)
    except OSError:
        with contextlib.suppress(OSError, ValueError, AttributeError):  # what is buffered goes nowhere too
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stderr.fileno())


def _on_terminal(stream: TextIO | None) -> bool:
    return stream is not None and stream.isatty()  # None: started with it closed (2>&-)


@dataclass(frozen=True)
class Source:
    """The corpus a command works on: the folder (None: the bundled essays) and which files."""

    folder: Path | None
    selection: Selection

    @functools.cached_property
    def root(self) -> Path:
        return check_corpus_dir(self.folder if self.folder is not None else bundled_corpus())

    @functools.cached_property
    def settings(self) -> IndexSettings:
        """The corpus' mlq.toml, with the command line's patterns over it."""
        return settings_for(self.root, self.selection.include, self.selection.exclude)


def corpus_option(command: F) -> F:
    """--corpus, --include and --exclude, handed to the command as one ``source``."""

    @functools.wraps(command)
    def with_source(*args: object, corpus: str | None, include: tuple[str, ...], exclude: tuple[str, ...], **kwargs: object) -> object:
        return command(*args, source=Source(_folder(corpus), Selection(include, exclude)), **kwargs)

    options = [
        click.option(
            "--corpus",
            type=click.Path(),
            envvar="MLQ_CORPUS",
            show_envvar=True,
            help="Folder of essays to search (default: the bundled corpus).",
        ),
        click.option("--include", multiple=True, metavar="GLOB", help="Only files matching GLOB (gitignore syntax; repeatable)."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Leave out files matching GLOB (as in .mlqignore; repeatable)."),
    ]
    for option in reversed(options):
        with_source = option(with_source)
    return with_source  # type: ignore[return-value]


def _folder(corpus: str | None) -> Path | None:
    """The corpus folder given, if one was. An empty one is an error, not the current folder
    (``--corpus "$NOTES"`` with ``NOTES`` unset would index wherever the command ran)."""
    if corpus is not None and not corpus:
        raise MlqError("--corpus is empty: give a folder (or leave it out for the bundled essays)")
    return Path(corpus) if corpus is not None else None


def complete_documents(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Document ids for the shell's completion (`mlq show <TAB>`), from the cached index of the
    corpus the command line names so far: never indexing, and silent when there is none."""
    try:
        source = Source(_folder(ctx.params.get("corpus")), Selection(tuple(ctx.params.get("include") or ()), tuple(ctx.params.get("exclude") or ())))
        index = cache.cached_index(source.root, source.settings)
    except MlqError:  # no such corpus: nothing to offer
        return []
    from click.shell_completion import CompletionItem as Item  # only when completing (see mlq._lazy)

    ids = index.documents.ids if index is not None else []
    return [Item(doc_id) for doc_id in ids if doc_id.startswith(incomplete)]


def output_options(formats: Sequence[str] = FORMATS) -> Callable[[F], F]:
    """--format (one of ``formats``), --json, --vimgrep (where ``formats`` has it), --color and
    --no-pager, the same on every command that prints results (--vimgrep handed to it as
    ``format_name``): a command's --help lists only the formats it prints."""

    def decorate(command: F) -> F:
        return _with_output_options(command, tuple(formats))

    return decorate


def _with_output_options(command: F, formats: tuple[str, ...]) -> F:
    inner = command

    @functools.wraps(inner)
    def with_format(*args: object, format_name: str | None, no_pager: bool, as_vimgrep: bool = False, **kwargs: object) -> object:
        click.get_current_context().meta[_NO_PAGER] = no_pager
        if as_vimgrep:
            if format_name not in (None, "vimgrep") or kwargs.get("as_json"):
                raise MlqError(f"--vimgrep and {'--json' if kwargs.get('as_json') else '--format ' + str(format_name)} contradict each other")
            format_name = "vimgrep"
        return inner(*args, format_name=format_name, **kwargs)

    command = with_format  # type: ignore[assignment]
    options = [
        click.option("--format", "format_name", type=click.Choice(formats), default=None, help="Output format (default: text)."),
        click.option("--json", "as_json", is_flag=True, help="Same as --format json (JSON Lines)."),
    ]
    if "vimgrep" in formats:
        options.append(click.option("--vimgrep", "as_vimgrep", is_flag=True, help="Same as --format vimgrep: path:line:column:passage, for vim -q and editors."))
    options += [
        click.option(
            "--color",
            type=click.Choice(["auto", "always", "never"]),
            default="auto",
            show_default=True,
            help="Colour and styling; auto means on a terminal, unless NO_COLOR is set.",
        ),
        click.option("--no-pager", is_flag=True, help="Never page: by default terminal output taller than the screen goes through $MLQ_PAGER, $PAGER or less -FRX."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


#: What a command that prints no hits (show, analyze, list) can print: vimgrep points an
#: editor at a hit's first match.
HITLESS_FORMATS = tuple(name for name in FORMATS if name != "vimgrep")

#: Where output_options leaves --no-pager for _printer, in the invocation's click context.
_NO_PAGER = "mlq.no_pager"


def _printer(
    format_name: str | None, as_json: bool, color: str, files_only: bool = False, header: bool = False, paged: bool = True
) -> Printer:
    """The printer the options ask for; ``paged`` False for output that streams (a batch)."""
    if as_json and format_name not in (None, "json"):
        raise MlqError(f"--json and --format {format_name} contradict each other")
    chosen = "json" if as_json else format_name
    if files_only and chosen not in (None, "text"):
        raise MlqError(f"-l prints document ids only; it does not combine with --format {chosen}")
    terminal = sys.stdout.isatty()
    context = click.get_current_context(silent=True)
    paged = paged and terminal and not (context is not None and context.meta.get(_NO_PAGER))
    return make_printer(
        chosen or "text",
        terminal=terminal,
        color=_use_color(color, terminal),
        out=_stdout(),
        files_only=files_only,
        header=header,
        pager=paging.command() if paged else None,
    )


def _use_color(choice: str, terminal: bool) -> bool:
    if choice != "auto":
        return choice == "always"
    # https://no-color.org: any non-empty NO_COLOR turns colour off by default.
    return terminal and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _stdout() -> BinaryIO:
    return sys.stdout.buffer


def open_searcher(
    source: Source, rebuild: bool = False, announce: bool = True, jobs: int | None = None, will_search: bool = True, first: Callable[[], object] | None = None
) -> Searcher:
    """Open the corpus, with a progress bar on a terminal when it has to be indexed, and a
    note on stderr after indexing (unless ``announce`` is off, for `mlq index`); see
    :func:`mlq.open_corpus` for ``will_search`` and ``first``."""
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        interrupts.check()  # as each file is done: a Ctrl-C whose exception was lost ends the build now
        if bar is None and not _on_terminal(sys.stderr):
            return
        with interrupts.held():  # a bar stopped half-drawn would stay on the screen
            if bar is None:
                from rich.console import Console

                from .render.terminal import progress_bar

                bar = progress_bar(Console(stderr=True))
                bar.add_task("index", total=total)
                bar.start()
            bar.update(bar.task_ids[0], completed=done)

    try:
        searcher = open_corpus(
            source.root, settings=source.settings, rebuild=rebuild, jobs=jobs, progress=progress, warn=warn, notice=note, will_search=will_search, first=first
        )
    finally:
        if bar is not None:
            with interrupts.held():
                bar.stop()
    if searcher.built and announce:
        note(f"indexed {searcher.index.root} ({searcher.built.reason}) in {searcher.built.seconds:.2f} s")
    context = click.get_current_context(silent=True)
    if context is not None:  # once the command has answered: see cache.merge_later
        context.call_on_close(lambda: cache.merge_later(searcher.index))
    return searcher


class QueryCommand(click.Command):
    """A command whose QUERY words may begin with ``-``, as typed (``面接 -インターン``): a token
    that is not one of the command's options is a word of the query, wherever it stands;
    options work in any position, and ``--`` still ends them."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _options_then_words(self.get_params(ctx), args))


def _options_then_words(params: Sequence[click.Parameter], args: Sequence[str]) -> list[str]:
    """``args`` as options first, then ``--`` and the other tokens in the order typed."""
    takes_value = {
        name: not (param.is_flag or param.count)
        for param in params
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }
    options: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            words += args[i + 1 :]
            break
        if arg.startswith("--") or _is_short_option(arg, takes_value):
            options.append(arg)  # an unknown --long one too: click says so
            name = arg.partition("=")[0] if arg.startswith("--") else arg
            if takes_value.get(name) and i + 1 < len(args):
                options.append(args[i + 1])
                i += 1
        else:
            words.append(arg)
        i += 1
    return options + (["--", *words] if words else [])


def _is_short_option(arg: str, takes_value: dict[str, bool]) -> bool:
    """Whether ``arg`` reads as short options: ``-n``, ``-n5`` (a number glued on), ``-lh``
    (flags together) — and not a word to exclude, as ``-linux`` is."""
    if not arg.startswith("-") or len(arg) < 2 or arg[1] == "-":
        return False
    if arg[:2] in takes_value and (len(arg) == 2 or (takes_value[arg[:2]] and arg[2:].isdecimal())):
        return True
    return all(takes_value.get(f"-{flag}") is False for flag in arg[1:])


class Commands(click.Group):
    """mlq's commands, a Ctrl-C inside one reaching :func:`main` as it came: Click would print
    an empty line first, into a file or a pipe too (:func:`_interrupted` starts a new line on a
    terminal only)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as interrupted:
            raise click.Abort() from interrupted


@click.group(
    cls=Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    invoke_without_command=True,
)
@click.version_option(__version__, "-V", "--version", prog_name="mlq")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Search Japanese technical essays from the command line.

    mlq splits each essay into passages, analyses them with SudachiPy, and ranks them with
    BM25. The index is cached on disk and refreshed when the essays change.

    Results go to stdout, everything else to stderr. Exit status: 0 when something was
    found, 1 when nothing was, 2 on an error.

    \b
    Examples:
      mlq search "インターン 面接"
      mlq search -l 面接 | xargs mlq show
      mlq show msr-internship-2024#1
    """
    if ctx.invoked_subcommand is None:  # plain `mlq`: the help, as `mlq --help` prints it
        click.echo(ctx.get_help())


@cli.command(cls=QueryCommand)
@click.argument("query", nargs=-1)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True, help="Passages to show (documents with -l).")
@click.option(
    "--per-doc",
    type=click.IntRange(min=1),
    default=DEFAULT_PER_DOC,
    show_default=True,
    help="At most this many passages from one document.",
)
@click.option("-l", "--files-with-matches", "files_only", is_flag=True, help="Print only the ids of matching documents, best first.")
@click.option(
    "--queries",
    "queries_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Run every query in FILE, one a line (`id<TAB>query` or just the query). `mlq search -` reads stdin.",
)
@click.option("--header", is_flag=True, help="With --format tsv: print a header line first.")
@click.option("--explain", is_flag=True, help="Show what each query term adds to each hit's score (tf, idf, length norm).")
@click.option("--sort", type=click.Choice(SORTS), default="score", show_default=True, help="Order of the hits found: by score, by date (newest first), or by document id.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only documents whose front-matter date is on or after this day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only documents whose front-matter date is on or before this day.")
@click.option("--tag", "tags", multiple=True, help="Only documents tagged so in their front matter (repeatable: every tag must be there).")
@click.option(
    "-C", "--context", "neighbours", type=click.IntRange(min=0), default=0, metavar="N", help="Show N passages before and after each hit, marked as context (as grep -C)."
)
@click.option(
    "--no-highlights",
    is_flag=True,
    help="Do not work out which characters matched (JSON `highlights` stay empty, `line`/`column` point at the passage's start): faster for large batches.",
)
@output_options()
@corpus_option
def search(
    query: tuple[str, ...],
    limit: int,
    per_doc: int,
    files_only: bool,
    queries_file: Path | None,
    header: bool,
    explain: bool,
    sort: str,
    since: datetime | None,
    until: datetime | None,
    tags: tuple[str, ...],
    neighbours: int,
    no_highlights: bool,
    format_name: str | None,
    as_json: bool,
    color: str,
    source: Source,
) -> int:
    """Show the passages that best match QUERY, best first, matched terms highlighted.

    On a terminal the output is styled; in a pipe it is two plain lines a hit,
    `doc_id#N<TAB>score<TAB>title` and the passage on one line. --json gives JSON Lines,
    --format tsv tab-separated columns, -l document ids only.

    Query syntax: words are ranked by BM25; "a phrase" must occur as consecutive words (as
    analysed: particles between them do not count); +word (or +"phrase") must occur and -word
    must not, typed as they are (mlq search 面接 -インターン: a word that is no option of
    search is part of the query, wherever it stands); title:word must be in the document's
    title; doc:PREFIX keeps documents whose id starts with PREFIX. A query of such filters
    alone (or of --tag, --since, --until) lists the documents they let through, by id.

    With `-` as QUERY (or --queries FILE) mlq runs a batch: one query a line, as
    `id<TAB>query` or just the query (its id is then its line number), and every hit
    carries its query's id.

    \b
    Examples:
      mlq search "インターン 面接"
      mlq search 機械学習 エンジニア -n 5 --json | jq -r .doc_id
      mlq search '"機械学習 エンジニア" +面接 -Google title:体験記 doc:notes/'
      mlq search 面接 -インターン -n 5
      mlq search --tag rust -l
      mlq search -l 面接 | xargs mlq show
      vim -q <(mlq search ビザ 面接 --vimgrep)
      printf 'q1\\tインターン\\nq2\\t面接\\n' | mlq search - --format tsv
    """
    batch = query == ("-",) or queries_file is not None
    if queries_file is not None and query:
        raise MlqError("give either QUERY or --queries FILE, not both")
    if "-" in query and not batch:
        raise MlqError("give either QUERY or - (queries from stdin), not both")
    filtered = bool(since or until or tags)
    if not batch and not query and not filtered:
        raise click.UsageError("Missing argument 'QUERY...'.")
    text = _query_text(query)
    printer = _printer(format_name, as_json, color, files_only, header, paged=not batch)
    # A bad query fails before any indexing, checked while a large corpus's files are.
    searcher = open_searcher(source, first=None if batch else lambda: analyze_query(Analyzer(), text, filtered))
    # -l counts documents: one passage per document.
    per_doc = 1 if files_only else per_doc
    highlight = printer.uses_highlights and not no_highlights
    if no_highlights and printer.format_name == "vimgrep":
        raise MlqError("--no-highlights does not combine with --format vimgrep: its lines point at the first match")
    for asked, name in ((explain, "--explain"), (neighbours, "-C/--context")):
        if asked and not printer.shows_explanations:
            raise MlqError(f"{name} does not combine with {'-l' if files_only else '--format ' + printer.format_name}")
    run = functools.partial(
        searcher.search,
        limit=limit,
        per_doc=per_doc,
        highlight=highlight,
        explain=explain,
        neighbours=neighbours,
        since=since.date().isoformat() if since else None,
        until=until.date().isoformat() if until else None,
        tags=tags,
        sort=sort,
    )
    if not batch:
        hits = run(text)
        if not hits:
            note(f"no passage matches {text!r}" if parse_query(text).ranked.strip() else "no document passes the filters")
            return EXIT_NOT_FOUND
        printer.hits(hits, text)
        return EXIT_FOUND
    found = False
    for query_id, text in _batch_queries(queries_file):
        try:
            hits = run(text)
        except MlqError as error:
            warn(f"query {query_id}: {error}; skipped")
            continue
        if hits:
            printer.hits(hits, text, query_id)
            found = True
    if not found:
        note("no passage matches any query")
    return EXIT_FOUND if found else EXIT_NOT_FOUND


def read_queries(stream: BinaryIO, warn: Warn | None = None) -> Iterator[tuple[str, str]]:
    """``(query_id, query)`` for each non-empty line of a batch: ``id<TAB>query``, or just the
    query, whose id is then its line number (as it is for an empty id). Read as it comes, so a pipe feeding queries one
    by one gets answers one by one; a line that is not UTF-8 is skipped with a warning."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            if warn:
                warn(f"query line {number} is not UTF-8; skipped")
            continue
        if not line.strip():
            continue
        query_id, tab, query = line.partition("\t")
        yield (query_id.strip() or str(number), query) if tab else (str(number), line)


def _query_text(words: Sequence[str]) -> str:
    """The query the shell's words make: joined by spaces, except that a ``-`` or ``+`` word
    (or ``－``, ``＋``) holding a space (the shell took away its quotes: ``-"機械学習 エンジニア"``)
    stays a phrase. So a whole query quoted that begins with one (``'+fetch タイムアウト'``) is
    that phrase too: the shell's words cannot tell the two apart, and the README documents
    the first."""
    return " ".join(f'{word[0]}"{word[1:]}"' if word[:1] in "+-＋－−" and len(word.split()) > 1 and '"' not in word else word for word in words)


def _utf8(text: str, what: str) -> str:
    """``text`` as given, if it was UTF-8: bytes that were not come to Python as surrogates
    (from the command line, or a stream read with ``surrogateescape``), which no analysis takes."""
    if not is_unicode(text):
        raise MlqError(f"{what} is not valid UTF-8")
    return text


def _stdin() -> TextIO:
    if sys.stdin is None:  # started with it closed (<&-)
        raise MlqError("standard input is closed")
    return sys.stdin


def _batch_queries(queries_file: Path | None) -> Iterator[tuple[str, str]]:
    if queries_file is None:
        yield from read_queries(_stdin().buffer, warn)
        return
    try:
        stream = open(queries_file, "rb")
    except OSError as error:
        raise MlqError(f"cannot read queries from {queries_file}: {error.strerror or error}") from None
    with stream:
        yield from read_queries(stream, warn)


@cli.command()
@click.argument("docs", metavar="DOC...", nargs=-1, required=True, shell_complete=complete_documents)
@click.option("-p", "--passage", type=click.IntRange(min=1), help="Show only passage N (same as DOC#N).")
@output_options(HITLESS_FORMATS)
@corpus_option
def show(docs: tuple[str, ...], passage: int | None, format_name: str | None, as_json: bool, color: str, source: Source) -> int:
    """Show each DOC: its title, metadata and full text, or one passage of it.

    DOC is a document id as `mlq list` prints it, or a unique prefix of one; DOC#N picks
    passage N, as `mlq search` names them. Several are shown one after another (so
    `mlq search -l 面接 | xargs mlq show` works); every DOC is looked up before anything
    is printed. --json prints each document as one JSON object with its passages and their
    offsets.

    \b
    Examples:
      mlq show msr-internship-2024
      mlq show msr#3 landing-an-ml-job#2
      mlq show landing-an-ml-job --passage 2 --json | jq -r .text
    """
    printer = _printer(format_name, as_json, color)
    if passage is not None and len(docs) > 1:
        raise MlqError("--passage picks a passage of one document; name several as DOC#N")
    searcher = open_searcher(source, will_search=False)
    shown = []
    for doc in docs:
        document, number = searcher.resolve(doc)
        number = passage or number
        shown.append((document, searcher.passages(document), searcher.passage(document, number) if number is not None else None))
    for document, passages, chosen in shown:
        printer.document(document, passages, chosen)
    return EXIT_FOUND


@cli.command()
@click.argument("doc", shell_complete=complete_documents)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True, help="Documents to show.")
@click.option("--terms", type=click.IntRange(min=1), default=25, show_default=True, help="How many of DOC's most characteristic words to search by.")
@click.option("-l", "--files-with-matches", "files_only", is_flag=True, help="Print only the ids of the documents found, best first.")
@click.option("--explain", is_flag=True, help="Show what each word adds to each hit's score (tf, idf, length norm).")
@click.option("--header", is_flag=True, help="With --format tsv: print a header line first.")
@output_options()
@corpus_option
def similar(
    doc: str, limit: int, terms: int, files_only: bool, explain: bool, header: bool, format_name: str | None, as_json: bool, color: str, source: Source
) -> int:
    """Show the documents most like DOC (or like its passage, DOC#N), best first: "what else
    did I write about this?". DOC's most characteristic words (by BM25 weight) are searched
    for, and said: on stderr on a terminal, as `terms` in JSON. DOC itself is never among the
    results. Output as for `mlq search`.

    \b
    Examples:
      mlq similar msr-internship-2024
      mlq similar landing-an-ml-job#10 -n 3 --json | jq -r .doc_id
      mlq similar msr-internship-2024 -l | xargs mlq show
    """
    printer = _printer(format_name, as_json, color, files_only, header)
    if explain and not printer.shows_explanations:
        raise MlqError(f"--explain does not combine with {'-l' if files_only else '--format ' + printer.format_name}")
    searcher = open_searcher(source)
    words = searcher.characteristic_words(doc, terms)
    if words and _on_terminal(sys.stderr):
        note(f"searched for: {' '.join(words)}")
    hits = searcher.similar(doc, limit=limit, explain=explain, highlight=printer.uses_highlights, words=words)
    if not hits:
        note(f"no document is like {doc!r}")
        return EXIT_NOT_FOUND
    printer.hits(hits, f"similar:{doc}", terms=words)
    return EXIT_FOUND


@cli.command()
@click.argument("text", nargs=-1)
@click.option("--header", is_flag=True, help="With --format tsv: print a header line first.")
@output_options(HITLESS_FORMATS)
@corpus_option
def analyze(text: tuple[str, ...], header: bool, format_name: str | None, as_json: bool, color: str, source: Source) -> int:
    """Show how mlq analyses TEXT (`-`: read it from stdin): every Sudachi morpheme with its
    surface, the term it becomes, its part of speech, its span and whether it is indexed or
    dropped, then the character bigrams. With the corpus's mlq.toml, as indexing would.

    \b
    Examples:
      mlq analyze サーバを打込みました
      mlq analyze --json 'ＭＬＯｐｓの運用' | jq -r 'select(.indexed) | .term'
    """
    if not text:
        raise click.UsageError("Missing argument 'TEXT...'.")
    content = _utf8(_stdin().read() if text == ("-",) else " ".join(text), "the text")
    printer = _printer(format_name, as_json, color, header=header)
    if text != ("-",) and not content.strip():  # a mistake, as an empty query is
        raise MlqError("empty text")
    tokens = Analyzer(source.settings.analyzer).tokens(content)
    if not tokens:  # stdin held nothing, as a batch of no queries finds nothing
        note("nothing to analyse")
        return EXIT_NOT_FOUND
    printer.tokens(tokens)
    return EXIT_FOUND


@cli.command(name="list")
@click.option("--header", is_flag=True, help="With --format tsv: print a header line first.")
@output_options(HITLESS_FORMATS)
@corpus_option
def list_(header: bool, format_name: str | None, as_json: bool, color: str, source: Source) -> int:
    """List the documents: id, number of passages and title.

    \b
    Examples:
      mlq list --corpus ~/notes
      mlq list --json | jq -r 'select(.passages > 20) | .doc_id'
    """
    printer = _printer(format_name, as_json, color, header=header)
    searcher = open_searcher(source, will_search=False)
    rows = [(document, len(searcher.passages(document))) for document in searcher.documents]
    if not rows:
        note(f"no documents in {searcher.index.root}")
        return EXIT_NOT_FOUND
    printer.listing(rows)
    return EXIT_FOUND


@cli.command()
@click.option("--rebuild", is_flag=True, help="Index everything again even if the cache is fresh.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes that analyse files (default: one per CPU).")
@click.option("--status", is_flag=True, help="Show where the cache is, its size, when it was built, and whether it is up to date.")
@click.option("--verify", is_flag=True, help="Check the checksum of every file of the cached index.")
@click.option("--clear", is_flag=True, help="Remove this corpus' cached index.")
@click.option("--prune", is_flag=True, help="Remove cached indexes of corpus folders that no longer exist.")
@corpus_option
def index(rebuild: bool, jobs: int | None, status: bool, verify: bool, clear: bool, prune: bool, source: Source) -> int:
    """Build or refresh the cached index of the corpus, then print one summary line.

    Searching refreshes the index by itself; this command does it ahead of time, and looks
    after the cache. After a change only the changed files are analysed again.

    \b
    Examples:
      mlq index
      mlq index --corpus ~/notes --jobs 4
      mlq index --status
      mlq index --verify
    """
    asked = [name for name, given in (("--status", status), ("--verify", verify), ("--clear", clear), ("--prune", prune)) if given]
    if len(asked) > 1 or (asked and (rebuild or jobs)):
        building = [name for name, given in (("--rebuild", rebuild), ("--jobs", jobs)) if given]
        raise click.UsageError(f"{' and '.join([*asked, *building])} do not combine: give one of them")
    if prune:
        try:
            removed = cache.prune()
        except OSError as error:
            raise MlqError(f"cannot prune the cache in {cache.cache_root()}: {error.strerror or error}") from None
        for entry, corpus_root in removed:
            click.echo(f"removed {entry} ({corpus_root})")
        note(f"pruned {len(removed)} cache entr{'y' if len(removed) == 1 else 'ies'} in {cache.cache_root()}")
        return EXIT_FOUND
    if clear:
        if source.folder is not None and not source.folder.expanduser().exists():  # gone: --prune knows its entry
            raise MlqError(f"corpus folder not found: {source.folder} (`mlq index --prune` removes the cache entries of folders that are gone)")
        try:
            entry, cleared = cache.clear_index(source.root, source.settings, on_wait=lambda: note(cache.WAITING))
        except OSError as error:
            raise MlqError(f"cannot clear the cached index of {source.root}: {error.strerror or error}") from None
        if cleared:
            click.echo(f"removed {entry}")
            return EXIT_FOUND
        note(f"no cached index for {source.root}")
        return EXIT_NOT_FOUND
    if status:
        click.echo(_status(cache.status(source.root, source.settings)))
        return EXIT_FOUND
    if verify:
        entry, problems = cache.verify_index(source.root, source.settings)
        if problems:
            raise MlqError(f"{entry} is damaged: {'; '.join(problems)} (run `mlq index --rebuild` to rebuild it)")
        click.echo(f"{entry}: every file matches its checksum")
        return EXIT_FOUND
    started = time.perf_counter()
    searcher = open_searcher(source, rebuild=rebuild, announce=False, jobs=jobs, will_search=False)
    built = searcher.built
    corpus_index = searcher.index
    if built:
        how = f"built in {built.seconds:.2f} s ({built.reason}; {built.analysed_files} files analysed)"
        how += "" if built.cached else " (not cached)"
    else:
        how = f"up to date, loaded in {time.perf_counter() - started:.2f} s"
    click.echo(
        f"{len(corpus_index.documents)} documents, {len(corpus_index.passages)} passages, "
        f"{corpus_index.term_count} distinct terms; {how}"
    )
    return EXIT_FOUND


def _status(status: cache.Status) -> str:
    lines = [f"corpus:  {status.corpus}", f"cache:   {status.entry}"]
    if status.state == "none":
        return "\n".join([*lines, "index:   none yet (run `mlq index`)"])
    if status.state == "damaged":
        return "\n".join([*lines, f"index:   damaged ({status.problem}); the next run rebuilds it"])
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(status.built_at))
    counts = status.counts
    return "\n".join(
        [
            *lines,
            f"size:    {status.size / 1e6:.1f} MB",
            f"built:   {built} in {status.build_seconds:.2f} s",
            f"index:   {counts['documents']} documents, {counts['passages']} passages, {counts['terms']} distinct terms",
            f"status:  {'up to date' if status.state == 'fresh' else 'stale: ' + status.problem}",
        ]
    )


def _interrupted(status: int) -> None:
    """The one line a stopped mlq says; a second Ctrl-C while it exits changes nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _say(("\n" if _on_terminal(sys.stderr) else "") + "mlq: interrupted")  # past the terminal's ^C
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``mlq`` script: turns every failure into a one-line message."""
    if hasattr(signal, "SIGPIPE"):
        # Die quietly like other Unix tools when `| head` closes the pipe.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    interrupts.on_signals()
    if sys.stdout is None:  # started with it closed (>&-): whatever it would say is lost
        _fail("standard output is closed")
    try:
        status = cli.main(args=argv, prog_name="mlq", standalone_mode=False)
        sys.stdout.flush()  # here, where a failure to write is still reported
    except click.UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        _fail(f"{error.format_message()}{hint}")
    except click.ClickException as error:
        _fail(error.format_message())
    except MlqError as error:
        _fail(str(error))
    except (KeyboardInterrupt, click.Abort):
        _interrupted(EXIT_INTERRUPTED)
    except interrupts.Terminated:
        _interrupted(EXIT_TERMINATED)
    except OSError as error:
        if error.filename is not None or error.errno not in _OUTPUT_FAILURES:
            _internal(error)
        # What is still buffered would fail again as Python exits: it goes nowhere instead.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _fail(f"cannot write the output: {error.strerror}")
    except Exception as error:
        _internal(error)
    sys.exit(status if isinstance(status, int) else EXIT_FOUND)


#: How writing to standard output fails when it leads to a full disk, or a device that fails.
_OUTPUT_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


def _internal(error: Exception) -> None:
    """A bug: still one line, the traceback on request."""
    if os.environ.get("MLQ_DEBUG"):
        raise error
    # Besides a bug, a cached index damaged in place (same size, other bytes) can get here.
    _fail(f"internal error: {type(error).__name__}: {error} (set MLQ_DEBUG=1 for details; `mlq index --verify` checks the cached index)")


def _fail(message: str) -> None:
    _say(f"mlq: error: {shown(' '.join(message.split()))}")
    sys.exit(EXIT_ERROR)
