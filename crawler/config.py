"""Read crawl settings: defaults, then ``REFTRAIL_*`` environment variables, then ``-s``.

This is the one place settings are assembled, so the CLI, ``scrapy crawl`` and the tests see
the same values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings, Settings

from crawler.exceptions import UsageError

ENV_PREFIX = "REFTRAIL_"


def parse_assignment(text: str) -> tuple[str, str]:
    """Split ``NAME=VALUE`` as given to ``-s``."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"-s expects NAME=VALUE, got {text!r}")
    return name.strip(), value


def _coerce(value: str, current: object = None) -> object:
    """Values from the command line or environment: JSON if it parses, else the string.

    A setting whose default is text stays text (``REFTRAIL_ARCHIVE=2026`` is a folder name).
    """
    if isinstance(current, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def build_settings(
    overrides: Iterable[str] | Mapping[str, object] = (),
    *,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Project settings with environment and command-line overrides applied."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    env = os.environ if environ is None else environ
    for name, text in env.items():
        if name.startswith(ENV_PREFIX) and name in settings:
            settings.set(name, _coerce(text, settings.get(name)), priority="cmdline")
    items: Iterable[tuple[str, object]] = (
        overrides.items() if isinstance(overrides, Mapping) else map(parse_assignment, overrides)
    )
    for key, raw in items:
        settings.set(
            key,
            _coerce(raw, settings.get(key)) if isinstance(raw, str) else raw,
            priority="cmdline",
        )
    return settings


def user_agent(contact_url: str) -> str:
    """The User-Agent naming reftrail and where its operator can be reached."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("reftrail")
    except PackageNotFoundError:
        own = "dev"
    return f"reftrail/{own} (+{contact_url}; archival crawler)"


def apply_contact_url(settings: BaseSettings) -> None:
    """Build USER_AGENT from REFTRAIL_CONTACT_URL unless the user set USER_AGENT itself."""
    if (settings.getpriority("USER_AGENT") or 0) <= SETTINGS_PRIORITIES["project"]:
        settings.set("USER_AGENT", user_agent(settings.get("REFTRAIL_CONTACT_URL")), "spider")
