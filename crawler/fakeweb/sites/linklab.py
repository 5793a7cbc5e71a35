# ruff: noqa: E501  (fixture pages are long HTML strings, kept one per line)
"""A labelled fake web for measuring the link checker: many hosts, each URL with its true verdict.

Written before looking at what the classifier says about it. Hosts differ in house style (four
page templates) and in how they answer an address they do not know: an honest 404, their home
page at 200, a "nothing at this address" template at 200 (in several languages, some echoing
the path, some with changing recommendations), a redirect to the home page, to a search page
or to an error address. Live pages include scary ones: a real article with "404" in its title,
short notes, a page whose section is being updated, a PDF, articles on hosts that hide their
404s. Parked domains come in several layouts (link farm, broker landing with an enquiry form,
script-only lander, lapsed-registration redirect, sponsored-listing portal); bot walls with
and without known widget names.

``LinkLabSite(state)``; ``site.labels`` maps every URL to its verdict; ``site.archive_first``
lists the URLs a test must crawl before setting ``state.version = 1`` (the cited copies of the
drift cases: half are replaced by another text (drifted), half lightly edited (ok)).
The wording here is this module's own; it is not taken from the classifier's word lists.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from crawler.fakeweb.http import Request, Response, content, html, redirect
from crawler.fakeweb.site import Site
from storage import linkstate

Page = Callable[[Request], Response]

# Every verdict a labelled URL can carry: all the checker's, but "inconclusive".
VERDICTS = tuple(verdict for verdict in linkstate.VERDICTS if verdict != "inconclusive")
DEAD_LIKE = frozenset(
    {"gone", "no-such-host", "unreachable", "soft-404", "redirect-to-home", "parked"}
)


@dataclass
class LinkLabState:
    """0: the web as it was when the posts cited it; 1: as it is at check time."""

    version: int = 0


# --- text ------------------------------------------------------------------------------------

WHO = [
    "The harbour trust",
    "A circle of allotment holders",
    "The physics faculty at Carrow",
    "Volunteers at the county museum",
    "The ferry operators' union",
    "Parents at Hollin primary school",
    "The regional water board",
    "A cooperative of hill farmers",
    "The city's cycling forum",
    "Staff at the Weald observatory",
    "The library friends' society",
    "Fishermen working out of Saltby",
    "The tramway preservation group",
    "Nurses at the Eastgate clinic",
    "The chamber of small traders",
    "Beekeepers from the upper valley",
]
DID = [
    "set out a plan to",
    "voted narrowly to",
    "raised enough money to",
    "asked the council for leave to",
    "spent the summer trying to",
    "published a study on how to",
    "won a grant that will let them",
    "argued at a packed meeting that it is time to",
]
WHAT = [
    "restore the lighthouse keeper's cottage",
    "run a night bus to the airport",
    "replant the hedgerows along the old drove road",
    "measure the silt building up behind the weir",
    "reopen the swimming baths on Mill Street",
    "catalogue ten thousand glass-plate photographs",
    "light the towpath between the two locks",
    "count the otters returning to the estuary",
    "turn the empty bank into a repair cafe",
    "bring back the Sunday market in the square",
    "fit solar panels to the cattle market roof",
    "teach first aid to every teenager in the parish",
]
WHEN = [
    "before the frosts arrive.",
    "after two winters of delays.",
    "once the survey results are in.",
    "in time for the spring equinox.",
    "with help from a retired engineer.",
    "despite objections from the bypass committee.",
    "if the loan is approved in March.",
    "as soon as the scaffolding comes down.",
]
ASIDES = [
    "Nobody at the meeting could remember a turnout like it.",
    "The minutes run to fourteen pages and include a hand-drawn map.",
    "A spokesperson declined to give a date for the first phase.",
    "Similar schemes elsewhere took three years to pay for themselves.",
    "Some neighbours remain unconvinced and have written to the paper.",
    "The project's accounts will be published every quarter.",
    "Local historians have offered to lend photographs for the exhibition.",
    "Work will pause during the lambing season.",
]
# A different world of words, for articles that replace a cited one (drift).
OTHER = [
    "Brown the onions slowly in butter until they smell of toffee.",
    "The visiting side scored twice in the last ten minutes to take the cup.",
    "Add the stock a ladle at a time and keep stirring the rice.",
    "Their goalkeeper saved a penalty with his trailing foot.",
    "Season the broth with smoked paprika and a squeeze of lemon.",
    "The referee waved play on despite furious protests from the bench.",
    "Rest the dough overnight in a cold larder before shaping the loaves.",
    "A late substitute curled the winner into the top corner.",
    "Scatter toasted almonds over the tart just before serving.",
    "Fans sang in the rain long after the final whistle.",
]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(WHO)} {rng.choice(DID)} {rng.choice(WHAT)} {rng.choice(WHEN)}"


def paragraphs(seed: int, count: int = 5) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join([sentence(rng), rng.choice(ASIDES), sentence(rng), rng.choice(ASIDES)])
        for _ in range(count)
    ]


def title_for(seed: int) -> str:
    rng = random.Random(seed * 7919)
    what = rng.choice(WHAT)
    return f"{rng.choice(WHO).removeprefix('The ').removeprefix('A ')} plan to {what}"


def other_text(seed: int, count: int = 5) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.sample(OTHER, 4)) for _ in range(count)]


# --- house styles ----------------------------------------------------------------------------


def _nav(items: list[tuple[str, str]]) -> str:
    return "".join(f'<li><a href="{href}">{escape(text)}</a></li>' for href, text in items)


def style_paper(site: str, title: str, body: str, lang: str = "en") -> str:
    nav = _nav(
        [("/", "Front page"), ("/local/", "Local"), ("/sport/", "Sport"), ("/opinion/", "Opinion")]
    )
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} - {escape(site)}</title>"
        "<link rel='stylesheet' href='/static/paper.css'></head><body>"
        f"<header class='masthead'><a href='/'>{escape(site)}</a><nav><ul>{nav}</ul></nav></header>"
        f"<main>{body}</main><footer><p>Published by {escape(site)}. All rights reserved.</p>"
        "<p><a href='/about/'>About us</a> <a href='/contact/'>Contact</a></p></footer></body></html>"
    )


def style_blog(site: str, title: str, body: str, lang: str = "en") -> str:
    side = _nav(
        [("/archive/2023/", "2023"), ("/archive/2024/", "2024"), ("/archive/2025/", "2025")]
    )
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} | {escape(site)}</title></head><body class='blog'>"
        f"<div id='wrap'><div id='content'>{body}</div>"
        f"<aside id='sidebar'><h3>Archive</h3><ul>{side}</ul>"
        "<h3>Elsewhere</h3><ul><li><a href='https://www.example-friends.org/'>Friends</a></li></ul>"
        f"</aside></div><div id='foot'>{escape(site)} runs on a home-made engine.</div></body></html>"
    )


def style_magazine(site: str, title: str, body: str, lang: str = "en") -> str:
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<meta property='og:site_name' content='{escape(site)}'></head><body>"
        f"<div class='top-bar'><a class='logo' href='/'>{escape(site)}</a>"
        "<a href='/subscribe'>Subscribe</a><a href='/issues/'>Issues</a></div>"
        f"<section class='story'>{body}</section>"
        "<div class='newsletter'><form action='/newsletter' method='post'>"
        "<input name='email'><button>Sign up</button></form></div></body></html>"
    )


def style_plain(site: str, title: str, body: str, lang: str = "en") -> str:
    return (
        f"<html lang='{lang}'><head><title>{escape(title)}</title></head><body>"
        f"{body}<hr><address>{escape(site)}</address></body></html>"
    )


STYLES = {
    "paper": style_paper,
    "blog": style_blog,
    "magazine": style_magazine,
    "plain": style_plain,
}


def article_body(title: str, paras: list[str], *, byline: str = "Staff reporter") -> str:
    text = "".join(f"<p>{escape(p)}</p>" for p in paras)
    return (
        f"<article><h1>{escape(title)}</h1><p class='byline'>{escape(byline)}</p>{text}</article>"
    )


# --- "nothing at this address" templates, in the host's own words ----------------------------

MISSING = [
    ("en", "Empty shelf", "We looked on every shelf for {path} and came back empty-handed."),
    ("de", "Diese Seite gibt es leider nicht", "Unter {path} ist bei uns nichts zu finden."),
    ("fr", "Oups, page introuvable", "L'adresse {path} ne m\u00e8ne nulle part sur notre site."),
    (
        "es",
        "Esta p\u00e1gina ya no est\u00e1 aqu\u00ed",
        "La direcci\u00f3n que buscas no lleva a ning\u00fan sitio.",
    ),
    (
        "nl",
        "Deze pagina bestaat niet (meer)",
        "Controleer het adres of ga terug naar de voorpagina.",
    ),
    ("it", "Pagina inesistente", "Il contenuto che cercavi \u00e8 stato spostato o eliminato."),
    ("en", "Dead end", "The trail you followed stops here. Try the search box instead."),
    ("en", "This story has been retired", "Older stories are taken down from time to time."),
    (
        "pt",
        "Ops! Nada por aqui",
        "O endere\u00e7o que voc\u00ea abriu n\u00e3o leva a lugar nenhum.",
    ),
    ("en", "Lost in the stacks", "Whatever used to live at this address has moved out."),
]


# --- the site --------------------------------------------------------------------------------


@dataclass
class Host:
    name: str
    site: str
    style: str
    unknown: str  # honest | home | template:N | template-echo:N | template-recs:N | to-home | to-lang-home | to-search | to-404
    scheme: str = "https"
    robots: str = "User-agent: *\nDisallow: /members/\n"


class LinkLabSite(Site):
    """About sixty hosts and 170 labelled URLs (``labels``)."""

    def __init__(self, state: LinkLabState | None = None) -> None:
        super().__init__()
        self.state = state or LinkLabState()
        self.pages: dict[tuple[str, str], Page] = {}
        self.by_host: dict[str, Host] = {}
        self.labels: dict[str, str] = {}
        self.archive_first: list[str] = []
        refused: list[str] = []
        unresolvable: list[str] = []
        self._seed = 100
        self._build(refused, unresolvable)
        self.hosts = tuple(self.by_host)
        self.refused_hosts = tuple(refused)
        self.unresolvable_hosts = tuple(unresolvable)

    # --- helpers to declare pages ---------------------------------------------------------
    def _host(self, name: str, site: str, style: str, unknown: str, **kw: str) -> Host:
        host = Host(name, site, style, unknown, **kw)
        self.by_host[name] = host
        self.page(host, "/", self._home(host))
        return host

    def page(self, host: Host, path: str, page: Page, label: str | None = None) -> str:
        self.pages[(host.name, path)] = page
        url = f"{host.scheme}://{host.name}{path}"
        if label is not None:
            self.labels[url] = label
        return url

    def label(self, url: str, verdict: str) -> str:
        self.labels[url] = verdict
        return url

    def next_seed(self) -> int:
        self._seed += 1
        return self._seed

    def render(self, host: Host, title: str, body: str, lang: str = "en") -> str:
        return STYLES[host.style](host.site, title, body, lang)

    def article(self, host: Host, *, count: int = 5, title: str | None = None, **kw: str) -> Page:
        seed = self.next_seed()
        heading = title or title_for(seed)
        paras = paragraphs(seed, count)

        def serve(request: Request) -> Response:
            return html(self.render(host, heading, article_body(heading, paras, **kw)))

        return serve

    def _home(self, host: Host) -> Page:
        seed = self.next_seed()
        teasers = "".join(
            f"<li><a href='/local/{n}-{title_for(seed + n).lower().replace(' ', '-')[:40]}.html'>"
            f"{escape(title_for(seed + n))}</a></li>"
            for n in range(6)
        )
        intro = paragraphs(seed, 1)[0]

        def serve(request: Request) -> Response:
            body = f"<h1>{escape(host.site)}</h1><p>{escape(intro)}</p><ul class='teasers'>{teasers}</ul>"
            return html(self.render(host, host.site, body))

        return serve

    # --- serving ---------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        host = self.by_host.get(request.host)
        if host is None:  # pragma: no cover - FakeWeb only routes our hosts here
            return super().handle(request)
        if request.path == "/robots.txt":
            return content(host.robots.encode(), "text/plain")
        page = self.pages.get((host.name, request.path))
        if page is not None:
            return page(request)
        return self.unknown(host, request)

    def unknown(self, host: Host, request: Request) -> Response:
        kind, _, arg = host.unknown.partition(":")
        base = f"{request.scheme}://{host.name}"
        if kind == "honest":
            body = f"<h1>Error 404</h1><p>{escape(request.path)}</p>"
            return html(self.render(host, "404", body), status=404)
        if kind == "home":
            return self.pages[(host.name, "/")](request)
        if kind.startswith("template"):
            lang, heading, text = MISSING[int(arg)]
            text = text.format(path=escape(request.path))
            extra = ""
            if kind == "template-echo":
                extra = f"<p><code>{escape(request.url)}</code></p>"
            if kind == "template-recs":
                rng = random.Random(request.path)
                picks = rng.sample(range(40), 4)
                extra = (
                    "<h2>Read instead</h2><ul>"
                    + "".join(
                        f"<li><a href='/local/{n}.html'>{escape(title_for(n))}</a></li>"
                        for n in picks
                    )
                    + "</ul>"
                )
            body = f"<h1>{escape(heading)}</h1><p>{text}</p>{extra}<p><a href='/'>&larr;</a></p>"
            return html(self.render(host, heading, body, lang))
        if kind == "to-home":
            return redirect(base + "/", status=302)
        if kind == "to-lang-home":
            return redirect(base + "/en/", status=302)
        if kind == "to-search":
            slug = request.path.rstrip("/").rsplit("/", 1)[-1].split(".")[0]
            return redirect(f"{base}/search?q={quote(slug.replace('-', ' '))}", status=302)
        if kind == "to-404":
            return redirect(base + "/404.html", status=302)
        raise ValueError(host.unknown)

    # --- the labelled web --------------------------------------------------------------------
    def _build(self, refused: list[str], unresolvable: list[str]) -> None:
        self._honest_hosts()
        self._hiding_hosts()
        self._redirecting_hosts()
        self._parked_hosts()
        self._walls()
        self._broken(refused, unresolvable)

    def _honest_hosts(self) -> None:
        """Hosts that answer unknown paths with a real 404: live, moved, gone, drift, traps."""
        specs = [
            ("www.tidewater-ledger.com", "Tidewater Ledger", "paper"),
            ("news.carrow-valley.co.uk", "Carrow Valley News", "paper"),
            ("www.fenland-observer.org", "Fenland Observer", "magazine"),
            ("hollowayjournal.net", "The Holloway Journal", "blog"),
            ("www.northmere-post.com", "Northmere Post", "plain"),
            ("saltby-herald.co.uk", "Saltby Herald", "paper"),
            ("www.weald-review.org", "Weald Review", "magazine"),
            ("blog.tramway-notes.net", "Tramway Notes", "blog"),
        ]
        for index, (name, site, style) in enumerate(specs):
            host = self._host(name, site, style, "honest", scheme="https" if index % 3 else "http")
            for n in range(3):
                self.page(host, f"/{2021 + n}/{index}/story-{n}.html", self.article(host), "ok")
            # moved within the host
            new = f"/articles/{index}/renamed-story.html"
            self.page(host, new, self.article(host))
            self.page(host, f"/old/{index}/story.html", self._to(host, new, 301), "redirected")
            # gone: 404 and 410, with rich pages
            self.page(
                host, f"/2019/{index}/withdrawn.html", self._status(host, 410, "Withdrawn"), "gone"
            )
            self.label(f"{host.scheme}://{name}/2018/{index}/never-was-{index}.html", "gone")
            # drift: replaced (drifted) or lightly edited (ok)
            path = f"/features/{index}/long-read.html"
            url = self.page(host, path, self._drifting(host, replace=index % 2 == 0))
            self.label(url, "drifted" if index % 2 == 0 else "ok")
            self.archive_first.append(url)
            path = f"/features/{index}/second-read.html"
            url = self.page(host, path, self._drifting(host, replace=index % 2 == 1))
            self.label(url, "drifted" if index % 2 == 1 else "ok")
            self.archive_first.append(url)
        # scary live pages on honest hosts
        ledger = self.by_host["www.tidewater-ledger.com"]
        self.page(
            ledger,
            "/travel/flight-404.html",
            self.article(ledger, title="Flight 404 to Oslo diverted by fog"),
            "ok",
        )
        self.page(
            ledger, "/notes/short.html", self.article(ledger, count=1, title="Correction"), "ok"
        )
        self.page(
            ledger,
            "/books/not-found-review.html",
            self.article(
                ledger, count=1, title="Not Found: a review of the novel about a missing heir"
            ),
            "ok",
        )
        carrow = self.by_host["news.carrow-valley.co.uk"]
        self.page(carrow, "/section/archive.html", self._upkeep(carrow), "ok")
        self.page(
            carrow,
            "/404-club/meeting.html",
            self.article(carrow, count=2, title="404 Club meets at the old cinema"),
            "ok",
        )
        self.page(carrow, "/files/report.pdf", self._pdf(), "ok")
        fen = self.by_host["www.fenland-observer.org"]
        self.page(
            fen,
            "/missing-persons/appeal.html",
            self.article(fen, count=1, title="Police renew appeal over missing walker"),
            "ok",
        )
        self.page(
            fen,
            "/science/error-correction.html",
            self.article(fen, title="Error correction in quantum memory"),
            None,
        )
        self.page(
            fen,
            "/2020/quantum.html",
            self._to(fen, "/science/error-correction.html", 301),
            "redirected",
        )
        holloway = self.by_host["hollowayjournal.net"]
        self.page(
            holloway,
            "/p/gone-fishing.html",
            self.article(holloway, count=1, title="Gone fishing: back next week"),
            "ok",
        )
        self.page(
            holloway,
            "/p/nothing-here.html",
            self.article(holloway, count=1, title="Nothing here but the wind: a poem"),
            "ok",
        )
        # moved to another host (a rename), and a chain of hops
        tram = self.by_host["blog.tramway-notes.net"]
        weald = self.by_host["www.weald-review.org"]
        target = self.page(weald, "/essays/tram-depots.html", self.article(weald))
        self.page(tram, "/2016/depots.html", self._to_url(target, 308), "redirected")
        self.page(weald, "/chain/a.html", self._to(weald, "/chain/b.html", 302), "redirected")
        self.page(weald, "/chain/b.html", self._to(weald, "/essays/tram-depots.html", 301))
        self.page(
            weald,
            "/essays/the-missing-link.html",
            self.article(weald, title="The missing link in the tram network"),
        )
        self.page(
            weald,
            "/2014/link.html",
            self._to(weald, "/essays/the-missing-link.html", 301),
            "redirected",
        )
        # redirected to the home page or an error address by a specific rule
        for host, target_path in (
            (self.by_host["www.northmere-post.com"], "/"),
            (self.by_host["saltby-herald.co.uk"], "/index.html"),
            (self.by_host["www.weald-review.org"], "/?from=archive"),
            (self.by_host["hollowayjournal.net"], "/404.html"),
            (self.by_host["www.fenland-observer.org"], "/error?code=404"),
        ):
            self.page(
                host,
                f"/retired/{host.name[:5]}.html",
                self._to(host, target_path, 301),
                "redirect-to-home",
            )
        self.page(
            self.by_host["hollowayjournal.net"],
            "/404.html",
            self._sorry(self.by_host["hollowayjournal.net"]),
        )
        self.page(
            self.by_host["www.fenland-observer.org"],
            "/error",
            self._sorry(self.by_host["www.fenland-observer.org"]),
        )
        saltby = self.by_host["saltby-herald.co.uk"]
        self.page(saltby, "/index.html", self.pages[(saltby.name, "/")])
        # homes are live too
        for name in ("www.tidewater-ledger.com", "hollowayjournal.net", "www.weald-review.org"):
            host = self.by_host[name]
            self.label(f"{host.scheme}://{name}/", "ok")

    def _hiding_hosts(self) -> None:
        """Hosts that answer unknown paths with 200: their home page or a template."""
        specs = [
            ("www.brackenfield-times.com", "Brackenfield Times", "paper", "home"),
            ("riverside-quarterly.org", "Riverside Quarterly", "magazine", "home"),
            ("www.kiezblatt-berlin.de", "Kiezblatt", "paper", "template:1"),
            ("www.journal-de-lisle.fr", "Journal de l'Isle", "magazine", "template-echo:2"),
            ("www.diario-del-valle.es", "Diario del Valle", "paper", "template:3"),
            ("www.polderkrant.nl", "Polderkrant", "blog", "template-recs:4"),
            ("www.gazzetta-collina.it", "Gazzetta di Collina", "plain", "template:5"),
            ("www.marsh-gazette.com", "Marsh Gazette", "paper", "template-recs:6"),
            ("oldtown-chronicle.com", "Oldtown Chronicle", "blog", "template-echo:7"),
            ("www.folha-da-serra.com.br", "Folha da Serra", "magazine", "template:8"),
            ("www.stacks-and-shelves.org", "Stacks and Shelves", "plain", "template-echo:9"),
            ("www.moorland-voice.com", "Moorland Voice", "magazine", "template:0"),
        ]
        for index, (name, site, style, unknown) in enumerate(specs):
            host = self._host(name, site, style, unknown)
            self.page(host, f"/news/{index}/real-story.html", self.article(host), "ok")
            self.page(
                host,
                f"/news/{index}/brief.html",
                self.article(host, count=1, title="In brief"),
                "ok",
            )
            self.label(f"https://{name}/news/{index}/deleted-story.html", "soft-404")
            self.label(f"https://{name}/2017/{index}/old-piece/", "soft-404")

    def _redirecting_hosts(self) -> None:
        """Hosts that redirect unknown paths: home, a language home, a search page, /404.html."""
        specs = [
            ("www.greywater-daily.com", "Greywater Daily", "paper", "to-home", "redirect-to-home"),
            ("lantern-review.net", "Lantern Review", "blog", "to-home", "redirect-to-home"),
            (
                "www.eastmarch-news.com",
                "Eastmarch News",
                "magazine",
                "to-lang-home",
                "redirect-to-home",
            ),
            ("www.hightide-weekly.com", "Hightide Weekly", "plain", "to-404", "redirect-to-home"),
            ("www.cinder-press.org", "Cinder Press", "paper", "to-search", "soft-404"),
            ("www.quarry-bulletin.com", "Quarry Bulletin", "magazine", "to-search", "soft-404"),
        ]
        for index, (name, site, style, unknown, verdict) in enumerate(specs):
            host = self._host(name, site, style, unknown)
            self.page(host, f"/stories/{index}/live.html", self.article(host), "ok")
            self.label(f"https://{name}/stories/{index}/removed-story.html", verdict)
            self.label(f"https://{name}/2015/{index}/old-coverage/", verdict)
            if unknown == "to-lang-home":
                self.page(host, "/en/", self._home(host))
            if unknown == "to-404":
                self.page(host, "/404.html", self._sorry(host))
            if unknown == "to-search":
                self.page(host, "/search", self._search(host))
            moved = f"/stories/{index}/moved-here.html"
            self.page(host, moved, self.article(host))
            self.page(
                host, f"/stories/{index}/moved.html", self._to(host, moved, 301), "redirected"
            )

    def _parked_hosts(self) -> None:
        farm = [
            "Travel Insurance",
            "Garden Furniture",
            "Online Degrees",
            "Cheap Car Hire",
            "Web Hosting",
            "Dentists Near You",
        ]
        # 1. related-search link farms
        for n, name in enumerate(
            ("millbrook-courier.com", "www.eastbay-sentinel.net", "harrowgate-news.info")
        ):
            links = "".join(
                f"<li><a href='/?kw={quote(t)}&amp;p={n}'>{t}</a></li>" for t in farm[n : n + 5]
            )
            page = (
                f"<html><head><title>{name}</title></head><body><div class='ls-top adbox'></div>"
                f"<h1>{name}</h1><h2>Popular categories</h2><ul>{links}</ul>"
                "<div class='adbox ls-bottom'></div><small>Privacy | Terms</small></body></html>"
            )
            self._fixed_host(name, page, ["/2018/05/harbour-festival.html", "/"])
        # 2. broker landing with an enquiry form
        for name in (
            "www.valleyvoice-online.com",
            "thorncliffe-gazette.com",
            "www.larchfield-news.org",
        ):
            page = (
                f"<html><head><title>{name} | NameMart</title></head><body>"
                f"<h1>{name}</h1><p>The owner of this name is open to proposals. "
                "Tell us what you have in mind and a broker will reply within a day.</p>"
                "<form action='https://www.namemart-brokers.com/enquire' method='post'>"
                "<input name='amount'><input name='email'><button>Send</button></form>"
                "<p><a href='https://www.namemart-brokers.com/'>NameMart</a> "
                "<a href='https://www.namemart-brokers.com/how'>How it works</a></p></body></html>"
            )
            self._fixed_host(name, page, ["/columns/2016/rates.html", "/about/"])
        # 3. script-only lander
        for name in ("www.pennine-crier.com", "greenhithe-herald.net"):
            page = (
                f"<html><head><title>{name}</title>"
                "<script src='https://lander.parkhub-cdn.net/ls.js' async></script></head>"
                "<body><div id='lander-root'></div></body></html>"
            )
            self._fixed_host(name, page, ["/2020/06/bridge.html"])
        # 4. lapsed registration: every path goes to the registrar's renewal notice
        registrar = self._host(
            "www.registrar-renewals.com", "Registrar Renewals", "plain", "honest"
        )

        def lapsed(request: Request) -> Response:
            domain = request.arg("d")
            page = (
                f"<html><head><title>{escape(domain)} has lapsed</title></head><body>"
                f"<h1>{escape(domain)}</h1><p>The registration period for this name has ended. "
                "If you held it, you can restore it in the next 30 days.</p>"
                "<p><a href='/login'>Sign in</a></p></body></html>"
            )
            return html(page)

        self.page(registrar, "/expired", lapsed)
        for name in ("www.westholme-record.com", "ashby-leader.co.uk"):
            host = self._host(name, name, "plain", "honest", scheme="http")

            def away(request: Request, name: str = name) -> Response:
                return redirect(f"https://www.registrar-renewals.com/expired?d={name}", status=302)

            host.unknown = "honest"
            self.pages[(name, "/")] = away
            self.label(self.page(host, "/2012/03/mill-fire.html", away), "parked")
        # 5. sponsored-listing portal
        for name in ("www.brookside-tribune.com", "kestrel-times.net"):
            ads = "".join(
                f"<div class='sponsored-result'><a href='https://ads.clickmarket.example/r?{i}'>"
                f"{t}</a></div>"
                for i, t in enumerate(farm)
            )
            page = (
                f"<html><head><title>Welcome to {name}</title></head><body>"
                f"<h1>Welcome to {name}</h1><div class='listing'>{ads}</div></body></html>"
            )
            self._fixed_host(name, page, ["/2015/elections.html"])

    def _fixed_host(self, name: str, page: str, paths: list[str]) -> None:
        self._host(name, name, "plain", "home", scheme="http")

        def serve(request: Request) -> Response:
            return html(page)

        self.pages[(name, "/")] = serve
        for path in paths:
            self.label(f"http://{name}{path}", "parked")

    def _walls(self) -> None:
        host = self._host("www.guarded-courier.com", "Guarded Courier", "paper", "honest")
        walls: list[tuple[str, int, str, list[tuple[str, str]]]] = [
            (
                "/a/forbidden.html",
                403,
                "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1><p>nginx</p></body></html>",
                [],
            ),
            (
                "/a/turnstile.html",
                403,
                "<html><head><title>Just a second</title></head><body><div class='cf-turnstile' data-sitekey='x'></div><p>Confirming your connection is secure.</p></body></html>",
                [],
            ),
            (
                "/a/hcaptcha.html",
                200,
                "<html><head><title>Quick check</title></head><body><form action='/verify' method='post'><div class='h-captcha' data-sitekey='y'></div><button>Continue</button></form></body></html>",
                [],
            ),
            (
                "/a/px.html",
                403,
                "<html><head><title>Access to this page has been denied</title></head><body><div id='px-captcha'></div><p>Press and hold the button.</p></body></html>",
                [],
            ),
            (
                "/a/login.html",
                401,
                "<html><body><h1>Sign in required</h1></body></html>",
                [("WWW-Authenticate", 'Basic realm="members"')],
            ),
            (
                "/a/paywall.html",
                402,
                "<html><body><h1>Subscribe to keep reading</h1></body></html>",
                [],
            ),
            (
                "/a/slow-down.html",
                429,
                "<html><body><h1>Easy there</h1></body></html>",
                [("Retry-After", "3600")],
            ),
            (
                "/a/too-many.html",
                429,
                "<html><body><p>Too many requests from your network.</p></body></html>",
                [],
            ),
            (
                "/a/legal.html",
                451,
                "<html><body><h1>Unavailable in your region</h1></body></html>",
                [],
            ),
            (
                "/a/recaptcha.html",
                200,
                "<html><head><title>Security check</title><script src='https://www.google.com/recaptcha/api.js'></script></head><body><form method='post'><div class='g-recaptcha' data-sitekey='z'></div></form></body></html>",
                [],
            ),
            (
                "/a/interstitial.html",
                503,
                "<html><head><title>One moment, please</title></head><body><div id='challenge-running'></div><noscript>Turn on JavaScript to continue.</noscript></body></html>",
                [],
            ),
        ]
        for path, status, page, headers in walls:
            self.page(host, path, self._raw(page, status, headers), "blocked")
        members = self._host("www.members-gazette.org", "Members Gazette", "paper", "honest")
        self.page(members, "/members/annual-report.html", self.article(members), "blocked")
        self.page(host, "/members/minutes.html", self.article(host), "blocked")

    def _broken(self, refused: list[str], unresolvable: list[str]) -> None:
        host = self._host("www.creaking-server.net", "Creaking Server", "plain", "honest")
        errors = [
            ("/cgi/search.cgi", 500),
            ("/app/story/88", 500),
            ("/gateway/piece.html", 502),
            ("/busy/piece.html", 503),
            ("/upstream/piece.html", 504),
            ("/origin/piece.html", 520),
        ]
        for path, status in errors:
            page = f"<html><head><title>{status}</title></head><body><h1>Something broke ({status})</h1></body></html>"
            self.page(host, path, self._raw(page, status, []), "server-error")
        other = self._host("api.flaky-wire.com", "Flaky Wire", "paper", "honest")
        for n in range(3):
            page = self.render(
                other, "We hit a snag", "<h1>We hit a snag</h1><p>Our engineers have been told.</p>"
            )
            self.page(other, f"/v2/items/{n}", self._raw(page, 500 + n * 2, []), "server-error")
        for n, name in enumerate(
            (
                "www.bramblewick-echo.com",
                "news.never-registered.org",
                "www.fallow-gazette.net",
                "cedarholm-times.com",
                "www.lost-weekly.co.uk",
                "blog.quietly-deleted.net",
                "www.oxbow-monitor.org",
                "marrowgate-daily.com",
                "www.ninebarrow-news.info",
                "www.sunk-signal.com",
            )
        ):
            unresolvable.append(name)
            self.label(f"http://{name}/{2010 + n}/story-{n}.html", "no-such-host")
        for n, name in enumerate(
            (
                "old.tidewater-ledger.com",
                "www.shuttered-press.com",
                "archive.dustbin-daily.org",
                "www.offline-herald.net",
                "static.northmere-post.com",
                "legacy.saltby-herald.co.uk",
                "www.unplugged-voice.com",
                "media.lantern-review.net",
            )
        ):
            refused.append(name)
            self.label(f"http://{name}/files/{n}/piece.html", "unreachable")
        slow = self._host("www.stalled-server.com", "Stalled Server", "plain", "honest")
        for n in range(3):
            self.page(slow, f"/slow/{n}.html", self._never, "unreachable")

    # --- page kinds ---------------------------------------------------------------------------
    @staticmethod
    def _never(request: Request) -> Response:
        return Response(never_answer=True)

    @staticmethod
    def _raw(page: str, status: int, headers: list[tuple[str, str]]) -> Page:
        def serve(request: Request) -> Response:
            response = html(page, status=status)
            response.headers.extend(headers)
            return response

        return serve

    def _status(self, host: Host, status: int, heading: str) -> Page:
        seed = self.next_seed()
        teasers = "".join(f"<li>{escape(title_for(seed + n))}</li>" for n in range(5))

        def serve(request: Request) -> Response:
            body = f"<h1>{heading}</h1><p>This item was removed.</p><h2>More</h2><ul>{teasers}</ul>"
            return html(self.render(host, heading, body), status=status)

        return serve

    def _sorry(self, host: Host) -> Page:
        def serve(request: Request) -> Response:
            body = "<h1>Sorry about that</h1><p>The address you followed leads nowhere now.</p>"
            return html(self.render(host, "Sorry", body))

        return serve

    def _search(self, host: Host) -> Page:
        def serve(request: Request) -> Response:
            query = escape(request.arg("q"))
            body = f"<h1>Search</h1><form action='/search'><input name='q' value='{query}'></form><p>0 results for {query}.</p>"
            return html(self.render(host, "Search", body))

        return serve

    def _upkeep(self, host: Host) -> Page:
        def serve(request: Request) -> Response:
            body = "<h1>We are tidying this section</h1><p>The archive index is being rebuilt this week; stories are still reachable from the front page.</p>"
            return html(self.render(host, "Archive index", body))

        return serve

    @staticmethod
    def _pdf() -> Page:
        def serve(request: Request) -> Response:
            return content(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")

        return serve

    def _to(self, host: Host, path: str, status: int) -> Page:
        def serve(request: Request) -> Response:
            return redirect(f"{request.scheme}://{host.name}{path}", status=status)

        return serve

    @staticmethod
    def _to_url(url: str, status: int) -> Page:
        def serve(request: Request) -> Response:
            return redirect(url, status=status)

        return serve

    def _drifting(self, host: Host, *, replace: bool) -> Page:
        seed = self.next_seed()
        heading = title_for(seed)
        cited = paragraphs(seed, 6)
        if replace:
            later_heading, later = "Recipes and results", other_text(seed, 6)
        else:
            later_heading = heading
            later = [p.replace("the", "this", 1) for p in cited] + paragraphs(seed + 5000, 1)

        def serve(request: Request) -> Response:
            if self.state.version == 0:
                return html(self.render(host, heading, article_body(heading, cited)))
            return html(self.render(host, later_heading, article_body(later_heading, later)))

        return serve
