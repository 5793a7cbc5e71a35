"""Which discovered URLs a site crawl follows: hosts, depth, page budget, patterns, traps."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url

# Paths deeper than this, or repeating a segment this often, are crawler traps (as in
# Heritrix's TooManyPathSegments and MatchesRepeatedPathSegments rules).
MAX_PATH_SEGMENTS = 20
MAX_SEGMENT_REPEATS = 3
MAX_URL_LENGTH = 2000
# Session IDs in URLs (Heritrix's StripSessionIDs rules): ";jsessionid=" path parameters and
# query parameters, PHPSESSID, ASPSESSIONIDxxxxxxxx, and "sid" when it is 32 hex digits. A site
# that puts a fresh one in every link would otherwise offer every page under endless URLs.
SESSION_PATH_PARAM = re.compile(r";jsessionid=[^?#/]*", re.IGNORECASE)
SESSION_QUERY_PARAM = re.compile(
    r"(?i)(?:jsessionid|phpsessid|aspsessionid[a-z]{8})=[^&#]*|sid=[0-9a-f]{32}(?=&|#|$)"
)


def host_of(url: str) -> str:
    """Host name without ``www.``, internationalized names in their ASCII (IDNA) form, as
    requests and responses spell them; empty for URLs that do not parse."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    if not host.isascii():
        with contextlib.suppress(UnicodeError):  # not a valid IDN: compared as written
            host = host.encode("idna").decode("ascii")
    return host.removeprefix("www.")


def is_fetchable(url: str) -> bool:
    """An http(s) URL with a host and a valid port: pages carry broken links too."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for ports out of range or not numbers
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def url_key(url: str) -> str:
    """The form two spellings of one URL share: the duplicate check compares these.

    Case of scheme and host, default ports, dot-segments, percent-encoding and query order
    differ between links to the same resource; the URL fetched stays the one linked.
    """
    try:
        key = canonicalize_url(without_session_ids(url))
    except ValueError:
        return url
    scheme, sep, rest = key.partition("://")
    host, slash, path = rest.partition("/")
    default = {"http": ":80", "https": ":443"}.get(scheme)
    if default and host.endswith(default):
        host = host.removesuffix(default)
    return f"{scheme}{sep}{host}{slash}{path}"


def without_session_ids(url: str) -> str:
    """The URL without session-ID parameters (the duplicate check's view of it)."""
    lowered = url.lower()
    if "sessionid" not in lowered and "sid=" not in lowered:  # most URLs stop here
        return url
    base, sep, query = SESSION_PATH_PARAM.sub("", url).partition("?")
    if not sep:
        return base
    query, hash_, fragment = query.partition("#")
    kept = [p for p in query.split("&") if p and not SESSION_QUERY_PARAM.fullmatch(p)]
    return base + ("?" + "&".join(kept) if kept else "") + hash_ + fragment


def looks_like_trap(url: str) -> bool:
    path = urlsplit(url).path
    segments = [s for s in path.split("/") if s]
    if len(segments) > MAX_PATH_SEGMENTS or len(url) > MAX_URL_LENGTH:
        return True
    return any(segments.count(s) >= MAX_SEGMENT_REPEATS for s in set(segments))


@dataclass
class Scope:
    """The rules of one crawl. ``depth`` and ``max_pages`` of 0 mean no limit."""

    hosts: set[str]
    depth: int = 0
    max_pages: int = 0
    include: list[re.Pattern[str]] = field(default_factory=list)
    exclude: list[re.Pattern[str]] = field(default_factory=list)
    requisites_any_host: bool = True

    @classmethod
    def for_seeds(
        cls,
        seeds: list[str],
        *,
        depth: int = 0,
        max_pages: int = 0,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        requisites_any_host: bool = True,
    ) -> Scope:
        return cls(
            hosts={host_of(s) for s in seeds},
            depth=depth,
            max_pages=max_pages,
            include=[re.compile(p) for p in include],
            exclude=[re.compile(p) for p in exclude],
            requisites_any_host=requisites_any_host,
        )

    def follows_page(self, url: str, depth: int) -> bool:
        if self.depth and depth > self.depth:
            return False
        if not is_fetchable(url):
            return False
        if host_of(url) not in self.hosts or looks_like_trap(url):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)

    def fetches_requisite(self, url: str) -> bool:
        if len(url) > MAX_URL_LENGTH or not is_fetchable(url):
            return False
        if any(p.search(url) for p in self.exclude):
            return False
        return self.requisites_any_host or host_of(url) in self.hosts
