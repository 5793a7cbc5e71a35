"""``reftrail export {posts|citations|captures|checks}``: the rows the list commands show, in
CSV, JSON and JSON Lines, streamed, excluded captures left out (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

import crawler.cli  # noqa: F401  (imported first: it registers the command modules)
from crawler.commands import blogs, citations
from storage.exports import CAPTURE_COLUMNS, CHECK_COLUMNS, write_rows
from storage.models import Capture, LinkCheck
from tests.exports.conftest import Crawled

GAZETTE = "http://www.riverton-gazette.com/news/"


def rows(crawled: Crawled, table: str, fmt: str) -> list[dict]:
    text = crawled.cli("export", table, "--format", fmt)
    if fmt == "json":
        return json.loads(text)
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    return list(csv.DictReader(io.StringIO(text)))


def test_posts_are_what_reftrail_posts_shows(crawled: Crawled) -> None:
    listed = json.loads(crawled.cli("posts", "--format", "json"))
    assert len(listed) == 8
    assert rows(crawled, "posts", "json") == listed
    assert rows(crawled, "posts", "jsonl") == listed
    assert crawled.cli("export", "posts", "--format", "csv") == crawled.cli(
        "posts", "--format", "csv"
    )


def test_citations_are_what_reftrail_citations_shows(crawled: Crawled) -> None:
    listed = json.loads(crawled.cli("citations", "--format", "json"))
    assert listed
    assert rows(crawled, "citations", "jsonl") == listed
    exported = crawled.cli("export", "citations", "--format", "csv")
    assert exported == crawled.cli("citations", "--format", "csv")
    assert next(csv.reader(io.StringIO(exported))) == list(citations.CSV_COLUMNS)


def test_captures_and_checks_have_every_row(crawled: Crawled) -> None:
    with crawled.open() as archive, archive.session() as session:
        captures = session.scalar(select(func.count()).select_from(Capture))
        checks = session.scalars(select(LinkCheck).order_by(LinkCheck.id)).all()
    exported = rows(crawled, "captures", "csv")
    assert len(exported) == captures and list(exported[0]) == CAPTURE_COLUMNS
    assert [int(r["id"]) for r in exported] == sorted(int(r["id"]) for r in exported)
    checked = rows(crawled, "checks", "json")
    assert len(checked) == len(checks) > 0
    assert {r["id"] for r in checked} == {c.id for c in checks}
    assert list(checked[0]) == CHECK_COLUMNS
    gone = next(r for r in checked if r["verdict"] == "gone")
    assert gone["status"] == 404 and gone["capture_id"] and len(gone["capture_timestamp"]) == 14


def test_excluded_captures_are_left_out(crawled: Crawled, tmp_path: Path) -> None:
    before = {t: rows(crawled, t, "jsonl") for t in ("posts", "citations", "captures", "checks")}
    crawled.cli("exclude", "add", GAZETTE, "--reason", "takedown")
    crawled.cli("exclude", "add", "https://riverside-notes.blogspot.com/2025/", "--reason", "x")
    try:
        after = {t: rows(crawled, t, "jsonl") for t in before}
    finally:
        crawled.run("exclude", "remove", GAZETTE)
        crawled.run("exclude", "remove", "https://riverside-notes.blogspot.com/2025/")
    assert not any(r["url"].startswith(GAZETTE) for r in after["captures"])
    assert len(after["captures"]) < len(before["captures"])
    assert {r["url"] for r in after["posts"]} == {
        r["url"] for r in before["posts"] if "/2025/" not in r["url"]
    }
    assert not any("/2025/" in r["post_url"] for r in after["citations"])
    articles = [r["article"] for r in after["citations"] if r["article"]]
    assert articles and not any(a["url"].startswith(GAZETTE) for a in articles)
    assert any(r["url"].startswith("http://www.riverton-gazette.com") for r in after["citations"])
    assert not any(r["url"].startswith(GAZETTE) for r in after["checks"])
    assert len(after["checks"]) < len(before["checks"])


def test_output_file_and_progress_bar_on_a_terminal(crawled: Crawled, tmp_path: Path) -> None:
    target = tmp_path / "captures.jsonl"
    result = crawled.run(
        "export", "captures", "--format", "jsonl", "-o", str(target),
        env={"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "100"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == ""
    lines = target.read_text(encoding="utf-8").splitlines()
    assert f"exported {len(lines)} captures to {target}" in result.stderr
    assert "exporting captures" in result.stderr  # the Rich bar, drawn on stderr
    assert not list(tmp_path.glob("*.partial"))
    piped = crawled.run("export", "posts", "--format", "csv")
    assert "exporting posts" not in piped.stderr


def test_rows_are_written_as_they_come() -> None:
    """The writer never gathers the rows: each is out before the next is asked for."""
    out = io.StringIO()

    def source() -> Iterator[dict]:
        for number in range(3):
            if number:
                assert out.getvalue().count(f'"n": {number - 1}') == 1
            yield {"n": number, "tags": ["a", "b"], "none": None}

    for fmt in ("jsonl", "json"):
        out.seek(0)
        out.truncate()
        assert write_rows(source(), out, fmt=fmt, columns=["n"]) == 3
    assert json.loads(out.getvalue()) == [
        {"n": n, "tags": ["a", "b"], "none": None} for n in range(3)
    ]
    csv_out = io.StringIO()
    write_rows(iter([{"n": 1, "tags": ["a", "b"], "none": None}]), csv_out, fmt="csv",
               columns=["n", "tags", "none"])  # fmt: skip
    assert csv_out.getvalue() == "n,tags,none\n1,a; b,\n"
    empty = io.StringIO()
    write_rows(iter([]), empty, fmt="json", columns=[])
    assert json.loads(empty.getvalue()) == []


@pytest.mark.parametrize("bad", ["xml", "table"])
def test_a_bad_format_is_a_usage_error(crawled: Crawled, bad: str) -> None:
    result = crawled.run("export", "posts", "--format", bad)
    assert result.returncode == 2 and "--format" in result.stderr
    assert blogs.CSV_COLUMNS  # the posts CSV columns come from `reftrail posts`
