"""Migration 0008: an archive whose citations predate citation history is upgraded in place;
its citations become the current ones of their post's latest version (SQLite and PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, insert, select

from storage import citations as store
from storage import db
from storage.archive import DB_NAME, Archive
from storage.models import Citation
from storage.timeutil import utcnow


def test_citations_made_before_history_belong_to_the_latest_version(
    tmp_path: Path, database_url: str | None
) -> None:
    root = tmp_path / "old-archive"
    root.mkdir()
    url = database_url or db.sqlite_url(root / DB_NAME)
    engine = db.make_engine(url)
    command.upgrade(db.alembic_config(engine), "0005_citations")
    tables = MetaData()
    tables.reflect(engine)
    now = utcnow()
    with engine.begin() as connection:

        def add(table: str, **values: object) -> int:
            result = connection.execute(insert(tables.tables[table]).values(**values))
            return int(result.inserted_primary_key[0])

        site = add(
            "site",
            host="b.example",
            url="https://b.example/",
            platform="generic",
            feeds=[],
            sitemaps=[],
            detected_at=now,
        )
        post = add(
            "post",
            site_id=site,
            url="https://b.example/p",
            authors=[],
            labels=[],
            first_seen_at=now,
            last_seen_at=now,
        )
        versions = []
        for _ in range(2):
            capture = add(
                "capture", url="https://b.example/p", surt="example,b)/p", method="GET",
                fetched_at=now, status=200,
            )  # fmt: skip
            versions.append(
                add(
                    "post_capture",
                    post_id=post,
                    capture_id=capture,
                    fetched_at=now,
                    status=200,
                    outcome="changed",
                )
            )
        add(
            "citation",
            post_id=post,
            position=0,
            url="https://n.example/a",
            short_link=False,
            reference_text="a",
            context="paragraph",
            authors=[],
            internal=False,
            fetch_status="fetched",
            quotes=[],
            created_at=now,
        )
    engine.dispose()

    with Archive.open(root, database_url=url) as archive:
        assert db.current_revisions(archive.engine) == db.head_revisions(archive.engine)
        with archive.session() as session:
            old = session.scalars(select(Citation)).one()
        assert old.first_version_id == versions[-1] and old.removed_at is None
        # The next version drops it: kept, marked removed (the position may be reused).
        store.record_citations(
            archive,
            post,
            [{"position": 0, "url": "https://n.example/b", "reference_text": "b"}],
            crawl_id=None,
        )
        rows = store.list_citations(archive, history=True)
        assert [(r["url"], r["current"]) for r in rows] == [
            ("https://n.example/b", True),
            ("https://n.example/a", False),
        ]
