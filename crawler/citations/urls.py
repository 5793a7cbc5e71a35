"""Cited URLs as written in posts -> what to fetch and the key that says "the same article".

Tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ...) are dropped; redirector wrappers
that carry the target in their query (``google.com/url?q=``, ``l.facebook.com/l.php?u=``, ...)
are unwrapped; short links (``t.co``, ``bit.ly``, FeedBurner's ``feedproxy.google.com/~r/...``)
carry no target, so they are kept and followed, their redirects archived and recorded.
The key is :func:`crawler.scope.url_key` of the cleaned URL (host case, default ports,
dot-segments, query order, no fragment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from crawler.scope import url_key

TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__hs", "_hs")
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "igshid", "igsh", "mc_cid", "mc_eid", "mkt_tok", "_ga", "_gl",
        "_hsenc", "_hsmi", "ref_src", "ref_url", "s_cid", "cmpid", "ncid", "ocid", "spm",
        "sr_share", "smid", "smtyp", "cmp", "feedtype", "feedname",
        "__twitter_impression", "oly_enc_id", "oly_anon_id", "vero_id", "wt.mc_id",
        "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
    }
)  # fmt: skip

# Redirector host (suffix) and path prefix -> query parameters that hold the target.
REDIRECTORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("google.", "/url", ("q", "url")),
    ("facebook.com", "/l.php", ("u",)),
    ("facebook.com", "/flx/warn", ("u",)),
    ("youtube.com", "/redirect", ("q",)),
    ("t.umblr.com", "/redirect", ("z",)),
    ("href.li", "/", ("",)),
    ("out.reddit.com", "/", ("url",)),
    ("safelinks.protection.outlook.com", "/", ("url",)),
    ("slack-redir.net", "/link", ("url",)),
    ("exit.sc", "/", ("url",)),
    ("news.google.com", "/news/url", ("url",)),
    ("feedproxy.google.com", "/fbp/", ("url",)),
    ("bing.com", "/ck/a", ("u",)),
    ("vk.com", "/away.php", ("to",)),
    ("steamcommunity.com", "/linkfilter/", ("url", "u")),
)
SHORTENERS = frozenset(
    {
        "t.co", "bit.ly", "bitly.com", "goo.gl", "ow.ly", "tinyurl.com", "buff.ly", "dlvr.it",
        "ift.tt", "fb.me", "is.gd", "j.mp", "lnkd.in", "trib.al", "wp.me", "tiny.cc", "rb.gy",
        "cutt.ly", "shorturl.at", "nyti.ms", "wapo.st", "reut.rs", "bbc.in", "cnn.it", "n.pr",
        "apne.ws", "politi.co", "hill.cm", "econ.st", "on.ft.com", "gu.com", "bloom.bg",
        "amzn.to", "youtu.be", "flip.it", "ln.is", "po.st", "su.pr", "qr.ae", "t.ly",
    }
)  # fmt: skip
FEEDBURNER_HOSTS = ("feedproxy.google.com", "feeds.feedburner.com", "feeds2.feedburner.com")
SHARE_URLS = re.compile(
    r"^https?://(?:[a-z0-9-]+\.)*(?:"
    r"twitter\.com/(?:intent|share|home\?status)|x\.com/intent|"
    r"facebook\.com/(?:sharer|share\.php|dialog/share)|plus\.google\.com/share|"
    r"pinterest\.[a-z.]+/pin/create|linkedin\.com/(?:shareArticle|sharing)|"
    r"reddit\.com/submit|tumblr\.com/(?:share|widgets/share)|blogger\.com/(?:share-post|"
    r"email-post|post-edit|comment)|addtoany\.com/|addthis\.com/bookmark|"
    r"(?:api\.)?whatsapp\.com/send|t\.me/share|getpocket\.com/save|digg\.com/submit|"
    r"stumbleupon\.com/submit|del\.icio\.us/post|wordpress\.com/press-this)",
    re.I,
)
MAX_URL_LENGTH = 2000
MAX_UNWRAP = 5


@dataclass(frozen=True, slots=True)
class CitedURL:
    """A cited link made fetchable: ``url`` to request, ``key`` to compare, or a reason."""

    written: str
    url: str | None
    key: str | None
    short_link: bool = False
    unwrapped: bool = False
    reason: str | None = None  # why it is not fetchable: mailto, javascript, data, malformed


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def repair(href: str, base: str | None = None) -> tuple[str | None, str | None]:
    """An absolute http(s) URL from an href as bloggers write them, or (None, reason)."""
    text = (href or "").strip().strip("\"'<>").strip()
    if not text:
        return None, "empty"
    lowered = text[:20].lower().replace(" ", "")
    for scheme in ("javascript:", "mailto:", "data:", "tel:", "sms:", "file:", "about:"):
        if lowered.startswith(scheme):
            return None, scheme.rstrip(":")
    if len(text) > MAX_URL_LENGTH:
        return None, "too-long"
    text = re.sub(r"\s+", "%20", text)  # spaces inside a pasted URL
    # "http//host", "http:/host", "http:\\host", "ttp://host": common typing slips.
    match = re.match(r"^(h?ttps?)\s*:?[/\\]{1,3}(?=[^/\\])", text, re.I)
    if match and not re.match(r"^https?://[^/]", text, re.I):
        scheme = "https" if match.group(1).lower().endswith("s") else "http"
        text = f"{scheme}://{text[match.end() :]}"
    elif text.lower().startswith("www."):
        text = "http://" + text
    elif text.startswith("//"):
        text = "https:" + text
    if not re.match(r"^[a-z][a-z0-9+.-]*:", text, re.I):
        if base is None:
            return None, "relative"
        text = urljoin(base, text)
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError:
        return None, "malformed"
    if parts.scheme.lower() not in ("http", "https"):
        return None, parts.scheme.lower() or "malformed"
    host = parts.hostname or ""
    if not host or ("." not in host and host != "localhost") or re.search(r"[^\w.-]", host):
        return None, "malformed"
    return text, None


def drop_tracking(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [
        (k, v)
        for k, v in pairs
        if not (k.lower() in TRACKING_PARAMS or k.lower().startswith(TRACKING_PREFIXES))
    ]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept, doseq=True)))


def unwrap(url: str) -> str | None:
    """The target of a redirector link that carries it in its query, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    for suffix, path, params in REDIRECTORS:
        matches_host = (
            host.startswith(suffix) or f".{suffix}" in f".{host}"
            if suffix.endswith(".")
            else host == suffix or host.endswith("." + suffix)
        )
        if not matches_host or not parts.path.startswith(path):
            continue
        if params == ("",):  # href.li/?https://target
            target = unquote(parts.query)
        else:
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            target = next((query[p] for p in params if query.get(p)), "")
        if re.match(r"^https?://", target, re.I):
            return target
    return None


def is_short_link(url: str) -> bool:
    host = _host(url).removeprefix("www.")
    if host in SHORTENERS:
        return True
    path = urlsplit(url).path
    return host in FEEDBURNER_HOSTS and path.startswith("/~r/")


def is_share_link(url: str) -> bool:
    return bool(SHARE_URLS.match(url))


def normalise(href: str, base: str | None = None) -> CitedURL:
    """What to fetch for a cited href, and its comparison key."""
    url, reason = repair(href, base)
    if url is None:
        return CitedURL(href, None, None, reason=reason)
    unwrapped = False
    for _ in range(MAX_UNWRAP):
        target = unwrap(url)
        if target is None:
            break
        repaired, _reason = repair(target)
        if repaired is None:
            break
        url, unwrapped = repaired, True
    url = drop_tracking(url)
    return CitedURL(href, url, url_key(url), short_link=is_short_link(url), unwrapped=unwrapped)


def key_of(url: str) -> str:
    """The comparison key of an already clean absolute URL."""
    return url_key(drop_tracking(url))
