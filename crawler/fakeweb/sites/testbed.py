"""The Riverton Gazette as a testbed: its news pages plus one resource per failure mode.

Each failure mode has a stable name (``FakeWeb.url(name)``) so tests and the demo refer to
it without spelling paths. Hosts that must fail for real (``down.`` refuses connections, the
never-registered gazette has no DNS) are declared here and handled by ``FakeWeb``, not served.
"""

from __future__ import annotations

import asyncio
import calendar
import gzip
import re
import zlib
from collections.abc import AsyncIterator

import brotli

from crawler.fakeweb.http import Request, Response, html, redirect
from crawler.fakeweb.site import Handler
from crawler.fakeweb.sites.news import NewsSite, Outlet, esc
from crawler.fakeweb.sites.news_content import FERRY, RIVER_WALK

REFUSED_HOST = "down.riverton-gazette.com"
UNRESOLVABLE_HOST = "www.gazette-that-never-was.com"
HUGE_MB = 30
CHUNK = 64 * 1024

ENCODED_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Compressed page ({coding})</title></head>
<body><h1>This page was sent with Content-Encoding: {coding}</h1>
<p>{filler}</p></body></html>
"""
FILLER = "The Aldwater runs slow and brown past the mill in late summer. " * 40

# Bytes in windows-1252: curly quotes, an em dash and accented letters that are not UTF-8.
CP1252_TEXT = (
    "Caf\u00e9 \u201cLe Mar\u00e9chal\u201d re\u00f6pens \u2014 "
    "na\u00efve cr\u00e8me br\u00fbl\u00e9e"
)


class TestbedSite(NewsSite):
    """www.riverton-gazette.com: news pages and the failure modes."""

    __test__ = False  # not a pytest test class despite the name
    refused_hosts = (REFUSED_HOST,)
    unresolvable_hosts = (UNRESOLVABLE_HOST,)

    def __init__(self, outlet: Outlet) -> None:
        super().__init__(outlet)
        base = outlet.url("")
        routes = {
            "not-found": ("/news/2026/01/05/story-that-never-ran.html", None),
            "gone": ("/news/2023/08/withdrawn-story.html", self.gone),
            "server-error": ("/cgi-bin/classifieds.pl", self.server_error),
            "redirect-chain": ("/redirect/chain/3", None),
            "redirect-chain-end": ("/redirect/chain/0", None),
            "redirect-loop": ("/redirect/loop/a", None),
            "redirect-to-home": ("/news/2024/05/02/old-story.html", self.to_home),
            "redirected-article": ("/2025/11/ferry-schedule.html", self.moved_article),
            "gzip": ("/encoding/gzip.html", self.encoded("gzip")),
            "deflate": ("/encoding/deflate.html", self.encoded("deflate")),
            "br": ("/encoding/br.html", self.encoded("br")),
            "chunked": ("/encoding/chunked.html", self.chunked),
            "charset-wrong": ("/charset/wrong.html", self.charset_wrong),
            "charset-meta-only": ("/charset/meta-only.html", self.charset_meta_only),
            "charset-none": ("/charset/none.html", self.charset_none),
            "huge": ("/files/huge.bin", self.huge),
            "huge-chunked": ("/files/huge-chunked.bin", self.huge),
            "slow-drip": ("/slow/drip.html", self.slow_drip),
            "timeout": ("/slow/never.html", self.never),
            "soft-404": ("/topics/no-such-topic-4417/", None),
            "robots": ("/robots.txt", None),
            "private": ("/private/secret.html", self.private),
            "calendar": ("/calendar/2026/11/", None),
            "article": (RIVER_WALK.path, None),
            "stylesheet": ("/static/css/site.css", None),
            "home": ("/", None),
        }
        for name, (path, handler) in routes.items():
            self.name(name, base + path)
            if handler is not None:
                self.route(re.escape(path), handler)
        self.route(r"/redirect/chain/(?P<hops>\d+)", self.chain)
        self.route(r"/redirect/loop/(?P<leg>[ab])", self.loop)
        self.route(r"/topics/(?P<topic>[^/]+)/?", self.soft_404)
        self.route(r"/calendar/(?P<year>\d{4})/(?P<month>\d{2})/", self.calendar)
        self.name("refused", f"http://{REFUSED_HOST}/archive/2011/flood-of-2011.html")
        self.name("no-such-host", f"http://{UNRESOLVABLE_HOST}/2019/04/centennial-parade.html")

    def robots_rules(self) -> str:
        return "User-agent: *\nDisallow: /private/\nDisallow: /search\n"

    # --- status codes -------------------------------------------------------------------------

    def gone(self, request: Request) -> Response:
        return html(
            "<html><head><title>410 Gone</title></head><body><h1>Gone</h1>"
            "<p>This story has been withdrawn.</p></body></html>",
            status=410,
        )

    def server_error(self, request: Request) -> Response:
        return html(
            "<html><head><title>500 Internal Server Error</title></head><body>"
            "<h1>Internal Server Error</h1><p>classifieds.pl: database is locked</p>"
            "</body></html>",
            status=500,
        )

    def soft_404(self, request: Request, topic: str) -> Response:
        return html(
            self.page(
                "Page not found | Riverton Gazette",
                "<h1>Sorry, we couldn't find that page</h1><p>The page you "
                'requested may have moved. Try the <a href="/">home page</a>.'
                "</p>",
            )
        )

    def private(self, request: Request) -> Response:
        return html(
            self.page(
                "Staff only",
                "<h1>Staff notes</h1><p>Robots may not read "
                "this page; a polite crawler never fetches it.</p>",
            )
        )

    # --- redirects ------------------------------------------------------------------------------

    def chain(self, request: Request, hops: str) -> Response:
        left = int(hops)
        if left == 0:
            return html(self.page("End of the chain", "<h1>You followed every hop</h1>"))
        target = f"/redirect/chain/{left - 1}"
        if left == 2:  # one relative Location, as many servers send
            return redirect(target, status=302)
        status = {3: 301, 1: 307}.get(left, 301)
        return redirect(f"{request.scheme}://{request.host}{target}", status=status)

    def loop(self, request: Request, leg: str) -> Response:
        other = "b" if leg == "a" else "a"
        return redirect(f"{request.scheme}://{request.host}/redirect/loop/{other}", status=302)

    def to_home(self, request: Request) -> Response:
        return redirect(f"{request.scheme}://{request.host}/", status=301)

    def moved_article(self, request: Request) -> Response:
        return redirect(f"{request.scheme}://{request.host}{FERRY.path}", status=301)

    # --- encodings and framing ------------------------------------------------------------------

    def encoded(self, coding: str) -> Handler:
        page = ENCODED_PAGE.format(coding=coding, filler=FILLER).encode("utf-8")
        compress = {
            "gzip": lambda data: gzip.compress(data, mtime=0),
            "deflate": zlib.compress,
            "br": brotli.compress,
        }[coding]
        body = compress(page)

        def handler(request: Request) -> Response:
            # Sent encoded whatever Accept-Encoding says, like a misconfigured server.
            return Response(
                200,
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Encoding", coding),
                    ("Vary", "Accept-Encoding"),
                ],
                body,
            )

        return handler

    def chunked(self, request: Request) -> Response:
        parts = [
            b"<!DOCTYPE html>\n<html><head><title>Chunked page</title></head><body>\n",
            b"<h1>Sent with Transfer-Encoding: chunked</h1>\n",
            *(f"<p>Paragraph {n} of the chunked page.</p>\n".encode() for n in range(1, 6)),
            b"</body></html>\n",
        ]
        return Response(200, [("Content-Type", "text/html; charset=utf-8")], _iterate(parts))

    def charset_wrong(self, request: Request) -> Response:
        page = (
            f"<!DOCTYPE html><html><head><title>Wrong charset</title></head><body>"
            f"<p>{CP1252_TEXT}</p></body></html>"
        )
        return Response(200, [("Content-Type", "text/html; charset=utf-8")], page.encode("cp1252"))

    def charset_meta_only(self, request: Request) -> Response:
        page = (
            '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" '
            'content="text/html; charset=windows-1252"><title>Charset in meta only</title>'
            f"</head><body><p>{CP1252_TEXT}</p></body></html>"
        )
        return Response(200, [("Content-Type", "text/html")], page.encode("cp1252"))

    def charset_none(self, request: Request) -> Response:
        page = (
            "<!DOCTYPE html><html><head><title>No encoding declared</title></head><body>"
            f"<p>{CP1252_TEXT}</p></body></html>"
        )
        return Response(200, [("Content-Type", "text/html")], page.encode("utf-8"))

    def huge(self, request: Request) -> Response:
        size = int(request.arg("mb", str(HUGE_MB)) or HUGE_MB) * 1024 * 1024
        headers = [("Content-Type", "application/octet-stream")]
        if not request.path.endswith("-chunked.bin"):
            headers.append(("Content-Length", str(size)))
        return Response(200, headers, _zeros(size))

    def slow_drip(self, request: Request) -> Response:
        seconds = float(request.arg("seconds", "10") or 10)
        ticks = max(1, int(seconds * 2))
        body = b"<html><body><p>" + b"drip" * ticks + b"</p></body></html>"
        head, drops, tail = body[:15], [b"drip"] * ticks, body[15 + 4 * ticks :]
        return Response(
            200,
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
            _drip(head, drops, tail, interval=seconds / ticks),
        )

    def never(self, request: Request) -> Response:
        return Response(never_answer=True)

    # --- the crawler trap -------------------------------------------------------------------------

    def calendar(self, request: Request, year: str, month: str) -> Response:
        y, m = int(year), int(month)
        if not (1 <= m <= 12 and 1 <= y <= 9999):
            return self.fallback(request)
        prev_y, prev_m = (y, m - 1) if m > 1 else (y - 1, 12)
        next_y, next_m = (y, m + 1) if m < 12 else (y + 1, 1)
        title = f"{calendar.month_name[m]} {y}"
        days = "".join(
            f"<li>{calendar.month_abbr[m]} {d}: Town council, 7 pm</li>" for d in (3, 17)
        )
        return html(
            self.page(
                f"Events calendar: {title}",
                f"""<h1>Events: {esc(title)}</h1>
<ul class="events">{days}</ul>
<p class="pager">
<a rel="prev" href="/calendar/{prev_y:04d}/{prev_m:02d}/">&laquo; Previous month</a>
 | <a rel="next" href="/calendar/{next_y:04d}/{next_m:02d}/">Next month &raquo;</a></p>""",
            )
        )


async def _iterate(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def _zeros(size: int) -> AsyncIterator[bytes]:
    block = b"\0" * CHUNK
    sent = 0
    while sent < size:
        piece = block[: min(CHUNK, size - sent)]
        sent += len(piece)
        yield piece


async def _drip(
    head: bytes, drops: list[bytes], tail: bytes, *, interval: float
) -> AsyncIterator[bytes]:
    yield head
    for drop in drops:
        await asyncio.sleep(interval)
        yield drop
    yield tail
