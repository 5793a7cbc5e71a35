"""Re-check cited URLs: one request each (redirects followed), a verdict, a LinkCheck row.

Run by ``reftrail check`` or ``scrapy crawl linkcheck -a urls=URL,URL``. It is a crawl like
any other: robots.txt, per-host concurrency, AutoThrottle, and every exchange (each redirect
hop, the probe of a random path) archived by the capture middleware as evidence; DNS failures
and refused connections go to the crawl log. ``Retry-After`` on 429/503 is honoured
(:mod:`crawler.linkcheck.retry_after`).

A page answering 2xx is compared with the host's answer for a random path beside it (the
probe, fetched once per host and directory per run) to catch soft 404s, and its extracted text
with the earliest archived copy to catch drift. Rows are written by the archive's writer
thread after the exchanges they point at, so the capture id of the final response is known.

A failing URL that some post cites and the archive holds no good copy of gets a Memento
TimeGate lookup (``REFTRAIL_MEMENTO_TIMEGATE``): HEAD with ``Accept-Datetime`` = the post's
date, then HEAD of the chosen memento to confirm it (:mod:`crawler.linkcheck.memento`). Those
requests go through the same middlewares (proxy, address guard, robots.txt, throttling) and
are archived like any exchange; a lookup that fails is recorded, never fatal.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler.capture_service import CaptureService
from crawler.config import apply_contact_url
from crawler.exchanges import classify_failure, failure_detail
from crawler.linkcheck.memento import (
    http_datetime,
    latest_before,
    parse_http_datetime,
    parse_link_header,
    timegate_url,
)
from crawler.linkcheck.page import PageFacts, page_facts
from crawler.linkcheck.progress import CHECKED
from crawler.linkcheck.verdicts import Observation, Probe, Verdict, is_home, judge
from crawler.middlewares.warc_capture import EXCHANGE_META
from storage.archive import Archive
from storage.exchange import HttpExchange
from storage.external_copies import ERROR, FOUND, NONE, LookupAnswer, lookups_needed, record_answer
from storage.linkstate import (
    FAILING,
    CheckResult,
    StatePolicy,
    record_checks,
    reference_texts,
)
from storage.linkstate import urls_to_check as stored_urls_to_check
from storage.timeutil import as_utc, utcnow

logger = logging.getLogger(__name__)

CHECK, PROBE, MEMENTO = "reftrail_check", "reftrail_probe", "reftrail_memento"
# A memento that answers an error is an archived error page, not a preserved copy.
NOT_REDIRECTS = list(range(400, 600))
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# Verdicts a probe can still overturn (to soft-404 or parked; a not-found title on a host
# that answers nonsense with a real 404 back to ok).
PROBE_CAN_CHANGE = frozenset({"ok", "redirected", "drifted", "soft-404"})


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    return [str(v) for v in value]


def probe_url(url: str) -> tuple[str, tuple[str, str, str, str]]:
    """A random path beside ``url`` (same directory, same shape) and its cache key."""
    parts = urlsplit(url)
    path = parts.path or "/"
    token = "rt" + secrets.token_hex(6)
    if path.endswith("/") and path != "/":
        parent, shape = path.rstrip("/").rsplit("/", 1)[0] + "/", "/"
        new_path = f"{parent}{token}/"
    else:
        parent, last = path.rsplit("/", 1)
        parent += "/"
        suffix = "." + last.rsplit(".", 1)[1] if "." in last else ""
        shape = suffix or "-"
        new_path = f"{parent}{token}{suffix}"
    key = (parts.scheme, parts.netloc.lower(), parent, shape)
    return urlunsplit((parts.scheme, parts.netloc, new_path, "", "")), key


class _Pending:
    """A check waiting for its host's probe."""

    __slots__ = ("exchange", "obs")

    def __init__(self, obs: Observation, exchange: HttpExchange | None) -> None:
        self.obs = obs
        self.exchange = exchange


