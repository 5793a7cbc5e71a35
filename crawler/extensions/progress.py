"""Show a crawl's progress: a live Rich panel on a terminal, plain log lines elsewhere.

Reads Scrapy's stats (pages, bytes, failures by reason) twice a second; never touches the
archive, so it costs the crawl nothing measurable.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)


def human_bytes(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"


def summary(stats: dict[str, Any]) -> dict[str, Any]:
    """Counts a user wants at the end of a crawl."""
    failures = {
        key.removeprefix("reftrail/failed/"): value
        for key, value in stats.items()
        if key.startswith("reftrail/failed/")
    }
    return {
        "fetched": stats.get("reftrail/captures", 0),
        "failed": stats.get("reftrail/failed", 0),
        "failed_by_reason": failures,
        "bytes": stats.get("reftrail/bytes", 0),
        "http_errors": sum(
            v for k, v in stats.items() if k.startswith("reftrail/status/") and k[-3] in "45"
        ),
    }


def display_mode(crawler: Crawler) -> str:
    """``REFTRAIL_PROGRESS`` resolved: rich (a terminal) or log; NotConfigured when off."""
    mode = str(crawler.settings.get("REFTRAIL_PROGRESS", "auto")).lower()
    if mode == "off":
        raise NotConfigured
    if mode == "auto":
        mode = "rich" if sys.stderr.isatty() else "log"
    return mode


class CrawlProgress:
    """Scrapy extension; ``REFTRAIL_PROGRESS`` = auto (Rich on a terminal), rich, log or off."""

    def __init__(self, crawler: Crawler, mode: str, interval: float) -> None:
        self.crawler = crawler
        self.mode = mode
        self.interval = interval
        self.started = time.monotonic()
        self.live: Live | None = None
        self.loop: task.LoopingCall | None = None
        self.last_log = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        mode = display_mode(crawler)
        extension = cls(crawler, mode, crawler.settings.getfloat("REFTRAIL_PROGRESS_INTERVAL", 10))
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def _stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()

    def _table(self) -> Table:
        counts = summary(self._stats())
        elapsed = max(time.monotonic() - self.started, 1e-6)
        table = Table.grid(padding=(0, 2))
        table.add_row(
            f"[bold]pages[/] {counts['fetched']}",
            f"[bold]bytes[/] {human_bytes(counts['bytes'])}",
            f"[bold]errors[/] {counts['failed']} failed, {counts['http_errors']} HTTP 4xx/5xx",
            f"[bold]rate[/] {counts['fetched'] / elapsed:.1f}/s",
        )
        return table

    def opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        if self.mode == "rich":
            self.live = Live(self._table(), console=Console(stderr=True), refresh_per_second=4)
            self.live.start()
            self.loop = task.LoopingCall(self._refresh)
            self.loop.start(0.5, now=False)
        else:
            self.loop = task.LoopingCall(self._log)
            self.loop.start(self.interval, now=False)

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.update(self._table())

    def _log(self) -> None:
        counts = summary(self._stats())
        elapsed = max(time.monotonic() - self.started, 1e-6)
        logger.info(
            "progress: %d fetched, %s, %d failed, %d HTTP errors, %.1f pages/s",
            counts["fetched"],
            human_bytes(counts["bytes"]),
            counts["failed"],
            counts["http_errors"],
            counts["fetched"] / elapsed,
        )

    def closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self._refresh()
            self.live.stop()
            self.live = None
