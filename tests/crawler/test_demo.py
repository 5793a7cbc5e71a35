"""`reftrail demo` (the README's first command) crawls the offline blog and says what to try."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from storage.archive import Archive
from storage.models import Capture, Citation, Post
from tests.crawler.conftest import run_cli


def test_demo_archives_the_blog_and_what_it_cites(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = run_cli(
        ["demo", "--archive", str(folder)], web=None, archive=folder, database_url=None
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "reftrail posts --archive" in result.stdout
    with Archive.open(folder, create=False) as archive, archive.session() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 8
        assert session.scalar(select(func.count()).select_from(Citation)) >= 8
        errors = set(session.scalars(select(Capture.error).where(Capture.error.is_not(None))))
        assert {"dns", "refused"} <= errors  # the dead citations, really dead
    verified = run_cli(["verify"], web=None, archive=folder, database_url=None)
    assert verified.returncode == 0, verified.stderr[-2000:]

    again = run_cli(["demo", "--archive", str(folder)], web=None, archive=folder, database_url=None)
    assert again.returncode == 0, again.stderr[-2000:]  # an earlier demo is replaced


def test_demo_never_touches_a_folder_that_is_not_a_demo(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    result = run_cli(
        ["demo", "--archive", str(folder)], web=None, archive=folder, database_url=None
    )
    assert result.returncode == 2
    assert "not a reftrail demo archive" in result.stderr
    assert (folder / "notes.txt").read_text() == "keep me"
