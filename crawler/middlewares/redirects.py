"""Redirects of a site crawl's requests follow the crawl's scope and are fetched once; a
page that refreshes itself is not a redirect.

Scrapy's RedirectMiddleware follows every redirect: to another site (a page link that the
crawl would never follow), to an ``--exclude``d URL, or to a URL already fetched (``/old``
and ``/old/`` both lead to ``/new``; every ``/login?next=...`` to ``/login``). Here a request
marked by the site spider (:data:`SCOPED`) asks the spider first; a redirect it declines is
handed to the spider as the 3xx response it is, already archived hop by hop by the capture
middleware. Requests without the mark (robots.txt, blog discovery, citations, link checks)
are redirected as Scrapy always does.

A meta refresh of the site spider's own requests is left to the spider, which reads it as a
link of the page (``crawler.links``). For other requests (the blog probe of a seed, citations)
Scrapy's MetaRefreshMiddleware follows it, except to the page itself: news home pages reload
themselves every minute, which Scrapy would follow ten times and then drop the page.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.http import Response

from crawler.scope import url_key

# Request meta key: the spider's ``redirect_allowed(request, url)`` decides this redirect.
SCOPED = "reftrail_scoped_redirect"


class ScopedRedirectMiddleware(RedirectMiddleware):
    """RedirectMiddleware that lets the site spider decline a redirect target."""

    # No ``spider`` argument: Scrapy 2.19 deprecates it (and warns when a method takes it).
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            result = super().process_response(request, response)
        except ValueError:  # a Location that is no URL ("http://[oops"): nowhere to go
            return response
        if not isinstance(result, Request) or not request.meta.get(SCOPED):
            return result
        decide = getattr(self.crawler.spider, "redirect_allowed", None)
        if decide is not None and not decide(request, result.url):
            return response
        return result


class ScopedMetaRefreshMiddleware(MetaRefreshMiddleware):
    """MetaRefreshMiddleware that leaves the site spider's pages and self-refreshes alone."""

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get(SCOPED):
            return response
        result = super().process_response(request, response)
        if isinstance(result, Request) and _refreshes_itself(request, result.url):
            return response
        return result


def _refreshes_itself(request: Request, url: str) -> bool:
    key = url_key(url)
    earlier = [request.url, *request.meta.get("redirect_urls", [])]
    return any(url_key(u) == key for u in earlier)
