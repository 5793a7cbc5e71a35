"""Redirects of a site crawl's requests follow the crawl's scope and are fetched once.

Scrapy's RedirectMiddleware follows every redirect: to another site (a page link that the
crawl would never follow), to an ``--exclude``d URL, or to a URL already fetched (``/old``
and ``/old/`` both lead to ``/new``; every ``/login?next=...`` to ``/login``). Here a request
marked by the site spider (:data:`SCOPED`) asks the spider first; a redirect it declines is
handed to the spider as the 3xx response it is, already archived hop by hop by the capture
middleware. Requests without the mark (robots.txt, blog discovery, citations, link checks)
are redirected as Scrapy always does.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response

# Request meta key: the spider's ``redirect_allowed(request, url)`` decides this redirect.
SCOPED = "reftrail_scoped_redirect"


class ScopedRedirectMiddleware(RedirectMiddleware):
    """RedirectMiddleware that lets the site spider decline a redirect target."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if not isinstance(result, Request) or not request.meta.get(SCOPED):
            return result
        decide = getattr(self.crawler.spider, "redirect_allowed", None)
        if decide is not None and not decide(request, result.url):
            return response
        return result
