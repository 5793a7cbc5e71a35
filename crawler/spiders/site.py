"""The generic site crawl: seeds, links within scope, and every page's requisites.

Run by ``reftrail crawl URL...`` or ``scrapy crawl site -a url=URL``. The frontier is kept in
the archive's database, so a crawl killed at any moment resumes where it stopped: URLs already
seen are filtered in a set before any Request is built (building Requests for links already
seen costs more than the whole crawl on link-heavy pages).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeGuard

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler.capture_service import CaptureService
from crawler.config import apply_contact_url
from crawler.links import PageLinks, html_links, stylesheet_links
from crawler.middlewares.redirects import SCOPED
from crawler.scope import Scope, host_of, url_key
from storage.crawls import PendingURL

logger = logging.getLogger(__name__)

PAGE, REQUISITE = "page", "requisite"
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
RETRY_AFTER = "crawler.linkcheck.retry_after.RetryAfterMiddleware"


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    return [str(v) for v in value]


def _is_seed(meta: dict[str, Any]) -> bool:
    """A seed's own request (its requisites share depth 0 but are not seeds)."""
    return meta.get("reftrail_depth", 0) == 0 and meta.get("reftrail_kind", PAGE) == PAGE


def _is_html(response: Response, content_type: bytes) -> TypeGuard[TextResponse]:
    """Declared HTML, or undeclared and taken for HTML by Scrapy (URL, then body sniffing)."""
    if not isinstance(response, TextResponse):
        return False
    if content_type.strip():
        return content_type.startswith(HTML_TYPES)
    return isinstance(response, HtmlResponse)


