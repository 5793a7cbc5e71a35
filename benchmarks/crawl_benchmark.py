"""Crawl one loopback news site with bare Scrapy, wget and reftrail; report pages/s and peak memory.

    python benchmarks/crawl_benchmark.py [--pages 2000] [--only bare,wget,reftrail]

The site (``fakesite.py``) is served from memory by ``site_server.py`` in its own process; that
server counts every request, so all three crawlers are counted the same way. Each crawler runs in
its own ``measure.py`` wrapper (wall time, CPU, peak RSS). Results go to stdout and to
``benchmarks/results/latest.json``. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
GOAL, DEFECT = 0.75, 0.5
# reftrail is the full path (capture, WARC, database, text extraction); reftrail-archive the
# same crawl with extraction off, to show what the archive path itself costs.
CRAWLERS = ("bare", "wget", "reftrail", "reftrail-archive")
REFTRAIL_SETTINGS = (
    "-s REFTRAIL_ALLOW_PRIVATE_ADDRESSES=true -s CONCURRENT_REQUESTS=32 "
    "-s CONCURRENT_REQUESTS_PER_DOMAIN=32 -s AUTOTHROTTLE_ENABLED=false -s ROBOTSTXT_OBEY=false"
)


def default_reftrail_cmd() -> str:
    script = Path(PY).parent / "reftrail"
    prefix = shlex.quote(str(script)) if script.exists() else f"{shlex.quote(PY)} -m crawler.cli"
    return f"{prefix} crawl {{url}} --archive {{archive}} {REFTRAIL_SETTINGS}"


def child_env() -> dict[str, str]:
    """The environment minus proxy variables: the site is reached directly on loopback."""
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    return {k: v for k, v in os.environ.items() if k.lower() not in proxies}


def start_server(pages: int, seed: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    server = subprocess.Popen(
        [PY, str(HERE / "site_server.py"), "--pages", str(pages), "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line:
        raise SystemExit("the site server did not start")
    return server, json.loads(line)


def control(port: int, action: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/{action}", timeout=10) as r:
        return json.loads(r.read())


def server_ceiling(port: int, paths: list[str], seconds: int = 5) -> dict[str, Any]:
    """Requests/s the server sustains on its own, measured with wrk (32 connections)."""
    wrk = shutil.which("wrk")
    if not wrk:
        return {"tool": None, "note": "wrk not installed (apt-get install wrk)"}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write("paths = {" + ",".join(json.dumps(p) for p in paths) + "}\ni = 0\n")
        lua.write(
            "request = function()\n i = i % #paths + 1\n return wrk.format(nil, paths[i])\nend\n"
        )
    cmd = [wrk, "-t1", "-c32", f"-d{seconds}s", "-s", lua.name, f"http://127.0.0.1:{port}/"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    os.unlink(lua.name)
    stats = control(port, "reset")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "tool": "wrk -t1 -c32 (keep-alive, rotating paths; wrk shares the CPUs with the server)",
        "requests_per_second": float(rate.group(1)) if rate else None,
        "server_cpu_seconds": stats["server_cpu_seconds"],
    }


def count_warcs(folder: Path) -> dict[str, Any]:
    """Records by type and bytes of every WARC file under ``folder`` (open ones included)."""
    files = sorted(p for p in folder.rglob("*") if re.search(r"\.warc(\.gz)?(\.open)?$", p.name))
    if not files:
        return {}
    types: Counter[str] = Counter()
    error = None
    try:
        from warcio.archiveiterator import ArchiveIterator

        for path in files:
            with path.open("rb") as f:
                for record in ArchiveIterator(f):
                    types[record.rec_type] += 1
    except Exception as exc:  # a half-written file still gives its size
        error = f"{type(exc).__name__}: {exc}"
    result = {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "records": dict(types),
    }
    return result | ({"read_error": error} if error else {})


def tool_pages(name: str, log: str, work: Path) -> int | None:
    """Pages the tool itself says it fetched, from its own log or stats."""
    if name == "bare":
        stats_file = work / "stats.json"
        return (
            json.loads(stats_file.read_text()).get("downloader/response_count")
            if stats_file.exists()
            else None
        )
    if name == "wget":
        return sum(1 for line in log.splitlines() if " URL:" in line)
    found = re.findall(r"'downloader/response_count': (\d+)", log)
    found = found or re.findall(r"crawl finished: (\d+) fetched", log)  # reftrail's summary
    return int(found[-1]) if found else None


def command(name: str, url: str, work: Path, reftrail_cmd: str) -> list[str]:
    if name == "bare":
        return [PY, str(HERE / "bare_spider.py"), url, "--stats-out", str(work / "stats.json")]
    if name == "wget":
        return [
            "wget",
            "--recursive",
            "--level=inf",
            "--no-parent",
            "-e",
            "robots=off",
            "--no-proxy",
            "--no-verbose",
            "--delete-after",
            f"--directory-prefix={work / 'files'}",
            f"--warc-file={work / 'wget'}",
            url,
        ]
    cmd = shlex.split(reftrail_cmd.format(url=url, archive=work / "archive"))
    if name == "reftrail-archive":  # the archive path alone: capture, WARC, database
        cmd += ["-s", "REFTRAIL_EXTRACT_TEXT=false"]
    return cmd


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs have spent busy since boot (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_one(name: str, port: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/"
    cmd = command(name, url, work, args.reftrail_cmd)
    control(port, "reset")
    log, out = work / "output.log", work / "measure.json"
    wrapper = [
        PY,
        str(HERE / "measure.py"),
        str(out),
        "--log",
        str(log),
        "--timeout",
        str(args.timeout),
        "--",
    ]
    busy_before = machine_busy_seconds()
    subprocess.run(wrapper + cmd, cwd=REPO, env=child_env(), check=False)
    busy = machine_busy_seconds() - busy_before
    served = control(port, "reset")
    measured = json.loads(out.read_text())
    text = log.read_text(errors="replace")
    crawler_cpu = max(measured["cpu_seconds"], measured["tree_cpu_seconds"])
    wall = measured["wall_seconds"]
    result: dict[str, Any] = {
        "command": shlex.join(cmd),
        **measured,
        "rusage_cpu_seconds": measured["cpu_seconds"],
        "cpu_seconds": round(crawler_cpu, 1),
        "server": served,
        "pages": served["ok"],
        "other_cpu_seconds": round(max(0.0, busy - crawler_cpu - served["server_cpu_seconds"]), 1),
        "tool_reported_pages": tool_pages(name, text, work),
        "pages_per_second": round(served["ok"] / wall, 1) if wall else 0.0,
        "active_pages_per_second": round(served["ok"] / served["active_seconds"], 1)
        if served["active_seconds"]
        else 0.0,
    }
    if name != "bare":
        result["warc"] = count_warcs(work)
    failed = measured["returncode"] != 0 and not (name == "wget" and measured["returncode"] == 8)
    if failed or measured["timed_out"] or served["ok"] == 0:
        lines = [line.strip() for line in text.strip().splitlines()]
        errors = [ln for ln in lines[-60:] if re.search(r"error|exception|traceback", ln, re.I)]
        tail = " | ".join(dict.fromkeys(errors[-3:] or lines[-6:]))
        result["failed"] = (
            f"exit {measured['returncode']}{' (timeout)' if measured['timed_out'] else ''}: {tail}"
        )
    return result


def machine() -> dict[str, Any]:
    import scrapy
    import twisted

    wget = subprocess.run(["wget", "--version"], capture_output=True, text=True, check=False).stdout
    mem = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "twisted": twisted.__version__,
        "wget": wget.splitlines()[0] if wget else None,
        "mem_total_mb": int(mem) // 1024,
        "load_avg_at_start": os.getloadavg(),
    }


def verdict(ratio: float | None) -> str:
    if ratio is None:
        return "n/a (reftrail fetched nothing)"
    if ratio >= GOAL:
        return f"meets goal (>= {GOAL}x)"
    return f"DEFECT (< {DEFECT}x)" if ratio < DEFECT else f"below goal ({DEFECT}x..{GOAL}x)"


COLUMNS = [  # header, width, format, value
    ("pages", 7, "d", lambda r: r["pages"]),
    ("reqs", 7, "d", lambda r: r["server"]["requests"]),
    ("wall s", 8, ".1f", lambda r: r["wall_seconds"]),
    ("pages/s", 9, ".1f", lambda r: r["pages_per_second"]),
    ("active/s", 9, ".1f", lambda r: r["active_pages_per_second"]),
    ("CPU s", 7, ".1f", lambda r: r["cpu_seconds"]),
    ("RSS MB", 8, ".0f", lambda r: r["peak_rss_mb"]),
    ("tree MB", 8, ".0f", lambda r: r["peak_tree_rss_mb"]),
    ("other CPU", 10, ".1f", lambda r: r["other_cpu_seconds"]),
    ("srv CPU%", 9, ".0f", lambda r: 100 * r["server"]["server_cpu_seconds"] / r["wall_seconds"]),
]


def print_table(report: dict[str, Any]) -> None:
    site, ceiling, m = report["site"], report["server_ceiling"], report["machine"]
    print(
        f"\nSite: {site['pages']} pages, {site['avg_page_kb']} KB, {site['avg_links']} links/page"
    )
    print(f"Server ceiling: {ceiling.get('requests_per_second')} req/s ({ceiling.get('tool')})")
    print(f"Machine: {m['cpus']} CPUs, Python {m['python']}, Scrapy {m['scrapy']}, {m['wget']}\n")
    print(f"{'crawler':<17}" + "".join(f"{h:>{w}}" for h, w, _, _ in COLUMNS) + "  note")
    for name, r in report["runs"].items():
        cells = "".join(
            f"{value(r) if r['wall_seconds'] else 0:>{w}{f}}" for _, w, f, value in COLUMNS
        )
        warc = f"warc {r['warc'].get('records')}" if r.get("warc") else ""
        print(f"{name:<17}{cells}  {r.get('failed', '')[:300] or warc}")
    if "ratio_reftrail_to_bare" in report:
        ratio = report["ratio_reftrail_to_bare"]
        shown = "n/a" if ratio is None else f"{ratio}x"
        print(f"\nreftrail / bare pages/s: {shown} -> {report['verdict']}", end="")
        active = report["ratio_active_reftrail_to_bare"]
        print(f" (on active seconds: {active}x)" if active is not None else "")
    if report.get("ratio_archive_path_to_bare") is not None:
        print(
            f"reftrail without text extraction / bare pages/s: "
            f"{report['ratio_archive_path_to_bare']}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only", default=",".join(CRAWLERS), help=f"comma-separated, of {', '.join(CRAWLERS)}"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per crawler run")
    parser.add_argument(
        "--reftrail-cmd",
        default=default_reftrail_cmd(),
        help="command template; {url} and {archive} are filled in",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per crawler; the median counts")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(CRAWLERS)
    if unknown:
        parser.error(f"unknown crawler(s): {', '.join(sorted(unknown))}")
    report: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine()}
    server, info = start_server(args.pages, args.seed)
    try:
        paths = info.pop("sample_paths")
        report["site"] = info | {"seed": args.seed}
        report["server_ceiling"] = server_ceiling(info["port"], paths)
        report["runs"] = {}
        root = Path(tempfile.mkdtemp(prefix="reftrail-bench-"))
        tries: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for i in range(args.repeat):  # round-robin, so passing load hits every crawler alike
            for name in names:
                if tries[name] and "failed" in tries[name][-1]:
                    continue  # a failing command fails again: report it once
                work = root / f"{name}-{i + 1}"
                work.mkdir()
                print(f"running {name} ({i + 1}/{args.repeat}) ...", file=sys.stderr, flush=True)
                tries[name].append(run_one(name, info["port"], work, args))
                if not args.keep:
                    shutil.rmtree(work, ignore_errors=True)
        for name, runs in tries.items():
            runs.sort(key=lambda r: r["pages_per_second"])
            report["runs"][name] = runs[len(runs) // 2] | {
                "all_pages_per_second": [r["pages_per_second"] for r in runs]
            }
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    finally:
        server.terminate()
        server.wait()
    runs = report["runs"]
    if "bare" in runs and "reftrail-archive" in runs:
        bare, ref = runs["bare"], runs["reftrail-archive"]
        ok = ref["pages"] and bare["pages_per_second"]
        report["ratio_archive_path_to_bare"] = (
            round(ref["pages_per_second"] / bare["pages_per_second"], 2) if ok else None
        )
    if "bare" in runs and "reftrail" in runs:
        bare, ref = runs["bare"], runs["reftrail"]
        for key, field in (("", "pages_per_second"), ("_active", "active_pages_per_second")):
            ok = ref["pages"] and bare[field]
            report[f"ratio{key}_reftrail_to_bare"] = (
                round(ref[field] / bare[field], 2) if ok else None
            )
        report["verdict"] = verdict(report["ratio_reftrail_to_bare"])
        if "failed" in ref:
            report["verdict"] += "; reftrail exited with an error (see its note)"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print_table(report)
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
