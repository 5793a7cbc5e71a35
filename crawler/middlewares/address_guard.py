"""Refuse requests whose host is, or resolves to, a private address, before any connection.

Twisted never asks the resolver about IP literals, so ``http://169.254.169.254/`` is stopped
here. For a name, this middleware asks the crawler's resolver (which caches the answer for the
connection that follows): a private answer is refused here as ``blocked-address``. Twisted's
connect path can only turn a resolver error into "no results for hostname lookup" (or log it as
CRITICAL), so the decision has to be made before the download starts. Requests sent through a
proxy are the user's choice and pass.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError

from crawler.exceptions import BlockedAddressError
from crawler.resolver import is_private_address


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class AddressGuardMiddleware:
    """Downloader middleware placed after HttpProxyMiddleware, which sets ``meta['proxy']``."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        if crawler.settings.getbool("REFTRAIL_ALLOW_PRIVATE_ADDRESSES"):
            raise NotConfigured
        return cls()

    async def process_request(self, request: Request) -> Any:
        if request.meta.get("proxy"):
            return None
        host = urlsplit(request.url).hostname or ""
        if host == "localhost" or is_private_address(host):
            raise BlockedAddressError(
                f"{request.url} points at the private address {host}; set "
                "REFTRAIL_ALLOW_PRIVATE_ADDRESSES=true to crawl it"
            )
        if not host or _is_ip_literal(host):
            return None
        from twisted.internet import reactor  # imported late: Scrapy picks the reactor

        try:
            # The resolver refuses private answers with BlockedAnswerError (a BlockedAddressError).
            await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined,arg-type]
        except BlockedAddressError:
            raise
        except DNSLookupError as exc:
            raise CannotResolveHostError(str(exc)) from exc
        return None
