"""Exports of the archive's tables as CSV, JSON or JSON Lines, never including excluded captures.

Posts and citations come from the functions the list commands use (``storage.posts.iter_posts``,
``storage.citations.iter_citations``), streamed, so an export has the fields ``reftrail posts
--format json`` shows and never holds a whole table in memory. Checks are the link-check
history, one row per check (``reftrail report`` gives the current state per URL).
Exclusions (``storage.exclusions``) hide a capture everywhere: a post whose URL is excluded is
left out with its citations; a cited article whose URL is excluded loses its preserved copy
(the post still cites it); checks of excluded URLs are left out, and a check's evidence
capture is blanked when that capture is excluded.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

from sqlalchemy import func, select

from storage.archive import Archive
from storage.captures import surt_key
from storage.citations import iter_citations
from storage.exclusions import list_exclusions, visible
from storage.models import Capture, Citation, Crawl, LinkCheck, Post
from storage.posts import iter_posts
from storage.timeutil import as_utc, timestamp14

CAPTURE_COLUMNS = [
    "id", "crawl_uuid", "url", "surt", "timestamp", "fetched_at", "method", "status", "mime",
    "length", "payload_digest", "record_type", "record_id", "warc_file", "warc_offset",
    "warc_length", "ip", "redirect_to", "revisit_of", "duration_ms", "error", "error_detail",
    "referrer", "hops",
]  # fmt: skip
CHECK_COLUMNS = [
    "id", "crawl_uuid", "url", "checked_at", "verdict", "reason", "status", "error",
    "final_url", "capture_id", "capture_timestamp", "similarity", "probe_url", "probe_result",
]  # fmt: skip
FORMATS = ("csv", "json", "jsonl")
TABLES = ("posts", "citations", "captures", "checks")

Row = dict[str, Any]


class Hidden:
    """The exclusion rules, read once per export: is a URL under one of them?"""

    def __init__(self, archive: Archive) -> None:
        self.prefixes = tuple(rule.surt for rule in list_exclusions(archive))

    def __call__(self, url: str | None) -> bool:
        return bool(url and self.prefixes) and surt_key(str(url)).startswith(self.prefixes)


def capture_rows(archive: Archive) -> Iterator[Row]:
    statement = (
        select(Capture, Crawl.uuid)
        .outerjoin(Crawl, Crawl.id == Capture.crawl_id)
        .where(visible())
        .order_by(Capture.id)
        .execution_options(yield_per=1000)
    )
    with archive.session() as session:
        for capture, crawl_uuid in session.execute(statement):
            row: Row = {name: getattr(capture, name, None) for name in CAPTURE_COLUMNS}
            row["crawl_uuid"] = crawl_uuid
            row["timestamp"] = timestamp14(capture.fetched_at)
            row["fetched_at"] = as_utc(capture.fetched_at).isoformat()
            yield row


def post_rows(archive: Archive) -> Iterator[Row]:
    """``reftrail posts`` rows of every post whose URL is not excluded."""
    hidden = Hidden(archive)
    return (row for row in iter_posts(archive) if not hidden(row["url"]))


def citation_rows(archive: Archive, *, internal: bool = False) -> Iterator[Row]:
    """``reftrail citations`` rows; an excluded article keeps its citation, not its copy."""
    hidden = Hidden(archive)
    for row in iter_citations(archive, internal=internal):
        if hidden(row["post_url"]):
            continue
        article = row["article"]
        if article is not None and hidden(article["url"]):
            row["article"] = None
        yield row


def check_rows(archive: Archive) -> Iterator[Row]:
    """Every link check (oldest first) of a URL not excluded, with its evidence capture."""
    hidden = Hidden(archive)
    statement = (
        select(LinkCheck, Crawl.uuid, Capture.url, Capture.fetched_at)
        .outerjoin(Crawl, Crawl.id == LinkCheck.crawl_id)
        .outerjoin(Capture, Capture.id == LinkCheck.capture_id)
        .order_by(LinkCheck.checked_at, LinkCheck.id)
        .execution_options(yield_per=1000)
    )
    with archive.session() as session:
        for check, crawl_uuid, capture_url, fetched_at in session.execute(statement):
            if hidden(check.url):
                continue
            row: Row = {name: getattr(check, name, None) for name in CHECK_COLUMNS}
            row["crawl_uuid"] = crawl_uuid
            row["checked_at"] = as_utc(check.checked_at).isoformat()
            if capture_url is None or hidden(capture_url):
                row["capture_id"] = None
            else:
                row["capture_timestamp"] = timestamp14(fetched_at)
            yield row


def flat_citation(row: Row) -> Row:
    """A citation row with its article as three columns (the CSV of ``reftrail citations``)."""
    article = row.get("article") or {}
    return {
        **row,
        "article_url": article.get("url"),
        "article_captured_at": article.get("captured_at"),
        "article_title": article.get("title"),
    }


def count_rows(archive: Archive, table: str) -> int:
    """How many rows an export will have at most (for a progress bar; exclusions not counted)."""
    model = {"posts": Post, "citations": Citation, "captures": Capture, "checks": LinkCheck}[table]
    query = select(func.count()).select_from(model)
    if table == "citations":
        query = query.where(Citation.internal.is_(False), Citation.removed_at.is_(None))
    with archive.session() as session:
        return int(session.scalar(query) or 0)


def table_rows(archive: Archive, table: str) -> Iterator[Row]:
    if table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}")
    sources: dict[str, Callable[[Archive], Iterator[Row]]] = {
        "posts": post_rows,
        "citations": citation_rows,
        "captures": capture_rows,
        "checks": check_rows,
    }
    return sources[table](archive)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_rows(
    rows: Iterable[Row],
    out: TextIO,
    *,
    fmt: str,
    columns: Sequence[str],
    flatten: Callable[[Row], Row] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Stream ``rows`` to ``out``; returns how many were written.

    CSV has a header of ``columns`` (rows flattened first; lists joined with "; ", None
    empty); JSON is one array written row by row; JSON Lines one object a line.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    count = 0
    writer = None
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
    elif fmt == "json":
        out.write("[")
    for row in rows:
        if writer is not None:
            flat = flatten(row) if flatten else row
            writer.writerow([_cell(flat.get(c)) for c in columns])
        elif fmt == "json":
            out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
        if progress is not None:
            progress(count)
    if fmt == "json":
        out.write("\n]\n" if count else "]\n")
    return count


def export_captures(archive: Archive, out: TextIO, *, fmt: str = "csv") -> int:
    """Write every visible capture row to ``out``; returns how many were written."""
    return write_rows(capture_rows(archive), out, fmt=fmt, columns=CAPTURE_COLUMNS)
