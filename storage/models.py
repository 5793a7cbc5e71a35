"""The database schema: an index of what the WARC files hold, plus crawl bookkeeping.

The WARC files are the truth. Every Capture row can be rebuilt from them (see
:mod:`storage.reindex`); Document rows from re-extracting the captures they point at.
Schema changes go through Alembic migrations in ``storage/migrations``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.timeutil import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Crawl(Base):
    """One run of a crawl: its seeds, options, state and counters."""

    __tablename__ = "crawl"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable identifier written into every WARC metadata record (so reindex can regroup).
    uuid: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="site")
    seeds: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Canonical text of the seeds, to find an unfinished crawl of the same seeds.
    seeds_key: Mapped[str] = mapped_column(Text, default="", index=True)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stats: Mapped[dict] = mapped_column(JSON, default=dict)
    log_tail: Mapped[str | None] = mapped_column(Text, nullable=True)


class Capture(Base):
    """One fetch attempt: a WARC record when there was an HTTP exchange, else an error."""

    __tablename__ = "capture"
    __table_args__ = (
        Index("ix_capture_url_digest", "url", "payload_digest"),
        Index("ix_capture_surt_time", "surt", "fetched_at"),
        Index("ix_capture_warc", "warc_file", "warc_offset"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawl.id"), nullable=True, index=True)
    url: Mapped[str] = mapped_column(Text)
    surt: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(16), default="GET")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    mime: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Payload length as stored (content-encoded bytes), like CDX "length" of the body.
    length: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    payload_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    record_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    record_id: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    warc_file: Mapped[str | None] = mapped_column(String(255), nullable=True)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    warc_length: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    redirect_to: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Record id of the response this revisit record stands for.
    revisit_of: Mapped[str | None] = mapped_column(String(64), nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Failed fetches: a short reason (dns, refused, timeout, too-large, ...) and its detail.
    error: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    referrer: Mapped[str | None] = mapped_column(Text, nullable=True)
    hops: Mapped[str | None] = mapped_column(Text, nullable=True)

    document: Mapped[Document | None] = relationship(back_populates="capture", uselist=False)


class Document(Base):
    """Text and metadata trafilatura extracted from one HTML capture."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("capture.id"), unique=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    author: Mapped[str | None] = mapped_column(Text, nullable=True)
    published: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sitename: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    capture: Mapped[Capture] = relationship(back_populates="document")


