"""Search results show each hit's type (post, cited article, capture) and the link-state badge
of its URL, on the page, in the API and in ``reftrail search --format json``."""

from __future__ import annotations

from storage.search import search
from tests.webapp.conftest import READER, TOKEN, Built, Client
from tests.webapp.test_blogs import PAGE, POST_URL, build_blog
from tests.webapp.test_search_filters import SECRET, Filtered, filtered  # noqa: F401
from webapp.app import create_app


def test_search_hits_show_their_type_and_link_state(
    filtered: Filtered,  # noqa: F811
) -> None:
    archive = filtered.built.archive
    names = {v: k for k, v in filtered.ids.items()}
    hits = search(archive, "zebrafish").hits
    facts = {names[h.capture_id]: (h.kind, h.link_state) for h in hits}
    assert facts == {
        "post": ("post", "drifted"),
        "page": ("article", "dead"),
        "evil": ("article", "alive"),
        "secret": ("article", "blocked"),  # the state of the short link it was cited under
    }
    client = Client(create_app(archive, token=TOKEN))
    results = client.get("/api/search", params={"q": "zebrafish"}).json()["results"]
    assert {r["url"]: (r["type"], r["link_state"]) for r in results} == {
        POST_URL: ("post", "drifted"),
        PAGE: ("article", "dead"),
        f"{READER}/evil.html": ("article", "alive"),
        SECRET: ("article", "blocked"),
    }
    text = client.get("/search", params={"q": "zebrafish"}).text
    page_hit = text.split(f'href="/web/20260306093000/{PAGE}"')[1].split("</li>")[0]
    assert '<span class="badge kind kind-article">cited article</span>' in page_hit
    assert '<span class="badge state-dead">dead</span>' in page_hit


def test_plain_captures_are_typed_capture(built: Built) -> None:
    build_blog(built)  # cites PAGE (dead) and EVIL (alive) but adds no Article rows
    archive = built.archive
    by_url = {h.url: (h.kind, h.link_state) for h in search(archive, "zebrafish").hits}
    assert by_url == {
        PAGE: ("capture", "dead"),
        f"{READER}/evil.html": ("capture", "alive"),
        SECRET: ("capture", None),
    }
    text = Client(create_app(archive, token=TOKEN)).get("/search", params={"q": "zebrafish"}).text
    secret_hit = text.split(f'href="/web/20260306093003/{SECRET}"')[1].split("</li>")[0]
    assert '<span class="badge kind kind-capture">capture</span>' in secret_hit
    assert "not checked" in secret_hit
    assert "<img src=x onerror" not in text
