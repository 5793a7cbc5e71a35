"""Store extracted documents, each linked to the capture it came from."""

from __future__ import annotations

from sqlalchemy import insert

from storage.archive import Archive
from storage.models import Document
from storage.timeutil import utcnow


def save_documents(archive: Archive, documents: list[tuple[int, str, dict]]) -> None:
    """Insert ``(capture_id, url, fields)`` triples in one transaction."""
    if not documents:
        return
    now = utcnow()
    rows = [
        {"capture_id": capture_id, "url": url, "extracted_at": now, **fields}
        for capture_id, url, fields in documents
    ]
    with archive.session() as session, session.begin():
        session.execute(insert(Document), rows)
