"""The base class of every fake site: which hosts it owns and how it routes a request.

A site is plain Python (no sockets), so a new failure mode is one route. The proxy server asks
the :class:`Site` that owns a host name to answer every request for it, on http and https alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from crawler.fakeweb.http import Request, Response, not_found

Handler = Callable[..., Response]


class Site:
    """A set of host names and the routes that answer them.

    Subclasses set ``hosts``, add routes with :meth:`route` in ``__init__`` and name the
    resources tests refer to in :attr:`names`. ``refused_hosts`` and ``unresolvable_hosts`` are
    names the site cites but that must fail for real (see ``FakeWeb``): they are never served.
    """

    hosts: tuple[str, ...] = ()
    refused_hosts: tuple[str, ...] = ()
    unresolvable_hosts: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._routes: list[tuple[str | None, re.Pattern[str], Handler]] = []
        self.names: dict[str, str] = {}

    def route(self, pattern: str, handler: Handler, *, host: str | None = None) -> None:
        """Answer paths fully matching ``pattern`` with ``handler(request, **groups)``."""
        self._routes.append((host, re.compile(pattern), handler))

    def name(self, name: str, url: str) -> None:
        """Give a resource a stable name for ``FakeWeb.url(name)``."""
        self.names[name] = url

    def handle(self, request: Request) -> Response:
        path = request.path
        for host, pattern, handler in self._routes:
            if host is not None and host != request.host:
                continue
            match = pattern.fullmatch(path)
            if match:
                return handler(request, **match.groupdict())
        return self.fallback(request)

    def fallback(self, request: Request) -> Response:
        """What an unknown path gets; an honest 404 unless a site plays otherwise."""
        return not_found(request)
