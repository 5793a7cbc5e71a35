"""Citation history: a recrawl that archives a changed post records the new version's
citations and keeps the earlier version's, marking the ones it dropped as removed in that
version; ``reftrail citations --post`` shows the current ones, ``--history`` all of them
(real crawls of the Loose Ends fake blog, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb.sites.loose_ends import (
    ADDED,
    EDITED_PATH,
    FIRST_ONLY,
    HOST,
    KEPT,
    VERSION_2,
    LooseEndsBlog,
)
from storage.archive import Archive
from storage.models import Citation, Post, PostCapture
from tests.citations.test_citation_edges import edge_web
from tests.crawler.conftest import crawl_settings, database_for, run_cli

POST_URL = f"https://{HOST}{EDITED_PATH}"


def test_a_changed_post_keeps_its_earlier_citations(
    module_db: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root: Path = tmp_path_factory.mktemp(f"history-{module_db}") / "archive"
    with edge_web() as web, database_for(module_db) as url:
        blog = next(site for site in web.sites if isinstance(site, LooseEndsBlog))

        def cli(*args: str) -> str:
            result = run_cli(list(args), web=web, archive=root, database_url=url)
            assert result.returncode == 0, result.stderr[-4000:]
            return result.stdout

        def listed(*extra: str) -> list[dict]:
            rows = json.loads(cli("citations", "--post", POST_URL, "--format", "json", *extra))
            return rows

        crawl = ["crawl", web.url("loose-ends"), *crawl_settings(web)]
        cli(*crawl)
        first = listed()
        assert [r["url"] for r in first] == [FIRST_ONLY, KEPT]
        assert all(r["current"] and r["removed_at"] is None for r in first)

        blog.edit(EDITED_PATH, VERSION_2)
        cli(*crawl)

        current = listed()
        assert [r["url"] for r in current] == [KEPT, ADDED]
        assert [r["position"] for r in current] == [0, 1]
        assert all(r["current"] for r in current)
        assert all(r["fetch_status"] == "fetched" for r in current)

        history = listed("--history")
        assert [(r["url"], r["current"]) for r in history] == [
            (KEPT, True),
            (ADDED, True),
            (FIRST_ONLY, False),
        ]
        kept, added, removed = history
        assert kept["first_seen_at"] == first[1]["first_seen_at"]  # the same citation, kept
        assert added["first_seen_at"] > kept["first_seen_at"]
        assert removed["removed_at"] == added["first_seen_at"]
        assert removed["fetch_status"] == "fetched" and removed["article"]["title"]
        assert "removed" in cli("citations", "--post", POST_URL, "--history")

        opened = Archive.open(root, database_url=url, create=False)
        with opened as archive, archive.session() as session:
            post_id = session.scalars(select(Post.id).where(Post.url == POST_URL)).one()
            versions = session.scalars(
                select(PostCapture.id)
                .where(PostCapture.post_id == post_id, PostCapture.outcome == "changed")
                .order_by(PostCapture.id)
            ).all()
            rows = {
                c.url: c
                for c in session.scalars(select(Citation).where(Citation.post_id == post_id))
            }
        assert len(versions) == 2 and len(rows) == 3
        assert rows[FIRST_ONLY].first_version_id == versions[0]
        assert rows[FIRST_ONLY].removed_in_id == versions[1]
        assert rows[KEPT].first_version_id == versions[0] and rows[KEPT].removed_in_id is None
        assert rows[ADDED].first_version_id == versions[1] and rows[ADDED].removed_at is None

        cli(*crawl)  # nothing changed: the same citations, none added or removed
        assert listed("--history") == history
