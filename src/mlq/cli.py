"""The ``mlq`` command: parse options, call the library, print. Results go to stdout, talk
to stderr; exit status 0 when something was found, 1 when nothing was, 2 on an error."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable, Sequence, TypeVar

import click

from . import __version__
from .errors import MlqError
from .analysis import Analyzer
from .search import DEFAULT_LIMIT, DEFAULT_PER_DOC, Searcher, analyze_query, open_corpus

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_ERROR = 0, 1, 2

F = TypeVar("F", bound=Callable[..., object])


def warn(message: str) -> None:
    click.echo(f"mlq: warning: {message}", err=True)


def note(message: str) -> None:
    click.echo(f"mlq: {message}", err=True)


def corpus_option(command: F) -> F:
    return click.option(
        "--corpus",
        type=click.Path(path_type=Path),
        envvar="MLQ_CORPUS",
        show_envvar=True,
        help="Folder of essays to search (default: the bundled corpus).",
    )(command)


def open_searcher(corpus: Path | None, rebuild: bool = False, announce: bool = True) -> Searcher:
    """Open the corpus, with a progress bar on a terminal when it has to be indexed, and a
    note on stderr after indexing (unless ``announce`` is off, for `mlq index`)."""
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if not sys.stderr.isatty():
                return
            from rich.console import Console

            from .render.terminal import progress_bar

            bar = progress_bar(Console(stderr=True))
            bar.add_task("index", total=total)
            bar.start()
        bar.update(bar.task_ids[0], completed=done)

    try:
        searcher = open_corpus(corpus, rebuild=rebuild, progress=progress, warn=warn)
    finally:
        if bar is not None:
            bar.stop()
    if searcher.built and announce:
        note(f"indexed {searcher.index.root} ({searcher.built.reason}) in {searcher.built.seconds:.2f} s")
    return searcher


def _output(view: str, *data: object) -> None:
    """Print ``view`` (``hits``, ``document``, ``listing``) of ``data``: rich styling on a
    terminal, plain stable lines in a pipe or a file. rich is imported only for a terminal,
    which saves a twentieth of a second on every piped run."""
    if sys.stdout.isatty():
        from rich.console import Console

        from .render import terminal

        Console().print(getattr(terminal, view)(*data))
    else:
        from .render import plain

        for line in getattr(plain, view)(*data):
            click.echo(line)


def _output_found(view: str, found: Sequence[object], nothing: str) -> int:
    """Print what was found and exit 0, or say on stderr that nothing was and exit 1."""
    if not found:
        note(nothing)
        return EXIT_NOT_FOUND
    _output(view, found)
    return EXIT_FOUND


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="mlq")
def cli() -> None:
    """Search Japanese technical essays from the command line.

    mlq splits each essay into passages, analyses them with SudachiPy, and ranks them with
    BM25. The index is cached on disk and refreshed when the essays change.

    \b
    Examples:
      mlq search "インターン 面接"
      mlq show msr-internship-2024#1
      mlq --help search
    """


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True, help="Passages to show.")
@click.option(
    "--per-doc",
    type=click.IntRange(min=1),
    default=DEFAULT_PER_DOC,
    show_default=True,
    help="At most this many passages from one document.",
)
@corpus_option
def search(query: tuple[str, ...], limit: int, per_doc: int, corpus: Path | None) -> int:
    """Show the passages that best match QUERY, best first, matched terms highlighted.

    \b
    Examples:
      mlq search "インターン 面接"
      mlq search 機械学習 エンジニア -n 5
      mlq search 面接 --corpus ~/notes
    """
    text = " ".join(query)
    analyze_query(Analyzer(), text)  # a bad query fails before any indexing
    searcher = open_searcher(corpus)
    hits = searcher.search(text, limit=limit, per_doc=per_doc)
    return _output_found("hits", hits, nothing=f"no passage matches {text!r}")


@cli.command()
@click.argument("doc")
@click.option("-p", "--passage", type=click.IntRange(min=1), help="Show only passage N (same as DOC#N).")
@corpus_option
def show(doc: str, passage: int | None, corpus: Path | None) -> int:
    """Show document DOC: its title, metadata and full text, or one passage of it.

    DOC is a document id as `mlq list` prints it, or a unique prefix of one; DOC#N picks
    passage N, as `mlq search` names them.

    \b
    Examples:
      mlq show msr-internship-2024
      mlq show msr#3
      mlq show landing-an-ml-job --passage 2
    """
    searcher = open_searcher(corpus)
    document, number = searcher.resolve(doc)
    number = passage or number
    passages = searcher.passages(document)
    chosen = searcher.passage(document, number) if number is not None else None
    _output("document", document, passages, chosen)
    return EXIT_FOUND


@cli.command(name="list")
@corpus_option
def list_(corpus: Path | None) -> int:
    """List the documents: id, number of passages and title.

    \b
    Example:
      mlq list --corpus ~/notes
    """
    searcher = open_searcher(corpus)
    rows = [(document, len(searcher.passages(document))) for document in searcher.documents]
    return _output_found("listing", rows, nothing=f"no documents in {searcher.index.root}")


@cli.command()
@click.option("--rebuild", is_flag=True, help="Index everything again even if the cache is fresh.")
@corpus_option
def index(rebuild: bool, corpus: Path | None) -> int:
    """Build or refresh the cached index of the corpus, then print one summary line.

    Searching refreshes the index by itself; this command does it ahead of time.

    \b
    Examples:
      mlq index
      mlq index --corpus ~/notes --rebuild
    """
    started = time.perf_counter()
    searcher = open_searcher(corpus, rebuild=rebuild, announce=False)
    built = searcher.built
    corpus_index = searcher.index
    if built:
        how = f"built in {built.seconds:.2f} s" + ("" if built.cached else " (not cached)")
    else:
        how = f"up to date, loaded in {time.perf_counter() - started:.2f} s"
    click.echo(
        f"{len(corpus_index.documents)} documents, {len(corpus_index.passages)} passages, "
        f"{corpus_index.term_count} distinct terms; {how}"
    )
    return EXIT_FOUND


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``mlq`` script: turns every failure into a one-line message."""
    if hasattr(signal, "SIGPIPE"):
        # Die quietly like other Unix tools when `| head` closes the pipe.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        status = cli.main(args=argv, prog_name="mlq", standalone_mode=False)
    except click.UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        _fail(f"{error.format_message()}{hint}")
    except click.ClickException as error:
        _fail(error.format_message())
    except MlqError as error:
        _fail(str(error))
    except (KeyboardInterrupt, click.Abort):
        click.echo("", err=True)
        sys.exit(130)
    except Exception as error:  # a bug: still one line, the traceback on request
        if os.environ.get("MLQ_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (set MLQ_DEBUG=1 for details)")
    sys.exit(status if isinstance(status, int) else EXIT_FOUND)


def _fail(message: str) -> None:
    click.echo(f"mlq: error: {' '.join(message.split())}", err=True)
    sys.exit(EXIT_ERROR)
