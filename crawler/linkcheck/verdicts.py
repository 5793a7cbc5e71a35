"""The verdict of one link check: pure functions of what the check observed.

Judged in this order, behaviour and structure first and words last:

1. no response: DNS failure → no-such-host; refused, timeout, TLS, cut-off → unreachable;
2. the status: 401/402/403/429/451 or a challenge page → blocked; 404/410 → gone; 5xx →
   server-error;
3. a 2xx page: parked (sparse page under the domain's name with a related-search link farm
   or ad slots) → parked; redirected to the site root or a not-found URL → redirect-to-home;
   the same answer as the host gives for a random path beside it (same final URL, or
   near-identical text) → soft-404; a short page whose title or heading is a not-found
   heading → soft-404; text far from the archived copy → drifted; moved → redirected; else ok.

A home page is never compared with the probe: a host's root may rightly be where nonsense
paths lead. Each verdict comes with a reason a person can check against the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from crawler.linkcheck.page import PageFacts

BLOCKING_STATUSES = frozenset({401, 402, 403, 429, 451})
GONE_STATUSES = frozenset({404, 410})
UNREACHABLE_ERRORS = frozenset(
    {"refused", "timeout", "tls", "connection-lost", "truncated", "invalid-response"}
)
HOME_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.php", "/home", "/home/"})
# A URL that names an error page: its last path segment is one (/404.html, /not-found,
# /error) or a query value is a 404 code (?code=404). Words inside a slug
# (/error-correction.html, /the-missing-link) are not.
NOT_FOUND_SEGMENT = re.compile(
    r"(?:404|410|not[-_]?found|page[-_]?not[-_]?found|notfound|missing|error|errors?[-_]?404)"
    r"(?:\.\w{2,5})?",
    re.I,
)
NOT_FOUND_QUERY = re.compile(r"(?:^|&)[\w-]*=(?:404|410|not[-_]?found)(?:&|$)", re.I)
# Home pages in other languages (/en/, /de-ch/) and index pages.
HOME_LIKE = re.compile(r"/(?:[a-z]{2}(?:[-_][a-z]{2})?/?)?(?:index\.\w{2,5}|home/?)?", re.I)
# Query keys that only say where a visitor came from; a home page with them is still home.
REFERRAL_KEYS = re.compile(
    r"^(?:from|ref|referr?er|source|src|origin|utm_\w+|r|redirect\w*|"
    r"notfound|error|err|msg|reason|code|status)$",
    re.I,
)
# The last signal: headings of not-found pages. Only trusted on short pages.
NOT_FOUND_HEADING = re.compile(
    r"\b(?:404|not found|page not found|no longer (?:available|exists?)|"
    r"(?:does not|doesn't|no longer) exist|(?:could ?n[o']t|can ?n[o']t|cannot|unable to) "
    r"(?:be )?(?:find|found|locate)|nothing (?:here|found)|page (?:is )?missing|"
    r"isn't here|is not here|gone missing)\b",
    re.I,
)
CHALLENGE_WORDS = re.compile(
    r"captcha|are you (?:a )?(?:human|robot)|not a robot|verify (?:that )?you are|"
    r"checking your browser|unusual traffic|access denied|attention required|just a moment",
    re.I,
)
PARKED_WORDS = re.compile(
    r"\bdomain\b.{0,80}\b(?:for sale|sale|buy|purchase|offer|parked|expired|auction|"
    r"available|acquire)\b|\b(?:buy|purchase|acquire|make an offer on) this domain\b",
    re.I | re.S,
)
SHORT_PAGE_WORDS = 150
NEAR_IDENTICAL = 0.9
SAME_FRAME = 0.5  # text match enough when title and first heading are the probe's too


@dataclass(frozen=True, slots=True)
class Probe:
    """The host's answer for a random path beside the checked URL."""

    url: str
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    page: PageFacts | None = None

    def describe(self) -> str:
        if self.error:
            return f"{self.url}: {self.error}"
        moved = f" via redirect to {self.final_url}" if self.final_url != self.url else ""
        return f"{self.url}: {self.status}{moved}"


@dataclass(frozen=True, slots=True)
class Observation:
    """Everything one check saw."""

    url: str
    status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    error: str | None = None  # crawl-log reason when there was no response
    detail: str = ""
    retry_after: str | None = None
    page: PageFacts | None = None
    main_text: str | None = None  # extracted (trafilatura) text of the live page
    reference_text: str | None = None  # extracted text of the archived copy
    probe: Probe | None = None
    html: bool = True


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: str
    reason: str
    similarity: float | None = None
    notes: tuple[str, ...] = field(default=())


# --- small pure helpers ----------------------------------------------------------------------


