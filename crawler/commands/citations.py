"""``reftrail citations``: what each archived post cites, as a table, CSV or JSON."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console

from crawler.cli import ArchiveOption
from crawler.commands.output import csv_text, fail

console = Console(stderr=True)
FORMATS = ("table", "csv", "json")
CSV_COLUMNS = (
    "post_url",
    "position",
    "url",
    "normalized_url",
    "final_url",
    "anchor_text",
    "reference_text",
    "authors",
    "title",
    "outlet",
    "cited_date",
    "internal",
    "fetch_status",
    "fetch_error",
    "match_score",
    "article_url",
    "article_captured_at",
    "article_title",
    "current",
    "first_seen_at",
    "removed_at",
)


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    article = row.get("article") or {}
    return {
        **row,
        "article_url": article.get("url"),
        "article_captured_at": article.get("captured_at"),
        "article_title": article.get("title"),
    }


def _csv(rows: list[dict[str, Any]]) -> str:
    return csv_text(map(_flat, rows), CSV_COLUMNS)


def register(app: typer.Typer) -> None:
    @app.command()
    def citations(
        archive: ArchiveOption = None,
        post: Annotated[
            str | None, typer.Option("--post", help="Only the post at this URL.")
        ] = None,
        internal: Annotated[
            bool, typer.Option(help="Also list links to the blog's own posts.")
        ] = False,
        output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
        history: Annotated[
            bool,
            typer.Option(
                "--history",
                help="Also list citations that earlier versions of the posts had and later "
                "versions dropped (current false, with removed_at).",
            ),
        ] = False,
    ) -> None:
        """List what archived posts cite: reference, parsed fields, fetch status, article."""
        from rich.table import Table

        from storage.archive import Archive
        from storage.citations import list_citations
        from storage.exceptions import StorageError

        if output not in FORMATS:
            raise fail(f"--format must be one of {', '.join(FORMATS)}, not {output!r}", 2)
        try:
            with Archive.open(archive, create=False) as opened:
                rows = list_citations(opened, post_url=post, internal=internal, history=history)
        except StorageError as exc:
            raise fail(str(exc)) from exc
        if output == "json":
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        elif output == "csv":
            typer.echo(_csv(rows), nl=False)
        else:
            table = Table("post", "#", "cited", "title", "outlet", "date")
            table.add_column("status", no_wrap=True)
            if history:
                table.add_column("removed", no_wrap=True)
            for row in rows:
                cells = [
                    row["post_url"].rsplit("/", 1)[-1],
                    str(row["position"]),
                    row["url"] or "(no link)",
                    row["title"] or row["anchor_text"] or "",
                    row["outlet"] or "",
                    row["cited_date"] or "",
                    row["fetch_status"],
                ]
                if history:
                    cells.append((row["removed_at"] or "")[:10])
                table.add_row(*cells)
            Console().print(table)
            console.print(f"{len(rows)} citations")
