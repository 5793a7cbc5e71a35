"""A real browser (Debian chromium driven by Playwright) replays an archived page safely.

The replayed page renders its archived text, its archived script runs in a sandbox with an
opaque origin (it cannot read the researcher's cookies for the app), and the browser asks
nothing of the live web: every request goes to the app on loopback.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.webapp.conftest import READER, Built
from tests.webapp.test_cli import REPO, cli_env

CHROMIUM = Path("/usr/bin/chromium")
# As the machine's own check starts it: no background traffic, no sandbox as root.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@contextmanager
def serving(built: Built) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--port", "0"],
        env={**cli_env(built), "REFTRAIL_TOKEN": "browser-token"},
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        port = None
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        assert port, "reftrail serve did not report its port"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


@pytest.mark.slow
def test_a_browser_replays_an_archived_page_in_a_sandbox(built: Built) -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            "BROWSER TEST NOT RUN: /usr/bin/chromium is absent; scripts/test.sh installs "
            "Debian's chromium package",
            pytrace=False,
        )
    playwright_api = pytest.importorskip("playwright.sync_api")
    with serving(built) as base, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "researcher", "value": "secret-session", "url": base}])
            page = context.new_page()
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            response = page.goto(f"{base}/web/20260306093000/{READER}/articles/page.html")
            assert response is not None and response.status == 200
            page.wait_for_load_state("load")
            body = page.inner_text("body")
            assert "Café & crème" in body
            # The archived script set document.title from document.cookie: in the sandbox
            # (opaque origin) reading cookies throws, so the title stays the archived one.
            assert "secret-session" not in page.title()
            assert page.evaluate("() => window.origin") == "null"
            outside = [url for url in requested if urlsplit(url).hostname != "127.0.0.1"]
            assert outside == [], outside
            assert any("/web/" in url and url.endswith("site.css") for url in requested), requested
        finally:
            browser.close()
