"""A process pool for trafilatura, so extraction never blocks the reactor thread.

trafilatura is pure-Python CPU work (~10 ms for a 45 KB news page on this kind of machine);
in worker processes it uses the cores Scrapy's single thread leaves idle. Workers start with
``forkserver`` because the crawler process has threads, which ``fork`` would copy in a broken
state, and run at lower priority so fetching always goes first.

At most ``limit`` pages, and ``max_bytes`` of their payloads, are in flight: payloads waiting
for a worker live in memory, so a crawl that outruns extraction skips pages (``try_submit``
returns False) instead of growing without bound, however large its pages; the crawl's
catch-up pass reads those back from the WARCs when it ends.
Other CPU-heavy work of the crawl (a cited article's text, ``crawler/citations``) runs in the
same workers through :meth:`ExtractionPool.try_run`.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from multiprocessing import forkserver
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.allocator import AUTO, choose_allocator, preloaded

if TYPE_CHECKING:
    from storage.documents import PendingExtraction

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 256
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# Archived pages a worker reads back and extracts per task (catch-up, reindex): fewer
# hand-offs through the process pool, each still small.
STORED_BATCH = 16
# What the workers' forkserver imports once, so every worker forks with it loaded.
WORKER_PRELOAD = ["storage.extract", "crawler.citations.articles"]
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_setup(crawl_pid: int) -> None:
    """Run in each worker: yield the CPU to the crawl, leave Ctrl-C to it, die with it.

    Workers are children of the forkserver, not of the crawl, so nothing else would stop them
    (or the pipes they inherited) when the crawl is killed.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    try:
        os.nice(10)
    except OSError:
        logger.debug("could not lower the extraction workers' priority")
    # The forkserver outlives a killed crawl by a moment; this catches the rest.
    threading.Thread(target=_exit_with, args=(crawl_pid,), daemon=True).start()


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when its parent (the forkserver) exits.

    The forkserver exits as soon as the crawl dies, so a SIGKILLed crawl takes its workers
    along at once, even when they are too starved of CPU to notice themselves.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        logger.debug("could not ask to die with the forkserver")


def _exit_with(pid: int) -> None:
    while True:
        time.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            continue


# The tasks workers run. They import storage.extract when called: in a worker it is already
# loaded (the forkserver preloads it), and the crawl process itself never needs trafilatura.
def _extract_page(body: bytes, **options: Any) -> dict | None:
    from storage.extract import extract_document

    return extract_document(body, **options)


def _extract_archived(warc_dir: Path, pages: list, **options: Any) -> list:
    from storage.extract import extract_stored

    return extract_stored(warc_dir, pages, **options)


def start_forkserver(allocator: str = AUTO) -> None:
    """Start the workers' forkserver (if it is not running yet), with the malloc library
    ``allocator`` picks (see :mod:`crawler.allocator`).

    Called early, it imports trafilatura on another core while the crawl process is still
    importing Scrapy (~0.4 s the first worker would otherwise wait).
    """
    library = choose_allocator(allocator)
    multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_PRELOAD)
    with preloaded(library):
        forkserver.ensure_running()
    logger.debug("extraction workers' allocator: %s", library or "the system's")


def default_workers() -> int:
    """One per core: niced, they take only what the crawl leaves, and all cores after it."""
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class ExtractionJob:
    """One stored payload to extract, and what to do with the result (None: no text)."""

    body: bytes
    url: str
    content_type: str | None
    content_encoding: str | None
    on_done: Callable[[dict | None], None]


