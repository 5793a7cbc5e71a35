"""Cited articles are extracted in the crawl's extraction pool: a worker process gives the same
text and metadata as extraction in the crawl process (HTML and PDF), and a task whose worker
dies is handed back to its owner instead of being dropped."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from crawler.citations.articles import extract_article
from crawler.extraction import ExtractionPool
from crawler.fakeweb.sites.citation_blog import ARTICLES, article_page
from tests.citations.test_articles import tiny_pdf


@pytest.fixture(scope="module")
def pool() -> Iterator[ExtractionPool]:
    pool = ExtractionPool(1)
    yield pool
    pool.close()


def _run(pool: ExtractionPool, task: Any) -> tuple[str, Any]:
    """Run ``task`` in the pool; ("done", result) or ("lost", None)."""
    outcome: list[tuple[str, Any]] = []
    finished = threading.Event()

    def done(result: Any) -> None:
        outcome.append(("done", result))
        finished.set()

    def lost() -> None:
        outcome.append(("lost", None))
        finished.set()

    assert pool.try_run(task, label="test", on_done=done, on_lost=lost)
    assert finished.wait(120), "the pool never called back"
    assert pool.wait_idle(120)
    return outcome[0]


def test_a_worker_extracts_an_article_as_the_crawl_process_would(pool: ExtractionPool) -> None:
    article = ARTICLES[0]
    page = article_page(article).encode()
    pdf = tiny_pdf("Dam safety report for the county", "County Dam Report")
    cases = [
        (page, article.url, "text/html; charset=utf-8"),
        (pdf, "https://example.org/report.pdf", "application/pdf"),
    ]
    for body, url, content_type in cases:
        here = extract_article(body, url=url, content_type=content_type)
        state, there = _run(
            pool, partial(extract_article, body, url=url, content_type=content_type)
        )
        assert state == "done"
        assert there == here
        assert there.text, url
    assert here.kind == "pdf" and "Dam safety report" in (here.text or "")


def test_a_task_whose_worker_dies_is_handed_back_and_the_pool_goes_on(
    pool: ExtractionPool,
) -> None:
    assert _run(pool, partial(os._exit, 3)) == ("lost", None)
    body = article_page(ARTICLES[1]).encode()
    state, text = _run(pool, partial(extract_article, body, url=ARTICLES[1].url, content_type=None))
    assert state == "done" and text.kind == "html" and text.text
