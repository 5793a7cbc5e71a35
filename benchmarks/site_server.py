"""Serve the benchmark site from memory on 127.0.0.1 with a minimal asyncio HTTP/1.1 server.

Every response is prebuilt (status line, headers and body in one bytes object), so serving a page
is one dictionary lookup and one ``write``. The server counts what it serves, so every crawler is
measured the same way: ``GET /_bench/stats`` returns the counters as JSON and ``GET /_bench/reset``
returns them and starts over (neither is counted). On start it prints one JSON line with its port.

    python benchmarks/site_server.py --pages 2000 --seed 1 [--port 0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from email.utils import formatdate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakesite import Site

HEADERS = (
    "HTTP/1.1 {status}\r\nServer: bench\r\nContent-Type: {ctype}\r\nContent-Length: {length}\r\n"
)


def build_response(status: str, body: bytes, ctype: str = "text/html; charset=utf-8") -> bytes:
    head = HEADERS.format(status=status, ctype=ctype, length=len(body))
    head += f"Last-Modified: {formatdate(0, usegmt=True)}\r\n\r\n"
    return head.encode() + body


class Counters:
    """What the server served since the last reset."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.ok = 0
        self.not_found = 0
        self.bytes = 0
        self.unique: set[bytes] = set()
        self.connections = 0
        self.first = self.last = 0.0
        self.cpu_start = time.process_time()

    def as_dict(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "ok": self.ok,
            "not_found": self.not_found,
            "unique_ok": len(self.unique),
            "bytes": self.bytes,
            "connections": self.connections,
            "active_seconds": round(self.last - self.first, 3) if self.requests else 0.0,
            "server_cpu_seconds": round(time.process_time() - self.cpu_start, 3),
        }


class HttpProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and pipelining; GET and HEAD; no request bodies."""

    def __init__(self, pages: dict[bytes, bytes], counters: Counters, not_found: bytes) -> None:
        self.pages, self.counters, self.not_found = pages, counters, not_found
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.counters.connections += 1

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            line, _, headers = head.partition(b"\r\n")
            method, target, version = [*line.split(b" "), b"", b""][:3]
            close = b"connection: close" in headers.lower() or version == b"HTTP/1.0"
            self.transport.write(self.respond(method, target.split(b"?", 1)[0]))
            if close:
                self.transport.close()
                return

    def respond(self, method: bytes, path: bytes) -> bytes:
        c = self.counters
        if path.startswith(b"/_bench/"):
            stats = c.as_dict()
            if path == b"/_bench/reset":
                c.reset()
            return build_response("200 OK", json.dumps(stats).encode(), "application/json")
        now = time.monotonic()
        c.first = c.first or now
        c.last = now
        c.requests += 1
        response = self.pages.get(path)
        if response is None:
            c.not_found += 1
            response = self.not_found
        else:
            c.ok += 1
            c.unique.add(path)
        if method == b"HEAD":
            response = response[: response.index(b"\r\n\r\n") + 4]
        c.bytes += len(response)
        return response


async def serve(pages: dict[bytes, bytes], port: int, info: dict[str, object]) -> None:
    counters = Counters()
    not_found = build_response("404 Not Found", b"<html><body>Not found</body></html>")
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HttpProtocol(pages, counters, not_found), "127.0.0.1", port, backlog=1024
    )
    info["port"] = server.sockets[0].getsockname()[1]
    print(json.dumps(info), flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    site = Site(args.pages, seed=args.seed)
    rendered = site.render_all()
    pages = {p.encode(): build_response("200 OK", body) for p, body in rendered.items()}
    info: dict[str, object] = {
        "pages": len(pages),
        "avg_page_kb": round(sum(map(len, rendered.values())) / len(rendered) / 1000, 1),
        "avg_links": round(sum(b.count(b"<a ") for b in rendered.values()) / len(rendered), 1),
        "generate_seconds": round(time.perf_counter() - started, 2),
        "sample_paths": [p for p in list(rendered)[:: max(1, len(rendered) // 200)]],
    }
    del rendered
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(pages, args.port, info))


if __name__ == "__main__":
    main()
