"""The preserved copy a reader of a citation is sent to: a visible local capture, else a copy
a Memento TimeGate found in another web archive (``storage.external_copies``).

Both come back as the same plain dict so the post page, the dashboard and their JSON twins
show them alike; ``source`` tells them apart, because an external copy is another archive's
page: the app links to it and never fetches or replays it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.cdx import CdxEntry, CdxFilter, CdxQuery, normalise_url, query
from storage.exclusions import visible
from storage.external_copies import found_copies
from storage.memento import MementoUrls
from storage.models import Capture, Citation, ExternalCopy, Post
from storage.timeutil import as_utc, timestamp14


def iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def cited_key() -> Any:
    """The URL a citation's link state and external copies are kept under."""
    return func.coalesce(Citation.normalized_url, Citation.url)


def post_date() -> Any:
    """The date a citing post is dated by when a TimeGate is asked (``citing_posts``)."""
    return func.coalesce(Post.published_at, Post.first_seen_at)


def local_copy(capture: Capture | None, urls: MementoUrls) -> dict[str, Any] | None:
    if capture is None:
        return None
    stamp = timestamp14(capture.fetched_at)
    return {
        "source": "local",
        "capture_id": capture.id,
        "url": capture.url,
        "captured_at": iso(capture.fetched_at),
        "timestamp": stamp,
        "replay": urls.memento(stamp, capture.url),
        "page": f"{urls.base}/capture/{capture.id}",
        "memento_url": None,
        "archive": None,
    }


def external_copy(row: ExternalCopy | None) -> dict[str, Any] | None:
    """Another archive's memento: linked as is (``memento_url``), never proxied."""
    if row is None or row.memento_url is None or row.captured_at is None:
        return None
    parts = urlsplit(row.memento_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None  # a TimeGate's Link header is not trusted to be a web address
    return {
        "source": "external",
        "capture_id": None,
        "url": row.url,
        "captured_at": iso(row.captured_at),
        "timestamp": timestamp14(row.captured_at),
        "replay": None,
        "page": None,
        "memento_url": row.memento_url,
        "archive": parts.hostname,
    }


def visible_captures(session: Session, ids: Iterable[int | None]) -> dict[int, Capture]:
    """Captures by id, those under an exclusion rule left out."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.scalars(select(Capture).where(Capture.id.in_(wanted), visible()))
    return {c.id: c for c in rows}


def closest_ok(session: Session, url: str, when: datetime) -> Capture | None:
    """The visible 200 capture of ``url`` nearest to ``when``."""
    cdx = CdxQuery(
        url=normalise_url(url), sort="closest", closest=when, limit=1,
        filters=[CdxFilter.parse("=status:200")],
    )  # fmt: skip
    entry: CdxEntry | None = next(iter(query(session, cdx)), None)
    return session.get(Capture, entry.capture_id) if entry is not None else None


def external_copies(
    session: Session, wanted: Iterable[tuple[str, datetime | None]]
) -> dict[tuple[str, datetime], ExternalCopy]:
    """The external copies found for (cited URL key, post date) pairs."""
    pairs = {(url, as_utc(when)) for url, when in wanted if url and when is not None}
    if not pairs:
        return {}
    found = found_copies(session, {url for url, _ in pairs})
    return {key: row for key, row in found.items() if key in pairs}


__all__ = [
    "cited_key",
    "closest_ok",
    "external_copies",
    "external_copy",
    "iso",
    "local_copy",
    "post_date",
    "visible_captures",
]
