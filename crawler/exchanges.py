"""Translate Scrapy requests, responses and download errors into storage's plain types."""

from __future__ import annotations

import time
from datetime import datetime
from http import HTTPStatus

from scrapy import Request
from scrapy import exceptions as scrapy_errors
from scrapy.http import Response
from twisted.internet import error as net_error
from twisted.web import _newclient

from crawler.exceptions import BlockedAddressError
from storage.exchange import FailedFetch, HttpExchange
from storage.timeutil import utcnow

STARTED_WALL = "reftrail_started_at"
STARTED_CLOCK = "reftrail_started_clock"


def mark_started(request: Request) -> None:
    request.meta[STARTED_WALL] = utcnow()
    request.meta[STARTED_CLOCK] = time.monotonic()


def _timing(request: Request) -> tuple[datetime, int | None]:
    started = request.meta.get(STARTED_WALL) or utcnow()
    clock = request.meta.get(STARTED_CLOCK)
    duration = int((time.monotonic() - clock) * 1000) if clock is not None else None
    return started, duration


def _headers(headers: object) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():  # type: ignore[attr-defined]
        key = name.decode("latin-1")
        for value in values:
            pairs.append((key, value.decode("latin-1")))
    return pairs


def referrer_of(request: Request) -> str | None:
    """The page that led to this request (full URL, unlike a policy-trimmed Referer)."""
    via = request.meta.get("reftrail_via")
    if via:
        return via
    value = request.headers.get("Referer")
    return value.decode("latin-1") if value else None


def to_exchange(request: Request, response: Response) -> HttpExchange:
    started, duration = _timing(request)
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    ip = getattr(response, "ip_address", None)
    protocol = response.protocol or "HTTP/1.1"
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_headers=_headers(request.headers),
        request_body=request.body or b"",
        protocol=protocol if protocol.startswith("HTTP/") else "HTTP/1.1",
        status=response.status,
        reason=reason,
        response_headers=_headers(response.headers),
        body=response.body,
        fetched_at=started,
        ip=str(ip) if ip else None,
        duration_ms=duration,
        referrer=referrer_of(request),
        hops=request.meta.get("reftrail_hops", ""),
    )


def classify_failure(exception: BaseException) -> str:
    """A short reason for a download that produced no response."""
    if isinstance(exception, BlockedAddressError):
        return "blocked-address"
    if isinstance(exception, net_error.DNSLookupError | scrapy_errors.CannotResolveHostError):
        return "dns"
    if isinstance(
        exception, net_error.ConnectionRefusedError | scrapy_errors.DownloadConnectionRefusedError
    ):
        return "refused"
    if isinstance(
        exception,
        net_error.TimeoutError | net_error.TCPTimedOutError | scrapy_errors.DownloadTimeoutError,
    ):
        return "timeout"
    if isinstance(exception, scrapy_errors.DownloadCancelledError):
        return "too-large" if "max size" in str(exception) else "cancelled"
    text = f"{type(exception).__name__} {exception}"
    if "maxsize" in text or "max size" in text or "larger than download" in text:
        return "too-large"
    if "SSL" in text or "TLS" in text or "certificate" in text:
        return "tls"
    if isinstance(
        exception,
        net_error.ConnectionLost
        | net_error.ConnectionDone
        | _newclient.ResponseFailed
        | _newclient.ResponseNeverReceived,
    ):
        return "connection-lost"
    if isinstance(exception, net_error.ConnectError):
        return "refused"
    return "error"


def to_failure(request: Request, exception: BaseException) -> FailedFetch:
    started, duration = _timing(request)
    detail = str(exception) or type(exception).__name__
    if isinstance(exception, _newclient.ResponseNeverReceived | _newclient.ResponseFailed):
        detail = "; ".join(str(r.value) for r in exception.reasons) or detail
    return FailedFetch(
        url=request.url,
        error=classify_failure(exception),
        detail=detail[:500],
        fetched_at=started,
        method=request.method,
        duration_ms=duration,
        referrer=referrer_of(request),
        hops=request.meta.get("reftrail_hops", ""),
    )
