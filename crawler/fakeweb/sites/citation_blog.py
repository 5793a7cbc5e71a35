"""A ground-truth blog for citations: "The Sourcing Desk", a Blogger blog whose 32 posts cite
news articles on 34 news hosts in every shape bloggers use, with the right answers beside them.

Each post mixes inline links in running text with a reference list (``<ol>`` items, or lines
between ``<br>`` in one paragraph) in the shapes ``Last, First, "Title," Outlet, M/D/YY``,
``Outlet, "Title," date``, ``"Title," Outlet, date``, title-only links and plain references
without a link; curly and straight quotes; German, French and Spanish posts with their own
quotes and date conventions (the post body says its language with ``lang``). URLs come plain,
with tracking parameters, inside ``google.com/url?q=`` wrappers, as FeedBurner links and as
``bit.ly`` short links (both redirect to the article). Around the posts sit the links that are
not citations: a sidebar with a blogroll, label cloud and followers, share buttons, a comment
form and readers' comments, an image link, a ``mailto:`` and links to the blog's own posts.

The ground truth is data, written from the same tables the pages are rendered from:
:data:`GROUND_TRUTH` maps each post URL to its expected citations in document order, each with
the normalised URL a crawler should fetch (``None`` for a plain reference), where it ends up
after redirects, and the fields a parser should read (``None`` where the reference has no
fields, as for a link in running text). :class:`CitedNewsSite` serves every cited article (one
moved with a 301), the short-link hosts and FeedBurner, so a crawl can fetch them all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html import escape
from urllib.parse import quote

from crawler.fakeweb.http import Request, Response, content, html, redirect
from crawler.fakeweb.site import Site

BLOG_HOST = "sourcing-desk.blogspot.com"
BLOG_TITLE = "The Sourcing Desk"
BLOG_AUTHOR = "Marta Okonkwo-Lind"
BLOG_ID = "7301958822640017734"
SHORT_HOST = "bit.ly"
FEEDBURNER_HOST = "feedproxy.google.com"
TZ = timezone(timedelta(hours=-5))

# name, host: fictional outlets (some named without a newspaper word, as many real ones are).
OUTLETS: tuple[tuple[str, str], ...] = (
    ("Harbor City Herald", "www.harborcityherald.com"),
    ("Northfield Daily News", "northfielddailynews.com"),
    ("The Carver County Tribune", "www.carvertribune.com"),
    ("Lakeside Gazette", "www.lakesidegazette.net"),
    ("Granite State Journal", "granitestatejournal.com"),
    ("The Morning Ledger", "www.morningledger.com"),
    ("Pine Valley Courier", "www.pinevalleycourier.com"),
    ("Westbrook Times", "www.westbrooktimes.com"),
    ("The Coastal Observer", "coastalobserver.org"),
    ("Metro Wire Service", "www.metrowire.news"),
    ("Riverbend Chronicle", "www.riverbendchronicle.com"),
    ("Eastshore Post", "eastshorepost.com"),
    ("Capitol Report", "www.capitolreport.org"),
    ("Southern Plains Radio", "news.southernplainsradio.org"),
    ("The Fenwick Standard", "www.fenwickstandard.co.uk"),
    ("Ashford Evening Mail", "www.ashfordeveningmail.co.uk"),
    ("Dalton Sentinel", "www.daltonsentinel.com"),
    ("Midland Business Review", "www.midlandbusinessreview.com"),
    ("Quarry Hill Examiner", "quarryhillexaminer.com"),
    ("The Tidewater Monitor", "www.tidewatermonitor.com"),
    ("Bayport Independent", "bayportindependent.com"),
    ("Summit Weekly", "www.summitweekly.com"),
    ("Civic Desk", "civicdesk.net"),
    ("Oakmont Star", "www.oakmontstar.com"),
    ("Prairie Dispatch", "www.prairiedispatch.com"),
    ("Kestrel Bay Globe", "www.kestrelbayglobe.com"),
    ("Norder Rundschau", "www.norder-rundschau.de"),
    ("Elbtal Zeitung", "www.elbtal-zeitung.de"),
    ("Le Courrier de Valmont", "www.courrier-valmont.fr"),
    ("La Voix du Littoral", "www.lavoixdulittoral.fr"),
    ("El Diario de Almeria Norte", "www.diarioalmerianorte.es"),
    ("Heraldo de la Sierra", "www.heraldosierra.es"),
    ("Upland Science Monitor", "www.uplandsciencemonitor.org"),
    ("Statewide Press Association", "www.statewidepress.org"),
)
AUTHORS = (
    ("Jack", "Healy"), ("Priya", "Raman"), ("Tomás", "Ibarra"), ("Helen", "Marsh"),
    ("Samuel", "Okafor"), ("Ingrid", "Solberg"), ("Marcus", "Whitfield"), ("Leila", "Haddad"),
    ("Owen", "Pritchard"), ("Rosa", "Delgado"), ("Kenji", "Morita"), ("Claire", "Donnelly"),
    ("Anton", "Weber"), ("Fatima", "Ouali"), ("Daniel", "O'Rourke"), ("Beatriz", "Lima"),
    ("Grace", "Whitlock"), ("Nikolai", "Petrov"), ("Amara", "Nwosu"), ("Lucas", "Ferreira"),
)  # fmt: skip
SUBJECTS = (
    "City Council", "School Board", "State Regulators", "Harbor Authority", "Transit Agency",
    "Water District", "County Judge", "Hospital Workers", "Farm Cooperative", "Port Union",
    "Library Trustees", "Fire Marshal", "Zoning Panel", "Utility Commission", "Mayor's Office",
    "Parks Department", "Teachers' Union", "Housing Authority", "Airport Board",
    "Election Officials",
)  # fmt: skip
ACTIONS = (
    "Approves Budget for", "Delays Vote on", "Opens Inquiry Into", "Rejects Plan for",
    "Signs Deal on", "Warns of Costs in", "Backs Overhaul of", "Sues Over",
    "Reverses Course on", "Cuts Funding for", "Unveils Report on", "Pauses Work on",
)  # fmt: skip
OBJECTS = (
    "Harbor Dredging", "Bridge Repairs", "Lead Pipe Removal", "New Bus Routes",
    "Flood Barriers", "Rural Broadband", "Downtown Parking", "Wildfire Crews",
    "Hospital Expansion", "Solar Farm", "Ferry Service", "School Lunches", "Rent Limits",
    "Voting Machines", "Stormwater Tunnel", "Landfill Closure", "Teacher Pay", "Rail Crossing",
)  # fmt: skip
FOREIGN_TITLES = {
    "de": (
        "Stadtrat streitet über neue Hafenmauer",
        "Landkreis stoppt Ausbau der Bahnstrecke",
        "Klinikpersonal fordert mehr Schutz im Nachtdienst",
        "Wasserversorger erhöht die Preise zum Sommer",
        "Schulen bekommen schnelleres Internet erst 2026",
        "Brückensanierung kostet doppelt so viel wie geplant",
    ),
    "fr": (
        "Le conseil municipal vote le budget du port",
        "La digue du littoral sera renforcée avant l'hiver",
        "Les infirmiers de nuit réclament des renforts",
        "Grève des transports scolaires dans la vallée",
        "Le tribunal suspend le projet de parc éolien",
        "La ville rouvre la piscine après deux ans de travaux",
    ),
    "es": (
        "El ayuntamiento aprueba el plan de aguas pluviales",
        "Los agricultores piden ayudas tras la sequía",
        "La sierra tendrá nuevas rutas de autobús en verano",
        "El hospital comarcal amplía las urgencias",
        "Vecinos denuncian retrasos en la obra del puente",
        "La diputación recorta el presupuesto de carreteras",
    ),
}
FOREIGN_OUTLETS = {"de": (26, 27), "fr": (28, 29), "es": (30, 31)}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MONTHS = {
    "en": _words(
        "January February March April May June July August September October November December"
    ),
    "de": _words(
        "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"
    ),
    "fr": _words(
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ),
    "es": _words(
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    ),
}
ARTICLES_PER_OUTLET = 3
MOVED = (7, 0)  # (outlet, article): this one answers 301 to a new address


@dataclass(frozen=True)
class CitedArticle:
    outlet: str
    host: str
    path: str
    title: str
    author: tuple[str, str]  # first, last
    published: date
    language: str = "en"

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.path}"

    @property
    def slug(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")

    @property
    def author_name(self) -> str:
        return f"{self.author[0]} {self.author[1]}"


def _slugify(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() and c.isascii() else "-" for c in text)
    return "-".join(p for p in out.split("-") if p)


def _articles() -> tuple[CitedArticle, ...]:
    out = []
    foreign = {i: lang for lang, outlets in FOREIGN_OUTLETS.items() for i in outlets}
    for o, (name, host) in enumerate(OUTLETS):
        for a in range(ARTICLES_PER_OUTLET):
            n = o * ARTICLES_PER_OUTLET + a
            lang = foreign.get(o, "en")
            if lang == "en":
                title = (
                    f"{SUBJECTS[n % len(SUBJECTS)]} {ACTIONS[(n * 5) % len(ACTIONS)]} "
                    f"{OBJECTS[(n * 7) % len(OBJECTS)]}"
                )
            else:
                title = FOREIGN_TITLES[lang][(o % 2) * 3 + a]
            published = date(2019, 1, 3) + timedelta(days=9 * n + 3 * a)
            styles = (
                f"/{published:%Y/%m/%d}/{_slugify(title)}.html",
                f"/news/{published:%Y%m%d}-{_slugify(title)}",
                f"/story/{_slugify(title)}-{n:04d}/",
                f"/article/{published:%Y}/{_slugify(title)}?id={1000 + n}",
            )
            out.append(
                CitedArticle(
                    name,
                    host,
                    styles[o % 4],
                    title,
                    AUTHORS[(n * 3) % len(AUTHORS)],
                    published,
                    lang,
                )
            )
    return tuple(out)


ARTICLES = _articles()


@dataclass(frozen=True)
class Expected:
    """One citation a correct extractor finds in a post, in document order."""

    url: str | None  # the normalised URL to fetch; None for a reference without a link
    final_url: str | None  # where it ends after redirects (short links, moved pages)
    shape: str  # inline, mla, outlet-first, title-first, title-only, plain, ...
    authors: tuple[str, ...] | None = None  # None: the reference has no fields to parse
    title: str | None = None
    outlet: str | None = None
    cited_date: str | None = None

    @property
    def has_fields(self) -> bool:
        return self.authors is not None


@dataclass
class BlogPost:
    path: str
    title: str
    published: datetime
    language: str
    labels: tuple[str, ...]
    body: str = ""  # HTML of the post body region
    expected: list[Expected] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://{BLOG_HOST}{self.path}"


# --- how a cited URL is written --------------------------------------------------------------

DECORATIONS = (
    "plain", "utm", "plain", "google", "fbclid", "plain", "feedburner", "http", "bitly",
    "plain", "utm-feed", "plain",
)  # fmt: skip


def _short_code(url: str) -> str:
    return hashlib.sha1(url.encode()).hexdigest()[:7]


SHORT_LINKS: dict[str, str] = {}  # short URL (bit.ly / FeedBurner) -> article URL


def _written(article: CitedArticle, decoration: str) -> tuple[str, str, str]:
    """(href as written, expected normalised URL, final URL after redirects)."""
    url = article.url
    final = _final(article)
    sep = "&" if "?" in url else "?"
    if decoration == "utm":
        return f"{url}{sep}utm_source=twitter&utm_medium=social&utm_campaign=share", url, final
    if decoration == "utm-feed":
        href = (
            f"{url}{sep}utm_source=feedburner&utm_medium=feed&utm_campaign="
            "Feed%3A+sourcing-desk+%28Sourcing+Desk%29"
        )
        return href, url, final
    if decoration == "fbclid":
        return f"{url}{sep}fbclid=IwAR0x{_short_code(url)}Zq9", url, final
    if decoration == "google":
        wrapped = (
            f"https://www.google.com/url?q={quote(url, safe='')}&sa=D&source=editors"
            f"&ust=16{_short_code(url)[:5]}&usg=AOvVaw{_short_code(url + 'g')}"
        )
        return wrapped, url, final
    if decoration == "http":
        plain_http = url.replace("https://", "http://", 1)  # served as is, no redirect
        return plain_http, plain_http, plain_http if final == url else final
    if decoration == "feedburner":
        camel = "".join(w for w in article.outlet.title().split() if w.isalpha())
        short = f"http://{FEEDBURNER_HOST}/~r/{camel}/~3/{_short_code(url)}/{article.slug}"
        SHORT_LINKS[short] = url
        return short, short, final
    if decoration == "bitly":
        short = f"https://{SHORT_HOST}/{_short_code(url)[:6]}"
        SHORT_LINKS[short] = url
        return short, short, final
    return url, url, final


def _final(article: CitedArticle) -> str:
    if article is _moved():
        return f"https://{article.host}/moved{article.path}"
    return article.url


def _moved() -> CitedArticle:
    return ARTICLES[MOVED[0] * ARTICLES_PER_OUTLET + MOVED[1]]


# --- how a reference is written ----------------------------------------------------------------


def _date_text(day: date, style: str, language: str) -> tuple[str, str]:
    """(the date as written, its ISO value)."""
    iso = day.isoformat()
    month = MONTHS.get(language, MONTHS["en"])[day.month - 1]
    if style == "mdy-num":
        return f"{day.month}/{day.day}/{day.year % 100:02d}", iso
    if style == "long":
        if language == "en":
            return f"{month} {day.day}, {day.year}", iso
        if language == "de":
            return f"{day.day}. {month} {day.year}", iso
        if language == "es":
            return f"{day.day} de {month} de {day.year}", iso
        return f"{day.day} {month} {day.year}", iso
    if style == "dmy-dots":
        return f"{day.day}.{day.month}.{day.year}", iso
    if style == "dmy-slash":
        return f"{day.day}/{day.month}/{day.year % 100:02d}", iso
    if style == "month":
        return f"{month} {day.year}", iso[:7]
    if style == "dmy-text":
        return f"{day.day} {month} {day.year}", iso
    return iso, iso


QUOTES = {"en": ('"', '"'), "en-curly": ("“", "”"), "de": ("„", "“"), "fr": ("« ", " »")}
QUOTES["es"] = ("«", "»")


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{text}</a>'


def _reference(
    article: CitedArticle,
    shape: str,
    language: str,
    href: str | None,
    variant: int,
    post_language: str = "en",
) -> tuple[str, Expected]:
    """One reference's HTML (inside its list item or line) and its expected fields."""
    open_q, close_q = QUOTES["en-curly" if variant % 2 else "en"]
    if language != "en":
        open_q, close_q = QUOTES[language]
    t = escape(article.title, quote=False)
    outlet = escape(article.outlet, quote=False)
    first, last = article.author
    author = tuple([article.author_name])
    url_text = escape(href or "", quote=False)
    if language == "en":
        date_style = {"mla": "mdy-num", "outlet-first": "long", "title-first": "iso"}.get(
            shape, "long"
        )
        if shape == "title-first" and variant % 3 == 2:
            date_style = "month"
        if post_language != "en" and date_style == "mdy-num":
            date_style = "dmy-slash"  # 5/8/11 in a German post is the 5th of August
    else:
        date_style = ("dmy-dots", "long", "dmy-slash", "dmy-text")[variant % 4]
    when, iso = _date_text(article.published, date_style, language)
    link_on_title = href is not None and variant % 2 == 0
    title_html = _link(href, t) if link_on_title and href else t
    trailing = f" {_link(href, url_text)}" if href and not link_on_title else ""
    fields = {"title": article.title, "outlet": article.outlet, "cited_date": iso}
    if shape in ("mla", "plain"):
        text = f"{last}, {first}, {open_q}{title_html},{close_q} {outlet}, {when}{trailing}"
        if language in ("fr", "de", "es"):
            text = f"{last}, {first}, {open_q}{title_html}{close_q}, {outlet}, {when}{trailing}"
        return text, Expected(None, None, shape, author, **fields)
    if shape == "outlet-first":
        text = f"{outlet}, {open_q}{title_html},{close_q} {when}{trailing}"
        if language in ("de", "fr", "es"):
            text = f"{outlet}, {open_q}{title_html}{close_q}, {when}{trailing}"
        return text, Expected(None, None, shape, (), **fields)
    if shape == "title-first":
        text = f"{open_q}{title_html},{close_q} {outlet}, {when}{trailing}"
        if language in ("de", "fr", "es"):
            text = f"{open_q}{title_html}{close_q}, {outlet}, {when}{trailing}"
        return text, Expected(None, None, shape, (), **fields)
    # title-only: the anchor is the headline, sometimes with the outlet after a dash or bar
    assert href is not None
    sep = (" - ", " | ", None)[variant % 3]
    if sep is None:
        return _link(href, t), Expected(None, None, shape, (), article.title, None, None)
    anchor = f"{t}{sep}{outlet}"
    return _link(href, anchor), Expected(None, None, shape, (), article.title, article.outlet)


