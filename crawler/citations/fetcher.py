"""The blog crawl's citation side: record each archived post's citations, fetch every cited
URL once per crawl, and build Article rows from what came back.

The blog spider calls :meth:`CitationFetcher.post_archived` for each new version of a post;
everything else happens here. Cited URLs are fetched on any host through the same engine as
the posts, so robots.txt, AutoThrottle and the per-host concurrency apply to them, every
redirect hop is archived by the capture middleware, and failures are crawl-log lines. Rows
are written in the capture service's writer thread, after the rows they point at; articles'
text is extracted in the crawl's extraction pool (``article_queue.py``). When the crawl goes
idle and the last article is saved, citations are linked to their captures and articles,
quotes are checked and link-less references matched to archived articles by title.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urljoin

import scrapy
from rapidfuzz import fuzz, process
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.citations.article_queue import ArticleQueue
from crawler.citations.extract import FoundCitation, extract_citations
from crawler.citations.quotes import check_quotes
from crawler.exchanges import classify_failure, cut_at_maxsize, failure_detail
from crawler.links import html_links
from crawler.middlewares.warc_capture import EXCHANGE_META
from crawler.scope import url_key
from storage import citations as store
from storage.archive import Archive
from storage.captures import surt_key
from storage.crawls import PendingURL
from storage.exchange import HttpExchange
from storage.exclusions import list_exclusions
from storage.html import HTML_LANG
from storage.timeutil import utcnow

logger = logging.getLogger(__name__)

CITATION = "citation"  # frontier kind
STAT = "reftrail/citations/"
KEY_META = "reftrail_citation_key"  # url_key of the URL this request fetches
CHAIN_META = "reftrail_citation_chain"  # keys of the redirect chain so far, the cited URL first
CITED_META = "reftrail_citation_url"  # the cited URL the chain started from
REDIRECTS = (301, 302, 303, 307, 308)
TITLE_MATCH_AT = 90.0  # rapidfuzz token_set_ratio for a link-less reference's title


class CitationFetcher:
    """Per blog crawl: citations of archived posts, and each cited URL fetched once."""

    def __init__(self, spider: Any) -> None:
        self.spider = spider
        self.crawler = spider.crawler
        self.service = spider.service
        settings = self.crawler.settings
        self.want_requisites = settings.getbool("REFTRAIL_CITATION_REQUISITES")
        self.requested: set[str] = set()  # keys of cited URLs requested this crawl
        self.outcomes: dict[str, tuple[str, str | None, str | None]] = {}  # by cited key
        # Redirects are followed here, not by Scrapy, so that a URL reached both as a citation
        # and as the target of a short link or moved page is fetched once: the keys of the
        # URLs in flight with the cited keys waiting on each, and how each fetched URL ended.
        self.fetching: dict[str, list[str]] = {}
        self.url_outcomes: dict[str, tuple[str, str | None, str | None]] = {}
        self.max_redirects = settings.getint("REDIRECT_MAX_TIMES", 10)
        self.maxsize = settings.getint("REFTRAIL_CITATION_MAXSIZE")
        # The archivist's exclusion list (SURT prefixes, storage/exclusions.py): a cited URL
        # under one is recorded as excluded and never fetched, like a robots.txt refusal.
        self.exclusions = [rule.surt for rule in list_exclusions(self.service.archive)]
        self.pending = 0
        self.finished = False
        self.articles = ArticleQueue(self.service.pool, self.service.call)
        self.crawler.signals.connect(self._idle, signal=signals.spider_idle)

    @classmethod
    def for_spider(cls, spider: Any) -> CitationFetcher | None:
        if not spider.crawler.settings.getbool("REFTRAIL_CITATIONS"):
            return None
        return cls(spider)

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    # --- a post was archived ------------------------------------------------------------------

    def post_archived(
        self, site_id: int, blog_host: str, post_url: str, fields: dict, response: Response
    ) -> list[scrapy.Request]:
        """Record the post's citations (after its row) and the requests for new cited URLs."""
        language = None
        if isinstance(response, TextResponse):
            match = HTML_LANG.search(response.text[:5000])
            language = match.group(1).lower() if match else None
        found = extract_citations(
            fields.get("body_html"), post_url=post_url, blog_host=blog_host, language=language
        )
        rows = []
        requests = []
        for citation in found:
            row, request = self._row(citation, post_url)
            rows.append(row)
            if request is not None:
                requests.append(request)
        self.stats.inc_value(STAT + "found", len(found))
        crawl_id = self.service.run.id if self.service.run else None

        def save(archive: Archive) -> None:
            post_id = store.post_id_of(archive, site_id, post_url)
            if post_id is not None:
                store.record_citations(archive, post_id, rows, crawl_id=crawl_id)

        self.service.call(save)
        return requests

    def _row(
        self, citation: FoundCitation, post_url: str
    ) -> tuple[dict[str, Any], scrapy.Request | None]:
        ref = citation.reference
        target = citation.target
        row: dict[str, Any] = {
            "position": citation.position,
            "url": citation.href,
            "normalized_url": citation.key,
            "fetch_url": citation.url,
            "short_link": bool(target and target.short_link),
            "anchor_text": citation.anchor_text,
            "reference_text": citation.reference_text[:10_000],
            "context": citation.context,
            "authors": ref.authors,
            "title": ref.title,
            "outlet": ref.outlet,
            "cited_date": ref.cited_date,
            "internal": citation.internal,
            "quotes": [{"text": q} for q in citation.quotes],
        }
        if citation.internal:
            row["fetch_status"] = store.INTERNAL
            return row, None
        if citation.href is None:
            row["fetch_status"] = store.NO_LINK
            return row, None
        if target is None or target.url is None or citation.key is None:
            row["fetch_status"] = store.FAILED
            row["fetch_error"] = f"unfetchable link: {target.reason if target else 'malformed'}"
            row["url"] = (citation.href or "")[:2000]
            return row, None
        key = citation.key
        if key not in self.outcomes and key in self.url_outcomes:
            self._outcome(key, *self.url_outcomes[key])  # reached before, as a redirect target
        if key in self.outcomes:
            status, error, final = self.outcomes[key]
            row.update(fetch_status=status, fetch_error=error, final_url=final)
            return row, None
        row["fetch_status"] = store.PENDING
        if key in self.fetching:  # in flight as the target of another cited URL's redirect
            if key not in self.fetching[key]:
                self.fetching[key].append(key)
            self.requested.add(key)
            return row, None
        if key in self.requested:
            return row, None
        return row, self._request(target.url, key, post_url, row)

    def excluded_by(self, url: str) -> str | None:
        """Why the archive will not hold ``url`` (its exclusion rule), or None."""
        key = surt_key(url)
        rule = next((prefix for prefix in self.exclusions if key.startswith(prefix)), None)
        return None if rule is None else f"on the archive's exclusion list ({rule})"

    def _request(
        self, url: str, key: str, post_url: str, row: dict[str, Any]
    ) -> scrapy.Request | None:
        spider = self.spider
        self.requested.add(key)
        reason = self.excluded_by(url)
        if reason is None and any(p.search(url) for p in spider.scope.exclude):
            reason = "matches --exclude"
        if reason is not None:
            self.stats.inc_value(STAT + store.EXCLUDED)
            self._outcome(key, store.EXCLUDED, reason, None)
            row.update(fetch_status=store.EXCLUDED, fetch_error=reason)
            return None
        if url in spider.seen or spider._seen_as_other_spelling(url):
            return None  # fetched this crawl as something else; linked when the crawl ends
        self.stats.inc_value(STAT + "requested")
        self.fetching[key] = [key]
        return self._fetch(url, key, [key], cited=url, via=post_url, hops="LL")

    def _fetch(
        self, url: str, key: str, chain: list[str], *, cited: str, via: str, hops: str
    ) -> scrapy.Request:
        self.spider._take(url)
        self.pending += 1
        self.service.add_frontier([PendingURL(url, 2, CITATION, via)])
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.failed,
            dont_filter=True,
            headers={"Referer": via},
            meta={
                "reftrail_url": url,
                "reftrail_depth": 2,
                "reftrail_kind": CITATION,
                "reftrail_hops": hops,
                "reftrail_via": via,
                "dont_redirect": True,
                "handle_httpstatus_all": True,  # 404s and redirects come back here
                "download_maxsize": self.maxsize,
                KEY_META: key,
                CHAIN_META: chain,
                CITED_META: cited,
            },
        )

    def _settle(
        self, key: str, waiters: list[str], outcome: tuple[str, str | None, str | None]
    ) -> None:
        """The URL with ``key`` ended with ``outcome``: so did every cited URL waiting on it."""
        self.url_outcomes[key] = outcome
        for waiter in dict.fromkeys(waiters):
            self._outcome(waiter, *outcome)

    def _redirect(self, response: Response, key: str, waiters: list[str]) -> scrapy.Request | None:
        """Follow one redirect hop of a cited URL, unless its target is fetched already."""
        meta = response.meta
        location = (response.headers.get("Location") or b"").decode("latin-1").strip()
        target = urljoin(response.url, location)
        target_key = url_key(target)
        chain = [*meta[CHAIN_META], target_key]
        if target_key in meta[CHAIN_META] or len(chain) > self.max_redirects + 1:
            error = f"redirect-loop: {len(chain) - 1} redirects from {meta[CITED_META]}"[:1000]
            self.stats.inc_value(STAT + "failed")
            self._settle(key, waiters, (store.FAILED, error, None))
            return None
        if target_key in self.url_outcomes:
            self._settle(key, waiters, self.url_outcomes[target_key])
            return None
        reason = self.excluded_by(target)
        if reason is not None:  # a short link or moved page leading to an excluded URL
            self.stats.inc_value(STAT + store.EXCLUDED)
            self._settle(key, waiters, (store.EXCLUDED, f"redirected to {target}, {reason}", None))
            return None
        if target_key in self.fetching:
            self.fetching[target_key].extend(waiters)
            return None
        if target in self.spider.seen or self.spider._seen_as_other_spelling(target):
            return None  # fetched this crawl as a page; linked when the crawl ends
        self.fetching[target_key] = list(waiters)
        self.stats.inc_value(STAT + "redirects")
        return self._fetch(
            target,
            target_key,
            chain,
            cited=meta[CITED_META],
            via=meta["reftrail_via"],
            hops=meta["reftrail_hops"] + "R",
        )

    # --- a cited URL came back ----------------------------------------------------------------

    def parse_article(self, response: Response) -> Any:
        meta = response.meta
        key = meta[KEY_META]
        self.pending -= 1
        waiters = self.fetching.pop(key, None) or [meta[CHAIN_META][0]]
        exchange: HttpExchange | None = meta.get(EXCHANGE_META)
        final = response.url
        if response.status in REDIRECTS and response.headers.get("Location"):
            self.service.mark_done(meta["reftrail_url"])
            follow = self._redirect(response, key, waiters)
            if follow is not None:
                yield follow
            return
        if response.status == 200:
            self._settle(key, waiters, (store.FETCHED, None, final))
            self.stats.inc_value(STAT + "fetched")
            if exchange is not None:
                cited = meta[CITED_META]
                self.service.call(self._save_article(cited, url_key(cited), response, exchange))
        else:
            self._settle(key, waiters, (store.FAILED, f"HTTP {response.status}", final))
            self.stats.inc_value(STAT + "failed")
        new = []
        if (
            self.want_requisites
            and response.status == 200
            and isinstance(response, TextResponse)
            and b"html" in (response.headers.get("Content-Type") or b"").lower()
        ):
            links = html_links(response.selector, response.url)
            new = self.spider._requisites(links.requisites, response.url, 2, "LL")
            self.service.add_frontier([entry for entry, _ in new])
        self.service.mark_done(meta["reftrail_url"])
        for entry, hops in new:
            yield self.spider._request(entry, hops=hops)

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        key = request.meta[KEY_META]
        self.pending -= 1
        value = failure.value
        if isinstance(value, IgnoreRequest) and "robots" in str(value).lower():
            status, error = store.ROBOTS_BLOCKED, "robots.txt"
        elif isinstance(value, IgnoreRequest) and "redirect" in str(value).lower():
            status, error = store.FAILED, f"redirect-loop: {value}"
        elif isinstance(value, IgnoreRequest):
            status, error = store.FAILED, str(value) or "ignored"
        else:
            status = store.FAILED
            error = f"{classify_failure(value)}: {failure_detail(value)}"[:1000]
            maxsize = cut_at_maxsize(request)
            if maxsize is not None:  # cut off while streaming
                error = (
                    f"too-large: more than {maxsize} bytes "
                    "(REFTRAIL_CITATION_MAXSIZE); not archived"
                )
        self.stats.inc_value(STAT + status)
        waiters = self.fetching.pop(key, None) or [request.meta.get(CHAIN_META, [key])[0]]
        self._settle(key, waiters, (status, error, None))
        self.service.mark_done(request.meta.get("reftrail_url", request.url))

    def _outcome(self, key: str, status: str, error: str | None, final: str | None) -> None:
        self.outcomes[key] = (status, error, final)
        crawl_id = self.service.run.id if self.service.run else None

        def save(archive: Archive) -> None:
            store.record_fetch(
                archive, key, status=status, error=error, final_url=final, crawl_id=crawl_id
            )

        self.service.call(save)

    def _save_article(self, url: str, key: str, response: Response, exchange: HttpExchange) -> Any:
        body = response.body
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        final = response.url
        crawl_id = self.service.run.id if self.service.run else None

        def save(archive: Archive) -> None:
            # In the writer thread, after the exchange's row: its capture id is known.
            if exchange.capture_id is None:
                return
            row = {
                "capture_id": exchange.capture_id,
                "crawl_id": crawl_id,
                "url": url,
                "url_key": key,
                "final_url": final,
                "fetched_at": exchange.fetched_at or utcnow(),
            }
            self.articles.extract(archive, row, body, content_type)

        return save

    # --- the end of the crawl -----------------------------------------------------------------

    def _idle(self) -> None:
        if self.finished or self.pending:
            return
        self.finished = True
        crawl_id = self.service.run.id if self.service.run else None
        if crawl_id is None:
            return
        articles = self.articles
        # After the last article extraction still in the pool has been saved.
        self.service.call(
            lambda archive: articles.then(
                archive, lambda archive: finish_citations(archive, crawl_id=crawl_id)
            )
        )


