"""Scrapy settings for reftrail: the one place crawl behaviour is configured.

Every reftrail setting is prefixed ``REFTRAIL_`` and has a default here. Users override any
setting with ``reftrail crawl -s NAME=VALUE`` or with an environment variable of the same name
(see :mod:`crawler.config`, which reads them).
"""

from __future__ import annotations

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "reftrail"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- The archive ---------------------------------------------------------------------------
# Folder holding reftrail.db and warcs/; REFTRAIL_ARCHIVE in the environment sets it too.
REFTRAIL_ARCHIVE = "archive"
# SQLAlchemy URL of the database; empty means SQLite at <archive>/reftrail.db.
REFTRAIL_DATABASE_URL = ""
# Prefix of WARC file names (PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz).
REFTRAIL_WARC_PREFIX = "reftrail"
# A WARC file is closed and a new one opened once it grows past this many bytes.
REFTRAIL_WARC_MAX_SIZE = 1_000_000_000
# gzip level of each WARC record (0 fastest .. 9 smallest). 0-3 use ISA-L: level 3 costs a
# quarter of zlib's level 3 for the same size; 4-9 use zlib, level 6 ~6% smaller files at
# about eight times the CPU (measured on news pages, see benchmarks/README.md).
REFTRAIL_WARC_GZIP_LEVEL = 3
# Named in the warcinfo record: who ran the crawl (a name, an email or a URL).
REFTRAIL_OPERATOR = ""
# Extract text with trafilatura from every HTML capture (in worker processes).
REFTRAIL_EXTRACT_TEXT = True
# Worker processes for text extraction (at lower priority); 0 means one per CPU core.
REFTRAIL_EXTRACT_WORKERS = 0
# Pages held in memory waiting for extraction; beyond this the crawl goes on and the pages
# are extracted from the WARCs when the crawl ends (bounded memory on any crawl size).
REFTRAIL_EXTRACT_BACKLOG = 256
# ... and at most this many megabytes of their payloads (a crawl of very large pages).
REFTRAIL_EXTRACT_BACKLOG_MB = 256
# trafilatura pipeline: "fast" (no fallback extractors; metadata the page declares) or
# "precise" (its defaults): on the corpus both keep the same passages and dates, fast in
# half the CPU (tests/storage/test_extract_modes.py, benchmarks/README.md).
REFTRAIL_EXTRACT_MODE = "fast"
# malloc of the extraction workers: "auto" (mimalloc or jemalloc when installed, ~15 % less
# extraction CPU; else the system's), "system", or the path of a malloc library.
REFTRAIL_EXTRACT_ALLOCATOR = "auto"

# --- Scope of a site crawl -----------------------------------------------------------------
# Links followed from a seed, counted in hops (Heritrix's max-hops default); 0: no limit.
# A limit is what stops endless generated pages (calendars, faceted search) by default.
REFTRAIL_DEPTH = 20
# Stop after this many pages (HTML documents, not requisites); 0 means no limit.
REFTRAIL_MAX_PAGES = 0
# Regular expressions a followed URL must match (any) / must not match (none).
REFTRAIL_INCLUDE: list[str] = []
REFTRAIL_EXCLUDE: list[str] = []
# Fetch page requisites (CSS, images, scripts, fonts, iframes) so pages replay whole.
REFTRAIL_REQUISITES = True
# Requisites may come from any host (CDNs); pages are followed on the seed hosts only.
REFTRAIL_REQUISITES_ANY_HOST = True

# --- Blogs (the blog crawl, crawler/spiders/blog.py) ----------------------------------------
# Fetch only posts published (or, without a date, updated) on or after this ISO date; "" all.
REFTRAIL_BLOG_SINCE = ""
# Fetch at most this many post pages in one crawl; 0 means no limit.
REFTRAIL_BLOG_MAX_POSTS = 0
# Entries asked for per page of a Blogger posts feed (max-results); Blogger serves up to 150.
REFTRAIL_BLOG_FEED_PAGE_SIZE = 150
# Record each archived post's citations and fetch every cited URL once (on any host).
REFTRAIL_CITATIONS = True
# Also fetch the page requisites (CSS, images, scripts) of cited articles.
REFTRAIL_CITATION_REQUISITES = False
# A cited URL bigger than this is abandoned and recorded as failed ("too-large"): articles and
# most report PDFs are far smaller, and Scrapy holds a body in memory until it is complete.
REFTRAIL_CITATION_MAXSIZE = 20 * 1024 * 1024

# --- Link checks (reftrail check, crawler/spiders/linkcheck.py) -----------------------------
# A URL is dead after this many failing checks in a row ...
REFTRAIL_DEAD_AFTER_CHECKS = 3
# ... spanning at least this many days (InternetArchiveBot's rule); until then it is dying.
REFTRAIL_DEAD_AFTER_DAYS = 3.0
# Days until a live (or confirmed dead) URL is checked again, and a failing or blocked one.
REFTRAIL_RECHECK_ALIVE_DAYS = 30.0
REFTRAIL_RECHECK_FAILING_DAYS = 1.0
# Below this share of the archived copy's text still on the live page, a link has drifted.
REFTRAIL_DRIFT_THRESHOLD = 0.5
# Honour a 429/503 Retry-After of at most this many seconds (then retry once); longer: blocked.
REFTRAIL_RETRY_AFTER_MAX = 60.0
# The time a check records (ISO 8601), for replaying history; "" means now.
REFTRAIL_CHECK_TIME = ""
# Cited URLs with no good local copy (dead when first crawled): ask this Memento TimeGate
# (RFC 7089) for the copy closest before the citing post's date; the URL is appended, or
# replaces "{url}". Answers are kept in the archive and not asked again.
REFTRAIL_MEMENTO_TIMEGATE = "https://web.archive.org/web/"
# Ask it at all (reftrail check --no-external-copies turns this off for one run).
REFTRAIL_MEMENTO_LOOKUP = True
# A TimeGate that could not answer (timeout, 5xx) is asked again after this many days.
REFTRAIL_MEMENTO_RETRY_DAYS = 7.0

