"""Memento (RFC 7089): TimeGate, TimeMaps and the headers of mementos."""

from __future__ import annotations

from tests.webapp.conftest import Client

BLOG = "https://blog.example.org"
PAGE = f"{BLOG}/2026/03/new.html"
BASE = "http://testserver"


def test_timegate_redirects_to_the_memento_closest_to_accept_datetime(client: Client) -> None:
    early = client.get(
        f"/timegate/{PAGE}", headers={"Accept-Datetime": "Sun, 01 Mar 2026 10:00:00 GMT"}
    )
    assert early.status_code == 302
    assert early.headers["location"] == f"{BASE}/web/20260301093000/{PAGE}"
    assert early.headers["vary"] == "accept-datetime"
    assert f'<{PAGE}>; rel="original"' in early.headers["link"]
    assert f'<{BASE}/timemap/link/{PAGE}>; rel="timemap"' in early.headers["link"]
    late = client.get(
        f"/timegate/{PAGE}", headers={"Accept-Datetime": "Mon, 02 Mar 2026 09:00:00 GMT"}
    )
    assert late.headers["location"] == f"{BASE}/web/20260302093000/{PAGE}"
    newest = client.get(f"/timegate/{PAGE}")
    assert newest.headers["location"] == f"{BASE}/web/20260302093000/{PAGE}"


def test_timegate_errors(client: Client) -> None:
    bad = client.get(f"/timegate/{PAGE}", headers={"Accept-Datetime": "yesterday-ish"})
    assert bad.status_code == 400
    assert client.get("/timegate/https://nowhere.example/").status_code == 404


def test_link_timemap(client: Client) -> None:
    response = client.get(f"/timemap/link/{PAGE}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/link-format")
    entries = [e.strip() for e in response.text.strip().split(",\n")]
    assert entries[0] == f'<{PAGE}>; rel="original"'
    assert entries[1] == f'<{BASE}/timegate/{PAGE}>; rel="timegate"'
    assert entries[2] == (
        f'<{BASE}/timemap/link/{PAGE}>; rel="self"; type="application/link-format"; '
        'from="Sun, 01 Mar 2026 09:30:00 GMT"; until="Mon, 02 Mar 2026 09:30:00 GMT"'
    )
    assert entries[3] == (
        f'<{BASE}/web/20260301093000/{PAGE}>; rel="first memento"; '
        'datetime="Sun, 01 Mar 2026 09:30:00 GMT"'
    )
    assert entries[4] == (
        f'<{BASE}/web/20260302093000/{PAGE}>; rel="last memento"; '
        'datetime="Mon, 02 Mar 2026 09:30:00 GMT"'
    )
    assert client.get("/timemap/link/https://nowhere.example/").status_code == 404


def test_json_timemap(client: Client) -> None:
    body = client.get(f"/timemap/json/{PAGE}").json()
    assert body["original_uri"] == PAGE
    assert body["timegate_uri"] == f"{BASE}/timegate/{PAGE}"
    assert [m["timestamp"] for m in body["mementos"]["list"]] == [
        "20260301093000",
        "20260302093000",
    ]
    assert body["mementos"]["first"]["uri"] == f"{BASE}/web/20260301093000/{PAGE}"
    assert body["mementos"]["last"]["datetime"].startswith("2026-03-02T09:30:00.")
    assert body["mementos"]["last"]["datetime"].endswith("Z")


def test_memento_headers(client: Client) -> None:
    response = client.get(f"/web/20260301093000/{PAGE}")
    assert response.status_code == 200
    assert response.headers["memento-datetime"] == "Sun, 01 Mar 2026 09:30:00 GMT"
    link = response.headers["link"]
    assert f'<{PAGE}>; rel="original"' in link
    assert f'<{BASE}/timegate/{PAGE}>; rel="timegate"' in link
    assert f'<{BASE}/timemap/link/{PAGE}>; rel="timemap"; type="application/link-format"' in link
    assert f'<{BASE}/web/20260301093000/{PAGE}>; rel="first memento"' in link
    assert f'<{BASE}/web/20260302093000/{PAGE}>; rel="next last memento"' in link


def test_partial_and_inexact_timestamps_redirect_to_the_exact_capture(client: Client) -> None:
    for timestamp in ("2026", "202603", "20260302", "20260302120000"):
        response = client.get(f"/web/{timestamp}/{PAGE}")
        assert response.status_code == 302, timestamp
    assert (
        client.get(f"/web/2026/{PAGE}").headers["location"] == f"{BASE}/web/20260301093000/{PAGE}"
    )
    assert (
        client.get(f"/web/20260302120000/{PAGE}").headers["location"]
        == f"{BASE}/web/20260302093000/{PAGE}"
    )
    # The modifier survives the redirect; no timestamp at all means the newest capture.
    raw = client.get(f"/web/2026id_/{PAGE}")
    assert raw.headers["location"] == f"{BASE}/web/20260301093000id_/{PAGE}"
    assert client.get(f"/web/{PAGE}").headers["location"] == f"{BASE}/web/20260302093000/{PAGE}"
