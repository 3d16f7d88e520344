"""Per-unit health from the fetch log: could we read each unit's site, night after night?

It reads each unit's nightly summary (``fetch_nights``: every fetch counted) and the failures, which
keep a row each in ``fetches`` (see :mod:`crawler.fetchlog`).

A *night* is one crawl run as one unit saw it:

- ``ok`` — its list (or home) pages answered and nothing that could hide a report failed;
- ``partial`` — the list answered but an article or attachment could not be read (timeout, 5xx…), so
  a report may be sitting behind the failure: not enough to call anything "missing";
- ``failed`` — none of its list or home pages could be read (``blocked`` when the site refused us:
  robots.txt, 403, 412/521 JavaScript challenges, 429).

A 404/410 on an article is an answer ("not there"), not a failure to read. A run in which most units
failed is our own network failing (:func:`network_down_runs`): such nights count neither for nor
against any unit. The result is kept in the ``unit_health`` table (rebuilt by every check), so
Datasette shows last success, consecutive failures and reports found per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from crawler.transactions import atomic

from .config import AlertConfig, iso

READ_OK = ("ok", "not_modified")
BLOCKED_STATUS = {401, 403, 412, 429, 521, 202}  # refusals and JavaScript challenges, not outages
GONE_STATUS = {404, 410}
OUTCOME_NAMES = {
    "http_error": "服务器返回错误状态", "timeout": "连接超时", "dns": "域名无法解析", "refused": "连接被拒绝",
    "connection_lost": "连接中断", "robots": "robots.txt 禁止抓取", "too_large": "文件超过下载上限",
    "blocked": "人机验证未能通过", "wrong_type": "内容与文件类型不符", "error": "抓取失败",
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS unit_health (
    unit_code TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    last_run INTEGER,
    last_attempt_at TEXT,
    last_night TEXT,
    last_success_at TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_url TEXT,
    entries_last INTEGER,
    entries_before INTEGER,
    reports_found INTEGER NOT NULL DEFAULT 0,
    years_found TEXT,
    checked_at TEXT
);
"""


def ensure_schema(db: sqlite_utils.Database) -> None:
    db.conn.executescript(SCHEMA)


@dataclass
class Night:
    """One unit in one crawl run."""

    run: int
    at: str = ""  # the time of its last fetch in the run
    list_ok: bool = False
    list_failed: bool = False
    failures: list[dict[str, Any]] = field(default_factory=list)  # fetch rows that hid something
    entries: int = 0  # article pages requested: the reports its lists showed

    @property
    def state(self) -> str:
        if not self.list_ok and (self.list_failed or self.failures):
            return "failed"
        if self.failures:
            return "partial"
        return "ok"

    @property
    def blocked(self) -> bool:
        return bool(self.failures) and all(_is_blocked(f) for f in self.failures)

    @property
    def first_failure(self) -> dict[str, Any] | None:
        """A failed list/home fetch if any (it says most about the site), else the first failure."""
        lists = [f for f in self.failures if f.get("kind") in ("list", "home", None)]
        return (lists or self.failures or [None])[0]

    def error_text(self) -> str:
        """The first failure, for a person: ``连接超时（http://…/zfxxgknb/）``."""
        if not self.failures:
            return ""
        f = self.first_failure
        what = f"HTTP {f['status']}" if f.get("outcome") == "http_error" and f.get("status") else \
            OUTCOME_NAMES.get(f.get("outcome") or "", f.get("outcome") or "")
        if f.get("outcome") in ("error", "blocked") and f.get("error"):
            what = f["error"]
        return what


def _is_blocked(f: dict[str, Any]) -> bool:
    return f.get("outcome") in ("robots", "blocked") or (f.get("outcome") == "http_error" and f.get("status") in BLOCKED_STATUS)


def _hides_a_report(f: dict[str, Any]) -> bool:
    """A failed article/attachment fetch that could be hiding a report (a 404 is an answer)."""
    return not (f.get("outcome") == "http_error" and f.get("status") in GONE_STATUS)


@dataclass
class UnitHealth:
    """What the last crawl runs say about one unit's site."""

    unit_code: str
    nights: list[Night] = field(default_factory=list)  # oldest first, network-down nights included
    down_runs: set[int] = field(default_factory=set)
    last_success_at: str | None = None
    reports_found: int = 0
    years_found: list[int] = field(default_factory=list)

    @property
    def last(self) -> Night | None:
        return self.nights[-1] if self.nights else None

    @property
    def own_nights(self) -> list[Night]:
        """Nights that say something about the unit's site (our network was up)."""
        return [n for n in self.nights if n.run not in self.down_runs]

    @property
    def consecutive_failures(self) -> int:
        count = 0
        for night in reversed(self.own_nights):
            if night.state != "failed":
                break
            count += 1
        return count

    @property
    def last_failure(self) -> Night | None:
        return next((n for n in reversed(self.own_nights) if n.state == "failed"), None)

    def can_judge_absence(self, since: datetime) -> bool:
        """Whether "no report found" means "not published": its last night read everything, after ``since``."""
        last = self.last
        return bool(last and last.state == "ok" and last.at and last.at >= iso(since))

    @property
    def nothing_found(self) -> tuple[int, int] | None:
        """(entries before, 0) when its latest readable night listed no report but earlier nights did."""
        own = [n for n in self.own_nights if n.state != "failed"]
        if len(own) < 2 or own[-1].entries:
            return None
        before = max((n.entries for n in own[:-1]), default=0)
        return (before, 0) if before else None

    @property
    def state(self) -> str:
        if not self.nights:
            return "never_crawled"
        if self.last.run in self.down_runs:
            return "network_down"
        if self.consecutive_failures:
            night = self.last_failure
            return "blocked" if night and night.blocked else "unreachable"
        if self.nothing_found:
            return "nothing_found"
        return self.last.state  # ok | partial


