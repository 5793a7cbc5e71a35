"""Link-check runs run on every selected database, like the crawler's."""

from __future__ import annotations

from tests.crawler.conftest import pytest_generate_tests

__all__ = ["pytest_generate_tests"]
