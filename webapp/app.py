"""The researchers' web app: search, capture pages, replay, Memento, CDX and the JSON API.

``create_app(archive)`` builds it over an opened :class:`storage.archive.Archive`; the CLI's
``reftrail serve`` runs it with uvicorn. Everything it reads goes through ``storage``
(``cdx``, ``memento``, ``search``, ``exclusions``), so the same rules apply to the CLI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from storage.archive import Archive
from storage.exceptions import StorageError
from webapp.views import api, blogs, cdx, memento, pages, replay

HERE = Path(__file__).parent
# The app's own pages: nothing from elsewhere, never framed by another site.
APP_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'self'; form-action 'self'; base-uri 'self'"
)


def template_environment() -> Environment:
    # Autoescape everything, including .html rendered from strings: archived titles and text
    # are attacker-controlled.
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def create_app(
    archive: Archive, *, token: str | None = None, pywb_port: int | None = None
) -> FastAPI:
    """The web app over ``archive``; ``token`` guards the API calls that change it;
    ``pywb_port``: pywb runs beside it there (``serve --pywb``), pages link to its replay."""
    app = FastAPI(
        title="reftrail",
        summary="Search, read and cite preserved copies: replay, Memento, CDX and a JSON API.",
        version="0.1.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.archive = archive
    app.state.token = token
    app.state.pywb_port = pywb_port
    app.state.templates = Jinja2Templates(env=template_environment())
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (pages, replay, memento, cdx, api):
        app.include_router(module.router)
    app.include_router(blogs.pages)
    app.include_router(blogs.api)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        # Replayed archive content sets its own sandbox policy (webapp.views.replay).
        response.headers.setdefault("Content-Security-Policy", APP_CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, exc: StorageError) -> Response:
        status = 400 if isinstance(exc, ValueError) else 500
        return JSONResponse({"detail": str(exc)}, status_code=status)

    return app
