"""Record exchanges: write their WARC records, then index them as Capture rows.

The order is the archive's promise: records are written and flushed first, and only then is
the row committed, so the database never points at bytes that are not on disk. A payload
already archived for the same URL (in this crawl or any earlier one) becomes a ``revisit``
record that refers to the original, so an unchanged site costs no payload bytes twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast
from urllib.parse import urljoin

import surt
from sqlalchemy import Table, insert, select
from w3lib.url import safe_url_string

from storage import crawllog
from storage.archive import Archive
from storage.exchange import FailedFetch, HttpExchange
from storage.models import Capture
from storage.timeutil import utcnow
from storage.warc.records import ExchangeRecords, sha1_digest
from storage.warc.writer import RecordLocation, WarcFileWriter

logger = logging.getLogger(__name__)
CAPTURES = cast(Table, Capture.__table__)


def to_millis(value: datetime) -> datetime:
    """Drop sub-millisecond digits: WARC-Date and the crawl log keep milliseconds, so the row
    holds the same instant the WARC does and ``reindex`` reproduces it exactly."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def surt_key(url: str) -> str:
    """SURT form of a URL (the sort key of CDX indexes); falls back to the URL itself."""
    try:
        return surt.surt(url)
    except Exception:  # surt raises many exception types on odd URLs
        return url


def redirect_target(url: str, location: str) -> str | None:
    """Where a redirect leads, spelled as the crawler then requests it (Scrapy's rule):
    percent-encoded, since a Location may hold spaces or raw UTF-8, and without a fragment,
    so that a hop's ``redirect_to`` names the row of the next hop. None for a Location that
    is no URL at all (``http://[oops``): the hop is archived all the same."""
    try:
        raw = location.encode("latin-1")  # the bytes the server sent, as headers are decoded
    except UnicodeEncodeError:
        raw = location.encode("utf-8")
    try:
        return urljoin(url, safe_url_string(raw)).partition("#")[0]
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Original:
    """The response record an identical payload can refer to."""

    record_id: str
    url: str
    fetched_at: datetime
    digest: str | None = None
    length: int | None = None


