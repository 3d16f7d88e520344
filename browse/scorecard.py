"""The annual scorecard (年度考核) per county and report year, as a 政务公开 office takes it to a meeting.

Counts come from ``expected_reports`` (what ``nianbao check`` decided) and the failed rules of each unit's
chosen report: units due, on time, late, missing, other (site unreachable, unreadable, not yet read),
numbers don't add up (an error rule failed), incomplete (cells missing, or a part of the template
missing: CELLS-MISSING, SECTIONS), suspected copies (COPY-LAST-YEAR, COPY-OTHER-UNIT), wrong year or unit.

The score is stated, not hidden:

    得分 = 100 × (1 − (1×缺报 + 0.5×逾期 + 0.5×数字不平 + 0.3×不完整 + 0.5×疑似抄袭 + 0.3×年度或单位不符) ÷ 应报)，最低 0 分

The weights are a setting: ``NIANBAO_SCORE_WEIGHTS="missing=1,late=0.5,inconsistent=0.5,incomplete=0.3,copy=0.5,wrong=0.3"``
(any subset; the others keep their defaults). The same SQL serves the Datasette view ``county_scorecard``,
the printable page ``/-/nianbao/county/CODE/YEAR``, and the sheet 年度考核 of ``nianbao export --xlsx``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, fields
from typing import Any

INCOMPLETE_RULES = ("CELLS-MISSING", "SECTIONS")
COPY_RULES = ("COPY-LAST-YEAR", "COPY-OTHER-UNIT")
WRONG_RULES = ("WRONG-YEAR", "WRONG-UNIT")
HINT_RULES = ("SECTIONS", "FEE-STATEMENT", "LAST-YEAR-FOLLOWUP", *COPY_RULES, *WRONG_RULES, "YOY-JUMP")
ENV = "NIANBAO_SCORE_WEIGHTS"


@dataclass(frozen=True)
class Weights:
    """Points lost per unit (as a share of the units due) for each kind of failing."""

    missing: float = 1.0
    late: float = 0.5
    inconsistent: float = 0.5
    incomplete: float = 0.3
    copy: float = 0.5
    wrong: float = 0.3

    @classmethod
    def parse(cls, text: str | None) -> Weights:
        """``"missing=1,late=0.5"`` → Weights; an unknown name or a bad number raises ValueError naming it."""
        if not text or not text.strip():
            return cls()
        names = {f.name for f in fields(cls)}
        values: dict[str, float] = {}
        for part in text.replace(";", ",").split(","):
            if not part.strip():
                continue
            name, _, value = part.partition("=")
            name = name.strip()
            if name not in names:
                raise ValueError(f"{ENV}: 未知的权重 {name!r}（可用：{', '.join(sorted(names))}）")
            try:
                values[name] = float(value)
            except ValueError:
                raise ValueError(f"{ENV}: {name} 的权重 {value!r} 不是数字") from None
            if values[name] < 0:
                raise ValueError(f"{ENV}: {name} 的权重不能为负数")
        return cls(**values)

    @classmethod
    def from_env(cls) -> Weights:
        return cls.parse(os.environ.get(ENV))

    def formula(self) -> str:
        """The formula in words, with these weights."""
        terms = [(self.missing, "缺报"), (self.late, "逾期"), (self.inconsistent, "数字不平"), (self.incomplete, "不完整"),
                 (self.copy, "疑似抄袭"), (self.wrong, "年度或单位不符")]
        inner = " + ".join(f"{_num(w)}×{name}" for w, name in terms if w)
        return f"得分 = 100 × (1 − ({inner}) ÷ 应报)，最低 0 分" if inner else "得分 = 100（未设置扣分项）"


def _num(x: float) -> str:
    return f"{x:g}"


def _in(rules: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{r}'" for r in rules) + ")"


def per_unit_sql() -> str:
    """One row per unit and year due, with its timeliness and the flags of its chosen report."""
    return f"""
SELECT u.county_code, u.county, e.year, e.unit_code, u.name AS unit, u.level, e.deadline, e.status AS timeliness,
    e.published, e.report, e.inconsistent,
    COALESCE(f.incomplete, 0) AS incomplete, COALESCE(f.copied, 0) AS copied, COALESCE(f.wrong, 0) AS wrong,
    f.hints
