"""The crawl log: one line per fetch attempt, in Heritrix ``crawl.log`` columns.

Lines are appended to ``logs/<crawl>.crawl.log`` as the crawl goes (so a killed crawl keeps
them) and stored in the WARCs as a ``resource`` record when the crawl ends. Failed fetches
have no HTTP exchange, so this record is where ``reindex`` finds them again.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, unquote

from storage.exchange import FailedFetch, HttpExchange
from storage.timeutil import parse_warc_date, warc_date

LOG_CONTENT_TYPE = "text/plain; charset=utf-8"

# Heritrix fetch status codes for fetches that got no HTTP response.
ERROR_CODES = {
    "dns": -6,
    "refused": -2,
    "connection-lost": -3,
    "timeout": -4,
    "too-large": -5,
    "tls": -2,
    "invalid-response": -3,
    "truncated": -3,
    "cancelled": -5,
    "blocked-address": -5001,
    "robots": -9998,
    "error": -5,
}
ANNOTATION = "reftrail-error:"


def log_uri(crawl_uuid: str) -> str:
    return f"urn:reftrail:crawl-log:{crawl_uuid}"


def exchange_line(exchange: HttpExchange, *, digest: str | None, when: datetime) -> str:
    return _line(
        when=when,
        status=exchange.status,
        size=len(exchange.body),
        url=exchange.url,
        hops=exchange.hops,
        via=exchange.referrer,
        mime=exchange.mime,
        began=exchange.fetched_at,
        duration_ms=exchange.duration_ms,
        digest=digest,
        annotations="truncated" if exchange.truncated else "-",
    )


def failure_line(failure: FailedFetch, *, when: datetime) -> str:
    code = ERROR_CODES.get(failure.error, ERROR_CODES["error"])
    note = f"{ANNOTATION}{failure.error}:{quote(failure.detail, safe='')}"
    return _line(
        when=when,
        status=code,
        size=0,
        url=failure.url,
        hops=failure.hops,
        via=failure.referrer,
        mime=None,
        began=failure.fetched_at,
        duration_ms=failure.duration_ms,
        digest=None,
        annotations=note,
    )


def _line(
    *,
    when: datetime,
    status: int,
    size: int,
    url: str,
    hops: str,
    via: str | None,
    mime: str | None,
    began: datetime,
    duration_ms: int | None,
    digest: str | None,
    annotations: str,
) -> str:
    fetch = began.strftime("%Y%m%d%H%M%S") + f"{began.microsecond // 1000:03d}"
    fetch += f"+{duration_ms}" if duration_ms is not None else ""
    return (
        f"{warc_date(when)} {status:5d} {size:10d} {url} {hops or '-'} {via or '-'} "
        f"{mime or '-'} #000 {fetch} {digest or '-'} - {annotations}"
    )


def parse_failures(text: str) -> list[FailedFetch]:
    """The failed fetches a crawl log records (lines written by :func:`failure_line`)."""
    failures = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 12 or not fields[-1].startswith(ANNOTATION):
            continue
        error, _, detail = fields[-1][len(ANNOTATION) :].partition(":")
        began, _, duration = fields[8].partition("+")
        fetched = datetime.strptime(began[:14], "%Y%m%d%H%M%S").replace(
            microsecond=int(began[14:17] or 0) * 1000, tzinfo=parse_warc_date(fields[0]).tzinfo
        )
        failures.append(
            FailedFetch(
                url=fields[3],
                error=error,
                detail=unquote(detail),
                fetched_at=fetched,
                duration_ms=int(duration) if duration else None,
                hops="" if fields[4] == "-" else fields[4],
                referrer=None if fields[5] == "-" else fields[5],
            )
        )
    return failures
