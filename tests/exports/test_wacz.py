"""``reftrail export wacz``: a post, its requisites and every cited article in one WACZ that
``wacz validate`` (py-wacz) accepts, that our stricter check accepts, that pywb replays from
its own index, and that never holds an excluded capture (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb.sites.blog_content import OLD_FERRY_URL, POSTS
from storage.models import Article, Capture, Citation, Post
from tests.exports.conftest import Crawled
from tests.exports.waczcheck import check_wacz
from tests.interop import tools

BLOG = "https://riverside-notes.blogspot.com"
FERRIES = f"{BLOG}/2025/11/fewer-evening-ferries.html"  # cites OLD_FERRY_URL (a 301)
RIVER_WALK = f"{BLOG}{POSTS[0].path}"


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    """py-wacz's own validator (the ``wacz`` package, a test dependency)."""
    script = Path(sys.executable).parent / "wacz"
    return subprocess.run(
        [str(script), "validate", "-f", str(path)], capture_output=True, text=True, timeout=300
    )


def export(crawled: Crawled, post: str, path: Path) -> subprocess.CompletedProcess[str]:
    return crawled.run("export", "wacz", "--post", post, "-o", str(path))


def expected_captures(crawled: Crawled, post_url: str) -> tuple[set[str], set[str]]:
    """URLs of the post's cited articles (fetched) and of every capture of them (the hops)."""
    with crawled.open() as archive, archive.session() as session:
        post = session.scalars(select(Post).where(Post.url == post_url)).one()
        rows = session.execute(
            select(Citation.url, Citation.fetch_status, Article.final_url)
            .outerjoin(Article, Article.id == Citation.article_id)
            .where(Citation.post_id == post.id, Citation.internal.is_(False))
        ).all()
        finals = {final for _, status, final in rows if status == "fetched"}
        cited = {url for url, _, _ in rows} | finals
        archived = set(
            session.scalars(
                select(Capture.url).where(Capture.url.in_(cited), Capture.warc_file.is_not(None))
            )
        )
    return finals, archived


