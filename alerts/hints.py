"""提示: the evaluator's findings (parsers.evaluator: copies, wrong year or unit, missing parts …) in the
digest, apart from the alerts.

They are warnings, not alerts: nothing is opened or reminded. Each finding on a unit's chosen report of a
year is told once (at most :data:`MAX_PER_DIGEST` a night per recipient, newest years first), to the same
people as the unit's alerts, in a section of its own after the alerts (``hints_told`` remembers what was
told). :mod:`alerts.digest` calls :func:`attach` when it builds
the digests and the ``render_*`` functions when it writes them; :mod:`alerts.notify` calls
:func:`mark_told` once the digests are queued.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from parsers.evaluator import IDS

from .config import AlertConfig, iso

if TYPE_CHECKING:
    from .digest import Digest

MAX_PER_DIGEST = 50  # the rest wait for the next nights (a first crawl of a county's history finds many)

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
    who has findings but no alerts tonight: ``make(address)``)."""
    for hint in due_hints(db, now):
        unit = units.get(hint["unit_code"])
        if unit is None:
            continue
        hint["unit"] = unit
        for address in recipients_of(hint["unit_code"], units):
            digest = digests.get(address) or digests.setdefault(address, make(address))
            if len(digest.hints) < MAX_PER_DIGEST:
                digest.hints.append(hint)
            digest.hints_total = getattr(digest, "hints_total", 0) + 1
    return digests


def mark_told(db: sqlite_utils.Database, digests: list[Digest], now: datetime) -> None:
    """Remember the findings the queued digests told (a finding over the per-digest cap is told later)."""
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


def render_text(digest: Digest, config: AlertConfig) -> list[str]:
    """The 提示 section of the plain-text body (empty when there is none)."""
    if not digest.hints:
        return []
    lines = ["══ 提示（评估性检查，不计入提醒；每项只告知一次） ══"]
    for h in digest.hints:
        lines.append(f"【提示】{_who(h)}：{h['year']} 年度报告 {h['rule']}：{h['message']}")
        lines.append(f"    报告数据：{config.report_url(h['report'])}")
    more = getattr(digest, "hints_total", len(digest.hints)) - len(digest.hints)
    if more > 0:
        lines.append(f"另有 {more} 项提示，下次告知")
    return lines + [""]


def render_html(digest: Digest, config: AlertConfig) -> list[str]:
    """The 提示 section of the HTML body."""
    if not digest.hints:
        return []
    e = html.escape
    out = ['<h2 style="color: #667085">提示（评估性检查，不计入提醒）</h2>', "<ul>"]
    for h in digest.hints:
        url = config.report_url(h["report"])
        out.append(f"<li>{e(_who(h))}：{h['year']} 年度报告 <code>{e(h['rule'])}</code>：{e(h['message'])} "
                   f'<a href="{e(url, quote=True)}">报告数据</a></li>')
    out.append("</ul>")
    return out
