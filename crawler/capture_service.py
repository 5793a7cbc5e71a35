"""The archive side of one crawl process: a writer thread, WARC files, the frontier.

Scrapy's reactor thread only queues work here. One writer thread does, in order, everything
that touches disk or database: WARC records (gzip releases the GIL), capture rows in batches,
frontier updates, and extracted documents coming back from the extraction pool. Keeping one
ordered queue is what makes a crash safe: a page is marked done only after its record is
flushed, its row committed and its links recorded.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import threads

from crawler.extraction import ExtractionJob, ExtractionPool
from storage import crawls
from storage.archive import Archive
from storage.captures import CaptureRecorder
from storage.documents import HTML_TYPES, captures_without_documents, save_documents
from storage.exceptions import StorageError
from storage.exchange import FailedFetch, HttpExchange
from storage.html import undeclared_html
from storage.warc.writer import WarcFileWriter

logger = logging.getLogger(__name__)

BATCH_SIZE = 200

SERVICE_ATTR = "_reftrail_capture_service"


@dataclass(slots=True)
class _Exchange:
    exchange: HttpExchange
    extract: bool


@dataclass(slots=True)
class _Call:
    """Work a spider queues behind the exchanges before it (e.g. rows that point at them)."""

    fn: Callable[[Archive], None]


@dataclass(slots=True)
class _Document:
    capture_id: int
    url: str
    fields: dict


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def software_name() -> str:
    """Software named in every warcinfo record: reftrail and the libraries that shape bytes."""
    return (
        f"reftrail/{_version('reftrail')} (Scrapy/{_version('scrapy')}; "
        f"warcio/{_version('warcio')}; Twisted/{_version('twisted')})"
    )


def _is_html(exchange: HttpExchange) -> bool:
    """Declared HTML, or HTML sent without a Content-Type (sniffed, as browsers do)."""
    mime = exchange.mime
    if mime is not None:
        return mime in HTML_TYPES
    return undeclared_html(exchange.body, exchange.header("Content-Encoding"))


class CaptureService:
    """Owns the archive for one crawl: created once per crawler, shared by its components."""

    def __init__(self, crawler: Crawler, archive: Archive) -> None:
        self.crawler = crawler
        self.archive = archive
        self.settings = crawler.settings
        self.run: crawls.CrawlRun | None = None
        self.recorder: CaptureRecorder | None = None
        self.fatal: BaseException | None = None
        self.extract_text = self.settings.getbool("REFTRAIL_EXTRACT_TEXT")
        self.pool = ExtractionPool(
            self.settings.getint("REFTRAIL_EXTRACT_WORKERS"),
            limit=self.settings.getint("REFTRAIL_EXTRACT_BACKLOG"),
            max_bytes=self.settings.getint("REFTRAIL_EXTRACT_BACKLOG_MB") * 1024 * 1024,
            mode=self.settings.get("REFTRAIL_EXTRACT_MODE"),
            allocator=self.settings.get("REFTRAIL_EXTRACT_ALLOCATOR"),
        )
        self.deferred_extractions = 0
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._closed = False
        # Exchanges and failures seen before begin(), held for the crawl about to start
        # (a spider that must look at a page before it knows which crawl it runs).
        self._early: list[Any] | None = None

    @property
    def recording(self) -> bool:
        """Whether exchanges are archived: a crawl has begun, or one is about to."""
        return self.run is not None or self._early is not None

    def hold_until_begin(self) -> None:
        """Keep exchanges and failures seen before :meth:`begin`; begin() archives them."""
        if self.run is None and self._early is None:
            self._early = []
        if self.extract_text:
            self.pool.warm_up()

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> CaptureService:
        service = getattr(crawler, SERVICE_ATTR, None)
        if service is None:
            archive = Archive.open(
                crawler.settings.get("REFTRAIL_ARCHIVE"),
                database_url=crawler.settings.get("REFTRAIL_DATABASE_URL") or None,
            )
            service = cls(crawler, archive)
            setattr(crawler, SERVICE_ATTR, service)
            crawler.signals.connect(service.spider_closed, signal=scrapy.signals.spider_closed)
        return service

    # --- starting -------------------------------------------------------------------------
    def begin(self, seeds: list[str], *, kind: str, options: dict, fresh: bool) -> crawls.CrawlRun:
        """Start or resume the crawl row, open the WARC writer, start the writer thread."""
        if self.extract_text:
            self.pool.warm_up()
        self.run = crawls.begin_crawl(self.archive, seeds, kind=kind, options=options, fresh=fresh)
        writer = WarcFileWriter(
            self.archive.warc_dir,
            prefix=self.settings.get("REFTRAIL_WARC_PREFIX"),
            max_size=self.settings.getint("REFTRAIL_WARC_MAX_SIZE"),
            gzip_level=self.settings.getint("REFTRAIL_WARC_GZIP_LEVEL"),
            info_fields=self._warcinfo_fields(),
        )
        self.recorder = CaptureRecorder(
            self.archive,
            writer,
            crawl_id=self.run.id,
            crawl_uuid=self.run.uuid,
            log_path=self.archive.log_dir / f"{self.run.uuid}.crawl.log",
        )
        self._thread = threading.Thread(target=self._work, name="reftrail-writer", daemon=True)
        self._thread.start()
        # What was fetched before the crawl began, unless a resumed crawl already has it.
        done = self.run.seen - {p.url for p in self.run.pending} if self.run.resumed else set()
        for item in self._early or []:
            url = item.exchange.url if isinstance(item, _Exchange) else item.url
            if url not in done:
                self._queue.put(item)
        self._early = None
        return self.run

    def _warcinfo_fields(self) -> list[tuple[str, str]]:
        settings = self.settings
        assert self.run is not None
        return [
            ("software", software_name()),
            ("operator", settings.get("REFTRAIL_OPERATOR") or ""),
            ("robots", "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"),
            ("http-header-user-agent", settings.get("USER_AGENT")),
            ("isPartOf", f"reftrail-crawl-{self.run.uuid}"),
            ("description", "reftrail archival crawl; see https://github.com/reftrail/reftrail"),
        ]

    # --- called from the reactor thread ---------------------------------------------------
    def add_exchange(self, exchange: HttpExchange) -> None:
        # Error pages too (404, 500): what the server said is part of the record.
        extract = self.extract_text and not 300 <= exchange.status < 400 and _is_html(exchange)
        self._put(_Exchange(exchange, extract))

    def add_failure(self, failure: FailedFetch) -> None:
        self._put(failure)

    def call(self, fn: Callable[[Archive], None]) -> None:
        """Run ``fn(archive)`` in the writer thread after everything queued before it."""
        self._queue.put(_Call(fn))

    def _put(self, item: Any) -> None:
        if self.run is None and self._early is not None:
            self._early.append(item)
        else:
            self._queue.put(item)

    def add_frontier(self, entries: list[crawls.PendingURL]) -> None:
        if entries:
            self._queue.put(list(entries))

    def mark_done(self, url: str) -> None:
        self._queue.put(url)

    @property
    def backlog(self) -> int:
        return self._queue.qsize() + self.pool.backlog

    # --- the writer thread ----------------------------------------------------------------
    def _work(self) -> None:
        while True:
            items = [self._queue.get()]
            while len(items) < BATCH_SIZE:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is None for item in items)
            barriers = [item for item in items if isinstance(item, threading.Event)]
            work = [item for item in items if item is not None and item not in barriers]
            if self.fatal is None:
                try:
                    self._process(work)
                except (StorageError, OSError) as exc:
                    self._fail(exc)
                except Exception as exc:  # the crawl must stop, not hang, on a bug here
                    logger.exception("archive writer failed")
                    self._fail(exc)
            for barrier in barriers:
                barrier.set()
            if stop:
                return

    def _process(self, items: list[Any]) -> None:
        """Handle a batch: captures, failures and documents, then new URLs, then done marks.

        The spider queues a page's links before marking it done, and a page's exchange comes
        before both, so this order commits each page's record and links before its done mark.
        """
        assert self.recorder is not None and self.run is not None
        exchanges = [item for item in items if isinstance(item, _Exchange)]
        failures = [item for item in items if isinstance(item, FailedFetch)]
        documents = [item for item in items if isinstance(item, _Document)]
        new_urls = [entry for item in items if isinstance(item, list) for entry in item]
        done = [item for item in items if isinstance(item, str)]
        calls = [item for item in items if isinstance(item, _Call)]
        # Two commits per batch: capture rows before the calls (which look them up, in
        # sessions of their own), then documents, new URLs and done marks together.
        with self.archive.batch():
            if exchanges:
                self.recorder.record_exchanges([e.exchange for e in exchanges])
            self.recorder.record_failures(failures)
        for item in exchanges:
            # A revisit's payload is one already archived, and already extracted.
            if item.extract and item.exchange.record_type == "response":
                self._extract(item.exchange)
        for call in calls:
            call.fn(self.archive)
        with self.archive.batch():
            save_documents(self.archive, [(d.capture_id, d.url, d.fields) for d in documents])
            crawls.add_frontier(self.archive, self.run.id, new_urls)
            crawls.mark_done(self.archive, self.run.id, done)

    def _extract(self, exchange: HttpExchange) -> None:
        capture_id = exchange.capture_id
        assert capture_id is not None
        queued = self.pool.try_submit(
            ExtractionJob(
                exchange.body,
                url=exchange.url,
                content_type=exchange.header("Content-Type"),
                content_encoding=exchange.header("Content-Encoding"),
                on_done=self._document_callback(capture_id, exchange.url),
            )
        )
        if not queued:  # extraction is behind: the catch-up pass reads it from the WARC
            self.deferred_extractions += 1

    def _document_callback(self, capture_id: int, url: str) -> Callable[[dict | None], None]:
        def done(fields: dict | None) -> None:
            # A page with no extractable text still gets a (blank) row: it was looked at,
            # and the catch-up pass must not try it again.
            self._queue.put(_Document(capture_id, url, fields or {}))

        return done

    def _catch_up_extraction(self) -> int:
        """Extract every HTML capture of this crawl still lacking text, from the WARCs.

        Covers pages skipped while extraction was behind and pages a killed run archived.
        Workers read the records themselves, in batches, so this thread only hands out
        locations and stores results.
        """
        assert self.run is not None
        pending = captures_without_documents(self.archive, crawl_id=self.run.id)
        return self.pool.submit_pending(self.archive.warc_dir, pending, self._stored_documents)

    def _stored_documents(self, answers: list | None) -> None:
        for capture_id, url, fields, error in answers or ():
            if error is not None:
                logger.warning("cannot read %s for extraction: %s", url, error)
                continue
            self._queue.put(_Document(capture_id, url, fields or {}))

    def _fail(self, exc: BaseException) -> None:
        self.fatal = exc
        logger.error("archive error, stopping the crawl: %s", exc)
        from twisted.internet import reactor  # imported late: Scrapy picks the reactor

        engine = self.crawler.engine
        if engine is not None:
            reactor.callFromThread(  # type: ignore[attr-defined]
                lambda: deferred_from_coro(engine.close_spider_async(reason="archive_error"))
            )

    # --- closing --------------------------------------------------------------------------
    def _drain(self) -> None:
        """Wait until the writer thread has handled everything queued before this call."""
        assert self._thread is not None
        drained = threading.Event()
        self._queue.put(drained)
        while not drained.wait(1.0):
            if not self._thread.is_alive():
                return

    async def spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        # Draining the writer can take a moment: do it off the reactor thread.
        await maybe_deferred_to_future(threads.deferToThread(self.close, reason))

    def close(self, reason: str = "finished") -> None:
        """Drain the queue, wait for extraction, store the crawl log, close the WARC."""
        if self._closed or self.run is None or self.recorder is None or self._thread is None:
            return
        self._closed = True
        self._drain()  # every exchange queued so far is written and submitted
        if self.extract_text and self.fatal is None:
            waiting = self.pool.backlog + self.deferred_extractions
            if waiting:
                logger.info("finishing text extraction of about %d pages", waiting)
            while not self.pool.wait_idle(timeout=10):
                logger.info("text extraction: %d pages in progress", self.pool.backlog)
            self._drain()  # documents of pages extracted during the crawl are saved
            self._catch_up_extraction()
        self.pool.close()  # waits for extraction; callbacks queue their documents
        self._queue.put(None)
        self._thread.join()
        state = "done" if reason == "finished" and self.fatal is None else "interrupted"
        if self.fatal is not None:
            state = "failed"
        try:
            if self.fatal is None:
                self.recorder.write_crawl_log()
        except StorageError as exc:
            self.fatal = exc
            state = "failed"
        finally:
            self.recorder.close()
        stats = {
            k: v
            for k, v in self.crawler.stats.get_stats().items()
            if isinstance(v, int | float | str)
        }
        crawls.finish_crawl(
            self.archive,
            self.run.id,
            state=state,
            stats=stats,
            log_tail=str(self.fatal) if self.fatal else None,
        )
        self.archive.close()
        logger.info("crawl %s %s (%s)", self.run.uuid, state, reason)
