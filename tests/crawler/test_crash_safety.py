"""A crawl stopped at any moment loses nothing; bad input gets a clear message.

Real crawls of the fake web's Millbrook Chronicle (316 pages, 305 requisites) run through the
``reftrail`` CLI in subprocesses, into archives on real SQLite and real PostgreSQL:

- SIGKILL at seeded random moments: closed WARCs stay valid, ``verify --repair`` mends the
  ``.open`` one, the next crawl resumes without fetching again what was done, and every
  capture written before a kill still verifies at the end.
- Ctrl-C (SIGINT) and SIGTERM: the crawl closes its WARC, is marked ``interrupted``, exits 1,
  and the next crawl resumes it; ``--fresh`` starts a new one whose payloads become revisits.
- A full disk (a file size limit): exit 1 with one clear line, the WARC ends at a record
  boundary, no row points past it, and the next crawl resumes.
- An unusable archive folder and bad command lines: exit 1 or 2 with one line, no traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.chronicle import CHRONICLE_HOST, ChronicleSite
from storage.archive import Archive
from storage.models import Capture, Crawl, FrontierEntry
from storage.warc.reader import iter_records, read_record
from storage.warc.writer import OPEN_SUFFIX
from tests.crawler.conftest import REPO, crawl_settings, database_for, run_cli
from tests.interop.tools import warcio_check

# Seed of the kill points; a failure message names the points used, so it can be replayed.
KILL_SEED = 20261125
KILLS = 4
# A page may be fetched again only if it was not yet marked done when the crawl was killed:
# what was in flight or still queued for the archive writer, i.e. fetched in the last moments.
# (Measured here: 10 to 190 URLs per kill, requested at most ~1 s before it.)
MAX_UNDONE_AGE_S = 5.0
SETTLE_TIMEOUT = 120  # seconds a crawl may take to reach a kill point or to finish

pytestmark = pytest.mark.slow


# --- helpers ---------------------------------------------------------------------------------


def _chronicle(web: FakeWeb) -> ChronicleSite:
    return next(site for site in web.sites if isinstance(site, ChronicleSite))


def _expected_urls(web: FakeWeb) -> set[str]:
    site = _chronicle(web)
    return {*site.page_urls(), *site.requisite_urls()}


def _crawl_args(web: FakeWeb, *extra: str) -> list[str]:
    return ["crawl", web.url("chronicle-home"), *extra, *crawl_settings(web)]


def _env(web: FakeWeb, archive: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFTRAIL_")}
    env.update(web.env())
    env["REFTRAIL_ARCHIVE"] = str(archive)
    if database_url:
        env["REFTRAIL_DATABASE_URL"] = database_url
    return env


@dataclass
class Running:
    """A crawl subprocess in a session of its own, its output going to a file."""

    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _start(
    args: list[str],
    web: FakeWeb,
    archive: Path,
    database_url: str | None,
    log: Path,
    *,
    preexec_fn=None,
) -> Running:
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", *args],
            env=_env(web, archive, database_url),
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
    return Running(proc, log)


def _session_pids(session: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is the state, [3] the session id; zombies hold nothing any more.
        if int(fields[3]) == session and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def _end_session(running: Running) -> None:
    """Stop what the crawl left behind (extraction workers outlive a SIGKILLed parent)."""
    if running.proc.poll() is None:
        running.proc.kill()
        running.proc.wait(timeout=30)
    for pid in _session_pids(running.proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _gets(web: FakeWeb, start: int, end: int | None = None) -> list[str]:
    """URLs of the Chronicle fetched since ``start`` in the fake web's log (robots.txt aside)."""
    return [
        f"http://{host}{target}"
        for host, method, target, _ in web.request_log[start:end]
        if host == CHRONICLE_HOST and method == "GET" and target != "/robots.txt"
    ]


