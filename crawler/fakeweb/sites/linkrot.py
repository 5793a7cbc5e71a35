"""Hosts that play link rot for the link checker: bot walls, rate limits, parked domains,
soft 404s in new wordings, and a page whose text a test changes between checks (drift).

``LinkRotSite(state)`` serves them all; a test changes :class:`LinkRotState` while the fake
web runs (``state.drift_version = 2``). Named resources are listed in :data:`NAMES`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from crawler.fakeweb.http import Request, Response, html, redirect
from crawler.fakeweb.site import Site

BOTWALL = "www.botwall-news.com"
RATELIMIT = "api.ratelimited-press.org"
RECOVERING = "www.recovering-daily.com"
PARKED = "lakeside-herald.com"
CHANGING = "www.changing-times.net"
WELCOME = "www.welcome-redirect.com"
QUIET = "www.quiet-press.org"

PARAGRAPHS = [
    "The county board voted on Tuesday to rebuild the Aldwater footbridge before spring, "
    "after engineers found rust in three of the four steel cables that hold the deck.",
    "Residents who cross the bridge to reach the market on Saturdays will use a ferry "
    "service run by volunteers from the rowing club while the work goes on.",
    "The board chair said the cost would be met from the roads budget and a state grant "
    "awarded last year for repairs to river crossings in the northern townships.",
    "Work starts in the second week of February and the contractor expects to reopen the "
    "crossing to walkers by the end of April if the river stays low.",
]
EDITED = [p.replace("Tuesday", "Wednesday").replace("three", "two") for p in PARAGRAPHS]
REPLACED = [
    "The regional orchestra announced a winter season of six concerts, opening with a "
    "programme of Nordic symphonies conducted by a guest from Bergen.",
    "Ticket prices stay as they were last year, and students may attend the open "
    "rehearsals on Thursday afternoons without charge.",
    "A new chamber series will move between village halls, bringing string quartets to "
    "places that have not heard live music in a decade.",
    "The season closes in March with a choral evening shared with the cathedral choir and "
    "the youth ensemble from the music school.",
]


@dataclass
class LinkRotState:
    """What a test changes while the web runs."""

    # 0: the article as cited; 1: lightly edited (not drift); 2: another article (drift).
    drift_version: int = 0
    served: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, key: str) -> int:
        with self.lock:
            self.served[key] = self.served.get(key, 0) + 1
            return self.served[key]


def _article(title: str, paragraphs: list[str], *, site: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    nav = "".join(f'<li><a href="/section/{s}/">{s.title()}</a></li>' for s in ("news", "arts"))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title} | {site}"
        f"</title></head><body><header><a href='/'>{site}</a><nav><ul>{nav}</ul></nav></header>"
        f"<main><article><h1>{title}</h1>{body}</article></main>"
        f"<footer><p>&copy; {site}</p></footer></body></html>"
    )


class LinkRotSite(Site):
    """Seven hosts, each playing one way a cited link goes bad (or seems to)."""

    hosts = (BOTWALL, RATELIMIT, RECOVERING, PARKED, CHANGING, WELCOME, QUIET)

    def __init__(self, state: LinkRotState | None = None) -> None:
        super().__init__()
        self.state = state or LinkRotState()
        self.route(r"/.*", self.botwall, host=BOTWALL)
        self.route(r"/.*", self.ratelimited, host=RATELIMIT)
        self.route(r"/news/footbridge\.html", self.recovering, host=RECOVERING)
        self.route(r"/.*", self.parked, host=PARKED)
        self.route(r"/2026/bridge-repairs\.html", self.changing, host=CHANGING)
        self.route(r"/", self.home("Changing Times"), host=CHANGING)
        self.route(r"/(?:welcome)?", self.home("Welcome Redirect Gazette"), host=WELCOME)
        self.route(
            r"/stories/footbridge\.html", self.real("Welcome Redirect Gazette"), host=WELCOME
        )
        self.route(r"/.*", self.to_welcome, host=WELCOME)
        self.route(r"/", self.home("Quiet Press"), host=QUIET)
        self.route(r"/notes/footbridge\.html", self.real("Quiet Press"), host=QUIET)
        self.route(r"/notes/lost-and-not-found\.html", self.not_found_titled, host=QUIET)
        self.route(r"/.*", self.nowhere, host=QUIET)
        for name, url in NAMES.items():
            self.name(name, url)

    # --- blocked ----------------------------------------------------------------------------
    def botwall(self, request: Request) -> Response:
        page = (
            "<!DOCTYPE html><html><head><title>One more step</title>"
            "<script src='/cdn-cgi/challenge-platform/orchestrate.js'></script></head><body>"
            "<div id='challenge-form-wrapper'><form id='challenge-form' action='/verify' "
            "method='post'><div class='h-captcha' data-sitekey='10000000-ffff'></div>"
            "<input type='hidden' name='ray' value='8f2a'></form></div>"
            "<p>Please complete the check above to continue to the site.</p></body></html>"
        )
        return html(page, status=403)

    def ratelimited(self, request: Request) -> Response:
        response = html("<html><body><h1>Slow down</h1></body></html>", status=429)
        response.headers.append(("Retry-After", "1"))
        return response

    def recovering(self, request: Request) -> Response:
        if self.state.count(f"recovering:{request.path}") == 1:
            response = html("<html><body><h1>Back soon</h1></body></html>", status=503)
            response.headers.append(("Retry-After", "1"))
            return response
        return html(_article("Footbridge to be rebuilt", PARAGRAPHS, site="Recovering Daily"))

    # --- parked -------------------------------------------------------------------------------
    def parked(self, request: Request) -> Response:
        topics = ("Insurance Quotes", "Cheap Flights", "Local Lawyers", "Credit Cards", "Hotels")
        links = "".join(
            f'<li class="related"><a href="/?q={t.replace(" ", "+")}&amp;sid=7">{t}</a></li>'
            for t in topics
        )
        page = (
            f"<!DOCTYPE html><html><head><title>{PARKED}</title></head><body>"
            f"<div class='ads-top adslot'></div><h1>{PARKED}</h1>"
            f"<p>Related searches</p><ul>{links}</ul>"
            "<div class='ads-bottom adslot'></div><p class='small'>Privacy</p></body></html>"
        )
        return html(page)

    # --- drift --------------------------------------------------------------------------------
    def changing(self, request: Request) -> Response:
        version = self.state.drift_version
        if version >= 2:
            return html(_article("Orchestra season announced", REPLACED, site="Changing Times"))
        paragraphs = EDITED if version == 1 else PARAGRAPHS
        return html(_article("Footbridge to be rebuilt", paragraphs, site="Changing Times"))

    # --- soft 404s ----------------------------------------------------------------------------
    def home(self, name: str):  # type: ignore[no-untyped-def]
        def handler(request: Request) -> Response:
            items = "".join(
                f'<li><a href="/stories/{n}.html">Story {n}</a></li>' for n in range(1, 8)
            )
            return html(
                f"<!DOCTYPE html><html><head><title>{name}</title></head><body>"
                f"<h1>{name}</h1><p>Today's stories from the valley.</p><ul>{items}</ul>"
                "</body></html>"
            )

        return handler

    def real(self, name: str):  # type: ignore[no-untyped-def]
        def handler(request: Request) -> Response:
            return html(_article("Footbridge to be rebuilt", PARAGRAPHS, site=name))

        return handler

    def to_welcome(self, request: Request) -> Response:
        return redirect(f"{request.scheme}://{request.host}/welcome", status=302)

    def not_found_titled(self, request: Request) -> Response:
        title = "Lost and Not Found: the bells of St Aldric"
        paragraphs = [*PARAGRAPHS, *REPLACED]
        return html(_article(title, paragraphs, site="Quiet Press"))

    def nowhere(self, request: Request) -> Response:
        page = (
            "<!DOCTYPE html><html><head><title>Quiet Press</title></head><body>"
            "<h1>Hmm, this address leads nowhere</h1><p>Whatever lived here has wandered "
            "off. Perhaps our <a href='/'>front page</a> has what you wanted.</p></body></html>"
        )
        return html(page)


NAMES = {
    "lr-botwall": f"https://{BOTWALL}/2025/03/council-budget.html",
    "lr-ratelimited": f"https://{RATELIMIT}/v1/articles/4411",
    "lr-recovering": f"https://{RECOVERING}/news/footbridge.html",
    "lr-parked": f"http://{PARKED}/2019/05/harbour-festival.html",
    "lr-parked-home": f"http://{PARKED}/",
    "lr-changing": f"https://{CHANGING}/2026/bridge-repairs.html",
    "lr-welcome-soft404": f"https://{WELCOME}/stories/deleted-story.html",
    "lr-welcome-real": f"https://{WELCOME}/stories/footbridge.html",
    "lr-quiet-soft404": f"https://{QUIET}/notes/removed-note.html",
    "lr-quiet-real": f"https://{QUIET}/notes/footbridge.html",
    "lr-not-found-titled": f"https://{QUIET}/notes/lost-and-not-found.html",
}
