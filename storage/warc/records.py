"""Build the WARC records of one exchange: request, response or revisit, and metadata.

warcio does the encoding and the digests; this module decides which headers each record
carries so that pywb, cdxj-indexer and Heritrix-era tools read them as they expect.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from io import BytesIO
from urllib.parse import urlsplit
from uuid import uuid4

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from storage.exchange import HttpExchange
from storage.timeutil import warc_date

WARC_VERSION = "WARC/1.1"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# A 304 answer to a conditional request: the server says the archived copy is still current.
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"

# Headers that describe how the bytes travelled, not the stored body: Scrapy has already
# undone chunking, so a reader that saw "chunked" would try to de-chunk the body again.
HOP_HEADERS = {"transfer-encoding"}
# Credentials for a proxy are the user's secret, not part of the archived exchange.
PRIVATE_REQUEST_HEADERS = {"proxy-authorization"}


def new_record_id() -> str:
    return f"<urn:uuid:{uuid4()}>"


def sha1_digest(data: bytes) -> str:
    """The WARC digest spelling: ``sha1:`` + base32 of the SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target


def _host_header(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1]


class ExchangeRecords:
    """Turns exchanges into warcio records, with injectable ids for byte-exact tests."""

    def __init__(self, *, make_id: Callable[[], str] = new_record_id) -> None:
        self.builder = RecordBuilder(warc_version=WARC_VERSION)
        self.make_id = make_id

    def request_headers(self, exchange: HttpExchange) -> StatusAndHeaders:
        headers = [
            (k, v) for k, v in exchange.request_headers if k.lower() not in PRIVATE_REQUEST_HEADERS
        ]
        if not any(k.lower() == "host" for k, _ in headers):
            headers.insert(0, ("Host", _host_header(exchange.url)))
        line = f"{exchange.method} {_request_target(exchange.url)} {exchange.protocol}"
        return StatusAndHeaders(line, headers, is_http_request=True)

    def response_headers(self, exchange: HttpExchange) -> StatusAndHeaders:
        headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in HOP_HEADERS]
        status_line = f"{exchange.status} {exchange.reason}".strip()
        return StatusAndHeaders(status_line, headers, protocol=exchange.protocol)

    def response(
        self, exchange: HttpExchange, *, record_id: str, payload_digest: str
    ) -> ArcWarcRecord:
        fields = {
            "WARC-Record-ID": record_id,
            "WARC-Date": warc_date(exchange.fetched_at),
            "WARC-Payload-Digest": payload_digest,
        }
        if exchange.ip:
            fields["WARC-IP-Address"] = exchange.ip
        if exchange.truncated:
            fields["WARC-Truncated"] = exchange.truncated
        return self.builder.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.body),
            length=len(exchange.body),
            warc_headers_dict=fields,
            http_headers=self.response_headers(exchange),
        )

    def revisit(
        self,
        exchange: HttpExchange,
        *,
        record_id: str,
        payload_digest: str,
        refers_to: str,
        refers_to_uri: str,
        refers_to_date: datetime,
    ) -> ArcWarcRecord:
        fields = {
            "WARC-Record-ID": record_id,
            "WARC-Date": warc_date(exchange.fetched_at),
            "WARC-Refers-To": refers_to,
        }
        if exchange.ip:
            fields["WARC-IP-Address"] = exchange.ip
        return self.builder.create_revisit_record(
            exchange.url,
            payload_digest,
            refers_to_uri,
            warc_date(refers_to_date),
            http_headers=self.response_headers(exchange),
            warc_headers_dict=fields,
        )

    def not_modified(
        self,
        exchange: HttpExchange,
        *,
        record_id: str,
        refers_to: str,
        refers_to_uri: str,
        refers_to_date: datetime,
        payload_digest: str | None = None,
    ) -> ArcWarcRecord:
        """A ``revisit`` (server-not-modified profile) for a 304 to a conditional request.

        It carries the 304's headers only; the payload is the one of ``refers_to``, whose
        digest is repeated (when known) so that replay tools can find it by digest too.
        """
        fields = {
            "WARC-Record-ID": record_id,
            "WARC-Date": warc_date(exchange.fetched_at),
            "WARC-Refers-To": refers_to,
        }
        if exchange.ip:
            fields["WARC-IP-Address"] = exchange.ip
        record = self.builder.create_warc_record(
            exchange.url,
            "revisit",
            http_headers=self.response_headers(exchange),
            warc_headers_dict=fields,
        )
        record.rec_headers.add_header("WARC-Profile", NOT_MODIFIED_PROFILE)
        record.rec_headers.add_header("WARC-Refers-To-Target-URI", refers_to_uri)
        record.rec_headers.add_header("WARC-Refers-To-Date", warc_date(refers_to_date))
        if payload_digest:
            record.rec_headers.add_header("WARC-Payload-Digest", payload_digest)
        return record

    def request(self, exchange: HttpExchange, *, concurrent_to: str) -> ArcWarcRecord:
        fields = {
            "WARC-Record-ID": self.make_id(),
            "WARC-Date": warc_date(exchange.fetched_at),
            "WARC-Concurrent-To": concurrent_to,
        }
        if exchange.ip:
            fields["WARC-IP-Address"] = exchange.ip
        return self.builder.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            warc_headers_dict=fields,
            http_headers=self.request_headers(exchange),
        )

    def metadata(
        self, exchange: HttpExchange, *, concurrent_to: str, crawl_uuid: str
    ) -> ArcWarcRecord:
        """Heritrix-style fields the exchange lacks, so the database can be rebuilt."""
        lines = []
        if exchange.referrer:
            lines.append(("via", exchange.referrer))
        lines.append(("hopsFromSeed", exchange.hops or "-"))
        if exchange.duration_ms is not None:
            lines.append(("fetchTimeMs", str(exchange.duration_ms)))
        if crawl_uuid:
            lines.append(("crawlId", crawl_uuid))
        body = "".join(f"{k}: {v}\r\n" for k, v in lines).encode("utf-8")
        return self.resource_like(
            exchange.url,
            "metadata",
            body,
            content_type="application/warc-fields",
            date=exchange.fetched_at,
            extra={"WARC-Concurrent-To": concurrent_to},
        )

    def resource_like(
        self,
        uri: str,
        record_type: str,
        body: bytes,
        *,
        content_type: str,
        date: datetime,
        extra: dict[str, str] | None = None,
    ) -> ArcWarcRecord:
        fields = {"WARC-Record-ID": self.make_id(), "WARC-Date": warc_date(date)}
        fields.update(extra or {})
        return self.builder.create_warc_record(
            uri,
            record_type,
            payload=BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers_dict=fields,
        )

    def warcinfo(
        self, filename: str, fields: Iterable[tuple[str, str]], *, date: datetime
    ) -> ArcWarcRecord:
        body = "".join(f"{k}: {v}\r\n" for k, v in fields if v).encode("utf-8")
        record = self.resource_like(
            "",
            "warcinfo",
            body,
            content_type="application/warc-fields",
            date=date,
            extra={"WARC-Filename": filename},
        )
        return record
