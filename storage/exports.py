"""Exports of the index as CSV or JSON Lines, never including excluded captures."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import TextIO

from sqlalchemy import select

from storage.archive import Archive
from storage.exclusions import visible
from storage.models import Capture, Crawl
from storage.timeutil import as_utc, timestamp14

CAPTURE_COLUMNS = [
    "id", "crawl_uuid", "url", "surt", "timestamp", "fetched_at", "method", "status", "mime",
    "length", "payload_digest", "record_type", "record_id", "warc_file", "warc_offset",
    "warc_length", "ip", "redirect_to", "revisit_of", "duration_ms", "error", "error_detail",
    "referrer", "hops",
]  # fmt: skip
FORMATS = ("csv", "jsonl")


def capture_rows(archive: Archive) -> Iterator[dict[str, object]]:
    statement = (
        select(Capture, Crawl.uuid)
        .outerjoin(Crawl, Crawl.id == Capture.crawl_id)
        .where(visible())
        .order_by(Capture.id)
        .execution_options(yield_per=1000)
    )
    with archive.session() as session:
        for capture, crawl_uuid in session.execute(statement):
            row: dict[str, object] = {
                name: getattr(capture, name, None) for name in CAPTURE_COLUMNS
            }
            row["crawl_uuid"] = crawl_uuid
            row["timestamp"] = timestamp14(capture.fetched_at)
            row["fetched_at"] = as_utc(capture.fetched_at).isoformat()
            yield row


def export_captures(archive: Archive, out: TextIO, *, fmt: str = "csv") -> int:
    """Write every visible capture row to ``out``; returns how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CAPTURE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in capture_rows(archive):
            writer.writerow(row)
            count += 1
    else:
        for row in capture_rows(archive):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
