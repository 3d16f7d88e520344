"""Did last night happen? Crawl runs that did not finish, and scheduled runs that never started.

A crawl run (``runs``) stays ``running`` when its process died; the scheduler marks one it had to kill
(``killed: …``) and Scrapy one it stopped (``stopped: …``). The scheduler keeps its own log of nights
in ``schedule_runs`` (started, skipped, missed, finished), created here so that the check can read it
without importing the scheduler.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from .config import AlertConfig, iso, parse_time

SCHEMA = """
CREATE TABLE IF NOT EXISTS schedule_runs (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    scheduled_for TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    pid INTEGER,
    crawl_exit INTEGER,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS schedule_runs_started ON schedule_runs(job, started_at);
"""

LOOKBACK_DAYS = 7  # older failures are history, not news


def ensure_schema(db: sqlite_utils.Database) -> None:
    db.conn.executescript(SCHEMA)


def unfinished_runs(db: sqlite_utils.Database, now: datetime, config: AlertConfig | None = None) -> list[dict[str, Any]]:
    """Crawl runs of the last week that did not finish, each with the id of a later finished run if any.

    A ``running`` run is unfinished once a later run exists or it is older than ``run_stale_hours``;
    before that it may simply still be going.
    """
    config = config or AlertConfig()
    since = iso(now - timedelta(days=LOOKBACK_DAYS))
    rows = list(db.query("SELECT id, started, finished, status FROM runs WHERE started >= ? ORDER BY id", [since]))
    out = []
    for i, run in enumerate(rows):
        later = rows[i + 1:]
        if run["status"] == "finished":
            continue
        if run["status"] == "running":
            started = parse_time(run["started"])
            stale = started is not None and now - started > timedelta(hours=config.run_stale_hours)
            if not later and not stale:
                continue  # still going
        run["finished_after"] = next((r["id"] for r in later if r["status"] == "finished"), None)
        out.append(run)
    return out


def missed_schedules(db: sqlite_utils.Database, now: datetime) -> list[dict[str, Any]]:
    """Scheduled nights of the last week that APScheduler reported missed, with a later finished night if any."""
    ensure_schema(db)
    since = iso(now - timedelta(days=LOOKBACK_DAYS))
    rows = list(db.query("SELECT * FROM schedule_runs WHERE job = 'nightly' AND started_at >= ? ORDER BY id", [since]))
    out = []
    for i, row in enumerate(rows):
        if row["status"] != "missed":
            continue
        row["finished_after"] = next((r["id"] for r in rows[i + 1:] if r["status"] in ("finished", "crawl_timeout")), None)
        out.append(row)
    return out
