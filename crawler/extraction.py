"""A process pool for trafilatura, so extraction never blocks the reactor thread.

trafilatura is pure-Python CPU work (~10 ms for a 45 KB news page on this kind of machine);
in worker processes it uses the cores Scrapy's single thread leaves idle. Workers start with
``forkserver`` because the crawler process has threads, which ``fork`` would copy in a broken
state, and run at lower priority so fetching always goes first.

At most ``limit`` pages are in flight: payloads waiting for a worker live in memory, so a
crawl that outruns extraction skips pages (``try_submit`` returns False) instead of growing
without bound; the crawl's catch-up pass reads those back from the WARCs when it ends.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from storage.documents import EXTRACT_MODES
from storage.extract import extract_document

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 256


def _lower_priority() -> None:
    """Workers yield the CPU to the crawl: a backlog of text may wait, fetching not."""
    try:
        os.nice(10)
    except OSError:
        logger.debug("could not lower the extraction workers' priority")


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
        self, workers: int = 0, *, limit: int = DEFAULT_LIMIT, mode: str = "precise"
    ) -> None:
        if mode not in EXTRACT_MODES:
            raise ValueError(
                f"REFTRAIL_EXTRACT_MODE is {mode!r}; use one of {', '.join(EXTRACT_MODES)}"
            )
        self.workers = workers or default_workers()
        self.mode = mode
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._executor: ProcessPoolExecutor | None = None
        self._in_flight = 0
        self._lock = threading.Condition()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_lower_priority
            )
        return self._executor

    def try_submit(self, job: ExtractionJob) -> bool:
        """Queue a page unless ``limit`` pages are already waiting; True if queued."""
        if not self._slots.acquire(blocking=False):
            return False
        self._start(job)
        return True

    def submit(self, job: ExtractionJob) -> None:
        """Queue a page, waiting for a free slot (for the catch-up pass, off the reactor)."""
        self._slots.acquire()
        self._start(job)

    def _start(self, job: ExtractionJob) -> None:
        with self._lock:
            self._in_flight += 1
        try:
            future = self._pool().submit(
                extract_document,
                job.body,
                url=job.url,
                content_type=job.content_type,
                content_encoding=job.content_encoding,
                mode=self.mode,
            )
        except Exception:
            self._finish()
            raise

        def finished(done: Future) -> None:
            try:
                result = done.result()
            except Exception:
                logger.exception("text extraction failed for %s", job.url)
                result = None
            finally:
                self._finish()
            job.on_done(result)

        future.add_done_callback(finished)

    def _finish(self) -> None:
        with self._lock:
            self._in_flight -= 1
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
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