def _wait_for_requests(running: Running, web: FakeWeb, start: int, count: int) -> dict[str, float]:
    """Wait until the crawl has made ``count`` requests since ``start``.

    Returns when each URL requested so far was first seen in the log (``time.monotonic()``).
    """
    deadline = time.monotonic() + SETTLE_TIMEOUT
    seen: dict[str, float] = {}
    position, served = start, 0
    while True:
        now, end = time.monotonic(), len(web.request_log)
        for url in _gets(web, position, end):
            seen.setdefault(url, now)
            served += 1
        position = end
        if served >= count:
            return seen
        if running.proc.poll() is not None:
            raise AssertionError(
                f"the crawl ended (exit {running.proc.returncode}) after {served} requests, "
                f"before the {count} it was to be stopped at:\n{running.output[-4000:]}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"only {served} of {count} requests in {SETTLE_TIMEOUT} s")
        time.sleep(0.002)


def _warc_files(archive: Path) -> tuple[list[Path], list[Path]]:
    files = sorted((archive / "warcs").iterdir())
    return (
        [f for f in files if f.name.endswith(".warc.gz")],
        [f for f in files if f.name.endswith(OPEN_SUFFIX)],
    )


class ClosedWarcs:
    """Closed WARC files seen so far, by content: a closed file must never change again.

    ``warcio check`` runs once, at the end, over every file; since each file seen earlier is
    byte for byte what it was, it passed then too (and a file's check costs seconds).
    """

    def __init__(self) -> None:
        self.digests: dict[Path, str] = {}

    def note(self, files: list[Path]) -> None:
        for path in files:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert self.digests.setdefault(path, digest) == digest, f"{path.name} changed"

    def check_all(self, files: list[Path]) -> None:
        self.note(files)
        vanished = sorted(p.name for p in self.digests if p not in files)
        assert not vanished, f"closed WARC files vanished: {vanished}"
        warcio_check(files)


def _open(archive: Path, database_url: str | None) -> Archive:
    return Archive.open(archive, database_url=database_url, create=False)


@dataclass
class Snapshot:
    crawls: list[tuple[int, str]]  # (id, state)
    frontier: dict[str, bool]  # url -> done
    captures: dict[int, tuple]  # id -> (url, file, offset, length, record id, digest)


def _snapshot(archive: Path, database_url: str | None) -> Snapshot:
    with _open(archive, database_url) as opened, opened.session() as session:
        crawls = [tuple(row) for row in session.execute(select(Crawl.id, Crawl.state))]
        frontier = dict(session.execute(select(FrontierEntry.url, FrontierEntry.done)).all())
        captures = {
            row[0]: tuple(row[1:])
            for row in session.execute(
                select(
                    Capture.id,
                    Capture.url,
                    Capture.warc_file,
                    Capture.warc_offset,
                    Capture.warc_length,
                    Capture.record_id,
                    Capture.payload_digest,
                )
            )
        }
    return Snapshot(crawls, frontier, captures)  # type: ignore[arg-type]


def _captures(archive: Path, database_url: str | None) -> list[Capture]:
    with _open(archive, database_url) as opened, opened.session() as session:
        return list(session.scalars(select(Capture).order_by(Capture.id)))


def _assert_still_archived(archive: Path, rows: dict[int, tuple], now: dict[int, tuple]) -> None:
    """Every row seen earlier is unchanged and its record still reads back and verifies."""
    changed = {i: (row, now.get(i)) for i, row in rows.items() if now.get(i) != row}
    assert not changed, f"capture rows changed or vanished: {list(changed.items())[:5]}"
    for url, name, offset, length, record_id, digest in rows.values():
        if name is None:
            continue  # a failed fetch: a row only
        record = read_record(archive / "warcs", name, offset, length)  # verifies digests
        assert record.record_id == record_id and record.target_uri == url
        assert record.rec_headers.get_header("WARC-Payload-Digest") == digest


def _one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr[-4000:]
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr[-4000:]
    return errors[0]


# --- SIGKILL at random moments ---------------------------------------------------------------


@dataclass
class Kill:
    stage: int
    after_requests: int
    jitter_s: float
    served: int = 0
    open_files: int = 0
    refetched: int = 0

    def __str__(self) -> str:
        return (
            f"kill {self.stage}: after {self.after_requests} requests (+{self.jitter_s * 1000:.0f}"
            f" ms; {self.served} served), {self.open_files} .open, {self.refetched} refetched"
        )


def test_sigkill_at_random_moments_loses_nothing(
    fake_web: FakeWeb, module_db: str, tmp_path: Path
) -> None:
    """Kill the same crawl four times, each at a seeded random point of what is left to do."""
    expected = _expected_urls(fake_web)
    root = tmp_path / "archive"
    rng = random.Random(KILL_SEED)
    kills: list[Kill] = []
    kept: dict[int, tuple] = {}  # every capture row seen after a kill
    done: set[str] = set()  # frontier entries done at the latest kill
    fetched: Counter[str] = Counter()
    warcs = ClosedWarcs()
    with database_for(module_db) as db_url:
        for stage in range(KILLS + 1):
            last = stage == KILLS
            start = len(fake_web.request_log)
            running = _start(
                _crawl_args(fake_web), fake_web, root, db_url, tmp_path / f"crawl-{stage}.log"
            )
            try:
                if last:
                    running.proc.wait(timeout=SETTLE_TIMEOUT)
                else:
                    left = len(expected - done)
                    kill = Kill(stage, max(5, int(left * rng.uniform(0.1, 0.6))), rng.random() / 20)
                    kills.append(kill)
                    first_seen = _wait_for_requests(running, fake_web, start, kill.after_requests)
                    time.sleep(kill.jitter_s)
                    os.kill(running.proc.pid, signal.SIGKILL)
                    killed_at = time.monotonic()
                    running.proc.wait(timeout=30)
            finally:
                _end_session(running)
            history = "; ".join(map(str, kills))
            output = running.output
            if stage:
                assert "resuming crawl" in output, f"{history}\n{output[-4000:]}"
            this_run = _gets(fake_web, start)
            twice = [url for url, n in Counter(this_run).items() if n > 1]
            assert not twice, f"fetched twice in one run: {twice[:5]} ({history})"
            again = sorted(set(this_run) & done)
            assert not again, f"fetched again although done before the kill: {again[:5]}; {history}"
            fetched.update(this_run)
            if last:
                assert running.proc.returncode == 0, f"{history}\n{output[-4000:]}"
                break

            kill.served = len(this_run)
            closed, open_files = _warc_files(root)
            kill.open_files = len(open_files)
            assert len(open_files) <= 1, (open_files, history)
            warcs.note(closed)
            snap = _snapshot(root, db_url)
            assert [state for _, state in snap.crawls] == ["running"], (snap.crawls, history)
            done_now = {url for url, is_done in snap.frontier.items() if is_done}
            assert done <= done_now, f"done marks lost: {sorted(done - done_now)[:5]}"
            # What this run fetched but had not marked done is fetched again by the next runs:
            # only what it fetched in its last moments, not what it finished long before.
            undone = set(this_run) - done_now
            kill.refetched = len(undone)
            old = {url: killed_at - first_seen[url] for url in undone if url in first_seen}
            stale = {url: age for url, age in old.items() if age > MAX_UNDONE_AGE_S}
            assert not stale, f"fetched long before the kill, still not done: {stale}; {history}"
            _assert_still_archived(root, kept, snap.captures)
            kept.update(snap.captures)
            done = done_now

            repair = run_cli(["verify", "--repair"], web=None, archive=root, database_url=db_url)
            assert repair.returncode == 0, f"{history}\n{repair.stderr[-4000:]}"
            closed, open_files = _warc_files(root)
            assert not open_files, open_files
            warcs.note(closed)

        history = "; ".join(map(str, kills))
        print(f"\n[{module_db}] kill points (seed {KILL_SEED}): {history}")
        missing = expected - set(fetched)
        assert not missing, f"never fetched: {sorted(missing)[:5]} ({history})"
        refetched = {url: n for url, n in fetched.items() if n > 1}
        assert sum(n - 1 for n in refetched.values()) == sum(k.refetched for k in kills)

        snap = _snapshot(root, db_url)
        assert [state for _, state in snap.crawls] == ["done"], snap.crawls
        assert all(snap.frontier.values()) and set(snap.frontier) == expected
        _assert_still_archived(root, kept, snap.captures)
        captures = _captures(root, db_url)
        archived = {c.url for c in captures if c.status == 200}
        assert not expected - archived, sorted(expected - archived)[:5]
        responses = [(c.url, c.payload_digest) for c in captures if c.record_type == "response"]
        assert len(responses) == len(set(responses)), "a payload was stored twice"
        final = run_cli(["verify"], web=None, archive=root, database_url=db_url)
        assert final.returncode == 0, final.stderr[-4000:]
        closed, open_files = _warc_files(root)
        assert not open_files
        warcs.check_all(closed)


# --- Ctrl-C and SIGTERM ------------------------------------------------------------------------


def _stop_midway(
    web: FakeWeb, root: Path, db_url: str | None, log: Path, how: signal.Signals
) -> tuple[Running, list[str]]:
    """Start a crawl, send ``how`` once it is a third of the way through, wait for it."""
    start = len(web.request_log)
    running = _start(_crawl_args(web), web, root, db_url, log)
    try:
        _wait_for_requests(running, web, start, len(_expected_urls(web)) // 3)
        os.kill(running.proc.pid, how)
        running.proc.wait(timeout=SETTLE_TIMEOUT)
    finally:
        _end_session(running)
    return running, _gets(web, start)


def _assert_stopped_cleanly(running: Running, root: Path, db_url: str | None) -> Snapshot:
    output = running.output
    assert running.proc.returncode == 1, output[-4000:]
    error = _one_line_error(output)
    assert "did not finish" in error, error
    closed, open_files = _warc_files(root)
    assert not open_files, f"the WARC was not closed: {open_files}"
    warcio_check(closed)
    logs = [
        record
        for path in closed
        for record in iter_records(path)
        if record.rec_type == "resource" and record.target_uri.startswith("urn:reftrail:crawl-log:")
    ]
    assert len(logs) == 1, "the stopped crawl's log is stored in its WARC"
    snap = _snapshot(root, db_url)
    assert [state for _, state in snap.crawls] == ["interrupted"], snap.crawls
    verified = run_cli(["verify"], web=None, archive=root, database_url=db_url)
    assert verified.returncode == 0, verified.stderr[-4000:]
    return snap


def _resume(web: FakeWeb, root: Path, db_url: str | None, done: set[str]) -> list[str]:
    start = len(web.request_log)
    resumed = run_cli(_crawl_args(web), web=web, archive=root, database_url=db_url)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert "resuming crawl" in resumed.stderr, resumed.stderr[-4000:]
    fetched = _gets(web, start)
    again = sorted(set(fetched) & done)
    assert not again, f"fetched again although done when stopped: {again[:5]}"
    return fetched


def test_ctrl_c_closes_the_warc_and_the_next_crawl_resumes(
    fake_web: FakeWeb, module_db: str, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    expected = _expected_urls(fake_web)
    with database_for(module_db) as db_url:
        running, first = _stop_midway(fake_web, root, db_url, tmp_path / "c.log", signal.SIGINT)
        snap = _assert_stopped_cleanly(running, root, db_url)
        done = {url for url, is_done in snap.frontier.items() if is_done}
        undone = set(first) - done
        print(f"\n[{module_db}] Ctrl-C after {len(first)} requests: {len(undone)} not done")
        assert len(undone) <= 10, f"a graceful stop leaves undone what it fetched: {undone}"
        second = _resume(fake_web, root, db_url, done)
        assert set(first) | set(second) >= expected

        snap = _snapshot(root, db_url)
        assert [state for _, state in snap.crawls] == ["done"], snap.crawls
        old_ids = {crawl_id for crawl_id, _ in snap.crawls}

        # --fresh starts over: a new crawl that fetches the seed again and stores no payload
        # twice, since nothing on the site changed.
        start = len(fake_web.request_log)
        fresh = run_cli(
            _crawl_args(fake_web, "--fresh"), web=fake_web, archive=root, database_url=db_url
        )
        assert fresh.returncode == 0, fresh.stderr[-4000:]
        assert "resuming crawl" not in fresh.stderr
        assert set(_gets(fake_web, start)) == expected
        captures = _captures(root, db_url)
        new = [c for c in captures if c.crawl_id not in old_ids]
        assert {c.crawl_id for c in new} and len({c.crawl_id for c in new}) == 1
        robots = fake_web.url("chronicle-home") + "robots.txt"
        assert {c.url for c in new if c.status == 200} == expected | {robots}
        assert all(c.record_type == "revisit" for c in new), [
            (c.url, c.record_type) for c in new if c.record_type != "revisit"
        ][:5]
        responses = [(c.url, c.payload_digest) for c in captures if c.record_type == "response"]
        assert len(responses) == len(set(responses)), "a payload was stored twice"


def test_sigterm_stops_cleanly_like_ctrl_c(
    fake_web: FakeWeb, module_db: str, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    with database_for(module_db) as db_url:
        running, first = _stop_midway(fake_web, root, db_url, tmp_path / "t.log", signal.SIGTERM)
        snap = _assert_stopped_cleanly(running, root, db_url)
        undone = {url for url, is_done in snap.frontier.items() if not is_done}
        assert undone, "stopped midway, something is left to resume"
        assert len(set(first) & undone) <= 10, "a graceful stop finishes what it fetched"


# --- a full disk -------------------------------------------------------------------------------

# Small enough that the WARC reaches it a quarter of the way through the site.
FILE_SIZE_LIMIT = 300_000


def _limit_file_size() -> None:
    # Python ignores SIGXFSZ already; say so, so a write past the limit fails with EFBIG
    # instead of killing the crawl.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_full_disk_stops_at_a_record_boundary_and_the_crawl_resumes(
    fake_web: FakeWeb, module_db: str, tmp_path: Path
) -> None:
    """A file size limit plays the full disk: writes past it fail as on a full disk.

    On PostgreSQL only: with SQLite the database files in the archive fill up first.
    """
    if module_db != "postgresql":
        pytest.skip("the SQLite database, not the WARC, would hit the file size limit first")
    root = tmp_path / "archive"
    with database_for(module_db) as db_url:
        running = _start(
            _crawl_args(fake_web),
            fake_web,
            root,
            db_url,
            tmp_path / "full.log",
            preexec_fn=_limit_file_size,
        )
        try:
            running.proc.wait(timeout=SETTLE_TIMEOUT)
        finally:
            _end_session(running)
        output = running.output
        assert running.proc.returncode == 1, output[-4000:]
        error = _one_line_error(output)
        assert "file size limit reached" in error and "cut back" in error, error
        assert "run the crawl again to resume" in error, error

        closed, open_files = _warc_files(root)
        assert not open_files and len(closed) == 1, (closed, open_files)
        size = closed[0].stat().st_size
        assert FILE_SIZE_LIMIT - 20_000 < size <= FILE_SIZE_LIMIT, size
        warcio_check(closed)  # ends at a record boundary, without any repair
        captures = _captures(root, db_url)
        assert captures
        past = [c.url for c in captures if c.warc_file and c.warc_offset + c.warc_length > size]
        assert not past, f"rows point past the end of {closed[0].name}: {past[:5]}"
        snap = _snapshot(root, db_url)
        assert [state for _, state in snap.crawls] == ["failed"], snap.crawls
        verified = run_cli(["verify"], web=None, archive=root, database_url=db_url)
        assert verified.returncode == 0, verified.stderr[-4000:]

        # With room again, the same command picks up where the full disk stopped it.
        done = {url for url, is_done in snap.frontier.items() if is_done}
        _resume(fake_web, root, db_url, done)
        archived = {c.url for c in _captures(root, db_url) if c.status == 200}
        assert archived >= _expected_urls(fake_web)
        verified = run_cli(["verify"], web=None, archive=root, database_url=db_url)
        assert verified.returncode == 0, verified.stderr[-4000:]


# --- an unusable archive folder and bad command lines ------------------------------------------


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_an_archive_folder_that_cannot_be_made_is_one_clear_line(
    fake_web: FakeWeb, tmp_path: Path, where: str
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("something else lives here\n")
    archive = blocker if where == "a file" else blocker / "archive"
    result = run_cli(
        ["crawl", fake_web.url("chronicle-home"), "--archive", str(archive)],
        web=fake_web,
        archive=tmp_path / "unused",
        database_url=None,
    )
    assert result.returncode == 1, result.stderr
    error = _one_line_error(result.stderr)
    assert str(archive) in error and "Choose a writable folder" in error, error
    assert blocker.read_text() == "something else lives here\n"
    assert "Scrapy" not in result.stderr, "the crawl must not start"


BAD_COMMAND_LINES = [
    (["crawl", "not a url"], 2, "invalid URL 'not a url'"),
    (["crawl", "ftp://www.millbrook-chronicle.com/"], 2, "give an http:// or https:// address"),
    (["crawl", "http:///no-host"], 2, "invalid URL"),
    (["crawl", "http://www.millbrook-chronicle.com/", "--bogus"], 2, "No such option: --bogus"),
    (["crawl", "http://www.millbrook-chronicle.com/", "--include", "("], 2, "invalid regular"),
    (["crawl", "http://www.millbrook-chronicle.com/", "--exclude", "[a"], 2, "invalid regular"),
    (["crawl", "http://www.millbrook-chronicle.com/", "-s", "DEPTH"], 2, "-s expects NAME=VALUE"),
    (["crawl", "http://[::1/"], 2, "invalid URL 'http://[::1/'"),
    (["crawl", "http://www.millbrook-chronicle.com:99999/"], 2, "invalid URL"),
    (["crawl", "http://www.millbrook-chronicle.com/", "--depth", "-1"], 2, "or equal to 0"),
    (["crawl", "http://www.millbrook-chronicle.com/", "--max-pages", "-3"], 2, "or equal to 0"),
    (
        ["crawl", "http://www.millbrook-chronicle.com/", "-s", "REFTRAIL_DEPTH=abc"],
        2,
        "REFTRAIL_DEPTH must be a whole number, not 'abc'",
    ),
    (
        ["crawl", "http://www.millbrook-chronicle.com/", "-s", "DOWNLOAD_TIMEOUT=soon"],
        2,
        "DOWNLOAD_TIMEOUT must be",
    ),
    (["verify"], 1, "no archive at"),
    (["verify", "--repair"], 1, "no archive at"),
    (["reindex"], 1, "no archive at"),
]


@pytest.mark.parametrize(
    ("args", "code", "reason"),
    BAD_COMMAND_LINES,
    ids=[" ".join(a) for a, _, _ in BAD_COMMAND_LINES],
)
def test_bad_input_is_one_clear_line(
    tmp_path: Path, args: list[str], code: int, reason: str
) -> None:
    missing = tmp_path / "no-archive-here"
    result = run_cli(args, web=None, archive=missing, database_url=None, timeout=60)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if reason in line]
    assert len(lines) == 1, result.stderr  # the reason, whole, on one line
    if code == 1:
        assert str(missing) in lines[0], lines[0]
    assert not missing.exists(), "a failed command must not create an archive"


# --- the extraction pool dies with its crawl and ignores a terminal's Ctrl-C ---------------------


def test_sigkill_leaves_no_process_behind(fake_web: FakeWeb, tmp_path: Path) -> None:
    start = len(fake_web.request_log)
    running = _start(_crawl_args(fake_web), fake_web, tmp_path / "archive", None, tmp_path / "k")
    try:
        _wait_for_requests(running, fake_web, start, 150)
        os.kill(running.proc.pid, signal.SIGKILL)
        running.proc.wait(timeout=30)
        deadline = time.monotonic() + 3
        while _session_pids(running.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _session_pids(running.proc.pid)
    finally:
        _end_session(running)
    assert not left, f"{len(left)} processes of the killed crawl are still running"


def test_ctrl_c_in_a_terminal_stops_cleanly(fake_web: FakeWeb, tmp_path: Path) -> None:
    """A terminal's Ctrl-C signals the whole foreground process group, not just the crawl."""
    root = tmp_path / "archive"
    start = len(fake_web.request_log)
    running = _start(_crawl_args(fake_web), fake_web, root, None, tmp_path / "c")
    try:
        _wait_for_requests(running, fake_web, start, len(_expected_urls(fake_web)) // 3)
        os.killpg(running.proc.pid, signal.SIGINT)
        running.proc.wait(timeout=10)  # a clean stop takes a second or two
    finally:
        _end_session(running)
    _assert_stopped_cleanly(running, root, None)
