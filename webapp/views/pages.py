"""HTML pages for researchers: home, search, captures of a URL, a capture's page."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.cdx import CdxQuery, CdxQueryError, parse_timestamp, query
from storage.exceptions import StorageError
from storage.exclusions import visible
from storage.linkstate import STATES
from storage.memento import capture_by_id, read_capture_record
from storage.models import Capture, Crawl, Document
from storage.post_view import posts_of_hits
from storage.search import SearchError, search
from storage.timeutil import timestamp14
from webapp.views.common import get_archive, get_session, pywb_base, templates

router = APIRouter(include_in_schema=False)
KIND_PATTERN = "^(|any|post|article)$"
MAX_STATES = len(STATES)
# How a search hit's type (storage.search.SearchHit.kind) reads on the page.
HIT_KINDS = {"post": "post", "article": "cited article", "capture": "capture"}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Session = Depends(get_session)) -> Response:
    counts = {
        "captures": session.scalar(select(func.count(Capture.id)).where(visible())) or 0,
        "documents": session.scalar(select(func.count(Document.id)).join(Capture).where(visible()))
        or 0,
        "crawls": session.scalar(select(func.count(Crawl.id))) or 0,
    }
    return templates(request).TemplateResponse(request, "index.html", {"counts": counts})


def date_bound(value: str | None, *, upper: bool) -> datetime | None:
    if not value:
        return None
    digits = value.replace("-", "") if len(value) == 10 and value[4] == "-" else value
    return parse_timestamp(digits, upper=upper)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str = Query("", max_length=500),
    site: str | None = Query(None, max_length=255),
    since: str | None = Query(None, alias="from", max_length=32),
    until: str | None = Query(None, alias="to", max_length=32),
    cursor: str | None = Query(None, max_length=200),
    state: list[str] = Query([], max_length=MAX_STATES),
    kind: str = Query("", alias="type", pattern=KIND_PATTERN),
    archive: Archive = Depends(get_archive),
) -> Response:
    page = None
    error = None
    state = [s for s in state if s]  # the form's "any state" is an empty value
    if q.strip():
        try:
            page = search(
                archive, q, site=site or None, since=date_bound(since, upper=False),
                until=date_bound(until, upper=True), cursor=cursor, states=state, kind=kind,
            )  # fmt: skip
        except (SearchError, CdxQueryError) as exc:
            error = str(exc)
    posts: dict[int, int] = {}
    if page is not None and page.hits:
        with archive.session() as session:
            posts = posts_of_hits(session, page.hits)
    asked = {"q": q, "site": site or "", "from": since or "", "to": until or "",
             "type": kind, "state": state}  # fmt: skip
    next_url = None
    if page is not None and page.next_cursor:
        next_url = "/search?" + urlencode({**asked, "cursor": page.next_cursor}, doseq=True)
    context = {"q": q, "site": site or "", "since": since or "", "until": until or "",
               "kind": kind, "states": state, "all_states": STATES, "next_url": next_url,
               "page": page, "error": error, "posts": posts, "kinds": HIT_KINDS}  # fmt: skip
    return templates(request).TemplateResponse(
        request, "search.html", context, status_code=400 if error else 200
    )


@router.get("/captures", response_class=HTMLResponse)
def captures_page(
    request: Request,
    url: str = Query(..., max_length=8192),
    session: Session = Depends(get_session),
) -> Response:
    try:
        entries = list(query(session, CdxQuery.from_params(url, limit=1000)))
    except CdxQueryError as exc:
        raise HTTPException(400, str(exc)) from exc
    return templates(request).TemplateResponse(
        request, "captures.html", {"url": url, "entries": entries}
    )


def capture_details(archive: Archive, session: Session, capture_id: int) -> dict:
    capture = capture_by_id(session, capture_id)
    if capture is None:
        raise HTTPException(404, f"no capture {capture_id}")
    crawl = session.get(Crawl, capture.crawl_id) if capture.crawl_id else None
    document = session.scalars(select(Document).where(Document.capture_id == capture.id)).first()
    record = None
    record_error = None
    if capture.warc_file:
        try:
            record = read_capture_record(archive, capture)
        except StorageError as exc:
            record_error = str(exc)
    return {
        "capture": capture,
        "timestamp": timestamp14(capture.fetched_at),
        "crawl": crawl,
        "document": document,
        "warc_headers": list(record.rec_headers.headers) if record else [],
        "http_status": record.http_headers.statusline if record and record.http_headers else None,
        "http_headers": list(record.http_headers.headers) if record and record.http_headers else [],
        "block_digest": record.rec_headers.get_header("WARC-Block-Digest") if record else None,
        "record_error": record_error,
    }


@router.get("/capture/{capture_id}", response_class=HTMLResponse)
def capture_page(
    capture_id: int,
    request: Request,
    archive: Archive = Depends(get_archive),
    session: Session = Depends(get_session),
) -> Response:
    context = {**capture_details(archive, session, capture_id), "pywb": pywb_base(request)}
    return templates(request).TemplateResponse(request, "capture.html", context)


@router.get("/capture/{capture_id}/warc")
def capture_warc(
    capture_id: int,
    archive: Archive = Depends(get_archive),
    session: Session = Depends(get_session),
) -> Response:
    """The capture's WARC record as stored: one gzip member, a valid .warc.gz on its own."""
    capture = capture_by_id(session, capture_id)
    if capture is None or not capture.warc_file:
        raise HTTPException(404, f"no WARC record for capture {capture_id}")
    try:
        record = read_capture_record(archive, capture)
    except StorageError as exc:
        raise HTTPException(502, str(exc)) from exc
    filename = f"reftrail-capture-{capture.id}-{timestamp14(capture.fetched_at)}.warc.gz"
    return Response(
        record.raw,
        media_type="application/warc",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