def finish_citations(archive: Archive, *, crawl_id: int | None) -> None:
    """Link citations to captures and articles, check quotes, match link-less references."""
    try:
        store.link_captures(archive, crawl_id=crawl_id)
        store.mark_linked_fetched(archive, crawl_id=crawl_id)
        checks = {
            work.citation_id: [c.as_dict() for c in check_quotes(work.quotes, work.article_text)]
            for work in store.quotes_to_check(archive, crawl_id=crawl_id)
        }
        store.save_quote_checks(archive, checks)
        store.save_matches(archive, match_titles(archive))
    except Exception:  # the archive is written; a bug here must not fail the crawl
        logger.exception("linking citations to their articles failed")


def _fold(title: str) -> str:
    return re.sub(r"\W+", " ", title.lower()).strip()


def match_titles(archive: Archive) -> dict[int, tuple[int, int, float]]:
    """Link-less references whose title matches an archived article's closely enough."""
    articles = store.article_titles(archive)
    if not articles:
        return {}
    choices = [_fold(title) for _, _, title in articles]
    matches = {}
    for citation_id, title in store.unlinked_references(archive):
        best = process.extractOne(_fold(title), choices, scorer=fuzz.token_set_ratio)
        if best is not None and best[1] >= TITLE_MATCH_AT:
            article_id, capture_id, _ = articles[best[2]]
            matches[citation_id] = (article_id, capture_id, round(float(best[1]), 1))
    return matches
