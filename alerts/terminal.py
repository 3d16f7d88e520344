"""Alerts on the terminal, summary first: counts per kind and per county, then the most urgent rows.

``nianbao check`` and ``nianbao alerts list`` print :func:`summary_lines` and the :data:`TOP` most urgent
rows (``--all``: every row); ``--json`` prints :func:`as_json` instead, for scripts.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.table import Table

from .config import china_time
from .digest import short_county
from .state import KINDS

TOP = 20
# most urgent first: the monitor itself, then what a unit must fix now
URGENCY = ["network_down", "run_unfinished", "run_missed", "missing", "inconsistent", "parse_failed",
           "unreachable", "nothing_found", "incomplete", "late"]


def who(row: dict[str, Any]) -> str:
    unit = row.get("_unit")
    return f"{short_county(unit['county'])} · {unit['name']}" if unit else (row["unit_code"] or "监测系统")


def county(row: dict[str, Any]) -> str:
    unit = row.get("_unit")
    return short_county(unit["county"]) if unit else "监测系统"


def label(kind: str) -> str:
    return KINDS.get(kind, (kind,))[0]


def urgency(row: dict[str, Any]) -> tuple:
    """Unsettled before settled, by kind, the latest report year first, oldest alert first."""
    kind = row["kind"]
    return (row.get("_ack") is not None, URGENCY.index(kind) if kind in URGENCY else len(URGENCY),
            -(row["year"] or 9999), row["opened_at"] or "", row["id"])


def summary_lines(rows: list[dict[str, Any]]) -> list[str]:
    """``按类型：逾期未发布 6、数字不符 3`` and one line per county."""
    if not rows:
        return []
    kinds = Counter(r["kind"] for r in rows)
    order = sorted(kinds, key=lambda k: URGENCY.index(k) if k in URGENCY else len(URGENCY))
    lines = ["按类型：" + "、".join(f"{label(k)} {kinds[k]}" for k in order)]
    by_county: dict[str, Counter] = {}
    for r in rows:
        by_county.setdefault(county(r), Counter())[r["kind"]] += 1
    for name, c in sorted(by_county.items(), key=lambda kv: -sum(kv[1].values())):
        lines.append(f"  {name}：" + "、".join(f"{label(k)} {c[k]}" for k in sorted(c, key=order.index)))
    settled = sum(1 for r in rows if r.get("_ack"))
    if settled:
        lines.append(f"其中已有人核实 {settled} 项（不再提醒）")
    return lines


def table(rows: list[dict[str, Any]], title: str, *, closed: bool = False) -> Table:
    t = Table(title=title, show_lines=False)
    for col in ("#", "单位", "年度", "类型", "内容", "开始", "已提醒", "核实"):
        t.add_column(col, overflow="fold")
    for r in rows:
        text = r["payload"].get("headline", "")
        if closed:
            text = f"{text} → {r['payload'].get('resolution', '')}"
        a = r.get("_ack")
        t.add_row(str(r["id"]), who(r), str(r["year"] or ""), label(r["kind"]), text, china_time(r["opened_at"])[:10],
                  str(r["reminders"]), f"{a['verdict']}（{a['actor']}）" if a else "")
    return t


def as_json(rows: list[dict[str, Any]]) -> str:
    out = []
    for r in rows:
        a = r.get("_ack")
        out.append({"id": r["id"], "unit_code": r["unit_code"], "unit": r["_unit"]["name"] if r.get("_unit") else None,
                    "county": county(r), "year": r["year"], "kind": r["kind"], "kind_label": label(r["kind"]),
                    "rule": r["rule"], "report": r["report"], "headline": r["payload"].get("headline"),
                    "details": r["payload"].get("details") or [], "opened_at": r["opened_at"],
                    "last_sent_at": r["last_sent_at"], "reminders": r["reminders"], "closed_at": r["closed_at"],
                    "resolution": r["payload"].get("resolution"),
                    "ack": {k: a[k] for k in ("verdict", "actor", "at", "note")} if a else None})
    return json.dumps(out, ensure_ascii=False, indent=1)