# --- Network safety ------------------------------------------------------------------------
# Connect to private, loopback, link-local and cloud-metadata addresses (off: a cited URL
# must not reach the archivist's own network). A configured proxy is always allowed.
REFTRAIL_ALLOW_PRIVATE_ADDRESSES = False
# Host name -> IP address answers consulted before DNS, like /etc/hosts (dict or "h=ip,h=ip").
REFTRAIL_HOST_MAP: dict[str, str] = {}
# Resolve only names in REFTRAIL_HOST_MAP; anything else fails as a DNS error (offline webs).
REFTRAIL_HOST_MAP_ONLY = False
# Where site owners learn about this crawl; goes into the User-Agent (unless USER_AGENT is set).
REFTRAIL_CONTACT_URL = "https://github.com/reftrail/reftrail"

# --- Politeness and limits -----------------------------------------------------------------
# Built from REFTRAIL_CONTACT_URL at start (crawler.config.apply_contact_url); set it to override.
USER_AGENT = "reftrail (+https://github.com/reftrail/reftrail; archival crawler)"
ROBOTSTXT_OBEY = True
# A robots.txt Crawl-delay is honoured up to this many seconds between a host's requests.
REFTRAIL_CRAWL_DELAY_MAX = 30.0
# A robots.txt answering 5xx forbids the whole host (RFC 9309); site and blog crawls turn
# this on, the link checker leaves it off (it reports what each cited URL answers).
REFTRAIL_ROBOTS_5XX_DISALLOW = False
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
RETRY_TIMES = 1
# A body cut short by the server is archived as far as it came, marked WARC-Truncated.
DOWNLOAD_FAIL_ON_DATALOSS = False
COOKIES_ENABLED = False
REDIRECT_MAX_TIMES = 10
# Archive error pages too: spiders see 4xx/5xx responses instead of HttpErrorMiddleware
# dropping them, so the crawl log and statistics count them.
HTTPERROR_ALLOW_ALL = True
TWISTED_DNS_RESOLVER = "crawler.resolver.ArchiveResolver"
DNS_TIMEOUT = 20

# --- Capture path --------------------------------------------------------------------------
# The capture middleware sits closer to the downloader than HttpCompression (590) and
# Redirect (600), so it sees each response as the server sent it: still compressed and
# before any redirect is followed.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.SharedRobotsTxtMiddleware": 100,
    # Scrapy's own, except that the site spider may decline a redirect (scope, once per URL).
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.redirects.ScopedRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.redirects.ScopedMetaRefreshMiddleware": 580,
    "crawler.middlewares.address_guard.AddressGuardMiddleware": 760,
    "crawler.middlewares.warc_capture.WarcCaptureMiddleware": 950,
}
# reftrail's spiders yield Requests, never items. Scrapy 2.19 starts CONCURRENT_ITEMS tasks
# (default 100) for every response's output however little it holds: a quarter of a
# link-heavy crawl's CPU (benchmarks/README.md). One is enough for Requests.
CONCURRENT_ITEMS = 1
# The site spider tracks depth and URL length itself, in the frontier; Scrapy's generic
# versions would re-examine every request a page yields.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
}
# Scrapy imports every extension it lists, even one set to None in EXTENSIONS: the telnet
# console and the remote-control server (which pulls in aiohttp, ~0.17 s of every start-up)
# are left out of the base list instead, so they are never loaded.
EXTENSIONS_BASE = {
    path: order
    for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if path.rpartition(".")[2] not in ("TelnetConsole", "RemoteControl")
}
EXTENSIONS = {
    "crawler.extensions.progress.CrawlProgress": 500,
}
# Scrapy 2.19's remote-control server executes what it is sent: never on unless asked for.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

LOG_LEVEL = "INFO"
# Library versions are in every warcinfo record; the log need not list them at each start.
LOG_VERSIONS: list[str] = []
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# --- Display -------------------------------------------------------------------------------
# Progress display: auto (Rich panel on a terminal, log lines otherwise), rich, log or off.
REFTRAIL_PROGRESS = "auto"
# Seconds between progress log lines when not on a terminal.
REFTRAIL_PROGRESS_INTERVAL = 10


# --- Environment ---------------------------------------------------------------------------
# Any REFTRAIL_* setting above can come from an environment variable of the same name (JSON
# values such as true, 3 or {"a": "b"} are decoded), so `scrapy crawl` and `reftrail` agree;
# `-s NAME=VALUE` still wins.
def _from_environment() -> None:
    import json
    import os

    namespace = globals()
    for name, raw in os.environ.items():
        if not (name.startswith("REFTRAIL_") and name in namespace):
            continue
        if isinstance(namespace[name], str):
            namespace[name] = raw  # a folder named "2026" stays a string
            continue
        try:
            namespace[name] = json.loads(raw)
        except ValueError:
            namespace[name] = raw


_from_environment()
