"""Documents are saved in batches from the crawl's writer thread, blank and full alike."""

from __future__ import annotations

from sqlalchemy import delete, select

from storage.documents import captures_without_documents, save_documents
from storage.extract import extract_document, extract_stored
from storage.html import looks_like_html
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


def test_pages_are_read_back_from_the_warcs_and_extracted_in_one_call(archive):
    build_archive(archive)
    with archive.session() as session, session.begin():
        session.execute(delete(Document))
    pending = list(captures_without_documents(archive))
    good = pending[0]
    pages = [
        (good.capture_id, good.url, good.warc_file, good.offset, good.length),
        (999_999, "http://example.com/lost", good.warc_file, 10**9, 100),  # beyond the file
    ]
    answers = extract_stored(archive.warc_dir, pages, mode="fast")
    assert [a[0] for a in answers] == [good.capture_id, 999_999]
    _, url, fields, error = answers[0]
    assert (url, error) == (good.url, None)
    assert fields is not None and fields["text"]
    assert answers[1][2] is None and answers[1][3]


def test_writes_inside_a_batch_commit_together_or_not_at_all(archive):
    """The writer thread's batch: one commit for documents and frontier rows alike."""
    build_archive(archive)
    with archive.session() as session, session.begin():
        session.execute(delete(Document))
    first, second = list(captures_without_documents(archive))[:2]

    def stored() -> set[int]:
        with archive.session() as session:
            return set(session.scalars(select(Document.capture_id)))

    try:
        with archive.batch():
            save_documents(archive, [(first.capture_id, first.url, {"text": "one"})])
            assert stored() == set()  # not committed yet: other connections do not see it
            raise RuntimeError("the writer failed mid-batch")
    except RuntimeError:
        pass
    assert stored() == set()  # rolled back with the batch

    with archive.batch():
        save_documents(archive, [(first.capture_id, first.url, {"text": "one"})])
        save_documents(archive, [(second.capture_id, second.url, {"text": "two"})])
    assert stored() == {first.capture_id, second.capture_id}


def test_a_page_sent_without_content_type_is_extracted_if_it_is_html() -> None:
    page = (
        b"\xef\xbb\xbf\n <!DOCTYPE html><html lang=en><title>Bare</title><body><p>"
        + (b"Served without any Content-Type header, still a page worth searching. " * 5)
        + b"</p></body></html>"
    )
    fields = extract_document(
        page, url="http://example.com/", content_type=None, content_encoding=None
    )
    assert fields is not None and fields["title"] == "Bare"
    assert "worth searching" in (fields["text"] or "")
    gif = b"GIF89a\x01\x00\x01\x00" + bytes(100)
    assert (
        extract_document(gif, url="http://example.com/x", content_type=None, content_encoding=None)
        is None
    )
    assert looks_like_html("<html><p>UTF-16</p></html>".encode("utf-16"))
    assert not looks_like_html(b"%PDF-1.7")
