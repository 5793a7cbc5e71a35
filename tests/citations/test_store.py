"""storage.citations: citations point at the capture closest to the post's date and the latest;
link-less references are matched to archived articles by title (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from crawler.citations.fetcher import finish_citations, match_titles
from storage import citations as store
from storage.archive import Archive
from storage.models import Capture, Citation
from storage.posts import record_post, save_site

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ARTICLE = "https://news.example.com/story.html"


def _capture(archive: Archive, url: str, when: datetime) -> int:
    with archive.session() as session, session.begin():
        return session.execute(
            insert(Capture).returning(Capture.id),
            {
                "url": url,
                "surt": "com,example,news)/story.html",
                "fetched_at": when,
                "status": 200,
                "record_type": "response",
            },
        ).scalar_one()


def test_closest_and_latest_captures_and_title_matches(archive: Archive) -> None:
    site = save_site(
        archive,
        host="blog.example.org",
        url="https://blog.example.org/",
        platform="generic",
        feeds=[],
        sitemaps=[],
        title=None,
        crawl_id=None,
    )
    post = record_post(
        archive,
        site,
        "https://blog.example.org/p.html",
        fields={"title": "P", "published_at": T0},
        capture_id=None,
        crawl_id=None,
        outcome="changed",
        status=200,
        fetched_at=T0,
    )
    captures = [_capture(archive, ARTICLE, T0 + timedelta(days=d)) for d in (-30, 2, 90)]
    for capture_id, days in zip(captures, (-30, 2, 90), strict=True):
        store.save_article(
            archive,
            {
                "capture_id": capture_id,
                "url": ARTICLE,
                "url_key": ARTICLE,
                "final_url": ARTICLE,
                "fetched_at": T0 + timedelta(days=days),
                "title": "Harbour Road Closed by Storm",
                "text": "The harbour road closed on Monday after the storm washed out a culvert.",
            },
        )
    store.record_citations(
        archive,
        post,
        [
            {
                "position": 0,
                "url": ARTICLE + "?utm_source=x",
                "normalized_url": ARTICLE,
                "fetch_status": "fetched",
                "reference_text": "the road",
                "quotes": [{"text": "washed out a culvert"}, {"text": "the mayor resigned today"}],
            },
            {
                "position": 1,
                "url": None,
                "reference_text": '"Harbour Road Closed By Storm," Coastal Weekly, 5/3/24',
                "title": "Harbour Road Closed By Storm",
                "fetch_status": "no-link",
            },
            {
                "position": 2,
                "url": None,
                "reference_text": '"Something Else Entirely," Coastal Weekly, 5/3/24',
                "title": "Something Else Entirely",
                "fetch_status": "no-link",
            },
        ],
        crawl_id=None,
    )
    assert set(match_titles(archive)) == {
        c for c, t in store.unlinked_references(archive) if t.startswith("Harbour")
    }
    finish_citations(archive, crawl_id=None)
    with archive.session() as session:
        linked, unlinked, other = session.scalars(select(Citation).order_by(Citation.position))
    assert linked.closest_capture_id == captures[1]
    assert linked.latest_capture_id == captures[2]
    assert [q["found"] for q in linked.quotes] == [True, False]
    assert unlinked.match_score == 100.0 and unlinked.article_id is not None
    assert other.article_id is None and other.match_score is None
    rows = store.list_citations(archive)
    assert [r["position"] for r in rows] == [0, 1, 2]
    assert rows[0]["article"]["title"] == "Harbour Road Closed by Storm"
    assert rows[2]["article"] is None and rows[2]["url"] is None


def test_closest_capture_without_a_date_is_the_latest() -> None:
    found = [store.CaptureTime(i, T0 + timedelta(days=i)) for i in range(3)]
    assert store.closest_capture(found, None) == found[-1]
    assert store.closest_capture(found, T0 + timedelta(hours=30)) == found[1]
    assert store.closest_capture([], T0) is None


def test_a_new_version_keeps_the_old_citations_and_marks_the_dropped_ones(
    archive: Archive,
) -> None:
    site = save_site(
        archive,
        host="blog.example.org",
        url="https://blog.example.org/",
        platform="generic",
        feeds=[],
        sitemaps=[],
        title=None,
        crawl_id=None,
    )
    post_url = "https://blog.example.org/q.html"

    def version(day: int, citations: list[dict]) -> None:
        when = T0 + timedelta(days=day)
        post = record_post(
            archive,
            site,
            post_url,
            fields={"title": "Q", "published_at": T0},
            capture_id=_capture(archive, post_url, when),
            crawl_id=None,
            outcome="changed",
            status=200,
            fetched_at=when,
        )
        store.record_citations(archive, post, citations, crawl_id=None)

    def cite(position: int, url: str | None, text: str, anchor: str | None = "a") -> dict:
        return {
            "position": position,
            "url": url,
            "anchor_text": anchor,
            "reference_text": text,
            "fetch_status": "pending" if url else "no-link",
        }

    version(0, [cite(0, ARTICLE, "p1"), cite(1, None, '"Old Title," Weekly', None)])
    # The paragraph around the link was edited; the plain reference was replaced.
    version(5, [cite(0, ARTICLE, "p1, edited"), cite(1, None, '"New Title," Weekly', None)])
    version(9, [cite(0, ARTICLE, "p1, edited"), cite(1, None, '"New Title," Weekly', None)])
    current = store.list_citations(archive)
    assert [(r["url"], r["reference_text"]) for r in current] == [
        (ARTICLE, "p1, edited"),
        (None, '"New Title," Weekly'),
    ]
    every = store.list_citations(archive, history=True)
    assert [(r["reference_text"], r["current"]) for r in every] == [
        ("p1, edited", True),
        ('"New Title," Weekly', True),
        ('"Old Title," Weekly', False),
    ]
    day = [T0 + timedelta(days=d) for d in (0, 5)]
    assert every[0]["first_seen_at"] == day[0].isoformat(timespec="seconds")
    assert every[1]["first_seen_at"] == day[1].isoformat(timespec="seconds")
    assert every[2]["removed_at"] == day[1].isoformat(timespec="seconds")
