"""mlq: search Japanese technical essays from the command line.

Files → documents (:mod:`mlq.corpus`) → passages (:mod:`mlq.passages`) → terms
(:mod:`mlq.analysis`) → a BM25 index (:mod:`mlq.bm25`, :mod:`mlq.index`), cached on disk
(:mod:`mlq.cache`) → hits (:mod:`mlq.search`) → output (:mod:`mlq.render`, :mod:`mlq.cli`).

The names below are imported when first used (PEP 562), not with the package: the ``mlq``
command (:mod:`mlq.__main__`) sets its Ctrl-C handling before importing anything heavy, so
that an early Ctrl-C is a quiet stop rather than a traceback.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analysis import Analyzer, AnalyzerSettings, Term
    from .corpus import Document, load_corpus
    from .errors import MlqError
    from .index import CorpusIndex, IndexSettings, build_index
    from .passages import Passage, split_passages
    from .search import Hit, Searcher, bundled_corpus, open_corpus

__version__ = "0.1.0"

#: Each name of the API and the module that defines it.
_HOMES = {
    "Analyzer": "analysis",
    "AnalyzerSettings": "analysis",
    "Term": "analysis",
    "Document": "corpus",
    "load_corpus": "corpus",
    "MlqError": "errors",
    "CorpusIndex": "index",
    "IndexSettings": "index",
    "build_index": "index",
    "Passage": "passages",
    "split_passages": "passages",
    "Hit": "search",
    "Searcher": "search",
    "bundled_corpus": "search",
    "open_corpus": "search",
}

__all__ = [
    "Analyzer",
    "AnalyzerSettings",
    "CorpusIndex",
    "Document",
    "Hit",
    "IndexSettings",
    "MlqError",
    "Passage",
    "Searcher",
    "Term",
    "build_index",
    "bundled_corpus",
    "load_corpus",
    "open_corpus",
    "split_passages",
]


def __getattr__(name: str) -> Any:
    """A name of the API (imported from its module), or a module of the package
    (``mlq.clauses``), the first time it is asked for."""
    if name in _HOMES:
        value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    elif not name.startswith("_"):
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
