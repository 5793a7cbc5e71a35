"""A site crawl of the Marsh End Post (``sites/wild.py``): habits of sites reftrail never saw.

One crawl per database feeds every assertion; the site counts what it served, so each test
reads how often the crawler asked for a URL.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.wild import (
    BROKEN_ROBOTS_HOST,
    CDN_HOST,
    CP1252_TEXT,
    HOST,
    IDN_HOST,
    IDN_SEED,
    JAPANESE_TEXT,
    JAPANESE_TITLE,
    OTHER_HOST,
    WildSite,
)
from storage.archive import Archive
from storage.models import Capture, Document, FrontierEntry
from storage.warc.reader import iter_records
from tests.crawler.conftest import crawl_settings, database_for, run_cli
from tests.interop.tools import cdxj_index, warcio_check

ORIGIN = f"https://{HOST}"


@dataclass
class Wild:
    site: WildSite
    proc: subprocess.CompletedProcess[str]
    root: Path
    database_url: str | None

    def rows(self, model: type) -> list:
        archive = Archive.open(self.root, database_url=self.database_url, create=False)
        with archive, archive.session() as session:
            return list(session.scalars(select(model).order_by(model.id)))

    def documents(self) -> dict[str, Document]:
        archive = Archive.open(self.root, database_url=self.database_url, create=False)
        with archive, archive.session() as session:
            return dict(session.execute(select(Capture.url, Document).join(Document.capture)).all())

    def captures(self) -> list[Capture]:
        return self.rows(Capture)

    def frontier(self) -> list[FrontierEntry]:
        return self.rows(FrontierEntry)

    def served(self, target: str, host: str = HOST) -> int:
        return self.site.count(target, host)


@pytest.fixture(scope="module")
def wild(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wild]:
    site = WildSite()
    root = tmp_path_factory.mktemp(f"wild-{module_db}") / "archive"
    with FakeWeb(sites=[site]) as web, database_for(module_db) as url:
        # The home page twice: also in capitals, as a user may paste it.
        seeds = [web.url("wild-home"), IDN_SEED, "HTTPS://WWW.MARSH-END-POST.COM/"]
        seeds.append(f"{ORIGIN}/report.pdf")  # a start URL that is no page
        seeds.append(f"{ORIGIN}/members/secret.html")  # a start URL robots.txt forbids
        args = ["crawl", *seeds, "--max-pages", "80", *crawl_settings(web)]
        proc = run_cli(args, web=web, archive=root, database_url=url)
        yield Wild(site, proc, root, url)


def test_the_crawl_ends_well_and_its_warcs_are_valid(wild: Wild) -> None:
    assert wild.proc.returncode == 0, wild.proc.stderr[-4000:]
    assert "Spider error" not in wild.proc.stderr, wild.proc.stderr[-4000:]
    warcs = sorted((wild.root / "warcs").iterdir())
    warcio_check(warcs, require_digests=True)
    assert all(next(iter_records(p)).rec_type == "warcinfo" for p in warcs)
    indexed = {(line["url"], line.get("status")) for line in cdxj_index(warcs)}
    answered = {(c.url, str(c.status)) for c in wild.captures() if c.record_type == "response"}
    assert answered <= indexed, sorted(answered - indexed)[:5]


def test_every_response_served_is_a_capture(wild: Wild) -> None:
    served = sum(wild.site.served.values())
    answered = [c for c in wild.captures() if c.status is not None]
    assert len(answered) == served, sorted(wild.site.served.items())
    assert all(e.done for e in wild.frontier()), [e.url for e in wild.frontier() if not e.done]


def test_robots_txt_group_for_reftrail_wins_over_the_star_group(wild: Wild) -> None:
    assert wild.served("/") == 1
    assert wild.served("/members/public/notice.html") == 1
    assert wild.served("/members/secret.html") == 0
    assert f"robots.txt of its site forbids the seed {ORIGIN}/members/secret.html" in (
        wild.proc.stderr
    )
    assert wild.served("/story.html?print=1") == 0


def test_a_robots_txt_server_error_forbids_its_host(wild: Wild) -> None:
    """RFC 9309: a 5xx robots.txt means complete disallow (it is archived, nothing else)."""
    assert wild.served("/img/banner.png", BROKEN_ROBOTS_HOST) == 0
    rows = [c for c in wild.captures() if BROKEN_ROBOTS_HOST in c.url]
    assert rows and {(c.url.rsplit("/", 1)[1], c.status) for c in rows} == {("robots.txt", 500)}
    assert "complete disallow" in wild.proc.stderr


def test_relative_links_resolve_like_a_browser(wild: Wild) -> None:
    for target in ("/static/b/page.html", "/static/b/pic.png"):  # <base href>
        assert wild.served(target) == 1, target
    for target in ("/dots/a/sibling.html", "/dots/a/b/child.html", "/top.html"):
        assert wild.served(target) == 1, target


def test_srcset_urls_with_commas_and_data_uris(wild: Wild) -> None:
    for target in (
        "/img/w_300,h_200/heron.png",
        "/img/w_600,h_400/heron.png",
        "/img/c_fill,w_800/marsh.png",
        "/img/c_fill,w_1600/marsh.png",
        "/img/marsh.png",
    ):
        assert wild.served(target) == 1, target
    broken = [t for t in wild.site.served if "R0lGOD" in t or t.endswith(("/w_300", "/h_200"))]
    assert broken == [], broken


def test_a_broken_href_costs_nothing_else_on_the_page(wild: Wild) -> None:
    assert wild.served("/after-broken.html") == 1
    assert wild.served("/img/after-broken.png") == 1


def test_meta_refresh_is_a_link_not_a_loop(wild: Wild) -> None:
    assert wild.served("/refresh/self.html") == 1
    assert wild.served("/refresh/linked.html") == 1  # the refreshing page's links are followed
    assert wild.served("/img/refresh.png") == 1
    assert wild.served("/refresh/target.html") == 1
    assert wild.served("/moved.html", OTHER_HOST) == 0  # off the site, like any link


def test_a_redirect_target_is_fetched_once(wild: Wild) -> None:
    assert wild.served("/moved/trailing") == 1
    assert wild.served("/moved/trailing/") == 1
    assert wild.served("/old-home") == 1 and wild.served("/") == 1


def test_redirects_are_archived_hop_by_hop_within_scope(wild: Wild) -> None:
    caps = {c.url: c for c in wild.captures()}
    hops = {
        "/form/see-other": (303, "/thanks.html"),
        "/temp": (307, "/temp-target.html"),
        "/perm": (308, "/perm-target.html"),
        "/spaced": (302, "/new%20page.html"),  # Location: /new page.html
        "/to-fragment": (302, "/fragment-target.html"),  # Location: ...#part-2
    }
    for source, (status, target) in hops.items():
        hop = caps[ORIGIN + source]
        assert hop.status == status and hop.record_type == "response", source
        assert hop.redirect_to == ORIGIN + target, (source, hop.redirect_to)
        assert caps[hop.redirect_to].status == 200, target
    # A Location that is no URL: the hop is archived and the crawl goes on.
    assert caps[ORIGIN + "/bad-location"].status == 302
    assert caps[ORIGIN + "/bad-location"].redirect_to is None
    # Off the site: the hop is archived, the other site's page is not crawled.
    elsewhere = caps[ORIGIN + "/go/elsewhere"]
    assert elsewhere.status == 301
    assert elsewhere.redirect_to == f"https://{OTHER_HOST}/landing.html"
    assert wild.served("/landing.html", OTHER_HOST) == 0


def test_session_ids_in_urls_do_not_make_new_pages(wild: Wild) -> None:
    for page in "abc":
        hits = sum(n for t, n in wild.site.served.items() if t.startswith(f"{HOST}/sess/{page}."))
        assert hits == 1, (page, sorted(t for t in wild.site.served if "/sess/" in t))


def test_one_url_spelled_several_ways_is_fetched_once(wild: Wild) -> None:
    assert wild.served("/caf%C3%A9/menu.html") == 1
    assert wild.served("/") == 1  # a seed also given in capitals
    assert wild.served("/Mixed.html") == 1
    assert wild.served("/story.html?b=2&a=1") + wild.served("/story.html?a=1&b=2") == 1


def test_html_without_content_type_or_in_utf16_is_parsed(wild: Wild) -> None:
    assert wild.served("/from-no-type.html") == 1
    assert wild.served("/from-utf16.html") == 1
    caps = {c.url: c for c in wild.captures()}
    assert caps[ORIGIN + "/empty.html"].status == 200
    assert caps[ORIGIN + "/binary.html"].status == 200


def test_every_html_page_gets_its_text_extracted(wild: Wild) -> None:
    docs = wild.documents()
    pages = [
        c.url
        for c in wild.captures()
        if c.status and not 300 <= c.status < 400 and c.mime == "text/html"
    ]
    assert pages and [u for u in pages if u not in docs] == []
    assert docs[ORIGIN + "/no-type.html"].title == "No Content-Type"  # sniffed as HTML


def test_text_is_extracted_in_the_pages_own_encoding(wild: Wild) -> None:
    docs = wild.documents()
    for path in ("/sjis-header.html", "/sjis-meta.html"):
        doc = docs[ORIGIN + path]
        assert doc.title == JAPANESE_TITLE and JAPANESE_TEXT in doc.text, (path, doc.text)
        assert doc.language == "ja"
    assert CP1252_TEXT in docs[ORIGIN + "/cp1252-undeclared.html"].text
    assert docs[ORIGIN + "/utf16.html"].title == "UTF-16 page"


def test_a_pdf_seed_is_archived(wild: Wild) -> None:
    capture = {c.url: c for c in wild.captures()}[f"{ORIGIN}/report.pdf"]
    assert capture.status == 200 and capture.mime == "application/pdf"
    assert wild.served("/report.pdf") == 1


def test_unregistered_status_codes_are_archived(wild: Wild) -> None:
    caps = {c.url: c for c in wild.captures()}
    for code in (999, 520):
        capture = caps[f"{ORIGIN}/status/{code}"]
        assert capture.status == code and capture.record_type == "response", code


def test_retry_after_is_honoured(wild: Wild) -> None:
    rows = [c for c in wild.captures() if c.url == ORIGIN + "/ratelimited.html"]
    assert [r.status for r in rows] == [429, 200], [(r.status, r.error) for r in rows]
    assert (rows[1].fetched_at - rows[0].fetched_at).total_seconds() >= 0.9


def test_requisites_are_fetched_once_each(wild: Wild) -> None:
    for target in (
        "/css/main.css",
        "/css/base.css",
        "/fonts/body.woff2",
        "/img/logo.png",
        "/img/paper.png",
        "/img/rule.png",
        "/img/moved.png",
    ):
        assert wild.served(target) == 1, target
    # The home page's iframe redirects to the CDN: fetched, but the CDN's pages are no pages
    # of this crawl (a seed's requisite is no seed).
    assert wild.served("/embed/player.html", CDN_HOST) == 1
    assert wild.served("/player/help.html", CDN_HOST) == 0
    # A requisite may come from another host, also through a redirect...
    assert wild.served("/img/moved.png", CDN_HOST) == 1
    assert wild.served("/img/ok.png", CDN_HOST) == 1
    # ...under that host's robots.txt, which redirects: both hops archived and obeyed.
    assert wild.served("/private/pixel.png", CDN_HOST) == 0
    caps = {c.url: c for c in wild.captures()}
    assert caps[f"https://{CDN_HOST}/robots.txt"].status == 301
    assert caps[f"https://{CDN_HOST}/robots-real.txt"].status == 200


def test_an_internationalized_host_is_one_site_in_both_spellings(wild: Wild) -> None:
    """The seed is typed in Unicode; requests, responses and most links use punycode."""
    for target in ("/", "/nachrichten/", "/impressum.html", "/kontakt.html"):
        assert wild.served(target, IDN_HOST) == 1, target
    caps = {c.url for c in wild.captures()}
    assert f"https://{IDN_HOST}/" in caps  # the seed's fragment is not part of the URL


def test_crawl_delay_spaces_a_hosts_requests(wild: Wild) -> None:
    """The CDN's robots.txt says Crawl-delay: 1; its three images and its embed come a second
    apart."""
    times = [t for host, target, t in wild.site.log if host == CDN_HOST and "robots" not in target]
    assert len(times) == 4, wild.site.log
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Measured where they arrive: a first request's TLS handshake can eat into one gap.
    assert min(gaps) >= 0.5 and sum(gaps) >= 2.7, gaps


def _single_seed(db: str, tmp: pytest.TempPathFactory, path: str) -> Iterator[Wild]:
    """A crawl of one seed (so the blog probe fetches it first), at most five pages."""
    site = WildSite()
    root = tmp.mktemp(f"wild-single-{db}") / "archive"
    with FakeWeb(sites=[site]) as web, database_for(db) as url:
        args = ["crawl", ORIGIN + path, "--max-pages", "5", *crawl_settings(web)]
        proc = run_cli(args, web=web, archive=root, database_url=url)
        yield Wild(site, proc, root, url)


@pytest.fixture(scope="module")
def moved_seed(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wild]:
    """A seed that redirects to another site."""
    yield from _single_seed(module_db, tmp_path_factory, "/go/elsewhere")


@pytest.fixture(scope="module")
def reloading_seed(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wild]:
    """A seed that reloads itself every 30 s (meta refresh to its own URL)."""
    yield from _single_seed(module_db, tmp_path_factory, "/refresh/self.html")


def test_a_seed_that_reloads_itself_is_crawled_once(reloading_seed: Wild) -> None:
    assert reloading_seed.proc.returncode == 0, reloading_seed.proc.stderr[-3000:]
    assert reloading_seed.served("/refresh/self.html") == 1
    assert reloading_seed.served("/refresh/linked.html") == 1


def test_a_seed_that_moved_to_another_site_is_crawled_there(moved_seed: Wild) -> None:
    assert moved_seed.proc.returncode == 0, moved_seed.proc.stderr[-3000:]
    assert moved_seed.served("/go/elsewhere") == 1
    assert moved_seed.served("/landing.html", OTHER_HOST) == 1
    assert moved_seed.served("/about.html", OTHER_HOST) == 1


def _index_rows(run: Wild) -> set[tuple]:
    skip = {"id", "crawl_id"}
    columns = [c.name for c in Capture.__table__.columns if c.name not in skip]
    return {tuple(getattr(c, name) for name in columns) for c in run.captures()}


def test_zz_reindex_and_verify_agree_with_the_crawl(wild: Wild) -> None:
    """Runs last: the capture table is emptied and rebuilt from the WARCs alone."""
    before = _index_rows(wild)
    archive = Archive.open(wild.root, database_url=wild.database_url, create=False)
    with archive, archive.begin() as connection:
        connection.execute(Document.__table__.delete())
        connection.execute(Capture.__table__.delete())
    rebuilt = run_cli(["reindex"], web=None, archive=wild.root, database_url=wild.database_url)
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    after = _index_rows(wild)
    lost, added = sorted(before - after, key=str), sorted(after - before, key=str)
    assert after == before, (lost[:3], added[:3])
    verified = run_cli(["verify"], web=None, archive=wild.root, database_url=wild.database_url)
    assert verified.returncode == 0, verified.stderr[-3000:]


@pytest.fixture(scope="module")
def resumed_move(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wild]:
    """Two seeds, one redirecting to another site; stopped after four pages, then resumed."""
    site = WildSite()
    root = tmp_path_factory.mktemp(f"wild-resumed-{module_db}") / "archive"
    seeds = [f"{ORIGIN}/go/elsewhere", f"{ORIGIN}/empty.html"]
    with FakeWeb(sites=[site]) as web, database_for(module_db) as url:
        stop = crawl_settings(web, CLOSESPIDER_PAGECOUNT=4, CONCURRENT_REQUESTS=1)
        first = run_cli(["crawl", *seeds, *stop], web=web, archive=root, database_url=url)
        assert "closespider_pagecount" in first.stderr, first.stderr[-3000:]
        assert site.count("/about.html", OTHER_HOST) == 0, "stopped too late to test resuming"
        proc = run_cli(
            ["crawl", *seeds, *crawl_settings(web)], web=web, archive=root, database_url=url
        )
        yield Wild(site, proc, root, url)


def test_a_resumed_crawl_keeps_the_site_a_seed_moved_to(resumed_move: Wild) -> None:
    assert resumed_move.proc.returncode == 0, resumed_move.proc.stderr[-3000:]
    assert "resuming crawl" in resumed_move.proc.stderr
    assert resumed_move.served("/about.html", OTHER_HOST) == 1
    assert resumed_move.served("/", OTHER_HOST) == 1  # linked from about.html


def test_meta_robots_nofollow_is_obeyed_but_the_page_is_archived_whole(wild: Wild) -> None:
    """As Heritrix's robots policy "obey" does: the page and its requisites are archived,
    the links it asks robots not to follow are not."""
    assert wild.served("/nofollow.html") == 1
    assert wild.served("/img/nf.png") == 1
    assert wild.served("/behind-nofollow.html") == 0
