"""JSON Lines exports → documents: one document a line, as exported datasets come.

Each line is a JSON object with the document's ``text``, an ``id`` (or ``_id``, as BEIR
datasets write it) and, optionally, a ``title``; any other field is kept as metadata. The
document id is the file's id (its path without the extension) then ``/`` and the record's id,
so ``exports/qiita.jsonl``'s record ``42`` is ``exports/qiita/42``. A record without an id is
known by its line number.

A line that is not such an object, or whose id an earlier line already has, is skipped; the file
still counts, and one warning per file says which lines were left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

JSONL_SUFFIXES = (".jsonl",)
#: Fields that make the document rather than its metadata.
ID_FIELDS = ("id", "_id")
TEXT_FIELD = "text"
TITLE_FIELD = "title"
#: How many skipped line numbers a warning lists before it only counts them.
_LINES_NAMED = 5


@dataclass(frozen=True)
class Record:
    """One line's document: its id within the file, title ("" if none), text, metadata
    (``line`` included: the line of the file it came from)."""

    key: str
    title: str
    text: str
    metadata: dict[str, str]


def parse_records(text: str) -> tuple[list[Record], str | None]:
    """The records of a JSON Lines file's text, and a warning about skipped lines, if any."""
    records: list[Record] = []
    first_line: dict[str, int] = {}
    skipped: list[tuple[int, str]] = []
    # Not str.splitlines(): JSON strings may hold U+2028 and other characters it breaks at.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = _record(json.loads(line), number)
        except (ValueError, RecursionError) as error:
            skipped.append((number, str(error) if isinstance(error, _BadRecord) else "not valid JSON"))
            continue
        if record.key in first_line:
            skipped.append((number, f"id {record.key!r} repeats line {first_line[record.key]}"))
            continue
        first_line[record.key] = number
        records.append(record)
    return records, _skipped_warning(skipped)


class _BadRecord(ValueError):
    """A line that is JSON, but not a document."""


def _record(data: Any, number: int) -> Record:
    if not isinstance(data, dict):
        raise _BadRecord("not a JSON object")
    text = data.get(TEXT_FIELD)
    if not isinstance(text, str):
        raise _BadRecord(f'no "{TEXT_FIELD}" string')
    key = next((data[name] for name in ID_FIELDS if data.get(name) not in (None, "")), number)
    if isinstance(key, (dict, list)):
        raise _BadRecord("id is not a string or number")
    title = data.get(TITLE_FIELD)
    metadata = {
        str(name): _scalar(value)
        for name, value in data.items()
        if name not in (TEXT_FIELD, *ID_FIELDS) and value is not None
    }
    metadata["line"] = str(number)
    return Record(str(key), _scalar(title) if title is not None else "", _lines(text), metadata)


def _scalar(value: Any) -> str:
    """Metadata as text: a list joined with commas (tags), nested objects as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _skipped_warning(skipped: list[tuple[int, str]]) -> str | None:
    if not skipped:
        return None
    named = "; ".join(f"line {number}: {why}" for number, why in skipped[:_LINES_NAMED])
    more = f"; and {len(skipped) - _LINES_NAMED} more" if len(skipped) > _LINES_NAMED else ""
    return f"skipped {len(skipped)} line{'s' if len(skipped) > 1 else ''} ({named}{more})"
