"""What the crawler hands to storage: one HTTP exchange, or one fetch that failed.

Plain data with no Scrapy types, so storage never depends on the crawler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class HttpExchange:
    """A request and the response as the server sent it (body still content-encoded)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"
    ip: str | None = None
    duration_ms: int | None = None
    referrer: str | None = None
    hops: str = ""
    # WARC-Truncated reason when the body is incomplete ("disconnect": the server hung up).
    truncated: str | None = None
    # Set by the recorder so the crawler can attach extracted text to the capture row.
    capture_id: int | None = field(default=None, compare=False)
    # "response" or "revisit", set by the recorder: a revisit's text is already extracted.
    record_type: str | None = field(default=None, compare=False)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.response_headers:
            if key.lower() == lowered:
                return value
        return None

    @property
    def mime(self) -> str | None:
        value = self.header("Content-Type")
        return value.split(";", 1)[0].strip().lower() or None if value else None


@dataclass(slots=True)
class FailedFetch:
    """A fetch that produced no HTTP exchange: DNS failure, refused, timeout, too large..."""

    url: str
    error: str
    detail: str
    fetched_at: datetime
    method: str = "GET"
    duration_ms: int | None = None
    referrer: str | None = None
    hops: str = ""
