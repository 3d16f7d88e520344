"""What the report page shows, built from the store with a plain SQLite connection.

The three tables are laid out like the official format: the grid (group titles, the three-row heading
of table 三, its rowspans, table 四's two-level heading) comes from :mod:`parsers.tables`, the same layout
the demo's document renderer draws, fed with each cell's key in place of its text. Each value cell
then gets the stored value, its raw text, and the failing rules it takes part in.

Functions here take a ``sqlite3.Connection`` so the Datasette plugin can run them through
``Database.execute_fn`` and tests can call them directly.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any

from parsers import schema
from parsers.tables import layout

from .charts import bar_chart
from .compare import compare_context
from .metadata import LEVEL_NAMES, SEVERITY_NAMES, STATUS_NAMES, TIMELINESS_NAMES

TABLE_TITLES = {
    "t2": "二、主动公开政府信息情况",
    "t3": "三、收到和处理政府信息公开申请情况",
    "t4": "四、政府信息公开行政复议、行政诉讼情况",
}


def rows(conn: sqlite3.Connection, sql: str, params: list[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
    """Query results as dicts."""
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def fmt_value(value: Any) -> str:
    """A stored cell value as a reader writes it: 26, 2460.9543 (no float noise), −2."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = format(Decimal(repr(value)).normalize(), "f")
        return text
    return str(value)


def report_context(conn: sqlite3.Connection, report_id: str) -> dict[str, Any] | None:
    """Everything the report page template needs, or None if there is no such report."""
    found = rows(conn, """
        SELECT r.*, u.name AS unit_name, u.level, u.county, u.county_code,
               e.deadline, e.status AS timeliness, e.page_url AS expected_page_url,
               (SELECT page_url FROM sources s WHERE s.sha256 = r.document AND s.page_url IS NOT NULL
                ORDER BY s.last_seen DESC LIMIT 1) AS page_url,
               d.name AS document_name, d.kind AS document_kind, d.size AS document_size
        FROM reports r
        LEFT JOIN units u ON u.code = r.unit_code
        LEFT JOIN expected_reports e ON e.unit_code = r.unit_code AND e.year = r.year
        LEFT JOIN documents d ON d.sha256 = r.document
        WHERE r.id = ?""", [report_id])
    if not found:
        return None
    report = found[0]
    report["page_url"] = report["page_url"] or report["expected_page_url"]
    report["status_name"] = STATUS_NAMES.get(report["status"], report["status"])
    report["timeliness_name"] = TIMELINESS_NAMES.get(report["timeliness"] or "", report["timeliness"])
    report["level_name"] = LEVEL_NAMES.get(report["level"] or "", report["level"])
    report["notes"] = json.loads(report["notes"] or "[]")

    results = rows(conn, "SELECT rule, scope, status, severity, message, cells FROM rule_results WHERE report = ? "
                         "ORDER BY severity = 'warning', rule, scope", [report_id])
    failed, unassessable = [], []
    marks: dict[str, list[dict[str, Any]]] = {}  # cell key → the failing rules it takes part in
    for r in results:
        r["cells"] = json.loads(r["cells"] or "[]")
        r["cell_labels"] = [schema.key_label(k) for k in r["cells"]]
        r["severity_name"] = SEVERITY_NAMES.get(r["severity"], r["severity"])
        if r["status"] == "fail":
            r["n"] = len(failed) + 1
            failed.append(r)
            for key in r["cells"]:
                marks.setdefault(key, []).append(r)
        elif r["status"] == "not_assessable":
            unassessable.append(r)
    passed = sum(1 for r in results if r["status"] == "pass")

    cells = {c["key"]: c for c in rows(conn, "SELECT key, value, raw, blank, invalid FROM cells WHERE report = ?",
                                       [report_id])}
    tables = []
    if report["format"] in (schema.FORMAT_2021, schema.FORMAT_2019):
        for tbl, grid in layout(report["format"]).items():
            for row in grid:
                for cell in row:
                    if cell["key"]:
                        _fill(cell, cells.get(cell["key"]), marks.get(cell["key"], []))
            tables.append({"tbl": tbl, "title": TABLE_TITLES[tbl], "rows": grid})

    history = unit_history(conn, report)
    chart = bar_chart([(str(h["year"]), h["applications"]) for h in history],
                      title="历年本年新收政府信息公开申请数量（表三·总计）",
                      highlight=str(report["year"])) if len(history) > 1 else None
    return {"report": report, "tables": tables, "failed": failed, "unassessable": unassessable,
            "passed": passed, "history": history, "chart": chart, "compare": compare_context(conn, report)}


