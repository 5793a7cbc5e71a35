"""Run one crawl in this process with Scrapy's CrawlerProcess and report how it ended.

Scrapy's reactor cannot be restarted, so a process runs one crawl; the CLI and the scheduler
call this once per process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.capture_service import SERVICE_ATTR
from crawler.extensions.progress import summary
from crawler.spiders.site import SiteSpider

logger = logging.getLogger(__name__)


@dataclass
class CrawlOutcome:
    """What the CLI reports: finish reason, counts, and the error that stopped it, if any."""

    finish_reason: str
    summary: dict[str, Any]
    crawl_uuid: str | None
    error: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and self.finish_reason == "finished"


# Scrapy's start-up inventory (settings, middlewares, stats dump) drowns the progress display;
# it stays one -s LOG_LEVEL=DEBUG away.
CHATTY_LOGGERS = (
    "scrapy.middleware",
    "scrapy.utils.log",
    "scrapy.crawler",
    "scrapy.addons",
    "scrapy.statscollectors",
    "scrapy.extensions.logstats",
    "scrapy.core.engine",
    "scrapy.extensions.telnet",
)


def quiet_scrapy_inventory(settings: Settings) -> None:
    if settings.get("LOG_LEVEL") == "INFO":
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    # A robots.txt that cannot be fetched is an outcome (in the crawl log with its reason),
    # not an error worth a traceback.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)


def run_crawl(
    settings: Settings,
    seeds: list[str],
    *,
    fresh: bool = False,
    spider: type = SiteSpider,
    spider_args: dict[str, Any] | None = None,
) -> CrawlOutcome:
    process = CrawlerProcess(settings, install_root_handler=True)
    quiet_scrapy_inventory(settings)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, urls=seeds, fresh=fresh, **(spider_args or {}))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    service = getattr(crawler, SERVICE_ATTR, None)
    error = None
    if service is not None and service.fatal is not None:
        # One line: a database error carries its SQL and a link on the lines after.
        error = (str(service.fatal).splitlines() or [type(service.fatal).__name__])[0]
    elif stats.get("log_count/CRITICAL"):
        error = "the crawl hit a critical error (see the log above)"
    run = service.run if service is not None else None
    return CrawlOutcome(
        finish_reason=str(stats.get("finish_reason", "unknown")),
        summary=summary(stats),
        crawl_uuid=run.uuid if run else None,
        error=error,
        stats=stats,
    )
