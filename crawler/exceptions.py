"""Errors the crawler raises; crawl control flow itself uses Scrapy's IgnoreRequest/DropItem."""

from __future__ import annotations

from twisted.internet.error import DNSLookupError


class CrawlerError(Exception):
    """Base class of every error the crawler package raises."""


class UsageError(CrawlerError):
    """Raised by the CLI and config readers for bad input (exit code 2)."""


class BlockedAddressError(CrawlerError):
    """Raised by the resolver and the address guard when a URL leads to a private address.

    A cited URL must not reach the archivist's own network; set
    ``REFTRAIL_ALLOW_PRIVATE_ADDRESSES=true`` to crawl such hosts on purpose.
    """


class BlockedAnswerError(BlockedAddressError, DNSLookupError):
    """Raised by the resolver when a name (or its host-map entry) points at a private address.

    The address guard asks the resolver first and reports it as ``blocked-address``. It is a
    ``DNSLookupError`` too, so if Twisted's connect path meets it, the fetch fails as a lookup
    error instead of Twisted logging it as CRITICAL (which would fail the whole crawl).
    """