def collect(db: sqlite_utils.Database, config: AlertConfig | None = None) -> tuple[dict[str, UnitHealth], list[dict[str, Any]]]:
    """Health of every unit that has fetches in the last ``config.health_runs`` runs, and the runs
    judged network-down (``[{run, units, failed}]``)."""
    config = config or AlertConfig()
    runs = [r[0] for r in db.execute("SELECT id FROM runs ORDER BY id DESC LIMIT ?", [config.health_runs])]
    nights: dict[str, dict[int, Night]] = {}
    if runs:
        marks = ",".join("?" * len(runs))
        # a unit's night as counted (crawler.fetchlog: every fetch, unchanged documents included) …
        for run, unit, at, lists_ok, lists_failed, articles in db.execute(
                f"SELECT run, unit_code, last_at, lists_ok, lists_failed, articles FROM fetch_nights "
                f"WHERE run IN ({marks})", runs):
            night = nights.setdefault(unit, {}).setdefault(run, Night(run))
            night.at = max(night.at, at or "")
            night.list_ok, night.list_failed, night.entries = bool(lists_ok), bool(lists_failed), articles
        # … and its failures, which keep a row each
        rows = db.execute(
            f"SELECT run, unit_code, kind, outcome, status, error, url, at FROM fetches "
            f"WHERE run IN ({marks}) AND unit_code IS NOT NULL AND outcome NOT IN ('ok', 'not_modified') "
            f"ORDER BY run, id", runs)
        for run, unit, kind, outcome, status, error, url, at in rows:
            night = nights.setdefault(unit, {}).setdefault(run, Night(run))
            night.at = max(night.at, at or "")
            f = {"kind": kind, "outcome": outcome, "status": status, "error": error, "url": url}
            if kind in ("list", "home", None):
                night.list_failed = True
                night.failures.append(f)
            elif _hides_a_report(f):
                night.failures.append(f)
    down = network_down_runs(nights, config)
    down_ids = {d["run"] for d in down}
    health: dict[str, UnitHealth] = {}
    for unit, by_run in nights.items():
        health[unit] = UnitHealth(unit, [by_run[r] for r in sorted(by_run)], down_ids)
    for unit, at in db.execute("SELECT unit_code, max(last_success_at) FROM fetch_nights GROUP BY unit_code"):
        if at is None:
            continue
        health.setdefault(unit, UnitHealth(unit, down_runs=down_ids)).last_success_at = at
    for unit, n, years in db.execute(
            "SELECT unit_code, count(*), group_concat(DISTINCT year) FROM reports WHERE unit_code IS NOT NULL "
            "AND status != 'failed' GROUP BY unit_code"):
        h = health.setdefault(unit, UnitHealth(unit, down_runs=down_ids))
        h.reports_found = n
        h.years_found = sorted({int(y) for y in (years or "").split(",") if y})
    return health, down


def network_down_runs(nights: dict[str, dict[int, Night]], config: AlertConfig) -> list[dict[str, Any]]:
    """Runs in which so many units failed that the fault is ours (one alert instead of hundreds)."""
    per_run: dict[int, list[str]] = {}
    for by_run in nights.values():
        for run, night in by_run.items():
            per_run.setdefault(run, []).append(night.state)
    out = []
    for run, states in sorted(per_run.items()):
        failed = sum(1 for s in states if s == "failed")
        if failed >= config.network_down_min_units and failed >= config.network_down_ratio * len(states):
            out.append({"run": run, "units": len(states), "failed": failed})
    return out


def save(db: sqlite_utils.Database, health: dict[str, UnitHealth], unit_codes: list[str], now: datetime) -> None:
    """Rebuild ``unit_health`` for the registry's units (never-crawled ones included)."""
    ensure_schema(db)
    rows = []
    for code in unit_codes:
        h = health.get(code) or UnitHealth(code)
        last = h.last
        failure = h.last_failure if h.consecutive_failures else None
        nothing = h.nothing_found
        rows.append({
            "unit_code": code, "state": h.state, "last_run": last.run if last else None,
            "last_attempt_at": last.at if last else None, "last_night": last.state if last else None,
            "last_success_at": h.last_success_at, "consecutive_failures": h.consecutive_failures,
            "last_error": failure.error_text() if failure else None,
            "last_error_url": failure.first_failure.get("url") if failure and failure.failures else None,
            "entries_last": last.entries if last else None, "entries_before": nothing[0] if nothing else None,
            "reports_found": h.reports_found, "years_found": ",".join(map(str, h.years_found)) or None,
            "checked_at": iso(now),
        })
    with atomic(db.conn):
        db.execute("DELETE FROM unit_health")
        if rows:
            db["unit_health"].insert_all(rows, pk="unit_code")
