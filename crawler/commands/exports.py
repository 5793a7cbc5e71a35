"""``reftrail export``: a post as a WACZ package, and the posts, citations, captures and link
checks tables as CSV, JSON or JSON Lines (streamed; excluded captures left out)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from crawler.cli import ArchiveOption, console, fail
from storage.exceptions import StorageError


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


FormatOption = Annotated[
    ExportFormat, typer.Option("--format", help="csv, json (one array) or jsonl.")
]
OutputOption = Annotated[Path | None, typer.Option("-o", "--output", help="File (default stdout).")]


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on a terminal (stderr); nothing when piped or redirected."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    if not console.is_terminal:
        yield lambda done: None
        return
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total or None)
        step = max(1, total // 200)  # redraw at most ~200 times, however long the table

        def advance(done: int) -> None:
            if done % step == 0 or done == total:
                bar.update(task, completed=done)

        yield advance


@contextmanager
def _sink(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    partial = output.with_name(output.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            yield handle
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


def _export_table(table: str, archive: Path | None, fmt: ExportFormat, output: Path | None) -> None:
    from crawler.commands import blogs, citations
    from storage.archive import Archive
    from storage.exports import (
        CAPTURE_COLUMNS,
        CHECK_COLUMNS,
        count_rows,
        flat_citation,
        table_rows,
        write_rows,
    )

    columns, flatten = {
        "posts": (blogs.CSV_COLUMNS, None),
        "citations": (citations.CSV_COLUMNS, flat_citation),
        "captures": (CAPTURE_COLUMNS, None),
        "checks": (CHECK_COLUMNS, None),
    }[table]
    try:
        with Archive.open(archive, create=False) as opened:
            total = count_rows(opened, table)
            with _progress(f"exporting {table}", total) as progress, _sink(output) as out:
                count = write_rows(
                    table_rows(opened, table),
                    out,
                    fmt=fmt.value,
                    columns=columns,
                    flatten=flatten,
                    progress=progress,
                )
    except StorageError as exc:
        raise fail(str(exc)) from exc
    where = f" to {output}" if output else ""
    console.print(f"exported {count} {table}{where}", soft_wrap=True, highlight=False)


def export_posts(archive: ArchiveOption = None, fmt: FormatOption = ExportFormat.csv,
                 output: OutputOption = None) -> None:  # fmt: skip
    """Every archived post (the fields of `reftrail posts`), excluded ones left out."""
    _export_table("posts", archive, fmt, output)


def export_citations(archive: ArchiveOption = None, fmt: FormatOption = ExportFormat.csv,
                     output: OutputOption = None) -> None:  # fmt: skip
    """Every citation (the fields of `reftrail citations`); excluded copies left out."""
    _export_table("citations", archive, fmt, output)


def export_captures(archive: ArchiveOption = None, fmt: FormatOption = ExportFormat.csv,
                    output: OutputOption = None) -> None:  # fmt: skip
    """Every capture row (failed fetches too), excluded captures left out."""
    _export_table("captures", archive, fmt, output)


def export_checks(archive: ArchiveOption = None, fmt: FormatOption = ExportFormat.csv,
                  output: OutputOption = None) -> None:  # fmt: skip
    """Every link check (the history; `reftrail report` gives the state per URL)."""
    _export_table("checks", archive, fmt, output)


def export_wacz(
    post: Annotated[str, typer.Option("--post", help="The archived post's URL.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .wacz file to write.")],
    archive: ArchiveOption = None,
) -> None:
    """A WACZ of one post: its captures, requisites, every cited article (with redirect hops),
    pages.jsonl and the citation list; opens in ReplayWeb.page and pywb."""
    from importlib.metadata import version

    from storage.archive import Archive
    from storage.wacz import write_wacz

    if output.suffix != ".wacz":
        console.print(f"[yellow]note:[/] {output} does not end in .wacz; replay tools expect it")
    try:
        with Archive.open(archive, create=False) as opened, _records_bar() as progress:
            summary = write_wacz(
                opened,
                post,
                output,
                software=f"reftrail {version('reftrail')}",
                requisites=page_requisites,
                progress=progress,
            )
    except (StorageError, OSError) as exc:
        raise fail(str(exc)) from exc
    console.print(
        f"wrote {summary.path}: {summary.captures} records, {summary.pages} pages, "
        f"{summary.citations} citations",
        soft_wrap=True,
    )


def page_requisites(url: str, content_type: str, body: bytes) -> list[str]:
    """What an archived page or stylesheet loads: the crawler's own link extractor."""
    from parsel import Selector

    from crawler.links import html_links, stylesheet_links
    from storage.html import html_text

    if "css" in content_type:
        return stylesheet_links(body.decode("utf-8", "replace"), url)
    return html_links(Selector(text=html_text(body, content_type)), url).requisites


@contextmanager
def _records_bar() -> Iterator[Callable[[int, int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    if not console.is_terminal:
        yield lambda done, total: None
        return
    with Progress("copying records", BarColumn(), MofNCompleteColumn(), console=console,
                  transient=True) as bar:  # fmt: skip
        task = bar.add_task("records", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def register(app: typer.Typer) -> None:
    """Add the export commands to the ``reftrail export`` group (made by commands/webapp.py)."""
    from crawler.commands.webapp import export_app

    export_app.command("wacz")(export_wacz)
    export_app.command("posts")(export_posts)
    export_app.command("citations")(export_citations)
    export_app.command("captures")(export_captures)
    export_app.command("checks")(export_checks)
