"""Verdicts of single checks, from hand-made observations (no network)."""

from __future__ import annotations

import pytest

from crawler.linkcheck.page import page_facts
from crawler.linkcheck.retry_after import parse_retry_after
from crawler.linkcheck.verdicts import Observation, Probe, judge, text_similarity
from crawler.spiders.linkcheck import probe_url

URL = "https://news.example/2024/05/bridge.html"
ARTICLE = (
    "<html><head><title>Bridge to reopen | Example News</title></head><body>"
    "<nav><a href='/'>Home</a><a href='/news/'>News</a></nav><h1>Bridge to reopen</h1>"
    + "".join(
        f"<p>Paragraph {n}: the council met again about the bridge works.</p>" for n in range(30)
    )
    + "</body></html>"
)
NOTHING = (
    "<html><head><title>Example News</title></head><body><h1>Hmm, that address is empty"
    "</h1><p>Try the <a href='/'>front page</a>.</p></body></html>"
)


def page(html: str, url: str = URL):  # type: ignore[no-untyped-def]
    return page_facts(html, url)


def verdict(**kwargs: object) -> str:
    return judge(Observation(**{"url": URL, **kwargs})).verdict  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("dns", "no-such-host"),
        ("refused", "unreachable"),
        ("timeout", "unreachable"),
        ("tls", "unreachable"),
        ("connection-lost", "unreachable"),
        ("robots", "blocked"),
        ("redirect-loop", "unreachable"),
        ("blocked-address", "inconclusive"),
        ("too-large", "inconclusive"),
    ],
)
def test_failures_without_a_response(error: str, expected: str) -> None:
    assert verdict(error=error, detail="x") == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "blocked"),
        (402, "blocked"),
        (403, "blocked"),
        (429, "blocked"),
        (451, "blocked"),
        (404, "gone"),
        (410, "gone"),
        (500, "server-error"),
        (503, "server-error"),
        (300, "inconclusive"),
        (400, "inconclusive"),
    ],
)
def test_status_codes(status: int, expected: str) -> None:
    assert (
        verdict(status=status, final_url=URL, page=page("<html><body>x</body></html>")) == expected
    )


def test_reason_keeps_retry_after() -> None:
    result = judge(Observation(url=URL, status=429, final_url=URL, retry_after="120"))
    assert "Retry-After 120" in result.reason


def test_ok_and_redirected() -> None:
    assert verdict(status=200, final_url=URL, page=page(ARTICLE)) == "ok"
    moved = "https://news.example/articles/bridge-to-reopen"
    assert (
        verdict(status=200, final_url=moved, redirects=(URL,), page=page(ARTICLE, moved))
        == "redirected"
    )
    # http -> https and a trailing slash are the same page
    same = URL.replace("https:", "http:")
    assert verdict(status=200, final_url=same, redirects=(URL,), page=page(ARTICLE)) == "ok"


def test_redirect_to_home_or_a_not_found_address() -> None:
    for final in ("https://news.example/", "https://news.example/404.html?from=x"):
        result = judge(
            Observation(url=URL, status=200, final_url=final, redirects=(URL,), page=page(ARTICLE))
        )
        assert result.verdict == "redirect-to-home", final
    # the home page itself is not "redirected home"
    assert (
        verdict(
            url="https://news.example/",
            status=200,
            final_url="https://news.example/",
            page=page(ARTICLE),
        )
        == "ok"
    )


def test_soft_404_by_probe_text() -> None:
    probe = Probe(
        url="https://news.example/2024/05/rtabc.html",
        status=200,
        final_url="https://news.example/2024/05/rtabc.html",
        page=page(NOTHING),
    )
    assert verdict(status=200, final_url=URL, page=page(NOTHING), probe=probe) == "soft-404"
    # a real page on the same host differs from the probe's answer
    assert verdict(status=200, final_url=URL, page=page(ARTICLE), probe=probe) == "ok"
    # an honest host (probe 404) with a real page
    honest = Probe(url=probe.url, status=404, final_url=probe.url, page=page(NOTHING))
    assert verdict(status=200, final_url=URL, page=page(ARTICLE), probe=honest) == "ok"