class SiteSpider(scrapy.Spider):
    """Crawl one or more sites within scope and archive everything fetched."""

    name = "site"
    crawl_kind = "site"

    def __init__(
        self, url: str | None = None, urls: Any = None, fresh: Any = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.seeds = _as_list(url) + _as_list(urls)
        if not self.seeds:
            raise ValueError(
                "give the site to crawl: scrapy crawl site -a url=https://example.com/"
            )
        self.fresh = str(fresh).lower() in ("1", "true", "yes")
        self.seen: set[str] = set()  # URLs as linked
        self.seen_keys: set[str] = set()  # their canonical keys (url_key)
        self.pages_scheduled = 0

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_contact_url(settings)
        # A robots.txt answering 5xx forbids its host (RFC 9309), as it does for Heritrix.
        settings.set("REFTRAIL_ROBOTS_5XX_DISALLOW", True, priority="spider")
        # A 429/503 with Retry-After holds the host that long, then asks once more.
        middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
        middlewares.setdefault(RETRY_AFTER, 560)
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    def _scope(self) -> Scope:
        settings = self.crawler.settings
        return Scope.for_seeds(
            self.seeds,
            depth=settings.getint("REFTRAIL_DEPTH"),
            max_pages=settings.getint("REFTRAIL_MAX_PAGES"),
            include=settings.getlist("REFTRAIL_INCLUDE"),
            exclude=settings.getlist("REFTRAIL_EXCLUDE"),
            requisites_any_host=settings.getbool("REFTRAIL_REQUISITES_ANY_HOST"),
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.scope = self._scope()
        self.want_requisites = self.crawler.settings.getbool("REFTRAIL_REQUISITES")
        self.service = CaptureService.for_crawler(self.crawler)
        for entry in self._begin_site():
            yield self._request(entry, hops="")

    def _begin_site(self) -> list[PendingURL]:
        """Start or resume the crawl row; the URLs to fetch, seeds first."""
        options = {
            "depth": self.scope.depth,
            "max_pages": self.scope.max_pages,
            "include": [p.pattern for p in self.scope.include],
            "exclude": [p.pattern for p in self.scope.exclude],
        }
        run = self.service.begin(
            self.seeds, kind=self.crawl_kind, options=options, fresh=self.fresh
        )
        self.seen = run.seen
        self.seen_keys = {url_key(url) for url in run.seen}
        pending = list(run.pending)
        # Pages were in scope when found: a host a seed redirected to stays in the crawl.
        self.scope.hosts.update(host_of(p.url) for p in pending if p.kind == PAGE)
        self.pages_scheduled = run.pages_done + sum(1 for p in pending if p.kind == PAGE)
        if run.resumed:
            logger.info(
                "resuming crawl %s: %d URLs left, %d pages already done",
                run.uuid,
                len(pending),
                run.pages_done,
            )
        # Seeds not in the frontier yet: a new crawl, or one killed before it recorded them.
        # One seed given in two spellings (HTTPS://WWW.EXAMPLE.COM/ and https://www...) is one.
        seeds = []
        for url in self.seeds:
            if url not in self.seen and not self._seen_as_other_spelling(url):
                self._take(url)
                seeds.append(PendingURL(url, 0, PAGE))
        self.pages_scheduled += len(seeds)
        self.service.add_frontier(seeds)
        return seeds + pending

    def _request(self, entry: PendingURL, *, hops: str) -> scrapy.Request:
        return scrapy.Request(
            entry.url,
            callback=self.parse,
            errback=self.failed,
            dont_filter=True,
            priority=1 if entry.kind == REQUISITE else 0,
            headers={"Referer": entry.referrer} if entry.referrer else None,
            meta={
                "reftrail_url": entry.url,
                "reftrail_depth": entry.depth,
                "reftrail_kind": entry.kind,
                "reftrail_hops": hops,
                "reftrail_via": entry.referrer,
                SCOPED: True,
            },
        )

    def redirect_allowed(self, request: scrapy.Request, url: str) -> bool:
        """Follow a redirect only within scope, and only to a URL not taken yet.

        A page's redirect obeys the page rules (a seed's may lead to another host, which then
        joins the crawl, as Heritrix treats seed redirects); a requisite's the requisite rules.
        """
        if url in self.seen or self._seen_as_other_spelling(url):
            return False
        depth = request.meta.get("reftrail_depth", 0)
        if _is_seed(request.meta):
            self._seed_moved_to(url)
            return True
        if request.meta.get("reftrail_kind") == REQUISITE:
            allowed = self.scope.fetches_requisite(url)
        else:
            allowed = self.scope.follows_page(url, depth)
        if allowed:
            self._take(url)
        return allowed

    def _seed_moved_to(self, url: str) -> None:
        """A seed redirected: its new address is taken and its host joins the crawl."""
        self.scope.hosts.add(host_of(url))
        self._take(url)

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        meta = response.meta
        depth = meta.get("reftrail_depth", 0)
        hops = meta.get("reftrail_hops", "")
        if _is_seed(meta) and response.url != meta.get("reftrail_url", response.url):
            self._seed_moved_to(response.url)  # redirected before this spider could decide
        content_type = (response.headers.get("Content-Type") or b"").lower()
        new: list[tuple[PendingURL, str]] = []
        if _is_html(response, content_type):
            links = html_links(response.selector, response.url)
            if self.want_requisites:
                new += self._requisites(links.requisites, response.url, depth, hops)
            if meta.get("reftrail_kind") == PAGE and not self._told_not_to_follow(links, response):
                new += self._pages(links.pages, response.url, depth, hops)
        elif isinstance(response, TextResponse) and b"css" in content_type and self.want_requisites:
            new += self._requisites(
                stylesheet_links(response.text, response.url), response.url, depth, hops
            )
        self.service.add_frontier([entry for entry, _ in new])
        self.service.mark_done(meta.get("reftrail_url", response.url))
        for entry, entry_hops in new:
            yield self._request(entry, hops=entry_hops)

    def _told_not_to_follow(self, links: PageLinks, response: Response) -> bool:
        """Meta robots nofollow, obeyed with robots.txt (as Heritrix's "obey" policy does).

        The page and its requisites are archived all the same; only its links are not
        followed.
        """
        if not (links.nofollow and self.settings.getbool("ROBOTSTXT_OBEY")):
            return False
        logger.info("not following the links of %s: its meta robots says nofollow", response.url)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("reftrail/meta-nofollow")
        return True

    def _pages(
        self, urls: list[str], via: str, depth: int, hops: str
    ) -> list[tuple[PendingURL, str]]:
        found = []
        next_depth = depth + 1
        for url in urls:
            # Scope first: it is cheaper than the canonical form the spelling check builds,
            # and most links a page repeats on every page (share buttons, partners) leave it.
            if url in self.seen or not self.scope.follows_page(url, next_depth):
                continue
            if self._seen_as_other_spelling(url):
                continue
            if self.scope.max_pages and self.pages_scheduled >= self.scope.max_pages:
                break
            self._take(url)
            self.pages_scheduled += 1
            found.append((PendingURL(url, next_depth, PAGE, via), hops + "L"))
        return found

    def _requisites(
        self, urls: list[str], via: str, depth: int, hops: str
    ) -> list[tuple[PendingURL, str]]:
        found = []
        for url in urls:
            if url in self.seen or not self.scope.fetches_requisite(url):
                continue
            if self._seen_as_other_spelling(url):
                continue
            self._take(url)
            found.append((PendingURL(url, depth, REQUISITE, via), hops + "E"))
        return found

    def _seen_as_other_spelling(self, url: str) -> bool:
        """Whether another spelling of the URL was taken; only URLs not seen verbatim pay."""
        if url_key(url) in self.seen_keys:
            self.seen.add(url)  # next time the verbatim check answers
            return True
        return False

    def _take(self, url: str) -> None:
        self.seen.add(url)
        self.seen_keys.add(url_key(url))

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if _is_seed(request.meta) and "robots.txt" in str(failure.value):
            # Nothing else tells the user why a start URL left no capture.
            logger.warning("not fetched: robots.txt of its site forbids the seed %s", request.url)
        self.service.mark_done(request.meta.get("reftrail_url", request.url))
