"""Replay: archived bytes decoded, links into the archive, sandboxed, redirects and revisits."""

from __future__ import annotations

import gzip

import pytest

from tests.storage.builders import page
from tests.webapp.conftest import LINKED_PAGE, READER, STYLESHEET, Client

BLOG = "https://blog.example.org"
TS = "20260306093000"


def test_html_links_and_requisites_point_into_the_archive(client: Client) -> None:
    response = client.get(f"/web/{TS}/{READER}/articles/page.html")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    body = response.text
    prefix = f"/web/{TS}/"
    assert f'href="{prefix}{READER}/css/site.css"' in body  # root-relative, via <base>
    assert f'href="{prefix}{READER}/articles/story.html"' in body  # relative to <base>
    assert f'href="{prefix}https://news.example.net/world?id=1&amp;x=2"' in body
    assert f'src="{prefix}{READER}/articles/pic.png"' in body
    assert (
        f'srcset="{prefix}{READER}/articles/pic-1x.png 1x, '
        f'{prefix}https://cdn.example.net/pic-2x.png 2x"' in body
    )
    assert f"url('{prefix}{READER}/img/bg.png')" in body  # <style>
    assert f"url(&quot;{prefix}{READER}/img/div.png&quot;)" in body  # style=""
    assert f'action="{prefix}{READER}/search"' in body
    assert f'content="30; url={prefix}{READER}/next"' in body
    for untouched in ('href="#top"', 'href="mailto:ed@example.com"', 'href="javascript:void(0)"'):
        assert untouched in body
    assert "Café &amp; crème" in body  # decoded by its charset, re-encoded as UTF-8
    # No absolute http(s) URL is left in an attribute: nothing loads from the live web.
    assert 'src="http' not in body and 'href="http' not in body


def test_css_is_rewritten(client: Client) -> None:
    response = client.get(f"/web/20260306093001/{READER}/css/site.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    css = response.text
    assert f"@import '/web/20260306093001/{READER}/css/print.css'" in css
    assert f"url(/web/20260306093001/{READER}/img/a.png)" in css
    assert 'url("/web/20260306093001/https://cdn.example.net/h.png")' in css


def test_id_mode_returns_the_archived_bytes_and_headers(client: Client) -> None:
    raw = client.get(f"/web/{TS}id_/{READER}/articles/page.html")
    assert raw.status_code == 200
    assert raw.content == LINKED_PAGE
    assert raw.headers["content-type"] == "text/html; charset=utf-8"
    css = client.get(f"/web/20260306093001id_/{READER}/css/site.css")
    assert css.content == STYLESHEET
    # gzip bodies: id_ keeps the coding (the client undoes it); plain mode decodes it.
    encoded = client.get(f"/web/20260301093000id_/{BLOG}/gz")
    assert encoded.headers["content-encoding"] == "gzip"
    assert encoded.content == page(2)  # httpx decodes gzip
    decoded = client.get(f"/web/20260301093000/{BLOG}/gz")
    assert "content-encoding" not in decoded.headers
    assert "<title>Post 2</title>" in decoded.text


def test_archived_headers_never_act_on_the_app(client: Client) -> None:
    for mode in ("", "id_"):
        response = client.get(f"/web/{TS}{mode}/{READER}/articles/page.html")
        assert "set-cookie" not in response.headers
        assert "clear-site-data" not in response.headers
        assert response.headers["content-security-policy"].startswith("sandbox ")
        assert "default-src *" not in response.headers["content-security-policy"]
    assert client.get(f"/web/{TS}/{READER}/articles/page.html").cookies == {}


def test_replay_is_sandboxed_away_from_the_app_origin(client: Client) -> None:
    """An archived <script> runs in an opaque origin: it cannot read the app's cookies,
    and it can load nothing from outside the app."""
    response = client.get(f"/web/{TS}/{READER}/articles/page.html")
    assert "document.cookie" in response.text  # the archived script is there...
    policy = response.headers["content-security-policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in policy.split(";")}
    assert directives["sandbox"] == "sandbox allow-scripts allow-forms allow-popups"
    assert "allow-same-origin" not in policy  # ...but not in the app's origin
    default_src = directives["default-src"].split()[1:]
    assert "'self'" in default_src
    assert all(s in ("'self'", "http://testserver", "'unsafe-inline'", "'unsafe-eval'",
                     "data:", "blob:") for s in default_src)  # fmt: skip
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    # Every replay answer carries it, whatever the type.
    for url in (
        f"/web/20260306093001/{READER}/css/site.css",
        f"/web/20260301093000/{BLOG}/robots.txt",
    ):
        assert client.get(url).headers["content-security-policy"].startswith("sandbox ")


def test_redirects_replay_as_redirects_into_the_archive(client: Client) -> None:
    response = client.get(f"/web/20260301093000/{BLOG}/old")
    assert response.status_code == 301
    assert response.headers["location"] == (
        f"http://testserver/web/20260301093000/{BLOG}/2026/03/new.html"
    )
    followed = client.get(response.headers["location"])
    assert followed.status_code == 200
    assert "<title>Post 1</title>" in followed.text


def test_404_captures_replay_with_their_status(client: Client) -> None:
    response = client.get(f"/web/20260301093000/{BLOG}/missing")
    assert response.status_code == 404
    assert "Not found" in response.text
    assert response.headers["memento-datetime"]


def test_revisits_replay_the_original_payload(client: Client) -> None:
    # The second crawl stored the home page as a revisit record (no payload of its own).
    cdx = client.get("/cdx", params={"url": f"{BLOG}/", "output": "json", "sort": "reverse",
                                     "limit": 1}).json()  # fmt: skip
    assert cdx["mime"] == "warc/revisit"
    response = client.get(f"/web/{cdx['timestamp']}/{BLOG}/")
    assert response.status_code == 200
    assert "<title>Post 0</title>" in response.text
    assert response.headers["memento-datetime"] == "Mon, 02 Mar 2026 09:30:00 GMT"


@pytest.mark.parametrize(
    "path",
    [
        "/web/20260301093000/../../../../etc/passwd",
        "/web/20260301093000/..%2F..%2F..%2Fetc%2Fpasswd",
        "/web/20260301093000/file:///etc/passwd",
        "/web/20260301093000/%2e%2e/%2e%2e/etc/passwd",
        "/web/20260301093000id_/../reftrail.db",
        "/static/../../storage/archive.py",
        "/static/..%2F..%2Fstorage%2Farchive.py",
        "/capture/1/../../../etc/passwd",
        "/timemap/link/../../etc/passwd",
        "/web/99999999999999999999/https://blog.example.org/",
        "/web/20260301093000xx_/https://blog.example.org/",
    ],
)
def test_path_traversal_reads_no_file(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert b"root:" not in response.content
    assert b"SQLite format" not in response.content
    assert b"def open" not in response.content


def test_unknown_urls_are_404(client: Client) -> None:
    assert client.get("/web/20260301093000/https://nowhere.example/").status_code == 404
    assert client.get("/web/2026/https://nowhere.example/").status_code == 404


def test_gzip_body_is_decoded_from_the_stored_bytes(client: Client) -> None:
    stored = gzip.compress(page(2), mtime=0)
    raw = client.get(f"/web/20260301093000id_/{BLOG}/gz", headers={"Accept-Encoding": "identity"})
    assert raw.status_code == 200
    assert len(stored) > 0
