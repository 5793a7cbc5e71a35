"""The proxy server every fake host is reached through, on an asyncio loop in its own thread.

A crawler configured with ``http_proxy``/``https_proxy`` sends ``GET http://host/path`` for http
URLs and ``CONNECT host:443`` for https ones; after a CONNECT this server answers 200, terminates
TLS with a certificate for that host and reads requests inside the tunnel. Either way the
request goes to ``dispatch``, which picks the site by host name. Connections are persistent
(HTTP/1.1 keep-alive) because Scrapy reuses them.

asyncio rather than threads: slow-drip and never-answering resources cost a coroutine, not a
thread, and stop() cancels everything at once. It is a private loop, never Twisted's reactor,
which the crawler under test runs in the same process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

from crawler.fakeweb.exceptions import BadRequest
from crawler.fakeweb.http import Request, Response, html, http_date
from crawler.fakeweb.tls import CertificateAuthority

logger = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024
IDLE_TIMEOUT = 60.0  # seconds a kept-alive connection may sit idle between requests

Dispatch = Callable[[Request], Response]


class ProxyServer:
    """Accepts proxy (and plain origin) HTTP/1.1 connections on ``host:port`` (0 picks one)."""

    def __init__(
        self,
        dispatch: Dispatch,
        authority: CertificateAuthority,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._dispatch = dispatch
        self._authority = authority
        self._host = host
        self._port = port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.address: tuple[str, int] = (host, port)

    # --- lifecycle (called from the owner's thread) ------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fakeweb-proxy", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join()
        self._thread = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start() if it failed before being ready
            self._error = exc
            self._ready.set()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(
            self._accept, self._host, self._port, limit=MAX_HEAD, backlog=512
        )
        self.address = server.sockets[0].getsockname()[:2]
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()

    # --- one connection -----------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        graceful = True
        try:
            await self._converse(reader, writer, tunnel=None)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, TimeoutError):
            graceful = False
        except asyncio.CancelledError:  # the server is stopping
            graceful = False
        except Exception:
            graceful = False
            logger.exception("fake web connection failed")
        try:
            if graceful:  # let what was written reach the client before closing
                writer.close()
                await asyncio.wait_for(writer.wait_closed(), 5)
        except (Exception, asyncio.CancelledError):
            pass
        finally:
            writer.transport.abort()
            self._tasks.discard(task)

    async def _converse(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        tunnel: tuple[str, str] | None,
    ) -> None:
        """Serve requests on one connection until either side closes it."""
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT)
            except asyncio.IncompleteReadError:
                return  # the client closed between requests
            except asyncio.LimitOverrunError:
                await self._write(
                    writer,
                    html("<h1>Request head too large</h1>", status=431),
                    "GET",
                    keep_alive=False,
                )
                return
            try:
                method, target, version, headers = _parse_head(head)
            except BadRequest as exc:
                await self._write(
                    writer,
                    html(f"<h1>Bad request</h1><p>{exc}</p>", status=400),
                    "GET",
                    keep_alive=False,
                )
                return
            if method == "CONNECT" and tunnel is None:
                tunnel = await self._open_tunnel(writer, target)
                if tunnel is None:
                    return
                continue
            body = await _read_body(reader, headers)
            request = _make_request(method, target, version, headers, body, tunnel)
            if request is None:
                await self._write(
                    writer, html("<h1>No host</h1>", status=400), method, keep_alive=False
                )
                return
            response = self._answer(request)
            if response.never_answer:
                await _wait_for_close(reader)
                return
            keep_alive = _wants_keep_alive(version, headers) and not response.close
            keep_alive = await self._write(writer, response, method, keep_alive=keep_alive)
            if not keep_alive:
                return

    async def _open_tunnel(
        self, writer: asyncio.StreamWriter, target: str
    ) -> tuple[str, str] | None:
        host, _, port = target.rpartition(":")
        host = host.strip("[]").lower()
        if not host or not port.isdigit():
            await self._write(
                writer, html("<h1>Bad CONNECT</h1>", status=400), "CONNECT", keep_alive=False
            )
            return None
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        if port == "80":
            return ("http", host)
        await writer.start_tls(self._authority.server_context(host), ssl_handshake_timeout=10)
        return ("https", host)

    def _answer(self, request: Request) -> Response:
        try:
            return self._dispatch(request)
        except Exception:
            logger.exception("fake web site failed on %s", request.url)
            return html("<h1>Internal Server Error</h1>", status=500)

    async def _write(
        self, writer: asyncio.StreamWriter, response: Response, method: str, *, keep_alive: bool
    ) -> bool:
        """Send ``response``; return whether the connection can carry another request."""
        body = response.body
        headers = list(response.headers)
        names = {name.lower() for name, _ in headers}
        if isinstance(body, bytes):
            headers.append(("Content-Length", str(len(body))))
        elif "content-length" not in names:
            headers.append(("Transfer-Encoding", "chunked"))
        if "date" not in names:
            headers.insert(0, ("Date", http_date()))
        if "server" not in names:
            headers.insert(0, ("Server", "Apache/2.4.62 (Unix)"))
        headers.append(("Connection", "keep-alive" if keep_alive else "close"))
        lines = [f"HTTP/1.1 {response.status} {response.reason}"]
        lines += [f"{name}: {value}" for name, value in headers]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        bodiless = method == "HEAD" or response.status in (204, 304)
        if isinstance(body, bytes):
            if not bodiless:
                writer.write(body)
        elif bodiless:
            await _close_iterator(body)
        else:
            await _stream(writer, body, chunked="content-length" not in names)
        await writer.drain()
        return keep_alive


# --- wire helpers ------------------------------------------------------------------------------


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    try:
        text = head.decode("latin-1")
        request_line, *header_lines = text.rstrip("\r\n").split("\r\n")
        method, target, version = request_line.split(" ")
    except ValueError as exc:
        raise BadRequest("malformed request line") from exc
    if not version.startswith("HTTP/1."):
        raise BadRequest(f"unsupported version {version}")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequest("malformed header line")
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return method.upper(), target, version, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readline()).strip():  # trailer fields, if any
                    pass
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(headers.get("content-length", "0") or 0)
    return await reader.readexactly(length) if length else b""


def _make_request(
    method: str,
    target: str,
    version: str,
    headers: dict[str, str],
    body: bytes,
    tunnel: tuple[str, str] | None,
) -> Request | None:
    if tunnel is not None:
        scheme, host = tunnel
    elif target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        scheme, host = parts.scheme, parts.hostname or ""
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
    else:
        scheme, host = "http", headers.get("host", "").rpartition(":")[0] or headers.get("host", "")
    if target.startswith(("http://", "https://")):  # absolute-form inside a tunnel
        parts = urlsplit(target)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not host:
        return None
    return Request(method, scheme, host.lower(), target, headers, body, version)


def _wants_keep_alive(version: str, headers: dict[str, str]) -> bool:
    tokens = {token.strip().lower() for token in headers.get("connection", "").split(",")}
    tokens |= {t.strip().lower() for t in headers.get("proxy-connection", "").split(",")}
    if "close" in tokens:
        return False
    return version == "HTTP/1.1" or "keep-alive" in tokens


async def _stream(
    writer: asyncio.StreamWriter, body: AsyncIterator[bytes], *, chunked: bool
) -> None:
    try:
        async for chunk in body:
            if not chunk:
                continue
            if chunked:
                writer.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            else:
                writer.write(chunk)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
    finally:
        await _close_iterator(body)


async def _close_iterator(body: object) -> None:
    aclose = getattr(body, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


async def _wait_for_close(reader: asyncio.StreamReader) -> None:
    """Never answer: hold the connection until the client gives up (or the server stops)."""
    while await reader.read(65536):
        pass
