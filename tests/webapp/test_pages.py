"""Capture pages, WARC record download, search (page and API), escaping, the JSON API."""

from __future__ import annotations

import io

from warcio.archiveiterator import ArchiveIterator

from tests.webapp.conftest import READER, Built, Client

EVIL = f"{READER}/evil.html"


def test_capture_page_shows_text_metadata_headers_and_provenance(
    client: Client, built: Built
) -> None:
    capture_id = built.ids[f"{READER}/articles/page.html"]
    response = client.get(f"/capture/{capture_id}")
    assert response.status_code == 200
    body = response.text
    assert "A page about zebrafish and crème." in body
    assert "test-" in body and ".warc.gz" in body  # WARC file
    assert "sha1:" in body  # payload and block digests
    assert "&lt;urn:uuid:" in body  # record id, escaped
    assert "Content-Type" in body and "200 OK" in body
    assert f'href="/capture/{capture_id}/warc"' in body
    assert f'href="/web/20260306093000/{READER}/articles/page.html"' in body


def test_warc_record_download_is_one_valid_gzip_member(client: Client, built: Built) -> None:
    capture_id = built.ids[f"{READER}/articles/page.html"]
    response = client.get(f"/capture/{capture_id}/warc")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/warc"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content[:2] == b"\x1f\x8b"
    records = list(ArchiveIterator(io.BytesIO(response.content), check_digests=True))
    assert len(records) == 1
    assert records[0].rec_headers.get_header("WARC-Target-URI") == f"{READER}/articles/page.html"
    api = client.get(f"/api/captures/{capture_id}").json()
    assert api["provenance"]["warc_length"] == len(response.content)
    assert api["provenance"]["block_digest"].startswith("sha1:")
    assert api["document"]["text"] == "A page about zebrafish and crème."
    assert client.get("/capture/999999").status_code == 404
    assert client.get("/capture/999999/warc").status_code == 404


def test_archived_titles_and_text_are_escaped(client: Client, built: Built) -> None:
    capture_id = built.ids[EVIL]
    page = client.get(f"/capture/{capture_id}").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "Evil &lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; co" in page
    results = client.get("/search", params={"q": "zebrafish"}).text
    assert "<script>alert" not in results and "<img src=x" not in results
    assert "&lt;img src=x onerror=alert(1)&gt;" in results
    assert "<mark>zebrafish</mark>" in results
    # The app's own pages allow no inline script at all.
    assert "'unsafe-inline'" not in client.get("/search?q=x").headers["content-security-policy"]


def test_search_api_ranks_filters_and_pages(client: Client) -> None:
    body = client.get("/api/search", params={"q": "zebrafish"}).json()
    urls = [r["url"] for r in body["results"]]
    assert set(urls) == {EVIL, f"{READER}/private/secret.html", f"{READER}/articles/page.html"}
    hit = body["results"][0]
    assert "<mark>" in hit["snippet_html"]
    assert hit["replay"].startswith("http://testserver/web/2026030609")
    titled = client.get("/api/search", params={"q": "secret"}).json()["results"]
    assert titled[0]["url"] == f"{READER}/private/secret.html"  # title match ranks first
    # Keyset paging: pages of one, no duplicates, same order as one page of three.
    seen = []
    cursor = None
    for _ in range(5):
        params = {"q": "zebrafish", "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/search", params=params).json()
        seen += [r["url"] for r in page["results"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == urls
    assert (
        client.get("/api/search", params={"q": "zebrafish", "site": "blog.example.org"}).json()[
            "results"
        ]
        == []
    )
    assert len(client.get("/api/search", params={"q": "zebrafish", "site": "example.com"}).json()[
        "results"
    ]) == 3  # fmt: skip
    assert (
        client.get("/api/search", params={"q": "zebrafish", "to": "2026-03-05"}).json()["results"]
        == []
    )
    assert len(client.get("/api/search", params={"q": "zebrafish", "from": "2026-03-06"}).json()[
        "results"
    ]) == 3  # fmt: skip
    negated = client.get("/api/search", params={"q": 'zebrafish -secret -"crème"'}).json()
    assert [r["url"] for r in negated["results"]] == [EVIL]
    assert (
        client.get("/api/search", params={"q": "zebrafish", "cursor": "garbage!"}).status_code
        == 400
    )


def test_search_survives_hostile_query_syntax(client: Client) -> None:
    for query in ('"unbalanced', "NEAR(a b)", "a:b", "*", "(", "-", "OR", "title:x AND", "'; --"):
        assert client.get("/api/search", params={"q": query}).status_code == 200, query
        assert client.get("/search", params={"q": query}).status_code == 200, query


def test_search_finds_documents_that_existed_before_the_index(client: Client) -> None:
    # build_archive's add_documents wrote titles "title of <url>" through plain inserts.
    body = client.get("/api/search", params={"q": "title", "site": "blog.example.org"}).json()
    assert body["results"]


def test_home_captures_list_and_openapi(client: Client) -> None:
    assert "captures" in client.get("/").text
    listing = client.get("/captures", params={"url": "https://blog.example.org/2026/03/new.html"})
    assert listing.status_code == 200 and "20260302093000" in listing.text
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/search", "/api/captures", "/api/captures/{capture_id}", "/api/exclusions",
            "/cdx", "/wayback/available"} <= paths  # fmt: skip
    captures = client.get("/api/captures", params={"url": "blog.example.org/*", "limit": 5}).json()
    assert len(captures["captures"]) == 5