FROM expected_reports e
JOIN units u ON u.code = e.unit_code
LEFT JOIN (
    SELECT report,
        MAX(rule IN {_in(INCOMPLETE_RULES)}) AS incomplete,
        MAX(rule IN {_in(COPY_RULES)}) AS copied,
        MAX(rule IN {_in(WRONG_RULES)}) AS wrong,
        json_group_array(rule || '：' || message) FILTER (WHERE severity = 'warning') AS hints
    FROM rule_results
    WHERE status = 'fail' AND (rule IN {_in(HINT_RULES)} OR rule = 'CELLS-MISSING')
    GROUP BY report
) f ON f.report = e.report
WHERE e.status != 'not_due'
"""


def view_sql(weights: Weights | None = None) -> str:
    """Per county and year: the counts and the score (the ``county_scorecard`` view)."""
    w = weights or Weights.from_env()
    return f"""
SELECT county_code, county, year, due, on_time, late, missing, other, inconsistent, incomplete, copies, wrong,
    ROUND(MAX(0.0, 100.0 * (1.0 - ({w.missing} * missing + {w.late} * late + {w.inconsistent} * inconsistent
        + {w.incomplete} * incomplete + {w.copy} * copies + {w.wrong} * wrong) / due)), 1) AS score
FROM (
    SELECT county_code, county, year, COUNT(*) AS due,
        SUM(timeliness = 'on_time') AS on_time, SUM(timeliness = 'late') AS late,
        SUM(timeliness = 'missing') AS missing, SUM(timeliness NOT IN ('on_time', 'late', 'missing')) AS other,
        SUM(inconsistent) AS inconsistent, SUM(incomplete) AS incomplete, SUM(copied) AS copies, SUM(wrong) AS wrong
    FROM ({per_unit_sql()})
    GROUP BY county_code, year
)
"""


COLUMNS = [("county", "县区"), ("county_code", "县区代码"), ("year", "报告年度"), ("due", "应报"), ("on_time", "按时"),
           ("late", "逾期"), ("missing", "缺报"), ("other", "其他（无法访问、无法解析、未核查）"),
           ("inconsistent", "数字不平"), ("incomplete", "不完整"), ("copies", "疑似抄袭"), ("wrong", "年度或单位不符"),
           ("score", "得分")]


def _rows(conn: sqlite3.Connection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def scorecard(conn: sqlite3.Connection, *, year: int | None = None, weights: Weights | None = None) -> list[dict[str, Any]]:
    """Every county's scorecard (of one year, or all years, newest first)."""
    sql = f"SELECT * FROM ({view_sql(weights)}) WHERE (? IS NULL OR year = ?) ORDER BY year DESC, score, county"
    return _rows(conn, sql, [year, year])


def county_context(conn: sqlite3.Connection, code: str, year: int, weights: Weights | None = None) -> dict[str, Any] | None:
    """The printable page of one county and year: its scorecard, the formula, and every unit's line."""
    from .metadata import (  # metadata imports views, which imports this module
        LEVEL_NAMES,
        TIMELINESS_NAMES,
    )

    weights = weights or Weights.from_env()
    county = _rows(conn, "SELECT code, name FROM units WHERE code = ?", [code])
    cards = [c for c in scorecard(conn, year=year, weights=weights) if c["county_code"] == code]
    if not county and not cards:
        return None
    units = _rows(conn, f"SELECT * FROM ({per_unit_sql()}) WHERE county_code = ? AND year = ? "
                        "ORDER BY CASE level WHEN 'county' THEN 0 WHEN 'township' THEN 1 WHEN 'department' THEN 2 ELSE 3 END, "
                        "unit", [code, year])
    for u in units:
        u["level_name"] = LEVEL_NAMES.get(u["level"], u["level"])
        u["timeliness_name"] = TIMELINESS_NAMES.get(u["timeliness"], u["timeliness"])
        u["hints"] = [h for h in json.loads(u["hints"] or "[]") if h]
    years = [r["year"] for r in _rows(conn, "SELECT DISTINCT e.year FROM expected_reports e JOIN units u "
                                            "ON u.code = e.unit_code WHERE u.county_code = ? ORDER BY e.year DESC", [code])]
    name = county[0]["name"] if county else (cards[0]["county"] if cards else code)
    history = [(str(c["year"]), c["score"]) for c in reversed(scorecard(conn, weights=weights)) if c["county_code"] == code]
    return {"history": history, "county_code": code, "county": name, "year": year, "card": cards[0] if cards else None, "units": units,
            "formula": weights.formula(), "years": years}
