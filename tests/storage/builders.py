"""Build small archives for storage tests with the real recorder and writer (no crawler).

The exchanges are made up but shaped like what the crawler hands over: redirects with
relative ``Location``, a gzip-encoded body, a 404, a POST, a body fetched twice (a revisit in
the same crawl), a second crawl of unchanged pages (revisits across crawls) and failed fetches
that only the crawl-log ``resource`` record keeps. Times carry microseconds on purpose: the
archive keeps milliseconds, as WARC-Date does.
"""

from __future__ import annotations

import gzip
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from storage.archive import Archive
from storage.captures import CaptureRecorder
from storage.exchange import FailedFetch, HttpExchange
from storage.models import Capture, Crawl, Document
from storage.warc.writer import WarcFileWriter

T0 = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
HOST = "blog.example.org"

# Columns that say what the WARCs hold; ``id`` and ``crawl_id`` are surrogate keys.
CAPTURE_FIELDS = [c.name for c in Capture.__table__.columns if c.name not in ("id", "crawl_id")] + [
    "crawl_uuid"
]


def exchange(
    url: str,
    body: bytes = b"<html><body>hello</body></html>",
    *,
    status: int = 200,
    reason: str = "OK",
    headers: list[tuple[str, str]] | None = None,
    at: datetime = T0,
    method: str = "GET",
    ip: str | None = "127.0.0.2",
    referrer: str | None = None,
    hops: str = "",
    duration_ms: int | None = 12,
) -> HttpExchange:
    response_headers = (
        headers
        if headers is not None
        else [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", str(len(body)))]
    )
    return HttpExchange(
        url=url,
        method=method,
        request_headers=[("User-Agent", "reftrail-test/0.1"), ("Accept", "*/*")],
        request_body=b"q=1" if method == "POST" else b"",
        status=status,
        reason=reason,
        response_headers=response_headers,
        body=body,
        fetched_at=at,
        ip=ip,
        duration_ms=duration_ms,
        referrer=referrer,
        hops=hops,
    )


def page(n: int, size: int = 600) -> bytes:
    text = f"<p>Post {n}: " + "lorem ipsum dolor sit amet " * (size // 27) + "</p>"
    return f"<html><head><title>Post {n}</title></head><body>{text}</body></html>".encode()


def first_crawl_exchanges(at: datetime = T0) -> list[HttpExchange]:
    base = f"https://{HOST}"
    tick = [at]

    def next_time() -> datetime:
        tick[0] += timedelta(milliseconds=37, microseconds=211)
        return tick[0]

    home = base + "/"
    items = [
        exchange(
            base + "/robots.txt",
            b"User-agent: *\nAllow: /\n",
            at=next_time(),
            headers=[("Content-Type", "text/plain")],
        ),
        exchange(home, page(0), at=next_time()),
        exchange(
            base + "/old",
            b"",
            status=301,
            reason="Moved Permanently",
            at=next_time(),
            headers=[("Location", "/2026/03/new.html"), ("Content-Length", "0")],
            referrer=home,
            hops="L",
        ),
        exchange(base + "/2026/03/new.html", page(1), at=next_time(), referrer=home, hops="LR"),
        exchange(
            base + "/style.css",
            b"body { color: #333 }",
            at=next_time(),
            headers=[("Content-Type", "text/css")],
            referrer=home,
            hops="E",
        ),
        exchange(
            base + "/gz",
            gzip.compress(page(2), mtime=0),
            at=next_time(),
            headers=[
                ("Content-Type", "text/html"),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
            ],
            referrer=home,
            hops="L",
        ),
        exchange(
            base + "/missing",
            b"<h1>Not found</h1>",
            status=404,
            reason="Not Found",
            at=next_time(),
            referrer=home,
            hops="L",
        ),
        exchange(
            base + "/search",
            b"[]",
            method="POST",
            at=next_time(),
            headers=[("Content-Type", "application/json")],
            ip=None,
            duration_ms=None,
        ),
        # The same page again in this crawl: a revisit of the response above.
        exchange(home, page(0), at=next_time(), hops="LL", referrer=base + "/2026/03/new.html"),
    ]
    items += [
        exchange(
            f"{base}/2026/03/post-{n}.html",
            page(n, 900 + 37 * n),
            at=next_time(),
            referrer=home,
            hops="L",
        )
        for n in range(3, 15)
    ]
    return items


def failures(at: datetime = T0) -> list[FailedFetch]:
    return [
        FailedFetch(
            url="https://no-such-host.example/",
            error="dns",
            detail="DNS lookup failed: no results for hostname lookup",
            fetched_at=at + timedelta(seconds=1, microseconds=5555),
            duration_ms=3,
            referrer=f"https://{HOST}/",
            hops="L",
        ),
        FailedFetch(
            url="https://slow.example/drip?x=1%202",
            error="timeout",
            detail="Getting https://slow.example/ took longer than 5.0 seconds.",
            fetched_at=at + timedelta(seconds=2, microseconds=999999),
            duration_ms=5000,
            hops="",
        ),
    ]


@dataclass
class BuiltArchive:
    crawl_uuids: list[str] = field(default_factory=list)
    record_count: int = 0


def new_crawl(archive: Archive, crawl_uuid: str, at: datetime) -> int:
    with archive.session() as session, session.begin():
        return session.execute(
            insert(Crawl).returning(Crawl.id),
            [
                {
                    "uuid": crawl_uuid,
                    "kind": "site",
                    "seeds": [f"https://{HOST}/"],
                    "state": "running",
                    "started_at": at,
                    "options": {},
                    "stats": {},
                }
            ],
        ).scalar_one()


def recorder(
    archive: Archive,
    crawl_uuid: str,
    crawl_id: int | None,
    *,
    max_size: int = 6_000,
    pid: int | None = None,
    hostname: str | None = None,
) -> CaptureRecorder:
    writer = WarcFileWriter(
        archive.warc_dir,
        prefix="test",
        max_size=max_size,
        hostname=hostname,
        pid=pid,
        info_fields=[("software", "reftrail-tests")],
    )
    return CaptureRecorder(
        archive,
        writer,
        crawl_id=crawl_id,
        crawl_uuid=crawl_uuid,
        log_path=archive.log_dir / f"{crawl_uuid}.crawl.log",
    )


def build_archive(archive: Archive, *, max_size: int = 6_000, pid: int = 4242) -> BuiltArchive:
    """Two crawls (the second mostly revisits), rotated into several files, logs stored."""
    built = BuiltArchive()
    for number in range(2):
        crawl_uuid = str(uuid.uuid4())
        start = T0 + timedelta(days=number)
        crawl_id = new_crawl(archive, crawl_uuid, start)
        rec = recorder(archive, crawl_uuid, crawl_id, max_size=max_size, pid=pid + number)
        try:
            items = first_crawl_exchanges(start)
            if number == 1:
                items[3].body = page(1, 2000)  # one page changed: a response, not a revisit
            rec.record_exchanges(items[:5])
            rec.record_failures(failures(start)[:1])
            rec.record_exchanges(items[5:])
            rec.record_failures(failures(start)[1:])
            rec.write_crawl_log()
        finally:
            rec.close()
        built.crawl_uuids.append(crawl_uuid)
    add_documents(archive)
    return built


def add_documents(archive: Archive) -> None:
    """A Document for every HTML response, as extraction would leave."""
    with archive.session() as session, session.begin():
        rows = session.execute(
            select(Capture.id, Capture.url).where(
                Capture.mime == "text/html", Capture.record_type == "response"
            )
        ).all()
        if rows:
            session.execute(
                insert(Document),
                [
                    {
                        "capture_id": cid,
                        "url": url,
                        "title": f"title of {url}",
                        "text": "x",
                        "extracted_at": T0,
                    }
                    for cid, url in rows
                ],
            )


def capture_rows(archive: Archive) -> list[tuple]:
    """Every capture row without surrogate keys (crawl by uuid), sorted: comparable sets."""
    with archive.session() as session:
        result = session.execute(
            select(Capture, Crawl.uuid).outerjoin(Crawl, Capture.crawl_id == Crawl.id)
        ).all()
        rows = []
        for capture, crawl_uuid in result:
            values = {c: getattr(capture, c, None) for c in CAPTURE_FIELDS if c != "crawl_uuid"}
            values["crawl_uuid"] = crawl_uuid
            rows.append(tuple(values[c] for c in CAPTURE_FIELDS))
    return sorted(rows, key=repr)


def documents_by_record(archive: Archive) -> dict[str, tuple]:
    with archive.session() as session:
        return {
            record_id: (url, title)
            for record_id, url, title in session.execute(
                select(Capture.record_id, Document.url, Document.title).join(
                    Document, Document.capture_id == Capture.id
                )
            )
        }


def warc_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if ".warc.gz" in p.name)
