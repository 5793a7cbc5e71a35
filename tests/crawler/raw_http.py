"""A raw-socket HTTP server that misbehaves on purpose, for the crawler's robustness tests.

Each path answers with exact bytes (malformed status lines, lying Content-Length, bad chunking,
non-latin-1 header bytes), which no ordinary web framework would send.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


def _ok(body: bytes, *headers: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"".join(
        h + b"\r\n" for h in headers
    )
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


PAGE = b"<html><body><p>an ordinary page</p></body></html>"
HTML = b"Content-Type: text/html"


def _raw(status: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    """Exactly these bytes: no Content-Length unless given, nothing corrected."""
    return status + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


RESPONSES: dict[str, bytes] = {
    "/short": _raw(b"HTTP/1.1 200 OK", HTML, b"Content-Length: 1000", body=b"<html>only a bit"),
    "/long": _raw(b"HTTP/1.1 200 OK", HTML, b"Content-Length: 6", body=b"<html>and more"),
    "/garbage": b"THIS IS NOT HTTP\r\n\r\n",
    "/no-content": _raw(b"HTTP/1.1 204 No Content"),
    "/not-modified": _raw(b"HTTP/1.1 304 Not Modified"),
    "/odd-header": _ok(b"<html>odd</html>", b"X-Bytes: \xff\xfe\xe9"),
    "/fake-gzip": _ok(b"<html>not gzip at all</html>", b"Content-Encoding: gzip"),
    "/redirect-mailto": _raw(
        b"HTTP/1.1 302 Found", b"Location: mailto:a@example.com", b"Content-Length: 0"
    ),
    "/redirect-nowhere": _raw(b"HTTP/1.1 302 Found", b"Content-Length: 0"),
    "/http10": _raw(b"HTTP/1.0 200 OK", HTML, body=b"<html>until the connection closes</html>"),
    "/bad-chunks": _raw(
        b"HTTP/1.1 200 OK", HTML, b"Transfer-Encoding: chunked", body=b"ZZ\r\nhello\r\n0\r\n\r\n"
    ),
}
GOOD_LINKS = ["/plain-1", "/plain-2?a=1&b=2", "/caf%C3%A9", "/with%20space"]
# Other spellings of GOOD_LINKS (dot-segments, query order, default port): never fetched.
OTHER_SPELLINGS = ["/x/../plain-1", "/plain-2?b=2&a=1", "{base_upper}/plain-1"]
BROKEN_LINKS = ["http://[::1", "http://127.0.0.1:99999/", "javascript:void(0)", "mailto:x@y.z"]


def home(base: str) -> bytes:
    spellings = [
        s.format(base_upper=base.upper().replace("HTTP://", "http://")) for s in OTHER_SPELLINGS
    ]
    links = [*RESPONSES, *GOOD_LINKS, *spellings, *BROKEN_LINKS]
    body = "<html><body>" + "".join(f'<a href="{href}">{href}</a>\n' for href in links)
    return _ok((body + "</body></html>").encode())


def answer(path: str, base: str) -> bytes:
    if path == "/":
        return home(base)
    return RESPONSES.get(path) or _ok(PAGE)


@contextmanager
def raw_http_server(requests: Counter[str] | None = None) -> Iterator[str]:
    """Serve on 127.0.0.1:<free port>; yields the base URL. One request per connection.

    ``requests`` (if given) counts the request targets served.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            target = data.split(b" ")[1].decode("latin-1")
            if requests is not None:
                requests[target] += 1
            conn.sendall(answer(target, base))

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        stop.set()
        thread.join()
        listener.close()
