"""提示: the evaluator's findings (parsers.evaluator: copies, wrong year or unit, missing parts …) in the
digest, apart from the alerts.

They are warnings, not alerts: nothing is opened or reminded. Each finding on a unit's chosen report of a
year is told once (the findings of at most :data:`MAX_REPORTS` reports a night per recipient, a line each,
newest years first), to the same
people as the unit's alerts, in a section of its own after the alerts (``hints_told`` remembers what was
told). :mod:`alerts.digest` calls :func:`attach` when it builds
the digests and :func:`section` when it writes them; :mod:`alerts.notify` calls
:func:`mark_told` once the digests are queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from parsers.evaluator import IDS

from .config import iso

if TYPE_CHECKING:
    from .digest import Digest

MAX_REPORTS = 5  # reports whose 提示 one digest tells, a line each: the rest wait for the next nights

SCHEMA = """
CREATE TABLE IF NOT EXISTS hints_told (
    report TEXT NOT NULL,
    rule TEXT NOT NULL,
    scope TEXT NOT NULL,
    told_at TEXT NOT NULL,
    PRIMARY KEY (report, rule, scope)
);
"""


def ensure_schema(db: sqlite_utils.Database) -> None:
    db.conn.executescript(SCHEMA)


def due_hints(db: sqlite_utils.Database, now: datetime) -> list[dict[str, Any]]:
    """Evaluator findings on each unit's chosen report of each year, not told yet (newest years first)."""
    ensure_schema(db)
    marks = ",".join("?" * len(IDS))
    return list(db.query(
        f"SELECT e.unit_code, e.year, f.report, f.rule, f.scope, f.message FROM expected_reports e "
        f"JOIN rule_results f ON f.report = e.report "
        f"WHERE f.status = 'fail' AND f.severity = 'warning' AND f.rule IN ({marks}) "
        f"AND NOT EXISTS (SELECT 1 FROM hints_told t WHERE t.report = f.report AND t.rule = f.rule AND t.scope = f.scope) "
        f"ORDER BY e.year DESC, e.unit_code, f.rule, f.scope", IDS))


def attach(db: sqlite_utils.Database, digests: dict[str, Digest], units: dict[str, dict[str, Any]],
           now: datetime, recipients_of, make) -> dict[str, Digest]:
    """Add each due finding to the digests of its unit's recipients (a digest is made for a recipient
    who has findings but no alerts tonight: ``make(address)``). A digest tells the findings of at most
    :data:`MAX_REPORTS` reports, one line each; the others are told on the next nights."""
    for hint in due_hints(db, now):
        unit = units.get(hint["unit_code"])
        if unit is None:
            continue
        hint["unit"] = unit
        for address in recipients_of(hint["unit_code"], units):
            digest = digests.get(address) or digests.setdefault(address, make(address))
            shown = {h["report"] for h in digest.hints}
            if hint["report"] in shown or len(shown) < MAX_REPORTS:
                digest.hints.append(hint)
            else:
                digest.hints_later = getattr(digest, "hints_later", 0) + 1
    return digests


def mark_told(db: sqlite_utils.Database, digests: list[Digest], now: datetime) -> None:
    """Remember the findings the queued digests told (those over a digest's cap are told later)."""
    ensure_schema(db)
    rows = {(h["report"], h["rule"], h["scope"]) for d in digests for h in d.hints}
    db.conn.executemany("INSERT OR IGNORE INTO hints_told (report, rule, scope, told_at) VALUES (?, ?, ?, ?)",
                        [(*r, iso(now)) for r in sorted(rows)])


def count_text(digest: Digest) -> list[str]:
    return [f"提示 {len(digest.hints)} 项"] if digest.hints else []


def _who(hint: dict[str, Any]) -> str:
    from .digest import short_county

    unit = hint["unit"]
    return f"{short_county(unit['county'])} · {unit['name']}"


def section(digest: Digest, ctx) -> list:
    """The 提示 section (after the alerts' sections): one line per report with its findings, its link."""
    from .sections import Block

    if not digest.hints:
        return []
    by_report: dict[str, list[dict[str, Any]]] = {}
    for h in digest.hints:
        by_report.setdefault(h["report"], []).append(h)
    blocks = [Block("h2", "提示（评估性检查，不计入提醒；每项只告知一次）")]
    for rid, found in by_report.items():
        h = found[0]
        said = "；".join(f"{f['rule']}：{f['message']}" for f in found)
        blocks.append(Block("item", f"{_who(h)}：{h['year']} 年度报告 {said}", "hint",
                            links=[("报告数据", ctx.config.report_url(rid))]))
    later = getattr(digest, "hints_later", 0)
    if later:
        blocks.append(Block("p", f"另有 {later} 项提示，下次告知"))
    return blocks
