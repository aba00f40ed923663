"""`--sort`, `--since/--until` and `--tag`: the hits a reader wants first."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_mlq

from mlq import MlqError, open_corpus


@pytest.fixture()
def diary(tmp_path: Path) -> Path:
    root = tmp_path / "diary"
    root.mkdir()
    entries = [
        ("old", "date: 2019-03-28\ntags: [面接, 転職]", "面接の準備をした。面接官は二人。面接は長かった。"),
        ("mid", "date: 2022-07-01T09:30:00\ntags: [面接]", "オンラインで面接を受けた。"),
        ("new", "date: 2024-11-02\ntags: [研究]", "研究の合間に面接の練習。"),
        ("undated", "tags: [面接]", "日付のない面接のメモ。"),
    ]
    for name, front, body in entries:
        (root / f"{name}.md").write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")
    return root


def ids(hits) -> list[str]:
    return [hit.doc_id for hit in hits]


def test_date_and_tag_filters_choose_the_documents(diary: Path) -> None:
    searcher = open_corpus(diary)
    assert set(ids(searcher.search("面接", since="2022-01-01"))) == {"mid", "new"}
    assert set(ids(searcher.search("面接", until="2022-07-01"))) == {"old", "mid"}  # the day itself counts
    assert ids(searcher.search("面接", since="2020-01-01", until="2023-12-31")) == ["mid"]
    assert set(ids(searcher.search("面接", tags=["面接"]))) == {"old", "mid", "undated"}
    assert ids(searcher.search("面接", tags=["面接", "転職"])) == ["old"]
    assert searcher.search("面接", tags=["存在しないタグ"]) == []


def test_a_date_that_is_no_day_is_in_no_range(diary: Path) -> None:
    (diary / "bad.md").write_text("---\ndate: 2024-13-45\n---\n面接の話。\n", encoding="utf-8")
    searcher = open_corpus(diary)
    assert "bad" in ids(searcher.search("面接", limit=10))  # kept as written, and searched
    assert "bad" not in ids(searcher.search("面接", since="2020-01-01", limit=10))


def test_sort_by_date_and_by_document(diary: Path) -> None:
    searcher = open_corpus(diary)
    by_score = searcher.search("面接")
    assert ids(by_score)[0] == "old"  # says it three times
    assert ids(searcher.search("面接", sort="date")) == ["new", "mid", "old", "undated"]
    assert ids(searcher.search("面接", sort="doc")) == sorted(ids(by_score))


def test_filters_and_sort_from_the_command_line(diary: Path) -> None:
    found = run_mlq("search", "面接", "-l", "--since", "2022-01-01", "--tag", "面接", "--corpus", str(diary))
    assert found.stdout.split() == ["mid"]
    dated = run_mlq("search", "面接", "--sort", "date", "--format", "tsv", "--corpus", str(diary))
    assert [line.split("\t")[1] for line in dated.stdout.splitlines()] == ["new", "mid", "old", "undated"]
    assert [line.split("\t")[0] for line in dated.stdout.splitlines()] == ["1", "2", "3", "4"]  # numbered as shown
    bad = run_mlq("search", "面接", "--since", "2024-13-01", "--corpus", str(diary))
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_from_python_a_tag_alone_is_one_tag_and_a_day_that_is_none_is_an_error(diary: Path) -> None:
    searcher = open_corpus(diary)
    assert set(ids(searcher.search("面接", tags="研究"))) == set(ids(searcher.search("面接", tags=["研究"]))) == {"new"}
    for day in ("garbage", "2024-13-01", "2024", "2024-1-2"):
        with pytest.raises(MlqError, match="YYYY-MM-DD"):
            searcher.search("面接", since=day)
        with pytest.raises(MlqError, match="YYYY-MM-DD"):
            searcher.search("面接", until=day)


def test_front_matter_values_that_are_not_strings_read_as_they_were_written(tmp_path: Path) -> None:
    """YAML's true, null, numbers and dates inside tags or a nested field: shown and matched as
    written, not as Python spells them (True, None, datetime.date(…))."""
    (tmp_path / "a.md").write_text(
        "---\ntags: [rust, true, null, 2024]\nmeta: {created: 2024-01-01, draft: false}\n---\n面接のメモ。\n", encoding="utf-8"
    )
    (tmp_path / "b.md").write_text("---\ntags: [go]\n---\n面接の記録。\n", encoding="utf-8")
    searcher = open_corpus(tmp_path)
    (document,) = [d for d in searcher.documents if d.doc_id == "a"]
    assert document.metadata["tags"] == "rust, true, 2024"
    assert document.metadata["meta"] == '{"created": "2024-01-01", "draft": false}'
    assert ids(searcher.search("面接", tags=["true"])) == ["a"]
    assert ids(searcher.search("面接", tags=["2024"])) == ["a"]
