"""Tables flattened into running text: an archive crawler's dump puts a whole report on one line.

“…规章000规范性文件898989第二十条第（五）项…一、本年新收政府信息公开申请数量230 000023二、上年结转…”
has lost every cell and row boundary. This module cuts the table part of such a line back into rows:
a row label (the text up to an enumerator such as 一、/（二）/3. or a 表二 row name) followed by its run
of digits, the section headings and column headings as rows of their own. Which digits of a run are
which cells is left to the extractor (:mod:`parsers.glued`), which knows each table's arithmetic.
"""

from __future__ import annotations

import re

from . import schema
from .model import Piece, Row

# A line is a flattened report when it holds several 表三 row labels each followed by digits.
_T3_MARKS = re.compile(r"(本年新收|上年结转|予以公开|结转下年度|办理结果)[^\d]{0,40}\d")
# In a dump that has a flattened 表三, lines of 表二 or 表四 alone are flattened the same way.
_T2_MARKS = re.compile(r"(?:规章|规范性文件|行政许可|其他对外管理服务事项|行政处罚|行政强制|行政事业性收费|政府集中采购)\s*\d")
_T4_MARK = re.compile(r"(?:[四4]\s*[、.．]\s*[^。\d]{0,12})?行政复议[^。\d]{0,120}尚未审结\s*总计\s*\d")
# Where the tables start and end inside the line (the enumerated section headings).
_START = re.compile(r"[二2]\s*[、.．]\s*主动公开政府信息(?:的)?情况|[三3]\s*[、.．]\s*收到和处理政府信息公开申请")
_T2_START = re.compile(r"[二2]\s*[、.．]\s*主动公开政府信息(?:的)?情况|第二十条")
_END = re.compile(r"[五5]\s*[、.．]\s*[^。]{0,8}存在的主要问题")
# The end of a section heading: what follows it is a heading row or a data row of its own.
_HEADING_END = re.compile(r"主动公开政府信息(?:的)?情况|收到和处理政府信息公开申请(?:的)?情况|行政复议[、，,]?\s*行政诉讼(?:的)?情况")
# Boundaries inside label text: Chinese and digit enumerators, 表二 row names, 第二十条 group headings.
_T2_NAMES = "|".join(sorted((re.sub(r"[\^$]", "", p) for _, p in schema.T2_ROWS), key=len, reverse=True))
_BOUNDARY = re.compile(
    r"(?<![第\d])[一二三四五六七八九十]{1,2}\s*、|(?<!第)[（(][一二三四五六七八九十]{1,2}[）)]|(?<![\d.])\d{1,2}\s*[.．、](?=\D)"
    r"|第二十条|(?:行政)?(?:" + _T2_NAMES + r")(?=\s*\d)"
)
_T2_COLUMN_WORDS = re.compile("|".join(p for _, p in schema.T2_COLUMNS))
# A run of cell digits: digits with spaces inside, a decimal point, an amount's 元/万元.
_DIGITS = re.compile(r"\d[\d\s]*(?:\.\d+)?(?:\s*万?元)?")


def is_runon(text: str) -> bool:
    """Whether a text row is a flattened report table (cheap test first)."""
    return len(text) > 200 and len(_T3_MARKS.findall(text)) >= 3


def _table_start(text: str) -> int | None:
    """Where a flattened table begins in a line: its section heading, else its first marks."""
    found = [m.start() for m in (_START.search(text), _T3_MARKS.search(text), _T4_MARK.search(text)) if m]
    if len(_T2_MARKS.findall(text)) >= 2:
        m = _T2_START.search(text) or _T2_MARKS.search(text)
        found.append(m.start())
    return min(found) if found else None


def expand(rows: list[Row]) -> list[Row]:
    """The rows with every flattened report line cut back into heading and data rows."""
    if not any(row.table is None and is_runon(row.text) for row in rows):
        return rows
    out: list[Row] = []
    for row in rows:
        text = row.text if row.table is None else ""
        if is_runon(text) or len(text) > 40 and (len(_T2_MARKS.findall(text)) >= 2 or _T4_MARK.search(text)):
            out.extend(split_line(text, row.pieces[0].at if row.pieces else {}))
        else:
            out.append(row)
    return out


def split_line(text: str, at: dict) -> list[Row]:
    """One flattened line → text before the tables, table rows, text after them."""
    start = _table_start(text) or 0
    end_m = _END.search(text, start)
    end = end_m.start() if end_m else len(text)
    rows: list[Row] = []
    if text[:start].strip():
        rows.append(Row([Piece(text[:start].strip(), dict(at))]))
    rows.extend(_table_rows(text, start, end, at))
    if text[end:].strip():
        rows.append(Row([Piece(text[end:].strip(), dict(at, char=end))]))
    return rows


def _table_rows(text: str, start: int, end: int, at: dict) -> list[Row]:
    rows: list[Row] = []
    label_from = start
    pos = start
    while pos < end:
        m = _DIGITS.search(text, pos, end)
        if m is None:
            break
        a, b = m.start(), m.end()
        run = m.group(0)
        if not _is_cell_run(text, a, b):
            pos = b
            continue
        # an enumerator glued to the end of the run (“00000002.其他…”) starts the next label
        follow = text[b:b + 1]
        if follow and follow in ".．、" and b < end and not text[b + 1:b + 2].isdigit():
            tail = 2 if run.endswith("0") and len(run.rstrip()) >= 2 else 1
            run, b = run[:-tail], b - tail
        if not run.strip():
            pos = m.end()
            continue
        rows.extend(_label_rows(text, label_from, a, at, before_run=True))
        piece = Piece(run.strip(), dict(at, char=a))
        if rows and rows[-1].table == 0 and len(rows[-1].pieces) == 1:
            rows[-1].pieces.append(piece)
        else:
            rows.append(Row([piece], table=0))
        label_from = pos = b
    rows.extend(_label_rows(text, label_from, end, at))
    return rows


def _is_cell_run(text: str, a: int, b: int) -> bool:
    """Digits that are not cells: inside a label (“第1项”, “（2）”, “2019年”)."""
    before, after = text[a - 1:a], text[b:b + 1]
    if (before and before in "(（第") or (after and after in ")）年月日条项款号"):
        return False
    return True


def _label_rows(text: str, a: int, b: int, at: dict, *, before_run: bool = False) -> list[Row]:
    """Label text between two runs, cut at enumerators and heading ends: one row per label."""
    segment = text[a:b]
    cuts = {0, len(segment)}
    # a 表二 row name is a boundary only right before its digits: let the pattern see them
    cuts.update(m.start() for m in _BOUNDARY.finditer(segment + ("0" if before_run else "")) if m.start() < len(segment))
    cuts.update(m.end() for m in _HEADING_END.finditer(segment))
    rows = []
    bounds = sorted(cuts)
    for x, y in zip(bounds, bounds[1:]):
        label = segment[x:y].strip()
        if not label:
            continue
        where = dict(at, char=a + x)
        words = list(_T2_COLUMN_WORDS.finditer(label))
        if len(words) >= 1 and "信息内容" in label or len(words) >= 2:
            # 表二's column headings in one string: one piece per heading, as the table had them
            marks = sorted({0, *(w.start() for w in words)})
            pieces = [Piece(label[p:q].strip(), dict(where, char=a + x + p))
                      for p, q in zip(marks, [*marks[1:], len(label)]) if label[p:q].strip()]
            rows.append(Row(pieces, table=0))
        else:
            rows.append(Row([Piece(label, where)], table=0))
    return rows
