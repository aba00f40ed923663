"""``mlq.toml`` in a corpus folder: settings shared by everyone who searches that folder.

    [files]
    include = ["notes/**"]          # gitignore syntax, as --include
    exclude = ["drafts/", "*.tmp.md"]

    [analysis]
    split_mode = "C"                # Sudachi mode for the words field: A, B or C

    [ranking]
    k1 = 1.5
    b = 0.75
    weights = { words = 1.0, bigrams = 0.5 }

Command-line options override the file: ``--include`` replaces its include list, ``--exclude``
its exclude list.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from .analysis import FIELDS
from .corpus import Selection
from .errors import MlqError
from .index import IndexSettings

CONFIG_FILE = "mlq.toml"


def settings_for(root: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> IndexSettings:
    """The index settings for the corpus at ``root``: defaults, then its ``mlq.toml``, then the
    command line's patterns. A config file that cannot be used is a one-line error."""
    path = root / CONFIG_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MlqError(f"{path}: {error}") from None
    try:
        return _settings(data, include, exclude)
    except (TypeError, ValueError, KeyError) as error:
        raise MlqError(f"{path}: {error}") from None


def _settings(data: dict[str, Any], include: tuple[str, ...], exclude: tuple[str, ...]) -> IndexSettings:
    unknown = set(data) - {"files", "analysis", "ranking"}
    if unknown:
        raise ValueError(f"unknown section [{sorted(unknown)[0]}]")
    files, analysis, ranking = data.get("files", {}), data.get("analysis", {}), data.get("ranking", {})
    settings = IndexSettings()
    selection = Selection(
        include=include or _patterns(files, "include"),
        exclude=exclude or _patterns(files, "exclude"),
    )
    analyzer = settings.analyzer
    if "split_mode" in analysis:
        if analysis["split_mode"] not in ("A", "B", "C"):
            raise ValueError("analysis.split_mode must be A, B or C")
        analyzer = replace(analyzer, split_mode=analysis["split_mode"])
    bm25 = replace(settings.bm25, **{key: float(ranking[key]) for key in ("k1", "b") if key in ranking})
    weights = settings.weights
    if "weights" in ranking:
        given = {str(k): float(v) for k, v in dict(ranking["weights"]).items()}
        if set(given) - set(FIELDS):
            raise ValueError(f"ranking.weights: fields are {', '.join(FIELDS)}")
        weights = tuple((name, given.get(name, dict(weights)[name])) for name in FIELDS)
    return replace(settings, selection=selection, analyzer=analyzer, bm25=bm25, weights=weights)


def _patterns(section: dict[str, Any], key: str) -> tuple[str, ...]:
    value = section.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"files.{key} must be a list of patterns")
    return tuple(value)
