"""Alert state in the store: each problem is opened once, reminded while open, closed with a notice.

The ``alerts`` table has one row per occurrence of a problem, keyed by (unit_code, year, kind, rule):
a partial unique index allows one *open* row per key, so running the check twice opens nothing twice.
``unit_code`` is '' for alerts about the monitor itself (network down, a crawl that died) and ``year``
is 0 for alerts not about one report year (a site that can't be read).

Lifecycle: :func:`reconcile` opens rows for new findings, refreshes the payload of open ones and closes
the rest (with the resolution in the payload); the sender marks ``last_sent_at`` when an alert goes into
a digest, repeats it every ``remind_days`` while open (``reminders`` counts), and sets
``resolved_notice_sent`` once the closing notice went out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from crawler.transactions import atomic

from .config import iso, parse_time

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    unit_code TEXT NOT NULL DEFAULT '',
    year INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    rule TEXT NOT NULL DEFAULT '',
    scope TEXT,
    report TEXT,
    opened_at TEXT NOT NULL,
    updated_at TEXT,
    last_sent_at TEXT,
    reminders INTEGER NOT NULL DEFAULT 0,
    closed_at TEXT,
    resolved_notice_sent INTEGER NOT NULL DEFAULT 0,
    payload TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_open_key ON alerts(unit_code, year, kind, rule) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS alerts_unit ON alerts(unit_code, year);
"""

# kind → (Chinese label, reminded while open?)
KINDS: dict[str, tuple[str, bool]] = {
    "missing": ("逾期未发布", True),
    "late": ("逾期发布", False),  # a fact about the past: said once, not repeated
    "inconsistent": ("数字不符", True),
    "incomplete": ("内容不全", True),
    "parse_failed": ("无法读取", True),
    "unreachable": ("网站无法访问", True),
    "nothing_found": ("栏目无年报", True),
    "column_not_found": ("未找到年报栏目", True),  # for the operators: the registry needs the column
    "network_down": ("本机网络故障", True),
    "run_unfinished": ("抓取未完成", False),
    "run_missed": ("计划任务未运行", False),
}
SYSTEM_KINDS = ("network_down", "run_unfinished", "run_missed", "column_not_found")  # told to the operators

Key = tuple[str, int, str, str]


def ensure_schema(db: sqlite_utils.Database) -> None:
    db.conn.executescript(SCHEMA)


@dataclass
class Finding:
    """A problem the check sees now; ``payload`` holds what the digest says about it."""

    unit_code: str
    year: int
    kind: str
    rule: str = ""
    scope: str | None = None
    report: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> Key:
        return (self.unit_code, self.year, self.kind, self.rule)


@dataclass
class Changes:
    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


def key_of(row: dict[str, Any]) -> Key:
    return (row["unit_code"], row["year"], row["kind"], row["rule"])


def open_alerts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Open alerts with their payload decoded, oldest first."""
    ensure_schema(db)
    return [_decode(r) for r in db.query("SELECT * FROM alerts WHERE closed_at IS NULL ORDER BY opened_at, id")]


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["payload"] = json.loads(row["payload"] or "{}")
    return row


def _normal(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as it reads back from the store (tuples become lists), to compare with a stored one."""
    return json.loads(json.dumps(payload, ensure_ascii=False))


