"""``reftrail serve --pywb``: pywb runs beside the app over the same WARC folder.

A real crawl of the fake web fills an archive; ``reftrail serve --pywb`` runs as a real process
on loopback; the app's capture page links to pywb, and following that link gives the archived
page's text. A second crawl while both run becomes replayable in pywb without a restart, an
exclusion added meanwhile is honoured by pywb too, and stopping the app stops pywb.
"""

from __future__ import annotations

import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.news_content import BRIDGE_INSPECTION, RIVER_WALK
from storage.archive import Archive
from tests.crawler.conftest import REPO, crawl_settings, run_cli
from tests.interop.tools import pywb_venv

pytestmark = [pytest.mark.slow, pytest.mark.interop]
PYWB_LINK = re.compile(r'<a class="pywb" href="([^"]+)"')


@pytest.fixture(scope="module")
def web() -> Iterator[FakeWeb]:
    with FakeWeb() as started:
        yield started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def text_of(body: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


class Served:
    """``reftrail serve --pywb`` as a real process, and what it reports."""

    def __init__(self, root: Path, database_url: str | None, pywb_port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REFTRAIL_")}
        env.update(REFTRAIL_ARCHIVE=str(root), REFTRAIL_TOKEN="pywb-token")
        env["REFTRAIL_PYWB_VENV"] = str(pywb_venv())
        if database_url:
            env["REFTRAIL_DATABASE_URL"] = database_url
        self.pywb_port = pywb_port
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "serve", "--port", "0", "--pywb",
             "--pywb-port", str(pywb_port)],
            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        port = None
        deadline = time.monotonic() + 120
        assert self.process.stderr is not None
        while port is None and time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            self.lines.append(line)
            found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        assert port, "reftrail serve --pywb did not start:\n" + "".join(self.lines)
        self.app = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, trust_env=False)

    def pywb_link(self, url: str) -> str:
        """The pywb link on the capture page of the newest capture of ``url``."""
        captures = self.app.get("/api/captures", params={"url": url}).json()["captures"]
        assert captures, f"{url} is not in the archive"
        page = self.app.get(f"/capture/{captures[-1]['id']}")
        assert page.status_code == 200
        found = PYWB_LINK.search(page.text)
        assert found, "the capture page has no pywb link"
        link = html.unescape(found.group(1))
        assert link.startswith(f"http://127.0.0.1:{self.pywb_port}/reftrail/")
        api = self.app.get(f"/api/captures/{captures[-1]['id']}").json()
        assert api["pywb"] == link
        return link

    def stop(self) -> int:
        self.app.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.stderr is not None:
                self.process.stderr.close()


def replayed(link: str, *, within: float = 90) -> httpx.Response:
    """GET the pywb link until pywb answers 200 (its index catches up within seconds)."""
    deadline = time.monotonic() + within
    while True:
        answer = httpx.get(link, timeout=30, trust_env=False, follow_redirects=True)
        if answer.status_code == 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def test_serve_pywb_replays_captures_and_keeps_its_index_current(
    web: FakeWeb, tmp_path: Path, database_url: str | None
) -> None:
    root = tmp_path / "archive"

    def crawl(url: str) -> None:
        done = run_cli(
            ["crawl", url, "--max-pages", "2", *crawl_settings(web)],
            web=web, archive=root, database_url=database_url,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]

    article = web.url("article")
    crawl(article)
    pywb_port = free_port()
    served = Served(root, database_url, pywb_port)
    try:
        first = served.pywb_link(article)
        answer = replayed(first)
        assert answer.status_code == 200, answer.text[:2000]
        assert RIVER_WALK.paragraphs[0] in text_of(answer.text)

        # Crawled while pywb runs: replayable once its WARC file has closed, no restart.
        later = web.url("tribune-article")
        crawl(later)
        second = served.pywb_link(later)
        answer = replayed(second)
        assert answer.status_code == 200, answer.text[:2000]
        assert BRIDGE_INSPECTION.paragraphs[0] in text_of(answer.text)

        # The exclusion list reaches pywb's access controls.
        made = served.app.post(
            "/api/exclusions",
            json={"value": "news.lakeshore-tribune.com", "reason": "takedown"},
            headers={"Authorization": "Bearer pywb-token"},
        )
        assert made.status_code == 201
        deadline = time.monotonic() + 60
        while (status := httpx.get(second, trust_env=False).status_code) == 200:
            assert time.monotonic() < deadline, "pywb still serves an excluded capture"
            time.sleep(0.5)
        assert status in (403, 404, 451)
        assert replayed(first).status_code == 200
    finally:
        code = served.stop()
    assert code == 0, "".join(served.lines)
    # pywb stopped with the app: nothing listens on its port any more.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", pywb_port), timeout=5):
        pass
    with Archive.open(root, database_url=database_url, create=False) as opened:
        indexes = sorted(p.name for p in (opened.root / "pywb" / "indexes").glob("*.cdxj"))
        warcs = sorted(p.name + ".cdxj" for p in opened.warc_dir.glob("*.warc.gz"))
    assert indexes == warcs


def test_serve_pywb_without_pywb_says_how_to_install_it(archive: Archive, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFTRAIL_")}
    env.update(REFTRAIL_ARCHIVE=str(archive.root), REFTRAIL_PYWB_VENV=str(tmp_path / "none"))
    url = archive.engine.url
    if url.get_backend_name() == "postgresql":
        env["REFTRAIL_DATABASE_URL"] = url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "serve", "--port", "0", "--pywb"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert f"pywb is not installed at {tmp_path / 'none'}" in message
    assert "setup_pywb.sh" in message and "REFTRAIL_PYWB_VENV" in message
