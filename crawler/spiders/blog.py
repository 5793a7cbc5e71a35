"""The blog crawl: find every post from the platform's own listings, archive each post page
with its requisites, record Post rows, and on later crawls fetch only what changed.

Run by ``reftrail crawl BLOG`` (mode ``auto``: a site that is not a blog gets the generic
site crawl) or ``scrapy crawl blog -a url=BLOG``. The home page is fetched first and tells
the platform (``crawler.discovery.platforms``); then the cheapest listings are read: Blogger's
paged posts feed and sitemap, WordPress's REST API (its paged feed if the API is closed) and
sitemap, or any site's autodiscovered feeds and robots.txt sitemaps. A post whose listed
``updated`` time matches the archived one costs no request; others get one, conditional when
the archived copy has an ETag or Last-Modified (a 304 is archived as a revisit record).

A blog crawl always starts a new crawl row: the post rows saved as it goes make a rerun of an
interrupted one cheap.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.capture_service import CaptureService
from crawler.citations.fetcher import CitationFetcher
from crawler.discovery import platforms
from crawler.discovery.archive_walk import CHAIN, ArchiveWalk
from crawler.discovery.canonical import canonical_url, is_post_candidate, post_key
from crawler.discovery.dates import iso, parse_date
from crawler.discovery.entries import ListedPost
from crawler.discovery.feeds import FeedPage, parse_feed, parse_wp_posts
from crawler.discovery.listings import ListingPage, parse_listing
from crawler.discovery.postpage import extract_post
from crawler.discovery.sitemaps import parse_sitemap, robots_sitemaps
from crawler.links import html_links
from crawler.middlewares.warc_capture import EXCHANGE_META
from crawler.scope import host_of
from crawler.spiders.site import HTML_TYPES, PAGE, SiteSpider
from storage import posts as post_store
from storage.archive import Archive
from storage.crawls import PendingURL
from storage.exchange import HttpExchange

logger = logging.getLogger(__name__)

DISCOVERY = "discovery"
MAX_SITEMAP_DEPTH = 4
MAX_FEED_FAILURES = 3  # consecutive failed feed pages before the feed is given up
# Listed times are compared to the second: feeds and sitemaps round differently.
SAME_TIME = timedelta(seconds=1)
STAT = "reftrail/blog/"


@dataclass
class BlogState:
    """One blog being crawled: what it is, what it lists, what is archived already."""

    root: str
    host: str  # as crawler.scope compares hosts (no www.)
    site_host: str  # the host name as the blog is addressed, for the Site row
    platform: platforms.Platform
    site_id: int = 0
    known: dict[str, post_store.KnownPost] = field(default_factory=dict)
    listed: dict[str, ListedPost] = field(default_factory=dict)  # by post_key
    scheduled: set[str] = field(default_factory=set)  # post keys fetched this crawl
    unchanged: set[int] = field(default_factory=set)  # post ids listed unchanged
    sitemaps: list[str] = field(default_factory=list)
    sources_ok: dict[str, bool] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    feed_seen: set[str] = field(default_factory=set)  # post keys a paged feed has listed
    pending: int = 0  # discovery requests in flight
    home: ListingPage | None = None  # the home page as a listing, for the archive walk
    walk: ArchiveWalk | None = None  # set once no feed, API or sitemap listed the posts
    saved: set[str] = field(default_factory=set)  # post keys whose row this crawl wrote
    answered: set[str] = field(default_factory=set)  # sources with a page that answered
    feed_paged: bool = False  # a generic feed led on to a next page (RFC 5005)
    absent: list[str] = field(default_factory=list)  # sources the blog does not publish
    finished: bool = False


class BlogSpider(SiteSpider):
    """Archive every post of one blog (``mode=auto``: fall back to a site crawl)."""

    name = "blog"
    crawl_kind = "blog"

    def __init__(self, url: str | None = None, mode: str = "blog", **kwargs: Any) -> None:
        super().__init__(url=url, **kwargs)
        if len(self.seeds) != 1:
            raise ValueError("the blog crawl takes one blog: scrapy crawl blog -a url=BLOG")
        if mode not in ("blog", "auto"):
            raise ValueError(f"mode must be blog or auto, not {mode!r}")
        self.mode = mode
        self.blog: BlogState | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        settings = self.crawler.settings
        self.scope = self._scope()
        self.want_requisites = settings.getbool("REFTRAIL_REQUISITES")
        self.since = parse_date(settings.get("REFTRAIL_BLOG_SINCE") or None)
        self.max_posts = settings.getint("REFTRAIL_BLOG_MAX_POSTS")
        self.feed_page_size = settings.getint("REFTRAIL_BLOG_FEED_PAGE_SIZE")
        self.service = CaptureService.for_crawler(self.crawler)
        # Issue 4: each archived post's citations are recorded and the cited URLs fetched.
        self.citations = CitationFetcher.for_spider(self)
        if (
            self.mode == "auto"
            and not self.fresh
            and post_store.resumable_crawl(self.service.archive, self.seeds, kind="site")
        ):
            # An interrupted site crawl of this seed: resume it without probing the seed again.
            self.crawl_kind = "site"
            for entry in self._begin_site():
                yield self._request(entry, hops="")
            return
        # The home page decides which crawl this is; it is archived once that crawl begins.
        self.service.hold_until_begin()
        self.crawler.signals.connect(self._idle, signal=signals.spider_idle)
        seed = self.seeds[0]
        yield scrapy.Request(
            seed,
            callback=self.detect,
            errback=self.detect_failed,
            dont_filter=True,
            meta={"reftrail_url": seed, "reftrail_depth": 0, "reftrail_kind": PAGE},
        )

    # --- platform -----------------------------------------------------------------------------

    def detect(self, response: Response) -> Iterator[scrapy.Request]:
        text = response.text if isinstance(response, TextResponse) else ""
        headers = {
            k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
            for k, v in response.headers.items()
        }
        platform = platforms.detect(text, response.url, headers)
        if platform.name is None and self.mode == "auto":
            logger.info("%s does not look like a blog: crawling it as a site", response.url)
            yield from self._as_site(response)
            return
        yield from self._begin_blog(platform or platforms.Platform(platforms.GENERIC), response)

    def detect_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        if self.mode == "auto":
            yield from self._as_site(None)
            return
        self._begin_run()
        self.service.mark_done(self.seeds[0])

    def _as_site(self, response: Response | None) -> Iterator[scrapy.Request]:
        self.crawl_kind = "site"
        pending = self._begin_site()
        seed = self.seeds[0]
        rest = [p for p in pending if p.url != seed]
        if len(rest) < len(pending):  # the seed is still to do: the detection fetch did it
            if response is not None:
                yield from self.parse(response)
            else:
                self.service.mark_done(seed)
        for entry in rest:
            yield self._request(entry, hops="")

    def _begin_run(self) -> None:
        options = {
            "since": iso(self.since),
            "max_posts": self.max_posts,
            "include": [p.pattern for p in self.scope.include],
            "exclude": [p.pattern for p in self.scope.exclude],
        }
        run = self.service.begin(self.seeds, kind="blog", options=options, fresh=True)
        seed = self.seeds[0]
        self._take(seed)
        self.service.add_frontier([PendingURL(seed, 0, PAGE)])
        logger.info("blog crawl %s of %s", run.uuid, seed)

    def _begin_blog(
        self, platform: platforms.Platform, response: Response
    ) -> Iterator[scrapy.Request]:
        self._begin_run()
        parts = urlsplit(response.url)
        root = f"{parts.scheme}://{parts.netloc}/"
        blog = BlogState(
            root=root,
            host=host_of(response.url),
            site_host=(parts.hostname or "").lower(),
            platform=platform,
        )
        self.blog = blog
        if isinstance(response, TextResponse) and response.status == 200:
            blog.home = parse_listing(
                response.text, response.url, blogger=platform.name == platforms.BLOGGER
            )
        archive = self.service.archive
        blog.site_id = post_store.save_site(
            archive,
            host=blog.site_host,
            url=root,
            platform=platform.name or platforms.GENERIC,
            feeds=platform.feeds,
            sitemaps=[],
            title=platform.title,
            crawl_id=self.service.run.id if self.service.run else None,
        )
        blog.known = post_store.known_posts(archive, blog.site_id)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(STAT + "platform", platform.name or platforms.GENERIC)
        logger.info(
            "%s is a %s blog (%d posts archived before)", root, platform.name, len(blog.known)
        )
        requests = list(self._home_requisites(response))
        requests += self._discovery_requests(blog)
        self.service.mark_done(self.seeds[0])
        yield from requests

    def _home_requisites(self, response: Response) -> Iterator[scrapy.Request]:
        if not (self.want_requisites and isinstance(response, TextResponse)):
            return
        links = html_links(response.selector, response.url)
        new = self._requisites(links.requisites, response.url, 0, "")
        self.service.add_frontier([entry for entry, _ in new])
        for entry, hops in new:
            yield self._request(entry, hops=hops)

    # --- discovery ----------------------------------------------------------------------------

    def _discovery_requests(self, blog: BlogState) -> list[scrapy.Request]:
        name = blog.platform.name
        root = blog.root
        out = []
        if name == platforms.BLOGGER:
            out.append(self._feed_request(blog, "blogger", 1))
            out.append(self._sitemap_request(blog, urljoin(root, "/sitemap.xml"), 0))
        elif name == platforms.WORDPRESS:
            out.append(self._api_request(blog, 1))
            out.append(self._sitemap_request(blog, urljoin(root, "/wp-sitemap.xml"), 0))
        else:
            for feed in blog.platform.feeds[:3]:
                out.append(self._discover(blog, feed, self.parse_generic_feed, "feed", entry=True))
            out.append(
                self._discover(blog, urljoin(root, "/robots.txt"), self.parse_robots, "robots")
            )
        return [r for r in out if r is not None]

    def _discover(
        self, blog: BlogState, url: str, callback: Any, source: str, **meta: Any
    ) -> scrapy.Request | None:
        if url in self.seen:
            return None
        self._take(url)
        self.service.add_frontier([PendingURL(url, 1, DISCOVERY, blog.root)])
        blog.pending += 1
        blog.sources_ok.setdefault(source, True)
        return scrapy.Request(
            url,
            callback=callback,
            errback=self._discovery_failed,
            dont_filter=True,
            priority=2,
            meta={
                "reftrail_url": url,
                "reftrail_kind": DISCOVERY,
                "reftrail_hops": "P",
                "reftrail_via": blog.root,
                "reftrail_source": source,
                **meta,
            },
        )

    def _discovery_done(self, response_or_request: Any, *, ok: bool) -> BlogState:
        blog = self.blog
        assert blog is not None
        meta = response_or_request.meta
        blog.pending -= 1
        status = getattr(response_or_request, "status", None)
        if meta.get("reftrail_disallowed"):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(STAT + "listing-disallowed")
        elif not ok and meta.get("entry") and status in (404, 410):
            # The first page of a listing is not there: the blog does not publish it (feeds
            # or sitemaps switched off), which is not a page missed.
            source = meta["reftrail_source"]
            if source not in blog.absent:
                blog.absent.append(source)
            if source not in blog.answered:
                blog.sources_ok.pop(source, None)
        elif ok:
            blog.answered.add(meta["reftrail_source"])
            blog.sources_ok.setdefault(meta["reftrail_source"], True)
        else:
            blog.sources_ok[meta["reftrail_source"]] = False
            blog.missed.append(meta["reftrail_url"])
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(STAT + "discovery-failed")
        self.service.mark_done(meta["reftrail_url"])
        return blog

    def _discovery_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            # Blogger's robots.txt disallows /search, so its Older Posts chain: not a miss.
            request.meta["reftrail_disallowed"] = True
        blog = self._discovery_done(request, ok=False)
        if request.meta["reftrail_source"] == "blogger":  # skip the page, try the next one
            yield from self._next_feed_page(blog, request.meta, got=0, failed=True)
        elif request.meta["reftrail_source"] == "archive":
            yield from self._walk_on(blog, request.meta, None, 0)

    @staticmethod
    def _ok(response: Response) -> bool:
        return response.status == 200 and bool(response.body)

    # Blogger: /feeds/posts/default?start-index=N&max-results=M

    def _feed_request(
        self, blog: BlogState, source: str, start: int, failures: int = 0, step: int = 0
    ) -> scrapy.Request | None:
        url = urljoin(
            blog.root,
            f"/feeds/posts/default?start-index={start}&max-results={self.feed_page_size}",
        )
        return self._discover(
            blog,
            url,
            self.parse_blogger_feed,
            source,
            entry=start == 1,
            start=start,
            failures=failures,
            step=step or self.feed_page_size,
        )

    def parse_blogger_feed(self, response: Response) -> Iterator[scrapy.Request]:
        page = parse_feed(response.body, response.url) if self._ok(response) else FeedPage(ok=False)
        ok = page.ok and response.status == 200
        blog = self._discovery_done(response, ok=ok)
        yield from self._listed(blog, page.posts)
        if response.status in (404, 410):  # feeds switched off: no page of it will answer
            return
        if ok:
            more = bool(page.posts) and (
                page.next_url is not None or len(page.posts) >= self.feed_page_size
            )
            if more:
                yield from self._next_feed_page(blog, response.meta, got=len(page.posts))
        else:
            yield from self._next_feed_page(blog, response.meta, got=0, failed=True)

    def _next_feed_page(
        self, blog: BlogState, meta: dict, *, got: int, failed: bool = False
    ) -> Iterator[scrapy.Request]:
        failures = meta.get("failures", 0) + 1 if failed else 0
        if failures > MAX_FEED_FAILURES:
            return
        # A page moves on by what it held (blogs that publish short feeds answer fewer
        # entries than asked); a failed page is skipped by what the page before it held, so
        # a short feed loses only that page's entries, or by the size asked for if the first
        # page failed.
        step = got if not failed else meta.get("step") or self.feed_page_size
        request = self._feed_request(blog, "blogger", meta["start"] + step, failures, step)
        if request is not None:
            yield request

    # WordPress: /wp-json/wp/v2/posts?page=N, else /feed/?paged=N

    def _api_request(self, blog: BlogState, page: int) -> scrapy.Request | None:
        api = blog.platform.api or urljoin(blog.root, "/wp-json/")
        url = platforms.wp_api_url(api, "wp/v2/posts", f"per_page=100&page={page}&_embed=author")
        return self._discover(blog, url, self.parse_wp_api, "api", page=page, entry=page == 1)

    def parse_wp_api(self, response: Response) -> Iterator[scrapy.Request]:
        page_no = response.meta["page"]
        page = (
            parse_wp_posts(response.body, response.url)
            if self._ok(response)
            else FeedPage(ok=False)
        )
        if not page.ok and page_no == 1:
            # The REST API is closed: the paged RSS feed lists the posts instead.
            blog = self._discovery_done(response, ok=True)
            blog.sources_ok.pop("api", None)
            request = self._wp_feed_request(blog, 1)
            if request is not None:
                yield request
            return
        blog = self._discovery_done(response, ok=page.ok or response.status == 400)
        yield from self._listed(blog, page.posts)
        total = response.headers.get("X-WP-TotalPages")
        pages = int(total) if total and total.isdigit() else None
        if page.posts and (page_no < pages if pages is not None else len(page.posts) >= 100):
            request = self._api_request(blog, page_no + 1)
            if request is not None:
                yield request

    def _wp_feed_request(self, blog: BlogState, page: int) -> scrapy.Request | None:
        url = platforms.wp_feed_url(blog.platform, blog.root, page)
        return self._discover(blog, url, self.parse_wp_feed, "feed", page=page, entry=page == 1)

    def parse_wp_feed(self, response: Response) -> Iterator[scrapy.Request]:
        page = parse_feed(response.body, response.url) if self._ok(response) else FeedPage(ok=False)
        # Past the last page WordPress answers 404: the normal end, not a failure (on the
        # first page it means the feed is switched off).
        end = response.status == 404 and response.meta["page"] > 1
        blog = self._discovery_done(response, ok=page.ok or end)
        yield from self._listed(blog, page.posts)
        # On while pages bring entries the feed has not shown yet (the sitemap may have listed
        # them already: the feed still adds comment counts, labels and authors); a blog that
        # ignores ?paged= repeats its first page, which ends it.
        keys = {post_key(entry.url) for entry in page.posts}
        fresh = keys - blog.feed_seen
        blog.feed_seen |= keys
        if page.ok and fresh:
            request = self._wp_feed_request(blog, response.meta["page"] + 1)
            if request is not None:
                yield request

    # Any site: autodiscovered feeds (RFC 5005 next links), robots.txt sitemaps

    def parse_generic_feed(self, response: Response) -> Iterator[scrapy.Request]:
        page = parse_feed(response.body, response.url) if self._ok(response) else FeedPage(ok=False)
        blog = self._discovery_done(response, ok=page.ok)
        yield from self._listed(blog, page.posts)
        if page.next_url and page.posts:
            blog.feed_paged = True
            request = self._discover(blog, page.next_url, self.parse_generic_feed, "feed")
            if request is not None:
                yield request

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        blog = self._discovery_done(response, ok=True)
        text = (
            response.text if isinstance(response, TextResponse) and response.status == 200 else ""
        )
        found = robots_sitemaps(text, response.url) or [urljoin(blog.root, "/sitemap.xml")]
        for url in found:
            request = self._sitemap_request(blog, url, 0)
            if request is not None:
                yield request

    # Sitemaps, nested and gzipped, of every platform

    def _sitemap_request(self, blog: BlogState, url: str, depth: int) -> scrapy.Request | None:
        if depth > MAX_SITEMAP_DEPTH:
            return None
        blog.sitemaps.append(url)
        return self._discover(
            blog, url, self.parse_sitemap, "sitemap", sitemap_depth=depth, entry=depth == 0
        )

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        sitemap = parse_sitemap(response.body, response.url) if self._ok(response) else None
        blog = self._discovery_done(response, ok=sitemap is not None and sitemap.ok)
        if sitemap is None:
            return
        yield from self._listed(blog, sitemap.pages)
        depth = response.meta.get("sitemap_depth", 0) + 1
        for url in sitemap.sitemaps:
            if self._sitemap_lists_posts(blog, url):
                request = self._sitemap_request(blog, url, depth)
                if request is not None:
                    yield request

    @staticmethod
    def _sitemap_lists_posts(blog: BlogState, url: str) -> bool:
        """Sub-sitemaps of pages, tags, categories and users list no posts."""
        name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
        if blog.platform.name == platforms.WORDPRESS:
            return "posts-post" in name or not name.startswith("wp-sitemap-")
        return not any(w in name for w in ("sitemap-pages", "taxonom", "users", "category", "tag"))

    # Every platform, when nothing above listed the posts: the archive walk over listing pages

    def _start_walk(self, blog: BlogState) -> list[scrapy.Request]:
        assert blog.home is not None and self.crawler.stats is not None
        logger.info("%s lists no posts by feed, API or sitemap: walking its pages", blog.root)
        self.crawler.stats.set_value(STAT + "archive-walk", 1)
        blog.walk = ArchiveWalk()
        blog.walk.count(list(blog.listed.values()))
        requests, _ = self._walk_listed(blog, blog.home.posts)
        return requests + list(self._walk_requests(blog, blog.walk.start(blog.home)))

    def _short_months(self, blog: BlogState) -> list[scrapy.Request]:
        """A feed or sitemap that listed fewer posts than the home page's archive widget counts
        (a truncated feed, a stale sitemap): the short months' pages, read as the walk reads
        them. Costs nothing when the counts add up or the widget shows none."""
        assert blog.home is not None and self.crawler.stats is not None
        blog.walk = ArchiveWalk()
        if self.max_posts and len(blog.scheduled) >= self.max_posts:
            return []
        blog.walk.count(list(blog.listed.values()))
        since = (self.since.year, self.since.month) if self.since else None
        plan = blog.walk.short_months(blog.home, since)
        if plan:
            logger.info(
                "%s: the listings gave fewer posts than the archive widget counts in %d months:"
                " reading their pages",
                blog.root,
                len(plan),
            )
            self.crawler.stats.set_value(STAT + "short-months", len(plan))
        return list(self._walk_requests(blog, plan))

    def _feed_alone(self, blog: BlogState) -> bool:
        """Only one page of a generic blog's feed listed its posts (no sitemap answered): a
        feed of the newest posts only, as static-site generators and many themes publish."""
        return (
            blog.platform.name not in (platforms.BLOGGER, platforms.WORDPRESS)
            and "sitemap" not in blog.answered
            and not blog.feed_paged
            and blog.home is not None
            and blog.home.older is not None
            and not (self.max_posts and len(blog.scheduled) >= self.max_posts)
        )

    def _older_than_feed(self, blog: BlogState) -> list[scrapy.Request]:
        """The home page's Older Posts chain after a one-page feed: it goes on only while its
        pages show posts the feed did not list, so a complete feed costs one listing page."""
        assert blog.home is not None and blog.walk is not None and self.crawler.stats is not None
        logger.info("%s: its feed has one page and no sitemap: reading older pages", blog.root)
        self.crawler.stats.set_value(STAT + "archive-walk", 1)
        blog.walk.page_size = len(blog.home.posts)
        blog.walk.chain_pages += 1
        requests, _ = self._walk_listed(blog, blog.home.posts)
        assert blog.home.older is not None
        return requests + list(self._walk_requests(blog, [(blog.home.older, CHAIN)]))

    def _walk_listed(
        self, blog: BlogState, posts: list[ListedPost]
    ) -> tuple[list[scrapy.Request], int]:
        """Post requests for a listing page's posts, and how many it showed first."""
        assert blog.walk is not None
        fresh = [p for p in posts if post_key(p.url) not in blog.listed]
        requests = list(self._listed(blog, posts))
        added = [p for p in fresh if post_key(p.url) in blog.listed]
        blog.walk.count(added)
        return requests, len(added)

    def _walk_requests(
        self, blog: BlogState, plan: list[tuple[str, str]]
    ) -> Iterator[scrapy.Request]:
        assert blog.walk is not None
        for url, kind in plan:
            request = self._discover(
                blog, url, self.parse_listing_page, "archive", walk=kind, month=url
            )
            if request is not None:
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value(STAT + "listing-pages")
                yield request
            elif kind == CHAIN:  # a chain that loops back ends like one that stops
                yield from self._walk_requests(blog, blog.walk.top_up())

    def parse_listing_page(self, response: Response) -> Iterator[scrapy.Request]:
        ok = response.status == 200 and isinstance(response, TextResponse)
        blog = self._discovery_done(response, ok=ok)
        page = None
        requests: list[scrapy.Request] = []
        new = 0
        if ok:
            assert isinstance(response, TextResponse)
            blogger = blog.platform.name == platforms.BLOGGER
            page = parse_listing(response.text, response.url, blogger=blogger)
            requests, new = self._walk_listed(blog, page.posts)
        yield from requests
        yield from self._walk_on(blog, response.meta, page, new)

    def _walk_on(
        self, blog: BlogState, meta: dict, page: ListingPage | None, new: int
    ) -> Iterator[scrapy.Request]:
        assert blog.walk is not None
        if meta["walk"] == CHAIN:
            plan = blog.walk.chain_page(page, new)
        else:
            plan = blog.walk.month_page(page, meta["month"])
        yield from self._walk_requests(blog, plan)

    # --- posts --------------------------------------------------------------------------------

    def _listed(self, blog: BlogState, listed: list[ListedPost]) -> Iterator[scrapy.Request]:
        assert self.crawler.stats is not None
        stats = self.crawler.stats
        for entry in listed:
            url = canonical_url(entry.url)
            if host_of(url) != blog.host or not is_post_candidate(url):
                continue
            if not self.scope.follows_page(url, 1):
                continue
            key = post_key(url)
            if key in blog.listed:
                if blog.listed[key].merge(entry) and key in blog.saved:
                    self._save_listed_metadata(blog, blog.listed[key])
                continue
            entry.url = url
            blog.listed[key] = entry
            stats.inc_value(STAT + "posts-listed")
            known = blog.known.get(url)
            when = entry.published or entry.updated
            if self.since and when and when < self.since:
                stats.inc_value(STAT + "before-since")
                continue
            if (
                known is not None
                and known.captured
                and not known.deleted
                and entry.updated is not None
                and known.listed_updated_at is not None
                and entry.updated <= known.listed_updated_at + SAME_TIME
            ):
                blog.unchanged.add(known.id)
                stats.inc_value(STAT + "posts-unchanged")
                continue
            if self.max_posts and len(blog.scheduled) >= self.max_posts:
                stats.inc_value(STAT + "beyond-max-posts")
                continue
            if url in self.seen:
                continue
            blog.scheduled.add(key)
            yield self._post_request(blog, entry, known)

    def _post_request(
        self, blog: BlogState, entry: ListedPost, known: post_store.KnownPost | None
    ) -> scrapy.Request:
        self._take(entry.url)
        self.service.add_frontier([PendingURL(entry.url, 1, PAGE, blog.root)])
        headers: dict[str, str] = {"Referer": blog.root}
        if known is not None and known.captured:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return scrapy.Request(
            entry.url,
            callback=self.parse_post,
            errback=self.post_failed,
            dont_filter=True,
            headers=headers,
            meta={
                "reftrail_url": entry.url,
                "reftrail_depth": 1,
                "reftrail_kind": PAGE,
                "reftrail_hops": "L",
                "reftrail_via": blog.root,
                "reftrail_listed": entry,
            },
        )

    def parse_post(self, response: Response) -> Iterator[scrapy.Request]:
        blog = self.blog
        assert blog is not None and self.crawler.stats is not None
        stats = self.crawler.stats
        meta = response.meta
        entry: ListedPost = meta["reftrail_listed"]
        exchange: HttpExchange | None = meta.get(EXCHANGE_META)
        content_type = (response.headers.get("Content-Type") or b"").lower()
        fields: dict[str, Any] = {"listed_updated_at": entry.updated}
        new: list[tuple[PendingURL, str]] = []
        if response.status == 304:
            outcome = post_store.NOT_MODIFIED
            stats.inc_value(STAT + "posts-not-modified")
        elif (
            response.status == 200
            and isinstance(response, TextResponse)
            and content_type.startswith(HTML_TYPES)
        ):
            outcome = post_store.CHANGED
            stats.inc_value(STAT + "posts-archived")
            fields.update(self._post_fields(entry, response))
            if self.want_requisites:
                links = html_links(response.selector, response.url)
                new = self._requisites(links.requisites, response.url, 1, "L")
        elif response.status in (404, 410):
            outcome = post_store.GONE
            stats.inc_value(STAT + "posts-gone")
            blog.missed.append(entry.url)
        else:
            stats.inc_value(STAT + "posts-failed")
            blog.missed.append(entry.url)
            self.service.mark_done(meta["reftrail_url"])
            return
        self.service.add_frontier([e for e, _ in new])
        if outcome in (post_store.CHANGED, post_store.NOT_MODIFIED):
            blog.saved.add(post_key(entry.url))
        self.service.call(self._save_post(blog, entry.url, fields, outcome, exchange))
        cited = []
        if outcome == post_store.CHANGED and self.citations is not None:
            cited = self.citations.post_archived(
                blog.site_id, blog.host, entry.url, fields, response
            )
        self.service.mark_done(meta["reftrail_url"])
        for pending, hops in new:
            yield self._request(pending, hops=hops)
        yield from cited

    def post_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if self.blog is not None:
            self.blog.missed.append(request.url)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(STAT + "posts-failed")
        self.service.mark_done(request.meta.get("reftrail_url", request.url))

    def _post_fields(self, entry: ListedPost, response: TextResponse) -> dict[str, Any]:
        page = extract_post(response.text, response.url)
        published = entry.published or page.published
        updated = entry.updated if entry.source != "sitemap" else None
        updated = updated or page.updated or entry.updated or published
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        return {
            "title": entry.title or page.title,
            "authors": entry.authors or page.authors,
            "published": iso(published),
            "updated": iso(updated),
            "published_at": published,
            "updated_at": updated,
            "labels": entry.labels or page.labels,
            "comment_count": entry.comment_count
            if entry.comment_count is not None
            else page.comment_count,
            "body_text": page.body_text,
            "body_html": page.body_html,
            "etag": etag.decode("latin-1") if etag else None,
            "last_modified": modified.decode("latin-1") if modified else None,
        }

    def _save_listed_metadata(self, blog: BlogState, entry: ListedPost) -> None:
        """A feed entry that came after its post was saved: its metadata onto the row."""
        assert self.crawler.stats is not None
        fields: dict[str, Any] = {"listed_updated_at": entry.updated}
        if entry.title:
            fields["title"] = entry.title
        if entry.authors:
            fields["authors"] = list(entry.authors)
        if entry.published:
            fields.update(published=iso(entry.published), published_at=entry.published)
        if entry.updated and entry.source != "sitemap":
            fields.update(updated=iso(entry.updated), updated_at=entry.updated)
        if entry.labels:
            fields["labels"] = list(entry.labels)
        if entry.comment_count is not None:
            fields["comment_count"] = entry.comment_count
        site_id, url = blog.site_id, entry.url
        self.crawler.stats.inc_value(STAT + "metadata-merged")
        self.service.call(
            lambda archive: post_store.update_listed_metadata(archive, site_id, url, fields)
        )

    def _save_post(
        self,
        blog: BlogState,
        url: str,
        fields: dict[str, Any],
        outcome: str,
        exchange: HttpExchange | None,
    ) -> Any:
        crawl_id = self.service.run.id if self.service.run else None

        def save(archive: Archive) -> None:
            # Runs in the writer thread, after the exchange's records and row are stored.
            capture_id = exchange.capture_id if exchange is not None else None
            result = outcome
            if (
                result == post_store.CHANGED
                and exchange is not None
                and exchange.record_type == "revisit"
            ):
                result = post_store.IDENTICAL
            post_store.record_post(
                archive,
                blog.site_id,
                url,
                fields=fields,
                capture_id=capture_id,
                crawl_id=crawl_id,
                outcome=result,
                status=exchange.status if exchange is not None else None,
                fetched_at=exchange.fetched_at if exchange is not None else None,
            )

        return save

    # --- the end ------------------------------------------------------------------------------

    def _idle(self) -> None:
        blog = self.blog
        if blog is None or blog.finished or blog.pending:
            return
        unlisted = not blog.listed or not any(blog.sources_ok.values())
        if blog.walk is None and blog.home is not None:
            # Nothing listed the posts: the home page and the pages it leads to will. Else the
            # months the listings fell short of (by the archive widget's counts), if any.
            requests = self._start_walk(blog) if unlisted else self._short_months(blog)
            if not requests and not unlisted and self._feed_alone(blog):
                requests = self._older_than_feed(blog)
            if requests:
                assert self.crawler.engine is not None
                for request in requests:
                    self.crawler.engine.crawl(request)
                raise DontCloseSpider
        blog.finished = True
        assert self.crawler.stats is not None
        stats = self.crawler.stats
        listed_keys = set(blog.listed)
        complete = any(blog.sources_ok.values())
        gone = []
        if complete:
            gone = [
                k.id
                for url, k in blog.known.items()
                if post_key(url) not in listed_keys and not k.deleted
            ]
        unchanged = sorted(blog.unchanged)
        stats.set_value(STAT + "posts-deleted", len(gone))
        stats.set_value(STAT + "missed", len(blog.missed))
        stats.set_value(
            STAT + "sources-failed", ",".join(s for s, ok in blog.sources_ok.items() if not ok)
        )
        stats.set_value(STAT + "sources-absent", ",".join(sorted(blog.absent)))
        feeds, sitemaps, platform = blog.platform.feeds, blog.sitemaps, blog.platform
        crawl_id = self.service.run.id if self.service.run else None

        def finish(archive: Archive) -> None:
            post_store.mark_listed(archive, unchanged)
            post_store.mark_deleted(archive, gone)
            post_store.save_site(
                archive,
                host=blog.site_host,
                url=blog.root,
                platform=platform.name or platforms.GENERIC,
                feeds=feeds,
                sitemaps=sitemaps,
                title=platform.title,
                crawl_id=crawl_id,
            )

        self.service.call(finish)
        for url in blog.missed[:20]:
            logger.warning("missed: %s", url)