class RevisitIndex:
    """Which (URL, payload digest) pairs already have a response record in the archive."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._known: dict[tuple[str, str], Original] = {}
        self._latest: dict[str, Original] = {}  # newest response record of each URL
        self._loaded: set[str] = set()

    def preload(self, urls: list[str]) -> None:
        missing = [u for u in dict.fromkeys(urls) if u not in self._loaded]
        if not missing:
            return
        with self.archive.engine.connect() as connection:
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                rows = connection.execute(
                    select(
                        CAPTURES.c.url,
                        CAPTURES.c.payload_digest,
                        CAPTURES.c.record_id,
                        CAPTURES.c.fetched_at,
                        CAPTURES.c.length,
                    )
                    .where(CAPTURES.c.url.in_(chunk), CAPTURES.c.record_type == "response")
                    .order_by(CAPTURES.c.fetched_at)
                )
                for url, digest, record_id, fetched_at, length in rows:
                    if digest and record_id:
                        original = Original(record_id, url, fetched_at, digest, length)
                        self._known.setdefault((url, digest), original)
                        self._latest[url] = original
        self._loaded.update(missing)

    def get(self, url: str, digest: str) -> Original | None:
        return self._known.get((url, digest))

    def latest(self, url: str) -> Original | None:
        """The newest response record of ``url``: what a 304 says is still current."""
        return self._latest.get(url)

    def add(self, url: str, digest: str, original: Original) -> None:
        self._known.setdefault((url, digest), original)
        self._latest[url] = original


class CaptureRecorder:
    """Writes exchanges to WARCs and indexes them; one per crawl process, used from one thread."""

    def __init__(
        self,
        archive: Archive,
        writer: WarcFileWriter,
        *,
        crawl_id: int | None,
        crawl_uuid: str,
        records: ExchangeRecords | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.archive = archive
        self.writer = writer
        self.crawl_id = crawl_id
        self.crawl_uuid = crawl_uuid
        self.records = records or writer.records
        self.revisits = RevisitIndex(archive)
        self.log_path = log_path
        self._log = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115

    def record_exchanges(self, exchanges: list[HttpExchange]) -> list[int]:
        """Archive each exchange and return the new capture ids, in order."""
        if not exchanges:
            return []
        self.revisits.preload([e.url for e in exchanges])
        rows = []
        log_lines = []
        for exchange in exchanges:
            digest = sha1_digest(exchange.body)
            main, location = self._write_exchange(exchange, digest)
            rows.append(self._row(exchange, digest, location, main))
            exchange.record_type = location.record_type
            log_lines.append(crawllog.exchange_line(exchange, digest=digest, when=utcnow()))
        ids = self._insert(rows)
        for exchange, capture_id in zip(exchanges, ids, strict=True):
            exchange.capture_id = capture_id
        self._append_log(log_lines)
        return ids

    def _write_exchange(
        self, exchange: HttpExchange, digest: str
    ) -> tuple[Original | None, RecordLocation]:
        record_id = self.records.make_id()
        original = self.revisits.get(exchange.url, digest)
        not_modified = self.revisits.latest(exchange.url) if exchange.status == 304 else None
        if not_modified is not None:
            # The answer to a conditional request: the archived copy is still current.
            original = not_modified
            main = self.records.not_modified(
                exchange,
                record_id=record_id,
                refers_to=original.record_id,
                refers_to_uri=original.url,
                refers_to_date=original.fetched_at,
                payload_digest=original.digest,
            )
        elif original is not None:
            main = self.records.revisit(
                exchange,
                record_id=record_id,
                payload_digest=digest,
                refers_to=original.record_id,
                refers_to_uri=original.url,
                refers_to_date=original.fetched_at,
            )
        else:
            main = self.records.response(exchange, record_id=record_id, payload_digest=digest)
        group = [
            main,
            self.records.request(exchange, concurrent_to=record_id),
            self.records.metadata(exchange, concurrent_to=record_id, crawl_uuid=self.crawl_uuid),
        ]
        location = self.writer.write(group)[0]
        if original is None:
            self.revisits.add(
                exchange.url,
                digest,
                Original(record_id, exchange.url, exchange.fetched_at, digest, len(exchange.body)),
            )
        return original, location

    def _row(
        self,
        exchange: HttpExchange,
        digest: str,
        location: RecordLocation,
        original: Original | None,
    ) -> dict:
        location_header = exchange.header("Location")
        redirect_to = (
            redirect_target(exchange.url, location_header)
            if location_header and 300 <= exchange.status < 400
            else None
        )
        length = len(exchange.body)
        if original is not None and exchange.status == 304:
            # A server-not-modified revisit stands for the original's payload (reindex
            # rebuilds the row the same way, from WARC-Payload-Digest and the original).
            digest = original.digest or digest
            length = original.length if original.length is not None else length
        return {
            "crawl_id": self.crawl_id,
            "url": exchange.url,
            "surt": surt_key(exchange.url),
            "method": exchange.method,
            "fetched_at": to_millis(exchange.fetched_at),
            "status": exchange.status,
            "mime": exchange.mime,
            "length": length,
            "payload_digest": digest,
            "record_type": location.record_type,
            "record_id": location.record_id,
            "warc_file": location.warc_file,
            "warc_offset": location.offset,
            "warc_length": location.length,
            "ip": exchange.ip,
            "redirect_to": redirect_to,
            "revisit_of": original.record_id if original else None,
            "duration_ms": exchange.duration_ms,
            "referrer": exchange.referrer,
            "hops": exchange.hops,
        }

    def record_failures(self, failures: list[FailedFetch]) -> list[int]:
        """Index fetches that got no HTTP exchange; they live in the crawl log too."""
        if not failures:
            return []
        rows = [
            {
                "crawl_id": self.crawl_id,
                "url": f.url,
                "surt": surt_key(f.url),
                "method": f.method,
                "fetched_at": to_millis(f.fetched_at),
                "error": f.error,
                "error_detail": f.detail,
                "duration_ms": f.duration_ms,
                "referrer": f.referrer,
                "hops": f.hops,
            }
            for f in failures
        ]
        ids = self._insert(rows)
        self._append_log([crawllog.failure_line(f, when=utcnow()) for f in failures])
        return ids

    def _insert(self, rows: list[dict]) -> list[int]:
        # Core on a connection: the ORM's bulk insert costs ten times the CPU, per batch.
        with self.archive.begin() as connection:
            result = connection.execute(
                insert(CAPTURES).returning(CAPTURES.c.id, sort_by_parameter_order=True), rows
            )
            return [row[0] for row in result]

    def _append_log(self, lines: list[str]) -> None:
        if self._log is not None and lines:
            self._log.write("".join(line + "\n" for line in lines))
            self._log.flush()

    def write_crawl_log(self) -> RecordLocation | None:
        """Store this crawl's log in the WARCs as a ``resource`` record (at crawl end)."""
        if self.log_path is None or not self.log_path.exists():
            return None
        if self._log is not None:
            self._log.flush()
        body = self.log_path.read_bytes()
        record = self.records.resource_like(
            crawllog.log_uri(self.crawl_uuid),
            "resource",
            body,
            content_type=crawllog.LOG_CONTENT_TYPE,
            date=utcnow(),
        )
        return self.writer.write([record])[0]

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        self.writer.close()
