"""Passages: exact slices of a document, numbered from 1, sized for reading and ranking."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mlq import bundled_corpus, load_corpus, split_passages
from mlq.corpus import parse_document
from mlq.passages import HARD_MAX_CHARS, MAX_CHARS, MIN_CHARS


def doc(text: str):
    return parse_document("d", Path("d.md"), text)


def check_passages(document) -> list:
    passages = split_passages(document)
    assert [p.number for p in passages] == list(range(1, len(passages) + 1))
    previous_end = document.body_start
    for p in passages:
        assert document.text[p.start : p.end] == p.text
        assert previous_end <= p.start < p.end
        assert not p.text[0].isspace() and not p.text[-1].isspace()
        assert len(p.text) <= HARD_MAX_CHARS
        # Nothing but whitespace is left between passages.
        assert document.text[previous_end : p.start].strip() == ""
        previous_end = p.end
    assert document.text[previous_end:].strip() == ""
    return passages


def test_bundled_essays_split_into_exact_slices_of_mostly_100_to_400_characters() -> None:
    documents = load_corpus(bundled_corpus())
    assert len(documents) == 5
    lengths = []
    for document in documents:
        lengths += [len(p.text) for p in check_passages(document)]
    within = sum(MIN_CHARS * 0.5 <= n <= MAX_CHARS for n in lengths)
    assert within / len(lengths) >= 0.9, lengths
    assert max(lengths) <= HARD_MAX_CHARS


def test_front_matter_is_not_part_of_any_passage() -> None:
    document = doc("---\ntitle: T\nauthor: A\n---\n本文です。")
    passages = check_passages(document)
    assert [p.text for p in passages] == ["本文です。"]
    assert passages[0].start == document.text.index("本文")


def test_short_paragraphs_are_joined_and_long_ones_split_at_sentence_ends() -> None:
    sentence = "これは機械学習の面接についての文です。"  # 19 characters
    long_paragraph = sentence * 40  # 760 characters, one paragraph
    document = doc("見出し\n\n" + long_paragraph)
    passages = check_passages(document)
    assert len(passages) >= 2
    for p in passages:
        # Every cut falls at a sentence end: each passage is whole sentences.
        assert p.text.endswith("。")
        assert len(p.text) <= MAX_CHARS


def test_a_sentence_is_cut_only_when_longer_than_the_hard_maximum() -> None:
    fits = "あ" * (HARD_MAX_CHARS - 10) + "。"
    document = doc(fits)
    assert [p.text for p in check_passages(document)] == [fits]

    too_long = "い" * (HARD_MAX_CHARS * 2 + 5) + "。"
    passages = check_passages(doc(too_long))
    assert len(passages) == 3
    assert "".join(p.text for p in passages) == too_long


def test_overlong_sentence_is_cut_after_a_comma_when_there_is_one() -> None:
    clause = "う" * 300 + "、"
    passages = check_passages(doc(clause * 5 + "え。"))
    assert all(p.text.endswith(("、", "。")) for p in passages)


def test_markdown_heading_starts_a_new_passage() -> None:
    text = "# 序論\n\n" + "前の節の本文です。" * 20 + "\n\n## 面接\n\n面接の節の本文です。"
    passages = check_passages(doc(text))
    assert passages[-1].text.startswith("## 面接")


def test_empty_body_has_no_passages() -> None:
    assert split_passages(doc("---\ntitle: 空\n---\n\n \n")) == []


_PIECES = st.sampled_from(
    ["機械学習", "の面接", "。", "！", "?", "、", " ", "\n", "\n\n", "\n \n", "# 見出し\n", "abc", "「引用」", "…"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=30)), max_size=200).map("".join))
def test_any_text_splits_into_ordered_exact_slices_covering_the_body(text: str) -> None:
    check_passages(doc(text))


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=3000))
def test_unbroken_text_of_any_length_stays_within_the_hard_maximum(n: int) -> None:
    check_passages(doc("字" * n))
