"""robots.txt for every request, including those that wait while it is being fetched.

Scrapy 2.19's RobotsTxtMiddleware lets every request for a host await one Deferred while
robots.txt downloads. Adapting a Deferred to a Future consumes its result, so only the first
waiter gets the parser; the others get None and are let through unchecked (seen on the fake
web: a disallowed seed fetched when several seeds share a host). Each waiter here gets its own
Deferred, chained so the parser is passed on, as Scrapy did before it moved to ``async def``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware whose concurrent waiters all receive the parsed robots.txt."""

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
