"""CLI command groups beyond the archive core, one module per area.

Each module defines ``register(app: typer.Typer) -> None`` and is listed in
``crawler.cli.COMMAND_MODULES``; modules import their heavy dependencies inside commands so
``reftrail --help`` stays fast.
"""
