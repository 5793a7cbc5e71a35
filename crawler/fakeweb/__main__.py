"""Run the fake web by hand: ``python -m crawler.fakeweb [--port N]``.

Prints the environment lines and Scrapy settings that point a crawler at it, then serves
until Ctrl-C. Useful to poke at a failure mode with curl or to crawl the demo sites manually.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import signal
import threading
from pathlib import Path

from crawler.fakeweb.web import FakeWeb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.fakeweb", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="proxy port (default: any free one)")
    parser.add_argument("--corpus", type=Path, default=None, help="shared corpus folder")
    args = parser.parse_args(argv)
    web = FakeWeb(corpus_dir=args.corpus)
    with web.start(port=args.port):
        print(f"# fake web proxy on {web.proxy_url}; {len(web.hosts)} hosts served")
        if not web.corpus_available:
            print(f"# corpus absent at {web.corpus_dir}: only the built-in sites are served")
        print("# environment for a crawler:")
        for name, value in web.env().items():
            print(f"export {name}={shlex.quote(value)}")
        print("# Scrapy settings:")
        for name, value in web.scrapy_settings().items():
            print(f"-s {name}={shlex.quote(json.dumps(value))}")
        print("# named resources:")
        for name, url in sorted(web.names.items()):
            print(f"#   {name:22} {url}")
        print(f"# CA certificate (to verify https):\n{web.authority.ca_pem}", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
