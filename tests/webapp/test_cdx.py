"""The CDX API answers like pywb's, and the availability API like the Wayback Machine's."""

from __future__ import annotations

import json

from tests.webapp.conftest import READER, Client

BLOG = "https://blog.example.org"


def lines(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [line for line in response.text.splitlines() if line]


def test_default_output_is_cdxj_sorted_by_surt_then_time(client: Client) -> None:
    rows = lines(client.get("/cdx", params={"url": f"{BLOG}/2026/03/new.html"}))
    assert len(rows) == 2
    key, timestamp, fields = rows[0].split(" ", 2)
    assert key == "org,example,blog)/2026/03/new.html"
    assert timestamp == "20260301093000"
    data = json.loads(fields)
    assert data["url"] == f"{BLOG}/2026/03/new.html"
    assert data["status"] == 200 and data["mime"] == "text/html"
    assert not data["digest"].startswith("sha1:") and len(data["digest"]) == 32
    assert data["filename"].endswith(".warc.gz") and data["offset"] >= 0 and data["length"] > 0
    assert [r.split(" ")[1] for r in rows] == ["20260301093000", "20260302093000"]


def test_json_output_and_field_list(client: Client) -> None:
    rows = lines(client.get("/cdx", params={"url": f"{BLOG}/", "output": "json"}))
    records = [json.loads(r) for r in rows]
    assert {r["mime"] for r in records} == {"text/html", "warc/revisit"}
    assert all(r["urlkey"] == "org,example,blog)/" for r in records)
    rows = lines(
        client.get("/cdx", params={"url": f"{BLOG}/", "output": "json", "fl": "timestamp,status"})
    )
    assert set(json.loads(rows[0])) == {"timestamp", "status"}
    text = lines(client.get("/cdx", params={"url": f"{BLOG}/", "output": "text", "limit": 1}))
    assert text[0].split(" ")[:3] == ["org,example,blog)/", "20260301093000", f"{BLOG}/"]


def test_match_types_and_wildcards(client: Client) -> None:
    prefix = lines(client.get("/cdx", params={"url": f"{BLOG}/2026/", "matchType": "prefix"}))
    assert prefix and all(r.startswith("org,example,blog)/2026") for r in prefix)
    assert lines(client.get("/cdx", params={"url": f"{BLOG}/2026/*"})) == prefix
    host = lines(client.get("/cdx", params={"url": "blog.example.org", "matchType": "host"}))
    assert len(host) > len(prefix)
    assert all(r.startswith("org,example,blog)/") for r in host)
    domain = lines(client.get("/cdx", params={"url": "*.example.com"}))
    assert domain and all(r.startswith("com,example,reader)/") for r in domain)
    assert lines(client.get("/cdx", params={"url": "example.org", "matchType": "domain"})) == host
    # POSTs, failed fetches and the crawl log are not index entries.
    assert not any("/search" in r for r in host)
    assert not any(
        "no-such-host" in r for r in lines(client.get("/cdx", params={"url": "*.example"}))
    )


def test_from_to_limit_sort_and_filters(client: Client) -> None:
    day2 = lines(
        client.get("/cdx", params={"url": f"{BLOG}/*", "from": "20260302", "to": "2026030223"})
    )
    assert day2 and all(r.split(" ")[1].startswith("20260302") for r in day2)
    assert len(lines(client.get("/cdx", params={"url": f"{BLOG}/*", "limit": 3}))) == 3
    reverse = lines(client.get("/cdx", params={"url": f"{BLOG}/", "sort": "reverse"}))
    assert reverse[0].split(" ")[1] == "20260302093000"
    closest = lines(
        client.get("/cdx", params={"url": f"{BLOG}/2026/03/new.html", "sort": "closest",
                                  "closest": "20260302120000", "limit": 1})
    )  # fmt: skip
    assert closest[0].split(" ")[1] == "20260302093000"
    not_found = lines(client.get("/cdx", params={"url": f"{BLOG}/*", "filter": "=status:404"}))
    assert len(not_found) == 2 and all("/missing" in r for r in not_found)
    css = lines(client.get("/cdx", params={"url": f"{BLOG}/*", "filter": "~mime:text/c"}))
    assert css and all('"text/css"' in r for r in css)
    html_only = lines(
        client.get("/cdx", params={"url": f"{BLOG}/*", "filter": ["mime:html", "!=status:404"]})
    )
    assert html_only and all('"text/html"' in r and "/missing" not in r for r in html_only)
    no_revisits = lines(client.get("/cdx", params={"url": f"{BLOG}/*", "filter": "!mime:revisit"}))
    assert no_revisits and not any("warc/revisit" in r for r in no_revisits)


def test_bad_parameters_are_400(client: Client) -> None:
    for params in (
        {"url": BLOG, "matchType": "nope"},
        {"url": BLOG, "filter": "nofield:x"},
        {"url": BLOG, "filter": "~mime:(("},
        {"url": BLOG, "from": "2026-13-45T99"},
        {"url": BLOG, "sort": "closest"},
        {"url": BLOG, "output": "xml"},
    ):
        assert client.get("/cdx", params=params).status_code == 400, params
    assert client.get("/cdx").status_code == 422
    assert client.get("/cdx", params={"url": "x" * 9000}).status_code == 422


def test_link_output_is_a_timemap_fragment(client: Client) -> None:
    rows = lines(client.get("/cdx", params={"url": f"{READER}/css/site.css", "output": "link"}))
    assert rows == [
        f'<http://testserver/web/20260306093001/{READER}/css/site.css>; rel="memento"; '
        'datetime="Fri, 06 Mar 2026 09:30:01 GMT",'
    ]


def test_availability_api(client: Client) -> None:
    body = client.get("/wayback/available", params={"url": f"{BLOG}/2026/03/new.html",
                                                    "timestamp": "20260310"}).json()  # fmt: skip
    closest = body["archived_snapshots"]["closest"]
    assert closest == {
        "status": "200",
        "available": True,
        "url": f"http://testserver/web/20260302093000/{BLOG}/2026/03/new.html",
        "timestamp": "20260302093000",
    }
    newest = client.get("/wayback/available", params={"url": "blog.example.org/"}).json()
    assert newest["archived_snapshots"]["closest"]["timestamp"] == "20260302093000"
    missing = client.get("/wayback/available", params={"url": "https://nowhere.example/"})
    assert missing.json()["archived_snapshots"] == {}
