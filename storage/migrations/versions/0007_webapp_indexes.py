"""web app indexes: the SURT index in byte order on PostgreSQL

CDX answers are in SURT byte order (pywb's), and prefix/host/domain queries are SURT ranges.
On PostgreSQL both compare ``surt COLLATE "C"``, which an index in the database's default
collation cannot serve (unless that collation is ``C``): a prefix query with ``limit=100``
sorted every matching row. This index serves the range and the order. SQLite compares in
code point order already (``ix_capture_surt_time``), so nothing changes there.

Revision ID: 0007_webapp_indexes
Revises: 0003_webapp
"""

from __future__ import annotations

from alembic import op

revision = "0007_webapp_indexes"
down_revision = "0003_webapp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            'CREATE INDEX ix_capture_surt_c_time ON capture (surt COLLATE "C", fetched_at, id)'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_capture_surt_c_time")
