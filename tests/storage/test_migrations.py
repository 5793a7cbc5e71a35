"""An archive made by an older reftrail is upgraded in place when it is opened."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import insert, inspect, select

from storage import db
from storage.archive import DB_NAME, Archive
from storage.models import Base, Capture
from storage.timeutil import utcnow

FIRST_REVISION = "0001"


def test_an_archive_at_the_first_schema_is_upgraded_and_keeps_its_rows(
    tmp_path: Path, database_url: str | None
) -> None:
    root = tmp_path / "old-archive"
    root.mkdir()
    url = database_url or db.sqlite_url(root / DB_NAME)
    engine = db.make_engine(url)
    command.upgrade(db.alembic_config(engine), FIRST_REVISION)  # what reftrail 0.1 created
    with engine.begin() as connection:
        connection.execute(
            insert(Capture.__table__),
            {
                "url": "http://example.com/",
                "surt": "com,example)/",
                "method": "GET",
                "fetched_at": utcnow(),
                "status": 200,
            },
        )
    engine.dispose()

    with Archive.open(root, database_url=url) as archive:
        assert db.current_revisions(archive.engine) == db.head_revisions(archive.engine)
        tables = set(inspect(archive.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables, set(Base.metadata.tables) - tables
        with archive.session() as session:
            assert session.scalars(select(Capture.url)).all() == ["http://example.com/"]


def test_opening_a_current_archive_twice_changes_nothing(archive: Archive) -> None:
    before = db.current_revisions(archive.engine)
    again = Archive.open(
        archive.root, database_url=str(archive.engine.url.render_as_string(hide_password=False))
    )
    try:
        assert db.current_revisions(again.engine) == before == db.head_revisions(again.engine)
    finally:
        again.close()


def test_schema_heads_name_the_newest_migration_of_every_branch(archive: Archive) -> None:
    """Opening a current archive skips Alembic by comparing with ``db.SCHEMA_HEADS``."""
    assert db.head_revisions(archive.engine) == db.SCHEMA_HEADS
    assert db.current_revisions(archive.engine) == db.SCHEMA_HEADS
