"""The link checker measured on a labelled fake web (``crawler/fakeweb/sites/linklab.py``).

Over 200 URLs on about sixty hosts, each labelled with its true verdict before the classifier
was run on them. One ``reftrail check`` (SQLite) over all of them; the test fails when any
verdict's precision or recall is below 0.95, or when any live page (ok, redirected, drifted,
blocked, server-error) is judged dead-like. The confusion matrix is in the failure message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.linklab import DEAD_LIKE, VERDICTS, LinkLabSite, LinkLabState
from storage.archive import Archive
from storage.models import LinkCheck
from tests.crawler.conftest import crawl_settings, run_cli

MINIMUM = 0.95


def confusion_table(pairs: list[tuple[str, str]]) -> str:
    """Rows: the true verdict; columns: the verdict given."""
    given = sorted({g for _, g in pairs} | set(VERDICTS), key=_order)
    counts = Counter(pairs)
    width = max(len(v) for v in given) + 1
    lines = ["true \\ given".ljust(width) + "".join(g[:8].rjust(9) for g in given)]
    for truth in VERDICTS:
        lines.append(truth.ljust(width) + "".join(str(counts[truth, g]).rjust(9) for g in given))
    return "\n".join(lines)


def _order(verdict: str) -> int:
    return VERDICTS.index(verdict) if verdict in VERDICTS else len(VERDICTS)


def scores(pairs: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Per verdict (precision, recall)."""
    result = {}
    for verdict in VERDICTS:
        hit = sum(1 for t, g in pairs if t == g == verdict)
        given = sum(1 for _, g in pairs if g == verdict)
        true = sum(1 for t, _ in pairs if t == verdict)
        result[verdict] = (hit / given if given else 0.0, hit / true if true else 0.0)
    return result


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LinkLabSite, dict]]:
    state = LinkLabState()
    site = LinkLabSite(state)
    archive = tmp_path_factory.mktemp("linklab")
    with FakeWeb(sites=[site]) as web:
        # The cited copies, as the posts saw them; then the web moves on.
        crawled = run_cli(
            ["crawl", "--depth", "0", *site.archive_first, *crawl_settings(web)],
            web=web,
            archive=archive,
            database_url=None,
        )
        assert crawled.returncode == 0, crawled.stderr[-3000:]
        state.version = 1
        listing = Path(archive) / "urls.txt"
        listing.write_text("\n".join(site.labels) + "\n", encoding="utf-8")
        result = run_cli(
            [
                "check",
                "--all",
                "--urls-from",
                str(listing),
                *crawl_settings(web, DOWNLOAD_TIMEOUT=2, RETRY_TIMES=0),
            ],
            web=web,
            archive=archive,
            database_url=None,
        )
        assert result.returncode == 0, result.stderr[-4000:]
    with Archive.open(archive) as opened, opened.session() as session:
        rows = {r.url: r for r in session.scalars(select(LinkCheck).order_by(LinkCheck.id))}
    yield site, rows


def test_precision_and_recall_per_verdict(outcome: tuple[LinkLabSite, dict]) -> None:
    site, rows = outcome
    missing = [url for url in site.labels if url not in rows]
    assert not missing, f"{len(missing)} URLs were never checked: {missing[:5]}"
    pairs = [(truth, rows[url].verdict) for url, truth in site.labels.items()]
    table = confusion_table(pairs)
    wrong = "\n".join(
        f"  {url}: {truth} judged {rows[url].verdict} ({rows[url].reason})"
        for url, truth in site.labels.items()
        if rows[url].verdict != truth
    )
    per = scores(pairs)
    low = {v: s for v, s in per.items() if min(s) < MINIMUM}
    summary = "  ".join(f"{v} P{p:.2f}/R{r:.2f}" for v, (p, r) in per.items())
    assert not low, f"below {MINIMUM}: {low}\n{summary}\n{table}\nwrong:\n{wrong}"


def test_no_live_page_is_flagged_dead(outcome: tuple[LinkLabSite, dict]) -> None:
    site, rows = outcome
    false_dead = {
        url: (truth, rows[url].verdict, rows[url].reason)
        for url, truth in site.labels.items()
        if truth not in DEAD_LIKE and rows[url].verdict in DEAD_LIKE
    }
    pairs = [(truth, rows[url].verdict) for url, truth in site.labels.items()]
    assert not false_dead, f"live pages judged dead: {false_dead}\n{confusion_table(pairs)}"


def test_the_set_is_big_and_varied(outcome: tuple[LinkLabSite, dict]) -> None:
    site, _ = outcome
    counts = Counter(site.labels.values())
    assert len(site.labels) >= 100 and set(counts) == set(VERDICTS)
    assert min(counts.values()) >= 8, counts
    hosts = {url.split("/")[2] for url in site.labels}
    assert len(hosts) >= 50
