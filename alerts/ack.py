"""A person settles a finding: 已核实 (checked, the unit knows), 误报 (false alarm), 暂缓 (on hold).

    acknowledge(db, alert_id, verdict="误报", actor="张三", note="附件是扫描件，数字已人工核对", now=now)

An acknowledged alert stays open (the problem is still there) but is no longer reminded, nor told as new.
Every step is a row of ``alert_events`` — who, when, which verdict, why, and the report (document) it
was about — so the alert's history is kept and shown in Datasette. When the report behind an
acknowledged alert changes (the unit published a new document), :func:`reopen_changed` reopens it by
itself: an event says why, and the next digest tells it again as new.

The events are the only state: an alert is acknowledged when its latest event is an ``ack``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from crawler.transactions import atomic

from .config import iso

VERDICTS = ("已核实", "误报", "暂缓")

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_events (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    verdict TEXT,
    actor TEXT,
    note TEXT,
    report TEXT
);
CREATE INDEX IF NOT EXISTS alert_events_alert ON alert_events(alert_id, id);
"""

# the latest event of every alert that has one
LATEST = ("SELECT e.* FROM alert_events e WHERE e.id = "
          "(SELECT max(id) FROM alert_events WHERE alert_id = e.alert_id)")


class AckError(ValueError):
    """An acknowledgement that cannot be recorded (unknown or closed alert, unknown verdict, no name)."""


def ensure_schema(db: sqlite_utils.Database) -> None:
    from .state import ensure_schema as alerts_schema

    alerts_schema(db)
    db.conn.executescript(SCHEMA)


def acknowledge(db: sqlite_utils.Database, alert_id: int, *, verdict: str, actor: str, note: str = "",
                now: datetime) -> dict[str, Any]:
    """Record a verdict on an open alert; returns the event. Raises :class:`AckError` when it can't."""
    ensure_schema(db)
    if verdict not in VERDICTS:
        raise AckError(f"结论应为 {'、'.join(VERDICTS)} 之一，而不是 {verdict!r}")
    if not (actor or "").strip():
        raise AckError("请用 --by 写明是谁核实的")
    row = db.execute("SELECT closed_at, report FROM alerts WHERE id = ?", [alert_id]).fetchone()
    if row is None:
        raise AckError(f"没有编号为 {alert_id} 的问题")
    if row[0] is not None:
        raise AckError(f"问题 {alert_id} 已于 {row[0][:10]} 关闭，无需核实")
    event = {"alert_id": alert_id, "at": iso(now), "action": "ack", "verdict": verdict, "actor": actor.strip(),
             "note": (note or "").strip() or None, "report": row[1]}
    with atomic(db.conn):
        cur = db.execute("INSERT INTO alert_events (alert_id, at, action, verdict, actor, note, report) "
                         "VALUES (:alert_id, :at, :action, :verdict, :actor, :note, :report)", event)
    return {"id": cur.lastrowid, **event}


def acknowledged(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    """Open alerts whose latest event is an acknowledgement: {alert id: that event}."""
    ensure_schema(db)
    return {r["alert_id"]: r for r in db.query(
        f"SELECT l.* FROM ({LATEST}) l JOIN alerts a ON a.id = l.alert_id "
        "WHERE l.action = 'ack' AND a.closed_at IS NULL")}


def history(db: sqlite_utils.Database, alert_id: int) -> list[dict[str, Any]]:
    """An alert's events, oldest first."""
    ensure_schema(db)
    return [dict(r) for r in db.query("SELECT * FROM alert_events WHERE alert_id = ? ORDER BY id", [alert_id])]


def reopen_changed(db: sqlite_utils.Database, now: datetime) -> list[int]:
    """Reopen acknowledged alerts whose report is no longer the one the verdict was about.

    Called by the check after it reconciled the alerts (which keeps each open alert's ``report``
    current). The reopened alert is told again in the next digest, as new.
    """
    reopened = []
    stamp = iso(now)
    with atomic(db.conn):
        for alert_id, event in acknowledged(db).items():
            current = db.execute("SELECT report FROM alerts WHERE id = ?", [alert_id]).fetchone()[0]
            if current == event["report"]:
                continue
            note = f"报告文档已更换（{event['report'] or '无'} → {current or '无'}），{event['verdict']}的结论需要重新核实"
            db.execute("INSERT INTO alert_events (alert_id, at, action, actor, note, report) VALUES (?, ?, 'reopen', ?, ?, ?)",
                       [alert_id, stamp, "nianbao", note, current])
            db.execute("UPDATE alerts SET last_sent_at = NULL, updated_at = ? WHERE id = ?", [stamp, alert_id])
            reopened.append(alert_id)
    return reopened
