"""``reftrail get``, ``search``, ``exclude`` and ``export`` on a built archive, and ``serve``
on a real loopback socket."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.storage.builders import page
from tests.webapp.conftest import READER, Built

REPO = Path(__file__).resolve().parents[2]
BLOG = "https://blog.example.org"


def cli_env(built: Built) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFTRAIL_")}
    env["REFTRAIL_ARCHIVE"] = str(built.archive.root)
    url = built.archive.engine.url
    if url.get_backend_name() == "postgresql":
        env["REFTRAIL_DATABASE_URL"] = url.render_as_string(hide_password=False)
    return env


def reftrail(built: Built, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        env=cli_env(built), cwd=REPO, capture_output=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_get_prints_the_capture_closest_to_a_time(built: Built, tmp_path: Path) -> None:
    early = reftrail(built, "get", f"{BLOG}/2026/03/new.html", "--at", "20260301")
    assert early.returncode == 0, early.stderr
    assert early.stdout == page(1)
    late = reftrail(built, "get", f"{BLOG}/2026/03/new.html", "--at", "2026-03-02T12:00:00Z")
    assert late.stdout == page(1, 2000)
    gz = reftrail(built, "get", f"{BLOG}/gz", "--html")
    assert gz.stdout == page(2)  # decoded from the stored gzip
    headers = reftrail(built, "get", f"{READER}/articles/page.html", "--headers")
    assert headers.stdout.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Set-Cookie: session=archived" in headers.stdout
    text = reftrail(built, "get", f"{READER}/articles/page.html", "--text")
    assert text.stdout.decode() == "A page about zebrafish and crème.\n"
    target = tmp_path / "record.warc.gz"
    warc = reftrail(built, "get", f"{READER}/articles/page.html", "--warc", "-o", str(target))
    assert warc.returncode == 0, warc.stderr
    records = list(ArchiveIterator(io.BytesIO(target.read_bytes()), check_digests=True))
    assert [r.rec_type for r in records] == ["response"]
    to_stdout = reftrail(built, "get", f"{READER}/articles/page.html", "--warc")
    assert to_stdout.stdout == target.read_bytes()
    missing = reftrail(built, "get", "https://nowhere.example/")
    assert missing.returncode == 1 and b"not in the archive" in missing.stderr
    bad = reftrail(built, "get", f"{BLOG}/", "--at", "last tuesday")
    assert bad.returncode == 2


@pytest.mark.slow
def test_search_exclude_and_export(built: Built, tmp_path: Path) -> None:
    found = reftrail(built, "search", "zebrafish", "--format", "json")
    assert found.returncode == 0, found.stderr
    assert len(json.loads(found.stdout)) == 3
    table = reftrail(built, "search", "zebrafish")
    assert b"evil.html" in table.stdout

    added = reftrail(built, "exclude", "add", f"{READER}/private/", "--reason", "takedown")
    assert added.returncode == 0, added.stderr
    listed = reftrail(built, "exclude", "list", "--format", "json")
    assert [r["surt"] for r in json.loads(listed.stdout)] == ["com,example,reader)/private"]
    assert len(json.loads(reftrail(built, "search", "zebrafish", "--format", "json").stdout)) == 2
    assert reftrail(built, "get", f"{READER}/private/secret.html").returncode == 1

    target = tmp_path / "captures.csv"
    exported = reftrail(built, "export", "captures", "--format", "csv", "-o", str(target))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows and not any("/private/" in r["url"] for r in rows)
    assert {"dns", "timeout"} <= {r["error"] for r in rows}
    jsonl = reftrail(built, "export", "captures", "--format", "jsonl")
    lines = [json.loads(line) for line in jsonl.stdout.decode().splitlines()]
    assert len(lines) == len(rows)

    removed = reftrail(built, "exclude", "remove", f"{READER}/private/")
    assert removed.returncode == 0, removed.stderr
    assert reftrail(built, "get", f"{READER}/private/secret.html").returncode == 0
    assert reftrail(built, "exclude", "remove", "42").returncode == 1


@pytest.mark.slow
def test_serve_on_a_real_loopback_socket(built: Built) -> None:
    env = {**cli_env(built), "REFTRAIL_TOKEN": "socket-token"}
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--port", "0"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        port = None
        deadline = time.monotonic() + 60
        assert process.stderr is not None
        while time.monotonic() < deadline and port is None:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            match = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
            if match:
                port = int(match.group(1))
        assert port, "the server did not report its port"
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10, follow_redirects=False) as client:
            replay = client.get(f"/web/20260306093000/{READER}/articles/page.html")
            assert replay.status_code == 200
            assert replay.headers["content-security-policy"].startswith("sandbox ")
            assert f"{base}" in replay.headers["content-security-policy"]
            gate = client.get(f"/timegate/{BLOG}/")
            assert gate.headers["location"] == f"{base}/web/20260302093000/{BLOG}/"
            assert client.get("/api/search", params={"q": "zebrafish"}).json()["results"]
            auth = {"Authorization": "Bearer socket-token"}
            made = client.post(
                "/api/exclusions", json={"value": "reader.example.com"}, headers=auth
            )
            assert made.status_code == 201
    finally:
        process.terminate()
        process.wait(timeout=30)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