INLINE_EN = (
    "As {link} this spring, the argument is less about money than about who decides.",
    "The numbers in {link} are worth reading twice before the next hearing.",
    "I first saw it in {link}, and nobody has corrected the figures since.",
    "Compare that with what {link}: the timeline there is months shorter.",
)
INLINE_ANCHORS_EN = (
    "the {outlet} reported", "this piece by {author}", "a short item in the {outlet}",
    "what {author} wrote",
)  # fmt: skip
INLINE_FOREIGN = {
    "de": ("Wie {link} berichtete, ist die Sache noch lange nicht entschieden.", "die Zeitung"),
    "fr": ("Comme l'a raconté {link}, le dossier reste ouvert.", "le journal"),
    "es": ("Según contó {link}, el asunto sigue abierto.", "el periódico"),
}
FILLER = (
    "I have been following this story for a while, mostly through the local papers, and the "
    "pattern is familiar: a plan, a delay, a price that grows.",
    "Nobody I spoke to at the meeting had read the full report, which is a shame, because "
    "the appendix answers most of the questions people were shouting about.",
    "What follows is my reading list, so you can check my summary against the sources.",
)
POST_TOPICS = (
    "budget season", "the harbor question", "transit plans", "water and pipes",
    "the bridge saga", "schools and pay", "flood defences", "housing and rent",
)  # fmt: skip
SHAPES_EN = ("mla", "outlet-first", "title-first", "title-only", "mla", "title-first")


