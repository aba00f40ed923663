"""The analyzer: what a query and a passage turn into, with the real Sudachi dictionary."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mlq import analysis
from mlq.analysis import Analyzer, bigram_texts, bigrams, line_around


def words(analyzer: Analyzer, text: str) -> list[str]:
    return [term.text for term in analyzer.words(text)]


@pytest.mark.parametrize(
    "one, other",
    [("サーバ", "サーバー"), ("打込み", "打ち込む"), ("ＭＬＯｐｓ", "MLOps"), ("コンピュータ", "コンピューター")],
)
def test_spelling_variants_meet_in_one_word(analyzer: Analyzer, one: str, other: str) -> None:
    assert words(analyzer, one) == words(analyzer, other)
    assert len(words(analyzer, one)) == 1


def test_words_are_lower_cased(analyzer: Analyzer) -> None:
    assert words(analyzer, "Python") == ["python"]


def test_particles_auxiliaries_symbols_and_spaces_are_dropped(analyzer: Analyzer) -> None:
    # の, に: particles; まし, た: auxiliary verbs; 。（）: symbols; the ideographic space.
    # しました keeps the verb する, whose Sudachi normalized form is 為る.
    assert words(analyzer, "機械学習のインターンに参加しました。　（面接）") == [
        "機械学習", "インターン", "参加", "為る", "面接"
    ]


def test_mode_c_keeps_compounds_whole(analyzer: Analyzer) -> None:
    assert words(analyzer, "機械学習") == ["機械学習"]
    assert words(analyzer, "インターンシップ") == ["インターンシップ"]


def test_bigrams_find_parts_of_compounds_and_unknown_words() -> None:
    assert "学習" in {t.text for t in bigrams("機械学習")}
    query = [t.text for t in bigrams("インターン")]
    passage = {t.text for t in bigrams("インターンシップ")}
    assert query and set(query) <= passage


def test_bigrams_do_not_cross_spaces_or_punctuation_and_lone_characters_count() -> None:
    assert [t.text for t in bigrams("機械 学習、面")] == ["機械", "学習", "面"]


def test_bigrams_are_nfkc_normalized_and_lower_cased() -> None:
    assert [t.text for t in bigrams("ＡＢｃ")] == ["ab", "bc"]
    assert [t.text for t in bigrams("ｶﾞｲﾄﾞ")] == [t.text for t in bigrams("ガイド")]


def test_word_spans_are_the_surface_in_the_original_text(analyzer: Analyzer) -> None:
    text = "ＭＬＯｐｓのサーバを打込み"
    assert [(t.text, text[t.start : t.end]) for t in analyzer.words(text)] == [
        ("mlop", "ＭＬＯｐｓ"),  # Latin words are stemmed
        ("サーバー", "サーバ"),
        ("打ち込む", "打込み"),
    ]


def test_bigram_spans_cover_the_original_characters_even_when_nfkc_changes_length() -> None:
    text = "令和は㍻の次、ｶﾞｲﾄﾞはＡＢ"
    spans = {t.text: text[t.start : t.end] for t in bigrams(text)}
    assert spans["平成"] == "㍻"
    assert spans["ガイ"] == "ｶﾞｲ"
    assert spans["ab"] == "ＡＢ"


_ALPHABET = st.sampled_from(
    list("機械学習面接インターンシップサーバーのに、。！？ 　\nabcＡＢＣｶﾞﾟｲ㍻①ﬁÅ") + ["\u3099", "\u0301", "e\u0301"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_every_term_span_is_where_the_term_came_from(text: str) -> None:
    for term in bigrams(text):
        assert 0 <= term.start < term.end <= len(text)
        assert term.text in unicodedata.normalize("NFKC", text[term.start : term.end]).lower()


@settings(max_examples=100, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
@example("㍻\u0301a")  # Sudachi returns an empty span for 成 of the expanded ㍻
def test_word_spans_are_inside_the_text(text: str) -> None:
    analyzer = Analyzer()
    for term in analyzer.words(text):
        assert 0 <= term.start < term.end <= len(text)


def test_text_longer_than_sudachis_input_limit_is_analysed_whole(analyzer: Analyzer) -> None:
    # Sudachi refuses a single input over about 49 KB; 120,000 characters are ~360 KB.
    sentence = "機械学習エンジニアのインターンで面接を受けました。"
    text = sentence * 5000
    terms = analyzer.words(text)
    assert sum(1 for t in terms if t.text == "面接") == 5000
    assert terms[-1].end <= len(text)
    assert all(text[t.start : t.end] == "面接" for t in terms if t.text == "面接")


def test_documents_and_queries_share_one_analysis(analyzer: Analyzer) -> None:
    query = analyzer.analyze("インターン 面接")
    passage = analyzer.analyze("インターンシップの面接に合格した")
    assert {t.text for t in query["words"]} & {t.text for t in passage["words"]} == {"面接"}
    assert {t.text for t in query["bigrams"]} <= {t.text for t in passage["bigrams"]}


@given(st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_texts_are_the_texts_of_analyze(analyzer: Analyzer, text: str) -> None:
    """Indexing takes the quick path (texts only); searching and highlighting the full one."""
    assert analyzer.texts(text) == {name: [t.text for t in terms] for name, terms in analyzer.analyze(text).items()}
    assert bigram_texts(text, latin=False) == [t.text for t in bigrams(text, latin=False)]


_SPELLINGS = st.sampled_from(
    ["model", "Model", "MODEL", "ｍｏｄｅｌ", "models", "MLOps", "ＭＬＯｐｓ", "querySelector", "サーバ", "サーバー", "ｻｰﾊﾞ"]
    + ["打込み", "打ち込む", "行った", "言った", "の", "、", " ", "　", "\n", "😀", "㍻", "機械学習", "Python3", "3"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_SPELLINGS, max_size=30).map("".join))
def test_a_warm_analyzer_gives_the_terms_of_one_that_decides_every_morpheme_afresh(analyzer: Analyzer, text: str) -> None:
    """The analyzer remembers what each dictionary entry and spelling became; a spelling met
    before in another case or width, or a word outside the dictionary, must not borrow another's."""
    assert analyzer.texts(text) == Analyzer(remember=0).texts(text)
    assert [(t.text, t.start, t.end) for t in analyzer.words(text)] == [(t.text, t.start, t.end) for t in Analyzer(remember=0).words(text)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_SPELLINGS, max_size=8).map("".join), min_size=1, max_size=5), st.lists(st.integers(0, 4), max_size=12), st.sampled_from([3, None]))
