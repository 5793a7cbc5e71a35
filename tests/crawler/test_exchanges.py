"""A body cut at its size limit while streaming reads ``too-large``, not ``cancelled``.

Scrapy cancels a chunked (no Content-Length) body past ``download_maxsize`` with the same bare
cancel as any other, so the failure is told apart by the body bytes counted for the request.
The crawl-level check is tests/citations/test_citation_edges.py (capture rows, crawl log).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import DownloadCancelledError
from twisted.internet.defer import CancelledError

from crawler.exchanges import count_body_bytes, cut_at_maxsize, to_failure

URL = "http://127.0.0.1:9/huge"


def _cancel() -> DownloadCancelledError:
    """The exception Scrapy raises for a cancelled download (wrapping Twisted's)."""
    try:
        try:
            raise CancelledError()
        except CancelledError as exc:
            raise DownloadCancelledError(str(exc)) from exc
    except DownloadCancelledError as wrapped:
        return wrapped


def _streamed(maxsize: int | None, chunks: list[int]) -> Request:
    request = Request(URL, meta={} if maxsize is None else {"download_maxsize": maxsize})
    for size in chunks:
        count_body_bytes(request, b"x" * size)
    return request


def test_a_body_cut_past_its_maxsize_is_too_large() -> None:
    request = _streamed(1000, [600, 600])
    assert cut_at_maxsize(request) == 1000
    failure = to_failure(request, _cancel())
    assert failure.error == "too-large"
    assert "1000 bytes" in failure.detail


def test_other_cancels_stay_cancelled() -> None:
    for request in (_streamed(1000, [600, 400]), _streamed(None, [5000]), _streamed(1000, [])):
        assert cut_at_maxsize(request) is None
        assert to_failure(request, _cancel()).error == "cancelled"