def reconcile(db: sqlite_utils.Database, findings: Iterable[Finding], now: datetime, *,
              held: Callable[[Key], bool] = lambda key: False,
              resolution: Callable[[dict[str, Any]], str | None] = lambda row: "问题已解决") -> Changes:
    """Make the open alerts match ``findings``: open new ones, refresh open ones, close the rest.

    ``held(key)`` says an open alert must be left as it is because tonight's data can't tell (its unit's
    site could not be read): never closed — nor opened — on the strength of a failed fetch.
    ``resolution(row)`` is the closing sentence kept in the closed alert's payload (and sent as the
    resolved notice); None closes the alert without a notice.
    """
    ensure_schema(db)
    changes = Changes()
    wanted = {f.key: f for f in findings}
    stamp = iso(now)
    with atomic(db.conn):
        current = {key_of(r): r for r in open_alerts(db)}
        for key, f in wanted.items():
            row = current.get(key)
            if row is None:
                cur = db.execute(
                    "INSERT OR IGNORE INTO alerts (unit_code, year, kind, rule, scope, report, opened_at, updated_at, payload) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [f.unit_code, f.year, f.kind, f.rule, f.scope, f.report, stamp, stamp,
                     json.dumps(f.payload, ensure_ascii=False, sort_keys=True)])
                if cur.rowcount:
                    changes.opened.append(cur.lastrowid)
            elif (row["payload"], row["scope"], row["report"]) != (_normal(f.payload), f.scope, f.report):
                db.execute("UPDATE alerts SET payload = ?, scope = ?, report = ?, updated_at = ? WHERE id = ?",
                           [json.dumps(f.payload, ensure_ascii=False, sort_keys=True), f.scope, f.report, stamp, row["id"]])
                changes.updated.append(row["id"])
        for key, row in current.items():
            if key in wanted or held(key):
                continue
            text = resolution(row)
            payload = {**row["payload"], "resolution": text or "不再列出"}
            if getattr(text, "closed_as", None):  # e.g. "undetermined": not fixed, only no longer judgeable
                payload["closed_as"] = text.closed_as
            # a None resolution closes without a notice (nothing was fixed: the item only aged out)
            db.execute("UPDATE alerts SET closed_at = ?, updated_at = ?, payload = ?, resolved_notice_sent = ? WHERE id = ?",
                       [stamp, stamp, json.dumps(payload, ensure_ascii=False, sort_keys=True), int(text is None),
                        row["id"]])
            changes.closed.append(row["id"])
    return changes


@dataclass
class Due:
    """What the next digest carries: new alerts, reminders of open ones, notices of closed ones."""

    new: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[dict[str, Any]] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    silent: list[int] = field(default_factory=list)  # closed before anyone was told: nothing to say
    history: list[dict[str, Any]] = field(default_factory=list)  # baseline rows to list once (alerts.baseline)

    def __bool__(self) -> bool:
        return bool(self.new or self.reminders or self.resolved or self.history)


def due(db: sqlite_utils.Database, now: datetime, remind_days: int) -> Due:
    """The alerts a digest sent at ``now`` must carry."""
    from .ack import acknowledged

    ensure_schema(db)
    out = Due()
    cutoff = now - timedelta(days=remind_days)
    settled = acknowledged(db)  # a person's verdict stops reminders until the report changes
    for row in map(_decode, db.query("SELECT * FROM alerts WHERE closed_at IS NULL ORDER BY id")):
        if row["id"] in settled:
            continue
        if row["last_sent_at"] is None:
            out.new.append(row)
        elif KINDS.get(row["kind"], ("", True))[1] and parse_time(row["last_sent_at"]) <= cutoff:
            out.reminders.append(row)
    for row in map(_decode, db.query(
            "SELECT * FROM alerts WHERE closed_at IS NOT NULL AND resolved_notice_sent = 0 ORDER BY id")):
        (out.resolved if row["last_sent_at"] else out.silent).append(row if row["last_sent_at"] else row["id"])
    return out


def mark_sent(db: sqlite_utils.Database, due_: Due, now: datetime) -> None:
    """Record that ``due_`` went into the outbox (call inside the transaction that queued it)."""
    stamp = iso(now)
    for row in due_.new:
        db.execute("UPDATE alerts SET last_sent_at = ? WHERE id = ?", [stamp, row["id"]])
    for row in due_.reminders:
        db.execute("UPDATE alerts SET last_sent_at = ?, reminders = reminders + 1 WHERE id = ?", [stamp, row["id"]])
    for row in due_.resolved:
        db.execute("UPDATE alerts SET resolved_notice_sent = 1 WHERE id = ?", [row["id"]])
    for alert_id in due_.silent:
        db.execute("UPDATE alerts SET resolved_notice_sent = 1 WHERE id = ?", [alert_id])
