"""Documents are saved in batches from the crawl's writer thread, blank and full alike."""

from __future__ import annotations

from sqlalchemy import delete, select

from storage.documents import captures_without_documents, save_documents
from storage.models import Capture, Document
from tests.storage.builders import build_archive


def test_a_batch_mixing_blank_and_full_documents_is_saved_whole(archive):
    build_archive(archive)
    with archive.session() as session, session.begin():
        session.execute(delete(Document))  # as if extraction had not run yet
    pending = list(captures_without_documents(archive))
    assert len(pending) >= 3
    blank, full, partial = pending[:3]
    save_documents(
        archive,
        [
            (blank.capture_id, blank.url, {}),
            (full.capture_id, full.url, {"title": "A title", "text": "Body", "language": "en"}),
            (partial.capture_id, partial.url, {"text": "Only text"}),
        ],
    )
    with archive.session() as session:
        saved = {
            row.capture_id: (row.title, row.text, row.language)
            for row in session.scalars(select(Document))
        }
        assert session.scalar(select(Capture.url).where(Capture.id == full.capture_id))
    assert saved == {
        blank.capture_id: (None, None, None),
        full.capture_id: ("A title", "Body", "en"),
        partial.capture_id: (None, "Only text", None),
    }
    left = {p.capture_id for p in captures_without_documents(archive)}
    assert not left & {blank.capture_id, full.capture_id, partial.capture_id}
