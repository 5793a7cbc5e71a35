"""What a user of ``reftrail crawl`` relies on, shown by real crawls of the fake web.

Each crawl runs once per database (module scope, started on first use) and feeds several
assertions: the private-address guard, the crawler's identity, page requisites fetched once,
scope rules, encodings, WARC rotation, ``scrapy crawl site``, progress lines and the summary.
Every crawl names itself with a unique contact URL, so the fake web's request log (shared by
the whole session) can be read per crawl from the User-Agent header the crawler sent.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy import Request
from sqlalchemy import select

from crawler.exceptions import BlockedAddressError
from crawler.fakeweb import FakeWeb
from crawler.middlewares.address_guard import AddressGuardMiddleware
from crawler.resolver import ArchiveResolver
from storage.archive import Archive
from storage.models import Capture, Document, FrontierEntry
from storage.warc.reader import iter_records, read_record
from tests.crawler.conftest import REPO, crawl_settings, database_for, run_cli
from tests.interop.tools import warcio_check

NO_PROXY_ENV = {
    "http_proxy": "",
    "https_proxy": "",
    "HTTP_PROXY": "",
    "HTTPS_PROXY": "",
    "no_proxy": "*",
    "NO_PROXY": "*",
}
SUMMARY = re.compile(
    r"^crawl finished: (?P<fetched>\d+) fetched \((?P<bytes>[^,]+), (?P<http>\d+) HTTP errors\), "
    r"(?P<failed>\d+) failed(?: \((?P<reasons>[^)]*)\))?; archive: ",
    re.MULTILINE,
)
WARC_SERIAL = re.compile(r"^reftrail-\d{17}-(\d{5})-[A-Za-z0-9.-]+-\d+\.warc\.gz$")
# The article and its requisites make ~27 KB of WARC: this limit gives several files.
WARC_LIMIT = 8000
CP1252_TEXT = (
    "Caf\u00e9 \u201cLe Mar\u00e9chal\u201d re\u00f6pens \u2014 "
    "na\u00efve cr\u00e8me br\u00fbl\u00e9e"
)


# --- a tiny private web server (for the address guard) -------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        if self.path == "/":
            body = b'<html><head><title>Intranet</title></head><body><a href="/wiki/">wiki</a>'
            body += b'<img src="/logo.png"></body></html>'
            kind = "text/html"
        else:
            body, kind = b"nothing here", "text/plain"
        status = 404 if self.path == "/robots.txt" else 200
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.paths: list[str] = []

    @property
    def port(self) -> int:
        return self.server_address[1]


@contextmanager
def local_server() -> Iterator[LocalServer]:
    server = LocalServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


# --- running crawls ------------------------------------------------------------------------------


@dataclass
class Run:
    """One finished crawl: its output, its archive, and what the fake web served it."""

    proc: subprocess.CompletedProcess[str]
    root: Path
    database_url: str | None
    token: str
    web: FakeWeb | None = None
    server_paths: list[str] = field(default_factory=list)

    @property
    def stderr(self) -> str:
        return self.proc.stderr

    def open(self) -> Archive:
        return Archive.open(self.root, database_url=self.database_url, create=False)

    def captures(self) -> list[Capture]:
        with self.open() as archive, archive.session() as session:
            return list(session.scalars(select(Capture).order_by(Capture.id)))

    def by_url(self) -> dict[str, Capture]:
        return {c.url: c for c in self.captures()}

    def frontier(self) -> list[FrontierEntry]:
        with self.open() as archive, archive.session() as session:
            return list(session.scalars(select(FrontierEntry).order_by(FrontierEntry.id)))

    def documents(self) -> dict[str, Document]:
        with self.open() as archive, archive.session() as session:
            rows = session.execute(select(Capture.url, Document).join(Document.capture))
            return {url: doc for url, doc in rows}

    def requests(self) -> list[tuple[str, str, str, dict[str, str]]]:
        """What the fake web served to this crawl (matched by the crawl's User-Agent)."""
        assert self.web is not None
        return [e for e in list(self.web.request_log) if self.token in e[3].get("user-agent", "")]

    def urls_requested(self) -> Counter[str]:
        return Counter(f"{host}{target}" for host, _, target, _ in self.requests())

    def warcs(self) -> list[Path]:
        return sorted((self.root / "warcs").iterdir())

    def stored(self, capture: Capture):
        return read_record(
            self.root / "warcs", capture.warc_file, capture.warc_offset, capture.warc_length
        )


def _setting_args(settings: dict[str, object]) -> list[str]:
    args = []
    for name, value in settings.items():
        args += ["-s", f"{name}={value if isinstance(value, str) else json.dumps(value)}"]
    return args


class Crawls:
    """The module's crawls for one database, each run the first time a test asks for it.

    Each crawl gets its own archive folder and, on PostgreSQL, its own schema, kept until the
    module's tests are done (``stack``).
    """

    def __init__(
        self, web: FakeWeb, db: str, tmp: pytest.TempPathFactory, stack: ExitStack
    ) -> None:
        self.web = web
        self.db = db
        self.tmp = tmp
        self.stack = stack

    def crawl(
        self,
        name: str,
        seeds: list[str],
        *args: str,
        via_web: bool = True,
        server: LocalServer | None = None,
        **settings: object,
    ) -> Run:
        token = f"{name}-{uuid.uuid4().hex[:10]}"
        settings.setdefault("REFTRAIL_CONTACT_URL", f"https://archivist.example/{token}")
        root = self.tmp.mktemp(f"{name}-{self.db}") / "archive"
        if via_web:
            argv = ["crawl", *seeds, *args, *crawl_settings(self.web, **settings)]
        else:
            base = {"REFTRAIL_PROGRESS": "log", "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 0}
            argv = ["crawl", *seeds, *args, *_setting_args({**base, **settings})]
        url = self.stack.enter_context(database_for(self.db))
        proc = run_cli(
            argv,
            web=self.web if via_web else None,
            archive=root,
            database_url=url,
            env_extra=None if via_web else NO_PROXY_ENV,
        )
        paths = list(server.paths) if server is not None else []
        return Run(proc, root, url, token, web=self.web, server_paths=paths)


@pytest.fixture(scope="module")
def crawls(
    fake_web: FakeWeb, module_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crawls]:
    with ExitStack() as stack:
        yield Crawls(fake_web, module_db, tmp_path_factory, stack)


def _assert_ok(run: Run) -> None:
    assert run.proc.returncode == 0, run.stderr[-4000:]


# --- 1. private addresses ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blocked_literal(crawls: Crawls) -> Run:
    """``http://127.0.0.1:<port>/`` with the default settings and no proxy."""
    with local_server() as server:
        return crawls.crawl(
            "blocked-literal", [f"http://127.0.0.1:{server.port}/"], via_web=False, server=server
        )


@pytest.fixture(scope="module")
def blocked_mapped(crawls: Crawls) -> Run:
    """A name the host map sends to 127.0.0.1, with the default settings and no proxy."""
    with local_server() as server:
        return crawls.crawl(
            "blocked-mapped",
            [f"http://intranet.reftrail.test:{server.port}/"],
            via_web=False,
            server=server,
            REFTRAIL_HOST_MAP="intranet.reftrail.test=127.0.0.1",
            REFTRAIL_HOST_MAP_ONLY=True,
        )


@pytest.fixture(scope="module")
def allowed_private(crawls: Crawls) -> Run:
    """The same two addresses with REFTRAIL_ALLOW_PRIVATE_ADDRESSES=true."""
    with local_server() as server:
        return crawls.crawl(
            "allowed-private",
            [f"http://127.0.0.1:{server.port}/", f"http://intranet.reftrail.test:{server.port}/"],
            "--depth",
            "1",
            via_web=False,
            server=server,
            REFTRAIL_HOST_MAP="intranet.reftrail.test=127.0.0.1",
            REFTRAIL_HOST_MAP_ONLY=True,
            REFTRAIL_ALLOW_PRIVATE_ADDRESSES=True,
        )


@pytest.fixture(scope="module")
def via_proxy(crawls: Crawls) -> Run:
    """Through the fake web's proxy on 127.0.0.1 with private addresses refused, and with
    USER_AGENT set beside REFTRAIL_CONTACT_URL."""
    token = f"custom-agent-{uuid.uuid4().hex[:10]}"
    run = crawls.crawl(
        "via-proxy",
        [crawls.web.url("tribune-article"), crawls.web.url("refused")],
        "--max-pages",
        "2",
        REFTRAIL_ALLOW_PRIVATE_ADDRESSES=False,
        USER_AGENT=f"Mozilla/5.0 (compatible; {token})",
        RETRY_TIMES=0,
    )
    run.token = token
    return run


def test_a_loopback_address_is_refused_before_any_connection(blocked_literal: Run) -> None:
    _assert_ok(blocked_literal)
    rows = blocked_literal.captures()
    assert rows, blocked_literal.stderr[-3000:]
    assert {r.error for r in rows} == {"blocked-address"}, [(r.url, r.error) for r in rows]
    assert all(r.warc_file is None and r.status is None for r in rows)
    assert blocked_literal.server_paths == [], "the private server was reached"
    assert "blocked-address" in blocked_literal.stderr


def test_a_host_map_answer_to_a_private_address_is_refused_too(blocked_mapped: Run) -> None:
    """The map works like /etc/hosts: its answers pass the same guard as DNS answers."""
    _assert_ok(blocked_mapped)
    rows = blocked_mapped.captures()
    assert rows
    assert {r.error for r in rows} == {"blocked-address"}, [(r.url, r.error) for r in rows]
    assert "resolves to the private address 127.0.0.1" in rows[-1].error_detail
    assert blocked_mapped.server_paths == []
    assert "CRITICAL" not in blocked_mapped.stderr


def test_the_resolver_refuses_a_map_to_the_cloud_metadata_address() -> None:
    """Checked in-process: a crawl must never try to reach 169.254.169.254 from a test."""
    resolver = ArchiveResolver(
        None,
        0,
        5.0,
        host_map={"metadata.reftrail.test": "169.254.169.254", "ok.reftrail.test": "93.184.215.14"},
        map_only=True,
        allow_private=False,
    )
    outcomes: dict[str, object] = {}
    for name in ("metadata.reftrail.test", "ok.reftrail.test"):
        resolver.getHostByName(name).addBoth(lambda r, n=name: outcomes.__setitem__(n, r))
    failure = outcomes["metadata.reftrail.test"]
    assert isinstance(getattr(failure, "value", None), BlockedAddressError), failure
    assert outcomes["ok.reftrail.test"] == "93.184.215.14"


def test_the_guard_refuses_a_literal_metadata_address_unless_proxied() -> None:
    guard = AddressGuardMiddleware()
    with pytest.raises(BlockedAddressError):
        asyncio.run(guard.process_request(Request("http://169.254.169.254/latest/meta-data/")))
    proxied = Request("http://169.254.169.254/latest/", meta={"proxy": "http://proxy:3128"})
    assert asyncio.run(guard.process_request(proxied)) is None


def test_allowing_private_addresses_fetches_them(allowed_private: Run) -> None:
    _assert_ok(allowed_private)
    caps = allowed_private.by_url()
    port = re.search(r":(\d+)/", next(iter(caps))).group(1)
    for host in ("127.0.0.1", "intranet.reftrail.test"):
        assert caps[f"http://{host}:{port}/"].status == 200, caps.keys()
        assert caps[f"http://{host}:{port}/wiki/"].status == 200
        assert caps[f"http://{host}:{port}/logo.png"].status == 200
    assert {r.error for r in caps.values()} == {None}
    assert allowed_private.server_paths.count("/") == 2


def test_a_proxy_on_loopback_is_the_users_choice(via_proxy: Run) -> None:
    _assert_ok(via_proxy)
    caps = via_proxy.by_url()
    article = via_proxy.web.url("tribune-article")
    assert caps[article].status == 200
    assert caps[article].ip  # the proxy's address, recorded as the IP
    # A host outside the proxy (no_proxy) that maps to a loopback address is still refused.
    assert caps[via_proxy.web.url("refused")].error == "blocked-address"


# --- 2. identity ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def article(crawls: Crawls) -> Run:
    """The gazette article alone with its requisites, a named operator, tiny WARC files."""
    return crawls.crawl(
        "article",
        [crawls.web.url("article")],
        "--depth",
        "1",
        "--max-pages",
        "1",
        REFTRAIL_OPERATOR="Riverton Library web archive <archive@riverton.example>",
        REFTRAIL_WARC_MAX_SIZE=WARC_LIMIT,
    )


def _warcinfo(path: Path) -> str:
    first = next(iter_records(path))
    assert first.rec_type == "warcinfo", path
    return first.payload.decode("utf-8")


def test_contact_url_and_operator_name_the_crawl(article: Run) -> None:
    _assert_ok(article)
    contact = f"https://archivist.example/{article.token}"
    agents = {e[3].get("user-agent") for e in article.requests()}
    assert len(agents) == 1, agents
    agent = agents.pop()
    assert agent.startswith("reftrail/") and f"+{contact}" in agent, agent
    info = _warcinfo(article.warcs()[0])
    assert f"http-header-user-agent: {agent}\r\n" in info, info
    assert "operator: Riverton Library web archive <archive@riverton.example>\r\n" in info


def test_user_agent_setting_wins_over_the_contact_url(via_proxy: Run) -> None:
    _assert_ok(via_proxy)
    served = via_proxy.requests()
    assert served, "no request carried the USER_AGENT that was set"
    agents = {e[3]["user-agent"] for e in served}
    assert agents == {f"Mozilla/5.0 (compatible; {via_proxy.token})"}
    assert "archivist.example" not in next(iter(agents))
    info = _warcinfo(via_proxy.warcs()[0])
    assert f"http-header-user-agent: Mozilla/5.0 (compatible; {via_proxy.token})\r\n" in info


# --- 3. requisites -------------------------------------------------------------------------------


def test_every_requisite_is_fetched_once_and_archived(article: Run) -> None:
    _assert_ok(article)
    host = "www.riverton-gazette.com"
    slug = "river-walk-reopens-after-flood-repairs"
    expected = [
        "/static/css/site.css",  # <link rel=stylesheet>
        "/static/css/print.css",  # @import in site.css, and linked by the iframe's page
        "/static/fonts/masthead-serif.woff2",  # url() in @font-face
        "/static/img/paper.png",  # url() background
        f"/static/img/photos/{slug}-640.png",  # src and srcset
        f"/static/img/photos/{slug}-1280.png",  # srcset only
        "/static/img/house-ad.png",  # lazy data-src
        "/static/js/site.js",
        "/static/img/logo.png",
        "/favicon.ico",
        "/embed/map.html",  # iframe
        "/static/img/photos/area-map-640.png",  # image inside the iframe
    ]
    served = article.urls_requested()
    once = {path: served[f"{host}{path}"] for path in expected}
    assert once == dict.fromkeys(expected, 1), once
    assert served[f"{host}/robots.txt"] == 1
    twice = {url: n for url, n in served.items() if n > 1}
    assert twice == {}, f"fetched more than once: {twice}"
    caps = article.by_url()
    origin = article.web.url("article").split("/news/", 1)[0]
    for path in expected:
        capture = caps[f"{origin}{path}"]
        assert capture.status == 200 and capture.warc_file, path
    # Links to other pages were not followed (max one page), so only requisites follow it.
    pages = [e.url for e in article.frontier() if e.kind == "page"]
    assert pages == [article.web.url("article")]


# --- 6. rotation ---------------------------------------------------------------------------------


def test_warcs_rotate_at_the_size_limit(article: Run) -> None:
    _assert_ok(article)
    files = article.warcs()
    assert not [f for f in files if f.name.endswith(".open")], files
    serials = [int(WARC_SERIAL.match(f.name).group(1)) for f in files]
    assert len(files) >= 3, [(f.name, f.stat().st_size) for f in files]
    assert serials == list(range(1, len(files) + 1)), [f.name for f in files]
    for path in files:
        _warcinfo(path)
        records = list(iter_records(path))
        assert [r.rec_type for r in records].count("warcinfo") == 1
    # A file is closed once it has passed the limit, at a record boundary: only the
    # last record group of each file may cross the limit.
    for path in files[:-1]:
        assert path.stat().st_size >= WARC_LIMIT, (path.name, path.stat().st_size)
    warcio_check(files, require_digests=True)
    rows = article.captures()
    assert {r.warc_file for r in rows if r.warc_file} <= {f.name for f in files}


# --- 4. scope ------------------------------------------------------------------------------------


def _pages(run: Run) -> list[FrontierEntry]:
    return [e for e in run.frontier() if e.kind == "page"]


@pytest.fixture(scope="module")
def depth_and_exclude(crawls: Crawls) -> Run:
    return crawls.crawl(
        "depth-exclude", [crawls.web.url("home")], "--depth", "1", "--exclude", r"/section/"
    )


@pytest.fixture(scope="module")
def include_only(crawls: Crawls) -> Run:
    return crawls.crawl("include", [crawls.web.url("home")], "--include", r"/section/[a-z]+/$")


@pytest.fixture(scope="module")
def max_pages(crawls: Crawls) -> Run:
    return crawls.crawl("max-pages", [crawls.web.url("home")], "--max-pages", "4")


@pytest.fixture(scope="module")
def calendar_trap(crawls: Crawls) -> Run:
    return crawls.crawl("calendar", [crawls.web.url("calendar")], "--depth", "5")


def test_depth_limits_how_far_links_are_followed(depth_and_exclude: Run) -> None:
    _assert_ok(depth_and_exclude)
    pages = _pages(depth_and_exclude)
    assert max(p.depth for p in pages) == 1, [(p.url, p.depth) for p in pages]
    assert len(pages) > 3
    served = depth_and_exclude.urls_requested()
    # Staff pages are linked from articles only (two hops from the home page).
    assert not [u for u in served if "/staff/" in u], served
    caps = depth_and_exclude.by_url()
    assert all(caps[p.url].status is not None for p in pages)


def test_exclude_patterns_are_never_fetched(depth_and_exclude: Run) -> None:
    served = depth_and_exclude.urls_requested()
    assert not [u for u in served if "/section/" in u], served
    assert any("/news/" in u for u in served)


def test_include_patterns_limit_the_pages_followed(include_only: Run) -> None:
    _assert_ok(include_only)
    pages = [p.url for p in _pages(include_only)]
    seed = include_only.web.url("home")
    followed = [u for u in pages if u != seed]
    assert followed, pages
    assert all(re.search(r"/section/[a-z]+/$", u) for u in followed), followed
    served = include_only.urls_requested()
    assert not [u for u in served if "/news/" in u], "an article was fetched as a page"
    # Requisites are not pages: the stylesheet is still fetched.
    assert any(u.endswith("/static/css/site.css") for u in served)


def test_max_pages_counts_pages_not_requisites(max_pages: Run) -> None:
    _assert_ok(max_pages)
    pages = _pages(max_pages)
    assert len(pages) == 4, [p.url for p in pages]
    caps = max_pages.by_url()
    assert all(caps[p.url].status for p in pages)
    html = [c for c in caps.values() if (c.mime or "") == "text/html"]
    assert len(html) == 4, [c.url for c in html]
    requisites = [c for c in caps.values() if c.mime and c.mime.startswith(("image/", "text/css"))]
    assert requisites, "requisites were not fetched"


def test_a_calendar_trap_stays_within_the_depth_limit(calendar_trap: Run) -> None:
    _assert_ok(calendar_trap)
    months = sorted(
        u for u in calendar_trap.urls_requested() if re.search(r"/calendar/\d{4}/\d{2}/$", u)
    )
    # The seed is November 2026: five hops each way reach June 2026 and April 2027.
    assert len(months) == 11, months
    assert months[0].endswith("/calendar/2026/06/") and months[-1].endswith("/calendar/2027/04/")


@pytest.fixture(scope="module")
def blog_post(crawls: Crawls) -> Run:
    # The generic crawl (a blog crawl would fetch the articles its posts cite, on any host).
    return crawls.crawl(
        "blog-post", [crawls.web.url("blog-post")], "--depth", "1", "--mode", "site"
    )


def test_pages_stay_on_the_seed_host_while_requisites_may_not(blog_post: Run) -> None:
    _assert_ok(blog_post)
    seed_host = re.match(r"https?://([^/]+)", blog_post.web.url("blog-post")).group(1)
    served = blog_post.requests()
    page_hosts = {re.match(r"https?://([^/:]+)", p.url).group(1) for p in _pages(blog_post)}
    assert page_hosts == {seed_host}, page_hosts
    hosts = {host for host, _, target, _ in served if target != "/robots.txt"}
    # The post cites news sites and links to blogger.com: none of them is fetched...
    tribune = re.match(r"https?://([^/]+)", blog_post.web.url("tribune-home")).group(1)
    page = blog_post.stored(blog_post.by_url()[blog_post.web.url("blog-post")]).payload
    assert f"//{tribune}/".encode() in page and b"//www.blogger.com" in page
    assert tribune not in hosts and "www.blogger.com" not in hosts, hosts
    # ...but its stylesheet, script and images on the blog's static host are.
    others = hosts - {seed_host}
    assert others, f"no requisite fetched from another host: {hosts}"
    for host in others:
        targets = [t for h, _, t, _ in served if h == host and t != "/robots.txt"]
        assert targets and all(t.startswith(("/css/", "/js/", "/img/")) for t in targets), targets


# --- 5 and 8. encodings, progress lines and the summary ------------------------------------------

ENCODING_SEEDS = [
    "slow-drip",
    "charset-wrong",
    "charset-meta-only",
    "charset-none",
    "deflate",
    "not-found",
    "no-such-host",
    "refused",
]


@pytest.fixture(scope="module")
def encodings(crawls: Crawls) -> Run:
    """Odd bodies, a 404 and two hosts that fail; progress logged every second."""
    return crawls.crawl(
        "encodings",
        [crawls.web.url(name) for name in ENCODING_SEEDS],
        "--max-pages",
        str(len(ENCODING_SEEDS)),
        DOWNLOAD_TIMEOUT=60,
        RETRY_TIMES=0,
        REFTRAIL_PROGRESS_INTERVAL=1,
    )


def test_a_slow_drip_body_is_captured_whole(encodings: Run) -> None:
    _assert_ok(encodings)
    capture = encodings.by_url()[encodings.web.url("slow-drip")]
    assert capture.status == 200, (capture.error, capture.error_detail)
    record = encodings.stored(capture)
    body = record.payload
    assert body == b"<html><body><p>" + b"drip" * 20 + b"</p></body></html>"
    assert int(record.http_headers.get_header("Content-Length")) == len(body)


@pytest.mark.parametrize("name", ["charset-wrong", "charset-meta-only", "charset-none"])
def test_text_is_extracted_without_mojibake(encodings: Run, name: str) -> None:
    """A header charset the bytes contradict (charset-wrong: "utf-8" over windows-1252 bytes)
    must not turn every accented letter into U+FFFD; a meta charset or valid UTF-8 decodes."""
    _assert_ok(encodings)
    docs = encodings.documents()
    doc = docs.get(encodings.web.url(name))
    assert doc is not None, f"no document for {name}; have {sorted(docs)}"
    assert CP1252_TEXT in (doc.text or ""), doc.text


def test_a_deflate_body_is_stored_still_encoded(encodings: Run) -> None:
    capture = encodings.by_url()[encodings.web.url("deflate")]
    record = encodings.stored(capture)
    assert record.http_headers.get_header("Content-Encoding") == "deflate"
    assert b"<html" not in record.payload
    assert b"Content-Encoding: deflate" in zlib.decompress(record.payload)


def test_progress_lines_are_logged_when_not_on_a_terminal(encodings: Run) -> None:
    lines = re.findall(r"progress: \d+ fetched, .*? pages/s", encodings.stderr)
    # The slow drip alone takes ten seconds; one line a second is asked for.
    assert len(lines) >= 3, encodings.stderr[-3000:]


def test_the_summary_counts_fetches_and_failures_by_reason(encodings: Run) -> None:
    _assert_ok(encodings)  # a 404, a DNS failure and a refused connection are outcomes
    match = SUMMARY.search(encodings.stderr)
    assert match, encodings.stderr[-2000:]
    reasons = dict((k, int(v)) for k, v in (r.rsplit(" ", 1) for r in match["reasons"].split(", ")))
    rows = encodings.captures()
    failed = [r for r in rows if r.error]
    assert reasons == dict(Counter(r.error for r in failed)), (reasons, failed)
    assert reasons["dns"] >= 1 and reasons["refused"] >= 1
    assert int(match["failed"]) == len(failed)
    assert int(match["fetched"]) == len([r for r in rows if r.status])
    assert int(match["http"]) == len([r for r in rows if r.status and r.status >= 400])
    assert "HTTP errors" in match[0] and match["bytes"].endswith(("B", "KB", "MB"))


# --- 7. scrapy crawl site ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scrapy_crawl(crawls: Crawls) -> Run:
    web = crawls.web
    root = crawls.tmp.mktemp(f"scrapy-{crawls.db}") / "archive"
    token = f"scrapy-{uuid.uuid4().hex[:10]}"
    url = crawls.stack.enter_context(database_for(crawls.db))
    settings = {
        **web.scrapy_settings(),
        # The Scrapy command line passes strings: the host map in its "host=ip,..." form.
        "REFTRAIL_HOST_MAP": ",".join(f"{h}={ip}" for h, ip in web.host_map().items()),
        "REFTRAIL_ARCHIVE": str(root),
        "REFTRAIL_DATABASE_URL": url or "",
        "REFTRAIL_MAX_PAGES": 1,
        "REFTRAIL_PROGRESS": "log",
        "REFTRAIL_CONTACT_URL": f"https://archivist.example/{token}",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFTRAIL_")}
    env.update(web.env())
    scrapy = Path(sys.executable).parent / "scrapy"
    proc = subprocess.run(
        [
            str(scrapy),
            *("crawl", "site", "-a", f"url={web.url('tribune-article')}"),
            *_setting_args(settings),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return Run(proc, root, url, token, web=web)


def test_scrapy_crawl_site_writes_an_archive(scrapy_crawl: Run) -> None:
    _assert_ok(scrapy_crawl)
    caps = scrapy_crawl.by_url()
    article = scrapy_crawl.web.url("tribune-article")
    assert caps[article].status == 200, sorted(caps)
    assert any(url.endswith("/static/css/site.css") for url in caps)
    assert scrapy_crawl.documents().get(article) is not None
    files = scrapy_crawl.warcs()
    assert files and not [f for f in files if f.name.endswith(".open")]
    agent = {e[3]["user-agent"] for e in scrapy_crawl.requests()}
    assert len(agent) == 1 and agent.pop().startswith("reftrail/")
