"""Archive the fake Blogger blog with ``reftrail crawl`` and ``wget --recursive``; report recall,
duplicate captures and requests per archived post, then the cost of an unchanged recrawl.

    python benchmarks/blog_benchmark.py [--posts 320] [--only reftrail,wget] [--keep]

The blog (``crawler/fakeweb/sites/big_blogs.py``: a Blogger blog on a custom domain, short
paged feeds, sitemap index, ``?m=1`` / ``?showComment=`` / label / search links, Older Posts,
one image per post and a shared stylesheet on a CDN host) is served on loopback by the fake
web in this process; both tools reach it through its proxy (``http_proxy``/``https_proxy``),
so every request either tool sends is counted by the fake web's request log the same way.
Results go to stdout and ``benchmarks/results/blog.json``. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
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
sys.path.insert(0, str(REPO))

from crawler.discovery.canonical import post_key  # noqa: E402
from crawler.fakeweb import FakeWeb  # noqa: E402
from crawler.fakeweb.sites.big_blogs import STATIC, BloggerBlog  # noqa: E402
from crawler.fakeweb.sites.blog_state import BlogState  # noqa: E402
from storage.warc.reader import iter_records  # noqa: E402

PY = sys.executable
GOAL_REQUESTS_PER_POST = 1.3
GOAL_RECRAWL_FRACTION = 0.1
TOOLS = ("reftrail", "wget")


def reftrail_command(url: str, archive: Path, web: FakeWeb) -> list[str]:
    script = Path(PY).parent / "reftrail"
    prefix = [str(script)] if script.exists() else [PY, "-m", "crawler.cli"]
    settings = {**web.scrapy_settings(), "REFTRAIL_PROGRESS": "log"}
    args = []
    for name, value in settings.items():
        args += ["-s", f"{name}={value if isinstance(value, str) else json.dumps(value)}"]
    return [*prefix, "crawl", url, "--archive", str(archive), *args]


def wget_command(url: str, work: Path, ca_file: Path) -> list[str]:
    return [
        "wget",
        "--recursive",
        "--level=inf",
        "--no-parent",
        "--page-requisites",
        "--span-hosts",
        f"--domains={url.split('/')[2]},{STATIC}",
        "-e",
        "robots=on",
        f"--ca-certificate={ca_file}",
        "--no-verbose",
        "--delete-after",
        f"--directory-prefix={work / 'files'}",
        f"--warc-file={work / 'wget'}",
        url,
    ]


def child_env(web: FakeWeb) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFTRAIL_")}
    env = {k: v for k, v in env.items() if k.lower() not in ("http_proxy", "https_proxy")}
    return env | web.env()


def warc_files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() and ".warc" in p.name}


def warc_captures(files: set[Path]) -> list[tuple[str, int | None, str]]:
    """(target URI, HTTP status, record type) of every response/revisit record in files."""
    found = []
    for path in sorted(files):
        for record in iter_records(path):
            if record.rec_type not in ("response", "revisit"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            status = record.http_headers.get_statuscode() if record.http_headers else None
            found.append((uri, int(status) if status else None, record.rec_type))
    return found


def classify(host: str, target: str, post_paths: set[str]) -> str:
    """post, requisite-own (a post's image), requisite-shared (stylesheet), other (listings)."""
    path = target.split("://", 1)[-1]
    path = path[path.find("/") :] if not target.startswith("/") else target
    bare = path.split("?", 1)[0]
    if host == STATIC:
        return "requisite-own" if bare.startswith("/img/") else "requisite-shared"
    if bare in post_paths:
        return "post"
    return "other"


def measure(
    name: str,
    cmd: list[str],
    web: FakeWeb,
    work: Path,
    published: dict[str, str],
    timeout: float,
) -> dict[str, Any]:
    """Run one crawl; count the requests the fake web saw and the captures it wrote."""
    before = warc_files(work) if work.exists() else set()
    post_paths = {"/" + url.split("/", 3)[3] for url in published.values()}
    start_log = len(web.request_log)
    started = time.monotonic()
    run = subprocess.run(
        cmd, cwd=REPO, env=child_env(web), capture_output=True, text=True, timeout=timeout
    )
    wall = time.monotonic() - started
    requests = web.request_log[start_log:]
    kinds: Counter[str] = Counter()
    listing_targets: Counter[str] = Counter()
    for host, method, target, _headers in requests:
        if method == "CONNECT":
            continue
        kind = classify(host, target, post_paths)
        kinds[kind] += 1
        if kind == "other":
            listing_targets[target.split("?", 1)[0]] += 1
    captures = warc_captures(warc_files(work) - before)
    per_post: Counter[str] = Counter()
    for uri, status, rec_type in captures:
        key = post_key(uri)
        if key in published and status == 200 and rec_type == "response":
            per_post[key] += 1
    found = len(per_post)
    total = sum(kinds.values())
    pages = kinds["post"] + kinds["other"]
    result: dict[str, Any] = {
        "command": shlex.join(cmd),
        "returncode": run.returncode,
        "wall_seconds": round(wall, 1),
        "requests": total,
        "requests_by_kind": dict(kinds),
        "non_post_requests_by_path": dict(listing_targets.most_common(12)),
        "posts_published": len(published),
        "posts_found": found,
        "recall": round(found / len(published), 4),
        "duplicate_captures": sum(n - 1 for n in per_post.values()),
        "post_page_captures": sum(per_post.values()),
        # The headline: requests for pages (posts, feeds, sitemaps, home, robots.txt, listings)
        # per archived post; requisites (each post's image, the shared stylesheet) apart.
        "requests_per_post": round(pages / found, 3) if found else None,
        "requests_per_post_with_own_requisites": round((pages + kinds["requisite-own"]) / found, 3)
        if found
        else None,
        "all_requests_per_post": round(total / found, 3) if found else None,
        "warc_records": len(captures),
    }
    if run.returncode not in (0, 8):  # wget exits 8 when some fetch answered an error
        result["failed"] = (run.stderr or run.stdout)[-1500:]
    if name == "reftrail":
        summary = [ln for ln in run.stderr.splitlines() if "blog:" in ln or "crawl finished" in ln]
        result["summary"] = summary[-3:]
    return result


def print_table(report: dict[str, Any]) -> None:
    blog = report["blog"]
    print(f"\nBlog: {blog['posts']} posts over {blog['years']} years at {blog['url']}")
    header = (
        f"{'run':<20}{'reqs':>7}{'posts':>7}{'recall':>8}{'dupes':>7}"
        f"{'req/post':>10}{'+own req':>10}{'all/post':>10}{'wall s':>8}"
    )
    print(header)
    for name, r in report["runs"].items():

        def fmt(value: Any, width: int, spec: str) -> str:
            return f"{'n/a':>{width}}" if value is None else f"{value:>{width}{spec}}"

        print(
            f"{name:<20}{r['requests']:>7d}{r['posts_found']:>7d}{r['recall']:>8.1%}"
            f"{r['duplicate_captures']:>7d}{fmt(r['requests_per_post'], 10, '.3f')}"
            f"{fmt(r['requests_per_post_with_own_requisites'], 10, '.3f')}"
            f"{fmt(r['all_requests_per_post'], 10, '.3f')}{r['wall_seconds']:>8.1f}"
            + (f"  FAILED: {r['failed'][-200:]}" if "failed" in r else "")
        )
    for line in report.get("verdicts", []):
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=320)
    parser.add_argument("--years", type=int, default=9)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--only", default=",".join(TOOLS))
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "blog.json")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    if set(names) - set(TOOLS):
        parser.error(f"--only takes {', '.join(TOOLS)}")
    if "wget" in names and not shutil.which("wget"):
        parser.error("wget is not installed")
    blog = BloggerBlog(BlogState.generate(args.posts, years=args.years, seed=args.seed))
    published = {post_key(blog.url(p)): blog.url(p) for p in blog.state.live()}
    root = Path(tempfile.mkdtemp(prefix="reftrail-blogbench-"))
    report: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "runs": {}}
    try:
        with FakeWeb(sites=[blog]) as web:
            url = web.url("harbour-blog")
            report["blog"] = {
                "url": url,
                "posts": args.posts,
                "years": args.years,
                "seed": args.seed,
                "feed_cap": blog.feed_cap,
            }
            ca_file = root / "fakeweb-ca.pem"
            ca_file.write_text(web.authority.ca_pem)
            runs = report["runs"]
            if "reftrail" in names:
                work = root / "reftrail"
                cmd = reftrail_command(url, work / "archive", web)
                print("running reftrail (first crawl) ...", file=sys.stderr, flush=True)
                runs["reftrail"] = measure("reftrail", cmd, web, work, published, args.timeout)
                print("running reftrail (recrawl, blog unchanged) ...", file=sys.stderr, flush=True)
                runs["reftrail-recrawl"] = measure(
                    "reftrail", cmd, web, work, published, args.timeout
                )
            if "wget" in names:
                work = root / "wget"
                work.mkdir()
                print("running wget --recursive ...", file=sys.stderr, flush=True)
                runs["wget"] = measure(
                    "wget",
                    wget_command(url, work, ca_file),
                    web,
                    work,
                    published,
                    args.timeout,
                )
    finally:
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    verdicts = []
    first = report["runs"].get("reftrail")
    if first:
        rpp = first["requests_per_post"]
        ok = rpp is not None and rpp <= GOAL_REQUESTS_PER_POST
        verdicts.append(
            f"reftrail: recall {first['recall']:.1%}, {first['duplicate_captures']} duplicate "
            f"captures, {rpp} requests per archived post -> "
            + ("meets goal" if ok else "ABOVE goal")
            + f" (<= {GOAL_REQUESTS_PER_POST})"
        )
    again = report["runs"].get("reftrail-recrawl")
    if first and again:
        fraction = again["requests"] / first["requests"] if first["requests"] else None
        report["recrawl_fraction"] = round(fraction, 4) if fraction is not None else None
        ok = fraction is not None and fraction < GOAL_RECRAWL_FRACTION
        verdicts.append(
            f"recrawl of the unchanged blog: {again['requests']} requests vs {first['requests']} "
            f"({fraction:.1%}) -> "
            + ("meets goal" if ok else "ABOVE goal")
            + f" (< {GOAL_RECRAWL_FRACTION:.0%})"
        )
    report["verdicts"] = verdicts
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print_table(report)
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
