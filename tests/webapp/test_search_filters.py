"""Search filtered by link state and by type (post, cited article, any capture): storage,
``/api/search``, the search page and ``reftrail search``, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from storage.models import Article, Citation, Document, LinkState
from storage.search import SearchError, search
from tests.storage.builders import T0
from tests.webapp.conftest import READER, TOKEN, Built, Client
from tests.webapp.test_blogs import EVIL, PAGE, POST_URL, _capture_id, build_blog
from tests.webapp.test_cli import reftrail
from webapp.app import create_app

SECRET = f"{READER}/private/secret.html"
SHORT = "https://sho.rt/s3cret"  # cited under this URL; the fetch was redirected to SECRET


@dataclass
class Filtered:
    built: Built
    ids: dict[str, int]  # capture id by name: post, page, evil, secret


@pytest.fixture
def filtered(built: Built) -> Filtered:
    blog = build_blog(built)
    archive = built.archive
    ids = {"post": _capture_id(archive, POST_URL), "page": built.ids[PAGE],
           "evil": built.ids[EVIL], "secret": built.ids[SECRET]}  # fmt: skip
    with archive.session() as session, session.begin():
        session.execute(
            update(Document)
            .where(Document.capture_id == ids["post"])
            .values(text="Notes on zebrafish migration.")
        )
        articles = {}
        for name, url in (("page", PAGE), ("evil", EVIL), ("secret", SHORT)):
            articles[name] = session.execute(
                insert(Article).returning(Article.id),
                [{"capture_id": ids[name], "url": url, "url_key": url, "final_url": url,
                  "fetched_at": T0, "authors": []}],
            ).scalar_one()  # fmt: skip
        session.execute(
            insert(Citation),
            [{"post_id": blog.post_id, "position": 5, "url": SHORT, "normalized_url": SHORT,
              "reference_text": "short link", "fetch_status": "fetched", "quotes": [],
              "authors": [], "created_at": T0, "article_id": articles["secret"]}],
        )  # fmt: skip
        # PAGE is dead and EVIL alive (build_blog); the short link is blocked, the post drifted.
        session.execute(
            insert(LinkState),
            [{"url": url, "state": state, "verdict": verdict, "reason": "", "since": T0,
              "checked_at": T0, "consecutive_failures": 0,
              "next_check_at": T0 + timedelta(days=1)}
             for url, state, verdict in ((SHORT, "blocked", "blocked"),
                                         (POST_URL, "drifted", "drifted"))],
        )  # fmt: skip
    return Filtered(built, ids)


def found(filtered: Filtered, **options: object) -> set[str]:
    page = search(filtered.built.archive, "zebrafish", **options)  # type: ignore[arg-type]
    names = {v: k for k, v in filtered.ids.items()}
    return {names[h.capture_id] for h in page.hits}


def test_search_filters_by_type_and_link_state(filtered: Filtered) -> None:
    everything = {"post", "page", "evil", "secret"}
    assert found(filtered) == everything
    assert found(filtered, kind="any") == everything
    assert found(filtered, kind="post") == {"post"}
    assert found(filtered, kind="article") == {"page", "evil", "secret"}
    assert found(filtered, states=["dead"]) == {"page"}
    assert found(filtered, states=["alive"]) == {"evil"}
    assert found(filtered, states=["blocked"]) == {"secret"}  # through the cited short link
    assert found(filtered, states=["drifted"]) == {"post"}
    assert found(filtered, states=["dead", "alive"]) == {"page", "evil"}
    assert found(filtered, states=["dying"]) == set()
    assert found(filtered, states=["dead"], kind="post") == set()
    assert found(filtered, states=["drifted", "blocked"], kind="article") == {"secret"}
    with pytest.raises(SearchError, match="unknown link state 'gone'"):
        found(filtered, states=["gone"])
    with pytest.raises(SearchError, match="unknown type"):
        found(filtered, kind="image")


def test_filtered_search_pages_keep_their_filters(filtered: Filtered) -> None:
    archive = filtered.built.archive
    seen: list[int] = []
    cursor = None
    while True:
        page = search(archive, "zebrafish", kind="article", limit=1, cursor=cursor)
        seen += [h.capture_id for h in page.hits]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(filtered.ids[n] for n in ("page", "evil", "secret"))


def test_api_and_page_filter_search(filtered: Filtered) -> None:
    client = Client(create_app(filtered.built.archive, token=TOKEN))
    answer = client.get("/api/search", params={"q": "zebrafish", "type": "article",
                                               "state": ["dead", "blocked"]})  # fmt: skip
    assert answer.status_code == 200
    assert {r["url"] for r in answer.json()["results"]} == {PAGE, SECRET}
    posts = client.get("/api/search", params={"q": "zebrafish", "type": "post"}).json()
    assert [r["url"] for r in posts["results"]] == [POST_URL]
    assert client.get("/api/search", params={"q": "zebrafish", "state": "gone"}).status_code == 400
    assert client.get("/api/search", params={"q": "zebrafish", "type": "pdf"}).status_code == 422

    page = client.get("/search", params={"q": "zebrafish", "type": "article", "state": "dead"})
    assert page.status_code == 200
    assert f"/web/20260306093000/{PAGE}" in page.text
    assert "evil.html" not in page.text.split('class="results"')[1]
    assert '<option value="article" selected>' in page.text
    assert '<option value="dead" selected>' in page.text
    every = client.get("/search", params={"q": "zebrafish", "type": "", "state": ""})
    assert every.status_code == 200 and every.text.count('<a class="title"') == 4


@pytest.mark.slow
def test_cli_search_filters(filtered: Filtered) -> None:
    done = reftrail(filtered.built, "search", "zebrafish", "--type", "article",
                    "--state", "alive", "--state", "blocked", "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {r["url"] for r in json.loads(done.stdout)} == {EVIL, SECRET}
    assert {r["url"]: r["link_state"] for r in json.loads(done.stdout)} == {
        EVIL: "alive",
        SECRET: "blocked",
    }
    assert {r["type"] for r in json.loads(done.stdout)} == {"article"}
    bad = reftrail(filtered.built, "search", "zebrafish", "--state", "gone")
    assert bad.returncode == 2 and b"unknown link state" in bad.stderr


def test_postgres_ranks_a_bounded_candidate_set_the_same_on_every_page(
    filtered: Filtered, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL at most RANK_CANDIDATES matches are ranked (the first found, in the same
    order every time), so paging neither repeats nor loses a result; SQLite ranks them all."""
    import storage.search

    monkeypatch.setattr(storage.search, "RANK_CANDIDATES", 2)
    archive = filtered.built.archive

    def every_page() -> list[int]:
        seen: list[int] = []
        cursor = None
        while True:
            page = search(archive, "zebrafish", limit=1, cursor=cursor)
            seen += [h.capture_id for h in page.hits]
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    first = every_page()
    assert len(first) == len(set(first))
    if archive.engine.dialect.name == "postgresql":
        assert len(first) == 2
        assert every_page() == first
        assert found(filtered, kind="post") == {"post"}  # filters apply before the bound
    else:
        assert len(first) == 4