def is_home(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in HOME_PATHS and not parts.query


def is_home_target(url: str) -> bool:
    """A redirect target that is the site's front page: the root, a language root, an index
    page, with at most a query saying where the visitor came from."""
    parts = urlsplit(url)
    if not HOME_LIKE.fullmatch(parts.path or "/"):
        return False
    keys = [pair.split("=", 1)[0] for pair in parts.query.split("&") if pair]
    return all(REFERRAL_KEYS.match(key) for key in keys)


def is_not_found_url(url: str) -> bool:
    """The URL names an error page (its last segment, or a query value such as 404)."""
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return bool(NOT_FOUND_SEGMENT.fullmatch(last) or NOT_FOUND_QUERY.search(parts.query))


def same_url(a: str, b: str) -> bool:
    """Equal but for scheme, a leading www., a trailing slash and the fragment."""

    def key(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        return host, parts.path.rstrip("/") or "/", parts.query

    return key(a) == key(b)


def registered_name(url: str) -> str:
    """The host without www., e.g. ``lakeside-herald.com``."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def text_similarity(reference: str, live: str) -> float:
    """How much of the archived text the live page still carries (0..1).

    The share of the reference's word 3-grams found in the live text: edits and additions
    keep it high, a different article brings it near 0 (character ratios of two unrelated
    English texts stay around 0.4, too close to any threshold).
    """
    ref = shingles(reference)
    if not ref:
        return 1.0 if not live.strip() else 0.0
    return round(len(ref & shingles(live)) / len(ref), 3)


def near_identical(a: str, b: str, *, strip: tuple[str, ...] = ()) -> float:
    """rapidfuzz ratio (0..1) of two visible texts, ignoring the paths they echo."""
    for token in strip:
        if token:
            a, b = a.replace(token, " "), b.replace(token, " ")
    return fuzz.ratio(a, b) / 100.0


def _path_tokens(*urls: str | None) -> tuple[str, ...]:
    tokens: list[str] = []
    for url in urls:
        if url:
            path = urlsplit(url).path
            tokens += [path, path.rstrip("/").rsplit("/", 1)[-1]]
    return tuple(sorted({t for t in tokens if len(t) > 2}, key=len, reverse=True))


# --- the judgement -----------------------------------------------------------------------------


def _no_response(obs: Observation) -> Verdict:
    error, detail = obs.error or "error", obs.detail
    if error == "dns":
        return Verdict("no-such-host", f"DNS lookup failed: {detail}".strip(": "))
    if error in UNREACHABLE_ERRORS:
        return Verdict("unreachable", f"{error}: {detail}".strip(": "))
    if error == "robots":
        return Verdict("blocked", "robots.txt forbids fetching this URL")
    if error == "redirect-loop":
        return Verdict("unreachable", f"redirects never end: {detail}".strip(": "))
    return Verdict("inconclusive", f"the check could not fetch the URL ({error}: {detail})")


def is_challenge(page: PageFacts | None) -> str | None:
    """Why the page is a bot wall, or None."""
    if page is None:
        return None
    if page.challenge and page.words < 300:
        return "a challenge page (captcha or bot-check widget)"
    heading = " ".join((page.title, *page.headings[:2]))
    if page.words < 120 and CHALLENGE_WORDS.search(heading + " " + page.text[:500]):
        return "a bot wall (asks to prove a human is reading)"
    return None


def is_parked(url: str, page: PageFacts | None) -> str | None:
    """Why the page is a parked or for-sale domain, or None."""
    if page is None or page.words > SHORT_PAGE_WORDS * 2:
        return None
    name = registered_name(url)
    named = bool(name) and (name in page.title.lower() or page.title.strip() == "")
    farm = page.links >= 4 and page.query_links / page.links >= 0.5
    ads = page.ad_markers >= 2 and page.links >= 3 and page.offsite_links / page.links >= 0.6
    words = bool(PARKED_WORDS.search(" ".join((page.title, *page.headings, page.text[:2000]))))
    if named and (farm or ads):
        kind = "related-search links" if farm else "ad slots"
        return f"a parked domain: a sparse page under the name {name} with {kind}"
    if words and (named or farm or ads):
        return f"a domain offered for sale or parked ({name})"
    return None


def names_domain(page: PageFacts, *urls: str) -> str | None:
    """The domain name (with its suffix) a page's title or first heading carries, if any."""
    where = " ".join((page.title, *page.headings[:1])).lower()
    for url in urls:
        name = registered_name(url)
        if "." in name and name in where:
            return name
    return None


def parked_by_behaviour(obs: Observation) -> str | None:
    """A sparse page headed by the bare domain name that the host gives for every address
    (the probe gets the same), or that the cited domain now redirects to on another host."""
    page = obs.page
    if page is None or page.words >= 80:
        return None
    final = obs.final_url or obs.url
    moved_away = registered_name(final) != registered_name(obs.url)
    name = names_domain(page, obs.url) if moved_away else None
    if name:
        elsewhere = registered_name(final)
        return f"the domain now leads to a sparse page about the name {name} on {elsewhere}"
    name = names_domain(page, obs.url, final)
    onsite = page.links - page.offsite_links - page.query_links
    probe = obs.probe
    if not name or onsite > 1 or probe is None or probe.page is None:
        return None
    if near_identical(page.text, probe.page.text) >= NEAR_IDENTICAL and (
        page.title == probe.page.title
    ):
        return (
            f"a parked domain: every address on {name} shows the same sparse page headed by "
            f"the name, with no links into a site ({probe.describe()})"
        )
    return None


def _redirect_target(obs: Observation) -> Verdict | None:
    final = obs.final_url or obs.url
    if same_url(final, obs.url):
        return None
    if is_home(obs.url):
        return None
    if is_home_target(final):
        return Verdict("redirect-to-home", f"redirected to the site's home page {final}")
    if is_not_found_url(final) and not is_not_found_url(obs.url):
        return Verdict("redirect-to-home", f"redirected to a not-found address {final}")
    return None


def _soft_404(obs: Observation) -> Verdict | None:
    if is_home(obs.url):
        return None
    final = obs.final_url or obs.url
    probe, page = obs.probe, obs.page
    if probe is not None and probe.status is not None and 200 <= probe.status < 300:
        probe_final = probe.final_url or probe.url
        if not same_url(final, obs.url) and same_url(probe_final, final):
            return Verdict(
                "soft-404",
                f"redirected to {final}, where the host also sends a random path "
                f"({probe.describe()})",
            )
        if page is not None and probe.page is not None:
            score = near_identical(
                page.text, probe.page.text, strip=_path_tokens(obs.url, final, probe.url)
            )
            titles_match = page.title == probe.page.title
            if score >= NEAR_IDENTICAL and (titles_match or score >= 0.97):
                return Verdict(
                    "soft-404",
                    f"answers like a random path on the host ({score:.2f} text match with "
                    f"{probe.describe()})",
                )
            same_frame = (
                titles_match
                and page.headings[:1] == probe.page.headings[:1]
                and page.words < SHORT_PAGE_WORDS * 2
            )
            if same_frame and score >= SAME_FRAME:
                return Verdict(
                    "soft-404",
                    f"the same page as the host's answer for a random path (title and heading "
                    f"alike, {score:.2f} text match with {probe.describe()})",
                )
    if probe is not None and probe.status in GONE_STATUSES:
        # The host says 404 for nonsense: its 200s are real pages, whatever their titles say.
        return None
    if page is not None and page.words < SHORT_PAGE_WORDS:
        for heading in (page.title, *page.headings[:2]):
            if NOT_FOUND_HEADING.search(heading):
                return Verdict(
                    "soft-404", f"status 200 but the page reads as not found: {heading!r}"
                )
    return None


def judge(obs: Observation, *, drift_threshold: float = 0.5) -> Verdict:
    """The verdict of one check."""
    if obs.status is None:
        return _no_response(obs)
    status = obs.status
    hops = f" after {len(obs.redirects)} redirect(s) to {obs.final_url}" if obs.redirects else ""
    if status in BLOCKING_STATUSES:
        wait = f"; Retry-After {obs.retry_after}" if obs.retry_after else ""
        wall = is_challenge(obs.page)
        return Verdict("blocked", f"HTTP {status}{hops}{wait}" + (f": {wall}" if wall else ""))
    wall = is_challenge(obs.page) if status in (200, 503) else None
    if wall:
        return Verdict("blocked", f"HTTP {status}{hops}: {wall}")
    if status in GONE_STATUSES:
        return Verdict("gone", f"HTTP {status}{hops}")
    if status >= 500:
        wait = f"; Retry-After {obs.retry_after}" if obs.retry_after else ""
        return Verdict("server-error", f"HTTP {status}{hops}{wait}")
    if not 200 <= status < 300:
        return Verdict("inconclusive", f"HTTP {status}{hops}: not a final answer")
    parked = is_parked(obs.final_url or obs.url, obs.page) or parked_by_behaviour(obs)
    if parked:
        return Verdict("parked", parked)
    moved = _redirect_target(obs)
    if moved is not None:
        return moved
    soft = _soft_404(obs)
    if soft is not None:
        return soft
    similarity = None
    if obs.reference_text and obs.main_text is not None:
        similarity = text_similarity(obs.reference_text, obs.main_text)
        if similarity < drift_threshold:
            return Verdict(
                "drifted",
                f"the live text keeps {similarity:.0%} of the archived copy's "
                f"(threshold {drift_threshold:.0%}){hops}",
                similarity,
            )
    final = obs.final_url or obs.url
    if not same_url(final, obs.url):
        return Verdict("redirected", f"moved to {final} (HTTP {status})", similarity)
    return Verdict("ok", f"HTTP {status}", similarity)
