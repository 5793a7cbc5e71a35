"""The offline fake web that reftrail's tests and ``reftrail demo`` crawl.

Many real-looking hosts served from loopback over http and https through one proxy, with one
resource per failure mode, a made-up blog citing made-up news sites, and (when present) the
shared corpus of real pages at their original URLs. Start it with :class:`FakeWeb`.
"""

from __future__ import annotations

from crawler.fakeweb.exceptions import FakeWebError
from crawler.fakeweb.http import Request, Response
from crawler.fakeweb.site import Site
from crawler.fakeweb.web import FakeWeb, find_corpus_dir

__all__ = ["FakeWeb", "FakeWebError", "Request", "Response", "Site", "find_corpus_dir"]
