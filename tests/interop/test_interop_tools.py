"""The interop helpers work, and can fail: on WARCs written here with warcio and on real ones.

WARCs written here look like reftrail's (DESIGN.md, "WARC capture"): warcinfo first, then per
exchange a response, request and metadata record tied by WARC-Concurrent-To, digests, IP,
one gzip member per record, a body stored still content-encoded, and an identical-payload
revisit. Real WARCs come from ../shared/corpus/warc (pywb's and warcio's test files), read in
place.
"""

from __future__ import annotations

import gzip
import io
import shutil
import socket
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.fakeweb.web import find_corpus_dir
from tests.interop.tools import (
    PywbServer,
    PywbUnavailable,
    cdxj_index,
    parse_cdxj_line,
    pywb_replay,
    pywb_venv,
    warcio_check,
)

CORPUS = find_corpus_dir() / "warc"
IANA = CORPUS / "pywb" / "iana.warc.gz"
IANA_CDXJ = CORPUS / "pywb-cdx" / "iana.cdxj"
EXAMPLE = CORPUS / "warcio" / "example.warc.gz"
BAD_DIGEST = CORPUS / "warcio" / "example-digest.warc"

ARTICLE = "http://news.example.test/2024/05/harbour-bridge.html"
ENCODED = "http://news.example.test/2024/05/ferry-timetable.html"
SENTENCE = "The harbour bridge reopened on Tuesday after eleven weeks of repairs."
ENCODED_SENTENCE = "Ferries will keep their summer timetable until the end of October."
TS1, DATE1 = "20240501120000", "2024-05-01T12:00:00Z"
TS2, DATE2 = "20240501120005", "2024-05-01T12:00:05Z"
TS3, DATE3 = "20240601090000", "2024-06-01T09:00:00Z"  # the revisit: a later crawl


def page(title: str, sentence: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{title}</title></head>\n<body><article><h1>{title}</h1>\n"
        f"<p>{sentence}</p>\n<p>Caf\u00e9 owners on both banks welcomed the news.</p>"
        "</article></body></html>\n"
    ).encode()


ARTICLE_HTML = page("Harbour bridge reopens", SENTENCE)
ENCODED_HTML = page("Ferry timetable", ENCODED_SENTENCE)


def corpus(*paths: Path) -> list[Path]:
    missing = [p for p in paths if not p.is_file()]
    if missing:
        pytest.skip(f"corpus absent at {missing[0]} (see ../shared/corpus/PROVENANCE.md)")
    return list(paths)


# ---------------------------------------------------------------------------------------------
# WARCs like reftrail's, written with warcio


def _exchange(
    writer: WARCWriter, url: str, date: str, body: bytes, headers: list[tuple[str, str]]
) -> str:
    """Write response, request and metadata records for one fetch; return the response id."""
    host = url.split("/")[2]
    path = "/" + url.split("/", 3)[3]
    response = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),  # without it warcio buffers into a temp file it never closes
        http_headers=StatusAndHeaders(
            "200 OK", [*headers, ("Content-Length", str(len(body)))], protocol="HTTP/1.1"
        ),
        warc_headers_dict={"WARC-Date": date, "WARC-IP-Address": "127.0.0.1"},
    )
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    request = writer.create_warc_record(
        url,
        "request",
        payload=io.BytesIO(b""),
        length=0,
        http_headers=StatusAndHeaders(
            f"GET {path} HTTP/1.1",
            [("Host", host), ("User-Agent", "reftrail-tests/0 (+http://example.test/)")],
            is_http_request=True,
        ),
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-IP-Address": "127.0.0.1",
            "WARC-Concurrent-To": response_id,
        },
    )
    fields = (
        b"fetchTimeMs: 12\r\nvia: http://news.example.test/\r\nhopsFromSeed: L\r\ncrawlId: 1\r\n"
    )
    metadata = writer.create_warc_record(
        url,
        "metadata",
        payload=io.BytesIO(fields),
        length=len(fields),
        warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
    )
    for record in (response, request, metadata):
        writer.write_record(record)
    return response_id


