"""The fetch log, sized to what it tells: one summary row per unit and night, rows only for what matters.

Every fetch of a crawl counts in ``fetch_nights`` (one row per run and unit: requests, outcomes,
bytes, list pages read or failed, article pages requested, first/last fetch time, last success) —
what site health (:mod:`alerts.health`) reads night after night. The ``fetches`` table keeps one row
per fetch only where a row says something: a failure (its URL, status and error), a list or home
page (the column was read, which address, redirected from where, through a browser), a document
that was new. An unchanged document — a 304, or the same bytes again from a server that ignores
conditional GET — is only counted: a night that finds nothing new adds one summary row per unit.

Old runs go after ``NIANBAO_FETCH_KEEP_RUNS`` runs (default 90; site health looks at the last 60),
except each unit's latest night with a success, so "last read successfully on …" is never forgotten.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from typing import Any

from .transactions import atomic

SCHEMA = """
CREATE TABLE IF NOT EXISTS fetch_nights (
    run INTEGER NOT NULL,
    unit_code TEXT NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    outcomes TEXT NOT NULL DEFAULT '{}',
    bytes INTEGER NOT NULL DEFAULT 0,
    lists_ok INTEGER NOT NULL DEFAULT 0,
    lists_failed INTEGER NOT NULL DEFAULT 0,
    articles INTEGER NOT NULL DEFAULT 0,
    first_at TEXT,
    last_at TEXT,
    last_success_at TEXT,
    PRIMARY KEY (run, unit_code)
) WITHOUT ROWID;
"""
READ_OK = ("ok", "not_modified")
LIST_KINDS = ("list", "home", None)
MIGRATION = "fetch_nights"
DEFAULT_KEEP_RUNS = 90


def keep_runs() -> int:
    return int(os.environ.get("NIANBAO_FETCH_KEEP_RUNS") or DEFAULT_KEEP_RUNS)


def ensure(conn: sqlite3.Connection) -> None:
    """Create ``fetch_nights``; summarise the runs an older version logged row by row (once)."""
    conn.executescript(SCHEMA)
    conn.execute("CREATE TABLE IF NOT EXISTS store_migrations (name TEXT PRIMARY KEY, done_at TEXT NOT NULL)")
    if conn.execute("SELECT 1 FROM store_migrations WHERE name = ?", [MIGRATION]).fetchone():
        return
    with atomic(conn):
        if not conn.execute("SELECT 1 FROM store_migrations WHERE name = ?", [MIGRATION]).fetchone():
            runs = [r[0] for r in conn.execute(
                "SELECT DISTINCT run FROM fetches WHERE unit_code IS NOT NULL AND run IS NOT NULL "
                "AND run NOT IN (SELECT DISTINCT run FROM fetch_nights)")]
            for run in runs:  # the old rows stay: nothing is lost, retention takes them in time
                rows = conn.execute("SELECT unit_code, kind, outcome, bytes, at FROM fetches WHERE run = ? "
                                    "AND unit_code IS NOT NULL ORDER BY id", [run])
                _add(conn, run, [{"unit_code": u, "kind": k, "outcome": o, "bytes": b, "at": a}
                                 for u, k, o, b, a in rows])
            conn.execute("INSERT OR IGNORE INTO store_migrations (name, done_at) VALUES (?, datetime('now'))",
                         [MIGRATION])


def is_routine(fetch: dict[str, Any]) -> bool:
    """A fetch that only needs counting: an unchanged document (304, or flagged unchanged by the pipeline)."""
    if not fetch.get("unit_code"):
        return False
    if fetch.get("outcome") == "not_modified" and fetch.get("kind") not in LIST_KINDS:
        return True
    return bool(fetch.get("routine")) and fetch.get("outcome") in READ_OK


def record(conn: sqlite3.Connection, run: int | None, fetches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Count ``fetches`` into their units' summary rows (inside the caller's transaction); returns
    the ones that also get a row of their own."""
    if run is not None:
        _add(conn, run, [f for f in fetches if f.get("unit_code")])
    return [f for f in fetches if not is_routine(f)]


