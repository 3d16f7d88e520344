"""The official tables 二/三/四 as grids: one layout, drawn by every renderer.

Each table is rows of :class:`GridCell` in HTML's table model (a cell covered by a rowspan or colspan is
simply not listed): group titles, table 三's three-row heading and label rowspans, table 四's two-level
heading, and one value cell per canonical key (:mod:`parsers.schema`). What goes in a value cell is the
caller's: the demo's document renderer prints a report's raw text there, the report page of the
Datasette plugin puts the stored value with its rule results (:func:`layout` gives it the keys).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from . import schema

Value = Callable[[str], "GridCell"]
"""What a value cell shows, given its canonical key."""


@dataclass
class GridCell:
    """One cell of a table grid: its text, spans and alignment."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    align: str = "center"  # row labels are "left", as offices print them


@dataclass
class Table:
    """A table as rows of cells, with column widths for the document renderers."""

    rows: list[list[GridCell]]  # HTML-style: a cell covered by a rowspan/colspan is simply not listed
    widths: list[float]  # column widths in cm (A4 portrait leaves 16 cm)


def table_2(fmt: str, value: Value) -> Table:
    """Table 二: a title row per 第二十条 item across the table, its column headings, then its rows.

    Four columns like the official form; a group with fewer numbers lets its last one span the rest.
    """
    if fmt == schema.FORMAT_2021:
        groups = [
            ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], ["regulations", "normative"]),
            ("第二十条第（五）项", ["本年处理决定数量"], ["licensing"]),
            ("第二十条第（六）项", ["本年处理决定数量"], ["penalty", "coercion"]),
            ("第二十条第（八）项", ["本年收费金额（单位：万元）"], ["fees"]),
        ]
        names = {**schema.T2_ROW_NAMES}
    else:
        three = ["上一年项目数量", "本年增/减", "处理决定数量"]
        groups = [
            ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["regulations", "normative"]),
            ("第二十条第（五）项", three, ["licensing", "other_services"]),
            ("第二十条第（六）项", three, ["penalty", "coercion"]),
            ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], ["fees"]),
            ("第二十条第（九）项", ["采购项目数量", "采购总金额"], ["procurement"]),
        ]
        names = {**schema.T2_ROW_NAMES, "normative": "规范性文件"}  # the 2019 form's wording

    def spread(cells: list[GridCell]) -> list[GridCell]:
        cells[-1].colspan = 4 - len(cells)
        return cells

    rows: list[list[GridCell]] = []
    layout = schema.T2_LAYOUT[fmt]
    for group, headings, row_keys in groups:
        rows.append([GridCell(group, colspan=4)])
        rows.append([GridCell("信息内容")] + spread([GridCell(h) for h in headings]))
        for row in row_keys:
            values = [value(f"t2.{row}.{col}") for col in layout[row]]
            rows.append([GridCell(names[row], align="left")] + spread(values))
    return Table(rows, widths=[4.6, 3.8, 3.8, 3.8])


_RESULTS = "三、本年度办理结果"
_WITHHELD = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_DECLINED = "（五）不予处理"
_OTHER = "（六）其他处理"

