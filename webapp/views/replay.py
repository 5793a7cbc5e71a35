"""Replay at ``/web/{timestamp}{modifier}/{url}``: mementos with Memento headers.

Archived bytes are served under a CSP sandbox without ``allow-same-origin``: scripts may run,
but in an opaque origin, so they can neither read the app's cookies nor call its API with
them; ``default-src`` keeps every fetch inside the app so nothing reaches the live web.
``id_`` returns the archived bytes and headers untouched (except headers that would act on
the app's origin); plain mode decodes the payload and rewrites HTML and CSS links.
"""

from __future__ import annotations

import re
import zlib
from urllib.parse import urljoin

import brotli
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.cdx import CdxEntry, capture_at, closest_capture, parse_timestamp
from storage.exceptions import StorageError
from storage.exclusions import is_excluded
from storage.html import decode_content, html_text
from storage.memento import (
    ArchivedResponse,
    http_date,
    load_response,
    memento_link_header,
    timemap_entries,
)
from storage.timeutil import utcnow
from webapp.rewrite import rewrite_html, rewrite_stylesheet
from webapp.views.common import get_archive, get_session, raw_tail, url_from_path, urls

router = APIRouter(tags=["replay"])

WAYBACK_PATH = re.compile(r"^(\d{1,14})([a-z]{2}_)?/(.+)$", re.S)
HTML_TYPES = {"text/html", "application/xhtml+xml"}
# Archived headers that must never act on the app's origin or the connection.
DROPPED_HEADERS = {
    "set-cookie", "set-cookie2", "clear-site-data", "content-security-policy",
    "content-security-policy-report-only", "strict-transport-security", "public-key-pins",
    "transfer-encoding", "connection", "keep-alive", "content-length", "location", "link",
    "alt-svc", "service-worker-allowed", "refresh", "x-frame-options", "report-to", "nel",
    "access-control-allow-origin", "access-control-allow-credentials", "origin-agent-cluster",
    "cross-origin-opener-policy", "cross-origin-embedder-policy", "permissions-policy",
}  # fmt: skip


def sandbox_csp(origin: str) -> str:
    """The replay policy: an opaque-origin sandbox; loads only from this app."""
    own = f"'self' {origin}"
    return (
        "sandbox allow-scripts allow-forms allow-popups; "
        f"default-src {own} 'unsafe-inline' 'unsafe-eval' data: blob:; "
        f"form-action {own}; base-uri {own}"
    )


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


@router.get("/web/{rest:path}", summary="Replay a memento (Wayback URL scheme)")
def replay(
    rest: str,
    request: Request,
    archive: Archive = Depends(get_archive),
    session: Session = Depends(get_session),
) -> Response:
    rest = raw_tail(request, "/web/") or rest
    match = WAYBACK_PATH.match(rest)
    if match is None:
        # /web/{url} with no timestamp: the newest capture.
        url = url_from_path(request, rest)
        return _redirect_to_closest(request, session, archive, url, "", utcnow())
    timestamp, modifier, path_url = match.group(1), match.group(2) or "", match.group(3)
    if modifier not in ("", "id_", "mp_", "im_", "js_", "cs_", "if_", "fr_", "oe_"):
        raise HTTPException(404, f"unknown replay modifier {modifier}")
    url = url_from_path(request, path_url)
    found = capture_at(session, url, timestamp) if len(timestamp) == 14 else None
    if found is None:
        try:
            at = parse_timestamp(timestamp)
        except StorageError as exc:
            raise HTTPException(400, str(exc)) from exc
        return _redirect_to_closest(request, session, archive, url, modifier, at)
    return _serve(request, archive, session, found, url, modifier)


def _not_found(archive: Archive, url: str) -> HTTPException:
    if is_excluded(archive, url):
        return HTTPException(403, f"{url} is excluded from this archive")
    return HTTPException(404, f"{url} is not in the archive")


def _redirect_to_closest(
    request: Request, session: Session, archive: Archive, url: str, modifier: str, at: object
) -> Response:
    entry = closest_capture(session, url, at)  # type: ignore[arg-type]
    if entry is None:
        raise _not_found(archive, url)
    target = urls(request).memento(entry.timestamp, entry.url, modifier)
    return RedirectResponse(target, status_code=302, headers={"Vary": "accept-datetime"})


def _memento_headers(request: Request, session: Session, entry: CdxEntry) -> dict[str, str]:
    memento_urls = urls(request)
    return {
        "Memento-Datetime": http_date(entry.fetched_at),
        "Link": memento_link_header(
            memento_urls, entry.url, entry, timemap_entries(session, entry.url)
        ),
        "Content-Security-Policy": sandbox_csp(_origin(request)),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, max-age=3600",
    }


def _serve(
    request: Request,
    archive: Archive,
    session: Session,
    entry: CdxEntry,
    url: str,
    modifier: str,
) -> Response:
    try:
        archived = load_response(archive, session, entry)
    except StorageError as exc:
        raise HTTPException(502, f"the archived record cannot be read: {exc}") from exc
    headers = _memento_headers(request, session, entry)
    for name, value in archived.headers:
        if name.lower() not in DROPPED_HEADERS:
            headers.setdefault(f"X-Archive-Orig-{name}", value)
    location = archived.header("Location")
    if 300 <= archived.status < 400 and location:
        target = urljoin(entry.url, location.strip())
        headers["Location"] = urls(request).memento(entry.timestamp, target, modifier)
        return Response(b"", status_code=archived.status, headers=headers)
    if modifier == "id_":
        return _raw(archived, headers)
    return _rewritten(request, archived, headers)


def _raw(archived: ArchivedResponse, headers: dict[str, str]) -> Response:
    for name, value in archived.headers:
        lowered = name.lower()
        if lowered not in DROPPED_HEADERS and lowered not in ("content-security-policy",):
            headers[name] = value
    if archived.content_encoding:
        headers["Content-Encoding"] = archived.content_encoding
    else:
        headers.pop("Content-Encoding", None)
    media = archived.header("Content-Type")
    return Response(
        archived.payload, status_code=archived.status, headers=headers, media_type=media
    )


def _rewritten(request: Request, archived: ArchivedResponse, headers: dict[str, str]) -> Response:
    try:
        body = decode_content(archived.payload, archived.content_encoding)
    except (OSError, ValueError, zlib.error, brotli.error):
        body = archived.payload  # a damaged or unknown coding: serve what was stored
        if archived.content_encoding:
            headers["Content-Encoding"] = archived.content_encoding
    content_type = archived.header("Content-Type") or "application/octet-stream"
    mime = content_type.split(";", 1)[0].strip().lower()
    entry = archived.entry
    prefix = request.scope.get("root_path", "")
    if mime in HTML_TYPES:
        document = html_text(body, content_type)
        rewritten = rewrite_html(
            document, page_url=entry.url, timestamp=entry.timestamp, prefix=prefix
        )
        return Response(
            rewritten.encode("utf-8"),
            status_code=archived.status,
            headers=headers,
            media_type=f"{mime}; charset=utf-8",
        )
    if mime == "text/css":
        css = html_text(body, content_type)
        rewritten = rewrite_stylesheet(
            css, page_url=entry.url, timestamp=entry.timestamp, prefix=prefix
        )
        return Response(
            rewritten.encode("utf-8"),
            status_code=archived.status,
            headers=headers,
            media_type="text/css; charset=utf-8",
        )
    return Response(body, status_code=archived.status, headers=headers, media_type=content_type)
