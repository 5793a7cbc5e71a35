"""citations: article, citation

Revision ID: 0005_citations
Revises: 0002_blogs
Written by hand (citations need the post table; other features branch elsewhere).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_citations"
down_revision = "0002_blogs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("published", sa.String(length=40), nullable=True),
        sa.Column("site_name", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["capture.id"], name=op.f("fk_article_capture_id_capture")
        ),
        sa.ForeignKeyConstraint(["crawl_id"], ["crawl.id"], name=op.f("fk_article_crawl_id_crawl")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article")),
        sa.UniqueConstraint("capture_id", name=op.f("uq_article_capture_id")),
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_url_key"), ["url_key"], unique=False)
    op.create_table(
        "citation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("normalized_url", sa.Text(), nullable=True),
        sa.Column("fetch_url", sa.Text(), nullable=True),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("short_link", sa.Boolean(), nullable=False),
        sa.Column("anchor_text", sa.Text(), nullable=True),
        sa.Column("reference_text", sa.Text(), nullable=False),
        sa.Column("context", sa.String(length=16), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("outlet", sa.Text(), nullable=True),
        sa.Column("cited_date", sa.String(length=10), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("fetch_status", sa.String(length=16), nullable=False),
        sa.Column("fetch_error", sa.Text(), nullable=True),
        sa.Column("closest_capture_id", sa.Integer(), nullable=True),
        sa.Column("latest_capture_id", sa.Integer(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("match_score", sa.Double(), nullable=True),
        sa.Column("quotes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_citation_article_id_article")
        ),
        sa.ForeignKeyConstraint(
            ["closest_capture_id"],
            ["capture.id"],
            name=op.f("fk_citation_closest_capture_id_capture"),
        ),
        sa.ForeignKeyConstraint(
            ["latest_capture_id"],
            ["capture.id"],
            name=op.f("fk_citation_latest_capture_id_capture"),
        ),
        sa.ForeignKeyConstraint(
            ["crawl_id"], ["crawl.id"], name=op.f("fk_citation_crawl_id_crawl")
        ),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_citation_post_id_post")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citation")),
        sa.UniqueConstraint("post_id", "position", name="uq_citation_post_position"),
    )
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_citation_post_id"), ["post_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_citation_normalized_url"), ["normalized_url"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citation_normalized_url"))
        batch_op.drop_index(batch_op.f("ix_citation_post_id"))
    op.drop_table("citation")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_url_key"))
    op.drop_table("article")
