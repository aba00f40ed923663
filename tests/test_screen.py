"""The terminal as a person sees it: the installed mlq on a pseudo-terminal of 40 to 120 columns,
its screen read back through a terminal emulator (pyte)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_mlq, write
from terminal import Run, run

WIDTHS = (40, 50, 80, 120)
#: What no line may start with (the issue's list, and small kana).
NO_LINE_START = set("、。，．）」』】〉》・ー") | set("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")

NOTES = {
    "infra/kubernetes-migration-notes": (
        "Kubernetes への移行と面接で聞かれたこと — PostgreSQL と Microsoft Azure の運用記録",
        "## 移行の準備\n\n2024年の2月から Kubernetes への移行を始めました。PostgreSQL のレプリケーションを、"
        "Microsoft Azure の Managed Instance に載せ替える計画です。「面接」で聞かれたのは、"
        "Observability と SecurityCenter の設定、そして ContinuousIntegration のパイプラインについてでした。"
        "面接官は、インフラの可観測性（オブザーバビリティ）を重視しているようで、ダッシュボードの設計、"
        "アラートの閾値、オンコールの体制について、具体的な数字を挙げて説明するよう求められました。\n\n"
        "## 面接の振り返り\n\n振り返ると、面接では Terraform と Ansible の使い分け、ロールバックの手順、"
        "障害対応のポストモーテムについて聞かれました。ぎりぎりまで準備をしていたので、ちょっと焦りましたが、"
        "最後は「ありがとうございました」と言って終えました。",
    ),
    "career/visa-interview": (
        "ビザ面接の体験記",
        "大使館でのビザ面接は、予約から三週間後でした。必要な書類（パスポート、写真、DS-160 の確認ページ）を"
        "揃えて、朝八時に並びました。面接そのものは五分ほどで、インターンシップの内容と、帰国の予定を聞かれました。",
    ),
}


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("screen-notes-with-a-long-enough-folder-name")
    for doc_id, (title, body) in NOTES.items():
        write(root / f"{doc_id}.md", f"---\ntitle: {title}\n---\n{body}\n")
    assert run_mlq("index", "--corpus", str(root)).returncode == 0
    return root


def latin_words() -> set[str]:
    return {word for title, body in NOTES.values() for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9-]*", title + " " + body)}


def assert_read_well(screen: Run) -> None:
    """No row starts with a character that must not start a line, and no Latin word of the
    notes is split across two rows."""
    words = latin_words()
    rows = [row.strip() for row in screen.lines]
    for row, following in zip(rows, rows[1:] + [""]):
        assert not row or row[0] not in NO_LINE_START, row
        tail, head = re.search(r"[A-Za-z0-9-]*$", row).group(), re.match(r"[A-Za-z0-9-]*", following).group()
        if tail and head:
            assert not any(tail + head in word for word in words), (row, following)


@pytest.mark.parametrize("width", WIDTHS)
def test_search_results_read_well_at_any_width(notes: Path, width: int) -> None:
    query = "面接 Kubernetes"
    screen = run("search", query, "--corpus", str(notes), columns=width)
    assert screen.status == 0
    assert_read_well(screen)
    hits = [json.loads(line) for line in run_mlq("search", query, "--json", "--corpus", str(notes)).stdout.splitlines()]
    assert len(hits) >= 3
    for hit in hits:  # each header one row: the id and score whole on it (and the rank, where it fits)
        ref = f"{hit['doc_id']}#{hit['passage']}"
        rows = [row for row in screen.lines if re.match(rf"\s*({hit['rank']}\. )?{re.escape(ref)}( |$)", row)]
        assert len(rows) == 1 and len(rows[0]) <= width, (ref, rows)
        assert rows[0].endswith((f" {hit['score']:.4f}", f" {hit['score']:.2f}")), rows[0]
        assert width < 60 or rows[0].lstrip().startswith(f"{hit['rank']}. "), rows[0]  # the rank goes only when nothing else is left
    assert highlighted(screen) and highlighted(screen) <= {"面接", "Kubernetes"}


def highlighted(screen: Run) -> set[str]:
    """The runs of bold yellow (rich's highlight; pyte calls SGR 33 brown) characters."""
    runs, current = set(), ""
    for y in range(screen.screen.lines):
        row = screen.screen.buffer[y]
        for x in range(screen.screen.columns):
            char = row[x]
            if char.bold and char.fg == "brown":
                current += char.data
            elif current and char.data != "":  # "" is a wide character's second cell
                runs.add(current)
                current = ""
    return runs | ({current} if current else set())


@pytest.mark.parametrize("width", WIDTHS)
def test_show_prints_the_path_whole_and_the_text_wrapped_well(notes: Path, width: int) -> None:
    screen = run("show", "infra/kubernetes-migration-notes", "--corpus", str(notes), columns=width)
    assert screen.status == 0
    assert_read_well(screen)
    path = str(notes / "infra" / "kubernetes-migration-notes.md")
    rows = screen.lines
    start = next(i for i, row in enumerate(rows) if row.startswith("path "))
    column = len(rows[start]) - len(rows[start][len("path") :].lstrip())
    folded = [rows[start][column:]] + [row[column:] for row in rows[start + 1 :] if row[:column].strip() == "" and row.strip()][:20]
    joined = ""
    for piece in folded:  # the path's rows, up to where it is whole
        joined += piece.strip()
        if len(joined) >= len(path):
            break
    assert joined == path
    assert all(len(row) <= width for row in rows)


@pytest.mark.parametrize("width", WIDTHS)
def test_list_and_analyze_keep_their_key_columns_whole(notes: Path, width: int) -> None:
    listed = run("list", "--corpus", str(notes), columns=width)
    assert listed.status == 0
    for doc_id in NOTES:
        assert any(re.match(rf"\s*{re.escape(doc_id)}(\s|$)", row) for row in listed.lines), (doc_id, listed.lines)
    assert_read_well(listed)
    analyzed = run("analyze", "Kubernetes の面接で聞かれたこと", "--corpus", str(notes), columns=width)
    assert analyzed.status == 0
    found = run_mlq("analyze", "Kubernetes の面接で聞かれたこと", "--json", "--corpus", str(notes)).stdout.splitlines()
    tokens = [token for token in map(json.loads, found) if token["term"].strip()]
    assert len(tokens) > 10
    rows = analyzed.lines
    for token in tokens:
        fate = "indexed" if token["indexed"] else "dropped"
        assert any(re.search(rf"(^|\s){re.escape(token['term'])}\s+{fate}(\s|$)", row) for row in rows), (token, rows)
    assert all(len(row) <= width for row in rows)


def test_the_readme_pictures_are_what_mlq_prints_now() -> None:
    import subprocess
    import sys

    from conftest import REPO

    done = subprocess.run([sys.executable, str(REPO / "docs" / "screenshots.py"), "--check"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (REPO / "docs" / "search.svg").read_text(encoding="utf-8").count("ビザ") >= 1


@pytest.mark.parametrize("columns", [20, 40])
def test_text_after_a_tab_is_not_cropped_on_a_terminal(tmp_path: Path, columns: int) -> None:
    """A tab has no width of its own to measure lines by: shown as a space, nothing after it
    is lost (rich widened it after the lines were cut, and cropped what overflowed)."""
    write(tmp_path / "tab.md", "# タブ\tタイトル\n\n面接\t\tタブ\t入り\t面接です。終わり\n")
    for args in (("search", "面接"), ("show", "tab")):
        screen = run(*args, "--no-pager", "--corpus", str(tmp_path), columns=columns)
        assert screen.status == 0
        shown = "".join(line.strip() for line in screen.lines)
        assert "入り" in shown and "面接です。終わり" in shown, screen.lines
    listed = run("list", "--corpus", str(tmp_path), columns=columns)
    assert "タイトル" in "".join(line.strip() for line in listed.lines), listed.lines


@pytest.mark.parametrize("columns", [40, 50, 80])
def test_long_ids_and_titles_of_several_lines_keep_headers_on_one_line(tmp_path: Path, columns: int) -> None:
    """An id wider than the screen (a deep folder, a Japanese file name) is cut in its middle
    by cells, keeping its #N and the score; `mlq list` folds it rather than failing; a title
    holding a line break stays on its header's line; a shortened title ends in "…" with no gap."""
    write(tmp_path / "notes/2024/engineering/interviews/machine-learning-engineer-onsite.md", "# 面接メモ\n\n今日の面接について。\n")
    write(tmp_path / "日本語のとても長いファイル名で作られた文書識別子のテスト用ファイル.md", "# 長い名前\n\nビザの面接の話。\n")
    write(tmp_path / "nl.md", '---\ntitle: "一行目\\n二行目"\n---\n面接の準備をした。\n')
    write(tmp_path / "long.md", "# Microsoft Research インターンシップ体験記の長い長いタイトル\n\n面接のあとの話。\n")
    listed = run("list", "--no-pager", "--corpus", str(tmp_path), columns=columns)
    assert listed.status == 0 and "internal error" not in "".join(listed.lines), listed.lines
    screen = run("search", "面接", "--no-pager", "--corpus", str(tmp_path), columns=columns)
    assert screen.status == 0
    headers = [line for line in screen.lines if line.strip() and not line.startswith("    ")]  # passages are indented
    assert len(headers) == 4, screen.lines
    for header in headers:
        assert re.search(r"#1\b", header) and re.search(r"\d\.\d\d", header), header  # the ref's #N, the score
        assert " …" not in header, header
    assert any("一行目 二行目" in header for header in headers) or columns < 80, headers
    assert not any(line.startswith("二行目") for line in screen.lines), screen.lines
