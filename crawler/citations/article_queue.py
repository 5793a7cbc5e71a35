"""Cited articles' text extracted in the crawl's extraction pool, their rows saved in order.

trafilatura takes ~5-10 ms of pure-Python CPU a news page; run in the crawl's writer thread it
held the GIL that long per article, stalling WARC writing and the reactor. Here the writer
thread only hands the body to the extraction pool (``crawler/extraction.py``) and saves the
result when it comes back. It still saves every Article row after its capture row (the job
is submitted by the writer thread once the capture is stored), and the work that needs every
article of the crawl (linking, quote checks, title matches) waits for the last one.

Everything here runs in the writer thread except the pool's callbacks, which only queue a
call back to it: the counter and the waiting work need no lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from crawler.citations.articles import ArticleText, extract_article, kind_of
from crawler.extraction import ExtractionPool
from storage import citations as store
from storage.archive import Archive

logger = logging.getLogger(__name__)

Queue = Callable[[Callable[[Archive], None]], None]  # CaptureService.call


class ArticleQueue:
    """Article rows of one crawl: extracted by the pool, saved by the writer thread."""

    def __init__(self, pool: ExtractionPool, call: Queue) -> None:
        self.pool = pool
        self.call = call
        self.outstanding = 0  # submitted, not saved yet
        self._then: Callable[[Archive], None] | None = None

    def extract(
        self, archive: Archive, row: dict[str, Any], body: bytes, content_type: str | None
    ) -> None:
        """Extract ``body`` (fetched from ``row["final_url"]``) and save ``row`` with its text.

        Called in the writer thread after the capture row that ``row["capture_id"]`` names.
        """
        url = row["final_url"]
        self.outstanding += 1

        def done(text: ArticleText | None) -> None:
            # None: the worker raised (extract_article catches a broken page's errors itself).
            found = text if text is not None else ArticleText(kind_of(content_type, body))
            self.call(lambda archive: self._save(archive, row, found))

        def lost() -> None:  # a killed worker took the job along: do it in the writer thread
            self.call(lambda archive: self._extract_here(archive, row, body, content_type))

        task = partial(extract_article, body, url=url, content_type=content_type)
        if not self.pool.try_run(task, label=url, on_done=done, on_lost=lost):
            # The pool's backlog is full of pages: extract here rather than hold more bodies.
            self._extract_here(archive, row, body, content_type)

    def _extract_here(
        self, archive: Archive, row: dict[str, Any], body: bytes, content_type: str | None
    ) -> None:
        text = extract_article(body, url=row["final_url"], content_type=content_type)
        self._save(archive, row, text)

    def _save(self, archive: Archive, row: dict[str, Any], text: ArticleText) -> None:
        try:
            store.save_article(
                archive,
                {
                    **row,
                    "kind": text.kind,
                    "title": text.title,
                    "authors": text.authors,
                    "published": text.published,
                    "site_name": text.site_name,
                    "language": text.language,
                    "text": text.text,
                },
            )
        finally:
            self.outstanding -= 1
            if not self.outstanding and self._then is not None:
                then, self._then = self._then, None
                then(archive)

    def then(self, archive: Archive, fn: Callable[[Archive], None]) -> None:
        """Run ``fn(archive)`` once every article submitted so far is saved (now if it is)."""
        if self.outstanding:
            self._then = fn
        else:
            fn(archive)
