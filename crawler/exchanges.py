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
BODY_BYTES = "reftrail_body_bytes"  # body bytes received so far, where counted


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
        # DOWNLOAD_FAIL_ON_DATALOSS is off: keep what arrived, and say it is incomplete.
        truncated="disconnect" if "dataloss" in response.flags else None,
    )


def _causes(exception: BaseException) -> list[BaseException]:
    """The exception, what it wraps (``__cause__``), and Twisted's per-attempt ``reasons``."""
    found: list[BaseException] = []
    pending = [exception]
    while pending and len(found) < 20:
        current = pending.pop(0)
        found.append(current)
        if current.__cause__ is not None:
            pending.append(current.__cause__)
        for reason in getattr(current, "reasons", None) or []:
            value = getattr(reason, "value", None)
            if isinstance(value, BaseException):
                pending.append(value)
    return found


def classify_failure(exception: BaseException) -> str:
    """A short reason for a download that produced no response (or only part of one)."""
    causes = _causes(exception)

    def seen(*types: type[BaseException]) -> bool:
        return any(isinstance(cause, types) for cause in causes)

    if seen(BlockedAddressError):
        return "blocked-address"
    if seen(net_error.DNSLookupError, scrapy_errors.CannotResolveHostError):
        return "dns"
    if seen(net_error.ConnectionRefusedError, scrapy_errors.DownloadConnectionRefusedError):
        return "refused"
    if seen(net_error.TimeoutError, net_error.TCPTimedOutError, scrapy_errors.DownloadTimeoutError):
        return "timeout"
    text = " ".join(f"{type(cause).__name__} {cause}" for cause in causes)
    if "max size" in text or "larger than download" in text:
        return "too-large"
    if seen(scrapy_errors.DownloadCancelledError):
        return "cancelled"
    if seen(_newclient.ParseError):
        return "invalid-response"
    if seen(scrapy_errors.ResponseDataLossError, _newclient._DataLoss):
        return "truncated"
    if "SSL" in text or "TLS" in text or "certificate" in text:
        return "tls"
    if seen(
        net_error.ConnectionLost,
        net_error.ConnectionDone,
        _newclient.ResponseFailed,
        _newclient.ResponseNeverReceived,
        scrapy_errors.DownloadFailedError,
    ):
        return "connection-lost"
    if seen(net_error.ConnectError):
        return "refused"
    return "error"


def failure_detail(exception: BaseException) -> str:
    """Readable text for the innermost causes (Twisted's reprs of Failure lists are not)."""
    parts = []
    for cause in _causes(exception):
        if getattr(cause, "reasons", None) or (cause is exception and cause.__cause__):
            continue
        text = str(cause) or type(cause).__name__
        parts.append(f"{type(cause).__name__}: {text}" if text != type(cause).__name__ else text)
    return "; ".join(dict.fromkeys(parts)) or type(exception).__name__


def count_body_bytes(request: Request, data: bytes) -> None:
    """Add a chunk to the request's body byte count (from a ``bytes_received`` handler)."""
    request.meta[BODY_BYTES] = request.meta.get(BODY_BYTES, 0) + len(data)


def cut_at_maxsize(request: Request, default_maxsize: int = 0) -> int | None:
    """The size limit a streamed body went past, or None.

    Scrapy cancels a chunked body (no Content-Length to refuse it by) once it passes the
    limit, with the same bare cancel as any other; the count of body bytes received, kept by
    :func:`count_body_bytes` (the capture middleware counts every request), tells the two
    apart. The limit is the request's ``download_maxsize``, else ``default_maxsize`` (the
    crawl's ``DOWNLOAD_MAXSIZE``).
    """
    maxsize = request.meta.get("download_maxsize", default_maxsize) or 0
    if maxsize and request.meta.get(BODY_BYTES, 0) > maxsize:
        return int(maxsize)
    return None


def to_failure(
    request: Request, exception: BaseException, *, default_maxsize: int = 0
) -> FailedFetch:
    started, duration = _timing(request)
    error, detail = classify_failure(exception), failure_detail(exception)
    maxsize = cut_at_maxsize(request, default_maxsize)
    if maxsize is not None:
        error, detail = "too-large", f"body cut off after more than {maxsize} bytes ({detail})"
    return FailedFetch(
        url=request.url,
        error=error,
        detail=detail[:500],
        fetched_at=started,
        method=request.method,
        duration_ms=duration,
        referrer=referrer_of(request),
        hops=request.meta.get("reftrail_hops", ""),
    )
