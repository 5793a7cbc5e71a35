"""pywb-compatible CDX server API at ``/cdx`` and the Wayback Availability API."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from storage.archive import Archive
from storage.cdx import CdxEntry, CdxFilter, CdxQuery, CdxQueryError, closest_capture, query
from storage.cdx import parse_timestamp as parse_ts
from storage.memento import MementoUrls, http_date
from storage.timeutil import utcnow
from webapp.views.common import get_archive, urls

router = APIRouter(tags=["cdx"])
OUTPUTS = ("cdxj", "json", "text", "link")
CHUNK_LINES = 500
CDXJ_KEYS = ("url", "mime", "status", "digest", "length", "offset", "filename")


def _line(entry: CdxEntry, output: str, fields: list[str] | None, memento: MementoUrls) -> str:
    values = entry.fields()
    if fields:
        values = {k: values[k] for k in fields if k in values}
    if output == "json":
        return json.dumps(values) + "\n"
    if output == "text":
        return " ".join("-" if v is None else str(v) for v in values.values()) + "\n"
    if output == "link":
        target = memento.memento(entry.timestamp, entry.url)
        return f'<{target}>; rel="memento"; datetime="{http_date(entry.fetched_at)}",\n'
    rest = {k: v for k, v in values.items() if k in CDXJ_KEYS and v is not None}
    if fields:
        rest = {k: v for k, v in rest.items() if k in fields}
    return f"{entry.urlkey} {entry.timestamp} {json.dumps(rest)}\n"


@router.get("/cdx", summary="Query the capture index (pywb CDX server API)")
def cdx(
    request: Request,
    url: str = Query(..., max_length=8192, description="URL; `*` suffix = prefix, `*.` = domain"),
    matchType: str | None = Query(None, description="exact, prefix, host or domain"),
    from_: str | None = Query(None, alias="from", max_length=32),
    to: str | None = Query(None, max_length=32),
    limit: int | None = Query(None, ge=0),
    filter: list[str] = Query([], description="[!][=|~]field:expression, repeatable"),
    sort: str | None = Query(None, description="closest (with closest=) or reverse"),
    closest: str | None = Query(None, max_length=32),
    output: str = Query("cdxj", description="cdxj (default), json, text or link"),
    fl: str | None = Query(None, description="comma-separated fields to include"),
    archive: Archive = Depends(get_archive),
) -> Response:
    if output not in OUTPUTS:
        raise HTTPException(400, f"output must be one of {', '.join(OUTPUTS)}")
    try:
        built = CdxQuery.from_params(
            url, match_type=matchType, from_=from_, to=to, limit=limit, filters=filter,
            sort=sort, closest=closest,
        )  # fmt: skip
    except CdxQueryError as exc:
        raise HTTPException(400, str(exc)) from exc
    fields = [f.strip() for f in fl.split(",") if f.strip()] if fl else None
    memento = urls(request)
    session = archive.session()

    def lines() -> Iterator[str]:
        # Starlette moves each next() of a sync iterator to a worker thread: yield chunks of
        # lines, not single lines, or a 100-line answer pays 100 thread hand-offs.
        chunk: list[str] = []
        try:
            for item in query(session, built):
                chunk.append(_line(item, output, fields, memento))
                if len(chunk) >= CHUNK_LINES:
                    yield "".join(chunk)
                    chunk = []
            if chunk:
                yield "".join(chunk)
        finally:
            session.close()

    media = {"json": "application/x-ndjson", "link": "application/link-format"}
    return StreamingResponse(lines(), media_type=media.get(output, "text/plain"))


@router.get("/wayback/available", summary="Wayback Availability API: the closest capture")
def available(
    request: Request,
    url: str = Query(..., max_length=8192),
    timestamp: str | None = Query(None, max_length=32),
    archive: Archive = Depends(get_archive),
) -> JSONResponse:
    try:
        at = parse_ts(timestamp) if timestamp else utcnow()
    except CdxQueryError as exc:
        raise HTTPException(400, str(exc)) from exc
    with archive.session() as session:
        built = (
            CdxQuery.from_params(
                url, sort="closest", closest=timestamp or None, filters=["=status:200"], limit=1
            )
            if timestamp
            else CdxQuery.from_params(url, filters=["=status:200"], sort="reverse")
        )
        ok = next(iter(query(session, built)), None)
        entry = ok or closest_capture(session, built.url, at)
    body: dict = {"url": url, "archived_snapshots": {}}
    if timestamp:
        body["timestamp"] = timestamp
    if entry is not None:
        body["archived_snapshots"]["closest"] = {
            "status": str(entry.status) if entry.status is not None else "-",
            "available": True,
            "url": urls(request).memento(entry.timestamp, entry.url),
            "timestamp": entry.timestamp,
        }
    return JSONResponse(body)


__all__ = ["CdxFilter", "router"]
