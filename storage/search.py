"""Full-text search over extracted documents: one function, two engines.

SQLite: the ``document_fts`` FTS5 table (porter stemming), ranked by bm25 with title hits
weighing more, snippets by ``snippet()``. PostgreSQL: the ``search_vector`` tsvector column
(GIN index), ``websearch_to_tsquery``, ``ts_rank_cd`` and ``ts_headline``. Queries use web
search syntax on both: words, "quoted phrases", ``-excluded`` words, ``OR``.

Snippets come back HTML-escaped with matches in ``<mark>``: the highlight markers are
private-use characters put in by the database, and everything else is escaped here.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.cdx import host_surt
from storage.exceptions import StorageError
from storage.linkstate import STATE_ORDER, STATES
from storage.timeutil import as_utc, timestamp14

START, STOP = "\ue000", "\ue001"
MAX_QUERY = 500
MAX_PAGE = 100


class SearchError(StorageError, ValueError):
    """Raised by :func:`search` for an empty or malformed query or cursor."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    capture_id: int
    document_id: int
    url: str
    title: str | None
    fetched_at: datetime
    timestamp: str
    snippet_html: str
    score: float
    kind: str = "capture"  # post, article (cited by a post) or capture (anything else)
    link_state: str | None = None  # storage.linkstate.STATES; None when never checked


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[SearchHit]
    next_cursor: str | None


def highlight(snippet: str) -> str:
    """Escape a snippet and turn the database's match markers into ``<mark>``."""
    escaped = html.escape(snippet.replace("\x00", ""), quote=True)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def fts5_query(query: str) -> str:
    """Web search syntax as an FTS5 expression in which every term is a quoted string.

    Quoting every term means no user input is ever FTS5 syntax (``NEAR``, ``*``, ``:``,
    parentheses), so a query can never be a syntax error.
    """
    positives: list[str] = []
    negatives: list[str] = []
    pending_or = False
    for match in TOKEN.finditer(query):
        negate, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            if word == "OR" and positives:
                pending_or = True
                continue
            negate = "-" if word.startswith("-") and len(word) > 1 else ""
            phrase = word[1:] if negate else word
        terms = phrase.strip()
        if not terms:
            continue
        quoted = '"' + terms.replace('"', '""') + '"'
        if negate:
            negatives.append(quoted)
        elif pending_or:
            positives[-1] = f"({positives[-1]} OR {quoted})"
            pending_or = False
        else:
            positives.append(quoted)
    if not positives:
        return ""
    expression = " AND ".join(positives)
    for term in negatives:
        expression = f"({expression}) NOT {term}"
    return expression


