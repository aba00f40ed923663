"""mlq: search Japanese technical essays from the command line.

Files → documents (:mod:`mlq.corpus`) → passages (:mod:`mlq.passages`) → terms
(:mod:`mlq.analysis`) → a BM25 index (:mod:`mlq.bm25`, :mod:`mlq.index`), cached on disk
(:mod:`mlq.cache`) → hits (:mod:`mlq.search`) → output (:mod:`mlq.render`, :mod:`mlq.cli`).
"""

from .analysis import Analyzer, AnalyzerSettings, Term
from .corpus import Document, load_corpus
from .errors import MlqError
from .index import CorpusIndex, IndexSettings, build_index
from .passages import Passage, split_passages
from .search import Hit, Searcher, bundled_corpus, open_corpus

__version__ = "0.1.0"

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
