"""Which reports each unit owes, and where each one stands: the ``expected_reports`` table.

One row per unit and report year, from the configured first year (or the unit's ``active_from``) to
last year; a year whose deadline has not passed yet is listed too, as ``not_due``, so the row is
there the day the report appears. Status, one of:

- ``on_time`` / ``late`` — a report was found; late when its publication date is after the deadline
  (a report without a date is taken as on time: lateness has to be shown, not guessed);
- ``parse_failed`` — only unreadable documents were found for that year;
- ``not_due`` — nothing found and the deadline is still ahead;
- ``missing`` — nothing found, the deadline has passed, and the unit's site was read in full after it;
- ``unreachable`` — nothing found, the deadline has passed, but the last night could not read the site
  (or part of it): we don't know, so we don't say "missing";
- ``column_not_found`` — nothing found, the deadline has passed, the site answered, but its 年报 column
  was not found or not read to its end (:mod:`alerts.coverage`): not evidence of absence either;
- ``unchecked`` — nothing found, the deadline has passed, and the site has not been read since.

``inconsistent`` is a flag beside the status: the found report failed an error-severity rule.
``page_url`` is the page the report was found on or, when none was found, the unit's column (or site).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlite_utils

from crawler.registry import Registry, Unit
from crawler.transactions import atomic

from .config import AlertConfig, china_date, deadline_end, iso
from .coverage import UNFINISHED, Coverage
from .health import UnitHealth

FOUND = ("on_time", "late")


@dataclass
class Expected:
    """One report a unit owes, and what we know of it."""

    unit: Unit
    year: int
    deadline: date
    status: str
    report: dict[str, Any] | None = None  # the chosen report row (with its page URL), when found
    published: str | None = None
    page_url: str | None = None
    inconsistent: bool = False
    coverage: Coverage | None = None  # how far its column was read (nothing found past the deadline)

    @property
    def days_late(self) -> int | None:
        if self.status != "late" or not self.published:
            return None
        return (date.fromisoformat(self.published[:10]) - self.deadline).days


def registry_from_units(db: sqlite_utils.Database) -> Registry:
    """The registry as mirrored in the ``units`` table (what ``check --db`` alone works from)."""
    units = []
    for row in db.query("SELECT * FROM units ORDER BY code"):
        units.append(Unit(
            code=row["code"], name=row["name"], level=row["level"], parent=row.get("parent"),
            site=row.get("site"), columns=json.loads(row.get("columns") or "[]"),
            deadline=row.get("deadline"), recipients=json.loads(row.get("recipients") or "[]"),
            active_from=row.get("active_from"),
        ))
    return Registry(units)


def years_owed(unit: Unit, today: date, first_year: int) -> range:
    """Report years a unit owes as of ``today``: from its first year to last year."""
    start = max(first_year, unit.active_from or first_year)
    return range(start, today.year)


def found_reports(db: sqlite_utils.Database, registry: Registry) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """Every stored report by (unit code, year), with the page it was found on.

    A failed parse has no year of its own: the year then comes from the page's title (``sources``).
    Reports stored without a unit code (``nianbao parse --db``) match a unit by exact name.
    """
    by_name = {u.name: u.code for u in registry.units}
    out: dict[tuple[str, int], list[dict[str, Any]]] = {}
    rows = db.query(
        "SELECT r.id, r.unit_code, r.unit, r.status, r.published, r.error_code, r.error_message, r.source, "
        "r.parsed_at, r.document, COALESCE(r.year, s.year) AS eff_year, s.page_url, s.url AS source_url, "
        "s.published AS page_published, s.first_seen "
        "FROM reports r LEFT JOIN sources s ON s.sha256 = r.document "
        "ORDER BY r.id, s.first_seen")
    seen: set[str] = set()
    for row in rows:
        if row["id"] in seen:  # the same file linked from two pages: keep the first page
            continue
        seen.add(row["id"])
        code = row["unit_code"] or by_name.get(row["unit"] or "")
        if not code or (row["eff_year"] is None and row["status"] != "failed"):
            continue
        row["published"] = row["published"] or row["page_published"]
        row["page"] = row["page_url"] or row["source_url"] or row["source"]
        # an unreadable document of unknown year is kept under year 0: told, but tied to no year
        out.setdefault((code, int(row["eff_year"] or 0)), []).append(row)
    return out


def choose(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The report that stands for a unit's year: a readable one before a failed one, then the newest."""
    return max(reports, key=lambda r: (r["status"] != "failed", r["published"] or "", r["parsed_at"] or ""))


