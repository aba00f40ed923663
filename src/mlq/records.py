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
import re
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
    repaired: list[int] = []
    # Not str.splitlines(): JSON strings may hold U+2028 and other characters it breaks at.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if _SURROGATE_ESCAPE.search(line):
                data, replaced = _without_lone_surrogates(data)
                if replaced:
                    repaired.append(number)
            record = _record(data, number)
        except (ValueError, RecursionError) as error:
            skipped.append((number, str(error) if isinstance(error, _BadRecord) else "not valid JSON"))
            continue
        if record.key in first_line:
            skipped.append((number, f"id {record.key!r} repeats line {first_line[record.key]}"))
            continue
        first_line[record.key] = number
        records.append(record)
    problems = [_skipped_warning(skipped), _repaired_warning(repaired)]
    return records, "; ".join(problem for problem in problems if problem) or None


# JSON may escape half of a UTF-16 surrogate pair ("\ud800") on its own: a character no UTF-8
# text can hold. Each is replaced by U+FFFD, and the warning says on which lines.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        cleaned = _LONE_SURROGATE.sub("\ufffd", value)
        return cleaned, cleaned != value
    if isinstance(value, list):
        pairs = [_without_lone_surrogates(item) for item in value]
        return [item for item, _ in pairs], any(changed for _, changed in pairs)
    if isinstance(value, dict):
        items = [(_without_lone_surrogates(k), _without_lone_surrogates(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in items}, any(a or b for (_, a), (_, b) in items)
    return value, False


def _repaired_warning(lines: list[int]) -> str | None:
    if not lines:
        return None
    named = ", ".join(map(str, lines[:_LINES_NAMED])) + (f" and {len(lines) - _LINES_NAMED} more" if len(lines) > _LINES_NAMED else "")
    return f"replaced lone UTF-16 surrogates (not text) with U+FFFD on line{'s' if len(lines) > 1 else ''} {named}"


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
        str(name): metadata_text(value)
        for name, value in data.items()
        if name not in (TEXT_FIELD, *ID_FIELDS) and value is not None
    }
    metadata["line"] = str(number)
    return Record(str(key), metadata_text(title) if title is not None else "", _lines(text), metadata)


def metadata_text(value: Any) -> str:
    """A metadata field (a JSON Lines record's, or front matter's) as text: a list of plain
    values joined with commas (tags), true and false spelled as YAML and JSON spell them,
    nested objects as JSON (dates as written)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        if not any(isinstance(v, (dict, list, tuple)) for v in value):
            return ", ".join(metadata_text(v) for v in value if v is not None)
    elif not isinstance(value, dict):
        return str(value)  # a string, a number, a date (YYYY-MM-DD)
    return json.dumps(value, ensure_ascii=False, default=str)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _skipped_warning(skipped: list[tuple[int, str]]) -> str | None:
    if not skipped:
        return None
    named = "; ".join(f"line {number}: {why}" for number, why in skipped[:_LINES_NAMED])
    more = f"; and {len(skipped) - _LINES_NAMED} more" if len(skipped) > _LINES_NAMED else ""
    return f"skipped {len(skipped)} line{'s' if len(skipped) > 1 else ''} ({named}{more})"
