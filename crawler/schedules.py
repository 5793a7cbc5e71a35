"""Cron and time-zone rules of a schedule, and the webhook a run's summary is posted to.

Cron expressions are croniter's: five fields (minute hour day-of-month month day-of-week), or
six with *seconds last* (``* * * * * */5`` is every five seconds). They are read in the
schedule's time zone, so ``0 3 * * *`` in Europe/Paris is 03:00 Paris time across DST changes.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from crawler.exceptions import UsageError
from storage.timeutil import as_utc

logger = logging.getLogger(__name__)

CRON_HELP = (
    "give 5 fields 'minute hour day month weekday' (e.g. '0 3 * * *'), "
    "or 6 with seconds last (e.g. '* * * * * */10' is every 10 s), or @daily, @weekly..."
)


def check_cron(expression: str) -> str:
    """The expression, stripped, or UsageError saying what a valid one looks like."""
    expression = " ".join(expression.split())
    try:
        fields = len(expression.split())
        aliased = expression.startswith("@") and fields == 1  # @daily, @hourly, @weekly...
        valid = (aliased or fields in (5, 6)) and croniter.is_valid(expression)
    except (ValueError, TypeError, KeyError):  # croniter raises these for odd input
        valid = False
    if not valid:
        raise UsageError(f"invalid cron expression {expression!r}: {CRON_HELP}")
    return expression


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            f"unknown time zone {name!r}: give an IANA name such as Europe/Paris or UTC"
        ) from exc


def check_webhook(url: str) -> str:
    """Webhooks go to http(s) addresses; loopback and private hosts are the user's choice."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"invalid webhook URL {url!r}: give an http:// or https:// address")
    return url


def next_fire(expression: str, timezone: str, after: datetime) -> datetime:
    """The first time strictly after ``after`` that the expression matches, in UTC."""
    local = as_utc(after).astimezone(ZoneInfo(timezone))
    following: datetime = croniter(expression, local).get_next(datetime)
    return as_utc(following)


# --- webhooks ---------------------------------------------------------------------------------
# Statuses worth another try: the receiver may be restarting or asking us to slow down.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def post_webhook(
    url: str,
    payload: dict,
    *,
    tries: int = 3,
    timeout: float = 10.0,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POST ``payload`` as JSON; retry with exponential backoff (backoff, then 2 and 4 times it).

    True when the receiver answered 2xx. Failures are logged, never raised: a webhook that is
    down must not fail the run it reports on.
    """
    body = json.dumps(payload, default=str).encode()
    for attempt in range(1, tries + 1):
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "reftrail-webhook"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            return True
        except urllib.error.HTTPError as exc:
            exc.close()
            reason = f"HTTP {exc.code}"
            if exc.code not in RETRY_STATUSES:
                logger.warning("webhook %s refused the summary: %s", url, reason)
                return False
        except (urllib.error.URLError, OSError) as exc:
            reason = str(getattr(exc, "reason", exc))
        logger.warning("webhook %s failed (try %d of %d): %s", url, attempt, tries, reason)
        if attempt < tries:
            sleep(backoff * 2 ** (attempt - 1))
    return False