def _add(conn: sqlite3.Connection, run: int, fetches: Iterable[dict[str, Any]]) -> None:
    per_unit: dict[str, dict[str, Any]] = {}
    for f in fetches:
        s = per_unit.setdefault(f["unit_code"], {"requests": 0, "outcomes": {}, "bytes": 0, "lists_ok": 0,
                                                 "lists_failed": 0, "articles": 0, "first_at": None,
                                                 "last_at": None, "last_success_at": None})
        outcome, kind, at = f.get("outcome") or "error", f.get("kind"), f.get("at")
        s["requests"] += 1
        s["outcomes"][outcome] = s["outcomes"].get(outcome, 0) + 1
        s["bytes"] += int(f.get("bytes") or 0)
        if kind in LIST_KINDS:
            s["lists_ok" if outcome in READ_OK else "lists_failed"] += 1
        elif kind == "article":
            s["articles"] += 1
        if at:
            s["first_at"] = min(s["first_at"] or at, at)
            s["last_at"] = max(s["last_at"] or at, at)
            if outcome in READ_OK:
                s["last_success_at"] = max(s["last_success_at"] or at, at)
    for unit, s in per_unit.items():
        old = conn.execute("SELECT requests, outcomes, bytes, lists_ok, lists_failed, articles, first_at, last_at, "
                           "last_success_at FROM fetch_nights WHERE run = ? AND unit_code = ?", [run, unit]).fetchone()
        if old:
            outcomes = json.loads(old[1] or "{}")
            for k, v in s["outcomes"].items():
                outcomes[k] = outcomes.get(k, 0) + v
            s = {"requests": old[0] + s["requests"], "outcomes": outcomes, "bytes": old[2] + s["bytes"],
                 "lists_ok": old[3] + s["lists_ok"], "lists_failed": old[4] + s["lists_failed"],
                 "articles": old[5] + s["articles"], "first_at": _min(old[6], s["first_at"]),
                 "last_at": _max(old[7], s["last_at"]), "last_success_at": _max(old[8], s["last_success_at"])}
        conn.execute(
            "INSERT OR REPLACE INTO fetch_nights (run, unit_code, requests, outcomes, bytes, lists_ok, lists_failed, "
            "articles, first_at, last_at, last_success_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run, unit, s["requests"], json.dumps(s["outcomes"], sort_keys=True), s["bytes"], s["lists_ok"],
             s["lists_failed"], s["articles"], s["first_at"], s["last_at"], s["last_success_at"]])


def _min(a, b):
    return min(x for x in (a, b) if x) if (a or b) else None


def _max(a, b):
    return max(x for x in (a, b) if x) if (a or b) else None


def outcome_counts(conn: sqlite3.Connection, run: int) -> dict[str, int]:
    """Every fetch of a run by outcome (summaries, plus the rows of fetches without a unit)."""
    counts: dict[str, int] = {}
    for (outcomes,) in conn.execute("SELECT outcomes FROM fetch_nights WHERE run = ?", [run]):
        for k, v in json.loads(outcomes or "{}").items():
            counts[k] = counts.get(k, 0) + v
    for outcome, n in conn.execute("SELECT outcome, count(*) FROM fetches WHERE run = ? AND unit_code IS NULL "
                                   "GROUP BY outcome", [run]):
        counts[outcome] = counts.get(outcome, 0) + n
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def prune(conn: sqlite3.Connection, keep: int | None = None) -> dict[str, int]:
    """Drop the fetch log of runs older than the last ``keep`` (each unit's latest night with a
    success stays); returns the rows deleted per table."""
    keep = keep_runs() if keep is None else keep
    row = conn.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?", [max(keep, 1) - 1]).fetchone()
    if row is None:
        return {"fetches": 0, "fetch_nights": 0}
    cutoff = row[0]
    with atomic(conn):
        a = conn.execute("DELETE FROM fetches WHERE run < ?", [cutoff]).rowcount
        b = conn.execute(
            "DELETE FROM fetch_nights WHERE run < ? AND (unit_code, run) NOT IN "
            "(SELECT unit_code, max(run) FROM fetch_nights WHERE last_success_at IS NOT NULL GROUP BY unit_code)",
            [cutoff]).rowcount
    return {"fetches": a, "fetch_nights": b}
