"""Researchers' commands: serve the web app, get a preserved copy, search, exclude, export."""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from crawler.cli import ArchiveOption, console, fail, out
from storage.exceptions import StorageError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from storage.archive import Archive
    from webapp.pywb import PywbBeside

exclude_app = typer.Typer(help="Manage the exclusion list (kept, never served or exported).")
export_app = typer.Typer(
    help="Export a post as WACZ, or posts, citations, captures, checks as CSV/JSON/JSONL."
)  # commands: crawler/commands/exports.py


class TableOrJson(StrEnum):
    table = "table"
    json = "json"


class SearchType(StrEnum):
    any = "any"
    post = "post"
    article = "article"


@contextmanager
def _opened(archive: Path | None) -> Iterator[Archive]:
    from storage.archive import Archive

    try:
        with Archive.open(archive, create=False) as opened:
            yield opened
    except StorageError as exc:
        raise fail(str(exc)) from exc


class JobsBeside:
    """The schedule runner (``crawler.jobs.Runner``, what ``reftrail jobs`` runs) in a thread
    beside the web app: started before the server, stopped after it (runs get SIGINT and close
    their WARC files, as when ``reftrail jobs`` gets SIGTERM)."""

    def __init__(self, archive: Archive, **options: object) -> None:
        import threading

        from crawler.jobs import Runner

        self.runner = Runner(archive, **options)  # type: ignore[arg-type]
        self.thread = threading.Thread(target=self._serve, name="reftrail-jobs")
        self.error: BaseException | None = None

    def _serve(self) -> None:
        try:
            self.runner.serve()
        except BaseException as exc:  # shown by stop(); the web app goes on meanwhile
            self.error = exc
            raise

    def start(self) -> JobsBeside:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self.runner.request_stop()
        self.thread.join(timeout)


def serve(
    archive: ArchiveOption = None,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8000,
    jobs: Annotated[
        bool,
        typer.Option(
            "--jobs",
            help="Also run the schedules (what `reftrail jobs` does) until the server stops.",
        ),
    ] = False,
    max_concurrent: Annotated[
        int, typer.Option(min=1, help="With --jobs: at most N runs at once.")
    ] = 2,
    pywb: Annotated[
        bool,
        typer.Option(
            "--pywb",
            help="Also run pywb (its own virtualenv, REFTRAIL_PYWB_VENV) over the same WARC "
            "files, its index kept current; capture and post pages link to its replay.",
        ),
    ] = False,
    pywb_port: Annotated[
        int, typer.Option(min=1, max=65535, help="With --pywb: pywb's port.")
    ] = 8080,
) -> None:
    """Serve search, posts, link states, runs, replay, Memento and the CDX API."""
    import uvicorn

    from webapp.app import create_app

    token = os.environ.get("REFTRAIL_TOKEN")
    if not token:
        token = secrets.token_urlsafe(24)
        console.print(
            f"API token for changes (exclusions), shown once: [bold]{token}[/] "
            "(set REFTRAIL_TOKEN to choose your own)",
            soft_wrap=True,
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[yellow]warning:[/] serving on {host}: reachable from other machines")
    with _opened(archive) as opened:
        console.print(f"serving {opened.root} on http://{host}:{port}/", soft_wrap=True)
        beside = _start_pywb(opened, host, pywb_port) if pywb else None
        try:
            runner = JobsBeside(opened, max_concurrent=max_concurrent).start() if jobs else None
        except BaseException:
            if beside is not None:
                beside.stop()
            raise
        previous: dict[signal.Signals, Any] = {}
        if runner is not None:
            console.print("running the schedules beside the app (runs at /runs)")
        if runner is not None or beside is not None:
            # uvicorn handles SIGINT/SIGTERM, then re-raises them once it has stopped. With the
            # default handlers back, SIGTERM would end the process before the runner could let
            # its crawls close their WARCs, or before pywb is stopped: handle them here.
            def stopping(*_: object) -> None:
                if runner is not None:
                    runner.runner.request_stop()

            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, stopping)
        try:
            app = create_app(opened, token=token, pywb_port=pywb_port if pywb else None)
            uvicorn.run(app, host=host, port=port, log_level="info")
        finally:
            if beside is not None:
                console.print("stopping pywb")
                beside.stop()
            if runner is not None:
                console.print("stopping the schedule runner: running crawls close their WARCs")
                runner.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if runner is not None and runner.error is not None:
            raise fail(f"the schedule runner stopped: {runner.error}")


