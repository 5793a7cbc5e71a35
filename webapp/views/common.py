"""Helpers every view uses: the archive, a session, the templates, URLs from paths."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.cdx import normalise_url
from storage.memento import MementoUrls
from storage.pywb_index import COLLECTION as PYWB_COLLECTION

MAX_URL = 8192


def get_archive(request: Request) -> Archive:
    return request.app.state.archive


def get_session(archive: Archive = Depends(get_archive)) -> Iterator[Session]:
    with archive.session() as session:
        yield session


def templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def urls(request: Request) -> MementoUrls:
    """Memento URLs are absolute (RFC 7089 examples are): the app's own origin."""
    root = request.scope.get("root_path", "")
    return MementoUrls(str(request.base_url).rstrip("/") + root)


def pywb_base(request: Request) -> str | None:
    """``http://<the host the user reached us by>:<pywb port>/reftrail/`` when ``serve
    --pywb`` runs pywb beside the app (a replay URL is that + ``{timestamp}/{url}``)."""
    port = request.app.state.pywb_port
    if not port:
        return None
    host = request.url.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/{PYWB_COLLECTION}/"


def raw_tail(request: Request, prefix: str) -> str:
    """The request path after ``prefix``, still percent-encoded as the client sent it.

    Starlette decodes ``path`` parameters; archived URLs must keep their own encoding
    (``a%20b`` and ``a%2Fb`` are different resources from ``a b`` and ``a/b``).
    """
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path[len(prefix) :] if path.startswith(prefix) else ""


def url_from_path(request: Request, path_url: str) -> str:
    """The archived URL in ``/web/{ts}/{url}``-style paths, with the request's query string."""
    if not path_url or len(path_url) > MAX_URL or "\x00" in path_url:
        raise HTTPException(404, "no such URL")
    if not re.match(r"^(https?:/|[a-z0-9.-]+\.[a-z]{2,}|[\w.-]+:\d+)", path_url, re.I):
        raise HTTPException(404, f"not an archived web address: {path_url[:200]}")
    url = normalise_url(path_url)
    query = request.url.query
    return f"{url}?{query}" if query else url


def require_token(request: Request) -> None:
    """API calls that change the archive need ``Authorization: Bearer <token>``."""
    token = request.app.state.token
    header = request.headers.get("authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not token or not given or not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(
            403, "this call changes the archive: send Authorization: Bearer <REFTRAIL_TOKEN>"
        )
