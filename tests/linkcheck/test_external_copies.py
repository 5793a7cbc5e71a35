"""Citations dead at their first crawl get an external preserved copy from a Memento TimeGate.

A real blog crawl of the demo blog (citations recorded, some cited URLs dead from the start),
then real ``reftrail check`` runs with ``REFTRAIL_MEMENTO_TIMEGATE`` pointed at the fake
web's TimeGate (``crawler/fakeweb/sites/timegate.py``, on loopback through the fake web's
proxy), on SQLite and PostgreSQL. The report is one object per cited URL and post.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites import builtin_sites
from crawler.fakeweb.sites.blog_content import FLOOD_URL, PARADE_URL, POSTS
from crawler.fakeweb.sites.news_content import GONE_MARINA, LAKESHORE_TRIBUNE
from crawler.fakeweb.sites.testbed import UNRESOLVABLE_HOST
from crawler.fakeweb.sites.timegate import TIMEGATE_HOST, ArchivedCopy, FakeTimeGate
from crawler.linkcheck.memento import http_datetime
from storage.archive import Archive
from storage.external_copies import answers
from storage.models import LinkCheck
from tests.crawler.conftest import crawl_settings, database_for, run_cli

GONE = LAKESHORE_TRIBUNE.url(GONE_MARINA.path)  # 404 since before the blog was crawled
GONE_BEFORE = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)  # the copy to find
GONE_AFTER = datetime(2025, 12, 20, 8, 0, tzinfo=UTC)  # closer to the post, but after it
FLOOD_AFTER = datetime(2026, 4, 1, tzinfo=UTC)  # the archive's only copy is after the post
DAY1, DAY2 = "2026-04-10T10:00:00+00:00", "2026-04-11T10:00:00+00:00"
DAY9, DAY10 = "2026-04-19T10:00:00+00:00", "2026-04-20T10:00:00+00:00"


def _post_url(fragment: str) -> str:
    path = next(p.path for p in POSTS if fragment in p.path)
    return f"https://riverside-notes.blogspot.com{path}"


@dataclass
class Run:
    web: FakeWeb
    archive: Path
    db: str | None

    def cli(self, *args: str, **settings: object) -> CompletedProcess[str]:
        timegate = self.web.url("timegate")
        result = run_cli(
            [*args, *crawl_settings(self.web, REFTRAIL_MEMENTO_TIMEGATE=timegate, **settings)],
            web=self.web,
            archive=self.archive,
            database_url=self.db,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        return result

    def report(self, *args: str) -> CompletedProcess[str]:
        result = run_cli(["report", *args], web=None, archive=self.archive, database_url=self.db)
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    def asked(self) -> list[tuple[str, str, dict[str, str]]]:
        """(method, target, headers) of every request the TimeGate host got."""
        return [(m, t, h) for host, m, t, h in self.web.request_log if host == TIMEGATE_HOST]

    def open(self) -> Archive:
        return Archive.open(self.archive, database_url=self.db)


@pytest.fixture(scope="module")
def run(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    timegate = FakeTimeGate(
        {
            GONE: [ArchivedCopy(GONE_BEFORE), ArchivedCopy(GONE_AFTER)],
            FLOOD_URL: [ArchivedCopy(FLOOD_AFTER)],
        },
        failing=(PARADE_URL,),
    )
    with FakeWeb(sites=[*builtin_sites(), timegate]) as web, database_for(module_db) as db:
        archive = tmp_path_factory.mktemp(f"external-{module_db}")
        crawled = run_cli(
            ["crawl", web.url("blog"), *crawl_settings(web)],
            web=web,
            archive=archive,
            database_url=db,
        )
        assert crawled.returncode == 0, crawled.stderr[-4000:]
        checked = Run(web, archive, db)
        checked.cli("check", "--all", REFTRAIL_CHECK_TIME=DAY1)
        yield checked


def _rows(run: Run, *args: str) -> list[dict]:
    return json.loads(run.report("--state", "all", "--format", "json", *args).stdout)


def test_a_dead_citation_gets_the_copy_closest_before_its_post(run: Run) -> None:
    rows = [r for r in _rows(run) if r["url"] == GONE]
    assert [r["post_url"] for r in rows] == [_post_url("waiting-for-the-ice")]
    row = rows[0]
    assert row["anchor_text"] == "marina expansion" and "marina expansion" in row["reference_text"]
    assert row["verdict"] == "gone" and row["state"] == "dying"
    copy = row["preserved_copy"]
    assert copy["source"] == "external" and copy["capture_id"] is None
    assert copy["url"] == f"https://{TIMEGATE_HOST}/web/20250601080000/{GONE}"
    assert datetime.fromisoformat(copy["captured_at"]) == GONE_BEFORE
    # The TimeGate was asked with the post's date, as RFC 7089 says.
    post_date = datetime.fromisoformat(row["post_date"])
    gate = [(m, h) for m, t, h in run.asked() if t == f"/web/{GONE}"]
    assert [(m, h["accept-datetime"]) for m, h in gate] == [("HEAD", http_datetime(post_date))]


def test_no_copy_before_the_post_and_a_failing_timegate_mean_no_external_copy(run: Run) -> None:
    rows = {r["url"]: r for r in _rows(run)}
    assert rows[FLOOD_URL]["preserved_copy"] is None  # only a copy made after the post
    assert rows[PARADE_URL]["preserved_copy"] is None  # the TimeGate answered 503
    with run.open() as archive:
        flood, parade = answers(archive, FLOOD_URL), answers(archive, PARADE_URL)
    assert [a.outcome for a in flood] == ["none"] and "2026-04-01" in flood[0].reason
    assert [a.outcome for a in parade] == ["error"] and "503" in parade[0].reason
    # a live citation is never looked up
    assert all("/web/" + POSTS[0].path not in t for _, t, _ in run.asked())


def test_answers_are_kept_and_not_asked_again(run: Run) -> None:
    before = len(run.asked())
    run.cli("check", "--all", REFTRAIL_CHECK_TIME=DAY2)
    assert len(run.asked()) == before  # found, none, and an error younger than 7 days
    run.cli("check", "--all", "--no-external-copies", REFTRAIL_CHECK_TIME=DAY9)
    assert len(run.asked()) == before  # turned off for this run
    run.cli("check", "--all", REFTRAIL_CHECK_TIME=DAY10)
    again = [t for _, t, _ in run.asked()[before:] if t != "/robots.txt"]
    assert again and all(t == f"/web/{PARADE_URL}" for t in again)  # only the failed lookup
    with run.open() as archive:
        assert [a.outcome for a in answers(archive, PARADE_URL)] == ["error"]  # one row, updated


def test_report_and_check_by_post(run: Run) -> None:
    post = _post_url("rust-on-the-mereden-bridge")
    rows = _rows(run, "--post", post)
    assert rows and {r["post_url"] for r in rows} == {post}
    assert FLOOD_URL in {r["url"] for r in rows} and GONE not in {r["url"] for r in rows}
    with run.open() as archive, archive.session() as session:
        before = session.scalar(select(LinkCheck.id).order_by(LinkCheck.id.desc()).limit(1))
    run.cli("check", "--all", "--post", post, REFTRAIL_CHECK_TIME=DAY10)
    with run.open() as archive, archive.session() as session:
        checked = set(session.scalars(select(LinkCheck.url).where(LinkCheck.id > before)))
    assert checked == {r["url"] for r in rows}


def test_robust_links_use_the_external_copy(run: Run) -> None:
    markup = run.report("--state", "all", "--format", "html").stdout
    line = next(line for line in markup.splitlines() if f'data-originalurl="{GONE}"' in line)
    assert f'data-versionurl="https://{TIMEGATE_HOST}/web/20250601080000/{GONE}"' in line
    assert 'data-versiondate="2025-06-01"' in line and ">marina expansion</a>" in line


def test_an_unreachable_timegate_is_recorded_and_the_check_goes_on(run: Run) -> None:
    dead_gate = f"http://{UNRESOLVABLE_HOST}/web/"
    result = run_cli(
        [
            "check",
            "--all",
            *crawl_settings(
                run.web, REFTRAIL_MEMENTO_TIMEGATE=dead_gate, REFTRAIL_CHECK_TIME=DAY10
            ),
        ],
        web=run.web,
        archive=run.archive,
        database_url=run.db,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with run.open() as archive:
        asked = [a for a in answers(archive, GONE) if a.timegate == dead_gate]
    assert [a.outcome for a in asked] == ["error"] and "dns" in asked[0].reason
    # the copy found earlier (another TimeGate) is still the report's preserved copy
    row = next(r for r in _rows(run) if r["url"] == GONE)
    assert row["preserved_copy"]["source"] == "external"