def _build_posts() -> list[BlogPost]:
    posts: list[BlogPost] = []
    english = [a for a in ARTICLES if a.language == "en"]
    n = len(english)
    count = 32
    languages = {6: "de", 13: "fr", 20: "es", 27: "de"}
    for i in range(count):
        language = languages.get(i, "en")
        published = datetime(2024, 1, 8, 9, 30, tzinfo=TZ) + timedelta(days=9 * i, hours=i % 5)
        topic = POST_TOPICS[i % len(POST_TOPICS)]
        title = f"Reading notes #{i + 1}: {topic}"
        slug = _slugify(title)
        post = BlogPost(
            f"/{published:%Y/%m}/{slug}.html",
            title,
            published,
            language,
            ("reading notes", topic),
        )
        if language == "en":
            inline = [english[(3 * i) % n], english[(3 * i + 1) % n]]
            listed = [
                english[(3 * i) % n],  # cited inline and again in the list
                english[(3 * i + 2) % n],
                english[(3 * i + 5) % n],  # the next post cites it too
                english[(7 * i + 11) % n],
            ]
            plain = english[(5 * i + 17) % n] if i % 2 == 0 else None
        else:
            mine = [a for a in ARTICLES if a.language == language]
            k = (i // 7) % 2
            inline = [mine[k]]
            listed = [mine[k], *mine[2 + k : 5 + k], english[(3 * i) % n]]
            plain = mine[5] if i < 20 else None
        _render(post, i, inline, listed, plain)
        posts.append(post)
    return posts


def _render(
    post: BlogPost,
    i: int,
    inline: list[CitedArticle],
    listed: list[CitedArticle],
    plain: CitedArticle | None,
) -> None:
    language = post.language
    parts: list[str] = []
    expected: list[Expected] = []
    slot = 0

    def decorate(article: CitedArticle) -> tuple[str, str, str]:
        nonlocal slot
        slot += 1
        return _written(article, DECORATIONS[(i * 5 + slot) % len(DECORATIONS)])

    lang_attr = f' lang="{language}"' if language != "en" else ""
    parts.append(f"<div{lang_attr}>")
    image = f"https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsE{i:03d}/s1600/photo.jpg"
    parts.append(
        f'<div class="separator" style="clear: both;"><a href="{image}" '
        f'style="margin-left: 1em;"><img border="0" src="{image}" width="400"></a></div>'
    )
    parts.append(f"<p>{FILLER[i % 3]}</p>")
    for j, article in enumerate(inline):
        href, url, final = decorate(article)
        if language == "en":
            anchor = INLINE_ANCHORS_EN[(i + j) % 4].format(
                outlet=escape(article.outlet.removeprefix("The ")), author=article.author_name
            )
            sentence = INLINE_EN[(i + j) % 4]
        else:
            sentence, anchor = INLINE_FOREIGN[language]
        parts.append("<p>" + sentence.format(link=_link(href, anchor)) + "</p>")
        expected.append(Expected(url, final, "inline"))
    if i > 0:  # a link to an earlier post of this blog: an internal reference, not a citation
        earlier = f"https://{BLOG_HOST}/2024/01/{_slugify('Reading notes #1: ' + POST_TOPICS[0])}"
        parts.append(
            f'<p>I wrote about the background <a href="{earlier}.html">in my first notes</a>; '
            'questions go to <a href="mailto:marta@example.org">my inbox</a>.</p>'
        )
    parts.append(f"<p>{FILLER[(i + 1) % 3]}</p>")
    heading = {"en": "Sources", "de": "Quellen", "fr": "Sources", "es": "Fuentes"}[language]
    parts.append(f"<p><b>{heading}</b></p>")
    items: list[str] = []
    shapes = SHAPES_EN if language == "en" else ("mla", "outlet-first", "title-first", "mla")
    for j, article in enumerate(listed):
        shape = shapes[(i + j) % len(shapes)]
        lang = article.language if article.language == language else "en"
        href, url, final = decorate(article)
        text, exp = _reference(article, shape, lang, href, i + j, language)
        items.append(text)
        expected.append(
            Expected(url, final, exp.shape, exp.authors, exp.title, exp.outlet, exp.cited_date)
        )
        if j == 1 and plain is not None:
            shape = "plain" if i % 4 == 0 else "plain-outlet-first"
            ref_shape = "mla" if shape == "plain" else "outlet-first"
            text, exp = _reference(plain, ref_shape, plain.language, None, i + 1)
            items.append(text)
            expected.append(
                Expected(None, None, shape, exp.authors, exp.title, exp.outlet, exp.cited_date)
            )
    if i % 3 == 2:  # one paragraph, one reference a line
        parts.append("<p>" + "<br />\n".join(items) + "</p>")
    else:
        tag = "ol" if i % 2 else "ul"
        parts.append(f"<{tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>")
    parts.append("</div>")
    post.body = "\n".join(parts)
    post.expected = expected


POSTS: tuple[BlogPost, ...] = tuple(_build_posts())
GROUND_TRUTH: dict[str, list[Expected]] = {p.url: p.expected for p in POSTS}
CITED_HOSTS: tuple[str, ...] = tuple(sorted({a.host for a in ARTICLES}))

BLOGROLL = (
    ("Press Think", "https://pressthink.example.org/"),
    ("The Local Desk", "https://localdesk.blogspot.com/"),
    ("Harbor Watch", "https://harborwatch.wordpress.com/"),
    ("Data Journalism Notes", "https://datajournalism.example.net/notes/"),
)


class CitationBlogSite(Site):
    """sourcing-desk.blogspot.com: home, Atom feed, sitemap, post pages, labels, robots.txt."""

    hosts = (BLOG_HOST,)

    def __init__(self) -> None:
        super().__init__()
        self.posts = sorted(POSTS, key=lambda p: p.published, reverse=True)
        self._by_path = {p.path: p for p in self.posts}
        self.route(r"/", self.home)
        self.route(r"/feeds/posts/default", self.feed)
        self.route(r"/sitemap\.xml", self.sitemap)
        self.route(r"/robots\.txt", self.robots)
        self.route(r"/\d{4}/\d{2}/[a-z0-9-]+\.html", self.post)
        self.route(r"/search/label/[^/]+", self.home)
        self.name("citation-blog", f"https://{BLOG_HOST}/")

    def home(self, request: Request) -> Response:
        body = "".join(self._post_html(p, single=False) for p in self.posts[:5])
        return html(self._page(BLOG_TITLE, body, "/"))

    def post(self, request: Request) -> Response:
        post = self._by_path.get(request.path)
        if post is None:
            return self.fallback(request)
        return html(self._page(f"{BLOG_TITLE}: {post.title}", self._single(post), post.path))

    def page_html(self, post: BlogPost) -> str:
        """The post's page as served (for tests that read it without a crawl)."""
        return self._page(f"{BLOG_TITLE}: {post.title}", self._single(post), post.path)

    def feed(self, request: Request) -> Response:
        start = max(1, int(request.arg("start-index", "1") or 1))
        size = max(1, min(500, int(request.arg("max-results", "25") or 25)))
        page = self.posts[start - 1 : start - 1 + size]
        self_url = self._url("/feeds/posts/default")
        nxt = ""
        if start - 1 + size < len(self.posts):
            href = f"{self_url}?start-index={start + size}&amp;max-results={size}"
            nxt = f"<link rel='next' type='application/atom+xml' href='{href}'/>"
        entries = "".join(
            f"<entry><id>tag:blogger.com,1999:blog-{BLOG_ID}.post-{n}</id>"
            f"<published>{p.published.isoformat()}</published>"
            f"<updated>{p.published.isoformat()}</updated>"
            f"<title type='text'>{escape(p.title)}</title>"
            f"<content type='html'>{escape(p.body)}</content>"
            f"<link rel='alternate' type='text/html' href='{p.url}' title='{escape(p.title)}'/>"
            f"<author><name>{BLOG_AUTHOR}</name></author></entry>"
            for n, p in enumerate(page, start=start)
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/'>"
            f"<id>tag:blogger.com,1999:blog-{BLOG_ID}</id>"
            f"<updated>{self.posts[0].published.isoformat()}</updated>"
            f"<title type='text'>{BLOG_TITLE}</title>"
            f"<link rel='self' type='application/atom+xml' href='{self_url}'/>"
            f"<link rel='alternate' type='text/html' href='{self._url('/')}'/>{nxt}"
            "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
            f"<openSearch:totalResults>{len(self.posts)}</openSearch:totalResults>"
            f"{entries}</feed>"
        )
        return content(xml.encode("utf-8"), "application/atom+xml; charset=UTF-8")

    def sitemap(self, request: Request) -> Response:
        urls = "".join(f"<url><loc>{p.url}</loc></url>" for p in self.posts)
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><urlset "
            f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"
        )
        return content(xml.encode("utf-8"), "application/xml; charset=UTF-8")

    def robots(self, request: Request) -> Response:
        text = (
            f"User-agent: *\nDisallow: /search\nAllow: /\n\nSitemap: {self._url('/sitemap.xml')}\n"
        )
        return content(text.encode(), "text/plain")

    # --- rendering ------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"https://{BLOG_HOST}{path}"

    def _single(self, post: BlogPost) -> str:
        comments = (
            "<div class='comments' id='comments'><h4>2 comments:</h4><dl id='comments-block'>"
            "<dt class='comment-author'><a href='https://www.blogger.com/profile/0815' "
            "rel='nofollow'>Dev Patel</a> said...</dt><dd class='comment-body'><p>Good list. "
            "See also <a href='https://www.reddit.com/r/localnews/comments/abc123/' "
            "rel='nofollow'>this thread</a> and my own write-up at "
            "<a href='https://devpatel.example.net/2024/notes.html'>devpatel.example.net</a>."
            "</p></dd><dt class='comment-author'>Anonymous said...</dt><dd class='comment-body'>"
            '<p>The Herald piece was corrected, "Council Approves Budget," Herald, 3/4/24.</p>'
            "</dd></dl><div class='comment-form'><a name='comment-form'></a>"
            "<h4 id='comment-post-message'>Post a Comment</h4>"
            "<iframe allowtransparency='true' class='blogger-iframe-colorize' frameborder='0' "
            "height='410px' id='comment-editor' src='https://www.blogger.com/comment/frame/"
            f"{BLOG_ID}?po=1' width='100%'></iframe></div>"
            f"<div class='comment-footer'><a href='{self._url('/feeds/posts/default')}'>"
            "Post Comments (Atom)</a></div></div>"
        )
        return self._post_html(post, single=True) + comments

    def _post_html(self, post: BlogPost, *, single: bool) -> str:
        labels = ", ".join(
            f"<a href='{self._url('/search/label/' + quote(lab))}' rel='tag'>{escape(lab)}</a>"
            for lab in post.labels
        )
        share = "".join(
            f"<a class='goog-inline-block share-button sb-{kind}' href='{href}' "
            f"target='_blank' title='{kind}'><span class='share-button-link-text'>{kind}"
            "</span></a>"
            for kind, href in (
                (
                    "email",
                    f"https://www.blogger.com/share-post.g?blogID={BLOG_ID}&amp;target=email",
                ),
                ("twitter", f"https://twitter.com/intent/tweet?url={quote(post.url, safe='')}"),
                ("facebook", f"https://www.facebook.com/sharer.php?u={quote(post.url, safe='')}"),
                ("pinterest", "https://www.pinterest.com/pin/create/button/?url=x"),
            )
        )
        heading = escape(post.title) if single else f"<a href='{post.url}'>{escape(post.title)}</a>"
        return f"""<div class='date-outer'><h2 class='date-header'>
<span>{post.published:%A, %B %d, %Y}</span></h2>
<div class='post hentry' itemprop='blogPost' itemscope='itemscope'
 itemtype='http://schema.org/BlogPosting'>
<h3 class='post-title entry-title' itemprop='name'>{heading}</h3>
<div class='post-body entry-content' id='post-body-{abs(hash(post.path)) % 10**8}'
 itemprop='description articleBody'>
{post.body}
<div style='clear: both;'></div></div>
<div class='post-footer'><div class='post-footer-line post-footer-line-1'>
<span class='post-author vcard'>Posted by <span class='fn' itemprop='author'>{BLOG_AUTHOR}</span>
</span> at <a class='timestamp-link' href='{post.url}' rel='bookmark'><abbr class='published'
 itemprop='datePublished' title='{post.published.isoformat()}'>{post.published:%I:%M %p}</abbr>
</a></div><div class='post-share-buttons goog-inline-block'>{share}</div>
<div class='post-footer-line post-footer-line-2'><span class='post-labels'>Labels: {labels}
</span></div></div></div></div>
"""

    def _sidebar(self) -> str:
        roll = "".join(f"<li><a href='{u}'>{escape(n)}</a></li>" for n, u in BLOGROLL)
        labels = sorted({lab for p in self.posts for lab in p.labels})
        cloud = " ".join(
            f"<span class='label-size label-size-3'><a dir='ltr' "
            f"href='{self._url('/search/label/' + quote(lab))}'>{escape(lab)}</a></span>"
            for lab in labels
        )
        return f"""<div class='sidebar section' id='sidebar'>
<div class='widget Profile' id='Profile1'><h2>About Me</h2><a class='profile-name-link'
 href='https://www.blogger.com/profile/1234567890'>{BLOG_AUTHOR}</a>
<p>Former copy editor. I read the sources so you do not have to.</p></div>
<div class='widget Followers' id='Followers1'><h2>Followers</h2>
<a href='https://www.blogger.com/follow-blog.g?blogID={BLOG_ID}'>Follow</a></div>
<div class='widget LinkList' id='LinkList1'><h2>Blogroll</h2><ul>{roll}</ul></div>
<div class='widget Label' id='Label1'><h2>Labels</h2>
<div class='widget-content cloud-label-widget-content'>
{cloud}</div></div>
<div class='widget Subscribe' id='Subscribe1'><h2>Subscribe To</h2>
<a href='{self._url("/feeds/posts/default")}'>Posts (Atom)</a></div>
<div class='widget HTML' id='HTML1'><h2>Elsewhere</h2><a href='https://news.example.com/?utm_source=blog'>
News Example front page</a></div></div>"""

    def _page(self, title: str, body: str, canonical: str) -> str:
        feed = self._url("/feeds/posts/default")
        return f"""<!DOCTYPE html>
<html class='v2' dir='ltr' lang='en'>
<head>
<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>
<meta content='blogger' name='generator'/>
<link href='{self._url(canonical)}' rel='canonical'/>
<link rel="alternate" type="application/atom+xml" title="{BLOG_TITLE} - Atom" href="{feed}" />
<link rel="service.post" type="application/atom+xml" title="{BLOG_TITLE} - Atom"
 href="https://www.blogger.com/feeds/{BLOG_ID}/posts/default" />
<title>{escape(title)}</title>
</head>
<body>
<div class='navbar section' id='navbar'><div class='widget Navbar' id='Navbar1'>
<a href='https://www.blogger.com/next-blog?navBar=true&amp;blogID={BLOG_ID}'>Next blog</a>
</div></div>
<div class='header section' id='header'><div class='widget Header' id='Header1'>
<h1 class='title'><a href='{self._url("/")}'>{BLOG_TITLE}</a></h1></div></div>
<div class='main-inner'><div class='main section' id='main'><div class='widget Blog' id='Blog1'>
<div class='blog-posts hfeed'>
{body}
</div></div></div>
{self._sidebar()}
</div>
<div class='footer-outer'>Powered by <a href='https://www.blogger.com' target='_blank'>Blogger</a>.
</div>
</body>
</html>
"""


