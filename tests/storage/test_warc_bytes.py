"""The exact bytes reftrail writes for one exchange, with pinned ids, dates, host and pid.

In the style of warcio's ``test/test_writer.py``: every header, its order and every digest
is spelled out, so any change to what other tools read shows up here first. The exchange is
what the crawler hands over for a gzip-encoded page that came with chunked transfer coding
through a proxy that needed credentials.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import itertools
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.exchange import HttpExchange
from storage.warc.records import ExchangeRecords, sha1_digest
from storage.warc.writer import RecordLocation, WarcFileWriter

WHEN = datetime(2026, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)
URL = "https://news.example.com/a/b.html?x=1"
PAGE = b"<html><body>hello</body></html>\n"
BODY = gzip.compress(PAGE, mtime=0)
CRAWL = "c0ffee00-0000-4000-8000-000000000001"
NAME = "reftrail-20260314092653589-00001-crawler-1-4242.warc.gz"


def record_id(n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def exchange() -> HttpExchange:
    return HttpExchange(
        url=URL,
        method="GET",
        request_headers=[
            ("Accept", "text/html"),
            ("User-Agent", "reftrail-test/1"),
            ("Proxy-Authorization", "Basic c2VjcmV0OnB3"),
            ("Accept-Encoding", "gzip"),
        ],
        status=200,
        reason="OK",
        response_headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
            ("Date", "Sat, 14 Mar 2026 09:26:53 GMT"),
        ],
        body=BODY,
        fetched_at=WHEN,
        ip="203.0.113.7",
        duration_ms=42,
        referrer="https://news.example.com/",
        hops="L",
    )


def gzip_members(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, decompressed bytes) of each gzip member, in file order."""
    members, offset = [], 0
    while offset < len(data):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = inflater.decompress(data[offset:])
        assert inflater.eof, f"gzip member at {offset} is truncated"
        members.append((offset, out))
        offset = len(data) - len(inflater.unused_data)
    return members


def b32sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, list[RecordLocation]]:
    ids = (record_id(n) for n in itertools.count(1))
    records = ExchangeRecords(make_id=lambda: next(ids))
    writer = WarcFileWriter(
        tmp_path,
        info_fields=[("software", "reftrail/test"), ("operator", "Test Archivist")],
        records=records,
        clock=lambda: WHEN,
        hostname="crawler-1",
        pid=4242,
    )
    main_id = records.make_id()
    ex = exchange()
    group = [
        records.response(ex, record_id=main_id, payload_digest=sha1_digest(ex.body)),
        records.request(ex, concurrent_to=main_id),
        records.metadata(ex, concurrent_to=main_id, crawl_uuid=CRAWL),
    ]
    locations = writer.write(group)
    assert (tmp_path / (NAME + ".open")).exists()
    writer.close()
    return tmp_path / NAME, locations


WARCINFO = (
    "WARC/1.1\r\n"
    f"WARC-Record-ID: {record_id(4)}\r\n"
    "WARC-Date: 2026-03-14T09:26:53.589Z\r\n"
    f"WARC-Filename: {NAME}\r\n"
    "WARC-Type: warcinfo\r\n"
    "WARC-Block-Digest: sha1:M5BRAJFNTPOYDTKUTEWARFU4PFXYAY3T\r\n"
    "Content-Type: application/warc-fields\r\n"
    "Content-Length: 81\r\n"
    "\r\n"
    "format: WARC File Format 1.1\r\n"
    "software: reftrail/test\r\n"
    "operator: Test Archivist\r\n"
    "\r\n\r\n"
).encode()

RESPONSE = (
    (
        "WARC/1.1\r\n"
        f"WARC-Record-ID: {record_id(1)}\r\n"
        "WARC-Date: 2026-03-14T09:26:53.589Z\r\n"
        "WARC-Payload-Digest: sha1:IBDLL5ANGXJVIJXBD6NQN2XT5LQ4VMS5\r\n"
        "WARC-IP-Address: 203.0.113.7\r\n"
        "WARC-Type: response\r\n"
        f"WARC-Target-URI: {URL}\r\n"
        "WARC-Block-Digest: sha1:5EH3DIPHBEBTNEOWK4WEKOITG3BELFRV\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        "Content-Length: 165\r\n"
        "\r\n"
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Encoding: gzip\r\n"
        "Date: Sat, 14 Mar 2026 09:26:53 GMT\r\n"
        "\r\n"
    ).encode()
    + BODY
    + b"\r\n\r\n"
)

