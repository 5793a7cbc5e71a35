"""Drift is measured against the earliest archived copy of the page itself, never against an
error page the server answered with before (error pages have text of their own now)."""

from __future__ import annotations

from datetime import timedelta

from storage.linkstate import reference_texts
from storage.models import Capture, Document
from storage.timeutil import utcnow

URL = "http://news.example/story.html"


def test_the_reference_is_the_earliest_2xx_copy_not_an_earlier_error_page(archive) -> None:
    start = utcnow() - timedelta(days=3)
    with archive.session() as session, session.begin():
        for day, status, text in ((0, 404, "Page not found"), (1, 200, "The story as cited")):
            capture = Capture(
                url=URL,
                surt="example,news)/story.html",
                method="GET",
                fetched_at=start + timedelta(days=day),
                status=status,
                mime="text/html",
                record_type="response",
            )
            session.add(capture)
            session.flush()
            session.add(Document(capture_id=capture.id, url=URL, text=text, extracted_at=start))
    found = reference_texts(archive, [URL])
    assert found[URL][1] == "The story as cited"
