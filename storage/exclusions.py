"""The exclusion list: URL or SURT prefixes whose captures are kept but never served.

Like pywb's access controls, a rule is a SURT prefix; a capture is excluded when its SURT key
starts with one. Every read path (CDX, Memento, replay, search, capture pages, exports) filters
with :func:`visible`, so one rule hides a capture everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.exc import IntegrityError

from storage.archive import Archive
from storage.captures import surt_key
from storage.exceptions import StorageError
from storage.models import Capture, Exclusion
from storage.timeutil import utcnow


class ExclusionError(StorageError):
    """Raised by :func:`add_exclusion` / :func:`remove_exclusion` for a bad or unknown rule."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    surt: str
    value: str
    reason: str
    created_at: datetime


def rule_surt(value: str) -> str:
    """The SURT prefix for what the archivist typed: a URL (prefix) or a SURT already.

    ``https://example.com/private/`` -> ``com,example)/private``; ``com,example,`` (every
    subdomain) and ``com,example)/`` are taken as SURTs as written.
    """
    value = value.strip()
    if not value:
        raise ExclusionError("an exclusion needs a URL prefix or a SURT")
    if "://" in value or value.startswith("www."):
        return surt_key(value if "://" in value else "http://" + value)
    if ")" in value or value.endswith(","):
        return value.lower()
    return surt_key("http://" + value)


def visible(surt_column: ColumnElement[str] | None = None) -> ColumnElement[bool]:
    """A WHERE clause: the capture's SURT starts with no exclusion prefix."""
    column = Capture.surt if surt_column is None else surt_column
    prefix_matches = func.substr(column, 1, func.length(Exclusion.surt)) == Exclusion.surt
    return ~exists(select(Exclusion.id).where(prefix_matches))


def is_excluded(archive: Archive, url: str) -> bool:
    key = surt_key(url)
    return any(key.startswith(rule.surt) for rule in list_exclusions(archive))


def list_exclusions(archive: Archive) -> list[Rule]:
    with archive.session() as session:
        rows = session.scalars(select(Exclusion).order_by(Exclusion.surt)).all()
        return [Rule(r.id, r.surt, r.value, r.reason, r.created_at) for r in rows]


def add_exclusion(archive: Archive, value: str, *, reason: str = "") -> Rule:
    key = rule_surt(value)
    now = utcnow()
    try:
        with archive.session() as session, session.begin():
            row = Exclusion(surt=key, value=value.strip(), reason=reason, created_at=now)
            session.add(row)
            session.flush()
            return Rule(row.id, key, row.value, reason, now)
    except IntegrityError as exc:
        raise ExclusionError(f"{value!r} is already excluded (SURT prefix {key})") from exc


def remove_exclusion(archive: Archive, rule: str | int) -> int:
    """Remove a rule by id, by the value typed, or by its SURT; returns how many went."""
    with archive.session() as session, session.begin():
        if isinstance(rule, int) or str(rule).isdigit():
            condition = Exclusion.id == int(rule)
        else:
            condition = (Exclusion.value == rule) | (Exclusion.surt == rule_surt(str(rule)))
        result = session.execute(delete(Exclusion).where(condition))
        removed = int(getattr(result, "rowcount", 0) or 0)
    if not removed:
        raise ExclusionError(f"no exclusion matches {rule!r}")
    return removed