class ExtractionPool:
    """Submit HTML payloads; results arrive through ``on_done`` on a pool thread."""

    def __init__(
        self,
        workers: int = 0,
        *,
        limit: int = DEFAULT_LIMIT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        mode: str = "precise",
        allocator: str = AUTO,
    ) -> None:
        from storage.documents import EXTRACT_MODES  # here: it loads the database layer

        if mode not in EXTRACT_MODES:
            raise ValueError(
                f"REFTRAIL_EXTRACT_MODE is {mode!r}; use one of {', '.join(EXTRACT_MODES)}"
            )
        self.workers = workers or default_workers()
        self.mode = mode
        self.allocator = allocator
        self.limit = limit
        self.max_bytes = max_bytes
        self._bytes = 0  # payload bytes held by pages in flight
        self._slots = threading.BoundedSemaphore(limit)
        self._executor: ProcessPoolExecutor | None = None
        self._in_flight = 0
        self._lock = threading.Condition()
        self._creating = threading.Lock()
        self._warming: threading.Thread | None = None

    def warm_up(self) -> None:
        """Start the forkserver and every worker now, in the background.

        Otherwise the first page submitted waits while the forkserver imports trafilatura
        (~0.4 s, in the writer thread), and the second core idles through the crawl's own
        start-up instead of doing that import.
        """
        if self._warming is None:
            self._warming = threading.Thread(
                target=self._spawn_workers, name="reftrail-extraction-warm-up", daemon=True
            )
            self._warming.start()

    def _spawn_workers(self) -> None:
        try:
            pool = self._pool()
            # The executor starts a worker for each task that finds none idle.
            for ready in [pool.submit(os.getpid) for _ in range(self.workers)]:
                ready.result()
        except Exception:  # e.g. shut down meanwhile: the first real task starts them
            logger.debug("extraction workers not started ahead", exc_info=True)

    def _pool(self) -> ProcessPoolExecutor:
        with self._creating:
            return self._executor or self._create_pool()

    def _create_pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # Workers fork from a server that has trafilatura imported already, instead of
            # each importing it again (and again for every replacement worker).
            start_forkserver(self.allocator)
            context = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_worker_setup,
                initargs=(os.getpid(),),
            )
        return self._executor

    def _replace_broken_pool(self) -> None:
        """A worker was killed (a signal to the process group): start afresh."""
        with self._creating:
            broken, self._executor = self._executor, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)

    def try_submit(self, job: ExtractionJob) -> bool:
        """Queue a page unless ``limit`` pages or ``max_bytes`` of payloads are already
        waiting (one page is always let in, however large); True if queued."""
        size = len(job.body)
        with self._lock:
            if self._bytes and self._bytes + size > self.max_bytes:
                return False
            if not self._slots.acquire(blocking=False):
                return False
            self._bytes += size
        self._start(self._task(job), job.url, job.on_done, None, size=size)
        return True

    def submit_stored(
        self,
        warc_dir: Path,
        pages: list[tuple[int, str, str, int, int]],
        on_done: Callable[[list | None], None],
    ) -> None:
        """Queue archived pages for a worker to read from the WARCs and extract (catch-up).

        Waits for a free slot, so call it off the reactor thread.

        One slot per batch: ``on_done`` gets ``storage.extract.extract_stored``'s answers,
        or None if the batch failed.
        """
        self._slots.acquire()
        task = partial(_extract_archived, warc_dir, pages, mode=self.mode)
        self._start(task, f"{len(pages)} archived pages", on_done, None)

    def submit_pending(
        self,
        warc_dir: Path,
        pending: Iterable[PendingExtraction],
        on_done: Callable[[list | None], None],
        *,
        batch_size: int = STORED_BATCH,
    ) -> int:
        """Hand out archived pages in batches (:meth:`submit_stored`); how many were handed out.

        Blocks while the backlog is full, so call it off the reactor thread.
        """
        count = 0
        batch: list[tuple[int, str, str, int, int]] = []
        for page in pending:
            batch.append((page.capture_id, page.url, page.warc_file, page.offset, page.length))
            count += 1
            if len(batch) == batch_size:
                self.submit_stored(warc_dir, batch, on_done)
                batch = []
            if count % 500 == 0:
                logger.info("text extraction: %d archived pages handed out so far", count)
        if batch:
            self.submit_stored(warc_dir, batch, on_done)
        return count

    def try_run(
        self,
        task: Callable[[], Any],
        *,
        label: str,
        on_done: Callable[[Any], None],
        on_lost: Callable[[], None],
    ) -> bool:
        """Run ``task`` (picklable: a module-level function and its arguments) in a worker.

        Shares the backlog limit with pages: False when it is full, and the caller does the
        work itself. ``on_done`` gets the result (None if the task raised); ``on_lost`` is
        called instead when a killed worker took the task along. Both run on a pool thread.
        """
        if not self._slots.acquire(blocking=False):
            return False
        self._start(task, label, on_done, on_lost)
        return True

    def _task(self, job: ExtractionJob) -> Callable[[], dict | None]:
        return partial(
            _extract_page,
            job.body,
            url=job.url,
            content_type=job.content_type,
            content_encoding=job.content_encoding,
            mode=self.mode,
        )

    def _start(
        self,
        task: Callable[[], Any],
        label: str,
        on_done: Callable[[Any], None],
        on_lost: Callable[[], None] | None,
        *,
        size: int = 0,
    ) -> None:
        with self._lock:
            self._in_flight += 1
        try:
            future = self._submit(task)
        except BaseException:
            self._finish(size)
            raise

        def finished(done: Future) -> None:
            lost = False
            try:
                result = done.result()
            except BrokenProcessPool:
                # Not the task's fault: a page is left without a document for the catch-up
                # pass, other work goes back to its owner (on_lost).
                logger.warning("extraction worker stopped while working on %s", label)
                lost, result = True, None
            except BaseException:  # KeyboardInterrupt from a worker must not kill this thread
                logger.exception("text extraction failed for %s", label)
                result = None
            finally:
                self._finish(size)
            if not lost:
                on_done(result)
            elif on_lost is not None:
                on_lost()

        future.add_done_callback(finished)

    def _submit(self, task: Callable[[], Any]) -> Future:
        try:
            return self._pool().submit(task)
        except BrokenProcessPool:
            self._replace_broken_pool()
            return self._pool().submit(task)

    def _finish(self, size: int = 0) -> None:
        with self._lock:
            self._in_flight -= 1
            self._bytes -= size
            self._lock.notify_all()
        self._slots.release()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every submitted page has finished (its callback has run)."""
        with self._lock:
            return self._lock.wait_for(lambda: self._in_flight == 0, timeout)

    @property
    def backlog(self) -> int:
        return self._in_flight

    def close(self) -> None:
        """Wait for every submitted page, then stop the workers."""
        if self._warming is not None:
            self._warming.join()  # else it could start a pool after this one is gone
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
