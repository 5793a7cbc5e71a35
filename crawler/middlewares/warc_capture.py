"""Archive every response as the server sent it, and every fetch that failed.

Placed at priority 950, closer to the downloader than HttpCompressionMiddleware (590) and
RedirectMiddleware (600): ``process_response`` runs here first, so the body is still
content-encoded and each hop of a redirect chain is seen (the redirect middleware then issues
the next hop, which passes through here again). robots.txt and error pages come through too.
"""

from __future__ import annotations

import logging

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.capture_service import CaptureService
from crawler.exchanges import count_body_bytes, mark_started, to_exchange, to_failure

logger = logging.getLogger(__name__)

EXCHANGE_META = "reftrail_exchange"


class WarcCaptureMiddleware:
    """Downloader middleware handing exchanges to the crawl's :class:`CaptureService`."""

    def __init__(self, crawler: Crawler, service: CaptureService) -> None:
        self.crawler = crawler
        self.service = service
        self.stats = crawler.stats
        self.max_url_length = crawler.settings.getint("URLLENGTH_LIMIT") or 0
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        middleware = cls(crawler, CaptureService.for_crawler(crawler))
        # Scrapy cancels a body without Content-Length once it grows past the size limit,
        # exactly as any other cancel: counting the bytes is how its failure reads
        # ``too-large`` (~4 us a chunk: Scrapy sends this signal for every chunk anyway).
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def bytes_received(self, data: bytes, request: Request) -> None:
        count_body_bytes(request, data)

    def process_request(self, request: Request) -> None:
        if self.max_url_length and len(request.url) > self.max_url_length:
            # Typically a redirect loop growing its query string; such URLs also exceed what
            # database indexes hold.
            assert self.stats is not None
            self.stats.inc_value("reftrail/skipped/url-too-long")
            raise IgnoreRequest(
                f"URL longer than URLLENGTH_LIMIT ({self.max_url_length}): {request.url[:200]}..."
            )
        mark_started(request)

    def process_response(self, request: Request, response: Response) -> Response:
        if not self.service.recording:
            return response  # the spider did not start an archive crawl (e.g. a bare spider)
        exchange = to_exchange(request, response)
        self.service.add_exchange(exchange)
        # The spider finds the capture id here once the writer has stored it (blog posts).
        request.meta[EXCHANGE_META] = exchange
        assert self.stats is not None
        self.stats.inc_value("reftrail/captures")
        self.stats.inc_value("reftrail/bytes", len(response.body))
        self.stats.inc_value(f"reftrail/status/{response.status}")
        if exchange.truncated:
            self.stats.inc_value("reftrail/truncated")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not self.service.recording or isinstance(exception, IgnoreRequest):
            return None
        failure = to_failure(request, exception, default_maxsize=self.maxsize)
        self.service.add_failure(failure)
        assert self.stats is not None
        self.stats.inc_value("reftrail/failed")
        self.stats.inc_value(f"reftrail/failed/{failure.error}")
        logger.info("fetch failed (%s): %s %s", failure.error, request.url, failure.detail)
        return None