class FrontierEntry(Base):
    """A URL a crawl must fetch; kept here so a crawl killed at any moment can resume."""

    __tablename__ = "frontier"
    __table_args__ = (UniqueConstraint("crawl_id", "url", name="uq_frontier_crawl_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_id: Mapped[int] = mapped_column(ForeignKey("crawl.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # page: HTML to parse for links; requisite: CSS, images, scripts (parsed only if CSS).
    kind: Mapped[str] = mapped_column(String(16), default="page")
    referrer: Mapped[str | None] = mapped_column(Text, nullable=True)
    done: Mapped[bool] = mapped_column(default=False)


class Schedule(Base):
    """A recurring crawl of some seeds (and optionally a recurring link check): issue 7."""

    __tablename__ = "schedule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    seeds: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Extra `reftrail crawl` arguments, as the user typed them after `--`.
    crawl_options: Mapped[list[str]] = mapped_column(JSON, default=list)
    crawl_cron: Mapped[str] = mapped_column(String(100))
    check_cron: Mapped[str | None] = mapped_column(String(100), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    enabled: Mapped[bool] = mapped_column(default=True)
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When each part is next due; a runner claims a due time by moving it on atomically.
    next_crawl_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScheduleRun(Base):
    """One run of a schedule (a crawl or a link check), whoever started it."""

    __tablename__ = "schedule_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Kept (with the name) when the schedule is removed, so history outlives it.
    schedule_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    schedule_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # crawl | check
    trigger: Mapped[str] = mapped_column(String(16))  # cron | manual
    state: Mapped[str] = mapped_column(String(16), default="running")
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    host: Mapped[str] = mapped_column(String(255), default="")
    runner_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    crawl_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl.id", ondelete="SET NULL"), nullable=True
    )
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    log_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    log_tail: Mapped[str | None] = mapped_column(Text, nullable=True)


class ScheduleLock(Base):
    """At most one run per schedule: the row exists while a run holds the schedule.

    Taken with an INSERT (or a conditional UPDATE of a stale row), so two runners cannot both
    win; stale when its heartbeat is old or, on this host, its runner and run are both gone.
    """

    __tablename__ = "schedule_lock"

    schedule_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    runner_pid: Mapped[int] = mapped_column(Integer)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Exclusion(Base):
    """A URL or SURT prefix whose captures are kept but never served or exported (access control).

    ``surt`` is the prefix matched against ``Capture.surt``; ``value`` is what the archivist
    typed (a URL prefix or a SURT), kept for display.
    """

    __tablename__ = "exclusion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    surt: Mapped[str] = mapped_column(Text, unique=True)
    value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Site(Base):
    """A blog (or any site with feeds or sitemaps): its platform and where its posts are listed."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    url: Mapped[str] = mapped_column(Text)
    # blogger, wordpress or generic (any site with RSS/Atom feeds or sitemaps).
    platform: Mapped[str] = mapped_column(String(32), default="generic")
    feeds: Mapped[list[str]] = mapped_column(JSON, default=list)
    sitemaps: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawl.id"), nullable=True)


class Post(Base):
    """One post of a Site, with its metadata and the capture that holds its latest version."""

    __tablename__ = "post"
    __table_args__ = (UniqueConstraint("site_id", "url", name="uq_post_site_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    # Canonical URL (no ?m=1, ?showComment=, ?replytocom=, /amp/ ...).
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # ISO 8601 with the offset the blog gave; *_at columns are the same instants in UTC.
    published: Mapped[str | None] = mapped_column(String(40), nullable=True)
    updated: Mapped[str | None] = mapped_column(String(40), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    body_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Validators of the archived version, sent back as If-None-Match / If-Modified-Since.
    etag: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The updated time feeds or sitemaps gave when the post was last captured.
    listed_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PostCapture(Base):
    """One fetch of a post: its history (new version, 304 not modified, identical, gone)."""

    __tablename__ = "post_capture"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("capture.id"))
    crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawl.id"), nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # changed, not-modified (304), identical (same payload), gone (404/410).
    outcome: Mapped[str] = mapped_column(String(16))


class LinkCheck(Base):
    """One check of a cited URL: its verdict, why, and the capture holding the evidence."""

    __tablename__ = "link_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawl.id"), nullable=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # ok, redirected, redirect-to-home, gone, server-error, no-such-host, unreachable,
    # soft-404, drifted, blocked, parked, inconclusive.
    verdict: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Failed fetches: the crawl log's reason (dns, refused, timeout, tls, ...).
    error: Mapped[str | None] = mapped_column(String(32), nullable=True)
    final_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)
    # Text similarity (0..1) of the live page to the archived copy; None: nothing to compare.
    similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    probe_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    probe_result: Mapped[str | None] = mapped_column(Text, nullable=True)


class LinkState(Base):
    """Where a cited URL stands over time (alive, dying, dead, ...), updated by each check."""

    __tablename__ = "link_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    # alive, redirected, dying, dead, blocked, drifted, unknown.
    state: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_ok_capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)
    last_check_id: Mapped[int | None] = mapped_column(ForeignKey("link_check.id"), nullable=True)
    next_check_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ExternalCopy(Base):
    """What a Memento TimeGate answered for a URL with no good local copy (migration 0009).

    One row per URL, wanted time (the citing post's date) and TimeGate, so a check run asks
    once: ``found`` and ``none`` are final, ``error`` is asked again after a while.
    """

    __tablename__ = "external_copy"
    __table_args__ = (
        UniqueConstraint("url", "timegate", "wanted_before", name="uq_external_copy_lookup"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    timegate: Mapped[str] = mapped_column(Text)
    wanted_before: Mapped[datetime] = mapped_column(UTCDateTime)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # found, none (the archive has no copy before that time), error (could not ask).
    outcome: Mapped[str] = mapped_column(String(8))
    memento_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")


class Article(Base):
    """A cited article as fetched: its capture, the URL it ended at, and what it says (issue 4)."""

    __tablename__ = "article"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The capture holding the body (the last hop of the redirects); one article per capture.
    capture_id: Mapped[int] = mapped_column(ForeignKey("capture.id"), unique=True)
    crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawl.id"), nullable=True)
    # The URL requested for the citation (cleaned) and its comparison key (crawler.scope.url_key).
    url: Mapped[str] = mapped_column(Text)
    url_key: Mapped[str] = mapped_column(Text, index=True)
    final_url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16), default="html")  # html, pdf, other
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[str | None] = mapped_column(String(40), nullable=True)
    site_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)


class Citation(Base):
    """One citation in one post: a link or a plain-text reference, parsed (issue 4).

    ``url`` is as written (null for a reference without a link); ``normalized_url`` is the
    key shared by every spelling of the cited article. A fetched citation points at the
    capture live closest to the post's publication and at the latest one; a link-less one at
    the archived article whose title matches best, with the score.
    """

    __tablename__ = "citation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawl.id"), nullable=True)
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    normalized_url: Mapped[str | None] = mapped_column(Text, nullable=True, index=True)
    # The URL fetched (tracking dropped, redirector unwrapped) and where its redirects ended.
    fetch_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    final_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    short_link: Mapped[bool] = mapped_column(default=False)
    anchor_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    reference_text: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[str] = mapped_column(String(16), default="paragraph")
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    outlet: Mapped[str | None] = mapped_column(Text, nullable=True)
    cited_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    internal: Mapped[bool] = mapped_column(default=False)
    # fetched, failed, robots-blocked, excluded, no-link, internal, pending.
    fetch_status: Mapped[str] = mapped_column(String(16), default="pending")
    fetch_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    closest_capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)
    latest_capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"), nullable=True)
    # Link-less references: the archived article whose title matched, and how well (0-100).
    match_score: Mapped[float | None] = mapped_column(nullable=True)
    # Quoted passages next to the citation: [{"text", "found", "score"}].
    quotes: Mapped[list[dict]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # History across post versions (migration 0008): the version (post_capture) that first
    # had this citation, and the first later version without it (when that was captured). A
    # citation is current while removed_at is null; earlier versions' citations are kept.
    first_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_capture.id"), nullable=True
    )
    removed_in_id: Mapped[int | None] = mapped_column(ForeignKey("post_capture.id"), nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
