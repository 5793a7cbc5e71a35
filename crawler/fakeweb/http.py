"""The request and response values that sites and the proxy server exchange.

Sites are plain functions of a :class:`Request` returning a :class:`Response`; they never touch
sockets. The server (``server.py``) turns the wire into these values and back, so framing
choices (Content-Length, chunked, never answering) are made here declaratively by the site.
"""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

Body = bytes | AsyncIterator[bytes]


@dataclass(frozen=True)
class Request:
    """One HTTP request as a site sees it, whichever way it reached the proxy."""

    method: str
    scheme: str
    host: str
    target: str  # path and query, e.g. "/search?q=x"
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""
    version: str = "HTTP/1.1"

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)

    def arg(self, name: str, default: str = "") -> str:
        """The first value of query parameter ``name``."""
        return self.query.get(name, [default])[0]

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.target}"


@dataclass
class Response:
    """What to send back.

    ``body`` is bytes (sent with Content-Length) or an async iterator of chunks: streamed with
    the Content-Length given in ``headers`` if there is one, else with chunked transfer coding.
    ``never_answer`` keeps the connection open without a byte of response.
    """

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Body = b""
    never_answer: bool = False
    close: bool = False  # close the connection after this response

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Unknown"

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


def http_date(timestamp: float | None = None) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def html(text: str, *, status: int = 200, charset: str = "utf-8") -> Response:
    """An HTML page encoded and labelled with ``charset``."""
    return Response(
        status,
        [("Content-Type", f"text/html; charset={charset}")],
        text.encode(charset),
    )


def content(body: bytes, content_type: str, *, status: int = 200) -> Response:
    return Response(status, [("Content-Type", content_type)], body)


def redirect(location: str, *, status: int = 301) -> Response:
    page = f'<html><body><p>Moved to <a href="{location}">{location}</a>.</p></body></html>'
    response = html(page, status=status)
    response.headers.append(("Location", location))
    return response


def not_found(request: Request) -> Response:
    """A plain, honest 404 page like most web servers send."""
    return html(
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>"
        f"<h1>Not Found</h1><p>The requested URL {request.path} was not found on this server.</p>"
        "</body></html>\n",
        status=404,
    )
