"""Each query operator is one clause that answers three questions — which documents may match,
whether a passage's words pass, what it adds to ranking — and the searcher combines them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pytest

from mlq import open_corpus
from mlq.clauses import Clause, Corpus, Dated, DocPrefix, Excluded, Phrase, Required, Tag, Title

NOTES = {
    "rust/ownership": ("Rustの所有権", "2023-05-01", "rust", "所有権と借用の規則。借用チェッカーが面接で話題になった。"),
    "rust/async": ("Rustの非同期", "2024-02-10", "rust, async", "非同期ランタイムの選び方。所有権の話は少し。"),
    "career/interview": ("面接の体験記", "2022-11-20", "career", "面接では借用チェッカーについて聞かれた。"),
    "career/visa": ("ビザの申請", "", "career", "ビザの書類を集めた。"),
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("clauses")
    for doc_id, (title, date, tags, body) in NOTES.items():
        path = root / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        dated = f"date: {date}\n" if date else ""
        path.write_text(f"---\ntitle: {title}\n{dated}tags: [{tags}]\n---\n{body}\n", encoding="utf-8")
    return open_corpus(root)


def allowed(searcher, clause: Clause) -> set[str] | None:
    mask = clause.documents(searcher)
    return None if mask is None else {searcher.record(i)["doc_id"] for i, ok in enumerate(mask) if ok}


def test_document_clauses_give_a_mask_and_leave_passages_and_ranking_alone(searcher) -> None:
    assert allowed(searcher, Title("体験記")) == {"career/interview"}
    assert allowed(searcher, DocPrefix(("rust/",))) == {"rust/ownership", "rust/async"}
    assert allowed(searcher, DocPrefix(("rust/own", "career/v"))) == {"rust/ownership", "career/visa"}
    assert allowed(searcher, Tag("ASYNC")) == {"rust/async"}  # tags in any case
    assert allowed(searcher, Dated(since="2023-01-01")) == {"rust/ownership", "rust/async"}
    assert allowed(searcher, Dated(until="2023-05-01")) == {"rust/ownership", "career/interview"}  # undated: in no range
    for clause in (Title("体験記"), DocPrefix(("rust/",)), Tag("rust"), Dated(since="2023-01-01")):
        assert not clause.looks_at_passages and clause.ranked() == ()


def test_passage_clauses_judge_a_passages_words_and_say_what_they_rank(searcher) -> None:
    words = searcher.words("借用チェッカーが面接で話題になった")
    assert Phrase("借用 チェッカー").keeps(words, searcher)
    assert not Phrase("チェッカー 借用").keeps(words, searcher)  # the order counts
    assert Required("面接").keeps(words, searcher) and not Required("ビザ").keeps(words, searcher)
    assert not Excluded("面接").keeps(words, searcher) and Excluded("ビザ").keeps(words, searcher)
    assert Phrase("借用 チェッカー").ranked() == ("借用 チェッカー",) and Excluded("面接").ranked() == ()
    assert Excluded("面接").documents(searcher) is None  # a ranked search drops passages, not documents
    listed = Excluded("面接").listed(searcher)  # a listing shows documents: none may hold it
    assert {searcher.record(i)["doc_id"] for i, ok in enumerate(listed) if ok} == {"rust/async", "career/visa"}


def test_the_searcher_combines_clauses_of_the_query_and_of_its_options(searcher) -> None:
    def found(query: str, **options) -> set[str]:
        return {hit.doc_id for hit in searcher.search(query, limit=20, **options)}

    assert found("借用") == {"rust/ownership", "career/interview"}
    assert found("借用", tags=["rust"]) == {"rust/ownership"}
    assert found("借用 doc:career/") == {"career/interview"}
    assert found("借用", clauses=[Tag("career")]) == found("借用 doc:career/")
    assert found("所有権 -借用") == {"rust/async"}
    assert found("所有権 -借用", clauses=[Dated(until="2023-12-31")]) == set()  # every clause must hold


@dataclass(frozen=True)
class Without(Clause):
    """A new operator, as a user of the library would write one: passages without Latin
    letters. Saying how it keeps passages is all it takes for the searcher to ask it."""

    def keeps(self, words: Sequence[str], corpus: Corpus) -> bool:
        return not any(word.isascii() and word.isalpha() for word in words)


def test_a_new_operator_is_one_class(searcher) -> None:
    everything = {hit.doc_id for hit in searcher.search("所有権", limit=20)}
    assert everything == {"rust/ownership", "rust/async"}  # both titled "Rust…"
    assert searcher.search("所有権", clauses=[Without()]) == []
    assert {hit.doc_id for hit in searcher.search("面接", clauses=[Without()], limit=20)} == {"career/interview"}


@dataclass(frozen=True)
class AlsoRanked(Clause):
    """A new operator that ranks: its words count as a ``+word``'s do."""

    word: str

    def ranked(self) -> tuple[str, ...]:
        return (self.word,)


def test_a_clause_given_from_python_ranks_as_one_typed_in_the_query(searcher) -> None:
    typed = [(hit.doc_id, hit.passage, hit.score) for hit in searcher.search("借用 所有権", limit=20)]
    given = [(hit.doc_id, hit.passage, hit.score) for hit in searcher.search("借用", clauses=[AlsoRanked("所有権")], limit=20)]
    assert given == typed
    required = [(hit.doc_id, hit.passage, hit.score) for hit in searcher.search("借用", clauses=[Required("所有権")], limit=20)]
    assert required == [(hit.doc_id, hit.passage, hit.score) for hit in searcher.search("借用 +所有権", limit=20)]
