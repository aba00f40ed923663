"""The query language: phrases, +word, -word, title:, doc:, and a clear error when malformed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_mlq

from mlq import MlqError, open_corpus
from mlq.query import Query, parse_query

NOTES = {
    "ml/engineer": ("機械学習エンジニアの仕事", "機械学習エンジニアの面接では、設計の経験を聞かれる。"),
    "ml/reverse": ("エンジニアと研究", "エンジニアが機械学習を学ぶ順序について書く。面接の話はない。"),
    "visa/notes": ("ビザの体験記", "ビザの面接は大使館で受けた。機械学習とは関係がない。"),
    "other/diary": ("日記", "今日は晴れ。散歩をして、機械学習の本を読んだ。"),
}


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("syntax")
    for doc_id, (title, body) in NOTES.items():
        path = root / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {title}\n---\n{body}\n", encoding="utf-8")
    return root


def ids(searcher, query: str) -> set[str]:
    return {hit.doc_id for hit in searcher.search(query, limit=20)}


def test_parse_takes_the_query_apart() -> None:
    parsed = parse_query('インターン "機械学習 エンジニア" +ビザ -Google title:体験記 doc:ml/ -"悪い 例" 面接')
    assert parsed == Query(
        text="インターン 面接",
        phrases=("機械学習 エンジニア",),
        required=("ビザ",),
        excluded=("Google", "悪い 例"),
        titles=("体験記",),
        doc_prefixes=("ml/",),
    )
    with pytest.raises(MlqError, match="unclosed quote"):
        parse_query('"機械学習 エンジニア')


def test_a_phrase_needs_its_words_next_to_each_other_in_order(notes: Path) -> None:
    searcher = open_corpus(notes)
    assert ids(searcher, "機械学習 エンジニア") >= {"ml/engineer", "ml/reverse"}  # both words, any order
    assert ids(searcher, '"機械学習 エンジニア"') == {"ml/engineer"}
    assert ids(searcher, '"面接 エンジニア"') == set()  # the words, but not in this order
    # Words are compared as indexed: a particle between them (エンジニアが機械学習) does not part them.
    assert ids(searcher, '"エンジニア 機械学習"') == {"ml/reverse"}


def test_plus_requires_and_minus_excludes(notes: Path) -> None:
    searcher = open_corpus(notes)
    assert ids(searcher, "機械学習 +面接") == {"ml/engineer", "ml/reverse", "visa/notes"}
    assert ids(searcher, "機械学習 -面接") == {"other/diary"}


def test_minus_phrase_removes_exactly_the_passages_that_hold_the_phrase(notes: Path, analyzer) -> None:
    searcher = open_corpus(notes)
    everything = searcher.search("機械学習", limit=20)
    assert 0 < len(everything) < 20  # every match: none left out by the limit
    phrase = analyzer.texts("ビザ の 面接")["words"]

    def holds_phrase(text: str) -> bool:  # its analysed words, next to each other, in order
        words = analyzer.texts(text)["words"]
        return any(words[i : i + len(phrase)] == phrase for i in range(len(words)))

    removed = [hit for hit in everything if holds_phrase(hit.text)]
    assert removed and all("ビザの面接" in hit.text for hit in removed)  # the phrase as written, too
    kept = searcher.search('機械学習 -"ビザ の 面接"', limit=20)
    assert [(h.doc_id, h.passage) for h in kept] == [(h.doc_id, h.passage) for h in everything if h not in removed]
    assert [h.score for h in kept] == pytest.approx([h.score for h in everything if h not in removed])
    assert not any(holds_phrase(hit.text) or "ビザの面接" in hit.text for hit in kept)


def test_title_and_doc_restrict_the_documents(notes: Path) -> None:
    searcher = open_corpus(notes)
    assert ids(searcher, "面接 title:体験記") == {"visa/notes"}
    assert ids(searcher, "title:エンジニア") == {"ml/engineer", "ml/reverse"}
    assert ids(searcher, "機械学習 doc:ml/") == {"ml/engineer", "ml/reverse"}
    assert ids(searcher, "機械学習 doc:other doc:visa") == {"other/diary", "visa/notes"}


def test_syntax_from_the_command_line(notes: Path) -> None:
    found = run_mlq("search", '"機械学習 エンジニア"', "-l", "--corpus", str(notes))
    assert found.returncode == 0 and found.stdout.split() == ["ml/engineer"]
    bad = run_mlq("search", '"機械学習', "--corpus", str(notes))
    assert bad.returncode == 2 and bad.stderr.startswith("mlq: error: unclosed quote")
    assert "title:" in run_mlq("search", "--help").stdout