def write_warc(path: Path, *, gzip: bool = True, only_warcinfo: bool = False) -> Path:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip, warc_version="1.1")
        writer.write_record(
            writer.create_warcinfo_record(
                path.name,
                {
                    "software": "reftrail-tests (warcio)",
                    "format": "WARC File Format 1.1",
                    "operator": "reftrail test suite",
                    "robots": "obey",
                    "http-header-user-agent": "reftrail-tests/0 (+http://example.test/)",
                },
            )
        )
        if only_warcinfo:
            return path
        _exchange(writer, ARTICLE, DATE1, ARTICLE_HTML, [("Content-Type", "text/html")])
        _exchange(
            writer,
            ENCODED,
            DATE2,
            gzip_bytes(ENCODED_HTML),
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        )
        original = _first(path, "response", ARTICLE, fh)
        writer.write_record(
            writer.create_revisit_record(
                ARTICLE,
                digest=original["WARC-Payload-Digest"],
                refers_to_uri=ARTICLE,
                refers_to_date=DATE1,
                http_headers=StatusAndHeaders(
                    "200 OK",
                    [("Content-Type", "text/html"), ("Content-Length", str(len(ARTICLE_HTML)))],
                    protocol="HTTP/1.1",
                ),
                warc_headers_dict={"WARC-Date": DATE3, "WARC-IP-Address": "127.0.0.1"},
            )
        )
    return path


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _first(path: Path, rec_type: str, url: str, open_fh=None) -> dict:
    """Headers and offset of the first record of a type for a URL (file may be open)."""
    if open_fh is not None:
        open_fh.flush()
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            if record.rec_type == rec_type and record.rec_headers["WARC-Target-URI"] == url:
                record.content_stream().read()
                return {**dict(record.rec_headers.headers), "offset": it.get_record_offset()}
    raise LookupError(f"no {rec_type} record for {url} in {path}")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    return write_warc(tmp_path_factory.mktemp("warcs") / "TEST-20240501120000000-00000-h-1.warc.gz")


def test_written_warc_has_one_gzip_member_per_record(written):
    data = written.read_bytes()
    members, offsets, rest = 0, [], data
    while rest:
        offsets.append(len(data) - len(rest))
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        assert d.decompress(rest).startswith(b"WARC/1.1\r\n")
        rest = d.unused_data
        members += 1
    with open(written, "rb") as fh:
        it = ArchiveIterator(fh)
        record_offsets = [it.get_record_offset() for r in it if r.content_stream().read() or 1]
    assert record_offsets == offsets
    assert members == 1 + 3 + 3 + 1  # warcinfo, 2 x (response, request, metadata), revisit


# ---------------------------------------------------------------------------------------------
# warcio check


def test_warcio_check_passes_on_written_warc(written, tmp_path):
    output = warcio_check([written], require_digests=True)
    assert output.count("digest pass") == 7  # warcinfo, responses, requests, metadata
    assert output.count("digest present but not checked (revisit)") == 1
    assert "failed" not in output
    plain = write_warc(tmp_path / "plain.warc", gzip=False)
    warcio_check([written, plain], require_digests=True)


def test_warcio_check_fails_on_flipped_bytes(written, tmp_path):
    broken = tmp_path / written.name
    shutil.copyfile(written, broken)
    data = bytearray(broken.read_bytes())
    start = _first(written, "response", ARTICLE)["offset"]
    for i in range(start + 120, start + 136):
        data[i] ^= 0xFF
    broken.write_bytes(bytes(data))
    warcio_check(written)  # the original is untouched
    with pytest.raises(AssertionError, match="warcio check"):
        warcio_check(broken)


def test_warcio_check_fails_on_payload_digest_mismatch(tmp_path):
    warc = write_warc(tmp_path / "digest.warc", gzip=False)
    data = warc.read_bytes()
    assert data.count(b"eleven weeks") == 1
    warc.write_bytes(data.replace(b"eleven weeks", b"twelve weeks"))  # same length
    with pytest.raises(AssertionError, match="digest failed"):
        warcio_check(warc)


def test_warcio_check_fails_on_empty_file_and_missing_digests(tmp_path):
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    with pytest.raises(AssertionError, match="no WARC record found"):
        warcio_check(empty)
    with pytest.raises(FileNotFoundError):
        warcio_check(tmp_path / "absent.warc.gz")
    iana = corpus(IANA)[0]  # its request records carry no digest
    warcio_check(iana)
    with pytest.raises(AssertionError, match="records without a digest"):
        warcio_check(iana, require_digests=True)


def test_warcio_check_on_corpus():
    warcio_check(corpus(IANA, EXAMPLE, CORPUS / "pywb" / "dupes.warc.gz"))
    with pytest.raises(AssertionError, match="payload digest failed"):
        warcio_check(corpus(BAD_DIGEST))


# ---------------------------------------------------------------------------------------------
# cdxj-indexer


def test_cdxj_index_written_warc(written):
    entries = cdxj_index(written)
    assert [(e["surt"], e["timestamp"], e["mime"]) for e in entries] == [
        ("test,example,news)/2024/05/harbour-bridge.html", TS1, "text/html"),
        ("test,example,news)/2024/05/ferry-timetable.html", TS2, "text/html"),
        ("test,example,news)/2024/05/harbour-bridge.html", TS3, "warc/revisit"),
    ]
    assert {e["filename"] for e in entries} == {written.name}
    assert entries[0]["digest"] == entries[2]["digest"]
    data = written.read_bytes()
    for e in entries:  # offset/length address exactly one gzip member holding the record
        member = data[int(e["offset"]) : int(e["offset"]) + int(e["length"])]
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        record = d.decompress(member)
        assert d.eof and not d.unused_data
        assert f"WARC-Target-URI: {e['url']}\r\n".encode() in record


