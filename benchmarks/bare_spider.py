"""The baseline: the fastest plain Scrapy crawl of one site we know how to write.

No pipelines, no items (so one output task per response), no robots.txt, no AutoThrottle, no
telnet or remote control; links already seen or off-site are dropped in a Python set before any
Request is built (building Requests for them costs more than the whole crawl on link-heavy
pages). Writes Scrapy's stats as JSON.

    python benchmarks/bare_spider.py URL --stats-out STATS.json [--concurrency 32]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = url
        self.prefix = urljoin(url, "/")
        self.seen: set[str] = {url}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.seed, callback=self.parse, dont_filter=True)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        base, seen, prefix = response.url, self.seen, self.prefix
        for href in response.xpath("//a/@href").getall():
            url = urljoin(base, href).partition("#")[0]
            if url in seen or not url.startswith(prefix):
                continue
            seen.add(url)
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--stats-out", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args()
    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS": args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
            "AUTOTHROTTLE_ENABLED": False,
            "ROBOTSTXT_OBEY": False,
            "COOKIES_ENABLED": False,
            # It yields no items: one output task per response instead of Scrapy's 100
            # (worth ~25% of the CPU on this site; reftrail sets the same).
            "CONCURRENT_ITEMS": 1,
            "TELNETCONSOLE_ENABLED": False,
            "REMOTE_CONTROL_ENABLED": False,
            "LOG_LEVEL": args.log_level,
            "USER_AGENT": "bare-scrapy-benchmark",
        }
    )
    crawler = process.create_crawler(BareSpider)

    def write_stats(spider: scrapy.Spider) -> None:
        stats = {
            k: v if isinstance(v, int | float) else str(v)
            for k, v in crawler.stats.get_stats().items()
        }
        args.stats_out.write_text(json.dumps(stats, indent=1, sort_keys=True))

    crawler.signals.connect(write_stats, signal=signals.spider_closed)
    process.crawl(crawler, url=args.url)
    process.start()


if __name__ == "__main__":
    main()
