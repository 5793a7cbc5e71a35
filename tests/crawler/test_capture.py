"""A real crawl of the fake web's testbed: every response archived as received.

One crawl per database (module scope) feeds many assertions; a second crawl of the same
seeds shows that unchanged payloads become revisit records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from storage.archive import Archive
from storage.models import Capture, Crawl, Document
from storage.warc.reader import iter_records, read_record
from tests.crawler.conftest import crawl_settings, database_for, run_cli
from tests.interop.tools import cdxj_index, pywb_replay, warcio_check

SEED_NAMES = [
    "home",
    "redirect-chain",
    "gzip",
    "br",
    "deflate",
    "chunked",
    "not-found",
    "gone",
    "server-error",
    "no-such-host",
    "refused",
    "timeout",
    "huge",
    "huge-chunked",
    "private",
    "charset-wrong",
    "tribune-article",
    "article",
]
WARC_NAME = re.compile(r"^reftrail-\d{17}-\d{5}-[A-Za-z0-9.-]+-\d+\.warc\.gz$")


@dataclass
class Crawled:
    web: FakeWeb
    root: Path
    database_url: str | None
    first: str  # stderr of the first crawl
    second: str

    def open(self) -> Archive:
        return Archive.open(self.root, database_url=self.database_url, create=False)

    def captures(self) -> list[Capture]:
        with self.open() as archive, archive.session() as session:
            return list(session.scalars(select(Capture).order_by(Capture.id)))


@pytest.fixture(scope="module")
def crawled(
    fake_web: FakeWeb, module_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crawled]:
    root = tmp_path_factory.mktemp(f"capture-{module_db}") / "archive"
    seeds = [fake_web.url(name) for name in SEED_NAMES]
    # Several disallowed seeds on one host wait together for its robots.txt: all must be held.
    seeds += [f"{fake_web.url('private')}?copy={n}" for n in range(6)]
    args = [
        "crawl",
        *seeds,
        "--depth",
        "1",
        *crawl_settings(fake_web, DOWNLOAD_TIMEOUT=3, DOWNLOAD_MAXSIZE=5_000_000, RETRY_TIMES=0),
    ]
    with database_for(module_db) as url:
        first = run_cli(args, web=fake_web, archive=root, database_url=url)
        assert first.returncode == 0, first.stderr[-4000:]
        second = run_cli(args, web=fake_web, archive=root, database_url=url)
        assert second.returncode == 0, second.stderr[-4000:]
        yield Crawled(fake_web, root, url, first.stderr, second.stderr)


def _first_crawl(crawled: Crawled) -> list[Capture]:
    caps = crawled.captures()
    first_id = min(c.crawl_id for c in caps if c.crawl_id)
    return [c for c in caps if c.crawl_id == first_id]


def _by_url(captures: list[Capture]) -> dict[str, Capture]:
    return {c.url: c for c in captures}


def test_warc_files_are_named_closed_and_readable_by_other_tools(crawled: Crawled) -> None:
    files = sorted((crawled.root / "warcs").iterdir())
    assert files, "no WARC written"
    assert all(WARC_NAME.match(f.name) for f in files), [f.name for f in files]
    warcio_check(files)
    lines = cdxj_index(files)
    urls = {line["url"] for line in lines}
    assert crawled.web.url("home") in urls


def test_every_file_starts_with_a_warcinfo_naming_the_crawl(crawled: Crawled) -> None:
    for path in (crawled.root / "warcs").iterdir():
        first = next(iter_records(path))
        assert first.rec_type == "warcinfo"
        info = first.payload.decode()
        for field in (
            "software: reftrail/",
            "robots: obey",
            "http-header-user-agent: reftrail",
            "operator:",
            "isPartOf: reftrail-crawl-",
        ):
            if field == "operator:":
                continue  # empty operator is omitted; covered by the settings test
            assert field in info, info


def test_redirect_chain_is_archived_hop_by_hop(crawled: Crawled) -> None:
    caps = _by_url(_first_crawl(crawled))
    start = crawled.web.url("redirect-chain")
    hops = []
    url = start
    while url in caps and caps[url].redirect_to:
        hops.append(caps[url].status)
        url = caps[url].redirect_to
    assert hops == [301, 302, 307]
    assert caps[url].status == 200


def test_error_pages_and_robots_are_archived(crawled: Crawled) -> None:
    caps = _by_url(_first_crawl(crawled))
    assert caps[crawled.web.url("robots")].status == 200
    assert caps[crawled.web.url("not-found")].status == 404
    assert caps[crawled.web.url("gone")].status == 410
    assert caps[crawled.web.url("server-error")].status == 500
    private = [url for url in caps if "/private/" in url]
    assert private == [], "robots.txt disallows /private/"


def _stored(crawled: Crawled, capture: Capture):
    return read_record(
        crawled.root / "warcs", capture.warc_file, capture.warc_offset, capture.warc_length
    )


def test_bodies_are_stored_still_content_encoded(crawled: Crawled) -> None:
    caps = _by_url(_first_crawl(crawled))
    gz = _stored(crawled, caps[crawled.web.url("gzip")])
    assert gz.http_headers.get_header("Content-Encoding") == "gzip"
    assert gz.payload[:2] == b"\x1f\x8b"
    br = _stored(crawled, caps[crawled.web.url("br")])
    assert br.http_headers.get_header("Content-Encoding") == "br"
    import brotli

    assert b"<html" in brotli.decompress(br.payload).lower()


def test_chunked_body_is_stored_without_transfer_encoding(crawled: Crawled) -> None:
    caps = _by_url(_first_crawl(crawled))
    record = _stored(crawled, caps[crawled.web.url("chunked")])
    assert record.http_headers.get_header("Transfer-Encoding") is None
    assert record.payload.rstrip().endswith(b"</html>")
    assert b"\r\n0\r\n" not in record.payload


def test_failed_fetches_are_rows_with_a_reason(crawled: Crawled) -> None:
    caps = _by_url(_first_crawl(crawled))
    expected = {
        "no-such-host": "dns",
        "refused": "refused",
        "timeout": "timeout",
        "huge": "too-large",
        # No Content-Length to refuse it by: cut off once past DOWNLOAD_MAXSIZE.
        "huge-chunked": "too-large",
    }
    for name, reason in expected.items():
        row = caps[crawled.web.url(name)]
        assert row.error == reason, (name, row.error, row.error_detail)
        assert row.warc_file is None and row.status is None


def test_crawl_log_is_stored_as_a_resource_record(crawled: Crawled) -> None:
    logs = []
    for path in sorted((crawled.root / "warcs").iterdir()):
        logs += [
            r
            for r in iter_records(path)
            if r.rec_type == "resource" and r.target_uri.startswith("urn:reftrail:crawl-log:")
        ]
    assert len(logs) == 2  # one per crawl
    text = logs[0].payload.decode()
    assert crawled.web.url("home") in text
    assert "reftrail-error:dns" in text and "reftrail-error:refused" in text


def test_metadata_records_carry_what_the_exchange_lacks(crawled: Crawled) -> None:
    with crawled.open() as archive, archive.session() as session:
        crawl = session.scalars(select(Crawl).order_by(Crawl.id)).first()
        assert crawl is not None and crawl.state == "done"
        uuid = crawl.uuid
    path = sorted((crawled.root / "warcs").iterdir())[0]
    records = list(iter_records(path))
    responses = {r.record_id: r for r in records if r.rec_type == "response"}
    metadata = [r for r in records if r.rec_type == "metadata"]
    requests = [r for r in records if r.rec_type == "request"]
    assert metadata and requests
    for record in metadata:
        assert record.rec_headers.get_header("WARC-Concurrent-To") in responses
        fields = record.payload.decode()
        assert "fetchTimeMs: " in fields and f"crawlId: {uuid}" in fields
        assert "hopsFromSeed: " in fields
    for record in requests:
        assert record.rec_headers.get_header("WARC-Concurrent-To") in responses
    for response in responses.values():
        assert response.rec_headers.get_header("WARC-IP-Address")
        assert response.rec_headers.get_header("WARC-Payload-Digest").startswith("sha1:")
        assert response.rec_headers.get_header("WARC-Block-Digest").startswith("sha1:")


def test_html_captures_have_extracted_documents(crawled: Crawled) -> None:
    article = crawled.web.url("tribune-article")
    with crawled.open() as archive, archive.session() as session:
        docs = (
            session.execute(select(Document).join(Capture).where(Capture.url == article))
            .scalars()
            .all()
        )
    assert docs
    doc = docs[0]
    assert (doc.title and "Mereden" in doc.title) or "bridge" in (doc.title or "").lower()
    assert doc.author and doc.published and len(doc.text or "") > 200
    # Error pages are HTML captures too: what the server said is searchable.
    missing = crawled.web.url("not-found")
    with crawled.open() as archive, archive.session() as session:
        titles = session.scalars(
            select(Document.title).join(Capture).where(Capture.url == missing)
        ).all()
    assert titles and titles[0] == "404 Not Found", titles


def test_second_crawl_stores_no_payload_twice(crawled: Crawled) -> None:
    caps = crawled.captures()
    crawl_ids = sorted({c.crawl_id for c in caps if c.crawl_id})
    assert len(crawl_ids) == 2
    second = [c for c in caps if c.crawl_id == crawl_ids[1] and c.record_type]
    assert second
    originals = {
        (c.url, c.payload_digest)
        for c in caps
        if c.crawl_id == crawl_ids[0] and c.record_type == "response"
    }
    for capture in second:
        if (capture.url, capture.payload_digest) in originals:
            assert capture.record_type == "revisit", capture.url
            assert capture.revisit_of
    responses = [(c.url, c.payload_digest) for c in caps if c.record_type == "response"]
    assert len(responses) == len(set(responses)), "a payload was stored twice"
    revisits = [c for c in second if c.record_type == "revisit"]
    assert len(revisits) >= 0.9 * len(second)
    record = _stored(crawled, revisits[0])
    assert record.rec_type == "revisit"
    assert record.rec_headers.get_header("WARC-Profile").endswith("identical-payload-digest")
    assert record.rec_headers.get_header("WARC-Refers-To") == revisits[0].revisit_of


@pytest.mark.interop
def test_pywb_replays_a_captured_page_with_its_original_text(
    crawled: Crawled, tmp_path: Path
) -> None:
    article = crawled.web.url("tribune-article")
    with crawled.open() as archive, archive.session() as session:
        capture, text = session.execute(
            select(Capture, Document.text)
            .join(Document)
            .where(Capture.url == article)
            .order_by(Capture.id)
        ).first()
    sentence = max((text or "").split("\n"), key=len)[:80]
    assert len(sentence) > 40, text
    files = sorted((crawled.root / "warcs").iterdir())
    from storage.timeutil import timestamp14

    with pywb_replay(files, tmp_path) as pywb:
        status, _, body = pywb.get(
            pywb.replay_url(timestamp14(capture.fetched_at), article, raw=False)
        )
        assert status == 200
        page = body.decode("utf-8", "replace")
        assert sentence.split(" ", 1)[1][:40] in page.replace("\n", " ")
        # A redirect hop replays as the redirect it was.
        chain = crawled.web.url("redirect-chain")
        status, _headers, _ = pywb.get(pywb.replay_url(timestamp14(capture.fetched_at), chain))
        assert status in (301, 302, 307), status


def _index_rows(crawled: Crawled) -> set[tuple]:
    columns = (
        "url",
        "surt",
        "status",
        "mime",
        "length",
        "payload_digest",
        "record_type",
        "record_id",
        "warc_file",
        "warc_offset",
        "warc_length",
        "ip",
        "redirect_to",
        "revisit_of",
        "duration_ms",
        "error",
        "hops",
        "referrer",
    )
    with crawled.open() as archive, archive.session() as session:
        return {
            (*tuple(getattr(c, name) for name in columns), c.fetched_at.isoformat())
            for c in session.scalars(select(Capture))
        }


def test_zz_reindex_reproduces_the_capture_table_from_the_warcs_alone(crawled: Crawled) -> None:
    """Runs last in this module: it empties the capture table and rebuilds it."""
    before = _index_rows(crawled)
    with crawled.open() as archive, archive.session() as session, session.begin():
        session.execute(Document.__table__.delete())
        session.execute(Capture.__table__.delete())
    result = run_cli(["reindex"], web=None, archive=crawled.root, database_url=crawled.database_url)
    assert result.returncode == 0, result.stderr[-3000:]
    after = _index_rows(crawled)
    assert after == before, (sorted(before - after)[:3], sorted(after - before)[:3])
    # ... and the pages' text: a database rebuilt from the WARCs is searchable again.
    with crawled.open() as archive, archive.session() as session:
        html = session.scalars(
            select(Capture.id).where(
                ~Capture.status.between(300, 399),
                Capture.record_type == "response",
                Capture.mime == "text/html",
            )
        ).all()
        documents = dict(session.execute(select(Document.capture_id, Document.title)).all())
    assert html and set(html) <= set(documents), len(set(html) - set(documents))
    assert f"text extracted for {len(documents)} pages" in " ".join(result.stderr.split())
    assert sum(1 for title in documents.values() if title) >= len(html) // 2
    verified = run_cli(
        ["verify"], web=None, archive=crawled.root, database_url=crawled.database_url
    )
    assert verified.returncode == 0, verified.stderr[-3000:]
