"""Text for every archived HTML page that has none: after ``reftrail reindex``.

A database rebuilt from the WARCs has its capture rows back but no Documents, so search and
the researchers' pages would be empty. This extracts them again, with the crawl's
extraction pool (workers read the records from the WARCs themselves), and stores them in
batches from this one thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from crawler.allocator import AUTO
from crawler.extraction import ExtractionPool
from storage.archive import Archive
from storage.documents import captures_without_documents, save_documents

logger = logging.getLogger(__name__)

_DONE = object()


def extract_missing_text(
    archive: Archive,
    *,
    workers: int = 0,
    mode: str = "fast",
    allocator: str = AUTO,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> int:
    """Extract and store the text of every HTML capture without a Document; how many now have one.

    ``progress`` gets (pages answered, pages to do). A batch whose worker died is left for
    the next run, which picks up exactly what is still missing.
    """
    pending = list(captures_without_documents(archive))
    if not pending:
        return 0
    pool = ExtractionPool(workers, mode=mode, allocator=allocator)
    answers: queue.Queue = queue.Queue()

    def hand_out() -> None:
        try:
            pool.submit_pending(archive.warc_dir, pending, answers.put)
            pool.wait_idle()
        finally:
            answers.put(_DONE)

    feeder = threading.Thread(target=hand_out, name="reftrail-reextract", daemon=True)
    feeder.start()
    answered = stored = 0
    try:
        while (batch := answers.get()) is not _DONE:
            documents = []
            for capture_id, url, fields, error in batch or ():
                if error is not None:
                    logger.warning("cannot read %s for extraction: %s", url, error)
                    continue
                documents.append((capture_id, url, fields or {}))
            save_documents(archive, documents)
            stored += len(documents)
            answered += len(batch or ())
            progress(answered, len(pending))
    finally:
        feeder.join()
        pool.close()
    return stored
