"""Line breaking for a Japanese reader (mlq.render.wrapping), on any text: lines fit, nothing is
lost, and a rule is broken only where the text leaves no other choice."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from mlq.render.terminal import highlighted, wrapped
from mlq.render.wrapping import NO_LINE_END, NO_LINE_START, wrap

PIECES = st.sampled_from(
    ["機械学習", "の", "面接", "を", "受けた", "。", "、", "「", "」", "（", "）", "ー", "ッ", "ゃ", "インターンシップ",
     "Kubernetes", "Node.js", "2024", "年", " ", " ", "\n", "https://example.com/a/b", "サーバー", "・", "ぁ",
     "ｶﾞｲﾀﾞﾝｽ", "｡", "､", "｢", "｣", "ｯ"]
)
TEXTS = st.lists(PIECES, min_size=1, max_size=60).map("".join)


def test_the_issues_characters_never_start_or_end_a_line() -> None:
    assert set("、。，．）」』】〉》・ー") | set("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ") <= NO_LINE_START
    assert set("（「『【〈《") <= NO_LINE_END
    assert set("｡､｣ｰｯｬﾞﾟ") <= NO_LINE_START and "｢" in NO_LINE_END  # half-width forms, and voicing marks


def test_a_line_breaks_between_phrases() -> None:
    text = "2024年の2月から Visa の申請を始めました。Microsoft Research のインターンに参加しました。"
    lines = [text[a:b] for a, b in wrap(text, 30)]
    assert lines == ["2024年の2月から Visa の申請を", "始めました。Microsoft Research", "のインターンに参加しました。"]
    title = "【サマーインターン体験記】機械学習エンジニア"  # BudouX alone: 【サマーインターン体|験記】…
    assert [title[a:b] for a, b in wrap(title, 28)] == ["【サマーインターン体験記】", "機械学習エンジニア"]


def test_a_phrase_too_wide_for_a_line_breaks_after_its_bracket_not_inside_hiragana() -> None:
    text = "面接の場所は（国立研究開発法人産業技術総合研究所）でした。"  # one phrase for BudouX, past 40 cells
    assert [text[a:b] for a, b in wrap(text, 40)] == ["面接の場所は", "（国立研究開発法人産業技術総合研究所）", "でした。"]


def _latin(char: str) -> bool:
    return not char.isspace() and char < "\u2e80"


def _script(char: str) -> str:
    return "kanji" if "\u4e00" <= char <= "\u9fff" else "katakana" if "\u30a1" <= char <= "\u30fa" or char == "ー" or "\uff66" <= char <= "\uff9f" else char


def _kinsoku(text: str, i: int) -> bool:
    return text[i] not in NO_LINE_START and text[i - 1] not in NO_LINE_END


def _fine(text: str, i: int) -> bool:
    """A place no rule forbids: kinsoku, no word (Latin, kanji, katakana) cut in two."""
    inside = (_latin(text[i - 1]) and _latin(text[i])) or (_script(text[i - 1]) in ("kanji", "katakana") and _script(text[i - 1]) == _script(text[i]))
    return _kinsoku(text, i) and not inside and not text[i].isspace()


@settings(max_examples=1000, deadline=None)
@given(TEXTS, st.integers(min_value=6, max_value=60))
def test_lines_fit_keep_every_character_and_break_rules_only_when_forced(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(cell_len(text[a:b]) <= width for a, b in lines)
    assert all(a <= b for a, b in lines) and all(b1 <= a2 for (_, b1), (a2, _) in zip(lines, lines[1:]))
    assert "".join("".join(text[a:b] for a, b in lines).split()) == "".join(text.split())  # only spaces dropped
    between = [(a1, a2) for (a1, _), (a2, _) in zip(lines, lines[1:]) if "\n" not in text[a1:a2]]
    for previous, start in between:  # a soft break at ``start``: only a rule-breaking one is checked
        if not _kinsoku(text, start):
            # Forced: the line before had no place where the kinsoku rules allowed a break.
            assert not any(_kinsoku(text, i) for i in range(previous + 1, start)), (text[previous:start], text, width)
        elif not _fine(text, start):
            # Forced: a word (or a run kinsoku holds together) filled the whole line before.
            assert not any(_fine(text, i) for i in range(previous + 1, start)), (text[previous:start], text, width)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(min_value=6, max_value=60), st.lists(st.tuples(st.integers(0, 200), st.integers(1, 8)), max_size=6))
def test_wrapped_lines_keep_their_characters_and_highlights(text: str, width: int, marks: list[tuple[int, int]]) -> None:
    """A terminal's lines (cut in one pass over a styled text) hold what rich's own slicing of
    each line holds: the same characters, the same highlighted spans."""
    spans = [(start, min(start + length, len(text))) for start, length in marks if start < len(text)]
    styled = highlighted(text, spans)
    lines = wrapped(styled, width).split("\n", allow_blank=True)
    expected = [styled[a:b] for a, b in wrap(styled.plain, width)]
    assert [line.plain for line in lines] == [line.plain for line in expected]
    assert [line.spans for line in lines] == [line.spans for line in expected]
