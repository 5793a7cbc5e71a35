"""``reftrail check`` and ``reftrail report``: re-check cited links, list the flagged ones.

Exit codes as everywhere: 0 done (dead links are findings, not errors), 1 the run failed,
2 bad usage.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path
from typing import Annotated

import typer

REPORT_FORMATS = ("table", "csv", "json", "html")


def _cli():  # type: ignore[no-untyped-def]
    from crawler import cli

    return cli


def _names(value: str | None, known: tuple[str, ...], what: str) -> list[str] | None:
    """A comma list of state or verdict names; None for all."""
    if value is None or value.strip().lower() == "all":
        return None
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise _cli().fail(f"unknown {what} {', '.join(unknown)}; choose from {', '.join(known)}", 2)
    return names


def check(
    urls: Annotated[
        list[str] | None, typer.Option("--url", help="Check this URL (repeatable).")
    ] = None,
    urls_from: Annotated[
        Path | None, typer.Option("--urls-from", help="Check the URLs in FILE (one a line).")
    ] = None,
    post: Annotated[
        str | None, typer.Option("--post", help="Only the links cited by this post.")
    ] = None,
    due: Annotated[
        bool, typer.Option("--due/--all", help="Only links due for a check (default), or all.")
    ] = True,
    external_copies: Annotated[
        bool,
        typer.Option(
            "--external-copies/--no-external-copies",
            help="Ask the Memento TimeGate (REFTRAIL_MEMENTO_TIMEGATE) for a copy of cited "
            "links that are failing and have no good local copy (default: as "
            "REFTRAIL_MEMENTO_LOOKUP says, on).",
        ),
    ] = True,
    archive: Annotated[
        Path | None,
        typer.Option("--archive", envvar="REFTRAIL_ARCHIVE", help="Archive folder."),
    ] = None,
    settings: Annotated[
        list[str] | None,
        typer.Option("-s", "--set", help="Any Scrapy or REFTRAIL_ setting, as NAME=VALUE."),
    ] = None,
) -> None:
    """Re-check cited links: verdict per link, evidence archived, states updated.

    Links come from --url/--urls-from, else the archive's citations (of --post), else every
    link checked before. With --due (the default) only links whose next check is due. A
    failing cited link with no good local copy gets a Memento TimeGate lookup for the copy
    closest before the post's date, asked once and kept.
    """
    cli = _cli()
    from crawler.config import build_settings
    from crawler.crawl_runner import run_crawl
    from crawler.exceptions import UsageError
    from crawler.spiders.linkcheck import LinkCheckSpider, _as_list
    from storage.archive import Archive
    from storage.exceptions import StorageError
    from storage.linkstate import has_citations, urls_to_check
    from storage.timeutil import as_utc, utcnow

    explicit = [cli.check_url(u) for u in urls or []]
    if urls_from is not None:
        try:
            explicit += [cli.check_url(u) for u in _as_list(urls_from.read_text("utf-8"))]
        except OSError as exc:
            raise cli.fail(f"cannot read {urls_from}: {exc}", 2) from exc
    try:
        built = build_settings(settings or [])
    except UsageError as exc:
        raise cli.fail(str(exc), 2) from exc
    if archive is not None:
        built.set("REFTRAIL_ARCHIVE", str(archive), priority="cmdline")
    if not external_copies:
        built.set("REFTRAIL_MEMENTO_LOOKUP", False, priority="cmdline")
    fixed = built.get("REFTRAIL_CHECK_TIME") or ""
    try:
        now = as_utc(__import__("datetime").datetime.fromisoformat(fixed)) if fixed else utcnow()
    except ValueError as exc:
        raise cli.fail(f"invalid REFTRAIL_CHECK_TIME {fixed!r}: {exc}", 2) from exc
    try:
        with Archive.open(
            built.get("REFTRAIL_ARCHIVE"), database_url=built.get("REFTRAIL_DATABASE_URL") or None
        ) as opened:
            if post is not None and not explicit and not has_citations(opened):
                raise cli.fail("--post needs citations, and this archive has none yet", 2)
            chosen = urls_to_check(opened, due_only=due, post_url=post, now=now, urls=explicit)
    except StorageError as exc:
        raise cli.fail(str(exc)) from exc
    if not chosen:
        cli.console.print("check: no links " + ("due" if due else "to check"))
        return
    try:
        outcome = run_crawl(built, chosen, fresh=True, spider=LinkCheckSpider)
    except StorageError as exc:
        raise cli.fail(str(exc)) from exc
    verdicts = {
        key.rsplit("/", 1)[1]: value
        for key, value in outcome.stats.items()
        if key.startswith("reftrail/linkcheck/verdict/")
    }
    counts = ", ".join(f"{name} {n}" for name, n in sorted(verdicts.items()))
    cli.console.print(
        f"[bold]check {outcome.finish_reason}[/]: {sum(verdicts.values())} of {len(chosen)} "
        f"links checked ({counts or 'none'}); see `reftrail report`",
        soft_wrap=True,
    )
    if not outcome.ok:
        raise cli.fail(outcome.error or f"the check did not finish ({outcome.finish_reason})")


def report(
    state: Annotated[
        str | None,
        typer.Option(help="States to list, comma-separated, or 'all'. Default: flagged ones."),
    ] = "dead,dying,drifted,blocked",
    verdict: Annotated[
        str | None, typer.Option(help="Only links whose last verdict is one of these.")
    ] = None,
    post: Annotated[
        str | None, typer.Option("--post", help="Only links cited by this post.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv, json or html.")] = "table",
    archive: Annotated[
        Path | None,
        typer.Option("--archive", envvar="REFTRAIL_ARCHIVE", help="Archive folder."),
    ] = None,
    public_url: Annotated[
        str,
        typer.Option(
            "--public-url", envvar="REFTRAIL_PUBLIC_URL", help="Base URL of `reftrail serve`."
        ),
    ] = "",
) -> None:
    """List checked links with the citing post, state, verdict, reason and the preserved copy.

    JSON: an array, one object per cited URL and post with post_url, post_title, post_date,
    anchor_text, reference_text, url, state, verdict, since, last_checked, http_status,
    final_url, reason, similarity and preserved_copy ({captured_at, url, capture_id, source}
    or null; source "local" or "external"). HTML: Robust Links to paste into a post.
    """
    cli = _cli()
    from storage.archive import Archive
    from storage.exceptions import StorageError
    from storage.linkstate import STATES, VERDICTS, report_rows

    if fmt not in REPORT_FORMATS:
        raise cli.fail(f"--format must be one of {', '.join(REPORT_FORMATS)}", 2)
    states = _names(state, STATES, "state")
    verdicts = _names(verdict, VERDICTS, "verdict")
    try:
        with Archive.open(archive, create=False) as opened:
            rows = report_rows(
                opened, states=states, verdicts=verdicts, post_url=post, public_url=public_url
            )
    except StorageError as exc:
        raise cli.fail(str(exc)) from exc
    if fmt == "json":
        print(json.dumps(rows, indent=2))
    elif fmt == "csv":
        print(_csv(rows), end="")
    elif fmt == "html":
        print(_robust_links(rows), end="")
    else:
        _table(rows)


def _flat(row: dict) -> dict:
    copy = row["preserved_copy"] or {}
    flat = {k: v for k, v in row.items() if k != "preserved_copy"}
    flat["preserved_captured_at"] = copy.get("captured_at")
    flat["preserved_url"] = copy.get("url")
    flat["preserved_capture_id"] = copy.get("capture_id")
    flat["preserved_source"] = copy.get("source")
    return flat


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    flat = [_flat(r) for r in rows]
    fields = list(flat[0]) if flat else ["url", "state", "verdict"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


def _robust_links(rows: list[dict]) -> str:
    """Robust Links markup (data-originalurl, data-versiondate, data-versionurl).

    The version is the preserved copy, local or from another web archive; the link text is
    the citation's anchor text when the post had one.
    """
    lines = []
    for row in rows:
        url = html.escape(row["url"], quote=True)
        text = html.escape(row.get("anchor_text") or row["url"])
        copy = row["preserved_copy"]
        if copy is None:
            lines.append(f'<a href="{url}">{text}</a>')
            continue
        date = copy["captured_at"][:10]
        version = html.escape(copy["url"], quote=True)
        lines.append(
            f'<a href="{url}" data-originalurl="{url}" data-versiondate="{date}" '
            f'data-versionurl="{version}">{text}</a>'
        )
    return "\n".join(lines) + ("\n" if lines else "")


def _table(rows: list[dict]) -> None:
    from rich.table import Table

    cli = _cli()
    table = Table(title=f"{len(rows)} link(s)")
    columns = ("post", "url", "state", "since", "verdict", "reason", "last check", "preserved copy")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        copy = row["preserved_copy"]
        if copy is None:
            preserved = "-"
        elif copy["source"] == "external":
            preserved = f"{copy['url']} ({copy['captured_at'][:10]}, external)"
        else:
            preserved = f"#{copy['capture_id']} {copy['url']}"
        table.add_row(
            row["post_url"] or "-",
            row["url"],
            row["state"],
            row["since"][:10],
            row["verdict"],
            row["reason"],
            row["last_checked"][:19],
            preserved,
        )
    cli.out.print(table)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("report")(report)
