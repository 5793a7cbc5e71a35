"""A faster malloc for the extraction workers, when the machine has one.

trafilatura copies each page's lxml tree several times and frees every copy; with glibc's
malloc a fifth of an extraction worker's instructions are allocator work (callgrind:
``_int_free``, ``malloc``; perf adds ``malloc_consolidate`` cache misses). mimalloc or
jemalloc, preloaded into the workers' forkserver (every worker forks from it), make
extraction ~15 % cheaper on news pages (benchmarks/README.md). The crawl process itself keeps
the system allocator: only new processes can be given another one.

Debian and Ubuntu ship them as ``libmimalloc2.0`` and ``libjemalloc2``; the repository's
scripts install mimalloc where they can. Without either, workers use the system allocator.
"""

from __future__ import annotations

import ctypes.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

AUTO, SYSTEM = "auto", "system"
# Preferred first: mimalloc was the faster of the two on the benchmark site's pages.
CANDIDATES = (("libmimalloc.so.2", "mimalloc"), ("libjemalloc.so.2", "jemalloc"))
LIBRARY_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
)


class AllocatorError(ValueError):
    """REFTRAIL_EXTRACT_ALLOCATOR names nothing usable."""


def choose_allocator(choice: str) -> str | None:
    """The malloc library workers preload for ``choice`` (auto, system or a path), or None."""
    choice = (choice or AUTO).strip()
    if choice == SYSTEM:
        return None
    if choice != AUTO:
        if not Path(choice).is_file():
            raise AllocatorError(
                f"REFTRAIL_EXTRACT_ALLOCATOR is {choice!r}, which is not a file: give auto, "
                "system, or the path of a malloc library such as libmimalloc.so.2"
            )
        return choice
    for filename, name in CANDIDATES:
        for folder in LIBRARY_DIRS:
            path = Path(folder, filename)
            if path.is_file():
                return str(path)
        found = ctypes.util.find_library(name)  # other layouts, through ldconfig's cache
        if found:
            return found
    return None


@contextmanager
def preloaded(library: str | None) -> Iterator[None]:
    """Processes started inside this block load ``library`` first (``LD_PRELOAD``)."""
    if library is None:
        yield
        return
    before = os.environ.get("LD_PRELOAD")
    os.environ["LD_PRELOAD"] = f"{library}:{before}" if before else library
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("LD_PRELOAD", None)
        else:
            os.environ["LD_PRELOAD"] = before
