"""The house rules, enforced: ruff-clean, ruff-formatted, and mypy-clean packages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ["crawler", "storage", "webapp"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout[-5000:]


def test_code_is_formatted() -> None:
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout[-5000:]


@pytest.mark.slow
def test_packages_type_check() -> None:
    result = _run("mypy", *PACKAGES, "--ignore-missing-imports")
    assert result.returncode == 0, result.stdout[-5000:]
