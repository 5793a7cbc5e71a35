"""pywb beside the web app: its process, and the thread that keeps its index current.

pywb pins old libraries (redis 2.10, werkzeug, fakeredis), so it never shares reftrail's
environment: it runs from a virtualenv of its own (``REFTRAIL_PYWB_VENV``, default
``~/.cache/reftrail/pywb-venv``, built by ``.ci/setup_pywb.sh``) as pywb's ``wayback``
server. :class:`PywbBeside` starts it with the app and stops it with the app; on Linux it
also asks the kernel to end pywb if reftrail itself dies (``PR_SET_PDEATHSIG``), so no pywb
outlives the ``reftrail serve`` that started it.
"""

from __future__ import annotations

import ctypes
import http.client
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from storage.archive import Archive
from storage.pywb_index import COLLECTION, PywbCollection

log = logging.getLogger(__name__)

VENV_ENV = "REFTRAIL_PYWB_VENV"
SYNC_INTERVAL = 2.0  # seconds between index checks: one folder listing and one query
STARTUP_TIMEOUT = 60.0


class PywbError(RuntimeError):
    """pywb is not installed, or would not start; the message says what to do."""


def pywb_venv() -> Path:
    """The virtualenv holding pywb's ``wayback``; :class:`PywbError` says how to build one."""
    venv = Path(os.environ.get(VENV_ENV) or Path.home() / ".cache" / "reftrail" / "pywb-venv")
    if not (venv / "bin" / "wayback").is_file():
        raise PywbError(
            f"pywb is not installed at {venv} (no bin/wayback). Build its own virtualenv with "
            f"`.ci/setup_pywb.sh` from the reftrail source tree, or: `python3 -m venv {venv} && "
            f"{venv}/bin/pip install 'pywb==2.10.*'`; set {VENV_ENV} to use another one."
        )
    return venv


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: SIGTERM when reftrail dies


def _pywb_env() -> dict[str, str]:
    """Our environment minus what would make pywb's Python load reftrail's packages, and
    no proxy for loopback (pywb is asked for nothing on the live web)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    }
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost,::1"
    return env


class PywbBeside:
    """pywb's ``wayback`` on ``host:port`` over the archive, and the index keeper thread."""

    def __init__(self, archive: Archive, *, host: str, port: int) -> None:
        self.collection = PywbCollection(archive)
        self.host = host
        self.port = port
        self.log_path = archive.log_dir / "pywb.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep_index, name="reftrail-pywb-index")

    def start(self) -> PywbBeside:
        """Index what is closed, start pywb, wait until it serves the collection."""
        venv = pywb_venv()
        self.collection.prepare()
        report = self.collection.sync()
        for name, why in report.failed.items():
            log.warning("pywb will not replay %s: %s", name, why)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as sink:
            self.process = subprocess.Popen(
                [str(venv / "bin" / "wayback"), "--bind", self.host, "--port", str(self.port)],
                cwd=self.collection.root,
                env=_pywb_env(),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # only prctl() runs between fork and exec
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self._thread.start()
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PywbError(
                    f"pywb exited at start (status {self.process.returncode}); "
                    f"its log: {self.log_path}\n{self._log_tail()}"
                )
            try:
                status = self._get(f"/{COLLECTION}/")
            except OSError:
                time.sleep(0.2)
                continue
            if status == 200:
                return
            raise PywbError(f"pywb answered HTTP {status} for /{COLLECTION}/; see {self.log_path}")
        raise PywbError(f"pywb did not answer within {STARTUP_TIMEOUT:.0f}s; see {self.log_path}")

    def _get(self, path: str) -> int:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host.strip("[]")
        if host == "::":
            host = "::1"
        conn = http.client.HTTPConnection(host, self.port, timeout=5)
        try:
            conn.request("GET", path)
            return conn.getresponse().status
        finally:
            conn.close()

    def _log_tail(self, size: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def _keep_index(self) -> None:
        while not self._stop.wait(SYNC_INTERVAL):
            try:
                report = self.collection.sync()
            except Exception:  # the archive may be busy; try again next round
                log.exception("pywb index: sync failed")
                continue
            if report.indexed:
                log.info("pywb index: now replayable: %s", ", ".join(report.indexed))

    def stop(self, timeout: float = 15) -> None:
        """Stop the index thread and pywb (SIGTERM, then SIGKILL after ``timeout``)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
