"""Find a loopback address where a TCP connect is refused, for hosts that must be "down".

The crawler's resolver maps such a host to an IP only (no port), so the crawler will connect
to port 80 or 443 there. Any 127.x.y.z address reaches this machine's loopback interface on
Linux; one where nothing listens on 80 and 443 answers a connect with a TCP reset, which the
crawler sees as a real ConnectionRefusedError. A service bound to 0.0.0.0:80 would accept on
every loopback address, so each candidate is checked by actually connecting.
"""

from __future__ import annotations

import socket

from crawler.fakeweb.exceptions import NoRefusingAddress

CANDIDATES = tuple(f"127.87.{third}.{fourth}" for third in (0, 1) for fourth in range(2, 12))
PORTS = (80, 443)


def refuses(address: str, port: int, *, timeout: float = 1.0) -> bool:
    """Whether a TCP connect to ``address:port`` is actively refused right now."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:  # timed out or unreachable: not a refusal
        return False


def refusing_address(candidates: tuple[str, ...] = CANDIDATES) -> str:
    """The first candidate loopback address that refuses connections on ports 80 and 443."""
    for address in candidates:
        if all(refuses(address, port) for port in PORTS):
            return address
    raise NoRefusingAddress(
        "every candidate loopback address accepts connections on port 80 or 443 "
        f"(is a server bound to 0.0.0.0?); tried {', '.join(candidates)}"
    )