@pytest.mark.parametrize("post_url", [RIVER_WALK, FERRIES])
def test_the_wacz_is_valid_and_holds_the_post_requisites_and_cited_articles(
    crawled: Crawled, tmp_path: Path, post_url: str
) -> None:
    path = tmp_path / "post.wacz"
    result = export(crawled, post_url, path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "wrote" in result.stderr and "records" in result.stderr

    validated = wacz_validate(path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Validation succeeded" in validated.stdout

    package = check_wacz(path)
    assert package.datapackage["mainPageUrl"] == post_url
    assert package.pages[0]["url"] == post_url
    post_index = package.entries(post_url)
    assert any(e["status"] == "200" and e["mime"] == "text/html" for e in post_index)

    # Requisites: the stylesheet, the images it loads, the post's own picture.
    slug = post_url.rsplit("/", 1)[-1].removesuffix(".html")
    cdn = "https://resources.blogstatic-cdn.com"
    for requisite in ("/css/blog.css", "/img/header.png", f"/img/posts/{slug}.png"):
        assert cdn + requisite in package.urls(), requisite
    # No other post of the blog, nor its home page.
    assert not any(u.startswith(BLOG) and u != post_url for u in package.urls() if ".html" in u)
    assert f"{BLOG}/" not in package.urls()

    finals, archived = expected_captures(crawled, post_url)
    assert finals, "the post cites at least one fetched article"
    assert archived <= package.urls()
    assert finals <= {p["url"] for p in package.pages}

    citations = json.loads(package.files["citations/citations.json"])
    listed = json.loads(crawled.cli("citations", "--post", post_url, "--format", "json"))
    assert citations == listed


def test_a_redirected_citation_brings_every_hop(crawled: Crawled, tmp_path: Path) -> None:
    path = tmp_path / "ferries.wacz"
    assert export(crawled, FERRIES, path).returncode == 0
    package = check_wacz(path)
    hops = package.entries(OLD_FERRY_URL)
    assert hops and {e["status"] for e in hops} == {"301"}
    with crawled.open() as archive, archive.session() as session:
        target = session.scalars(
            select(Capture.redirect_to).where(Capture.url == OLD_FERRY_URL)
        ).first()
    assert target and any(e["status"] == "200" for e in package.entries(target))


def test_every_record_is_a_capture_of_the_archive_copied_byte_exact(
    crawled: Crawled, tmp_path: Path
) -> None:
    path = tmp_path / "post.wacz"
    assert export(crawled, RIVER_WALK, path).returncode == 0
    package = check_wacz(path)
    warc = package.files["archive/data.warc.gz"]
    with crawled.open() as archive, archive.session() as session:
        for surt, _, fields in package.index:
            captures = session.scalars(
                select(Capture).where(Capture.url == fields["url"], Capture.warc_file.is_not(None))
            ).all()
            assert {c.surt for c in captures} == {surt}
            records = {
                (archive.warc_dir / c.warc_file).read_bytes()[
                    c.warc_offset : c.warc_offset + c.warc_length
                ]
                for c in captures
                if c.warc_file and c.warc_offset is not None and c.warc_length
            }
            start, length = int(fields["offset"]), int(fields["length"])
            assert warc[start : start + length] in records, fields


def test_excluded_captures_are_never_exported(crawled: Crawled, tmp_path: Path) -> None:
    gazette = "http://www.riverton-gazette.com/news/"
    crawled.cli("exclude", "add", gazette, "--reason", "takedown")
    try:
        path = tmp_path / "post.wacz"
        assert export(crawled, RIVER_WALK, path).returncode == 0
        package = check_wacz(path)
        assert not any(u.startswith(gazette) for u in package.urls())
        assert any(u == RIVER_WALK for u in package.urls())
        records = gzip.decompress(package.files["archive/data.warc.gz"])
        assert b"WARC-Target-URI: " + gazette.encode() not in records
        assert records.count(b"WARC-Target-URI: ") == len(package.index)

        crawled.cli("exclude", "add", f"{BLOG}/2026/03/", "--reason", "the post itself")
        refused = export(crawled, RIVER_WALK, tmp_path / "refused.wacz")
        assert refused.returncode == 1
        assert "excluded" in refused.stderr and not (tmp_path / "refused.wacz").exists()
    finally:
        crawled.run("exclude", "remove", gazette)
        crawled.run("exclude", "remove", f"{BLOG}/2026/03/")


def test_an_unknown_post_is_an_error_that_says_what_to_do(crawled: Crawled, tmp_path: Path) -> None:
    result = export(crawled, f"{BLOG}/no-such-post.html", tmp_path / "x.wacz")
    assert result.returncode == 1
    assert "no archived post" in result.stderr and "reftrail posts" in result.stderr
    assert not (tmp_path / "x.wacz").exists()


def test_the_checks_catch_a_damaged_package(crawled: Crawled, tmp_path: Path) -> None:
    """A WACZ whose WARC lost a byte fails both validators: they are not rubber stamps."""
    good = tmp_path / "good.wacz"
    assert export(crawled, RIVER_WALK, good).returncode == 0
    with zipfile.ZipFile(good) as zipped:
        members = {info.filename: zipped.read(info.filename) for info in zipped.infolist()}
    warc = bytearray(members["archive/data.warc.gz"])
    warc[len(warc) // 2] ^= 0xFF
    members["archive/data.warc.gz"] = bytes(warc)
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(bad, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    assert wacz_validate(bad).returncode != 0
    with pytest.raises(AssertionError):
        check_wacz(bad)


@pytest.mark.interop
def test_pywb_replays_the_package_from_its_own_index(crawled: Crawled, tmp_path: Path) -> None:
    path = tmp_path / "post.wacz"
    assert export(crawled, FERRIES, path).returncode == 0
    package = check_wacz(path)
    venv = tools.pywb_venv()
    root = tmp_path / "pywb"
    root.mkdir()
    (root / "config.yaml").write_text("framed_replay: false\n", encoding="utf-8")
    tools._wb_manager(venv, root, "init", "post")
    tools._wb_manager(venv, root, "add", "--unpack-wacz", "post", str(path))
    assert not list((root / "collections" / "post" / "archive").glob("*.wacz"))
    server = tools._start_wayback(venv, root, "post", 60)
    try:
        for page in package.pages:
            stamp = page["ts"].replace("-", "").replace(":", "").replace("T", "")[:14]
            status, _, body = server.get(server.replay_url(stamp, page["url"]))
            assert status == 200, (page, server.log()[-2000:])
            assert page.get("title", "").split(",")[0].encode() in body
        status, _, _ = server.get(server.replay_url("2030", OLD_FERRY_URL))
        assert status in (301, 302)
    finally:
        server.stop()
    shutil.rmtree(root, ignore_errors=True)
