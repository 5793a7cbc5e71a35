"""initial schema: crawl, capture, document, frontier

Revision ID: 0001
Revises:
Create Date: 2026-11-25 12:08:01.300334
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "crawl",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("seeds", sa.JSON(), nullable=False),
        sa.Column("seeds_key", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("log_tail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl")),
        sa.UniqueConstraint("uuid", name=op.f("uq_crawl_uuid")),
    )
    with op.batch_alter_table("crawl", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crawl_seeds_key"), ["seeds_key"], unique=False)

    op.create_table(
        "capture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("surt", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("mime", sa.String(length=255), nullable=True),
        sa.Column("length", sa.BigInteger(), nullable=True),
        sa.Column("payload_digest", sa.String(length=64), nullable=True),
        sa.Column("record_type", sa.String(length=16), nullable=True),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("warc_file", sa.String(length=255), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.Column("warc_length", sa.BigInteger(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("redirect_to", sa.Text(), nullable=True),
        sa.Column("revisit_of", sa.String(length=64), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=32), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.Column("referrer", sa.Text(), nullable=True),
        sa.Column("hops", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["crawl_id"], ["crawl.id"], name=op.f("fk_capture_crawl_id_crawl")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture")),
        sa.UniqueConstraint("record_id", name=op.f("uq_capture_record_id")),
    )
    with op.batch_alter_table("capture", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capture_crawl_id"), ["crawl_id"], unique=False)
        batch_op.create_index("ix_capture_surt_time", ["surt", "fetched_at"], unique=False)
        batch_op.create_index("ix_capture_url_digest", ["url", "payload_digest"], unique=False)
        batch_op.create_index("ix_capture_warc", ["warc_file", "warc_offset"], unique=False)

    op.create_table(
        "frontier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("referrer", sa.Text(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_id"], ["crawl.id"], name=op.f("fk_frontier_crawl_id_crawl")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frontier")),
        sa.UniqueConstraint("crawl_id", "url", name="uq_frontier_crawl_url"),
    )
    with op.batch_alter_table("frontier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_frontier_crawl_id"), ["crawl_id"], unique=False)

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("published", sa.String(length=32), nullable=True),
        sa.Column("sitename", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["capture.id"], name=op.f("fk_document_capture_id_capture")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("capture_id", name=op.f("uq_document_capture_id")),
    )


def downgrade() -> None:

    op.drop_table("document")
    with op.batch_alter_table("frontier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frontier_crawl_id"))

    op.drop_table("frontier")
    with op.batch_alter_table("capture", schema=None) as batch_op:
        batch_op.drop_index("ix_capture_warc")
        batch_op.drop_index("ix_capture_url_digest")
        batch_op.drop_index("ix_capture_surt_time")
        batch_op.drop_index(batch_op.f("ix_capture_crawl_id"))

    op.drop_table("capture")
    with op.batch_alter_table("crawl", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawl_seeds_key"))

    op.drop_table("crawl")
