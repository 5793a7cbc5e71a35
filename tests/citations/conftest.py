"""Citation crawl tests run on every selected database, like the crawler's."""

from __future__ import annotations

from tests.crawler.conftest import fake_web, pytest_generate_tests

__all__ = ["fake_web", "pytest_generate_tests"]
