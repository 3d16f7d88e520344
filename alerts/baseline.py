"""History, not alerts: what a unit's past years already lacked when nianbao first looked at them.

The first night a (unit, report year) is judged — a new registry, a new unit, or ``--first-year`` moved
back — the problems of report years whose deadline is older than the alert window
(``AlertConfig.alert_window_days``, default 365) are *history*: recorded once in ``history_findings``,
listed once in the next digest (历史缺报 / 历史问题, one line per unit), shown in Datasette, and never
opened as alerts nor reminded. Alerts are for report years whose deadline passed inside the window, and
for anything that changes after the first judgement: an old year that was judged before (found, missing,
unreadable) and now shows a new problem, or a history entry whose report changed.

An alert already open stays an alert (it was told; it closes by being resolved, not by ageing).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from crawler.transactions import atomic

from .config import china_date, iso
from .state import Finding, Key

SCHEMA = """
CREATE TABLE IF NOT EXISTS history_findings (
    unit_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    rule TEXT NOT NULL DEFAULT '',
    report TEXT,
    deadline TEXT,
    headline TEXT,
    recorded_at TEXT NOT NULL,
    told_at TEXT,
    PRIMARY KEY (unit_code, year, kind, rule)
);
"""

DECIDED = ("on_time", "late", "missing", "parse_failed")  # statuses that are a judgement about the year


def ensure_schema(db: sqlite_utils.Database) -> None:
    db.conn.executescript(SCHEMA)


def previous_statuses(db: sqlite_utils.Database) -> dict[tuple[str, int], str]:
    """Last check's status per (unit, year) — read before ``expected_reports`` is replaced."""
    if not db["expected_reports"].exists():
        return {}
    return {(r[0], r[1]): r[2] for r in db.execute("SELECT unit_code, year, status FROM expected_reports")}


def _recorded(db: sqlite_utils.Database) -> dict[Key, str | None]:
    ensure_schema(db)
    return {(r[0], r[1], r[2], r[3]): r[4] for r in
            db.execute("SELECT unit_code, year, kind, rule, report FROM history_findings")}


def split(db: sqlite_utils.Database, findings: Iterable[Finding], *, deadlines: dict[tuple[str, int], date],
          previous: dict[tuple[str, int], str], open_keys: set[Key], now: datetime,
          window_days: int) -> tuple[list[Finding], list[Finding]]:
    """``(alerts, history)``: tonight's findings that are alerts, and those that are history.

    A finding is history when its report year's deadline is older than the window and either the
    (unit, year) is judged for the first time (no decided status last night) or it is already recorded
    as history with the same report. An open alert's finding always stays an alert.
    """
    cutoff = china_date(now) - timedelta(days=window_days)
    recorded = _recorded(db)
    alerts: list[Finding] = []
    history: list[Finding] = []
    for f in findings:
        deadline = deadlines.get((f.unit_code, f.year))
        old = f.unit_code and f.year and deadline is not None and deadline < cutoff
        if not old or f.key in open_keys:
            alerts.append(f)
        elif f.key in recorded and recorded[f.key] == f.report:
            history.append(f)  # the same fact as at the baseline
        elif f.key not in recorded and previous.get((f.unit_code, f.year)) not in DECIDED:
            history.append(f)  # judged for the first time: the baseline
        else:
            alerts.append(f)  # a change to a year judged before
    return alerts, history


def record(db: sqlite_utils.Database, history: list[Finding], deadlines: dict[tuple[str, int], date],
           now: datetime) -> int:
    """Keep the history findings not recorded yet; returns how many are new."""
    ensure_schema(db)
    stamp = iso(now)
    added = 0
    with atomic(db.conn):
        for f in history:
            deadline = deadlines.get((f.unit_code, f.year))
            cur = db.execute(
                "INSERT OR IGNORE INTO history_findings (unit_code, year, kind, rule, report, deadline, headline, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [f.unit_code, f.year, f.kind, f.rule, f.report, deadline.isoformat() if deadline else None,
                 f.payload.get("headline"), stamp])
            added += cur.rowcount
    return added


def untold(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """History not yet listed in a digest (and still true: a missing year found since is left out)."""
    ensure_schema(db)
    return [dict(r) for r in db.query(
        "SELECT h.* FROM history_findings h "
        "LEFT JOIN expected_reports e ON e.unit_code = h.unit_code AND e.year = h.year "
        "WHERE h.told_at IS NULL AND (h.kind != 'missing' OR e.status = 'missing') "
        "ORDER BY h.unit_code, h.kind, h.year")]


def mark_told(db: sqlite_utils.Database, rows: list[dict[str, Any]], now: datetime) -> None:
    """Record that ``rows`` went into a digest (inside the transaction that queued it)."""
    stamp = iso(now)
    for r in rows:
        db.execute("UPDATE history_findings SET told_at = ? WHERE unit_code = ? AND year = ? AND kind = ? AND rule = ?",
                   [stamp, r["unit_code"], r["year"], r["kind"], r["rule"]])
