"""Excluded captures are kept but never served: replay, CDX, Memento, search, pages, exports."""

from __future__ import annotations

import io
import json

import pytest
from alembic import command
from sqlalchemy import insert

from storage import db
from storage.archive import DB_NAME, Archive
from storage.exclusions import ExclusionError, add_exclusion, remove_exclusion, rule_surt
from storage.exports import export_captures
from storage.models import Capture, Document
from storage.search import search
from storage.timeutil import utcnow
from tests.webapp.conftest import READER, TOKEN, Built, Client

SECRET = f"{READER}/private/secret.html"
TS = "20260306093003"


def test_rule_spellings() -> None:
    assert rule_surt("https://reader.example.com/private/") == "com,example,reader)/private"
    assert rule_surt("reader.example.com") == "com,example,reader)/"
    assert rule_surt("com,example,") == "com,example,"
    with pytest.raises(ExclusionError):
        rule_surt("  ")


def test_an_excluded_prefix_is_served_nowhere(client: Client, built: Built) -> None:
    capture_id = built.ids[SECRET]
    assert client.get(f"/web/{TS}/{SECRET}").status_code == 200
    add_exclusion(built.archive, f"{READER}/private/", reason="takedown request")

    assert client.get(f"/web/{TS}/{SECRET}").status_code == 403
    assert client.get(f"/web/{TS}id_/{SECRET}").status_code == 403
    assert client.get(f"/web/2026/{SECRET}").status_code == 403
    assert client.get(f"/timegate/{SECRET}").status_code == 403
    assert client.get(f"/timemap/link/{SECRET}").status_code == 403
    assert client.get(f"/timemap/json/{SECRET}").status_code == 403
    assert client.get(f"/capture/{capture_id}").status_code == 404
    assert client.get(f"/capture/{capture_id}/warc").status_code == 404
    assert client.get(f"/api/captures/{capture_id}").status_code == 404
    assert client.get("/cdx", params={"url": f"{READER}/*"}).text.count("private") == 0
    assert client.get("/cdx", params={"url": SECRET}).text == ""
    available = client.get("/wayback/available", params={"url": SECRET}).json()
    assert available["archived_snapshots"] == {}
    urls = [
        r["url"] for r in client.get("/api/search", params={"q": "zebrafish"}).json()["results"]
    ]
    assert SECRET not in urls and len(urls) == 2
    assert (
        "secret"
        not in client.get("/search", params={"q": "secret"}).text.lower().split("<ol", 1)[-1]
    )
    out = io.StringIO()
    export_captures(built.archive, out, fmt="jsonl")
    assert SECRET not in out.getvalue() and READER in out.getvalue()
    # The rest of the site still replays; removing the rule brings the page back.
    assert client.get(f"/web/20260306093002/{READER}/evil.html").status_code == 200
    remove_exclusion(built.archive, f"{READER}/private/")
    assert client.get(f"/web/{TS}/{SECRET}").status_code == 200


def test_exclusion_api_needs_the_token(client: Client, built: Built) -> None:
    rule = {"value": "com,example,reader)/private", "reason": "privacy"}
    assert client.request("POST", "/api/exclusions", json=rule).status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert client.request("POST", "/api/exclusions", json=rule, headers=wrong).status_code == 403
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = client.request("POST", "/api/exclusions", json=rule, headers=auth)
    assert created.status_code == 201, created.text
    assert client.request("POST", "/api/exclusions", json=rule, headers=auth).status_code == 409
    listed = client.get("/api/exclusions").json()
    assert [(r["surt"], r["reason"]) for r in listed] == [
        ("com,example,reader)/private", "privacy")
    ]
    assert client.get(f"/web/{TS}/{SECRET}").status_code == 403
    rule_id = created.json()["id"]
    assert client.request("DELETE", f"/api/exclusions/{rule_id}").status_code == 403
    assert client.request("DELETE", f"/api/exclusions/{rule_id}", headers=auth).status_code == 200
    assert client.get(f"/web/{TS}/{SECRET}").status_code == 200


def test_documents_made_before_the_migration_are_searchable(
    tmp_path, database_url: str | None
) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "old"
    root.mkdir()
    url = database_url or db.sqlite_url(root / DB_NAME)
    engine = db.make_engine(url)
    command.upgrade(db.alembic_config(engine), "0001")
    with engine.begin() as connection:
        capture_id = connection.execute(
            insert(Capture.__table__).returning(Capture.__table__.c.id),
            {"url": "http://old.example/", "surt": "example,old)/", "method": "GET",
             "fetched_at": utcnow(), "status": 200, "record_type": "response"},
        ).scalar_one()  # fmt: skip
        connection.execute(
            insert(Document.__table__),
            {"capture_id": capture_id, "url": "http://old.example/", "title": "Old",
             "text": "An axolotl from before the index.", "extracted_at": utcnow()},
        )  # fmt: skip
    engine.dispose()
    with Archive.open(root, database_url=url) as archive:
        hits = search(archive, "axolotl").hits
        assert [h.url for h in hits] == ["http://old.example/"]
        assert "<mark>axolotl</mark>" in hits[0].snippet_html


def test_exclusion_listing_is_json(built: Built) -> None:
    add_exclusion(built.archive, "reader.example.com", reason="all of it")
    from storage.exclusions import list_exclusions

    rules = list_exclusions(built.archive)
    assert json.loads(json.dumps([r.surt for r in rules])) == ["com,example,reader)/"]
