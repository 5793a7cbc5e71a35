"""Errors the crawler raises; crawl control flow itself uses Scrapy's IgnoreRequest/DropItem."""

from __future__ import annotations


class CrawlerError(Exception):
    """Base class of every error the crawler package raises."""


class UsageError(CrawlerError):
    """Raised by the CLI and config readers for bad input (exit code 2)."""


class BlockedAddressError(CrawlerError):
    """Raised by the resolver and the address guard when a URL leads to a private address.

    A cited URL must not reach the archivist's own network; set
    ``REFTRAIL_ALLOW_PRIVATE_ADDRESSES=true`` to crawl such hosts on purpose.
    """
