"""Latency of the web app's read paths on a generated archive of 100,000+ captures.

    python benchmarks/webapp_benchmark.py [--captures 100000] [--repeat 200]
    python benchmarks/webapp_benchmark.py --database-url postgresql+psycopg://postgres@127.0.0.1/test

Builds the archive fast: capture and document rows are bulk-inserted with SQLAlchemy
(executemany, SQLite triggers / PostgreSQL generated columns fill the full-text index), and a
small sample, including 10 of the 1,000 mementos of one URL, is recorded for real (WARC
records the replay and capture pages read). Then it measures p50/p95 latency of:

* closest capture: ``storage.cdx.closest_capture`` and ``GET /web/{8 digits}/{url}`` (302);
* the TimeMap of the URL with 1,000 mementos: ``timemap_entries`` and ``/timemap/link/{url}``;
* a CDX prefix query with ``limit=100``: ``storage.cdx.query`` and ``/cdx?...&output=json``;
* a search: ``storage.search.search`` and ``/api/search``;

in process (HTTP through ``httpx.ASGITransport``, no socket), and prints a table. Everything
measured goes to ``benchmarks/results/webapp.json``. With ``--database-url`` a fresh
PostgreSQL schema is made for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import anyio  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from storage.archive import DB_NAME, Archive  # noqa: E402
from storage.captures import CaptureRecorder, surt_key  # noqa: E402
from storage.cdx import CdxQuery, closest_capture, query  # noqa: E402
from storage.db import sqlite_url  # noqa: E402
from storage.exchange import HttpExchange  # noqa: E402
from storage.memento import timemap_entries  # noqa: E402
from storage.models import Capture, Crawl, Document  # noqa: E402
from storage.search import search  # noqa: E402
from storage.timeutil import timestamp14  # noqa: E402
from storage.warc.writer import WarcFileWriter  # noqa: E402
from webapp.app import create_app  # noqa: E402

GOALS_MS = {"closest": 20.0, "timemap": 50.0, "cdx": 50.0, "search": 100.0}
START = datetime(2019, 1, 1, tzinfo=UTC)
SPAN_S = 7 * 365 * 86400
HOSTS = 200
BIG_URL = "https://www.chronicle.example/2021/06/the-long-running-story.html"
SAMPLE_HOST = "https://blog.sample.example"
BATCH = 5_000


def words(rng: random.Random, count: int) -> list[str]:
    """A made-up vocabulary: pronounceable, distinct, with no English stop words."""
    onsets = [
        "b",
        "c",
        "d",
        "f",
        "g",
        "k",
        "l",
        "m",
        "n",
        "p",
        "r",
        "s",
        "t",
        "v",
        "z",
        "br",
        "cl",
        "dr",
        "fl",
        "gr",
        "pl",
        "st",
        "tr",
    ]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
    found: set[str] = set()
    while len(found) < count:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        found.add(word + rng.choice(["", "n", "s", "r", "l", "x"]))
    return sorted(found)


class TextMaker:
    """Document text with Zipf-like word frequencies, so queries range from rare to common."""

    def __init__(self, rng: random.Random, vocabulary: list[str]) -> None:
        self.rng = rng
        self.vocabulary = vocabulary
        self.cumulative = list(itertools.accumulate(1.0 / (r + 10) for r in range(len(vocabulary))))

    def text(self, length: int) -> str:
        return " ".join(self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=length))

    def title(self) -> str:
        return " ".join(
            self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=5)
        ).capitalize()


def open_archive(root: Path, database_url: str | None) -> tuple[Archive, Callable[[], None]]:
    """The archive; on PostgreSQL in a fresh schema that the returned cleanup drops."""
    if database_url is None:
        archive = Archive.open(root, database_url=sqlite_url(root / DB_NAME))
        return archive, archive.close
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in database_url else "?"
    archive = Archive.open(
        root, database_url=f"{database_url}{separator}options=-csearch_path%3D{schema}"
    )

    def cleanup() -> None:
        archive.close()
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")

    return archive, cleanup


def new_crawl(archive: Archive, at: datetime) -> tuple[int, str]:
    crawl_uuid = str(uuid.uuid4())
    with archive.session() as session, session.begin():
        crawl_id = session.execute(
            insert(Crawl).returning(Crawl.id),
            [{"uuid": crawl_uuid, "kind": "site", "seeds": [BIG_URL], "state": "done",
              "started_at": at, "ended_at": at, "options": {}, "stats": {}}],
        ).scalar_one()  # fmt: skip
    return crawl_id, crawl_uuid


def bulk_rows(total: int, rng: random.Random) -> list[tuple[str, datetime, int, str]]:
    """(url, fetched_at, status, mime) of the synthetic captures: ~2 per URL over 200 hosts,
    plus 990 of the big URL (10 more are recorded for real)."""
    rows = []
    step = SPAN_S / 990
    for n in range(990):
        at = START + timedelta(seconds=n * step + rng.random() * 3600)
        rows.append((BIG_URL, at, 200, "text/html"))
    sections = ["news", "opinion", "science", "culture", "sport", "tech", "world", "local"]
    for k in range(total - len(rows)):
        page = k // 2
        host = f"site{page % HOSTS:03d}.example"
        sub = "www." if page % 3 else ""
        year = 2019 + (page // HOSTS) % 7
        path = f"/{year}/{sections[page % 8]}/story-{page}.html"
        if page % 23 == 0:
            path, mime = f"/assets/img-{page}.png", "image/png"
        elif page % 17 == 0:
            path, mime = f"/feeds/{page}.xml", "application/rss+xml"
        else:
            mime = "text/html"
        status = 404 if page % 41 == 0 else (301 if page % 53 == 0 else 200)
        at = START + timedelta(seconds=rng.randrange(SPAN_S))
        rows.append((f"https://{sub}{host}{path}", at, status, mime))
    return rows


def generate(archive: Archive, total: int, seed: int) -> dict[str, Any]:
    """Bulk captures + documents, then a real sample; returns what was made."""
    rng = random.Random(seed)
    maker = TextMaker(rng, words(rng, 20_000))
    crawl_id, crawl_uuid = new_crawl(archive, START)
    sample_count = 60
    rows = bulk_rows(total - sample_count, rng)
    started = time.perf_counter()
    documents = 0
    with archive.engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            captures = []
            texts = []
            for offset, (url, at, status, mime) in enumerate(batch, start=start):
                capture_id = offset + 1
                digest = hashlib.sha1(f"{url}{offset % 7}".encode()).hexdigest()
                captures.append(
                    {"id": capture_id, "crawl_id": crawl_id, "url": url, "surt": surt_key(url),
                     "method": "GET", "fetched_at": at, "status": status, "mime": mime,
                     "length": 4000 + offset % 5000, "payload_digest": "sha1:" + digest,
                     "record_type": "response", "record_id": f"<urn:uuid:{uuid.UUID(int=offset)}>",
                     "warc_file": f"bench-synthetic-{offset // 20_000:05d}.warc.gz",
                     "warc_offset": (offset % 20_000) * 3000, "warc_length": 2900,
                     "ip": "127.0.0.2", "duration_ms": 20}
                )  # fmt: skip
                if status == 200 and mime == "text/html":
                    texts.append(
                        {"id": capture_id, "capture_id": capture_id, "url": url,
                         "title": maker.title(), "text": maker.text(rng.randint(80, 220)),
                         "extracted_at": at, "language": "en"}
                    )  # fmt: skip
            connection.execute(insert(Capture), captures)
            if texts:
                connection.execute(insert(Document), texts)
                documents += len(texts)
        if archive.engine.dialect.name == "postgresql":
            for table in ("capture", "document"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    bulk_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sample = record_sample(archive, crawl_id, crawl_uuid, maker, sample_count)
    with archive.engine.begin() as connection:
        if archive.engine.dialect.name == "sqlite":
            connection.execute(text("ANALYZE"))
            connection.execute(text("INSERT INTO document_fts(document_fts) VALUES ('optimize')"))
        else:
            connection.execute(text("ANALYZE"))
    return {
        "captures": len(rows) + sample_count,
        "documents": documents + sample["documents"],
        "big_url_mementos": 1000,
        "real_records": sample_count,
        "bulk_insert_s": round(bulk_seconds, 2),
        "sample_and_analyze_s": round(time.perf_counter() - started, 2),
        "vocabulary": maker.vocabulary,
    }


def record_sample(
    archive: Archive, crawl_id: int, crawl_uuid: str, maker: TextMaker, count: int
) -> dict[str, int]:
    """Real WARC records: 10 mementos of the big URL and 50 pages of a sample blog."""
    writer = WarcFileWriter(
        archive.warc_dir, prefix="bench", max_size=50_000_000,
        info_fields=[("software", "reftrail-webapp-benchmark")],
    )  # fmt: skip
    recorder = CaptureRecorder(
        archive, writer, crawl_id=crawl_id, crawl_uuid=crawl_uuid,
        log_path=archive.log_dir / f"{crawl_uuid}.crawl.log",
    )  # fmt: skip
    exchanges = []
    late = START + timedelta(seconds=SPAN_S + 86400)
    for n in range(count):
        url = BIG_URL if n < 10 else f"{SAMPLE_HOST}/posts/{n}.html"
        body = (
            f"<html><head><title>{maker.title()}</title></head><body><p>{maker.text(150)}</p>"
            f'<a href="/posts/{n + 1}.html">next</a></body></html>'
        ).encode()
        exchanges.append(
            HttpExchange(
                url=url, method="GET", request_headers=[("User-Agent", "bench")],
                request_body=b"", status=200, reason="OK",
                response_headers=[("Content-Type", "text/html; charset=utf-8")], body=body,
                fetched_at=late + timedelta(hours=n), ip="127.0.0.2", duration_ms=10,
                referrer=None, hops="",
            )
        )  # fmt: skip
    try:
        ids = recorder.record_exchanges(exchanges)
    finally:
        recorder.close()
    with archive.session() as session, session.begin():
        session.execute(
            insert(Document),
            [{"capture_id": capture_id, "url": ex.url, "title": maker.title(),
              "text": maker.text(150), "extracted_at": ex.fetched_at}
             for capture_id, ex in zip(ids, exchanges, strict=True)],
        )  # fmt: skip
    return {"documents": len(ids)}


# --- measuring ----------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(samples_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 0.50), 2),
        "p95_ms": round(percentile(samples_ms, 0.95), 2),
        "mean_ms": round(statistics.fmean(samples_ms), 2),
        "max_ms": round(max(samples_ms), 2),
    }


def timed(call: Callable[[], Any], repeat: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def workloads(
    archive: Archive, rng: random.Random, vocabulary: list[str], repeat: int
) -> dict[str, list[dict[str, Any]]]:
    """Per measurement, ``repeat`` argument sets, the same for the storage call and HTTP."""
    with archive.session() as session:
        urls = [
            u
            for (u,) in session.execute(
                text("SELECT url FROM capture WHERE status = 200 ORDER BY id LIMIT 5000")
            )
        ]
    closest = []
    for n in range(repeat):
        url = BIG_URL if n % 2 else rng.choice(urls)
        at = START + timedelta(seconds=rng.randrange(SPAN_S))
        closest.append({"url": url, "at": at})
    cdx = []
    for _ in range(repeat):
        host = f"{'www.' if rng.random() < 0.6 else ''}site{rng.randrange(HOSTS):03d}.example"
        path = rng.choice(["/", f"/{rng.randrange(2019, 2026)}/", "/2023/news/"])
        cdx.append({"url": f"https://{host}{path}", "matchType": "prefix"})
    # Queries from rare to common words (rank 19,000 to rank 50 of 20,000), phrases, AND, OR.
    picks = []
    for n in range(repeat):
        kind = n % 5
        if kind == 0:
            q = vocabulary[rng.randrange(50, 500)]
        elif kind == 1:
            q = vocabulary[rng.randrange(500, 5000)]
        elif kind == 2:
            q = vocabulary[rng.randrange(5000, 19000)]
        elif kind == 3:
            q = f"{vocabulary[rng.randrange(50, 2000)]} {vocabulary[rng.randrange(50, 2000)]}"
        else:
            q = f"{vocabulary[rng.randrange(50, 3000)]} OR {vocabulary[rng.randrange(50, 3000)]}"
        picks.append({"q": q})
    return {"closest": closest, "timemap": [{"url": BIG_URL}] * repeat, "cdx": cdx,
            "search": picks}  # fmt: skip


def measure_storage(archive: Archive, work: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    results: dict[str, Any] = {}

    def cycle(name: str, call: Callable[[dict[str, Any]], Any]) -> None:
        items = iter(work[name] * 2)
        results[name] = summary(timed(lambda: call(next(items)), len(work[name]) - 5))

    with archive.session() as session:
        cycle("closest", lambda a: closest_capture(session, a["url"], a["at"]))
        cycle("timemap", lambda a: timemap_entries(session, a["url"]))
        cycle(
            "cdx",
            lambda a: list(
                query(session, CdxQuery.from_params(a["url"], match_type="prefix", limit=100))
            ),
        )
    cycle("search", lambda a: search(archive, a["q"], limit=20))
    return results


def measure_http(archive: Archive, work: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    app = create_app(archive, token="benchmark")
    results: dict[str, Any] = {}

    def request_of(name: str, a: dict[str, Any]) -> tuple[str, dict[str, Any] | None, int]:
        if name == "closest":
            return f"/web/{timestamp14(a['at'])[:8]}/{a['url']}", None, 302
        if name == "timemap":
            return f"/timemap/link/{a['url']}", None, 200
        if name == "cdx":
            return "/cdx", {"url": a["url"], "matchType": "prefix", "limit": 100,
                            "output": "json"}, 200  # fmt: skip
        return "/api/search", {"q": a["q"], "limit": 20}, 200

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, items in work.items():
                samples = []
                for index, item in enumerate([*items[:5], *items]):
                    path, params, expected = request_of(name, item)
                    started = time.perf_counter()
                    response = await client.get(path, params=params)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != expected:
                        raise SystemExit(f"{path} {params}: {response.status_code}")
                    if index >= 5:
                        samples.append(elapsed)
                results[name] = summary(samples)
            # One real replay and capture page, to show the sample is readable.
            page = await client.get(f"/web/2026/{SAMPLE_HOST}/posts/20.html")
            replay = await client.get(page.headers["location"])
            results["replay_check"] = replay.status_code

    anyio.run(run)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200, help="requests per measurement")
    parser.add_argument("--database-url", help="PostgreSQL URL (a fresh schema is used)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "webapp.json")
    args = parser.parse_args()
    if args.captures < 2_000:
        parser.error("--captures must be at least 2000")
    with tempfile.TemporaryDirectory(prefix="reftrail-webapp-bench-") as tmp:
        archive, cleanup = open_archive(Path(tmp) / "archive", args.database_url)
        try:
            started = time.perf_counter()
            made = generate(archive, args.captures, args.seed)
            vocabulary = made.pop("vocabulary")
            made["generate_s"] = round(time.perf_counter() - started, 2)
            print(
                f"{archive.engine.dialect.name}: {made['captures']:,} captures, "
                f"{made['documents']:,} documents in {made['generate_s']} s",
                flush=True,
            )
            work = workloads(archive, random.Random(args.seed + 1), vocabulary, args.repeat)
            storage = measure_storage(archive, work)
            http = measure_http(archive, work)
        finally:
            cleanup()
    labels = {
        "closest": "closest capture (/web/ 302)",
        "timemap": "TimeMap, 1,000 mementos",
        "cdx": "CDX prefix, limit 100",
        "search": "search (/api/search)",
    }
    print(f"\n{'':30} {'storage p50':>11} {'p95':>7} {'HTTP p50':>9} {'p95':>7} {'goal':>6}")
    for name, label in labels.items():
        goal = GOALS_MS[name]
        s, h = storage[name], http[name]
        verdict = "ok" if h["p95_ms"] < goal and s["p95_ms"] < goal else "MISSED"
        print(
            f"{label:30} {s['p50_ms']:>11.1f} {s['p95_ms']:>7.1f} {h['p50_ms']:>9.1f} "
            f"{h['p95_ms']:>7.1f} {goal:>5.0f}  {verdict}"
        )
    print(f"(ms; {args.repeat} calls each; replay of a real record: {http['replay_check']})")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": archive.engine.dialect.name,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "archive": made,
        "repeat": args.repeat,
        "goals_p95_ms": GOALS_MS,
        "storage": storage,
        "http": http,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