def _encode_cursor(score: float, document_id: int) -> str:
    raw = json.dumps([score, document_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        score, document_id = json.loads(base64.urlsafe_b64decode(padded))
        return float(score), int(document_id)
    except (ValueError, TypeError) as exc:
        raise SearchError("invalid cursor") from exc


SQLITE_SQL = """
SELECT * FROM (
    SELECT d.id AS document_id, c.id AS capture_id, c.url AS url, d.title AS title,
           c.fetched_at AS fetched_at,
           bm25(document_fts, 5.0, 1.0) AS score,
           snippet(document_fts, 1, :start, :stop, '…', 24) AS snippet
    FROM document_fts
    JOIN document d ON d.id = document_fts.rowid
    JOIN capture c ON c.id = d.capture_id
    WHERE document_fts MATCH :query {filters}
) AS hits
WHERE {after}
ORDER BY score, document_id
LIMIT :limit
"""

# PostgreSQL ranks at most this many matching documents (see POSTGRES_SQL).
RANK_CANDIDATES = 2000

# Ranking reads each match's heap row (its tsvector), which GIN cannot answer: a word found in
# a quarter of 100,000 documents cost ~25,000 row reads and took 200-500 ms. So the ranked
# set is the first RANK_CANDIDATES matches (filters applied) in the table's physical order,
# read with a serial scan so every page of results sees the same set; a query with fewer
# matches is ranked exactly. Snippets (ts_headline) are made for the returned page only, in
# the same statement, and the text is not carried through the sort.
POSTGRES_SQL = """
SELECT hits.*,
       ts_headline('english', left(coalesce(d.text, ''), 200000), hits.query,
                   :headline) AS snippet
FROM (
    SELECT * FROM (
        SELECT m.document_id, m.capture_id, m.url, m.title, m.fetched_at, m.query,
               -ts_rank_cd(m.search_vector, m.query, 32)::float8 AS score
        FROM (
            SELECT d.id AS document_id, c.id AS capture_id, c.url AS url, d.title AS title,
                   c.fetched_at AS fetched_at, d.search_vector, q.query AS query
            FROM document d
            JOIN capture c ON c.id = d.capture_id,
                 websearch_to_tsquery('english', :query) AS q(query)
            WHERE d.search_vector @@ q.query {filters}
            LIMIT :candidates
        ) AS m
    ) AS ranked
    WHERE {after}
    ORDER BY score, document_id
    LIMIT :limit
) AS hits
JOIN document d ON d.id = hits.document_id
ORDER BY hits.score, hits.document_id
"""
# The same physical order on every call: no parallel workers, no synchronized seq scans. And
# the candidates come from the GIN index: with the LIMIT the planner otherwise walks document
# (in capture_id order to merge-join capture, or sequentially) testing @@ on every row, which
# for common words reads ~20 times the rows it keeps (5-10x slower, measured).
POSTGRES_SETTINGS = (
    "SET LOCAL max_parallel_workers_per_gather = 0",
    "SET LOCAL synchronize_seqscans = off",
    "SET LOCAL enable_mergejoin = off",
    "SET LOCAL enable_seqscan = off",
)
HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxFragments=2, "
    'MaxWords=30, MinWords=10, FragmentDelimiter=" … "'
)

EXCLUDED = """NOT EXISTS (SELECT 1 FROM exclusion e
    WHERE substr(c.surt, 1, length(e.surt)) = e.surt)"""

# What a document is: a blog post (any fetch of one) or an article a post cites.
KINDS = {
    "post": """(EXISTS (SELECT 1 FROM post_capture pc WHERE pc.capture_id = c.id)
        OR EXISTS (SELECT 1 FROM post p WHERE p.capture_id = c.id))""",
    "article": "EXISTS (SELECT 1 FROM article a WHERE a.capture_id = c.id)",
}
# A document's link state is that of the URL it was captured from or, for a cited article,
# of the URLs its citations link to (what `reftrail check` checks: redirects may have led
# the fetch elsewhere).
STATE_OF = """(ls.url = c.url
    OR ls.url IN (SELECT a.url FROM article a WHERE a.capture_id = c.id)
    OR ls.url IN (SELECT coalesce(ci.normalized_url, ci.url) FROM citation ci
                  JOIN article a ON a.id = ci.article_id WHERE a.capture_id = c.id))"""
LINK_STATE = (
    "EXISTS (SELECT 1 FROM link_state ls WHERE ls.state IN ({states}) AND " + STATE_OF + ")"
)
# What each hit of a page is and its link state, with the filters' own clauses, for the page
# only: the state of the hit's own URL, else the worst of the URLs it was cited under.
HIT_FACTS = (
    "SELECT c.id AS capture_id,"
    " CASE WHEN " + KINDS["post"] + " THEN 'post'"
    " WHEN " + KINDS["article"] + " THEN 'article' ELSE 'capture' END AS kind,"
    " (SELECT min(CASE WHEN ls.url = c.url THEN 0 ELSE 100 END + CASE ls.state "
    + " ".join(f"WHEN '{state}' THEN {rank}" for rank, state in enumerate(STATE_ORDER))
    + " END) FROM link_state ls WHERE "
    + STATE_OF
    + ") AS state_rank"
    " FROM capture c WHERE c.id IN :ids"
)


def _with_facts(session: Session, hits: list[SearchHit]) -> list[SearchHit]:
    """The hits with their type and link state (:data:`HIT_FACTS`)."""
    if not hits:
        return hits
    statement = text(HIT_FACTS).bindparams(bindparam("ids", expanding=True))
    facts = {
        row.capture_id: row
        for row in session.execute(statement, {"ids": [h.capture_id for h in hits]})
    }
    out = []
    for hit in hits:
        fact = facts.get(hit.capture_id)
        if fact is None:
            out.append(hit)
            continue
        rank = fact.state_rank
        state = STATE_ORDER[int(rank) % 100] if rank is not None else None
        out.append(replace(hit, kind=fact.kind, link_state=state))
    return out


def search(
    archive: Archive,
    query: str,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
    cursor: str | None = None,
    states: Iterable[str] | None = None,
    kind: str | None = None,
) -> SearchPage:
    """Documents matching ``query``, best first, ``limit`` at a time (keyset paging).

    ``states``: only documents whose link state (storage.linkstate.STATES) is one of these;
    ``kind``: ``post``, ``article`` (cited by a post) or ``any``/None.
    """
    query = (query or "").strip()
    if not query:
        raise SearchError("empty query")
    if len(query) > MAX_QUERY:
        raise SearchError(f"query longer than {MAX_QUERY} characters")
    if kind not in (None, "", "any", *KINDS):
        raise SearchError(f"unknown type {kind!r}: choose post, article or any")
    wanted = sorted(set(states or ()))
    unknown = [state for state in wanted if state not in STATES]
    if unknown:
        raise SearchError(f"unknown link state {unknown[0]!r}: choose from {', '.join(STATES)}")
    limit = max(1, min(int(limit), MAX_PAGE))
    params: dict[str, object] = {"limit": limit + 1, "start": START, "stop": STOP}
    filters = [EXCLUDED]
    if site:
        host = host_surt(site)
        params["site_host"] = host + "%"
        params["site_sub"] = host[:-1] + ",%"
        filters.append("(c.surt LIKE :site_host OR c.surt LIKE :site_sub)")
    if since is not None:
        params["since"] = as_utc(since)
        filters.append("c.fetched_at >= :since")
    if until is not None:
        params["until"] = as_utc(until)
        filters.append("c.fetched_at <= :until")
    if kind in KINDS:
        filters.append(KINDS[kind])
    if wanted:
        names = []
        for i, state in enumerate(wanted):
            params[f"state_{i}"] = state
            names.append(f":state_{i}")
        filters.append(LINK_STATE.format(states=", ".join(names)))
    after = "1 = 1"
    if cursor:
        params["after_score"], params["after_id"] = _decode_cursor(cursor)
        after = "(score > :after_score OR (score = :after_score AND document_id > :after_id))"
    dialect = archive.engine.dialect.name
    if dialect == "sqlite":
        params["query"] = fts5_query(query)
        if not params["query"]:
            return SearchPage([], None)
        sql = SQLITE_SQL
    elif dialect == "postgresql":
        params.update(query=query, candidates=RANK_CANDIDATES, headline=HEADLINE_OPTIONS)
        sql = POSTGRES_SQL
    else:
        raise SearchError(f"full-text search is not available on {dialect}")
    statement = text(sql.format(filters="".join(" AND " + f for f in filters), after=after))
    with archive.session() as session:
        if dialect == "postgresql":
            for setting in POSTGRES_SETTINGS:
                session.execute(text(setting))
        rows = session.execute(statement, params).mappings().all()
        hits = []
        for row in rows[:limit]:
            snippet = row["snippet"] or ""
            fetched = row["fetched_at"]
            if isinstance(fetched, str):
                fetched = datetime.fromisoformat(fetched)
            fetched = as_utc(fetched)
            hits.append(
                SearchHit(
                    capture_id=row["capture_id"],
                    document_id=row["document_id"],
                    url=row["url"],
                    title=row["title"],
                    fetched_at=fetched,
                    timestamp=timestamp14(fetched),
                    snippet_html=highlight(snippet or ""),
                    score=float(row["score"]),
                )
            )
        if dialect == "postgresql":
            # The planner settings suit the full-text query only: left on, they made the
            # page's facts query (small tables, no index to force) take ~300 ms.
            for setting in POSTGRES_SETTINGS:
                session.execute(text("RESET " + setting.split()[2]))
        hits = _with_facts(session, hits)
    next_cursor = None
    if len(rows) > limit and hits:
        next_cursor = _encode_cursor(hits[-1].score, hits[-1].document_id)
    return SearchPage(hits, next_cursor)