REQUEST = (
    "WARC/1.1\r\n"
    f"WARC-Record-ID: {record_id(2)}\r\n"
    "WARC-Date: 2026-03-14T09:26:53.589Z\r\n"
    f"WARC-Concurrent-To: {record_id(1)}\r\n"
    "WARC-IP-Address: 203.0.113.7\r\n"
    "WARC-Type: request\r\n"
    f"WARC-Target-URI: {URL}\r\n"
    "WARC-Payload-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ\r\n"
    "WARC-Block-Digest: sha1:3AD3JNAA4AFFEWYAYIDBGKGK3JNVN2SF\r\n"
    "Content-Type: application/http; msgtype=request\r\n"
    "Content-Length: 125\r\n"
    "\r\n"
    "GET /a/b.html?x=1 HTTP/1.1\r\n"
    "Host: news.example.com\r\n"
    "Accept: text/html\r\n"
    "User-Agent: reftrail-test/1\r\n"
    "Accept-Encoding: gzip\r\n"
    "\r\n"
    "\r\n\r\n"
).encode()

METADATA = (
    "WARC/1.1\r\n"
    f"WARC-Record-ID: {record_id(3)}\r\n"
    "WARC-Date: 2026-03-14T09:26:53.589Z\r\n"
    f"WARC-Concurrent-To: {record_id(1)}\r\n"
    "WARC-Type: metadata\r\n"
    f"WARC-Target-URI: {URL}\r\n"
    "WARC-Payload-Digest: sha1:ZCU7YN4UIBBSIH3LTHQAF2BNQ4WEDXJG\r\n"
    "WARC-Block-Digest: sha1:ZCU7YN4UIBBSIH3LTHQAF2BNQ4WEDXJG\r\n"
    "Content-Type: application/warc-fields\r\n"
    "Content-Length: 113\r\n"
    "\r\n"
    "via: https://news.example.com/\r\n"
    "hopsFromSeed: L\r\n"
    "fetchTimeMs: 42\r\n"
    f"crawlId: {CRAWL}\r\n"
    "\r\n\r\n"
).encode()


def test_each_record_is_byte_for_byte_as_expected(written) -> None:
    path, _ = written
    records = [out for _, out in gzip_members(path.read_bytes())]
    assert records == [WARCINFO, RESPONSE, REQUEST, METADATA]


def test_the_file_is_named_prefix_time_serial_host_pid(written) -> None:
    path, locations = written
    assert path.name == NAME
    assert sorted(p.name for p in path.parent.iterdir()) == [NAME]  # no .open left
    assert {loc.warc_file for loc in locations} == {NAME}


def test_each_record_is_its_own_gzip_member_at_the_offset_reported(written) -> None:
    path, locations = written
    data = path.read_bytes()
    members = gzip_members(data)
    assert len(members) == 4
    offsets = [offset for offset, _ in members]
    ends = [*offsets[1:], len(data)]
    spans = {off: end - off for off, end in zip(offsets, ends, strict=True)}
    for location, expected in zip(locations, (RESPONSE, REQUEST, METADATA), strict=True):
        assert spans[location.offset] == location.length
        member = data[location.offset : location.offset + location.length]
        assert gzip.decompress(member) == expected


def test_digests_are_the_sha1_of_what_they_cover(written) -> None:
    """The pinned digests above are not just copied output: recompute them here."""
    for record in (WARCINFO, RESPONSE, REQUEST, METADATA):
        head, _, block = record[:-4].partition(b"\r\n\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        assert int(fields["Content-Length"]) == len(block)
        assert fields["WARC-Block-Digest"] == b32sha1(block)
    assert f"WARC-Payload-Digest: {b32sha1(BODY)}".encode() in RESPONSE
    assert sha1_digest(BODY) == b32sha1(BODY)


def test_hop_headers_and_proxy_credentials_are_not_stored(written) -> None:
    path, _ = written
    everything = b"".join(out for _, out in gzip_members(path.read_bytes()))
    assert b"transfer-encoding" not in everything.lower()
    assert b"proxy-authorization" not in everything.lower()
    assert b"c2VjcmV0OnB3" not in everything
    # The body is stored as received: still gzip-encoded, not dechunked twice or decoded.
    assert BODY in everything and PAGE not in everything
