"""Output shared by the list commands: CSV text and the one-line error every command prints."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from rich.console import Console

console = Console(stderr=True)


def csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header row; lists joined with "; ", None as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                "; ".join(row[c])
                if isinstance(row[c], list)
                else ("" if row[c] is None else row[c])
                for c in columns
            ]
        )
    return buffer.getvalue()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on one line and give the Exit to raise (1 failed, 2 usage)."""
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)
