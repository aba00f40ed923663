"""Line breaking for a Japanese reader: where a passage may wrap on a terminal.

A terminal wraps at the last column, and rich wraps at spaces: Japanese has neither at its
phrase boundaries, so a line ended wherever the column did (``…デザインする`` / ``といった``),
began with ``、`` or cut ``Micros``/``oft``. Here a line may break only

* between the phrases BudouX (Google's Japanese line-break model) finds, or after a space;
* never inside a run of Latin letters, digits and their punctuation (``Node.js``, ``2024``,
  ``https://…``), nor inside a run of kanji or of katakana (a word, as a rule), unless that run
  alone is wider than the line;
* never before a character that must not start a line (``、。）」`` small kana, ``ー`` …) nor
  after one that must not end it (``（「『`` …): the kinsoku rules of JIS X 4051, in their
  common core.

Widths are terminal cells (a kanji is two), as rich counts them.
"""

from __future__ import annotations

import functools
from typing import Iterator

from rich.cells import cell_len

#: Characters no line may start with: closing brackets and quotes, punctuation, iteration
#: marks, the prolonged sound mark and small kana, with their half-width forms; and the voicing
#: marks, which belong to the kana before them.
NO_LINE_START = frozenset(
    "、。，．,.:;：；!?！？)]}）］｝〕〉》」』】〙〗〟’”｠»"
    "・ー‐゠–〜～ヽヾゝゞ々〻"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
    "｡｣､･ｰｧｨｩｪｫｬｭｮｯﾞﾟ\u3099\u309a"
)
#: Characters no line may end with: opening brackets and quotes (with the half-width ｢).
NO_LINE_END = frozenset("([{（［｛〔〈《「『【〘〖〝‘“｟«｢")


@functools.cache
def _parser():  # -> budoux.Parser
    import budoux  # loaded on first use: a search that prints nothing wrapped never pays for it

    return budoux.load_default_japanese_parser()


def _narrow(char: str) -> bool:
    """Whether ``char`` belongs to a Latin-style word (letters, digits, their punctuation)."""
    return not char.isspace() and char < "\u2e80"


def _script(char: str) -> str:
    """``kanji``, ``katakana`` or "" (anything else), for telling a word's inside."""
    if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or char in "々〆ヶ":
        return "kanji"
    if "\u30a1" <= char <= "\u30fa" or char == "ー" or "\uff66" <= char <= "\uff9f":
        return "katakana"
    return ""


def _inside_a_word(before: str, after: str) -> bool:
    """Whether a break between ``before`` and ``after`` would cut a word: a Latin one, or a run
    of kanji or of katakana, where BudouX's model now and then puts a boundary
    (``サマーインターン体|験記``)."""
    if _narrow(before) and _narrow(after):
        return True
    script = _script(before)
    return bool(script) and script == _script(after)


def break_points(line: str) -> list[int]:
    """Offsets in ``line`` (one line, no ``\n``) where a new line may begin, ascending: after
    a BudouX phrase or a space, where no rule forbids it."""
    found: set[int] = set()
    at = 0
    for phrase in _parser().parse(line):
        at += len(phrase)
        found.add(at)
    found.update(i for i in range(1, len(line)) if line[i - 1].isspace())
    return sorted(i for i in found if 0 < i < len(line) and _allowed(line, i))


def _allowed(line: str, i: int) -> bool:
    """Whether a line may begin at ``line[i]`` (0 < i < len(line)) as far as the rules go."""
    return (
        not line[i].isspace()
        and not _inside_a_word(line[i - 1], line[i])
        and line[i] not in NO_LINE_START
        and line[i - 1] not in NO_LINE_END
    )


def _kinsoku(line: str, i: int) -> bool:
    return line[i] not in NO_LINE_START and line[i - 1] not in NO_LINE_END


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """``text`` cut into lines of at most ``width`` cells, as ``(start, end)`` offsets into it:
    each line of the text is filled with as many phrases as fit, spaces at a line's end left
    out. A piece that fits no line alone (a long compound, a URL) is cut where a word's script
    changes (after a closing bracket, not between two hiragana), else where the rules let it,
    else where kinsoku alone does, else anywhere."""
    width = max(width, 2)
    lines: list[tuple[int, int]] = []
    start = 0
    for hard_line in text.split("\n"):
        if cell_len(hard_line) <= width:
            lines.append((start, start + len(hard_line.rstrip())))
        else:
            lines += [(start + a, start + b) for a, b in _fill(hard_line, 0, len(hard_line), width, break_points(hard_line))]
        start += len(hard_line) + 1
    return lines


def _between_scripts(line: str, i: int) -> bool:
    """:func:`_allowed`, and not inside a run of hiragana: after a closing bracket or where
    kanji turns to kana, rather than between で and した."""
    return _allowed(line, i) and not (_hiragana(line[i - 1]) and _hiragana(line[i]))


def _hiragana(char: str) -> bool:
    return "\u3041" <= char <= "\u309f"


# Ever finer places to cut a piece that fits no line: the rules but BudouX's where the script
# changes, then anywhere they allow, kinsoku alone, anywhere.
_FINER = (_between_scripts, _allowed, _kinsoku, lambda line, i: True)


def _fill(line: str, start: int, end: int, width: int, points: list[int], finer: int = 0) -> Iterator[tuple[int, int]]:
    """``line[start:end]`` in lines of at most ``width`` cells, broken only at ``points``
    (offsets inside it); a piece between two of them wider than a line is cut more finely."""
    bounds = [start, *(p for p in points if start < p < end), end]
    begin, used = start, 0  # the line being filled, and its cells so far
    for piece_start, piece_end in zip(bounds, bounds[1:]):
        piece = line[piece_start:piece_end]
        fits = cell_len(piece.rstrip())
        if piece_start > begin and used + fits > width:
            yield begin, _trimmed(line, begin, piece_start)
            begin, used = piece_start, 0
        if used + fits > width and finer < len(_FINER):  # wider than a line alone: cut inside it
            rule = _FINER[finer]
            inner = [i for i in range(piece_start + 1, piece_end) if rule(line, i)]
            *whole, (last_start, _) = _fill(line, piece_start, piece_end, width, inner, finer + 1)
            yield from whole
            begin, used = last_start, cell_len(line[last_start:piece_end])  # its closing spaces too
            continue
        used += cell_len(piece)
    if begin < end:
        yield begin, _trimmed(line, begin, end)


def _trimmed(line: str, start: int, end: int) -> int:
    """``end`` moved back over the spaces that close ``line[start:end]``."""
    while end > start and line[end - 1].isspace():
        end -= 1
    return end
