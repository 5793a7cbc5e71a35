"""Run other archive tools over WARC files: the proof that reftrail's WARCs are standard.

Helpers for tests (DESIGN.md, "WARC capture": every file must pass `warcio check`, index with
`cdxj-indexer` and replay in pywb):

- ``warcio_check(paths)``: ``warcio check -v`` (the warcio of the interpreter running the tests);
  raises AssertionError with its output when a digest fails, a file cannot be read, or a file
  holds no record at all.
- ``cdxj_index(paths)``: ``cdxj-indexer`` over each file; returns the parsed CDXJ lines
  (``surt``, ``timestamp`` and the JSON fields); AssertionError when a file yields no line.
- ``pywb_venv()``: the separate pywb virtualenv, built if needed by ``.ci/setup_pywb.sh``.
- ``pywb_replay(warc_paths, tmp_path)``: context manager; a pywb collection holding the files
  (``wb-manager init`` + ``wb-manager add``) served by pywb's ``wayback`` on 127.0.0.1.

pywb is never imported here: it runs in its own venv as a subprocess, so its pinned old
dependencies (redis 2.10, fakeredis 0.16, ...) cannot clash with reftrail's.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SETUP_PYWB = REPO_ROOT / ".ci" / "setup_pywb.sh"
SKIP_ENV = "REFTRAIL_SKIP_PYWB"

# Sub-processes get at most this long; a hung tool must fail the test, not stall the suite.
TOOL_TIMEOUT = 300
# Loopback only: anything pywb might try to fetch elsewhere goes to a dead local proxy port.
_NO_OUTBOUND = {
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "no_proxy": "127.0.0.1,localhost,::1",
    "NO_PROXY": "127.0.0.1,localhost,::1",
}


def _paths(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    result = [Path(p).resolve() for p in paths]
    if not result:
        raise ValueError("no WARC files given")
    missing = [str(p) for p in result if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"WARC files not found: {missing}")
    return result


def _venv_tool(name: str) -> list[str]:
    """Command line for a console script installed with the interpreter running the tests."""
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    found = shutil.which(name)
    if found:
        return [found]
    raise RuntimeError(f"{name!r} is not installed next to {sys.executable} (pip install {name})")


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, capture_output=True, text=True, errors="replace", timeout=TOOL_TIMEOUT, **kwargs
    )


# ---------------------------------------------------------------------------------------------
# warcio check


def warcio_python() -> Path:
    """The interpreter whose warcio runs ``warcio check``: the pywb venv's when it exists.

    ``warcio check`` decodes every payload, and its brotli path works only with the
    ``brotlipy`` module (webrecorder/warcio#73), while Scrapy needs Google's ``brotli`` >= 1.2;
    both install as ``brotli``. The pywb venv pins brotlipy, as pywb requires, so warcio
    checks there. ``REFTRAIL_SKIP_PYWB=1`` falls back to the test interpreter (br payloads
    then fail warcio's decoder, not reftrail's files).
    """
    if os.environ.get("REFTRAIL_SKIP_PYWB") and not os.environ.get("CI"):
        return Path(sys.executable)
    return pywb_venv() / "bin" / "python"


def warcio_check(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    require_digests: bool = False,
) -> str:
    """Run ``warcio check -v`` over the files; raise AssertionError with its output on failure.

    warcio has no ``__main__``, so its CLI entry point is run with the interpreter of
    :func:`warcio_python`. Fails when warcio exits non-zero (a digest mismatch, a file it
    cannot read, a crash on corrupt gzip) and also when a file shows no record at all (warcio
    passes an empty file silently). With ``require_digests`` every record but ``warcinfo`` must
    carry a digest that warcio checked (or a revisit's, which it cannot check): what reftrail
    writes. Returns the verbose output.
    """
    files = _paths(paths)
    cmd = [
        str(warcio_python()),
        "-c",
        "import sys; from warcio.cli import main; sys.exit(main())",
        "check",
        "-v",
        *map(str, files),
    ]
    proc = _run(cmd)
    output = proc.stdout + proc.stderr

    def fail(why: str) -> AssertionError:
        return AssertionError(f"warcio check: {why}\n$ warcio {' '.join(cmd[3:])}\n{output}")

    if proc.returncode != 0:
        raise fail(f"exit status {proc.returncode}")
    # In verbose mode warcio prints the file name before the first record of every file.
    printed = {line for line in proc.stdout.splitlines() if line and not line[0].isspace()}
    empty = [str(f) for f in files if str(f) not in printed]
    if empty:
        raise fail(f"no WARC record found in {empty}")
    if require_digests:
        lines = proc.stdout.splitlines()
        undigested = [
            f"{head.strip()} ({current})"
            for current, head, msg in _records(lines)
            if msg.strip() == "no digest to check" and not head.rstrip().endswith(" warcinfo")
        ]
        if undigested:
            raise fail(f"records without a digest: {undigested}")
    return output


def _records(lines: list[str]) -> Iterator[tuple[str, str, str]]:
    """(file, record line, message line) triples from ``warcio check -v`` output."""
    current = ""
    for i, line in enumerate(lines):
        if line and not line[0].isspace():
            current = line
        elif line.startswith("  offset ") and i + 1 < len(lines):
            yield current, line, lines[i + 1]


# ---------------------------------------------------------------------------------------------
# cdxj-indexer


def parse_cdxj_line(line: str) -> dict:
    """``'<surt> <timestamp> {json}'`` -> ``{"surt": ..., "timestamp": ..., **json}``."""
    surt, timestamp, fields = line.split(" ", 2)
    return {"surt": surt, "timestamp": timestamp, **json.loads(fields)}


def cdxj_index(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *extra_args: str,
) -> list[dict]:
    """Index each file with ``cdxj-indexer``; return its lines parsed, in file order.

    Each file is indexed on its own, from its directory, so ``filename`` is its base name (as
    in a pywb collection). Raises AssertionError when the indexer fails or when a file yields
    no line (nothing replayable in it). ``extra_args`` go to cdxj-indexer (e.g. ``"-p"``).
    """
    indexer = _venv_tool("cdxj-indexer")
    entries: list[dict] = []
    for path in _paths(paths):
        cmd = [*indexer, *extra_args, path.name]
        proc = _run(cmd, cwd=path.parent)
        where = f"$ cd {path.parent} && {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
        if proc.returncode != 0:
            raise AssertionError(f"cdxj-indexer failed (exit {proc.returncode})\n{where}")
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        if not lines:
            raise AssertionError(f"cdxj-indexer found nothing to index in {path}\n{where}")
        try:
            entries.extend(parse_cdxj_line(line) for line in lines)
        except ValueError as e:
            raise AssertionError(
                f"cdxj-indexer wrote a line that is not CDXJ ({e})\n{where}"
            ) from e
    return entries


# ---------------------------------------------------------------------------------------------
# pywb


class PywbUnavailable(RuntimeError):
    """The pywb virtualenv could not be built or pywb would not start."""


_pywb_venv: Path | None = None


def pywb_venv() -> Path:
    """The pywb virtualenv, built by ``.ci/setup_pywb.sh`` on first use (once per process).

    Raises PywbUnavailable, never skips, when it cannot be built: CI must not pass without
    replay. Locally ``REFTRAIL_SKIP_PYWB=1`` skips the calling test, with a loud reason; the
    variable is refused when ``CI`` is set.
    """
    global _pywb_venv
    if os.environ.get(SKIP_ENV, "") not in ("", "0"):
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            raise PywbUnavailable(f"{SKIP_ENV} is set but CI is too: CI must replay in pywb")
        reason = (
            f"!!! {SKIP_ENV}=1: pywb replay NOT tested; WARC interop is unproven in this run. "
            f"Unset it to test replay (the pywb venv is built by "
            f"{SETUP_PYWB.relative_to(REPO_ROOT)}). !!!"
        )
        print(reason, file=sys.stderr)
        pytest.skip(reason)
    if _pywb_venv is not None:
        return _pywb_venv
    if not SETUP_PYWB.is_file():
        raise PywbUnavailable(f"{SETUP_PYWB} is missing")
    try:
        proc = _run(["bash", str(SETUP_PYWB)], env=_clean_env())
    except subprocess.TimeoutExpired as e:
        raise PywbUnavailable(f"{SETUP_PYWB} took over {TOOL_TIMEOUT}s") from e
    if proc.returncode != 0:
        raise PywbUnavailable(
            f"{SETUP_PYWB} failed (exit {proc.returncode}); pywb replay cannot be tested.\n"
            f"{proc.stdout}{proc.stderr}"
        )
    venv = Path(
        os.environ.get("REFTRAIL_PYWB_VENV") or Path.home() / ".cache" / "reftrail" / "pywb-venv"
    )
    for tool in ("wb-manager", "wayback"):
        if not (venv / "bin" / tool).exists():
            raise PywbUnavailable(f"{SETUP_PYWB} succeeded but {venv}/bin/{tool} is missing")
    _pywb_venv = venv
    return venv


def _clean_env() -> dict[str, str]:
    """The environment minus what would make another venv's Python pick up ours."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONWARNINGS", "PYTHONSTARTUP")
        and not k.startswith("PYTEST_")
    }
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and p != bindir
    )
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PywbServer:
    """A running pywb ``wayback`` serving one collection on 127.0.0.1."""

    root: Path
    coll: str
    port: int
    log_path: Path
    proc: subprocess.Popen = field(repr=False)
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def replay_url(self, timestamp: str, url: str, *, raw: bool = True) -> str:
        """Path of a capture: ``/<coll>/<ts>id_/<url>`` (raw, as archived) by default,
        ``/<coll>/<ts>/<url>`` (rewritten for replay; frames are off) with ``raw=False``."""
        return f"/{self.coll}/{timestamp}{'id_' if raw else ''}/{url}"

    def get(
        self, path: str, *, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """GET a path (or a full URL on this server) without following redirects.

        Returns (status, headers, body). Headers are case-insensitive (``.get``,
        ``.get_all``); the body is de-chunked but otherwise as pywb sent it.
        """
        if path.startswith(self.base_url):
            path = path[len(self.base_url) :]
        if not path.startswith("/"):
            raise ValueError(f"not a path on {self.base_url}: {path!r}")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, resp.headers, body
        finally:
            conn.close()

    def cdx(self, url: str, **params: str) -> list[dict]:
        """pywb's own CDX API for ``url`` (e.g. ``matchType="prefix"``), JSON lines parsed."""
        query = urllib.parse.urlencode({"url": url, "output": "json", **params})
        status, _, body = self.get(f"/{self.coll}/cdx?{query}")
        if status != 200:
            raise AssertionError(f"pywb cdx query for {url} -> HTTP {status}\n{body[:2000]!r}")
        return [json.loads(line) for line in body.decode().splitlines() if line.strip()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def _wb_manager(venv: Path, root: Path, *args: str) -> str:
    """Run wb-manager; fail on a non-zero exit or a logged error (it exits 0 when it could
    not index a file). Returns its output."""
    cmd = [str(venv / "bin" / "wb-manager"), *args]
    proc = _run(cmd, cwd=root, env={**_clean_env(), **_NO_OUTBOUND})
    output = proc.stdout + proc.stderr
    if proc.returncode != 0 or "[ERROR]" in output or "Traceback" in output:
        raise AssertionError(
            f"wb-manager failed (exit {proc.returncode})\n$ cd {root} && {' '.join(cmd)}\n{output}"
        )
    return output


def _check_collection_index(root: Path, coll: str, names: list[str], output: str) -> None:
    """Every added file must have at least one line in the collection's index."""
    index_dir = root / "collections" / coll / "indexes"
    indexed: set[str] = set()
    for index in index_dir.glob("*.cdxj"):
        for line in index.read_text(errors="replace").splitlines():
            if line.strip():
                indexed.add(parse_cdxj_line(line).get("filename", ""))
    unindexed = [n for n in names if n not in indexed]
    if unindexed:
        raise AssertionError(
            f"wb-manager failed: nothing from {unindexed} in pywb's index {index_dir}\n{output}"
        )


@contextlib.contextmanager
def pywb_replay(
    warc_paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    tmp_path: str | os.PathLike[str],
    *,
    coll: str = "reftrail",
    startup_timeout: float = 60,
) -> Iterator[PywbServer]:
    """Serve the WARC files from a fresh pywb collection under ``tmp_path/pywb``.

    Runs ``wb-manager init <coll>`` and ``wb-manager add <coll> <files>`` (which copies the
    files into the collection and indexes them; AssertionError if it logs an error or leaves a
    file out of the index, since it exits 0 either way), writes a
    ``config.yaml`` turning framed replay off (so ``/<coll>/<ts>/<url>`` is the rewritten page
    itself, not a frame around it), starts ``wayback`` on a free 127.0.0.1 port, waits until
    it answers and stops it on exit. Its log is ``server.log()``.
    """
    files = _paths(warc_paths)
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise ValueError(f"wb-manager add needs distinct file names, got {names}")
    venv = pywb_venv()
    root = Path(tmp_path) / "pywb"
    root.mkdir(parents=True)
    (root / "config.yaml").write_text(
        "# written by tests/interop/tools.py\nframed_replay: false\n", encoding="utf-8"
    )
    _wb_manager(venv, root, "init", coll)
    output = _wb_manager(venv, root, "add", coll, *map(str, files))
    _check_collection_index(root, coll, names, output)

    server = _start_wayback(venv, root, coll, startup_timeout)
    try:
        yield server
    finally:
        server.stop()


def _start_wayback(venv: Path, root: Path, coll: str, startup_timeout: float) -> PywbServer:
    env = {**_clean_env(), **_NO_OUTBOUND}
    last_log = ""
    for attempt in range(3):  # the free port may be taken between probe and bind: retry
        port = _free_port()
        log_path = root / f"wayback-{attempt}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [str(venv / "bin" / "wayback"), "--port", str(port), "--bind", "127.0.0.1"],
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = PywbServer(root=root, coll=coll, port=port, log_path=log_path, proc=proc)
        deadline = time.monotonic() + startup_timeout
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    status, _, _ = server.get(f"/{coll}/", timeout=5)
                except OSError:
                    time.sleep(0.1)
                    continue
                if status == 200:
                    return server
                raise PywbUnavailable(
                    f"pywb answered GET /{coll}/ with HTTP {status}\n{server.log()}"
                )
        except BaseException:
            server.stop()
            raise
        server.stop()
        last_log = server.log()
        if time.monotonic() >= deadline:
            raise PywbUnavailable(
                f"pywb did not answer on 127.0.0.1:{port} within {startup_timeout}s\n{last_log}"
            )
    raise PywbUnavailable(f"pywb exited at startup three times; last log:\n{last_log}")
