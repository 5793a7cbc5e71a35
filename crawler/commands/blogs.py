"""``reftrail posts``: the posts archived from blogs, as a table, CSV or JSON."""

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
    "site",
    "url",
    "title",
    "authors",
    "published",
    "updated",
    "labels",
    "comment_count",
    "captured_at",
    "deleted_at",
)


def blog_summary(stats: dict[str, Any]) -> str:
    """One line for the end of a blog crawl: what was found, fetched, skipped and missed."""

    def n(name: str) -> int:
        return int(stats.get(f"reftrail/blog/{name}", 0) or 0)

    fetched = n("posts-archived") + n("posts-not-modified")
    captures = int(stats.get("reftrail/captures", 0) or 0)
    line = (
        f"blog ({stats.get('reftrail/blog/platform')}): {n('posts-listed')} posts listed, "
        f"{n('posts-archived')} archived, {n('posts-not-modified')} not modified (304), "
        f"{n('posts-unchanged')} unchanged (no request), {n('posts-deleted')} newly deleted, "
        f"{n('posts-gone')} gone (404/410), {n('missed')} missed"
    )
    if n("before-since") or n("beyond-max-posts"):
        line += (
            f"; skipped {n('before-since')} before --since, "
            f"{n('beyond-max-posts')} over --max-posts"
        )
    if fetched:
        line += f"; {captures} requests in all ({captures / fetched:.2f} per post fetched)"
    failed = stats.get("reftrail/blog/sources-failed")
    if failed:
        line += f"; incomplete listings: {failed}"
    absent = stats.get("reftrail/blog/sources-absent")
    if absent:
        line += f"; not published: {absent}"
    if stats.get("reftrail/blog/archive-walk"):
        line += f"; found by walking {n('listing-pages')} listing pages"
    elif n("short-months"):
        line += (
            f"; {n('short-months')} months the listings fell short of the archive widget's"
            f" counts, read from {n('listing-pages')} archive pages"
        )
    if n("listing-disallowed"):
        line += f" ({n('listing-disallowed')} disallowed by robots.txt, not fetched)"
    return line


def _csv(rows: list[dict[str, Any]]) -> str:
    return csv_text(rows, CSV_COLUMNS)


def register(app: typer.Typer) -> None:
    @app.command()
    def posts(
        archive: ArchiveOption = None,
        site: Annotated[
            str | None, typer.Option("--site", help="Only the blog at this host name.")
        ] = None,
        output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    ) -> None:
        """List the blog posts archived: title, dates, authors, labels, capture, deletion."""
        from rich.table import Table

        from storage.archive import Archive
        from storage.exceptions import StorageError
        from storage.posts import list_posts

        if output not in FORMATS:
            raise fail(f"--format must be one of {', '.join(FORMATS)}, not {output!r}", 2)
        try:
            with Archive.open(archive, create=False) as opened:
                rows = list_posts(opened, host=site)
        except StorageError as exc:
            raise fail(str(exc)) from exc
        if output == "json":
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        elif output == "csv":
            typer.echo(_csv(rows), nl=False)
        else:
            table = Table("published", "title", "site", "labels", "captured", "deleted")
            for row in rows:
                table.add_row(
                    (row["published"] or "")[:10],
                    row["title"] or row["url"],
                    row["site"],
                    ", ".join(row["labels"]),
                    (row["captured_at"] or "")[:16],
                    (row["deleted_at"] or "")[:10],
                )
            Console().print(table)
            console.print(f"{len(rows)} posts")
