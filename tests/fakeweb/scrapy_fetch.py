"""Fetch URLs with a real Scrapy crawl; the proxy comes from the environment (http_proxy...).

Run as a subprocess by tests/test_fakeweb.py: ``python scrapy_fetch.py URL...``. Prints one
line per URL: ``STATUS <code> <url> <proxy>`` or ``ERROR <exception> <url>``. Uses its own
minimal settings, not crawler.settings, so it tests the fake web and Scrapy alone; a JSON
object in ``FETCH_EXTRA_SETTINGS`` adds settings (e.g. the crawler's resolver and host map).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from twisted.python.failure import Failure


class FetchSpider(Spider):
    name = "fetch"

    def __init__(self, urls: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self) -> AsyncIterator[Request]:
        for url in self.urls:
            yield Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: Response) -> None:
        proxy = response.meta.get("proxy")
        print(f"STATUS {response.status} {response.url} {proxy}", flush=True)

    def failed(self, failure: Failure) -> None:
        print(f"ERROR {failure.type.__name__} {failure.request.url}", flush=True)  # type: ignore[attr-defined]


def main(urls: list[str]) -> None:
    process = CrawlerProcess(
        settings={
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
            "REMOTE_CONTROL_ENABLED": False,
            "HTTPERROR_ALLOW_ALL": True,
            "REDIRECT_ENABLED": False,
            "RETRY_ENABLED": False,
            "DOWNLOAD_TIMEOUT": 10,
            "LOG_LEVEL": "WARNING",
            **json.loads(os.environ.get("FETCH_EXTRA_SETTINGS", "{}")),
        }
    )
    process.crawl(FetchSpider, urls=urls)
    process.start()


if __name__ == "__main__":
    main(sys.argv[1:])