def evaluate(unit: Unit, year: int, deadline: date, reports: list[dict[str, Any]], health: UnitHealth | None,
             now: datetime, coverage: Coverage | None = None) -> Expected:
    """The status of one (unit, year) at ``now``."""
    if reports:
        best = choose(reports)
        exp = Expected(unit, year, deadline, "parse_failed", report=best, published=best["published"],
                       page_url=best["page"])
        if best["status"] != "failed":
            late = bool(best["published"]) and date.fromisoformat(best["published"][:10]) > deadline
            exp.status = "late" if late else "on_time"
            exp.inconsistent = best["status"] == "inconsistent"
        return exp
    # nothing found: page_url is where it should appear (the unit's column or site)
    column = (unit.columns or [None])[0] or unit.site or unit.home
    if china_date(now) <= deadline:
        status = "not_due"
    elif health is not None and health.can_judge_absence(deadline_end(deadline)):
        # the site answered: absence is evidence only when the column was read to its end
        status = "missing" if coverage is not None and coverage.read else "column_not_found"
        if coverage is not None and coverage.reason in UNFINISHED:
            status = "unchecked"  # the night did not get to the end of its reading (killed, older version)
    elif health is not None and health.last is not None and health.last.state != "ok":
        status = "unreachable"
    else:
        status = "unchecked"
    return Expected(unit, year, deadline, status, page_url=column, coverage=coverage)


def compute(db: sqlite_utils.Database, registry: Registry, health: dict[str, UnitHealth], now: datetime,
            config: AlertConfig | None = None,
            found: dict[tuple[str, int], list[dict[str, Any]]] | None = None,
            coverage: dict[str, Coverage] | None = None) -> list[Expected]:
    """Every (unit, year) owed as of ``now``, with its status."""
    config = config or AlertConfig()
    today = china_date(now)
    found = found_reports(db, registry) if found is None else found
    out = []
    for unit in registry.units:
        h = health.get(reader_of(unit, registry).code)
        for year in years_owed(unit, today, config.first_year):
            out.append(evaluate(unit, year, registry.deadline(unit, year), found.get((unit.code, year), []), h, now,
                                (coverage or {}).get(unit.code)))
    return out


def reader_of(unit: Unit, registry: Registry) -> Unit:
    """Whose pages are read to find ``unit``'s reports: itself, or — for a unit registered without a URL
    of its own, whose reports are in its county's column — the nearest unit above it that has one."""
    seen = {unit.code}
    current = unit
    while not current.start_urls and current.parent and current.parent not in seen:
        parent = registry.get(current.parent)
        if parent is None:
            break
        seen.add(parent.code)
        current = parent
    return current if current.start_urls else unit


def save(db: sqlite_utils.Database, expected: list[Expected], now: datetime) -> None:
    """Replace ``expected_reports`` with ``expected`` (a year no longer owed disappears)."""
    rows = [{"unit_code": e.unit.code, "year": e.year, "deadline": e.deadline.isoformat(), "status": e.status,
             "report": e.report["id"] if e.report else None, "published": e.published, "page_url": e.page_url,
             "inconsistent": int(e.inconsistent), "checked_at": iso(now)} for e in expected]
    with atomic(db.conn):
        db.execute("DELETE FROM expected_reports")
        if rows:
            db["expected_reports"].insert_all(rows, pk=("unit_code", "year"))
