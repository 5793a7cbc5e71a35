"""Fixtures for the web app: archives built from made-up exchanges, and an in-process client.

Requests go through httpx's ASGI transport into the FastAPI app (no socket), on SQLite and
PostgreSQL alike (the ``archive`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import insert, select

from storage.archive import Archive
from storage.models import Capture, Document
from tests.storage.builders import T0, build_archive, exchange, new_crawl, recorder
from webapp.app import create_app

TOKEN = "test-token-0123456789"
READER = "https://reader.example.com"
LINKED_PAGE = b"""<!doctype html>
<html><head><title>Reader page</title>
<base href="https://reader.example.com/articles/">
<link rel="stylesheet" href="/css/site.css">
<style>body { background: url('/img/bg.png') }</style>
<meta http-equiv="refresh" content="30; url=https://reader.example.com/next">
</head><body>
<a href="story.html">relative</a> <a href="https://news.example.net/world?id=1&amp;x=2">news</a>
<a href="#top">top</a> <a href="mailto:ed@example.com">mail</a> <a href="javascript:void(0)">js</a>
<img src="pic.png" srcset="pic-1x.png 1x, https://cdn.example.net/pic-2x.png 2x" alt="pic">
<div style="background-image: url(&quot;/img/div.png&quot;)">div</div>
<form action="/search"><input name="q"></form>
<script>document.title = "cookie:" + document.cookie;</script>
<p>Caf\xc3\xa9 &amp; cr\xc3\xa8me</p>
</body></html>"""
STYLESHEET = (
    b"@import 'print.css'; body { background: url(/img/a.png) } "
    b'h1 { background: url("https://cdn.example.net/h.png") }'
)
EVIL_TITLE = "Evil <script>alert('title')</script> & co"
EVIL_TEXT = "Readers saw <img src=x onerror=alert(1)> inside the zebrafish article."


@dataclass
class Built:
    archive: Archive
    ids: dict[str, int]


def record_reader_site(archive: Archive) -> None:
    crawl_uuid = str(uuid.uuid4())
    at = T0 + timedelta(days=5)
    crawl_id = new_crawl(archive, crawl_uuid, at)
    rec = recorder(archive, crawl_uuid, crawl_id)
    try:
        rec.record_exchanges(
            [
                exchange(f"{READER}/articles/page.html", LINKED_PAGE, at=at,
                         headers=[("Content-Type", "text/html; charset=utf-8"),
                                  ("Set-Cookie", "session=archived; Path=/"),
                                  ("Clear-Site-Data", '"cookies"'),
                                  ("Content-Security-Policy", "default-src *")]),
                exchange(f"{READER}/css/site.css", STYLESHEET, at=at + timedelta(seconds=1),
                         headers=[("Content-Type", "text/css")]),
                exchange(f"{READER}/evil.html",
                         b"<html><head><title>x</title></head><body>evil</body></html>",
                         at=at + timedelta(seconds=2)),
                exchange(f"{READER}/private/secret.html",
                         b"<html><body>secret zebrafish</body></html>",
                         at=at + timedelta(seconds=3)),
            ]
        )  # fmt: skip
    finally:
        rec.close()


def add_texts(archive: Archive) -> dict[str, int]:
    """Documents with distinctive text for search tests; returns capture ids by URL."""
    texts = {
        f"{READER}/evil.html": (EVIL_TITLE, EVIL_TEXT),
        f"{READER}/private/secret.html": ("Secret", "The secret zebrafish dossier."),
        f"{READER}/articles/page.html": ("Reader page", "A page about zebrafish and crème."),
    }
    ids = {}
    with archive.session() as session, session.begin():
        for url, (title, text) in texts.items():
            capture_id = session.scalar(select(Capture.id).where(Capture.url == url))
            assert capture_id is not None
            ids[url] = capture_id
            session.execute(
                insert(Document),
                [{"capture_id": capture_id, "url": url, "title": title, "text": text,
                  "extracted_at": T0}],
            )  # fmt: skip
    return ids


@pytest.fixture
def built(archive: Archive) -> Built:
    build_archive(archive)
    record_reader_site(archive)
    ids = add_texts(archive)
    return Built(archive, ids)


class Client:
    """A synchronous face on ``httpx.AsyncClient`` over ``httpx.ASGITransport``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.request(method, url, **kwargs)

        return anyio.run(go)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)


@pytest.fixture
def client(built: Built) -> Client:
    return Client(create_app(built.archive, token=TOKEN))
