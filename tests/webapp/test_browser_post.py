"""A researcher in a real browser (Debian chromium via Playwright) searches, opens the post a
result belongs to, sees each citation's state and preserved copy (the external one linked to
the other archive, never loaded), and follows a citation to its preserved copy in the archive.

The screenshot of the post page is kept in ``$REFTRAIL_ARTIFACTS`` (``scripts/test.sh``, which
CI runs, sets it to ``artifacts/``), else in the test's temporary folder.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import insert

from storage.models import ExternalCopy
from tests.storage.builders import T0
from tests.webapp.conftest import Built
from tests.webapp.test_blogs import GONE, PAGE, build_blog
from tests.webapp.test_browser import CHROMIUM, CHROMIUM_ARGS, serving

MEMENTO = f"https://web.archive.org/web/20251121093000/{GONE}"


@pytest.mark.slow
def test_a_browser_searches_opens_a_post_and_follows_a_citation(
    built: Built, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.fail("BROWSER TEST NOT RUN: /usr/bin/chromium is absent", pytrace=False)
    playwright_api = pytest.importorskip("playwright.sync_api")
    blog = build_blog(built)
    with built.archive.session() as session, session.begin():
        session.execute(
            insert(ExternalCopy),
            [{"url": GONE, "timegate": "http://timegate.test/",
              "wanted_before": T0 - timedelta(hours=2), "asked_at": T0, "outcome": "found",
              "memento_url": MEMENTO, "captured_at": T0 - timedelta(days=100), "reason": ""}],
        )  # fmt: skip
    artifacts = Path(os.environ.get("REFTRAIL_ARTIFACTS") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    screenshot = artifacts / f"post-page-{built.archive.engine.dialect.name}.png"
    with serving(built) as base, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(f"{base}/")
            page.fill("header input[name=q]", "zebra migration")
            page.press("header input[name=q]", "Enter")
            page.wait_for_url("**/search?**")
            page.click("ol.results a.post")
            page.wait_for_url(f"**/post/{blog.post_id}")
            assert "Zebras <script>alert('post')</script>" in page.inner_text("h1")
            gone = page.locator("table.citations tr", has_text="Gone story")
            assert gone.locator(".badge.state-dying").count() == 1
            external = gone.locator("a.external-copy")
            assert external.get_attribute("href") == MEMENTO
            assert "external: web.archive.org" in gone.inner_text()
            page.screenshot(path=str(screenshot), full_page=True)
            page.locator(f'table.citations a[href$="/web/20260306093000/{PAGE}"]').click()
            page.wait_for_load_state("load")
            assert "Café & crème" in page.inner_text("body")
            outside = [url for url in requested if urlsplit(url).hostname != "127.0.0.1"]
            assert outside == [], outside  # the external copy is linked, never loaded
        finally:
            browser.close()
    assert screenshot.stat().st_size > 0
