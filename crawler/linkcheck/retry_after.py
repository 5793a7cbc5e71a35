"""Honour ``Retry-After`` on 429 and 503: hold the host, then ask once more.

Scrapy's RetryMiddleware retries 429/503 at once, ignoring the header. Here, at priority 560
(its ``process_response`` runs before RetryMiddleware's at 550, after the capture middleware
has archived the refusal), a 429/503 that asks for at most ``REFTRAIL_RETRY_AFTER_MAX``
seconds makes every request to that host wait until then, and the request is repeated once.
"""

from __future__ import annotations

import email.utils
import logging
import time
from datetime import UTC, datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task

logger = logging.getLogger(__name__)

RETRIED = "reftrail_retry_after"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """Downloader middleware; the link checker enables it."""

    def __init__(self, crawler: Crawler, max_wait: float) -> None:
        self.crawler = crawler
        self.max_wait = max_wait
        self.not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler, crawler.settings.getfloat("REFTRAIL_RETRY_AFTER_MAX", 60.0))

    async def process_request(self, request: Request) -> None:
        wait = self.not_before.get(urlparse_cached(request).netloc, 0.0) - time.monotonic()
        if wait > 0:
            from twisted.internet import reactor

            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in (429, 503) or request.meta.get(RETRIED):
            return response
        header = response.headers.get("Retry-After")
        delay = parse_retry_after(header.decode("latin-1") if header else None)
        if delay is None or delay > self.max_wait:
            return response
        host = urlparse_cached(request).netloc
        self.not_before[host] = max(self.not_before.get(host, 0.0), time.monotonic() + delay)
        logger.info(
            "%s answered %d with Retry-After %s: waiting %.1f s",
            host,
            response.status,
            header,
            delay,
        )
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("reftrail/retry-after")
        retry = request.copy()
        retry.meta[RETRIED] = True
        retry.dont_filter = True
        return retry
