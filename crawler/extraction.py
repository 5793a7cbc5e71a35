"""A process pool for trafilatura, so extraction never blocks the reactor thread.

trafilatura is pure-Python CPU work (~3 ms a page); in worker processes it uses the cores
Scrapy's single thread leaves idle. Workers start with ``forkserver`` because the crawler
process has threads, which ``fork`` would copy in a broken state.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from storage.extract import extract_document

logger = logging.getLogger(__name__)


def _lower_priority() -> None:
    """Workers yield the CPU to the crawl: a backlog of text to extract may wait, fetching not."""
    try:
        os.nice(10)
    except OSError:
        logger.debug("could not lower the extraction workers' priority")


def default_workers() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


class ExtractionPool:
    """Submit HTML payloads; results arrive through a callback on a pool thread."""

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers or default_workers()
        self._executor: ProcessPoolExecutor | None = None
        self._pending: set[Future] = set()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_lower_priority
            )
        return self._executor

    def submit(
        self,
        body: bytes,
        *,
        url: str,
        content_type: str | None,
        content_encoding: str | None,
        on_done: Callable[[dict | None], None],
    ) -> None:
        future = self._pool().submit(
            extract_document,
            body,
            url=url,
            content_type=content_type,
            content_encoding=content_encoding,
        )
        self._pending.add(future)

        def finished(done: Future) -> None:
            self._pending.discard(done)
            try:
                result = done.result()
            except Exception:
                logger.exception("text extraction failed for %s", url)
                result = None
            on_done(result)

        future.add_done_callback(finished)

    @property
    def backlog(self) -> int:
        return len(self._pending)

    def close(self) -> None:
        """Wait for every submitted page, then stop the workers."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
