"""``storage.wacz.write_wacz`` on an archive built record by record: a post archived twice,
whose stylesheet and image were revisits the second time. The package holds both versions,
the requisites closest to each (a stylesheet's own images too) and, for every revisit, the
response it repeats, so the newest version replays whole; nothing else of the site, nothing
excluded (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

import crawler.cli  # noqa: F401  (imported first: it registers the command modules)
from crawler.commands.exports import page_requisites
from storage.archive import Archive
from storage.exclusions import add_exclusion
from storage.models import Capture
from storage.posts import CHANGED, record_post, save_site
from storage.wacz import write_wacz
from tests.exports.waczcheck import check_wacz
from tests.storage.builders import T0, exchange, new_crawl, recorder

SITE = "https://notes.example.org"
POST = f"{SITE}/2026/03/a-post.html"
CSS = b"body { background: url(/img/bg.png) }"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def post_body(version: int) -> bytes:
    return (
        f"<html><head><title>A post</title><link rel=stylesheet href=/css/site.css></head>"
        f"<body><p>Version {version}.</p><img src=/img/a.png>"
        f'<a href="{SITE}/other.html">other</a></body></html>'
    ).encode()


def crawl(archive: Archive, days: int, version: int) -> int:
    """One crawl of the post and what it needs; returns the post page's capture id."""
    at = T0 + timedelta(days=days)
    crawl_uuid = str(uuid.uuid4())
    rec = recorder(archive, crawl_uuid, new_crawl(archive, crawl_uuid, at))
    try:
        ids = rec.record_exchanges(
            [
                exchange(POST, post_body(version), at=at),
                exchange(f"{SITE}/css/site.css", CSS, at=at + timedelta(seconds=1),
                         headers=[("Content-Type", "text/css")]),
                exchange(f"{SITE}/img/bg.png", PNG + b"bg", at=at + timedelta(seconds=2),
                         headers=[("Content-Type", "image/png")]),
                exchange(f"{SITE}/img/a.png", PNG, at=at + timedelta(seconds=3),
                         headers=[("Content-Type", "image/png")]),
                exchange(f"{SITE}/other.html", post_body(99), at=at + timedelta(seconds=4)),
            ]
        )  # fmt: skip
    finally:
        rec.close()
    return ids[0]


def build(archive: Archive, *, history: bool = True) -> None:
    """Two crawls; the post row knows both fetches, or (``history`` false) only the second."""
    site_id = save_site(archive, host="notes.example.org", url=f"{SITE}/", platform="generic",
                        feeds=[], sitemaps=[], title="Notes", crawl_id=None)  # fmt: skip
    for days, version in ((0, 1), (10, 2)):
        capture_id = crawl(archive, days, version)
        if not history and version == 1:
            continue
        record_post(archive, site_id, POST, fields={"title": "A post"}, capture_id=capture_id,
                    crawl_id=None, outcome=CHANGED, status=200,
                    fetched_at=T0 + timedelta(days=days))  # fmt: skip


def test_both_versions_their_requisites_and_the_revisited_originals(
    archive: Archive, tmp_path: Path
) -> None:
    build(archive)
    with archive.session() as session:
        kinds = {
            (c.url.rsplit("/", 1)[-1], c.record_type) for c in session.scalars(select(Capture))
        }
    assert ("site.css", "revisit") in kinds and ("a.png", "revisit") in kinds  # the setup

    summary = write_wacz(archive, POST, tmp_path / "post.wacz", requisites=page_requisites)
    package = check_wacz(summary.path)
    by_url: dict[str, list[str]] = {}
    for _, _, fields in package.index:
        by_url.setdefault(fields["url"].rsplit("/", 1)[-1], []).append(fields.get("mime", ""))
    assert sorted(by_url["a-post.html"]) == ["text/html", "text/html"]  # both versions
    # Each version's stylesheet and image; the second time revisits, with their originals.
    assert sorted(by_url["site.css"]) == ["text/css", "warc/revisit"]
    assert sorted(by_url["a.png"]) == ["image/png", "warc/revisit"]
    assert "bg.png" in by_url  # loaded by the stylesheet
    assert "other.html" not in by_url  # a link, not a requisite
    assert summary.captures == len(package.index)
    assert [p["url"] for p in package.pages] == [POST]
    assert package.pages[0]["ts"].startswith((T0 + timedelta(days=10)).strftime("%Y-%m-%d"))


def test_excluded_requisites_stay_out(archive: Archive, tmp_path: Path) -> None:
    build(archive)
    add_exclusion(archive, f"{SITE}/img/", reason="test")
    package = check_wacz(
        write_wacz(archive, POST, tmp_path / "post.wacz", requisites=page_requisites).path
    )
    urls = package.urls()
    assert POST in urls and f"{SITE}/css/site.css" in urls
    assert not any("/img/" in url for url in urls)
    records = gzip.decompress(package.files["archive/data.warc.gz"])
    assert records.count(b"WARC-Target-URI: ") == len(package.index)
    assert f"WARC-Target-URI: {SITE}/img/".encode() not in records


def test_a_revisit_brings_the_response_it_repeats(archive: Archive, tmp_path: Path) -> None:
    """Only the second fetch is the post's: its requisites are revisits, and replay needs the
    first crawl's responses they point at."""
    build(archive, history=False)
    package = check_wacz(
        write_wacz(archive, POST, tmp_path / "post.wacz", requisites=page_requisites).path
    )
    mimes = {}
    for _, _, fields in package.index:
        mimes.setdefault(fields["url"].rsplit("/", 1)[-1], []).append(fields.get("mime"))
    assert mimes["a-post.html"] == ["text/html"]
    assert sorted(mimes["site.css"]) == ["text/css", "warc/revisit"]
    assert sorted(mimes["a.png"]) == ["image/png", "warc/revisit"]
