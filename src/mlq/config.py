"""``mlq.toml`` in a corpus folder: settings shared by everyone who searches that folder.

    [files]
    include = ["notes/**"]          # gitignore syntax, as --include
    exclude = ["drafts/", "*.tmp.md"]

    [analysis]
    split_mode = "C"                # Sudachi mode for the words field: A, B or C
    dropped_pos = ["助詞", "助動詞", "補助記号", "記号", "空白"]   # left out of the words field
    latin_bigrams = true            # false: bigrams of Japanese script only
    title = 1                       # times the title counts in the document field (0: not at all)
    headings = 1                    # times each heading counts in the document field
    path = 1                        # times the file path's words count in the document field

    [ranking]
    k1 = 0.9                        # BM25 parameters of every field...
    b = 0.75
    weights = { words = 0.5, bigrams = 0.35, document = 0.5, body = 0.5 }

    [ranking.bigrams]               # ...or of one field
    k1 = 0.5

Command-line options override the file: ``--include`` replaces its include list, ``--exclude``
its exclude list.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from .scoring import BM25Params
from .corpus import Selection, read_text_file
from .errors import MlqError
from .fields import NAMES as FIELDS
from .index import IndexSettings

CONFIG_FILE = "mlq.toml"


def settings_for(root: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> IndexSettings:
    """The index settings for the corpus at ``root``: defaults, then its ``mlq.toml``, then the
    command line's patterns. A config file that cannot be used is a one-line error."""
    path = root / CONFIG_FILE
    try:
        text = read_text_file(path)
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError) as error:
        raise MlqError(f"{path}: {error}") from None
    data = {}
    if text is not None:
        import tomllib  # most folders have no mlq.toml: a search need not import it

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise MlqError(f"{path}: {error}") from None
    try:
        return _settings(data, include, exclude)
    except (TypeError, ValueError, KeyError) as error:
        raise MlqError(f"{path}: {error}") from None


_KEYS = {
    "files": {"include", "exclude"},
    "analysis": {"split_mode", "dropped_pos", "filler_pos", "latin_bigrams", "title", "headings", "path"},
    "ranking": {"k1", "b", "weights", *FIELDS},
}


def _settings(data: dict[str, Any], include: tuple[str, ...], exclude: tuple[str, ...]) -> IndexSettings:
    for section in sorted(set(data) - set(_KEYS)):
        raise ValueError(f"unknown section [{section}]")
    for section, keys in _KEYS.items():
        for key in sorted(set(data.get(section, {})) - keys):
            raise ValueError(f"unknown setting {section}.{key}")
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
    for key in ("dropped_pos", "filler_pos"):
        if key in analysis:
            found = analysis[key]
            if not isinstance(found, list) or not all(isinstance(pos, str) for pos in found):
                raise ValueError(f"analysis.{key} must be a list of Sudachi parts of speech")
            parts_of_speech: dict[str, Any] = {key: tuple(found)}
            analyzer = replace(analyzer, **parts_of_speech)
    if "latin_bigrams" in analysis:
        if not isinstance(analysis["latin_bigrams"], bool):
            raise ValueError("analysis.latin_bigrams must be true or false")
        analyzer = replace(analyzer, latin_bigrams=analysis["latin_bigrams"])
    headers = replace(settings.headers, **{key: _count(analysis, key) for key in ("title", "headings", "path") if key in analysis})
    # [ranking] k1/b set every field; the defaults' own per-field values stand only without them.
    bm25 = _params(ranking, "ranking", settings.bm25)
    overrides = {} if {"k1", "b"} & set(ranking) else dict(settings.field_bm25)
    for name in FIELDS:
        if name in ranking:
            overrides[name] = _params(ranking[name], f"ranking.{name}", overrides.get(name, bm25))
    field_params = tuple(overrides.items())
    weights = settings.weights
    if "weights" in ranking:
        given = {str(k): _number(v) for k, v in dict(ranking["weights"]).items()}
        if set(given) - set(FIELDS):
            raise ValueError(f"ranking.weights: fields are {', '.join(FIELDS)}")
        if not all(0 <= weight <= _MOST_WEIGHT for weight in given.values()):  # NaN fails too
            raise ValueError(f"ranking.weights: each must be a number from 0 to {_MOST_WEIGHT:g}")
        weights = tuple((name, given.get(name, dict(weights)[name])) for name in FIELDS)
    return replace(
        settings,
        selection=selection,
        analyzer=analyzer,
        headers=headers,
        bm25=bm25,
        field_bm25=field_params,
        weights=weights,
    )


#: The most times a title, heading path or file path may count (a thousand million would be
#: as many copies of its words, held in memory).
_MOST_TIMES = 100
#: The largest k1 or field weight: far beyond any that ranks well (0.3–3), and small enough that
#: no score overflows (k1 = 1e308 made every score inf, and JSON's "score" Infinity).
_MOST_WEIGHT = 1000.0


def _count(section: dict[str, Any], key: str) -> int:
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MOST_TIMES:
        raise ValueError(f"analysis.{key} must be a whole number from 0 to {_MOST_TIMES}")
    return value


def _number(value: Any) -> float:
    """A setting's number; NaN (refused by every range) for an integer too large for a float."""
    try:
        return float(value)
    except OverflowError:
        return math.nan


def _params(section: Any, name: str, default: BM25Params) -> BM25Params:
    if not isinstance(section, dict):
        raise ValueError(f"{name} must be a table")
    unknown = set(section) - {"k1", "b"} - ({"weights", *FIELDS} if name == "ranking" else set())
    if unknown:
        raise ValueError(f"unknown setting {name}.{sorted(unknown)[0]}")
    params = replace(default, **{key: _number(section[key]) for key in ("k1", "b") if key in section})
    if not 0 <= params.k1 <= _MOST_WEIGHT or not 0 <= params.b <= 1:  # NaN fails too
        raise ValueError(f"{name}: k1 must be from 0 to {_MOST_WEIGHT:g} and b between 0 and 1")
    return params


def _patterns(section: dict[str, Any], key: str) -> tuple[str, ...]:
    value = section.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"files.{key} must be a list of patterns")
    return tuple(value)