# Each table-三 row's label path: parents first (they span their rows), its own label last.
T3_LABELS: dict[str, tuple[str, ...]] = {
    "new": ("一、本年新收政府信息公开申请数量",),
    "carried_in": ("二、上年结转政府信息公开申请数量",),
    "granted": (_RESULTS, "（一）予以公开"),
    "partly_granted": (_RESULTS, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    "withheld_state_secret": (_RESULTS, _WITHHELD, "1.属于国家秘密"),
    "withheld_law": (_RESULTS, _WITHHELD, "2.其他法律行政法规禁止公开"),
    "withheld_three_safeties": (_RESULTS, _WITHHELD, "3.危及“三安全一稳定”"),
    "withheld_third_party": (_RESULTS, _WITHHELD, "4.保护第三方合法权益"),
    "withheld_internal": (_RESULTS, _WITHHELD, "5.属于三类内部事务信息"),
    "withheld_process": (_RESULTS, _WITHHELD, "6.属于四类过程性信息"),
    "withheld_enforcement": (_RESULTS, _WITHHELD, "7.属于行政执法案卷"),
    "withheld_inquiry": (_RESULTS, _WITHHELD, "8.属于行政查询事项"),
    "unavailable_not_held": (_RESULTS, _UNAVAILABLE, "1.本机关不掌握相关政府信息"),
    "unavailable_needs_creation": (_RESULTS, _UNAVAILABLE, "2.没有现成信息需要另行制作"),
    "unavailable_unclear": (_RESULTS, _UNAVAILABLE, "3.补正后申请内容仍不明确"),
    "declined_petition": (_RESULTS, _DECLINED, "1.信访举报投诉类申请"),
    "declined_repeat": (_RESULTS, _DECLINED, "2.重复申请"),
    "declined_publication": (_RESULTS, _DECLINED, "3.要求提供公开出版物"),
    "declined_mass": (_RESULTS, _DECLINED, "4.无正当理由大量反复申请"),
    "declined_confirm": (_RESULTS, _DECLINED, "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": (_RESULTS, _OTHER, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_no_fee": (_RESULTS, _OTHER, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_other": (_RESULTS, _OTHER, "3.其他"),
    "other": (_RESULTS, _OTHER),  # 2019: one row, no sub-items
    "handled_total": (_RESULTS, "（七）总计"),
    "carried_out": ("四、结转下年度继续办理",),
}
_T3_LABEL_COLUMNS = 3


def table_3(fmt: str, value: Value, omit_rows: Collection[str] = ()) -> Table:
    """Table 三: the official three-row heading, then one row per present row key.

    A parent label (三、本年度办理结果, （三）不予公开 …) is printed once, on the first of its rows, with a
    rowspan over the rows present — so leaving a row out keeps the spans consistent.
    """
    rows: list[list[GridCell]] = [
        [GridCell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3),
         GridCell("申请人情况", colspan=7)],
        [GridCell("自然人", rowspan=2), GridCell("法人或其他组织", colspan=5), GridCell("总计", rowspan=2)],
        [GridCell(schema.T3_COLUMN_NAMES[c]) for c in schema.T3_COLUMNS[1:-1]],
    ]
    keys = [k for k in schema.T3_ROWS[fmt] if k not in omit_rows]
    paths = [T3_LABELS[k] for k in keys]
    for i, (key, path) in enumerate(zip(keys, paths)):
        row: list[GridCell] = []
        for level, label in enumerate(path[:-1]):
            prefix = path[: level + 1]
            if i > 0 and paths[i - 1][: level + 1] == prefix:
                continue  # covered by the rowspan of the row that printed this parent
            span = 1
            while i + span < len(paths) and paths[i + span][: level + 1] == prefix:
                span += 1
            row.append(GridCell(label, rowspan=span, align="left"))
        row.append(GridCell(path[-1], colspan=_T3_LABEL_COLUMNS - len(path) + 1, align="left"))
        row += [value(f"t3.{key}.{col}") for col in schema.T3_COLUMNS]
        rows.append(row)
    return Table(rows, widths=[1.3, 2.0, 4.3] + [1.2] * 7)


def table_4(fmt: str, value: Value) -> Table:
    """Table 四: 行政复议 | 行政诉讼 (未经复议直接起诉, 复议后起诉), then the 15 numbers."""
    results = [schema.T4_RESULT_NAMES[r] for r in schema.T4_RESULTS]
    rows = [
        [GridCell("行政复议", colspan=5), GridCell("行政诉讼", colspan=10)],
        [GridCell(r, rowspan=2) for r in results]
        + [GridCell("未经复议直接起诉", colspan=5), GridCell("复议后起诉", colspan=5)],
        [GridCell(r) for r in results * 2],
        [value(key) for key in schema.T4_KEYS],
    ]
    return Table(rows, widths=[1.06] * 15)


def grid(table: Table) -> list[tuple[int, int, GridCell]]:
    """Each cell with the grid row and column of its top-left corner (HTML's table model)."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
    return placed


def tables(fmt: str, value: Value, omit_rows: Collection[str] = ()) -> dict[str, Table]:
    """Tables 二, 三 and 四 of a format, keyed ``t2``/``t3``/``t4``."""
    return {"t2": table_2(fmt, value), "t3": table_3(fmt, value, omit_rows), "t4": table_4(fmt, value)}


def layout(fmt: str) -> dict[str, list[list[dict[str, Any]]]]:
    """The grid of tables 二/三/四 for a format as plain data: rows of cells, each with its ``text`` (for
    headings and labels) or its canonical ``key`` (for value cells), spans and alignment."""
    marker = "\x00"  # marks a value cell; never in real text
    out = {}
    for name, table in tables(fmt, lambda key: GridCell(marker + key)).items():
        out[name] = [[{"text": "" if c.text.startswith(marker) else c.text,
                       "key": c.text[1:] if c.text.startswith(marker) else None,
                       "rowspan": c.rowspan, "colspan": c.colspan, "align": c.align} for c in row]
                     for row in table.rows]
    return out
