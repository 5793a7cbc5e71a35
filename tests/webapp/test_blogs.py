"""The post page, the link-state dashboard, the run history and their /api/ twins, and
``serve --jobs``'s runner thread. Rows are built directly (no crawl), on SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from storage import schedules as store
from storage.archive import Archive
from storage.exclusions import add_exclusion
from storage.models import (
    Capture,
    Citation,
    Document,
    LinkState,
    Post,
    ScheduleRun,
    Site,
)
from storage.timeutil import utcnow
from tests.storage.builders import HOST, T0
from tests.webapp.conftest import READER, TOKEN, Built, Client
from webapp.app import create_app

POST_URL = f"https://{HOST}/2026/03/new.html"
PAGE = f"{READER}/articles/page.html"
EVIL = f"{READER}/evil.html"
GONE = "https://gone.example/story"
EVIL_POST_TITLE = "Zebras <script>alert('post')</script>"
EVIL_LOG = "Traceback: <img src=x onerror=alert(2)>"


@dataclass
class Blog:
    built: Built
    post_id: int
    citation_ids: list[int]


def _capture_id(archive: Archive, url: str) -> int:
    with archive.session() as session:
        found = session.scalars(
            select(Capture.id)
            .where(Capture.url == url, Capture.record_type == "response")
            .order_by(Capture.fetched_at.desc())
        ).first()
    assert found is not None
    return found


def build_blog(built: Built) -> Blog:
    archive = built.archive
    post_capture = _capture_id(archive, POST_URL)
    page_capture = built.ids[PAGE]
    with archive.session() as session, session.begin():
        site_id = session.execute(
            insert(Site).returning(Site.id),
            [{"host": HOST, "url": f"https://{HOST}/", "platform": "blogger",
              "feeds": [], "sitemaps": [], "title": "The Example Blog", "detected_at": T0}],
        ).scalar_one()  # fmt: skip
        post_id = session.execute(
            insert(Post).returning(Post.id),
            [{"site_id": site_id, "url": POST_URL, "title": EVIL_POST_TITLE,
              "authors": ["Ada Byron"], "published": "2026-03-01T08:00:00+01:00",
              "published_at": T0 - timedelta(hours=2), "labels": ["science"],
              "comment_count": 3, "body_text": "On zebra migration, citing three articles.",
              "capture_id": post_capture, "captured_at": T0, "first_seen_at": T0,
              "last_seen_at": T0}],
        ).scalar_one()  # fmt: skip
        citations = [
            {"position": 1, "url": PAGE, "normalized_url": PAGE,
             "reference_text": "Reader, A. (2026). Zebrafish and crème. Reader.",
             "fetch_status": "fetched", "closest_capture_id": page_capture,
             "latest_capture_id": page_capture,
             "quotes": [{"text": "zebrafish", "found": True, "score": 100.0},
                        {"text": "never said", "found": False, "score": 31.0}]},
            {"position": 2, "url": EVIL, "normalized_url": EVIL, "anchor_text": "evil page",
             "reference_text": "", "fetch_status": "fetched", "quotes": []},
            {"position": 3, "url": GONE, "normalized_url": GONE, "reference_text": "Gone story",
             "fetch_status": "failed", "fetch_error": "404", "quotes": []},
            {"position": 4, "url": None, "normalized_url": None,
             "reference_text": "Smith, J. (2020). A Book Without a Link.",
             "fetch_status": "no-link", "quotes": []},
        ]  # fmt: skip
        ids = session.execute(
            insert(Citation).returning(Citation.id),
            [{"post_id": post_id, "authors": [], "created_at": T0, **c} for c in citations],
        ).scalars()
        citation_ids = list(ids)
        states = [
            (PAGE, "dead", "gone", T0 + timedelta(days=10)),
            (EVIL, "alive", "ok", T0 + timedelta(days=2)),
            (GONE, "dying", "gone", T0 + timedelta(days=12)),
        ]
        session.execute(
            insert(LinkState),
            [{"url": url, "state": state, "verdict": verdict, "reason": f"{verdict} reason",
              "since": since, "checked_at": since, "consecutive_failures": 0,
              "next_check_at": since + timedelta(days=1)}
             for url, state, verdict, since in states],
        )  # fmt: skip
        # The post's capture gets text to search for.
        session.execute(
            update(Document)
            .where(Document.capture_id == post_capture)
            .values(text="Notes on zebra migration.", title="Zebra notes")
        )
    return Blog(built, post_id, citation_ids)


@pytest.fixture
def blog(built: Built) -> Blog:
    return build_blog(built)


@pytest.fixture
def app_client(blog: Blog) -> Client:
    return Client(create_app(blog.built.archive, token=TOKEN))


def test_post_page_shows_metadata_text_and_citations(app_client: Client, blog: Blog) -> None:
    response = app_client.get(f"/post/{blog.post_id}")
    assert response.status_code == 200
    page = response.text
    assert "<script>alert('post')" not in page
    assert "Zebras &lt;script&gt;alert(&#39;post&#39;)&lt;/script&gt;" in page
    assert "Ada Byron" in page and "The Example Blog" in page and "science" in page
    assert "On zebra migration, citing three articles." in page
    assert "Reader, A. (2026). Zebrafish and crème. Reader." in page
    assert "A Book Without a Link." in page
    assert 'class="badge state-dead"' in page and 'class="badge state-dying"' in page
    assert "2026-03-11" in page  # dead since
    assert f'/web/20260306093000/{PAGE}">20260306093000</a>' in page  # the linked copy
    assert f"/web/20260306093002/{EVIL}" in page  # found through the index
    assert "1/2 some found" in page
    assert app_client.get("/post/999999").status_code == 404

    api = app_client.get(f"/api/posts/{blog.post_id}").json()
    assert api["title"] == EVIL_POST_TITLE and api["site"]["host"] == HOST
    assert api["archived_copy"]["url"] == POST_URL
    by_position = {c["position"]: c for c in api["citations"]}
    assert by_position[1]["state"] == "dead"
    assert by_position[1]["since"].startswith("2026-03-11")
    assert by_position[1]["preserved_copy"]["replay"] == (
        f"http://testserver/web/20260306093000/{PAGE}"
    )
    assert by_position[1]["quote_check"]["verdict"] == "some found"
    assert by_position[1]["quote_check"]["found"] == 1
    assert by_position[2]["state"] == "alive" and by_position[2]["preserved_copy"] is not None
    assert by_position[3]["state"] == "dying" and by_position[3]["preserved_copy"] is None
    assert by_position[4]["state"] is None and by_position[4]["url"] is None
    assert app_client.get("/api/posts/999999").status_code == 404


def test_excluded_copies_are_never_offered(app_client: Client, blog: Blog) -> None:
    add_exclusion(blog.built.archive, f"{READER}/articles/", reason="takedown")
    api = app_client.get(f"/api/posts/{blog.post_id}").json()
    first = next(c for c in api["citations"] if c["position"] == 1)
    assert first["preserved_copy"] is None
    assert f"/web/20260306093000/{PAGE}" not in app_client.get(f"/post/{blog.post_id}").text
    dashboard = app_client.get("/api/dashboard").json()
    assert dashboard["newest_dead"][0]["preserved_copy"] is None
    # The post itself excluded: no page.
    add_exclusion(blog.built.archive, f"https://{HOST}/2026/", reason="privacy")
    assert app_client.get(f"/post/{blog.post_id}").status_code == 404


def test_search_results_link_to_their_post(app_client: Client, blog: Blog) -> None:
    page = app_client.get("/search", params={"q": "zebra migration"}).text
    assert f'href="/post/{blog.post_id}"' in page
    results = app_client.get("/api/search", params={"q": "zebra migration"}).json()["results"]
    assert [r["post"] for r in results] == [f"http://testserver/post/{blog.post_id}"]
    others = app_client.get("/api/search", params={"q": "zebrafish"}).json()["results"]
    assert others and all(r["post"] is None for r in others)


def test_dashboard_counts_newest_dead_and_rot_rates(app_client: Client, blog: Blog) -> None:
    data = app_client.get("/api/dashboard").json()
    assert data["counts"]["dead"] == 1 and data["counts"]["alive"] == 1
    assert data["counts"]["dying"] == 1 and data["counts"]["unknown"] == 0
    assert data["total"] == 3
    dead = data["newest_dead"]
    assert [d["url"] for d in dead] == [PAGE]
    assert dead[0]["post"]["id"] == blog.post_id and dead[0]["post"]["site"] == HOST
    assert dead[0]["preserved_copy"]["timestamp"] == "20260306093000"
    assert data["by_blog"] == [
        {"site": HOST, "checked": 3, "dead": 1, "dying": 1, "rot_rate": 0.3333}
    ]
    by_cited = {r["site"]: r for r in data["by_cited_site"]}
    assert by_cited["reader.example.com"]["checked"] == 2
    assert by_cited["reader.example.com"]["rot_rate"] == 0.5
    assert by_cited["gone.example"]["dead"] == 0 and by_cited["gone.example"]["dying"] == 1

    page = app_client.get("/dashboard")
    assert page.status_code == 200
    assert f'href="/post/{blog.post_id}"' in page.text
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text
    assert "33.3 %" in page.text and "50.0 %" in page.text
    assert app_client.get("/api/dashboard", params={"newest": 0}).status_code == 422


def add_runs(archive: Archive) -> None:
    now = T0 + timedelta(days=20)
    store.add_schedule(
        archive, name="nightly", seeds=[f"https://{HOST}/"], crawl_cron="0 3 * * *",
        check_cron="0 4 * * 1", next_crawl_at=now + timedelta(hours=3), now=now,
    )  # fmt: skip
    with archive.session() as session, session.begin():
        session.execute(
            insert(ScheduleRun),
            [{"schedule_id": 1, "schedule_name": "nightly", "kind": "crawl", "trigger": "cron",
              "state": "done", "started_at": now, "ended_at": now + timedelta(minutes=5),
              "host": "h", "exit_code": 0, "counts": {"pages": 12, "bytes": 34567,
                                                       "posts_new": 2}},
             {"schedule_id": 1, "schedule_name": "nightly", "kind": "check", "trigger": "manual",
              "state": "failed", "started_at": now + timedelta(days=1),
              "ended_at": now + timedelta(days=1, minutes=1), "host": "h", "exit_code": 2,
              "counts": {}, "log_tail": EVIL_LOG},
             {"schedule_id": None, "schedule_name": "removed", "kind": "crawl",
              "trigger": "cron", "state": "interrupted", "started_at": now - timedelta(days=1),
              "host": "h", "counts": {}}],
        )  # fmt: skip


def test_run_history_page_and_api(app_client: Client, blog: Blog) -> None:
    add_runs(blog.built.archive)
    data = app_client.get("/api/runs").json()
    assert [s["name"] for s in data["schedules"]] == ["nightly"]
    assert data["schedules"][0]["check_cron"] == "0 4 * * 1"
    runs = data["runs"]
    assert [r["state"] for r in runs] == ["interrupted", "failed", "done"]
    done = runs[-1]
    assert done["counts"] == {"pages": 12, "bytes": 34567, "posts_new": 2}
    assert done["started_at"].startswith("2026-03-21") and done["ended_at"] is not None
    assert runs[1]["log_tail"] == EVIL_LOG and runs[1]["exit_code"] == 2
    only = app_client.get("/api/runs", params={"schedule": "nightly", "state": "failed"}).json()
    assert [r["kind"] for r in only["runs"]] == ["check"]
    assert app_client.get("/api/runs", params={"state": "bogus"}).status_code == 422

    page = app_client.get("/runs").text
    assert "nightly" in page and "0 3 * * *" in page and "removed" in page
    assert "pages 12" in page and "(exit 2)" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<img src=x" not in page
    filtered = app_client.get("/runs", params={"schedule": "removed"}).text
    assert "interrupted" in filtered and "(exit 2)" not in filtered
    empty = app_client.get("/runs", params={"schedule": "nothing"})
    assert empty.status_code == 200 and "No runs yet." in empty.text


class EndlessProcess:
    """A run process that lasts until it gets a signal (or ``finish``)."""

    def __init__(self, pid: int, *, endless: bool) -> None:
        self.pid = pid
        self.code: int | None = None if endless else 0
        self.signals: list[int] = []

    def poll(self) -> int | None:
        return self.code

    def send_signal(self, sig: int) -> None:
        self.signals.append(sig)
        self.code = 130

    def wait(self, timeout: float | None = None) -> int:
        return self.code if self.code is not None else 0


def _wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.parametrize("endless", [False, True], ids=["run-ends", "stopped-mid-run"])
def test_serve_jobs_runs_due_schedules_beside_the_app(archive: Archive, endless: bool) -> None:
    from crawler.cli import app  # noqa: F401  (the CLI registers the command modules)
    from crawler.commands.webapp import JobsBeside

    now = utcnow()
    store.add_schedule(
        archive, name="due", seeds=["http://due.example/"], crawl_cron="0 3 * * *",
        next_crawl_at=now - timedelta(minutes=1), now=now - timedelta(days=1),
    )  # fmt: skip
    launched: list[EndlessProcess] = []

    def launcher(argv: list[str], env: dict[str, str], log: Path) -> EndlessProcess:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("crawl output\n")
        launched.append(EndlessProcess(2**22 + 100 + len(launched), endless=endless))
        return launched[-1]

    jobs = JobsBeside(
        archive, launcher=launcher, poll_interval=0.05, check_available=lambda: False, grace=5
    ).start()
    try:
        _wait_for(lambda: bool(store.list_runs(archive)))
        if not endless:
            _wait_for(lambda: store.list_runs(archive)[0].state == "done")
        client = Client(create_app(archive, token=TOKEN))
        runs = client.get("/api/runs").json()["runs"]
        assert [r["schedule"] for r in runs] == ["due"]
        assert runs[0]["state"] == ("running" if endless else "done")
    finally:
        jobs.stop(timeout=20)
    assert not jobs.thread.is_alive() and jobs.error is None
    assert len(launched) == 1  # due once, run once
    run = store.list_runs(archive)[0]
    if endless:
        assert launched[0].signals == [signal.SIGINT]  # crawls close their WARCs
        assert run.state == "interrupted"
    else:
        assert launched[0].signals == [] and run.state == "done"
