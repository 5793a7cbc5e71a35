"""Store extracted documents, each linked to the capture it came from, and find the gaps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, insert, or_, select

from storage.archive import Archive
from storage.models import Capture, Document
from storage.timeutil import utcnow

# Extraction runs on these types only (kept here: storage.extract imports trafilatura, heavy).
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# The trafilatura pipelines storage.extract offers (REFTRAIL_EXTRACT_MODE).
EXTRACT_MODES = ("fast", "precise")
# What an extraction may fill in (storage.extract.extract_document's keys).
DOCUMENT_FIELDS = ("title", "author", "published", "sitename", "language", "text", "fingerprint")


def save_documents(archive: Archive, documents: list[tuple[int, str, dict]]) -> None:
    """Insert ``(capture_id, url, fields)`` triples in one transaction."""
    if not documents:
        return
    now = utcnow()
    # Every row names every field: a Core executemany takes its columns from the first row.
    rows = [
        dict.fromkeys(DOCUMENT_FIELDS)
        | {"capture_id": capture_id, "url": url, "extracted_at": now, **fields}
        for capture_id, url, fields in documents
    ]
    # Core, not the ORM session: this runs for every batch of a crawl's pages.
    with archive.begin() as connection:
        connection.execute(insert(cast(Table, Document.__table__)), rows)


@dataclass(frozen=True, slots=True)
class PendingExtraction:
    """An HTML capture whose text has not been extracted yet, and where its record is."""

    capture_id: int
    url: str
    warc_file: str
    offset: int
    length: int


def captures_without_documents(
    archive: Archive, *, crawl_id: int | None = None, batch: int = 500
) -> Iterator[PendingExtraction]:
    """HTML responses (not revisits or redirects) lacking a Document, oldest first, in batches.

    Responses sent without a Content-Type are included: ``extract_document`` tells whether
    they are HTML (a page served bare still has text to search).
    """
    last_id = 0
    while True:
        query = (
            select(
                Capture.id, Capture.url, Capture.warc_file, Capture.warc_offset, Capture.warc_length
            )
            .outerjoin(Document, Document.capture_id == Capture.id)
            .where(
                Document.id.is_(None),
                Capture.id > last_id,
                Capture.record_type == "response",
                ~Capture.status.between(300, 399),  # redirects carry no page
                # Undeclared payloads too: the extraction sniffs them (HTML or a blank row).
                or_(Capture.mime.in_(sorted(HTML_TYPES)), Capture.mime.is_(None)),
            )
            .order_by(Capture.id)
            .limit(batch)
        )
        if crawl_id is not None:
            query = query.where(Capture.crawl_id == crawl_id)
        with archive.session() as session:
            rows = session.execute(query).all()
        if not rows:
            return
        for capture_id, url, warc_file, offset, length in rows:
            if warc_file is not None and offset is not None and length is not None:
                yield PendingExtraction(capture_id, url, warc_file, offset, length)
        last_id = rows[-1][0]