def _start_pywb(archive: Archive, host: str, port: int) -> PywbBeside:
    """pywb on ``host:port`` over the archive's WARC files (webapp.pywb.PywbBeside)."""
    from webapp.pywb import PywbBeside, PywbError

    console.print(f"starting pywb on http://{host}:{port}/reftrail/ (log: logs/pywb.log)")
    try:
        beside = PywbBeside(archive, host=host, port=port).start()
    except PywbError as exc:
        raise fail(str(exc)) from exc
    console.print(
        f"pywb replays this archive at http://{host}:{port}/reftrail/ "
        "(new WARC files are indexed as they close)",
        soft_wrap=True,
    )
    return beside


def _write_bytes(data: bytes, output: Path | None) -> None:
    if output is None:
        sink: BinaryIO = sys.stdout.buffer
        sink.write(data)
        sink.flush()
    else:
        output.write_bytes(data)
        console.print(f"wrote {len(data)} bytes to {output}")


def get(
    url: Annotated[str, typer.Argument(help="The URL whose preserved copy you want.")],
    archive: ArchiveOption = None,
    at: Annotated[
        str | None,
        typer.Option(help="Time: 1-14 digits (YYYYMMDDhhmmss prefix) or ISO 8601. Default now."),
    ] = None,
    text: Annotated[bool, typer.Option("--text", help="The extracted text.")] = False,
    html: Annotated[bool, typer.Option("--html", help="The archived body, decoded.")] = False,
    headers: Annotated[bool, typer.Option("--headers", help="The archived HTTP headers.")] = False,
    warc: Annotated[bool, typer.Option("--warc", help="The WARC record, gzipped.")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
) -> None:
    """Print the capture of URL closest to a time (the body by default)."""
    from sqlalchemy import select

    from storage.cdx import closest_capture, parse_timestamp
    from storage.html import decode_content, html_text
    from storage.memento import load_response
    from storage.models import Document
    from storage.timeutil import utcnow

    if sum([text, html, headers, warc]) > 1:
        raise fail("choose one of --text, --html, --headers, --warc", 2)
    try:
        when = parse_timestamp(at) if at else utcnow()
    except StorageError as exc:
        raise fail(str(exc), 2) from exc
    with _opened(archive) as opened, opened.session() as session:
        entry = closest_capture(session, url, when)
        if entry is None:
            raise fail(f"{url} is not in the archive (or is excluded)")
        console.print(
            f"capture {entry.capture_id}: {entry.url} at {entry.timestamp} ({entry.status})",
            soft_wrap=True,
        )
        try:
            archived = load_response(opened, session, entry)
        except StorageError as exc:
            raise fail(str(exc)) from exc
        if warc:
            _write_bytes(archived.record.raw, output)
            return
        if headers:
            lines = [f"HTTP/1.1 {archived.status} {archived.reason}".rstrip()]
            lines += [f"{k}: {v}" for k, v in archived.headers]
            _write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"), output)
            return
        try:
            body = decode_content(archived.payload, archived.content_encoding)
        except (OSError, ValueError) as exc:
            raise fail(f"cannot decode the archived body: {exc}") from exc
        if text:
            document = session.scalars(
                select(Document).where(Document.capture_id == entry.capture_id)
            ).first()
            if document is None and entry.record_type == "revisit":
                from storage.models import Capture

                document = session.scalars(
                    select(Document)
                    .join(Capture, Capture.id == Document.capture_id)
                    .where(
                        Capture.url == entry.url, Capture.payload_digest.like("%" + entry.digest)
                    )
                ).first()
            if document is None or not document.text:
                raise fail("no extracted text for this capture; try --html")
            _write_bytes((document.text + "\n").encode("utf-8"), output)
            return
        if archived.header("Content-Type") and "html" in (archived.header("Content-Type") or ""):
            body = html_text(body, archived.header("Content-Type")).encode("utf-8")
        _write_bytes(body, output)


def search_command(
    query: Annotated[str, typer.Argument(help='Words, "phrases", -excluded, OR.')],
    archive: ArchiveOption = None,
    site: Annotated[str | None, typer.Option(help="Only this host and its subdomains.")] = None,
    limit: Annotated[int, typer.Option(help="At most N results.")] = 20,
    state: Annotated[
        list[str] | None,
        typer.Option(help="Only links in this state (dead, dying, alive, ...); repeatable."),
    ] = None,
    kind: Annotated[
        SearchType, typer.Option("--type", help="post, article (cited) or any.")
    ] = SearchType.any,
    fmt: Annotated[
        TableOrJson, typer.Option("--format", help="table or json.")
    ] = TableOrJson.table,
) -> None:
    """Full-text search over the extracted text of archived pages."""
    import re

    from storage.search import search

    with _opened(archive) as opened:
        try:
            page = search(opened, query, site=site, limit=limit, states=state, kind=kind.value)
        except StorageError as exc:
            raise fail(str(exc), 2) from exc
    if fmt is TableOrJson.json:
        rows = [
            {"capture_id": h.capture_id, "url": h.url, "title": h.title,
             "timestamp": h.timestamp, "snippet_html": h.snippet_html, "score": h.score,
             "type": h.kind, "link_state": h.link_state}
            for h in page.hits
        ]  # fmt: skip
        out.print_json(json.dumps(rows))
        return
    import html as html_module

    from rich.table import Table

    table = Table("capture", "captured", "title / url", "snippet")
    for hit in page.hits:
        snippet = html_module.unescape(re.sub(r"</?mark>", "", hit.snippet_html))
        if not out.is_terminal:  # piped: one tab-separated line per hit, never wrapped
            fields = [str(hit.capture_id), hit.timestamp, hit.url, hit.title or "", snippet]
            sys.stdout.write("\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields))
            sys.stdout.write("\n")
            continue
        table.add_row(str(hit.capture_id), hit.timestamp, f"{hit.title or ''}\n{hit.url}", snippet)
    if out.is_terminal:
        out.print(table)
    if not page.hits:
        console.print("no results")


@exclude_app.command("add")
def exclude_add(
    value: Annotated[str, typer.Argument(help="URL prefix (https://host/path) or SURT.")],
    reason: Annotated[str, typer.Option(help="Why (takedown request, privacy, ...).")] = "",
    archive: ArchiveOption = None,
) -> None:
    """Exclude every capture under a URL prefix or SURT prefix."""
    from storage.exclusions import add_exclusion

    with _opened(archive) as opened:
        try:
            rule = add_exclusion(opened, value, reason=reason)
        except StorageError as exc:
            raise fail(str(exc)) from exc
    console.print(f"excluded {rule.value} (SURT prefix {rule.surt}), rule {rule.id}")


@exclude_app.command("list")
def exclude_list(
    archive: ArchiveOption = None,
    fmt: Annotated[
        TableOrJson, typer.Option("--format", help="table or json.")
    ] = TableOrJson.table,
) -> None:
    """List the exclusion rules."""
    from storage.exclusions import list_exclusions

    with _opened(archive) as opened:
        rules = list_exclusions(opened)
    if fmt is TableOrJson.json:
        out.print_json(
            json.dumps(
                [{"id": r.id, "surt": r.surt, "value": r.value, "reason": r.reason,
                  "created_at": r.created_at.isoformat()} for r in rules]
            )
        )  # fmt: skip
        return
    for rule in rules:
        out.print(f"{rule.id}\t{rule.surt}\t{rule.value}\t{rule.reason}", highlight=False)


@exclude_app.command("remove")
def exclude_remove(
    rule: Annotated[str, typer.Argument(help="Rule id, the value added, or its SURT.")],
    archive: ArchiveOption = None,
) -> None:
    """Remove an exclusion rule."""
    from storage.exclusions import remove_exclusion

    with _opened(archive) as opened:
        try:
            remove_exclusion(opened, rule)
        except StorageError as exc:
            raise fail(str(exc)) from exc
    console.print(f"removed exclusion {rule}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("get")(get)
    app.command("search")(search_command)
    app.add_typer(exclude_app, name="exclude")
    app.add_typer(export_app, name="export")
