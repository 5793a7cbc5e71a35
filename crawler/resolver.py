"""DNS for the crawler: a host map consulted first, and no answers that point inward.

The host map (``REFTRAIL_HOST_MAP``) works like /etc/hosts; with ``REFTRAIL_HOST_MAP_ONLY``
every other name fails as a real DNS error, which is how the offline fake web produces a
genuine "no such host". Unless ``REFTRAIL_ALLOW_PRIVATE_ADDRESSES`` is set, a name that
resolves to a private, loopback, link-local or metadata address is refused, so a cited URL
cannot reach the archivist's own network; host-map answers too, as /etc/hosts answers are
(the one exception is a configured proxy, which is always allowed).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawler.exceptions import BlockedAnswerError

logger = logging.getLogger(__name__)

METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
}


def is_private_address(address: str) -> bool:
    """True for addresses a public crawl must not connect to."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip in METADATA_ADDRESSES:
        return True
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def parse_host_map(value: object) -> dict[str, str]:
    """Accept a dict, its JSON text (as ``scrapy crawl -s`` passes it), or ``host=ip,...``."""
    if isinstance(value, str) and value.strip().startswith("{"):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, dict):
        return {str(k).lower(): str(v) for k, v in value.items()}
    if not value:
        return {}
    pairs = [item.split("=", 1) for item in str(value).split(",") if "=" in item]
    return {host.strip().lower(): ip.strip() for host, ip in pairs}


def proxy_hosts() -> set[str]:
    """Host names of the proxies configured in the environment (always reachable)."""
    hosts = set()
    for url in getproxies().values():
        host = urlsplit(url if "//" in url else f"//{url}").hostname
        if host:
            hosts.add(host.lower())
    return hosts


class ArchiveResolver(CachingThreadedResolver):
    """Scrapy's caching resolver plus the host map and the private-address guard."""

    def __init__(
        self,
        reactor: Any,
        cache_size: int,
        timeout: float,
        *,
        host_map: dict[str, str],
        map_only: bool,
        allow_private: bool,
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.host_map = host_map
        self.map_only = map_only
        self.allow_private = allow_private
        self.trusted = proxy_hosts()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> ArchiveResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor,
            cache_size,
            settings.getfloat("DNS_TIMEOUT"),
            host_map=parse_host_map(settings.get("REFTRAIL_HOST_MAP")),
            map_only=settings.getbool("REFTRAIL_HOST_MAP_ONLY"),
            allow_private=settings.getbool("REFTRAIL_ALLOW_PRIVATE_ADDRESSES"),
        )

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        key = name.lower()
        if key in self.host_map:
            deferred = defer.succeed(self.host_map[key])
        elif _is_ip_literal(key):
            deferred = defer.succeed(key)  # Twisted asks about literals too; no lookup needed
        elif self.map_only and key not in self.trusted:
            return defer.fail(DNSLookupError(f"{name}: no such host (offline host map)"))
        else:
            deferred = super().getHostByName(name, timeout)
        if not self.allow_private and key not in self.trusted:
            deferred.addCallback(self._refuse_private, name)
        return deferred

    def _refuse_private(self, address: str, name: str) -> str:
        if is_private_address(address):
            raise BlockedAnswerError(
                f"{name} resolves to the private address {address}; set "
                "REFTRAIL_ALLOW_PRIVATE_ADDRESSES=true to crawl it"
            )
        return address
