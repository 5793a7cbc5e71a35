"""Real pages from the shared corpus, served at the URLs they were captured from.

The corpus (``../shared/corpus``, described by its PROVENANCE.md) is third-party test data and
is never copied into the repository: this site reads MANIFEST.json at start and each file when
it is requested. Only HTML pages and feeds that have an original URL are served, on http and
https alike; the expected-output files beside them are not pages and are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from crawler.fakeweb.http import Request, Response, content
from crawler.fakeweb.site import Site

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".xml": "application/xml",
}


class CorpusSite(Site):
    """Every corpus page with a URL, on its original host and path."""

    def __init__(self, corpus_dir: Path) -> None:
        super().__init__()
        self.corpus_dir = Path(corpus_dir)
        manifest = json.loads((self.corpus_dir / "MANIFEST.json").read_text("utf-8"))
        expected = {name for entry in manifest for name in entry.get("expected") or ()}
        self._files: dict[tuple[str, str], Path] = {}
        self.pages: list[tuple[str, Path]] = []
        for entry in manifest:
            url, name = entry.get("url"), entry["file"]
            suffix = Path(name).suffix.lower()
            if not url or name in expected or suffix not in CONTENT_TYPES:
                continue
            if ".expected" in name:
                continue
            parts = urlsplit(url)
            if not parts.hostname:
                continue
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            key = (parts.hostname.lower(), target)
            if key in self._files:
                continue
            path = self.corpus_dir / name
            self._files[key] = path
            self.pages.append((url, path))
        self.hosts = tuple(sorted({host for host, _ in self._files}))

    def handle(self, request: Request) -> Response:
        path = self._files.get((request.host, request.target))
        if path is None or not path.is_file():
            return self.fallback(request)
        return content(path.read_bytes(), CONTENT_TYPES[path.suffix.lower()])