def test_a_line_met_again_gives_the_terms_it_gave(analyzer: Analyzer, pool: list[str], picks: list[int], kept: int | None) -> None:
    """Indexing looks up the terms of a line it has analysed before (in this text or an
    earlier one): the same as analysing it afresh, also once the lines kept are emptied."""
    text = "\n".join(pool[i % len(pool)] for i in picks)
    with pytest.MonkeyPatch.context() as patch:
        if kept is not None:
            patch.setattr(analysis, "_LINES_MAX", kept)
        twice = [analyzer.texts(text)["words"] for _ in range(2)]
    assert twice[0] == twice[1] == [t.text for t in analyzer.words(text)] == [t.text for t in Analyzer().words(text)]


@settings(max_examples=150, deadline=None)
@given(st.lists(_SPELLINGS, max_size=40).map("".join), st.integers(0, 10**6))
@example("。\n  後処理で", 5)  # after a line end, Sudachi reads 後処理; after two spaces alone, 後 処理
def test_a_line_analysed_alone_gives_the_terms_it_gives_in_its_text(analyzer: Analyzer, text: str, pick: int) -> None:
    """What lets a hit's highlights analyse only some lines of it (see Searcher.highlights)."""
    if not text:
        return
    start, end = line_around(text, pick % len(text))
    assert "\n" not in text[start:end] and (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")
    within = [(t.text, t.start, t.end) for t in analyzer.words(text) if start <= t.start < end]
    alone = [(t.text, start + t.start, start + t.end) for t in analyzer.words(text[start:end])]
    assert within == alone