class LinkCheckSpider(scrapy.Spider):
    """Check each URL once and record its verdict and state."""

    name = "linkcheck"
    crawl_kind = "linkcheck"

    def __init__(
        self,
        urls: Any = None,
        url: Any = None,
        urls_file: str | None = None,
        due: Any = False,
        fresh: Any = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls = list(dict.fromkeys(_as_list(url) + _as_list(urls)))
        if urls_file:
            self.urls += _as_list(Path(urls_file).read_text(encoding="utf-8"))
        self.due_only = str(due).lower() in ("1", "true", "yes")
        self.total = 0
        self.probes: dict[tuple[str, str, str, str], Probe] = {}
        self.waiting: dict[tuple[str, str, str, str], list[_Pending]] = {}
        self.references: dict[str, tuple[int, str]] = {}
        self.timegate = ""
        self.memento_wanted: dict[str, list[datetime]] = {}

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_contact_url(settings)
        middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
        middlewares["crawler.linkcheck.retry_after.RetryAfterMiddleware"] = 560
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions["crawler.extensions.progress.CrawlProgress"] = None
        extensions["crawler.linkcheck.progress.CheckProgress"] = 500
        settings.set("EXTENSIONS", extensions, priority="spider")
        # 429 is handled by Retry-After (a block, not a hiccup); other transient codes retry.
        codes = [c for c in settings.getlist("RETRY_HTTP_CODES") if int(c) != 429]
        settings.set("RETRY_HTTP_CODES", [int(c) for c in codes], priority="spider")

    # --- settings ---------------------------------------------------------------------------
    def _now(self) -> datetime:
        fixed = self.crawler.settings.get("REFTRAIL_CHECK_TIME") or ""
        return as_utc(datetime.fromisoformat(fixed)) if fixed else utcnow()

    def _policy(self) -> StatePolicy:
        settings = self.crawler.settings
        return StatePolicy(
            dead_after_checks=settings.getint("REFTRAIL_DEAD_AFTER_CHECKS", 3),
            dead_after_days=settings.getfloat("REFTRAIL_DEAD_AFTER_DAYS", 3.0),
            recheck_alive_days=settings.getfloat("REFTRAIL_RECHECK_ALIVE_DAYS", 30.0),
            recheck_failing_days=settings.getfloat("REFTRAIL_RECHECK_FAILING_DAYS", 1.0),
        )

    # --- starting ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.service = CaptureService.for_crawler(self.crawler)
        self.policy = self._policy()
        self.drift_threshold = self.crawler.settings.getfloat("REFTRAIL_DRIFT_THRESHOLD", 0.5)
        archive: Archive = self.service.archive
        urls = self.urls or stored_urls_to_check(archive, due_only=self.due_only, now=self._now())
        self.total = len(urls)
        if not urls:
            logger.info("no links to check")
            return
        run = self.service.begin(urls, kind=self.crawl_kind, options={}, fresh=True)
        self.crawl_id = run.id
        self.references = reference_texts(archive, urls, exclude_crawl_id=run.id)
        settings = self.crawler.settings
        if settings.getbool("REFTRAIL_MEMENTO_LOOKUP", True):
            self.timegate = settings.get("REFTRAIL_MEMENTO_TIMEGATE") or ""
        if self.timegate:
            self.memento_wanted = lookups_needed(
                archive,
                urls,
                timegate=self.timegate,
                now=self._now(),
                retry_days=settings.getfloat("REFTRAIL_MEMENTO_RETRY_DAYS", 7.0),
            )
        logger.info("checking %d links", len(urls))
        for url in urls:
            yield scrapy.Request(
                url,
                callback=self.checked,
                errback=self.failed,
                dont_filter=True,
                meta={"reftrail_url": url, CHECK: url},
            )

    # --- a check's answer -------------------------------------------------------------------
    def checked(self, response: Response) -> Iterator[scrapy.Request]:
        url = response.meta[CHECK]
        exchange = response.meta.get(EXCHANGE_META)
        facts = self._facts(response)
        reference = self.references.get(url)
        main_text = None
        if reference is not None and facts is not None and response.status == 200:
            main_text = self._main_text(response) or facts.text
        header = response.headers.get("Retry-After")
        obs = Observation(
            url=url,
            status=response.status,
            final_url=response.url,
            redirects=tuple(response.meta.get("redirect_urls", ())),
            retry_after=header.decode("latin-1") if header else None,
            page=facts,
            main_text=main_text,
            reference_text=reference[1] if reference else None,
            html=facts is not None,
        )
        first = judge(obs, drift_threshold=self.drift_threshold)
        if first.verdict not in PROBE_CAN_CHANGE or is_home(url) or facts is None:
            self._finish(obs, exchange, first)
            return
        target, key = probe_url(response.url)
        if key in self.probes:
            self._finish_with_probe(_Pending(obs, exchange), self.probes[key])
            return
        waiting = self.waiting.setdefault(key, [])
        waiting.append(_Pending(obs, exchange))
        if len(waiting) == 1:
            yield scrapy.Request(
                target,
                callback=self.probed,
                errback=self.probe_failed,
                dont_filter=True,
                meta={"reftrail_url": target, PROBE: key, "reftrail_via": url},
            )

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url = request.meta.get(CHECK, request.url)
        exception = failure.value
        if isinstance(exception, IgnoreRequest):
            text = str(exception)
            error = "robots" if "robots" in text.lower() else "redirect-loop"
            if "redirect" not in text.lower() and error != "robots":
                error = "ignored"
            detail = text
        else:
            error, detail = classify_failure(exception), failure_detail(exception)[:300]
        obs = Observation(url=url, error=error, detail=detail)
        self._finish(obs, None, judge(obs, drift_threshold=self.drift_threshold))

    # --- the probe --------------------------------------------------------------------------
    def probed(self, response: Response) -> None:
        key = response.meta[PROBE]
        url = response.meta.get("redirect_urls", [response.url])[0]
        probe = Probe(
            url=url, status=response.status, final_url=response.url, page=self._facts(response)
        )
        self._probe_done(key, probe)

    def probe_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        reason = "ignored" if isinstance(failure.value, IgnoreRequest) else None
        probe = Probe(url=request.url, error=reason or classify_failure(failure.value))
        self._probe_done(request.meta[PROBE], probe)

    def _probe_done(self, key: tuple[str, str, str, str], probe: Probe) -> None:
        self.probes[key] = probe
        for pending in self.waiting.pop(key, []):
            self._finish_with_probe(pending, probe)

    def _finish_with_probe(self, pending: _Pending, probe: Probe) -> None:
        obs = pending.obs
        with_probe = Observation(
            url=obs.url,
            status=obs.status,
            final_url=obs.final_url,
            redirects=obs.redirects,
            retry_after=obs.retry_after,
            page=obs.page,
            main_text=obs.main_text,
            reference_text=obs.reference_text,
            probe=probe,
            html=obs.html,
        )
        self._finish(
            with_probe, pending.exchange, judge(with_probe, drift_threshold=self.drift_threshold)
        )

    # --- recording --------------------------------------------------------------------------
    def _finish(self, obs: Observation, exchange: HttpExchange | None, verdict: Verdict) -> None:
        now = self._now()
        probe = obs.probe
        result = CheckResult(
            url=obs.url,
            verdict=verdict.verdict,
            reason=verdict.reason,
            checked_at=now,
            status=obs.status,
            error=obs.error,
            final_url=obs.final_url,
            similarity=verdict.similarity,
            probe_url=probe.url if probe else None,
            probe_result=probe.describe() if probe else None,
            crawl_id=getattr(self, "crawl_id", None),
        )
        policy = self.policy

        def write(archive: Archive) -> None:
            # In the writer thread, after the exchange: its capture id is known now.
            capture_id = exchange.capture_id if exchange is not None else None
            record_checks(archive, [_with_capture(result, capture_id)], policy=policy)

        self.service.call(write)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(CHECKED)
            self.crawler.stats.inc_value(f"reftrail/linkcheck/verdict/{verdict.verdict}")
        logger.info("checked %s: %s (%s)", obs.url, verdict.verdict, verdict.reason)
        if verdict.verdict in FAILING:
            self._ask_timegate(obs.url)

    # --- an external preserved copy (Memento) ------------------------------------------------
    def _ask_timegate(self, url: str) -> None:
        """Ask the TimeGate for the copy closest before each citing post's date."""
        for wanted in self.memento_wanted.pop(url, []):
            target = timegate_url(self.timegate, url)
            assert self.crawler.engine is not None
            self.crawler.engine.crawl(
                scrapy.Request(
                    target,
                    method="HEAD",
                    headers={"Accept-Datetime": http_datetime(wanted)},
                    callback=self.timegate_answered,
                    errback=self.memento_failed,
                    dont_filter=True,
                    meta={
                        "reftrail_url": target,
                        MEMENTO: (url, wanted),
                        "dont_redirect": True,
                        "handle_httpstatus_all": True,
                    },
                )
            )

    def timegate_answered(self, response: Response) -> None:
        url, wanted = response.meta[MEMENTO]
        status = response.status
        if status == 200 and response.headers.get("Memento-Datetime"):
            self.memento_answered(response)  # the TimeGate answered with the memento itself
            return
        location = response.headers.get("Location")
        if not (300 <= status < 400 and location):
            outcome = NONE if status in (404, 410) else ERROR
            self._memento_done(url, wanted, outcome, f"the TimeGate answered {status}")
            return
        links = parse_link_header(_header(response, "Link"))
        dated = [link for link in links if "memento" in link.rels and link.datetime]
        chosen = latest_before(links, wanted)
        if dated and chosen is None:
            first = min(link.datetime for link in dated if link.datetime)
            self._memento_done(url, wanted, NONE, f"the first copy is from {first.isoformat()}")
            return
        target = chosen.url if chosen else response.urljoin(location.decode("latin-1"))
        self.crawler.engine.crawl(  # type: ignore[union-attr]
            scrapy.Request(
                target,
                method="HEAD",
                callback=self.memento_answered,
                errback=self.memento_failed,
                dont_filter=True,
                meta={
                    "reftrail_url": target,
                    MEMENTO: (url, wanted),
                    "handle_httpstatus_list": NOT_REDIRECTS,
                },
            )
        )

    def memento_answered(self, response: Response) -> None:
        url, wanted = response.meta[MEMENTO]
        when = parse_http_datetime(_header(response, "Memento-Datetime"))
        if when is None:
            self._memento_done(url, wanted, ERROR, f"{response.url} is not a memento")
        elif response.status != 200:
            reason = f"the copy from {when.isoformat()} is an archived {response.status}"
            self._memento_done(url, wanted, NONE, reason)
        elif when > wanted:
            self._memento_done(url, wanted, NONE, f"the closest copy is from {when.isoformat()}")
        else:
            self._memento_done(url, wanted, FOUND, "", memento_url=response.url, captured_at=when)

    def memento_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url, wanted = request.meta[MEMENTO]
        if isinstance(failure.value, IgnoreRequest):
            detail = str(failure.value) or "request ignored"
        else:
            detail = f"{classify_failure(failure.value)}: {failure_detail(failure.value)}"
        self._memento_done(url, wanted, ERROR, f"{request.url}: {detail}"[:300])

    def _memento_done(
        self,
        url: str,
        wanted: datetime,
        outcome: str,
        reason: str,
        *,
        memento_url: str | None = None,
        captured_at: datetime | None = None,
    ) -> None:
        answer = LookupAnswer(
            url=url,
            wanted_before=wanted,
            timegate=self.timegate,
            asked_at=self._now(),
            outcome=outcome,
            memento_url=memento_url,
            captured_at=captured_at,
            reason=reason,
        )
        self.service.call(lambda archive: record_answer(archive, answer))
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"reftrail/linkcheck/external/{outcome}")
        logger.info("external copy of %s before %s: %s %s", url, wanted, outcome, reason)

    # --- reading pages ----------------------------------------------------------------------
    @staticmethod
    def _facts(response: Response) -> PageFacts | None:
        content_type = (response.headers.get("Content-Type") or b"").lower()
        if not isinstance(response, TextResponse) or not content_type.startswith(HTML_TYPES):
            return None
        return page_facts(response.text, response.url)

    @staticmethod
    def _main_text(response: Response) -> str | None:
        from storage.extract import extract_document

        fields = extract_document(
            response.body,
            url=response.url,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            content_encoding=None,  # Scrapy has decoded the body already
        )
        return (fields or {}).get("text") or None


def _header(response: Response, name: str) -> str:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""


def _with_capture(result: CheckResult, capture_id: int | None) -> CheckResult:
    from dataclasses import replace

    return replace(result, capture_id=capture_id)
