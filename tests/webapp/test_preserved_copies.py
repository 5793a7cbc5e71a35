"""The web app's post page and dashboard show each cited link's preserved copy, local or the
external one a Memento TimeGate found (linked, never proxied, marked external), and count only
the citations of each post's current version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import insert

from storage.models import Citation, ExternalCopy, LinkState
from tests.storage.builders import HOST, T0
from tests.webapp.conftest import TOKEN, Built, Client
from tests.webapp.test_blogs import GONE, PAGE, build_blog
from webapp.app import create_app

POST_DATE = T0 - timedelta(hours=2)  # build_blog's post: published_at
WAYBACK = "https://web.archive.org/web"
GONE_MEMENTO = f"{WAYBACK}/20251130120000/{GONE}"
VANISHED = "https://vanished.example/report"
VANISHED_MEMENTO = f"{WAYBACK}/20251001000000/{VANISHED}"
WEIRD = "https://weird.example/x"
WEIRD_MEMENTO = f"https://archive.example/{WEIRD}?\"><script>alert('memento')</script>"
SCRIPTED = "https://scripted.example/y"
DROPPED = "https://dropped.example/old-story"


@dataclass
class Cited:
    client: Client
    post_id: int


def _external(url: str, memento: str, *, wanted: object = POST_DATE, **extra: object) -> dict:
    row = {"url": url, "timegate": "http://timegate.test/", "wanted_before": wanted,
           "asked_at": T0 + timedelta(days=1), "outcome": "found", "memento_url": memento,
           "captured_at": T0 - timedelta(days=100), "reason": ""}  # fmt: skip
    return {**row, **extra}


@pytest.fixture
def cited(built: Built) -> Cited:
    blog = build_blog(built)
    extra = [
        (6, VANISHED, None),
        (7, WEIRD, None),
        (8, SCRIPTED, None),
        (9, DROPPED, T0 + timedelta(days=1)),  # an edit of the post dropped it
    ]
    with built.archive.session() as session, session.begin():
        session.execute(
            insert(Citation),
            [{"post_id": blog.post_id, "position": position, "url": url, "normalized_url": url,
              "reference_text": f"cited {url}", "fetch_status": "failed", "quotes": [],
              "authors": [], "created_at": T0, "removed_at": removed}
             for position, url, removed in extra],
        )  # fmt: skip
        session.execute(
            insert(LinkState),
            [{"url": url, "state": "dead", "verdict": "gone", "reason": "404", "since": since,
              "checked_at": since, "consecutive_failures": 3,
              "next_check_at": since + timedelta(days=1)}
             for url, since in ((VANISHED, T0 + timedelta(days=15)),
                                (WEIRD, T0 + timedelta(days=1)),
                                (SCRIPTED, T0 + timedelta(days=1)),
                                (DROPPED, T0 + timedelta(days=30)))],
        )  # fmt: skip
        session.execute(
            insert(ExternalCopy),
            [
                _external(GONE, GONE_MEMENTO),
                # Another post date's answer is not this post's copy.
                _external(
                    GONE,
                    f"{WAYBACK}/20200101000000/{GONE}",
                    wanted=POST_DATE - timedelta(days=400),
                    captured_at=T0 - timedelta(days=500),
                ),
                _external(VANISHED, VANISHED_MEMENTO),
                # The local copy of PAGE wins over any external one.
                _external(PAGE, f"{WAYBACK}/20251101000000/{PAGE}"),
                _external(WEIRD, WEIRD_MEMENTO),
                _external(SCRIPTED, "javascript:alert('scripted')"),
                _external(DROPPED, f"{WAYBACK}/20251101000000/{DROPPED}"),
                # A lookup that found nothing offers nothing.
                _external(
                    VANISHED, None, timegate="http://other.test/", outcome="none", captured_at=None
                ),
            ],
        )
    return Cited(Client(create_app(built.archive, token=TOKEN)), blog.post_id)


def test_post_page_offers_external_copies_when_there_is_no_local_one(cited: Cited) -> None:
    api = cited.client.get(f"/api/posts/{cited.post_id}").json()
    by_url = {c["url"]: c for c in api["citations"]}
    assert DROPPED not in by_url  # only the current version's citations
    gone = by_url[GONE]["preserved_copy"]
    assert gone["source"] == "external" and gone["memento_url"] == GONE_MEMENTO
    assert gone["archive"] == "web.archive.org" and gone["replay"] is None
    assert gone["timestamp"] == "20251121093000" and gone["capture_id"] is None
    assert by_url[VANISHED]["preserved_copy"]["memento_url"] == VANISHED_MEMENTO
    page = by_url[PAGE]["preserved_copy"]
    assert page["source"] == "local" and page["memento_url"] is None
    assert page["replay"] == f"http://testserver/web/20260306093000/{PAGE}"
    assert by_url[SCRIPTED]["preserved_copy"] is None  # not a web address: never linked

    text = cited.client.get(f"/post/{cited.post_id}").text
    row = text.split(f"cited {VANISHED}")[1].split("</tr>")[0]
    assert 'class="badge state-dead"' in row
    assert f'<a class="external-copy" href="{VANISHED_MEMENTO}" rel="external noopener' in row
    assert "external: web.archive.org" in row
    gone_row = text.split("Gone story")[1].split("</tr>")[0]
    assert 'class="badge state-dying"' in gone_row and GONE_MEMENTO in gone_row
    # Never replayed or proxied through the app.
    assert 'href="/web/2025' not in text and "testserver/web/2025" not in text
    assert f'/web/20260306093000/{PAGE}">20260306093000</a>' in text
    assert "javascript:" not in text
    assert "<script>alert('memento')" not in text
    assert f'href="{escape(WEIRD_MEMENTO)}"' in text


def test_dashboard_counts_current_citations_and_shows_external_copies(cited: Cited) -> None:
    data = cited.client.get("/api/dashboard").json()
    dead = data["newest_dead"]
    # DROPPED was dead most recently, but no current version cites it.
    assert [d["url"] for d in dead] == [VANISHED, PAGE, SCRIPTED, WEIRD]  # newest, then by id
    assert dead[0]["preserved_copy"]["source"] == "external"
    assert dead[0]["preserved_copy"]["memento_url"] == VANISHED_MEMENTO
    assert dead[1]["preserved_copy"]["source"] == "local"
    # PAGE, EVIL, GONE, VANISHED, WEIRD, SCRIPTED: 4 dead of 6; DROPPED not counted.
    assert data["by_blog"] == [
        {"site": HOST, "checked": 6, "dead": 4, "dying": 1, "rot_rate": 0.6667}
    ]
    by_cited = {r["site"]: r for r in data["by_cited_site"]}
    assert "dropped.example" not in by_cited
    assert by_cited["vanished.example"]["rot_rate"] == 1.0

    page = cited.client.get("/dashboard").text
    assert DROPPED not in page
    assert f'<a class="external-copy" href="{VANISHED_MEMENTO}"' in page
    assert "<script>alert('memento')" not in page and "javascript:" not in page
