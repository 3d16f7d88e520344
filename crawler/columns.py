"""The ``column_reads`` table: how far each night's crawl read each unit's 年报 column.

One row per unit and column (or search for one) per run, written by the crawl's pipeline from the
spider's bookkeeping (:mod:`spiders.coverage`) and judged by the check (:mod:`alerts.coverage`). Kept
apart from both, beside the store, so that neither has to import the other.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

# Why a reading is not complete.
CUT_CAP = "cap"  # the list-page cap stopped the pagination
CUT_TRAP = "trap"  # a further page repeated the pages before it: the rest of the list was not reached
CUT_ERROR = "error"  # a list page could not be read
CUT_UNFINISHED = "unfinished"  # the crawl ended (killed, timed out) before the reading did
CUT_DROPPED = "dropped"  # a list page was never fetched (filtered as a duplicate of nothing we read)

SCHEMA = """
CREATE TABLE IF NOT EXISTS column_reads (
    id INTEGER PRIMARY KEY,
    run INTEGER,
    unit_code TEXT NOT NULL,
    role TEXT NOT NULL,
    column_url TEXT NOT NULL,
    found INTEGER NOT NULL DEFAULT 1,
    adapter TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0,
    cut TEXT,
    entries INTEGER NOT NULL DEFAULT 0,
    report_entries INTEGER NOT NULL DEFAULT 0,
    browser INTEGER NOT NULL DEFAULT 0,
    scripts INTEGER NOT NULL DEFAULT 0,
    shared TEXT,
    last_error TEXT,
    at TEXT
);
CREATE INDEX IF NOT EXISTS column_reads_unit ON column_reads(unit_code, run);
CREATE INDEX IF NOT EXISTS column_reads_url ON column_reads(column_url);
"""


def ensure_schema(db: sqlite_utils.Database) -> None:
    db.conn.executescript(SCHEMA)


def save(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Store readings' rows (inside the caller's transaction)."""
    if not rows:
        return
    cols = list(rows[0])
    db.conn.executemany(
        f"INSERT INTO column_reads ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [[row.get(c) for c in cols] for row in rows])
