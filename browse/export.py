"""Exports for people who work in Excel: the county overview, a report list, and all cells.

Read from a read-only connection with the SELECTs of :mod:`browse.views` (so exporting never writes to
the store, and works before ``nianbao serve`` has created the views). Headers are Chinese; numbers stay
numbers. CSV files are UTF-8 with a BOM, which Excel needs to show Chinese. A sheet that would pass
Excel's row limit continues on a second sheet.

    export_xlsx("nianbao.db", "nianbao.xlsx")
    export_csv("nianbao.db", "exports/")      # county_overview.csv, scorecard.csv, reports.csv, cells.csv
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from parsers.schema import key_label

from . import scorecard
from .metadata import LEVEL_NAMES, STATUS_NAMES, TIMELINESS_NAMES
from .views import COUNTY_OVERVIEW, KEY_FIGURES, REPORT_OVERVIEW

EXCEL_MAX_ROWS = 1_048_576  # per sheet, the header row included

COUNTY_COLUMNS = [
    ("county", "县区"), ("county_code", "县区代码"), ("year", "报告年度"), ("due", "应报"), ("published", "已发布"),
    ("on_time", "按时"), ("late", "逾期"), ("missing", "缺报"), ("unreachable", "无法访问"),
    ("parse_failed", "无法解析"), ("inconsistent", "数字不平"), ("not_due", "未到期"),
    ("late_pct", "逾期比例（%）"), ("missing_pct", "缺报比例（%）"),
]
REPORT_COLUMNS = [
    ("id", "报告编号"), ("county", "县区"), ("unit", "单位"), ("unit_code", "单位代码"), ("level", "层级"),
    ("year", "报告年度"), ("format", "格式"), ("status", "校验结果"), ("published", "发布日期"),
    ("deadline", "截止日期"), ("timeliness", "发布情况"),
    *[(col, label) for col, _, label in KEY_FIGURES],
    ("errors_failed", "未通过错误规则数"), ("warnings_failed", "未通过提示规则数"), ("failed_rules", "未通过的错误规则"),
    ("title", "标题"), ("source", "文档地址"),
]
CELL_HEADERS = ["报告编号", "县区", "单位", "单位代码", "报告年度", "格式", "表", "行", "列", "键", "名称", "数值", "原文",
                "空白", "无效", "未通过的规则"]
SHEETS = {"county": "县区概况", "reports": "报告一览", "cells": "全部单元格", "scorecard": "年度考核"}

_TRANSLATE = {"status": STATUS_NAMES, "timeliness": TIMELINESS_NAMES, "level": LEVEL_NAMES}


def connect_readonly(db_path: str | Path) -> sqlite3.Connection:
    """A read-only connection (it sees a running crawl's committed writes; never copies the file)."""
    path = Path(db_path).resolve()
    if not path.exists():
        raise FileNotFoundError(f"数据库不存在：{path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def county_rows(conn: sqlite3.Connection) -> Iterator[list[Any]]:
    """The county overview, one row per county and year (newest year first)."""
    cols = ", ".join(c for c, _ in COUNTY_COLUMNS)
    yield from (list(r) for r in conn.execute(
        f"SELECT {cols} FROM ({COUNTY_OVERVIEW}) ORDER BY year DESC, county"))


def report_rows(conn: sqlite3.Connection) -> Iterator[list[Any]]:
    """One row per report with its key figures; status words in Chinese."""
    cols = [c for c, _ in REPORT_COLUMNS]
    for r in conn.execute(f"SELECT {', '.join(cols)} FROM ({REPORT_OVERVIEW}) ORDER BY county, unit, year"):
        yield [(_TRANSLATE[c].get(v, v) if c in _TRANSLATE and v else v) for c, v in zip(cols, r)]


def cell_rows(conn: sqlite3.Connection) -> Iterator[list[Any]]:
    """Every cell with its report's unit, county and year, a Chinese label and the rules it fails."""
    failing: dict[tuple[str, str], list[str]] = {}
    for report, rule, scope, cells in conn.execute(
            "SELECT report, rule, scope, cells FROM rule_results WHERE status = 'fail'"):
        for key in json.loads(cells or "[]"):
            failing.setdefault((report, key), []).append(f"{rule}·{scope}")
    for r in conn.execute("""
            SELECT c.report, u.county, r.unit, r.unit_code, r.year, r.format, c.tbl, c.row_key, c.col_key, c.key,
                   c.value, c.raw, c.blank, c.invalid
            FROM cells c JOIN reports r ON r.id = c.report LEFT JOIN units u ON u.code = r.unit_code
            ORDER BY u.county, r.unit, r.year, c.report, c.key"""):
        report, county, unit, code, year, fmt, tbl, row, col, key, value, raw, blank, invalid = r
        yield [report, county, unit, code, year, fmt, tbl, row, col, key, key_label(key), value, raw,
               "是" if blank else "", "是" if invalid else "", "；".join(failing.get((report, key), []))]


def scorecard_rows(conn: sqlite3.Connection) -> Iterator[list[Any]]:
    """年度考核: one row per county and year (newest year first, lowest score first), then the formula."""
    weights = scorecard.Weights.from_env()
    cards = scorecard.scorecard(conn, weights=weights)
    for card in cards:
        yield [card[c] for c, _ in scorecard.COLUMNS]
    if cards:
        yield []
        yield ["计分公式", weights.formula()]


def _tables(conn: sqlite3.Connection) -> list[tuple[str, str, list[str], Iterator[list[Any]]]]:
    return [
        ("county", SHEETS["county"], [h for _, h in COUNTY_COLUMNS], county_rows(conn)),
        ("scorecard", SHEETS["scorecard"], [h for _, h in scorecard.COLUMNS], scorecard_rows(conn)),
        ("reports", SHEETS["reports"], [h for _, h in REPORT_COLUMNS], report_rows(conn)),
        ("cells", SHEETS["cells"], CELL_HEADERS, cell_rows(conn)),
    ]


def export_xlsx(db_path: str | Path, out: str | Path, *, max_rows: int = EXCEL_MAX_ROWS) -> dict[str, int]:
    """Write a workbook with sheets 县区概况, 年度考核, 报告一览, 全部单元格; returns rows written per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    conn = connect_readonly(db_path)
    wb = Workbook(write_only=True)
    counts = {}
    try:
        for name, title, headers, rows in _tables(conn):
            counts[name] = 0
            sheet, used, part = None, max_rows, 1
            for row in rows:
                if used >= max_rows:  # start (or continue on) another sheet
                    sheet = wb.create_sheet(title if part == 1 else f"{title}（{part}）")
                    sheet.freeze_panes = "A2"
                    sheet.append([_bold(sheet, h, Font) for h in headers])
                    used, part = 1, part + 1
                sheet.append(row)
                used += 1
                counts[name] += 1
            if sheet is None:  # an empty table still gets its sheet and headers
                sheet = wb.create_sheet(title)
                sheet.append([_bold(sheet, h, Font) for h in headers])
        wb.save(str(out))
    finally:
        conn.close()
    return counts


def _bold(sheet, text: str, font_cls):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = font_cls(bold=True)
    return cell


def export_csv(db_path: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """Write county_overview.csv, reports.csv and cells.csv (UTF-8 with BOM) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"county": "county_overview.csv", "scorecard": "scorecard.csv", "reports": "reports.csv", "cells": "cells.csv"}
    conn = connect_readonly(db_path)
    written = {}
    try:
        for name, _, headers, rows in _tables(conn):
            path = out / files[name]
            with path.open("w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                w.writerow(headers)
                w.writerows(rows)
            written[name] = path
    finally:
        conn.close()
    return written
