"""Blog pages and their JSON twins: a post with its citations, the link-state dashboard and
the run history of schedules (``/post/{id}``, ``/dashboard``, ``/runs``; ``/api/...``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from storage.dashboard import dashboard
from storage.post_view import post_details
from storage.run_history import run_history
from storage.schedules import RUN_STATES
from webapp.views.common import get_session, pywb_base, templates, urls

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
STATE_PATTERN = "^(" + "|".join(RUN_STATES) + ")$"


def _post(request: Request, session: Session, post_id: int) -> dict[str, Any]:
    found = post_details(session, post_id, urls(request))
    if found is None:
        raise HTTPException(404, f"no post {post_id}")
    return found


@pages.get("/post/{post_id}", response_class=HTMLResponse)
def post_page(post_id: int, request: Request, session: Session = Depends(get_session)) -> Response:
    context = {"post": _post(request, session, post_id), "pywb": pywb_base(request)}
    return templates(request).TemplateResponse(request, "post.html", context)


@api.get("/posts/{post_id}", summary="A post: metadata, text, citations with link states")
def api_post(
    post_id: int, request: Request, session: Session = Depends(get_session)
) -> dict[str, Any]:
    return _post(request, session, post_id)


@pages.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, session: Session = Depends(get_session)) -> Response:
    data = dashboard(session, urls(request))
    return templates(request).TemplateResponse(request, "dashboard.html", {"data": data})


@api.get("/dashboard", summary="Cited links by state, newest dead citations, rot per site")
def api_dashboard(
    request: Request,
    newest: int = Query(20, ge=1, le=500),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    return dashboard(session, urls(request), newest=newest)


@pages.get("/runs", response_class=HTMLResponse)
def runs_page(
    request: Request,
    schedule: str | None = Query(None, max_length=100),
    state: str | None = Query(None, pattern=STATE_PATTERN),
    session: Session = Depends(get_session),
) -> Response:
    data = run_history(session, schedule=schedule or None, state=state or None)
    context = {"data": data, "schedule": schedule or "", "state": state or "",
               "states": RUN_STATES}  # fmt: skip
    return templates(request).TemplateResponse(request, "runs.html", context)


@api.get("/runs", summary="Run history of the schedules, newest first (reftrail runs)")
def api_runs(
    schedule: str | None = Query(None, max_length=100),
    state: str | None = Query(None, pattern=STATE_PATTERN),
    limit: int = Query(100, ge=1, le=1000),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    return run_history(session, schedule=schedule or None, state=state, limit=limit)
