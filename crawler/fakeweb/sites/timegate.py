"""A web archive that speaks Memento (RFC 7089) the way the Wayback Machine does.

``GET|HEAD /web/{url}`` with ``Accept-Datetime`` is the TimeGate: a 302 to the memento
closest to that time (before or after it, as the Wayback Machine picks), with ``Vary`` and a
``Link`` header naming the original, the TimeMap and the first, previous, chosen, next and
last mementos with their datetimes. ``/web/{14 digits}/{url}`` is a memento: the archived
status with ``Memento-Datetime``, or a 302 to the closest capture when the digits name none.
A URL it has no copy of gets a 404; URLs listed as ``failing`` get a 503 (an archive having
a bad day). Tests point ``REFTRAIL_MEMENTO_TIMEGATE`` at ``FakeWeb.url("timegate")``.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime

from crawler.fakeweb.http import Request, Response, html, redirect
from crawler.fakeweb.site import Site

TIMEGATE_HOST = "web.archive-mirror.test"


@dataclass(frozen=True)
class ArchivedCopy:
    """One capture the fake archive holds: when, and the status it recorded."""

    captured: datetime
    status: int = 200

    @property
    def stamp(self) -> str:
        return self.captured.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _http(when: datetime) -> str:
    return email.utils.format_datetime(when.astimezone(UTC), usegmt=True)


class FakeTimeGate(Site):
    """The archive's copies per original URL, served as TimeGate and mementos."""

    hosts = (TIMEGATE_HOST,)

    def __init__(
        self, copies: dict[str, list[ArchivedCopy]], *, failing: tuple[str, ...] = ()
    ) -> None:
        super().__init__()
        self.copies = {url: sorted(c, key=lambda c: c.captured) for url, c in copies.items()}
        self.failing = set(failing)
        self.route(r"/web/(?P<stamp>\d{14})/(?P<original>.+)", self.memento)
        self.route(r"/web/(?P<original>.+)", self.timegate)
        self.name("timegate", f"https://{TIMEGATE_HOST}/web/")

    def base(self) -> str:
        return f"https://{TIMEGATE_HOST}/web"

    def memento_url(self, copy: ArchivedCopy, original: str) -> str:
        return f"{self.base()}/{copy.stamp}/{original}"

    @staticmethod
    def _original(request: Request, original: str) -> str:
        query = request.target.partition("?")[2]
        return f"{original}?{query}" if query else original

    def _closest(self, original: str, when: datetime | None) -> ArchivedCopy:
        copies = self.copies[original]
        if when is None:
            return copies[-1]
        return min(copies, key=lambda c: abs((c.captured - when).total_seconds()))

    def _links(self, original: str, chosen: ArchivedCopy) -> str:
        copies = self.copies[original]
        index = copies.index(chosen)
        links = [
            f'<{original}>; rel="original"',
            f'<{self.base()}/timemap/link/{original}>; rel="timemap"; '
            'type="application/link-format"',
        ]
        named: dict[int, list[str]] = {}
        named.setdefault(0, []).append("first")
        if index > 0:
            named.setdefault(index - 1, []).append("prev")
        named.setdefault(index, [])
        if index < len(copies) - 1:
            named.setdefault(index + 1, []).append("next")
        named.setdefault(len(copies) - 1, []).append("last")
        for position in sorted(named):
            copy = copies[position]
            rel = " ".join([*named[position], "memento"])
            links.append(
                f'<{self.memento_url(copy, original)}>; rel="{rel}"; '
                f'datetime="{_http(copy.captured)}"'
            )
        return ", ".join(links)

    def timegate(self, request: Request, original: str) -> Response:
        original = self._original(request, original)
        if original in self.failing:
            return html("<h1>503 Service Unavailable</h1>", status=503)
        if not self.copies.get(original):
            response = html("<h1>Not in the archive</h1>", status=404)
            response.headers.append(("Link", f'<{original}>; rel="original"'))
            return response
        asked = request.headers.get("accept-datetime")
        when = email.utils.parsedate_to_datetime(asked) if asked else None
        chosen = self._closest(original, when)
        response = redirect(self.memento_url(chosen, original), status=302)
        response.headers += [("Vary", "accept-datetime"), ("Link", self._links(original, chosen))]
        return response

    def memento(self, request: Request, stamp: str, original: str) -> Response:
        original = self._original(request, original)
        copies = self.copies.get(original) or []
        exact = [c for c in copies if c.stamp == stamp]
        if not exact:
            if not copies:
                return html("<h1>Not in the archive</h1>", status=404)
            when = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            return redirect(self.memento_url(self._closest(original, when), original), status=302)
        copy = exact[0]
        response = html(
            f"<title>Archived copy of {original}</title><p>Captured {copy.stamp}.</p>",
            status=copy.status,
        )
        response.headers += [
            ("Memento-Datetime", _http(copy.captured)),
            ("Link", self._links(original, copy)),
        ]
        return response
