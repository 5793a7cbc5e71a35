"""Citations checked per second: ``reftrail check`` against ``linkchecker``, same URLs, same run.

    python benchmarks/linkcheck_benchmark.py [--hosts 60] [--per-host 10] [--delay 0.25]

One server process answers on many loopback addresses (127.0.0.2, 127.0.0.3, ...: the whole
127/8 is loopback on Linux, so each address is a separate host to both tools' politeness
rules), one port. Each host serves robots.txt and cited pages: mostly live articles, some
404s, 410s, 301s to a new address and 500s. Both tools check the same URL list with the same
politeness: one request at a time per host, at least ``--delay`` seconds apart (reftrail:
``CONCURRENT_REQUESTS_PER_DOMAIN=1``, ``DOWNLOAD_DELAY``; linkchecker:
``maxrequestspersecond``), robots.txt obeyed, no recursion. reftrail does more per URL
(every exchange archived in a WARC, a probe per host and directory for soft 404s, a row and a
state per URL); linkchecker only reports status. Prints a table and writes
``benchmarks/results/linkcheck.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
sys.path.insert(0, str(REPO))


# --- the server (run as `--serve` in its own process) ----------------------------------------


def build_site(
    hosts: int, per_host: int
) -> tuple[dict[tuple[str, str], tuple[int, bytes, str]], list[str]]:
    from crawler.fakeweb.sites.linklab import article_body, paragraphs, style_paper, title_for

    pages: dict[tuple[str, str], tuple[int, bytes, str]] = {}
    urls: list[str] = []
    rng = random.Random(5)
    for h in range(hosts):
        addr = f"127.0.0.{h + 2}"
        for n in range(per_host):
            path = f"/{2015 + n % 10}/story-{n}.html"
            roll = rng.random()
            seed = h * 1000 + n
            if roll < 0.7:
                page = style_paper(
                    f"Host {h}", title_for(seed), article_body(title_for(seed), paragraphs(seed))
                )
                pages[addr, path] = (200, page.encode(), "")
            elif roll < 0.8:
                pages[addr, path] = (404, b"<h1>Not Found</h1>", "")
            elif roll < 0.87:
                pages[addr, path] = (410, b"<h1>Gone</h1>", "")
            elif roll < 0.95:
                new = f"/moved{path}"
                page = style_paper(
                    f"Host {h}", title_for(seed), article_body(title_for(seed), paragraphs(seed))
                )
                pages[addr, new] = (200, page.encode(), "")
                pages[addr, path] = (301, b"", f"http://{addr}:{{port}}{new}")
            else:
                pages[addr, path] = (500, b"<h1>Oops</h1>", "")
            urls.append(f"http://{addr}:{{port}}{path}")
    return pages, urls


def serve(hosts: int, per_host: int) -> None:
    pages, urls = build_site(hosts, per_host)
    count: Counter[str] = Counter()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        addr = writer.get_extra_info("sockname")[0]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode()
                path = target.split("?", 1)[0]
                count[addr] += 1
                if path == "/robots.txt":
                    status, body, location = 200, b"User-agent: *\nDisallow: /private/\n", ""
                    ctype = "text/plain"
                else:
                    status, body, location = pages.get(
                        (addr, path), (404, b"<h1>Not Found</h1>", "")
                    )
                    ctype = "text/html; charset=utf-8"
                extra = f"Location: {location.format(port=port)}\r\n" if location else ""
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}"
                    f"\r\n{extra}\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        global port
        first = await asyncio.start_server(handle, "127.0.0.2", 0)
        port = first.sockets[0].getsockname()[1]
        servers = [first] + [
            await asyncio.start_server(handle, f"127.0.0.{h + 2}", port) for h in range(1, hosts)
        ]
        print(json.dumps({"port": port, "urls": [u.format(port=port) for u in urls]}), flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.readline)  # stop when the parent closes stdin
        for s in servers:
            s.close()

    asyncio.run(main())


port = 0


# --- the runs ----------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    return {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in proxies and not k.startswith("REFTRAIL_")
    }


def timed(cmd: list[str], cwd: Path) -> dict[str, Any]:
    started = time.monotonic()
    done = subprocess.run(
        cmd, cwd=cwd, env=child_env(), capture_output=True, text=True, check=False
    )
    return {
        "seconds": round(time.monotonic() - started, 2),
        "returncode": done.returncode,
        "tail": (done.stdout + done.stderr)[-600:],
    }


def run_reftrail(urls_file: Path, delay: float, workdir: Path) -> dict[str, Any]:
    script = Path(PY).parent / "reftrail"
    base = [str(script)] if script.exists() else [PY, "-m", "crawler.cli"]
    settings = {
        "REFTRAIL_ALLOW_PRIVATE_ADDRESSES": "true",
        "ROBOTSTXT_OBEY": "true",
        "CONCURRENT_REQUESTS": "32",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
        "DOWNLOAD_DELAY": str(delay),
        "AUTOTHROTTLE_ENABLED": "false",
        "REFTRAIL_PROGRESS": "log",
    }
    cmd = [
        *base,
        "check",
        "--all",
        "--urls-from",
        str(urls_file),
        "--archive",
        str(workdir / "archive"),
    ]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    result = timed(cmd, REPO)
    result["command"] = " ".join(cmd)
    return result


def run_linkchecker(urls_file: Path, delay: float, workdir: Path) -> dict[str, Any]:
    tool = shutil.which("linkchecker") or str(Path(PY).parent / "linkchecker")
    if not Path(tool).exists():
        return {"skipped": "linkchecker is not installed (pip install LinkChecker)"}
    config = workdir / "linkcheckerrc"
    config.write_text(
        "[checking]\nthreads=32\nrecursionlevel=0\n"
        f"maxrequestspersecond={1 / delay:g}\ntimeout=10\n"
        "[filtering]\ncheckextern=1\n",
        encoding="utf-8",
    )
    os.chmod(config, 0o644)
    os.chmod(workdir, 0o755)
    urls = urls_file.read_text(encoding="utf-8").split()
    cmd = [tool, "-f", str(config), "--no-status", "-o", "none", *urls]
    result = timed(cmd, workdir)
    result["command"] = f"{tool} -f {config} --no-status -o none URL..."
    result["config"] = config.read_text()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=60)
    parser.add_argument("--per-host", type=int, default=10)
    parser.add_argument(
        "--delay", type=float, default=0.25, help="seconds between requests to a host"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.hosts, args.per_host)
        return 0
    server = subprocess.Popen(
        [PY, __file__, "--serve", "--hosts", str(args.hosts), "--per-host", str(args.per_host)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    info = json.loads(server.stdout.readline())
    urls: list[str] = info["urls"]
    results: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="lcbench-") as tmp:
            work = Path(tmp)
            urls_file = work / "urls.txt"
            urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
            os.chmod(urls_file, 0o644)
            for name, run in (("reftrail check", run_reftrail), ("linkchecker", run_linkchecker)):
                folder = work / name.replace(" ", "-")
                folder.mkdir()
                results[name] = run(urls_file, args.delay, folder)
                seconds = results[name].get("seconds")
                if seconds:
                    results[name]["citations_per_second"] = round(len(urls) / seconds, 1)
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "hosts": args.hosts,
        "urls": len(urls),
        "politeness": {"per_host_concurrency": 1, "delay_seconds": args.delay, "robots_txt": True},
        "results": results,
    }
    out = HERE / "results" / "linkcheck.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"{len(urls)} cited URLs on {args.hosts} loopback hosts, 1 request at a time per host, "
        f"{args.delay} s apart, robots.txt obeyed"
    )
    print(f"{'tool':<16}{'seconds':>10}{'citations/s':>14}  exit")
    for name, r in results.items():
        if "skipped" in r:
            print(f"{name:<16}{'-':>10}{'-':>14}  {r['skipped']}")
            continue
        rate = r.get("citations_per_second", "-")
        print(f"{name:<16}{r['seconds']:>10}{rate:>14}  {r['returncode']}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
