"""与上年对比: a report beside the same unit's report of the year before, for a reviewer to see what changed.

The two years' tables are laid out side by side in the official grid (:mod:`parsers.tables`), each value
cell marked when it differs from the other year (a cell only one year has is marked too); the body texts
are diffed sentence by sentence with :mod:`difflib` (kept in the standard library), and their similarity is
the one rule COPY-LAST-YEAR judges by (:mod:`parsers.similarity`, digits and punctuation left out).
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from typing import Any

from parsers import schema, similarity
from parsers.tables import layout

_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
TABLE_TITLES = {"t2": "表二 主动公开政府信息情况", "t3": "表三 收到和处理政府信息公开申请情况",
                "t4": "表四 政府信息公开行政复议、行政诉讼情况"}


def _rows(conn: sqlite3.Connection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def previous_report(conn: sqlite3.Connection, report: dict[str, Any]) -> dict[str, Any] | None:
    """The same unit's report of the year before (by registry code, else by name), the latest published."""
    if report.get("year") is None:
        return None
    base = "SELECT id, year, format, text, unit FROM reports WHERE year = ? AND status != 'failed' AND "
    if report.get("unit_code"):
        found = _rows(conn, base + "unit_code = ? ORDER BY published DESC, id LIMIT 1",
                      [report["year"] - 1, report["unit_code"]])
    elif report.get("unit"):
        found = _rows(conn, base + "unit_code IS NULL AND unit = ? ORDER BY published DESC, id LIMIT 1",
                      [report["year"] - 1, report["unit"]])
    else:
        found = []
    return found[0] if found else None


def _values(conn: sqlite3.Connection, rid: str) -> dict[str, Any]:
    return {r["key"]: r for r in _rows(conn, "SELECT key, value, raw, blank FROM cells WHERE report = ?", [rid])}


def _text(cell: dict[str, Any] | None) -> str:
    from .report import fmt_value

    if cell is None:
        return "缺"
    return fmt_value(cell["value"]) if cell["value"] is not None else ""


def _grid(fmt: str, mine: dict[str, Any], other: dict[str, Any]) -> list[dict[str, Any]]:
    """The official grid of each table for ``fmt``, filled with ``mine``, cells differing from ``other`` marked."""
    out = []
    for tbl, grid in layout(fmt).items():
        changed = 0
        for row in grid:
            for cell in row:
                key = cell.get("key")
                if not key:
                    continue
                a, b = mine.get(key), other.get(key)
                cell["text"] = _text(a)
                cell["tip"] = schema.key_label(key)
                differs = (a is None) != (b is None) or (a is not None and b is not None and a["value"] != b["value"])
                if differs:
                    changed += 1
                    cell["tip"] += f"\n另一年：{_text(b)}"
                cell["cls"] = "v changed" if differs else "v"
        out.append({"tbl": tbl, "title": TABLE_TITLES[tbl], "rows": grid, "changed": changed})
    return out


def text_diff(old: str, new: str) -> list[dict[str, str]]:
    """The body texts as a list of sentences tagged equal / delete / insert (difflib, by sentence)."""
    a = [m.group(0).strip() for m in _SENTENCE.finditer(old or "") if m.group(0).strip()]
    b = [m.group(0).strip() for m in _SENTENCE.finditer(new or "") if m.group(0).strip()]
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out += [{"op": "equal", "text": s} for s in a[i1:i2]]
            continue
        out += [{"op": "delete", "text": s} for s in a[i1:i2]]
        out += [{"op": "insert", "text": s} for s in b[j1:j2]]
    return out


def compare_context(conn: sqlite3.Connection, report: dict[str, Any]) -> dict[str, Any] | None:
    """Both years' tables side by side and the text diff; None when there is no report for the year before."""
    if report.get("format") not in (schema.FORMAT_2021, schema.FORMAT_2019):
        return None
    prev = previous_report(conn, report)
    if prev is None or prev["format"] not in (schema.FORMAT_2021, schema.FORMAT_2019):
        return None
    mine, theirs = _values(conn, report["id"]), _values(conn, prev["id"])
    now_tables = _grid(report["format"], mine, theirs)
    prev_tables = _grid(prev["format"], theirs, mine)
    pairs = [{"title": n["title"], "now": n, "prev": p} for n, p in zip(now_tables, prev_tables)]
    diff = text_diff(prev["text"] or "", report["text"] or "")
    sim = similarity.text_similarity(report["text"] or "", prev["text"] or "")
    return {
        "prev": prev, "pairs": pairs, "diff": diff, "changed": sum(t["changed"] for t in now_tables),
        "similarity": similarity.pct(sim) if sim is not None else None,
        "threshold": similarity.pct(similarity.TEXT_THRESHOLD),
        "same_sentences": sum(1 for d in diff if d["op"] == "equal"),
        "sentences": sum(1 for d in diff if d["op"] != "delete"),
    }