def test_cdxj_index_fails_when_a_file_has_nothing_to_index(written, tmp_path):
    info_only = write_warc(tmp_path / "info-only.warc.gz", only_warcinfo=True)
    warcio_check(info_only)
    with pytest.raises(AssertionError, match=r"found nothing to index in .*info-only"):
        cdxj_index([written, info_only])


def test_cdxj_index_matches_pywb_index_of_corpus():
    iana, fixture, example = corpus(IANA, IANA_CDXJ, EXAMPLE)
    ours = cdxj_index(iana)
    theirs = [parse_cdxj_line(line) for line in fixture.read_text().splitlines() if line]
    key = ("surt", "timestamp", "offset", "length", "filename")
    assert sorted(tuple(e.get(k) for k in key) for e in ours) == sorted(
        tuple(e.get(k) for k in key) for e in theirs
    )
    assert [e["mime"] for e in cdxj_index(example)] == ["text/html", "warc/revisit"]


# ---------------------------------------------------------------------------------------------
# pywb


def test_pywb_venv_skip_switch(monkeypatch):
    monkeypatch.setenv("REFTRAIL_SKIP_PYWB", "1")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="pywb replay NOT tested"):
        pywb_venv()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(PywbUnavailable, match="CI must replay"):
        pywb_venv()


def _port_closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.interop
def test_pywb_replays_written_warc(written, tmp_path):
    with pywb_replay([written], tmp_path) as server:
        assert isinstance(server, PywbServer)
        captures = server.cdx(ARTICLE)
        assert [(c["timestamp"], c["mime"]) for c in captures] == [
            (TS1, "text/html"),
            (TS3, "warc/revisit"),
        ]

        # raw (id_): the archived payload byte for byte
        status, headers, body = server.get(server.replay_url(TS1, ARTICLE))
        assert status == 200, server.log()
        assert body == ARTICLE_HTML
        assert headers["Memento-Datetime"] == "Wed, 01 May 2024 12:00:00 GMT"

        # the revisit of a later crawl replays the original's payload
        status, headers, body = server.get(server.replay_url(TS3, ARTICLE))
        assert status == 200, server.log()
        assert body == ARTICLE_HTML
        assert headers["Memento-Datetime"] == "Sat, 01 Jun 2024 09:00:00 GMT"

        # rewritten replay of the page itself (framed replay is off)
        status, headers, body = server.get(server.replay_url(TS1, ARTICLE, raw=False))
        assert status == 200, server.log()
        text = body.decode("utf-8")
        assert SENTENCE in text
        assert "Caf\u00e9 owners" in text

        # a body stored still content-encoded is decoded for rewritten replay
        status, headers, body = server.get(server.replay_url(TS2, ENCODED, raw=False))
        assert status == 200, server.log()
        assert ENCODED_SENTENCE in body.decode("utf-8")
        # raw: the stored (gzip) bytes to a client that accepts gzip, decoded for one that doesn't
        status, headers, body = server.get(
            server.replay_url(TS2, ENCODED), headers={"Accept-Encoding": "gzip"}
        )
        assert status == 200, server.log()
        assert headers["Content-Encoding"] == "gzip"
        assert body == gzip_bytes(ENCODED_HTML)
        status, headers, body = server.get(server.replay_url(TS2, ENCODED))
        assert status == 200, server.log()
        assert body == ENCODED_HTML

        # nothing archived, nothing replayed
        status, _, _ = server.get(server.replay_url(TS1, "http://news.example.test/absent"))
        assert status == 404
        port, proc = server.port, server.proc
    assert proc.returncode is not None
    assert _port_closed(port)


@pytest.mark.interop
def test_pywb_replays_corpus(tmp_path):
    iana, example = corpus(IANA, EXAMPLE)
    with pywb_replay([iana, example], tmp_path, coll="corpus") as server:
        status, _, body = server.get(server.replay_url("20140126200624", "http://www.iana.org/"))
        assert status == 200, server.log()
        assert b"The Internet Assigned Numbers Authority (IANA) is responsible" in body

        status, _, body = server.get(
            server.replay_url("20140126200624", "http://www.iana.org/", raw=False)
        )
        assert status == 200, server.log()
        assert b"<title>Internet Assigned Numbers Authority</title>" in body

        # example.warc.gz: gzip-encoded response, then a revisit of it
        for ts in ("20170306040206", "20170306040348"):
            status, _, body = server.get(server.replay_url(ts, "http://example.com/", raw=False))
            assert status == 200, server.log()
            assert b"This domain is established to be used for illustrative examples" in body


@pytest.mark.interop
def test_pywb_replay_fails_loudly_on_a_file_it_cannot_index(tmp_path):
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(gzip_bytes(b"this is not a WARC file\r\n" * 10))
    with pytest.raises(AssertionError, match="wb-manager failed"), pywb_replay([junk], tmp_path):
        pass
