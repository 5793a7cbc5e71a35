"""The ``reftrail`` command: the one place that wires crawler, storage and web app together.

Exit codes, for every command: 0 done (404s and unreachable hosts are outcomes, not errors),
1 the operation failed or found problems, 2 bad usage.
"""

from __future__ import annotations

import atexit
import dataclasses
import gc
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer
from rich.console import Console

from crawler.exceptions import UsageError
from storage.exceptions import StorageError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from storage.archive import Archive

app = typer.Typer(
    name="reftrail",
    help="Archive a blog and everything it cites into standard WARC files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

ArchiveOption = Annotated[
    Path | None,
    typer.Option(
        "--archive",
        envvar="REFTRAIL_ARCHIVE",
        help="Archive folder (reftrail.db + warcs/). Default ./archive.",
        show_default=False,
    ),
]
SettingOption = Annotated[
    list[str] | None,
    typer.Option("-s", "--set", help="Any Scrapy or REFTRAIL_ setting, as NAME=VALUE."),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number, or out of range, raises ValueError
    except ValueError as exc:
        raise fail(f"invalid URL {url!r} ({exc}): give an http:// or https:// address", 2) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail(f"invalid URL {url!r}: give an http:// or https:// address", 2)
    return url


@app.command()
def crawl(
    urls: Annotated[list[str], typer.Argument(help="Seed URLs of the sites to archive.")],
    archive: ArchiveOption = None,
    depth: Annotated[
        int | None, typer.Option(min=0, help="Follow links at most N hops (0: no limit).")
    ] = None,
    max_pages: Annotated[
        int | None, typer.Option(min=0, help="Stop after N pages (0: no limit).")
    ] = None,
    include: Annotated[
        list[str] | None, typer.Option(help="Follow only URLs matching REGEX (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Never follow URLs matching REGEX (repeatable).")
    ] = None,
    fresh: Annotated[
        bool, typer.Option(help="Start over instead of resuming an unfinished crawl.")
    ] = False,
    mode: Annotated[
        str,
        typer.Option(
            help="auto: a blog (one seed) gets the blog crawl, anything else the site crawl; "
            "site: always the generic crawl; blog: always the blog crawl."
        ),
    ] = "auto",
    since: Annotated[
        str | None, typer.Option(help="Blogs: only posts published on or after DATE (ISO).")
    ] = None,
    max_posts: Annotated[
        int | None, typer.Option(help="Blogs: fetch at most N post pages.")
    ] = None,
    citations: Annotated[
        bool | None,
        typer.Option(
            "--citations/--no-citations",
            help="Blogs: record each post's citations and fetch the cited articles (default).",
            show_default=False,
        ),
    ] = None,
    citation_requisites: Annotated[
        bool, typer.Option(help="Blogs: fetch cited articles' CSS, images and scripts too.")
    ] = False,
    settings: SettingOption = None,
) -> None:
    """Crawl sites into the archive: pages in scope, their requisites, robots.txt, errors.

    Given one blog (Blogger, WordPress, or any site with feeds), every post is found from the
    blog's feeds, API and sitemaps, archived with its requisites and listed by `reftrail
    posts`; a later crawl fetches only new and changed posts.
    """
    from crawler.config import build_settings

    seeds = [check_url(u) for u in urls]
    overrides: dict[str, object] = {}
    try:
        built = build_settings(settings or [])
    except UsageError as exc:
        raise fail(str(exc), 2) from exc
    for pattern in [*(include or []), *(exclude or [])]:
        _check_regex(pattern)
    if built.getbool("REFTRAIL_EXTRACT_TEXT"):
        from crawler.allocator import AllocatorError
        from crawler.extraction import start_forkserver

        try:  # before the crawl's own imports, which it overlaps
            start_forkserver(built.get("REFTRAIL_EXTRACT_ALLOCATOR"))
        except AllocatorError as exc:
            raise fail(str(exc), 2) from exc
    from crawler.crawl_runner import run_crawl

    if archive is not None:
        overrides["REFTRAIL_ARCHIVE"] = str(archive)
    if depth is not None:
        overrides["REFTRAIL_DEPTH"] = depth
    if max_pages is not None:
        overrides["REFTRAIL_MAX_PAGES"] = max_pages
    if include:
        overrides["REFTRAIL_INCLUDE"] = include
    if exclude:
        overrides["REFTRAIL_EXCLUDE"] = exclude
    spider, spider_args = _crawl_mode(mode, seeds)
    if since is not None:
        from crawler.discovery.dates import parse_date

        if parse_date(since) is None:
            raise fail(f"invalid --since {since!r}: give an ISO date such as 2024-01-31", 2)
        overrides["REFTRAIL_BLOG_SINCE"] = since
    if max_posts is not None:
        overrides["REFTRAIL_BLOG_MAX_POSTS"] = max_posts
    if citations is not None:
        overrides["REFTRAIL_CITATIONS"] = citations
    if citation_requisites:
        overrides["REFTRAIL_CITATION_REQUISITES"] = True
    built.setdict(overrides, priority="cmdline")
    _check_settings(built)
    _preflight(built.get("REFTRAIL_ARCHIVE"), built.get("REFTRAIL_DATABASE_URL"))
    try:
        outcome = run_crawl(built, seeds, fresh=fresh, spider=spider, spider_args=spider_args)
    except StorageError as exc:
        raise fail(str(exc)) from exc
    _print_summary(outcome, built.get("REFTRAIL_ARCHIVE"))
    if not outcome.ok:
        raise fail(outcome.error or f"the crawl did not finish ({outcome.finish_reason})")


def _crawl_mode(mode: str, seeds: list[str]) -> tuple[type, dict[str, str]]:
    """The spider for ``--mode``: a single seed is probed for a blog unless told otherwise."""
    from crawler.spiders.blog import BlogSpider
    from crawler.spiders.site import SiteSpider

    if mode not in ("auto", "site", "blog"):
        raise fail(f"--mode must be auto, site or blog, not {mode!r}", 2)
    if mode == "blog" and len(seeds) != 1:
        raise fail("--mode blog takes one blog address", 2)
    if mode == "site" or len(seeds) != 1:
        return SiteSpider, {}
    return BlogSpider, {"mode": mode}


def _check_settings(settings: BaseSettings) -> None:
    """Catch a mistyped choice before Scrapy starts, with a one-line reason (exit 2)."""
    from storage.documents import EXTRACT_MODES

    mode = settings.get("REFTRAIL_EXTRACT_MODE")
    if mode not in EXTRACT_MODES:
        raise fail(f"REFTRAIL_EXTRACT_MODE is {mode!r}; use one of {', '.join(EXTRACT_MODES)}", 2)
    _check_numbers(settings)


def _check_numbers(settings: BaseSettings) -> None:
    """A number setting given as text (``-s DOWNLOAD_TIMEOUT=abc``) is named here, not met
    as a traceback once Scrapy has started."""
    from scrapy.settings import default_settings

    import crawler.settings as ours

    for name in settings:
        default = getattr(ours, name, getattr(default_settings, name, None))
        if isinstance(default, bool) or not isinstance(default, int | float):
            continue
        try:
            (settings.getint if isinstance(default, int) else settings.getfloat)(name)
        except (TypeError, ValueError):
            kind = "a whole number" if isinstance(default, int) else "a number"
            raise fail(f"{name} must be {kind}, not {settings.get(name)!r}", 2) from None


def _check_regex(pattern: str) -> None:
    import re

    try:
        re.compile(pattern)
    except re.error as exc:
        raise fail(f"invalid regular expression {pattern!r}: {exc}", 2) from exc


def _preflight(archive_dir: str | None, database_url: str | None) -> None:
    """Open the archive before Scrapy starts, so a bad folder or database fails clearly."""
    from storage.archive import Archive

    try:
        Archive.open(archive_dir, database_url=database_url or None).close()
    except StorageError as exc:
        raise fail(str(exc)) from exc


def _print_summary(outcome: object, archive_dir: str | None) -> None:
    from crawler.extensions.progress import human_bytes

    counts = outcome.summary  # type: ignore[attr-defined]
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(counts["failed_by_reason"].items()))
    console.print(
        f"[bold]crawl {outcome.finish_reason}[/]: {counts['fetched']} fetched "  # type: ignore[attr-defined]
        f"({human_bytes(counts['bytes'])}, {counts['http_errors']} HTTP errors), "
        f"{counts['failed']} failed{' (' + reasons + ')' if reasons else ''}; "
        f"archive: {archive_dir}",
        soft_wrap=True,
    )
    stats = getattr(outcome, "stats", {}) or {}
    if stats.get("reftrail/blog/platform"):
        from crawler.commands.blogs import blog_summary

        console.print(blog_summary(stats), soft_wrap=True, highlight=False)


@contextmanager
def _progress_bar(label: str, unit: str = "bytes") -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on a terminal; nothing elsewhere. Yields a (done, total) callback."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
    )

    if not console.is_terminal:
        yield lambda done, total: None
        return
    count = DownloadColumn() if unit == "bytes" else MofNCompleteColumn()
    columns = (label, BarColumn(), count, TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command()
def verify(
    archive: ArchiveOption = None,
    repair: Annotated[
        bool, typer.Option(help="Finish .open files left by a crash and index what is missing.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(help="With --repair, also finish .open files written on another host."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check every WARC record's digests and that every capture row matches its record.

    Run --repair when no crawl is writing to the archive: files a live crawl on this host
    holds open are left alone, but a crawl on another host cannot be seen.
    """
    from storage.archive import Archive
    from storage.verify import verify as run_verify

    try:
        with Archive.open(archive, create=False) as opened, _progress_bar("verify") as progress:
            report = run_verify(opened, repair=repair, force=force, progress=progress)
    except StorageError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        out.print_json(json.dumps({**dataclasses.asdict(report), "ok": report.ok}))
    else:
        for line in report.repaired:
            console.print(f"[green]repaired[/] {line}", soft_wrap=True)
        for line in report.notes:
            console.print(f"note: {line}", soft_wrap=True)
        for line in report.problems:
            console.print(f"[red]problem[/] {line}", soft_wrap=True)
        verdict = "[green]ok[/]" if report.ok else f"[red]{len(report.problems)} problem(s)[/]"
        console.print(
            f"verify: {report.files} files, {report.records} records, "
            f"{report.rows_checked} rows checked, {report.indexed} rows indexed: {verdict}"
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def reindex(
    archive: ArchiveOption = None,
    text: Annotated[
        bool,
        typer.Option(help="Also extract the text of archived HTML pages that have none."),
    ] = True,
) -> None:
    """Rebuild the capture table from the WARC files alone, then the pages' text."""
    from storage.archive import Archive
    from storage.reindex import reindex as run_reindex

    try:
        with Archive.open(archive, create=False) as opened:
            with _progress_bar("reindex") as progress:
                report = run_reindex(opened, progress=progress)
            extracted = _reextract(opened) if text and not report.problems else 0
    except StorageError as exc:
        raise fail(str(exc)) from exc
    for line in report.problems:
        console.print(f"[red]problem[/] {line}", soft_wrap=True)
    console.print(
        f"reindex: {report.files} files, {report.records} records read in "
        f"{report.seconds:.1f} s ({report.records_per_second:.0f}/s); captures "
        f"{report.inserted} inserted, {report.updated} updated, {report.deleted} deleted; "
        f"{report.failures} failed fetches from crawl logs; text extracted for "
        f"{extracted} pages"
    )
    if report.problems:
        raise typer.Exit(1)


def _reextract(archive: Archive) -> int:
    """Text for the pages reindex brought back (settings as a crawl reads them)."""
    from crawler.allocator import AllocatorError
    from crawler.config import build_settings
    from crawler.reextract import extract_missing_text

    settings = build_settings([])
    if not settings.getbool("REFTRAIL_EXTRACT_TEXT"):
        return 0
    try:
        with _progress_bar("text", unit="pages") as progress:
            return extract_missing_text(
                archive,
                workers=settings.getint("REFTRAIL_EXTRACT_WORKERS"),
                mode=settings.get("REFTRAIL_EXTRACT_MODE"),
                allocator=settings.get("REFTRAIL_EXTRACT_ALLOCATOR"),
                progress=progress,
            )
    except AllocatorError as exc:
        raise fail(str(exc), 2) from exc


@app.command()
def demo(
    archive: Annotated[
        Path,
        typer.Option(
            "--archive",
            envvar="REFTRAIL_ARCHIVE",
            help="Folder for the demo archive (replaced if it holds an earlier demo).",
        ),
    ] = Path("reftrail-demo"),
    settings: SettingOption = None,
) -> None:
    """Crawl the bundled offline demo web (a blog and news sites) into a fresh archive."""
    from crawler.demo import DemoError, next_steps, run_demo

    try:
        outcome, seeds = run_demo(archive, settings or [])
    except DemoError as exc:
        raise fail(str(exc), 2) from exc
    except StorageError as exc:
        raise fail(str(exc)) from exc
    console.print("[bold]demo crawl of[/] " + ", ".join(seeds))
    _print_summary(outcome, str(archive))
    out.print(next_steps(archive), soft_wrap=True, highlight=False)
    if not outcome.ok:
        raise fail(outcome.error or f"the demo crawl did not finish ({outcome.finish_reason})")


# Command groups of other areas (blogs, web app, schedules, ...): crawler/commands/<area>.py.
COMMAND_MODULES: tuple[str, ...] = (
    "schedules", "blogs", "webapp", "exports", "linkcheck", "citations",
)  # fmt: skip


def _register_command_modules() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"crawler.commands.{name}").register(app)


# Under `python -m crawler.cli` this file also runs as __main__ (and as __mp_main__ in
# worker processes), and command modules import `crawler.cli`: register them only in that
# module, never in a second copy of it (a circular import).
if __name__ == "crawler.cli":
    _register_command_modules()


def main() -> None:
    # Interpreter shutdown ends with a garbage collection over every object still alive: ~0.3 s
    # after a 2,000-page crawl, with nothing left to free that matters (archives, WARC files
    # and logs are closed explicitly before). Frozen objects are skipped by it.
    atexit.register(gc.freeze)
    logging.captureWarnings(True)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        app()
    except UsageError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    from crawler.cli import main as cli_main

    cli_main()
