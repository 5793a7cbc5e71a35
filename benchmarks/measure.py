"""Run one command and measure it: wall time, CPU time and peak memory of its process tree.

    python benchmarks/measure.py OUT.json --log LOG [--timeout S] -- COMMAND [ARG...]

Run once per measured command, so ``getrusage(RUSAGE_CHILDREN)`` covers that command alone:
``ru_maxrss`` is the peak RSS of its largest single process (exact, kernel-kept) and ``ru_utime``
+ ``ru_stime`` its CPU time, workers included. Also polls ``/proc`` every ``--interval`` seconds
for the summed RSS and CPU time of the whole tree (the command plus every descendant, e.g. worker
pools, even those never waited for); sampled, so a spike or a process shorter than the interval
can be missed. Linux only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, via /proc/PID/task/TID/children."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return found


def sample(pid: int, cpu: dict[int, float]) -> int:
    """Summed RSS of ``pid``'s process tree in bytes (shared pages counted in each process);
    records each process's CPU seconds so far in ``cpu``."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu[p] = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--log", type=Path, required=True, help="the command's stdout and stderr")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    peak_tree = 0
    tree_cpu: dict[int, float] = {}
    done = threading.Event()
    with args.log.open("wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            args.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

        def poll() -> None:
            nonlocal peak_tree
            while not done.wait(args.interval):
                peak_tree = max(peak_tree, sample(proc.pid, tree_cpu))

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        timed_out = False
        try:
            returncode = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            returncode = proc.wait()
        wall = time.perf_counter() - started
        with contextlib.suppress(ProcessLookupError):  # leftovers of the run (its own session)
            os.killpg(proc.pid, signal.SIGKILL)
        done.set()
        poller.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "returncode": returncode,
        "timed_out": timed_out,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "tree_cpu_seconds": round(sum(tree_cpu.values()), 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_tree_rss_mb": round(peak_tree / 2**20, 1),
    }
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
