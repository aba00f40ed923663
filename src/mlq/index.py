"""Documents → passages → terms → the index of one corpus folder.

A :class:`CorpusIndex` is everything a search needs: the documents, a columnar table of their
passages, and one BM25 per analysis field. It is built here and saved and loaded by
:mod:`mlq.cache`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import passages as passage_rules
from .analysis import FIELDS, Analyzer, AnalyzerSettings, versions
from .bm25 import BM25Params, FieldIndex, Index, build_field
from .corpus import Document, SourceFile, Warn, corpus_files, read_files
from .passages import Passage, split_passages

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexSettings:
    """Everything that shapes the index. Any change to it (or to the analyzer's versions)
    makes a cached index stale."""

    analyzer: AnalyzerSettings = AnalyzerSettings()
    bm25: BM25Params = BM25Params()
    #: words + 0.5 × bigrams scored MRR@10 0.941 on jsquad-dev, above either field alone.
    weights: tuple[tuple[str, float], ...] = (("words", 1.0), ("bigrams", 0.5))

    def fingerprint(self) -> dict[str, object]:
        return {
            **asdict(self),
            "passages": {
                "min": passage_rules.MIN_CHARS,
                "max": passage_rules.MAX_CHARS,
                "hard_max": passage_rules.HARD_MAX_CHARS,
            },
            "versions": versions(),
        }


@dataclass(frozen=True)
class PassageTable:
    """Passage ``i`` is ``documents[doc[i]].text[start[i]:end[i]]``, numbered ``number[i]``
    within its document. Passages of a document are contiguous and in order."""

    doc: np.ndarray
    number: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return len(self.doc)


@dataclass(frozen=True)
class CorpusIndex:
    root: str
    documents: tuple[Document, ...]
    #: Every file found, including any that was skipped, so that changes to it are noticed.
    files: tuple[SourceFile, ...]
    passages: PassageTable
    bm25: Index
    settings: IndexSettings = field(default_factory=IndexSettings)

    def passage(self, i: int) -> Passage:
        document = self.documents[int(self.passages.doc[i])]
        start, end = int(self.passages.start[i]), int(self.passages.end[i])
        return Passage(document.doc_id, int(self.passages.number[i]), start, end, document.text[start:end])

    def passage_range(self, doc_index: int) -> range:
        """Rows of the passage table that belong to document ``doc_index``."""
        lo, hi = np.searchsorted(self.passages.doc, [doc_index, doc_index + 1])
        return range(int(lo), int(hi))

    @property
    def term_count(self) -> int:
        return sum(f.term_count for f in self.bm25.fields.values())


def build_index(
    root: Path,
    settings: IndexSettings = IndexSettings(),
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> CorpusIndex:
    """Read, split and analyse every file under ``root`` (an existing, resolved folder)."""
    analyzer = Analyzer(settings.analyzer)
    paths = corpus_files(root)
    documents: list[Document] = []
    files: list[SourceFile] = []
    rows: list[tuple[int, int, int, int]] = []
    terms: dict[str, list[list[str]]] = {name: [] for name in FIELDS}
    for done, (source, document) in enumerate(read_files(root, paths, warn), start=1):
        files.append(source)
        if document is not None:
            for passage in split_passages(document):
                rows.append((len(documents), passage.number, passage.start, passage.end))
                for name, field_terms in analyzer.analyze(passage.text).items():
                    terms[name].append([term.text for term in field_terms])
            documents.append(document)
        if progress:
            progress(done, len(paths))
    table = np.array(rows, dtype=np.int64).reshape(-1, 4)
    passages = PassageTable(
        doc=table[:, 0].astype(np.int32),
        number=table[:, 1].astype(np.int32),
        start=table[:, 2],
        end=table[:, 3],
    )
    fields: dict[str, FieldIndex] = {name: build_field(terms[name], settings.bm25) for name in FIELDS}
    bm25 = Index(fields, dict(settings.weights), len(passages))
    return CorpusIndex(str(root), tuple(documents), tuple(files), passages, bm25, settings)