class CitedNewsSite(Site):
    """Every article the ground-truth blog cites, on its outlet's host, plus the short links
    (``bit.ly``) and FeedBurner redirects that lead to them; one article has moved (301)."""

    def __init__(self) -> None:
        super().__init__()
        self.hosts = (*CITED_HOSTS, SHORT_HOST, FEEDBURNER_HOST)
        self._pages: dict[tuple[str, str], CitedArticle] = {}
        self._redirects: dict[tuple[str, str], str] = {}
        moved = _moved()
        for article in ARTICLES:
            target = article.path
            if article is moved:
                self._redirects[(article.host, target)] = _final(article)
                self._pages[(article.host, "/moved" + target)] = article
            else:
                self._pages[(article.host, target)] = article
        for short, url in SHORT_LINKS.items():
            host, _, rest = short.partition("://")[2].partition("/")
            self._redirects[(host, "/" + rest)] = url

    def handle(self, request: Request) -> Response:
        key = (request.host, request.target)
        if key in self._redirects:
            return redirect(self._redirects[key], status=301)
        article = self._pages.get(key)
        if article is None:
            return self.fallback(request)
        return html(article_page(article))


def article_page(article: CitedArticle) -> str:
    """A plain news article page with the metadata extractors read."""
    words = article.title.split()
    paragraphs = [
        f"{article.title}. The decision came after months of debate, and officials said the "
        f"details would be published in full before the end of the month.",
        f"Residents who spoke at the hearing were divided. Several said the plan on "
        f"{' '.join(words[-2:]).lower()} had been rushed, while others argued that waiting "
        "longer would only raise the final cost for everyone.",
        f"{article.author_name} covers local government for {article.outlet}. Reporting for "
        "this story included interviews with eleven people and a review of public records.",
        "A spokesperson declined to comment on the timeline but confirmed that a second vote "
        "is scheduled, and that the written objections received so far will be answered.",
    ]
    body = "".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)
    title = escape(article.title)
    return f"""<!DOCTYPE html>
<html lang="{article.language}">
<head><meta charset="utf-8"><title>{title} | {escape(article.outlet)}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{escape(article.outlet)}">
<meta name="author" content="{escape(article.author_name)}">
<meta property="article:published_time" content="{article.published.isoformat()}">
</head><body>
<header><a href="/">{escape(article.outlet)}</a> <nav><a href="/section/local/">Local</a>
<a href="/section/business/">Business</a></nav></header>
<main><article><h1>{title}</h1>
<p class="byline">By {escape(article.author_name)},
 <time datetime="{article.published.isoformat()}">{article.published:%B %d, %Y}</time></p>
{body}</article></main>
<footer><p>&copy; {escape(article.outlet)}</p></footer></body></html>
"""
