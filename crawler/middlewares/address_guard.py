"""Refuse URLs whose host is a literal private address (names are checked by the resolver).

Twisted never asks the resolver about IP literals, so ``http://169.254.169.254/`` must be
stopped here. Requests sent through a proxy are the user's choice and pass.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.exceptions import BlockedAddressError
from crawler.resolver import is_private_address


class AddressGuardMiddleware:
    """Downloader middleware placed after HttpProxyMiddleware, which sets ``meta['proxy']``."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        if crawler.settings.getbool("REFTRAIL_ALLOW_PRIVATE_ADDRESSES"):
            raise NotConfigured
        return cls()

    def process_request(self, request: Request) -> Any:
        if request.meta.get("proxy"):
            return None
        host = urlsplit(request.url).hostname or ""
        if host == "localhost" or is_private_address(host):
            raise BlockedAddressError(
                f"{request.url} points at the private address {host}; set "
                "REFTRAIL_ALLOW_PRIVATE_ADDRESSES=true to crawl it"
            )
        return None
