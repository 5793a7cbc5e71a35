"""Page requisites for the fake sites: real (tiny) PNG images, a font-shaped file, CSS and JS.

Images are generated valid PNGs so a crawler or a browser replaying the archive can decode
them; stylesheets carry ``@import`` and ``url()`` references so requisite discovery in CSS
is exercised.
"""

from __future__ import annotations

import struct
import zlib
from functools import cache

from crawler.fakeweb.http import Response, content


@cache
def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def font(name: str) -> bytes:
    """Bytes shaped like a WOFF2 file (signature and padding): enough to archive and replay."""
    return b"wOF2" + name.encode("ascii").ljust(60, b"\x00") + bytes(range(256)) * 4


def png_response(width: int, height: int, rgb: tuple[int, int, int]) -> Response:
    response = content(png(width, height, rgb), "image/png")
    response.headers.append(("Cache-Control", "public, max-age=86400"))
    return response


def static(body: str | bytes, content_type: str) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    response = content(data, content_type)
    response.headers.append(("Cache-Control", "public, max-age=86400"))
    return response
