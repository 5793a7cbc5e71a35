"""The JSON API under ``/api/``: captures, search and the exclusion list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.cdx import CdxQuery, CdxQueryError, query
from storage.exclusions import (
    ExclusionError,
    add_exclusion,
    list_exclusions,
    remove_exclusion,
)
from storage.linkstate import STATES
from storage.post_view import posts_of_hits
from storage.search import SearchError, search
from storage.timeutil import as_utc
from webapp.views.common import get_archive, get_session, pywb_base, require_token, urls
from webapp.views.pages import KIND_PATTERN, MAX_STATES, capture_details, date_bound

router = APIRouter(prefix="/api", tags=["api"])
STATE_HELP = "Only documents whose link is in this state (repeatable): " + ", ".join(STATES)


@router.get("/captures", summary="Captures of a URL (or prefix, host, domain), oldest first")
def api_captures(
    request: Request,
    url: str = Query(..., max_length=8192),
    matchType: str | None = Query(None),
    limit: int = Query(100, ge=1, le=10_000),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    try:
        built = CdxQuery.from_params(url, match_type=matchType, limit=limit)
    except CdxQueryError as exc:
        raise HTTPException(400, str(exc)) from exc
    memento = urls(request)
    return {
        "url": built.url,
        "captures": [
            {
                "id": e.capture_id,
                **e.fields(),
                "fetched_at": as_utc(e.fetched_at).isoformat(),
                "record_type": e.record_type,
                "replay": memento.memento(e.timestamp, e.url),
                "page": f"{memento.base}/capture/{e.capture_id}",
            }
            for e in query(session, built)
        ],
    }


@router.get("/captures/{capture_id}", summary="One capture: metadata, headers, provenance, text")
def api_capture(
    capture_id: int,
    request: Request,
    archive: Archive = Depends(get_archive),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    details = capture_details(archive, session, capture_id)
    capture, document, crawl = details["capture"], details["document"], details["crawl"]
    memento = urls(request)
    pywb = pywb_base(request)  # set when serve --pywb runs pywb beside the app
    return {
        "id": capture.id,
        "url": capture.url,
        "surt": capture.surt,
        "timestamp": details["timestamp"],
        "fetched_at": as_utc(capture.fetched_at).isoformat(),
        "status": capture.status,
        "mime": capture.mime,
        "error": capture.error,
        "error_detail": capture.error_detail,
        "redirect_to": capture.redirect_to,
        "provenance": {
            "warc_file": capture.warc_file,
            "warc_offset": capture.warc_offset,
            "warc_length": capture.warc_length,
            "record_id": capture.record_id,
            "record_type": capture.record_type,
            "payload_digest": capture.payload_digest,
            "block_digest": details["block_digest"],
            "revisit_of": capture.revisit_of,
            "ip": capture.ip,
            "crawl": crawl.uuid if crawl else None,
        },
        "http_status": details["http_status"],
        "http_headers": details["http_headers"],
        "document": None
        if document is None
        else {
            "title": document.title,
            "author": document.author,
            "published": document.published,
            "sitename": document.sitename,
            "language": document.language,
            "text": document.text,
        },
        "replay": memento.memento(details["timestamp"], capture.url) if capture.warc_file else None,
        "pywb": f"{pywb}{details['timestamp']}/{capture.url}"
        if pywb and capture.warc_file
        else None,
        "warc": f"{memento.base}/capture/{capture.id}/warc" if capture.warc_file else None,
    }


@router.get("/search", summary="Full-text search over extracted documents")
def api_search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=500),
    site: str | None = Query(None, max_length=255),
    since: str | None = Query(None, alias="from", max_length=32),
    until: str | None = Query(None, alias="to", max_length=32),
    limit: int = Query(20, ge=1, le=100),
    cursor: str | None = Query(None, max_length=200),
    state: list[str] = Query([], max_length=MAX_STATES, description=STATE_HELP),
    kind: str | None = Query(
        None, alias="type", pattern=KIND_PATTERN, description="post, article (cited) or any"
    ),
    archive: Archive = Depends(get_archive),
) -> dict[str, Any]:
    try:
        page = search(
            archive, q, site=site, since=date_bound(since, upper=False),
            until=date_bound(until, upper=True), limit=limit, cursor=cursor,
            states=state, kind=kind,
        )  # fmt: skip
    except (SearchError, CdxQueryError) as exc:
        raise HTTPException(400, str(exc)) from exc
    memento = urls(request)
    with archive.session() as session:
        posts = posts_of_hits(session, page.hits)
    return {
        "query": q,
        "results": [
            {
                "capture_id": h.capture_id,
                "url": h.url,
                "title": h.title,
                "timestamp": h.timestamp,
                "fetched_at": h.fetched_at.isoformat(),
                "snippet_html": h.snippet_html,
                "score": h.score,
                "type": h.kind,
                "link_state": h.link_state,
                "replay": memento.memento(h.timestamp, h.url),
                "page": f"{memento.base}/capture/{h.capture_id}",
                "post": f"{memento.base}/post/{posts[h.capture_id]}"
                if h.capture_id in posts
                else None,
            }
            for h in page.hits
        ],
        "next_cursor": page.next_cursor,
    }


class NewExclusion(BaseModel):
    value: str = Field(..., min_length=1, max_length=8192, description="URL prefix or SURT")
    reason: str = Field("", max_length=2000)


def _rule(rule: Any) -> dict[str, Any]:
    return {"id": rule.id, "surt": rule.surt, "value": rule.value, "reason": rule.reason,
            "created_at": as_utc(rule.created_at).isoformat()}  # fmt: skip


@router.get("/exclusions", summary="The exclusion list")
def api_exclusions(archive: Archive = Depends(get_archive)) -> list[dict[str, Any]]:
    return [_rule(r) for r in list_exclusions(archive)]


@router.post(
    "/exclusions",
    status_code=201,
    dependencies=[Depends(require_token)],
    summary="Exclude a URL prefix or SURT (needs the token)",
)
def api_add_exclusion(body: NewExclusion, archive: Archive = Depends(get_archive)) -> dict:
    try:
        return _rule(add_exclusion(archive, body.value, reason=body.reason))
    except ExclusionError as exc:
        raise HTTPException(409, str(exc)) from exc


@router.delete(
    "/exclusions/{rule_id}",
    dependencies=[Depends(require_token)],
    summary="Remove an exclusion (needs the token)",
)
def api_remove_exclusion(rule_id: int, archive: Archive = Depends(get_archive)) -> dict:
    try:
        return {"removed": remove_exclusion(archive, rule_id)}
    except ExclusionError as exc:
        raise HTTPException(404, str(exc)) from exc
