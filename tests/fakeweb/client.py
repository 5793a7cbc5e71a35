"""A raw HTTP/1.1 client for testing the fake web through its proxy, bytes as on the wire.

urllib hides what the fake web must prove (chunked framing, Content-Encoding bytes, two
requests on one connection), so the tests speak HTTP over plain and TLS sockets themselves.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes  # de-chunked, still content-encoded
    wire: bytes = b""  # the body bytes as sent (with chunk framing, if any)
    header_list: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class ProxyConnection:
    """One connection to the fake web's proxy, for one scheme and host, reusable (keep-alive)."""

    def __init__(
        self, proxy_url: str, url: str, *, timeout: float = 10.0, ca_pem: str | None = None
    ) -> None:
        proxy = urlsplit(proxy_url)
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.sock: socket.socket = socket.create_connection(
            (proxy.hostname, proxy.port), timeout=timeout
        )
        try:
            if self.scheme == "https":
                self.sock.sendall(
                    f"CONNECT {self.host}:443 HTTP/1.1\r\nHost: {self.host}:443\r\n\r\n".encode()
                )
                head = b""
                while not head.endswith(b"\r\n\r\n"):  # byte by byte: TLS follows
                    byte = self.sock.recv(1)
                    if not byte:
                        raise ConnectionError("proxy closed the CONNECT")
                    head += byte
                if head.split()[1] != b"200":
                    raise ConnectionError(f"CONNECT answered {head!r}")
                context = ssl.create_default_context(cadata=ca_pem) if ca_pem else _no_verify()
                self.sock = context.wrap_socket(self.sock, server_hostname=self.host)
            self.file = self.sock.makefile("rb")
        except BaseException:
            self.sock.close()
            raise

    def close(self) -> None:
        self.file.close()
        self.sock.close()

    def __enter__(self) -> ProxyConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, url: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if self.scheme == "http":
            target = f"http://{parts.netloc}{target}"  # absolute-form, as to any proxy
        lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def request(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        read_body: bool = True,
    ) -> Reply:
        self.send(url, method=method, headers=headers)
        status, header_list = self._read_head(self.file)
        headers_ = {k.lower(): v for k, v in header_list}
        reply = Reply(status, headers_, b"", b"", header_list)
        if method == "HEAD" or not read_body:
            return reply
        if "chunked" in headers_.get("transfer-encoding", ""):
            reply.body, reply.wire = self._read_chunked()
        elif "content-length" in headers_:
            reply.body = reply.wire = self._read_exactly(int(headers_["content-length"]))
        else:
            reply.body = reply.wire = self.file.read()
        return reply

    def _read_exactly(self, size: int) -> bytes:
        data = self.file.read(size)
        if len(data) != size:
            raise ConnectionError(f"body ended after {len(data)} of {size} bytes")
        return data

    def _read_chunked(self) -> tuple[bytes, bytes]:
        body, wire = [], []
        while True:
            line = self.file.readline()
            wire.append(line)
            size = int(line.split(b";")[0], 16)
            if size == 0:
                wire.append(self.file.readline())
                return b"".join(body), b"".join(wire)
            data = self._read_exactly(size + 2)
            wire.append(data)
            body.append(data[:-2])

    @staticmethod
    def _read_head(file: BinaryIO) -> tuple[int, list[tuple[str, str]]]:
        status_line = file.readline()
        if not status_line:
            raise ConnectionError("connection closed before a response")
        status = int(status_line.split()[1])
        headers = []
        while True:
            line = file.readline().decode("latin-1").rstrip("\r\n")
            if not line:
                return status, headers
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))


def _no_verify() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fetch(
    proxy_url: str,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    ca_pem: str | None = None,
) -> Reply:
    """One request on a fresh connection."""
    with ProxyConnection(proxy_url, url, timeout=timeout, ca_pem=ca_pem) as conn:
        return conn.request(url, method=method, headers=headers)
