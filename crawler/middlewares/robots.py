"""robots.txt for every request, including those that wait while it is being fetched, and its
``Crawl-delay``.

Scrapy 2.19's RobotsTxtMiddleware lets every request for a host await one Deferred while
robots.txt downloads. Adapting a Deferred to a Future consumes its result, so only the first
waiter gets the parser; the others get None and are let through unchecked (seen on the fake
web: a disallowed seed fetched when several seeds share a host). Each waiter here gets its own
Deferred, chained so the parser is passed on, as Scrapy did before it moved to ``async def``.

A robots.txt answering 5xx means "complete disallow" (RFC 9309, section 2.3.1.4; Google and
Heritrix agree): Scrapy would parse the error page as rules and allow everything. Site and blog
crawls set ``REFTRAIL_ROBOTS_5XX_DISALLOW``; the link checker keeps reporting such hosts' own
answers.

Scrapy reads ``Crawl-delay`` but never applies it. Here requests to a host that asks for one
start at least that many seconds apart (up to ``REFTRAIL_CRAWL_DELAY_MAX``, as Heritrix honours
it up to a limit), on top of AutoThrottle.
"""

from __future__ import annotations

import logging
import time

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)
DISALLOW_ALL = Response("", status=200, body=b"User-agent: *\nDisallow: /\n")


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware whose concurrent waiters all receive the parsed robots.txt, and
    which spaces a host's requests by its ``Crawl-delay``."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_crawl_delay = crawler.settings.getfloat("REFTRAIL_CRAWL_DELAY_MAX", 30.0)
        self.disallow_on_5xx = crawler.settings.getbool("REFTRAIL_ROBOTS_5XX_DISALLOW")
        self._next_start: dict[str, float] = {}  # netloc -> monotonic time of its next turn
        self._delays: dict[str, float] = {}  # netloc -> its Crawl-delay (0: none)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        own: Deferred[RobotParser | None] = Deferred()

        def pass_on(result: RobotParser | None) -> RobotParser | None:
            own.callback(result)
            return result  # keep the result for the next waiter

        pending.addCallback(pass_on)
        return await maybe_deferred_to_future(own)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if self.disallow_on_5xx and 500 <= response.status < 600:
            logger.warning(
                "%s answered %d: nothing is fetched from %s (a robots.txt server error means "
                "complete disallow, RFC 9309)",
                response.url,
                response.status,
                netloc,
            )
            assert self._stats is not None
            self._stats.inc_value("reftrail/robots-5xx-hosts")
            response = DISALLOW_ALL
        await super()._parse_robots(response, netloc, request)

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        await super().process_request(request)  # raises IgnoreRequest when disallowed
        if request.meta.get("dont_obey_robotstxt"):
            return
        netloc = urlparse_cached(request).netloc
        delay = self._delays.get(netloc)
        if delay is None:  # once per host: the parser is known by now
            delay = self._delays[netloc] = self._crawl_delay(
                await self.robot_parser(request), request
            )
        if delay:
            await self._wait_turn(netloc, delay)

    def _crawl_delay(self, parser: RobotParser | None, request: Request) -> float:
        read = getattr(parser, "crawl_delay", None)
        if read is None:
            return 0.0
        agent = self._robotstxt_useragent or request.headers.get(
            b"User-Agent", self._default_useragent
        )
        try:
            delay = read(agent) or 0.0
        except (TypeError, ValueError):  # a Crawl-delay that is not a number
            return 0.0
        return min(max(float(delay), 0.0), self.max_crawl_delay)

    async def _wait_turn(self, netloc: str, delay: float) -> None:
        """Take the host's next start time, ``delay`` after the one before, and wait for it."""
        now = time.monotonic()
        turn = max(now, self._next_start.get(netloc, 0.0))
        self._next_start[netloc] = turn + delay
        if turn > now:
            from twisted.internet import reactor  # imported late: Scrapy picks the reactor

            await maybe_deferred_to_future(task.deferLater(reactor, turn - now, lambda: None))
