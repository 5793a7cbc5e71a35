"""Real ``reftrail check`` runs against the fake web, on SQLite and PostgreSQL.

One labelled URL per verdict (and the traps: a real page titled "not found", a real page on a
host that redirects nonsense to a welcome page, a 503 that recovers after Retry-After).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.linkrot import LinkRotSite, LinkRotState
from crawler.fakeweb.sites.news_content import RIVERTON_GAZETTE
from crawler.fakeweb.sites.testbed import TestbedSite
from storage.archive import Archive
from storage.models import Capture, Crawl, LinkCheck, LinkState
from tests.crawler.conftest import crawl_settings, database_for, run_cli

LABELS = {
    "article": "ok",
    "home": "ok",
    "lr-welcome-real": "ok",
    "lr-quiet-real": "ok",
    "lr-not-found-titled": "ok",
    "lr-recovering": "ok",
    "redirected-article": "redirected",
    "redirect-to-home": "redirect-to-home",
    "not-found": "gone",
    "gone": "gone",
    "server-error": "server-error",
    "no-such-host": "no-such-host",
    "refused": "unreachable",
    "timeout": "unreachable",
    "soft-404": "soft-404",
    "lr-welcome-soft404": "soft-404",
    "lr-quiet-soft404": "soft-404",
    "lr-changing": "drifted",
    "lr-botwall": "blocked",
    "lr-ratelimited": "blocked",
    "private": "blocked",
    "lr-parked": "parked",
    "lr-parked-home": "parked",
}
DAY1, DAY2, DAY4 = (
    "2026-03-01T10:00:00+00:00",
    "2026-03-02T10:00:00+00:00",
    "2026-03-04T10:00:00+00:00",
)


@dataclass
class Checked:
    web: FakeWeb
    state: LinkRotState
    archive: Path
    db: str | None
    first: object

    def cli(self, *args: str, **settings: object) -> object:
        return run_cli(
            [*args, *crawl_settings(self.web, DOWNLOAD_TIMEOUT=2, **settings)],
            web=self.web,
            archive=self.archive,
            database_url=self.db,
        )

    def open(self) -> Archive:
        return Archive.open(self.archive, database_url=self.db)


@pytest.fixture(scope="module")
def checked(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checked]:
    state = LinkRotState()
    sites = [TestbedSite(RIVERTON_GAZETTE), LinkRotSite(state)]
    with FakeWeb(sites=sites) as web, database_for(module_db) as db:
        archive = tmp_path_factory.mktemp(f"linkcheck-{module_db}")
        run = Checked(web, state, archive, db, None)
        # The cited page is archived first; then it is replaced by another article.
        crawled = run_cli(
            ["crawl", "--max-pages", "1", web.url("lr-changing"), *crawl_settings(web)],
            web=web,
            archive=archive,
            database_url=db,
        )
        assert crawled.returncode == 0, crawled.stderr[-3000:]
        state.drift_version = 2
        urls = [arg for name in LABELS for arg in ("--url", web.url(name))]
        run.first = run.cli("check", "--all", *urls, REFTRAIL_CHECK_TIME=DAY1)
        yield run


def last_verdicts(archive: Archive) -> dict[str, LinkCheck]:
    with archive.session() as session:
        rows = session.scalars(select(LinkCheck).order_by(LinkCheck.id)).all()
    return {row.url: row for row in rows}


def test_every_verdict_on_the_labelled_urls(checked: Checked) -> None:
    result = checked.first
    assert result.returncode == 0, result.stderr[-4000:]  # type: ignore[attr-defined]
    with checked.open() as archive:
        rows = last_verdicts(archive)
    got = {name: rows[checked.web.url(name)].verdict for name in LABELS}
    wrong = {name: (got[name], want) for name, want in LABELS.items() if got[name] != want}
    assert not wrong, {n: (g, w, rows[checked.web.url(n)].reason) for n, (g, w) in wrong.items()}


def test_each_check_row_keeps_reason_status_final_url_and_evidence(checked: Checked) -> None:
    web = checked.web
    with checked.open() as archive:
        rows = last_verdicts(archive)
        moved = rows[web.url("redirected-article")]
        assert moved.status == 200 and moved.final_url != moved.url and moved.capture_id
        with archive.session() as session:
            final = session.get(Capture, moved.capture_id)
            assert final is not None and final.url == moved.final_url and final.warc_file
            # every hop of the redirect was archived too
            hop = session.scalars(select(Capture).where(Capture.url == moved.url)).all()
            assert any(c.status == 301 and c.warc_file for c in hop)
        wall = rows[web.url("lr-botwall")]
        assert wall.status == 403 and "challenge" in wall.reason and wall.capture_id
        limited = rows[web.url("lr-ratelimited")]
        assert "Retry-After" in limited.reason
        drift = rows[web.url("lr-changing")]
        assert drift.similarity is not None and drift.similarity < 0.5
        soft = rows[web.url("lr-quiet-soft404")]
        assert soft.probe_url and soft.probe_result and "200" in soft.probe_result
        with archive.session() as session:
            probe = session.scalars(select(Capture).where(Capture.url == soft.probe_url)).first()
            assert probe is not None and probe.warc_file  # the probe is evidence too
        dns = rows[web.url("no-such-host")]
        assert dns.error == "dns" and dns.capture_id is None and dns.reason
        refused = rows[web.url("refused")]
        assert refused.error == "refused"
        with archive.session() as session:
            crawl = session.scalars(
                select(Crawl).where(Crawl.kind == "linkcheck").order_by(Crawl.id)
            ).first()
        assert crawl is not None and crawl.state == "done"
        log = (archive.log_dir / f"{crawl.uuid}.crawl.log").read_text()
    assert web.url("no-such-host") in log and web.url("refused") in log


def test_states_reach_dead_only_after_three_checks_over_three_days(checked: Checked) -> None:
    web = checked.web
    gone, ok = web.url("gone"), web.url("article")
    for when in (DAY2, DAY4):
        result = checked.cli("check", "--all", "--url", gone, "--url", ok, REFTRAIL_CHECK_TIME=when)
        assert result.returncode == 0, result.stderr[-3000:]  # type: ignore[attr-defined]
        with checked.open() as archive, archive.session() as session:
            states = {s.url: s for s in session.scalars(select(LinkState))}
        if when == DAY2:
            assert states[gone].state == "dying" and states[gone].consecutive_failures == 2
    assert states[gone].state == "dead" and states[gone].consecutive_failures == 3
    assert states[ok].state == "alive" and states[ok].last_ok_capture_id is not None
    assert states[web.url("lr-botwall")].state == "blocked"
    assert states[web.url("lr-changing")].state == "drifted"


def test_due_checks_only_what_is_due(checked: Checked) -> None:
    # On day 4 only the failing URLs checked on day 1 are due (alive ones wait 30 days).
    result = checked.cli("check", "--due", REFTRAIL_CHECK_TIME=DAY4)
    assert result.returncode == 0, result.stderr[-3000:]  # type: ignore[attr-defined]
    with checked.open() as archive, archive.session() as session:
        day4 = session.scalars(
            select(LinkCheck.url).where(LinkCheck.checked_at >= datetime.fromisoformat(DAY4))
        ).all()
    assert checked.web.url("soft-404") in day4
    assert checked.web.url("lr-quiet-real") not in day4
    nothing = checked.cli("check", "--due", REFTRAIL_CHECK_TIME=DAY1)
    assert nothing.returncode == 0 and "no links due" in nothing.stderr  # type: ignore[attr-defined]


def test_reports(checked: Checked) -> None:
    web = checked.web
    result = run_cli(
        ["report", "--format", "json"],
        web=None,
        archive=checked.archive,
        database_url=checked.db,
        env_extra={"REFTRAIL_PUBLIC_URL": "https://a.example"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {row["url"]: row for row in json.loads(result.stdout)}
    assert {row["state"] for row in rows.values()} <= {"dead", "dying", "drifted", "blocked"}
    assert web.url("article") not in rows
    drift = rows[web.url("lr-changing")]
    copy = drift["preserved_copy"]
    assert copy["url"].startswith("https://a.example/web/") and copy["url"].endswith(
        web.url("lr-changing")
    )
    assert drift["similarity"] is not None and drift["verdict"] == "drifted"
    assert rows[web.url("lr-quiet-soft404")]["preserved_copy"] is None  # no good copy
    for key in ("post_url", "url", "state", "verdict", "since", "http_status", "reason"):
        assert key in drift
    soft = run_cli(
        ["report", "--state", "all", "--verdict", "soft-404", "--format", "csv"],
        web=None,
        archive=checked.archive,
        database_url=checked.db,
    )
    assert soft.returncode == 0 and soft.stdout.startswith("post_url,url,state")
    assert web.url("lr-welcome-soft404") in soft.stdout and web.url("article") not in soft.stdout
    markup = run_cli(
        ["report", "--state", "drifted", "--format", "html"],
        web=None,
        archive=checked.archive,
        database_url=checked.db,
    )
    assert 'data-versionurl="/web/' in markup.stdout and "data-versiondate" in markup.stdout
    bad = run_cli(
        ["report", "--state", "sleeping"],
        web=None,
        archive=checked.archive,
        database_url=checked.db,
    )
    assert bad.returncode == 2
