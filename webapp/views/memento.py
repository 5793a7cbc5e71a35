"""Memento TimeGate and TimeMaps (RFC 7089); the mementos themselves are in ``replay``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.cdx import closest_capture
from storage.exclusions import is_excluded
from storage.memento import (
    LINK_FORMAT,
    MementoError,
    parse_http_date,
    timegate_link_header,
    timemap_entries,
    timemap_json,
    timemap_link,
)
from storage.timeutil import utcnow
from webapp.views.common import get_archive, get_session, raw_tail, url_from_path, urls

router = APIRouter(tags=["memento"])


def _missing(archive: Archive, url: str) -> HTTPException:
    if is_excluded(archive, url):
        return HTTPException(403, f"{url} is excluded from this archive")
    return HTTPException(404, f"no mementos of {url}")


@router.get("/timegate/{url:path}", summary="Memento TimeGate: 302 to the closest memento")
def timegate(
    url: str,
    request: Request,
    archive: Archive = Depends(get_archive),
    session: Session = Depends(get_session),
) -> Response:
    original = url_from_path(request, raw_tail(request, "/timegate/") or url)
    accept = request.headers.get("accept-datetime")
    try:
        at = parse_http_date(accept) if accept else utcnow()
    except MementoError as exc:
        raise HTTPException(400, str(exc)) from exc
    entry = closest_capture(session, original, at)
    if entry is None:
        raise _missing(archive, original)
    memento_urls = urls(request)
    return RedirectResponse(
        memento_urls.memento(entry.timestamp, entry.url),
        status_code=302,
        headers={
            "Vary": "accept-datetime",
            "Link": timegate_link_header(memento_urls, original),
        },
    )


@router.get("/timemap/link/{url:path}", summary="Memento TimeMap in application/link-format")
def timemap_link_format(
    url: str,
    request: Request,
    archive: Archive = Depends(get_archive),
    session: Session = Depends(get_session),
) -> Response:
    original = url_from_path(request, raw_tail(request, "/timemap/link/") or url)
    entries = timemap_entries(session, original)
    if not entries:
        raise _missing(archive, original)
    body = timemap_link(urls(request), original, entries)
    return Response(body, media_type=LINK_FORMAT)


@router.get("/timemap/json/{url:path}", summary="Memento TimeMap as JSON")
def timemap_json_format(
    url: str,
    request: Request,
    archive: Archive = Depends(get_archive),
    session: Session = Depends(get_session),
) -> Response:
    original = url_from_path(request, raw_tail(request, "/timemap/json/") or url)
    entries = timemap_entries(session, original)
    if not entries:
        raise _missing(archive, original)
    return JSONResponse(timemap_json(urls(request), original, entries))
