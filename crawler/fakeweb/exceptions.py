"""Errors of the fake web; each says who raises it. All derive from :class:`FakeWebError`."""

from __future__ import annotations


class FakeWebError(Exception):
    """Base class of every fake-web error."""


class SiteConflict(FakeWebError, ValueError):
    """Raised by ``FakeWeb()`` when two sites claim the same host or resource name."""


class NoRefusingAddress(FakeWebError, RuntimeError):
    """Raised by ``FakeWeb.start()`` when every candidate loopback address accepts connections
    on port 80 or 443, so no host can be made to refuse for real."""


class BadRequest(FakeWebError):
    """Raised by the proxy server's parser on a request it cannot read (answered with 400)."""
