"""One URL per post: the spellings and views of a post that are not crawled again.

Blogger adds ``?m=1`` (mobile view), ``?showComment=...`` and ``#comments``; WordPress adds
``?replytocom=...``, ``/amp/`` and comment feeds; tracking parameters ride along everywhere.
Listing pages (labels, search, ``updated-max``, archive widget toggles, tags, categories) are
not posts; on WordPress's plain permalinks a post is ``/?p=123`` and ``?paged=``, ``?m=``,
``?tag=`` and the like are listings. The key then goes through ``crawler.scope.url_key``
(w3lib canonicalisation).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.scope import url_key

DROP_PARAMS = {
    "m",
    "showcomment",
    "replytocom",
    "cpage",
    "amp",
    "fbclid",
    "gclid",
    "spref",
    "share",
}
NOT_POST_PATH = re.compile(
    r"^/(search(/|$)|feeds/|comments/feed|tag/|category/|author/|page/\d+|wp-json/|feed/?$)"
    r"|/feed/?$|/comment-page-\d+/?$|/trackback/?$",
    re.IGNORECASE,
)
NOT_POST_QUERY = re.compile(r"(^|&)(updated-max|updated-min|widgetType|action|s)=", re.IGNORECASE)
# WordPress on plain permalinks: every URL is the front script with a query, a post ?p=123.
FRONT_PATHS = ("", "/", "/index.php")
PLAIN_POST = re.compile(r"(^|&)p=\d+(&|$)")
PLAIN_LISTING = re.compile(r"(^|&)(paged|m|cat|tag|author|feed|page_id|rest_route)=", re.I)


def canonical_url(url: str) -> str:
    """The URL a post is archived and listed under."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if path.endswith("/amp/") or path.endswith("/amp"):
        path = path[: path.rstrip("/").rfind("/") + 1]
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, canonical_query(parts.query), ""))


def canonical_query(query: str) -> str:
    """A query without the parameters that only make another view of the same page."""
    kept = [
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if k.lower() not in DROP_PARAMS and not k.lower().startswith("utm_")
    ]
    return urlencode(kept)


def post_key(url: str) -> str:
    """The duplicate-check key of a post URL (canonical URL, then w3lib canonical form)."""
    return url_key(canonical_url(url))


def is_post_candidate(url: str) -> bool:
    """False for listing pages and feeds that only repeat posts (labels, search, tags...)."""
    parts = urlsplit(url)
    if parts.path in FRONT_PATHS:
        query = canonical_query(parts.query)
        return bool(PLAIN_POST.search(query)) and not PLAIN_LISTING.search(query)
    return not NOT_POST_PATH.search(parts.path) and not NOT_POST_QUERY.search(parts.query)