def _fill(cell: dict[str, Any], stored: dict[str, Any] | None, failing: list[dict[str, Any]]) -> None:
    """Put a stored value into a layout cell, with the classes and tooltip the page shows."""
    classes = ["v"]
    tips = [schema.key_label(cell["key"])]
    if stored is None:
        cell["text"] = "缺"
        classes.append("missing")
        tips.append("文档中未找到此单元格")
    elif stored["invalid"]:
        cell["text"] = stored["raw"] or ""
        classes.append("invalid")
        tips.append(f"原文“{stored['raw']}”不是数字")
    elif stored["blank"] or stored["value"] is None:
        cell["text"] = ""
        classes.append("blank")
        tips.append(f"空白（原文“{stored['raw'] or ''}”）")
    else:
        cell["text"] = fmt_value(stored["value"])
        if stored["raw"] and stored["raw"].strip() != cell["text"]:
            tips.append(f"原文“{stored['raw']}”")
    if failing:
        worst = "error" if any(r["severity"] == "error" for r in failing) else "warning"
        classes.append(f"fail fail-{worst}")
        tips += [f"[{r['n']}] {r['message']}" for r in failing]
    cell["marks"] = [r["n"] for r in failing]
    cell["cls"] = " ".join(classes)
    cell["tip"] = "\n".join(tips)


def unit_history(conn: sqlite3.Connection, report: dict[str, Any]) -> list[dict[str, Any]]:
    """The unit's reports year by year with their key figures (by registry code, else by name)."""
    figures = "o.id, o.status, o.published, o.applications, o.handled, o.carried_out, o.reviews, o.lawsuits"
    if report.get("unit_code"):
        return rows(conn, f"""
            SELECT y.year, {figures} FROM unit_years y JOIN report_overview o ON o.id = y.report
            WHERE y.unit_code = ? ORDER BY y.year""", [report["unit_code"]])
    if report.get("unit"):
        # no registry code: one report per year by name, the latest published
        return rows(conn, f"""
            SELECT o.year, {figures} FROM report_overview o
            WHERE o.unit_code IS NULL AND o.unit = ? AND o.year IS NOT NULL AND o.status != 'failed'
              AND o.id = (SELECT id FROM reports r WHERE r.unit_code IS NULL AND r.unit = o.unit AND r.year = o.year
                          AND r.status != 'failed' ORDER BY r.published DESC, r.id LIMIT 1)
            ORDER BY o.year""", [report["unit"]])
    return []


def unit_context(conn: sqlite3.Connection, code: str) -> dict[str, Any] | None:
    """A unit's page: who it is, and each report year with timeliness, status and key figures."""
    found = rows(conn, "SELECT * FROM units WHERE code = ?", [code])
    if not found:
        return None
    unit = found[0]
    unit["level_name"] = LEVEL_NAMES.get(unit["level"], unit["level"])
    years = rows(conn, """
        SELECT y.year, y.deadline, y.timeliness, y.published, y.report, o.status, o.applications, o.handled,
               o.carried_out, o.reviews, o.lawsuits, o.failed_rules
        FROM unit_years y LEFT JOIN report_overview o ON o.id = y.report
        WHERE y.unit_code = ? ORDER BY y.year""", [code])
    for y in years:
        y["timeliness_name"] = TIMELINESS_NAMES.get(y["timeliness"] or "", y["timeliness"] or "")
        y["status_name"] = STATUS_NAMES.get(y["status"] or "", y["status"] or "")
    points = [(str(y["year"]), y["applications"]) for y in years if y["report"]]
    chart = bar_chart(points, title="历年本年新收政府信息公开申请数量（表三·总计）") if points else None
    children = rows(conn, "SELECT code, name, level FROM units WHERE parent = ? ORDER BY level, name", [code])
    return {"unit": unit, "years": years, "chart": chart, "children": children}


def counties_context(conn: sqlite3.Connection, year: int | None) -> dict[str, Any]:
    """Per county for one report year: shares of units on time, late, missing (for the chart)."""
    years = [r["year"] for r in rows(conn, "SELECT DISTINCT year FROM county_overview WHERE due > 0 ORDER BY year DESC")]
    if year is None and years:
        year = years[0]
    counties = rows(conn, "SELECT * FROM county_overview WHERE year = ? ORDER BY county", [year]) if year else []
    return {"year": year, "years": years, "counties": counties}