def test_soft_404_by_probe_redirect_target() -> None:
    welcome = "https://news.example/welcome"
    probe = Probe(url="https://news.example/2024/05/rtabc.html", status=200, final_url=welcome)
    result = judge(
        Observation(
            url=URL,
            status=200,
            final_url=welcome,
            redirects=(URL,),
            page=page(ARTICLE, welcome),
            probe=probe,
        )
    )
    assert result.verdict == "soft-404"
    assert welcome in result.reason


def test_soft_404_by_heading_only_on_short_pages() -> None:
    short = "<html><head><title>Page not found</title></head><body><p>Sorry.</p></body></html>"
    assert verdict(status=200, final_url=URL, page=page(short)) == "soft-404"
    long_titled = ARTICLE.replace("Bridge to reopen", "Lost and not found: the town bells")
    assert verdict(status=200, final_url=URL, page=page(long_titled)) == "ok"


def test_a_home_page_is_never_judged_by_the_probe() -> None:
    home = "https://news.example/"
    probe = Probe(url="https://news.example/rtabc", status=200, final_url=home, page=page(NOTHING))
    assert (
        verdict(url=home, status=200, final_url=home, page=page(NOTHING, home), probe=probe) == "ok"
    )


def test_bot_walls_by_structure_and_words() -> None:
    challenge = (
        "<html><head><title>One moment</title></head><body><form id='challenge-form'>"
        "<div class='h-captcha'></div></form></body></html>"
    )
    assert verdict(status=200, final_url=URL, page=page(challenge)) == "blocked"
    assert verdict(status=503, final_url=URL, page=page(challenge)) == "blocked"
    worded = "<html><head><title>Hold on</title></head><body><p>Are you a robot?</p></body></html>"
    assert verdict(status=200, final_url=URL, page=page(worded)) == "blocked"


def test_parked_domains_by_structure() -> None:
    url = "http://old-herald.com/2019/story.html"
    farm = "".join(f"<a href='/?q=topic{n}'>Topic {n}</a>" for n in range(6))
    parked = f"<html><head><title>old-herald.com</title></head><body>{farm}</body></html>"
    assert (
        judge(Observation(url=url, status=200, final_url=url, page=page(parked, url))).verdict
        == "parked"
    )
    sale = (
        "<html><head><title>Welcome</title></head><body><h1>Make an offer on this domain</h1>"
        f"{farm}</body></html>"
    )
    assert (
        judge(Observation(url=url, status=200, final_url=url, page=page(sale, url))).verdict
        == "parked"
    )
    # a small real site named after its domain, with a few ordinary links, is not parked
    small = (
        "<html><head><title>old-herald.com</title></head><body><p>My notes.</p>"
        "<a href='/about'>About</a><a href='/notes/1'>One</a><a href='/notes/2'>Two</a>"
        "<a href='https://social.example/me'>Me</a></body></html>"
    )
    assert (
        judge(Observation(url=url, status=200, final_url=url, page=page(small, url))).verdict
        == "ok"
    )


def test_drift_against_the_archived_text() -> None:
    reference = " ".join(f"the council met about bridge works number {n}" for n in range(40))
    edited = reference.replace("number 3 ", "number three ") + " An update was added."
    other = " ".join(f"an orchestra plays symphony {n} for the season" for n in range(40))
    ok = judge(
        Observation(
            url=URL,
            status=200,
            final_url=URL,
            page=page(ARTICLE),
            main_text=edited,
            reference_text=reference,
        )
    )
    assert ok.verdict == "ok" and ok.similarity is not None and ok.similarity > 0.9
    drifted = judge(
        Observation(
            url=URL,
            status=200,
            final_url=URL,
            page=page(ARTICLE),
            main_text=other,
            reference_text=reference,
        )
    )
    assert drifted.verdict == "drifted" and drifted.similarity is not None
    assert drifted.similarity < 0.1 and "threshold" in drifted.reason
    assert text_similarity("", "") == 1.0


def test_probe_path_sits_beside_the_url_in_the_same_shape() -> None:
    target, key = probe_url("https://h.example/topics/gardening/")
    assert target.startswith("https://h.example/topics/rt") and target.endswith("/")
    other, same_key = probe_url("https://h.example/topics/cooking/")
    assert key == same_key and other != target
    file_target, _ = probe_url("https://h.example/2024/05/story.html?x=1")
    assert file_target.startswith("https://h.example/2024/05/rt") and file_target.endswith(".html")


def test_retry_after_values() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None
