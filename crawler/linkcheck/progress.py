"""A progress bar for ``reftrail check``: Rich on a terminal, log lines elsewhere."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.extensions.progress import display_mode

logger = logging.getLogger(__name__)

CHECKED = "reftrail/linkcheck/checked"


class CheckProgress:
    """Scrapy extension reading the spider's count of finished checks."""

    def __init__(self, crawler: Crawler, mode: str, interval: float) -> None:
        self.crawler = crawler
        self.mode = mode
        self.interval = interval
        self.bar: Progress | None = None
        self.task_id: object = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CheckProgress:
        mode = display_mode(crawler)
        extension = cls(crawler, mode, crawler.settings.getfloat("REFTRAIL_PROGRESS_INTERVAL", 10))
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def _done(self) -> tuple[int, int]:
        stats = self.crawler.stats
        done = int(stats.get_value(CHECKED, 0)) if stats is not None else 0
        total = getattr(self.crawler.spider, "total", 0) or 0
        return done, total

    def opened(self, spider: Spider) -> None:
        if self.mode == "rich":
            self.bar = Progress(
                "checking links",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task_id = self.bar.add_task("check", total=None)
            self.loop = task.LoopingCall(self._refresh)
            self.loop.start(0.25, now=False)
        else:
            self.loop = task.LoopingCall(self._log)
            self.loop.start(self.interval, now=False)

    def _refresh(self) -> None:
        if self.bar is not None:
            done, total = self._done()
            self.bar.update(self.task_id, completed=done, total=total or None)  # type: ignore[arg-type]

    def _log(self) -> None:
        done, total = self._done()
        logger.info("progress: %d of %d links checked", done, total)

    def closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.bar is not None:
            self._refresh()
            self.bar.stop()
            self.bar = None
