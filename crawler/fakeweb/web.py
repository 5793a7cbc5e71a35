"""FakeWeb: the offline web the tests and ``reftrail demo`` crawl, assembled and started.

Every served host is reached through one proxy on 127.0.0.1 (``env()`` points a crawler at
it). Hosts meant to fail do not go through the proxy: they are listed in ``no_proxy`` so the
crawler connects directly, and ``scrapy_settings()`` gives the crawler's resolver a host map in
which a "no such host" name is absent (a real DNS error, since the map is the only resolver)
and a "refused" name points at a loopback address where nothing listens (a real refused
connect). See ARCHITECTURE.md, "The fake web".
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from crawler.fakeweb.exceptions import SiteConflict
from crawler.fakeweb.http import Request, Response, html
from crawler.fakeweb.refused import refusing_address
from crawler.fakeweb.server import ProxyServer
from crawler.fakeweb.site import Site
from crawler.fakeweb.sites import builtin_sites
from crawler.fakeweb.sites.corpus import CorpusSite
from crawler.fakeweb.tls import CertificateAuthority

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus"
LogEntry = tuple[str, str, str, dict[str, str]]


def find_corpus_dir() -> Path:
    """Where the shared corpus is expected: ``REFTRAIL_CORPUS_DIR`` or ``../shared/corpus``."""
    env = os.environ.get("REFTRAIL_CORPUS_DIR")
    return Path(env) if env else DEFAULT_CORPUS_DIR


class FakeWeb:
    """Serves the built-in sites (or ``sites``) and, when present, the shared corpus.

    The corpus is served when ``corpus_dir`` is given, or, with the default sites, when it is
    found at :func:`find_corpus_dir`. Use as a context manager or call start() / stop().
    """

    def __init__(self, *, sites: list[Site] | None = None, corpus_dir: Path | None = None) -> None:
        self.sites: list[Site] = list(sites) if sites is not None else builtin_sites()
        self.corpus_dir = Path(corpus_dir) if corpus_dir is not None else find_corpus_dir()
        self.corpus_available = (self.corpus_dir / "MANIFEST.json").is_file()
        self.corpus_pages: list[tuple[str, Path]] = []
        if self.corpus_available and (sites is None or corpus_dir is not None):
            corpus = CorpusSite(self.corpus_dir)
            self.corpus_pages = corpus.pages
            self.sites.append(corpus)
        self._by_host: dict[str, Site] = {}
        self._names: dict[str, str] = {}
        for site in self.sites:
            for host in site.hosts:
                if host in self._by_host:
                    raise SiteConflict(f"two sites serve {host}")
                self._by_host[host] = site
            for name, url in site.names.items():
                if name in self._names:
                    raise SiteConflict(f"two sites name a resource {name!r}")
                self._names[name] = url
        self.hosts: list[str] = sorted(self._by_host)
        self.refused_hosts: list[str] = sorted({h for s in self.sites for h in s.refused_hosts})
        self.unresolvable_hosts: list[str] = sorted(
            {h for s in self.sites for h in s.unresolvable_hosts}
        )
        self.refused_address = ""
        self.request_log: list[LogEntry] = []
        self._log_lock = threading.Lock()
        self.authority = CertificateAuthority()
        self._server: ProxyServer | None = None
        self.proxy_url = ""

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, *, port: int = 0) -> FakeWeb:
        if self._server is not None:
            return self
        if self.refused_hosts:
            self.refused_address = refusing_address()
        server = ProxyServer(self._dispatch, self.authority, port=port)
        server.start()
        self._server = server
        host, bound_port = server.address
        self.proxy_url = f"http://{host}:{bound_port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeWeb:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what a crawler needs ---------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """Environment variables that send a crawler subprocess through the proxy."""
        if not self.proxy_url:
            raise RuntimeError("FakeWeb is not started")
        bypass = ",".join([*self.unresolvable_hosts, *self.refused_hosts, "localhost", "127.0.0.1"])
        return {
            "http_proxy": self.proxy_url,
            "https_proxy": self.proxy_url,
            "HTTP_PROXY": self.proxy_url,
            "HTTPS_PROXY": self.proxy_url,
            "no_proxy": bypass,
            "NO_PROXY": bypass,
        }

    def host_map(self) -> dict[str, str]:
        """Names the crawler's resolver answers: only the refused hosts, to a refusing IP."""
        if not self.proxy_url:
            raise RuntimeError("FakeWeb is not started")
        return {host: self.refused_address for host in self.refused_hosts}

    def scrapy_settings(self) -> dict[str, Any]:
        return {
            "REFTRAIL_HOST_MAP": self.host_map(),
            "REFTRAIL_HOST_MAP_ONLY": True,
            "REFTRAIL_ALLOW_PRIVATE_ADDRESSES": True,
            "ROBOTSTXT_OBEY": True,
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_TIMEOUT": 5,
        }

    def url(self, name: str, *, scheme: str | None = None) -> str:
        """The URL of a named resource, e.g. ``url("redirect-chain")``; ``scheme`` swaps it."""
        try:
            url = self._names[name]
        except KeyError:
            known = ", ".join(sorted(self._names))
            raise KeyError(f"no fake-web resource named {name!r}; known: {known}") from None
        if scheme is not None:
            url = scheme + url[url.index(":") :]
        return url

    @property
    def names(self) -> dict[str, str]:
        return dict(self._names)

    # --- serving ----------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Response:
        with self._log_lock:
            self.request_log.append(
                (request.host, request.method, request.target, dict(request.headers))
            )
        site = self._by_host.get(request.host)
        if site is None:
            return html(
                f"<h1>502 Bad Gateway</h1><p>The fake web serves no host {request.host}.</p>",
                status=502,
            )
        return site.handle(request)
