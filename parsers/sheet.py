"""Spreadsheet attachments: .xlsx (openpyxl), .xls and WPS .et (xlrd; LibreOffice converts what xlrd
cannot open).

Some offices publish the three tables as a workbook. Each sheet row becomes a table row whose pieces
are its cells, in column order, with their provenance (sheet, row, column); a merged cell's text is
copied into the positions it covers as span copies, as for an HTML rowspan/colspan. A row holding a
single text (the title above the tables, or one merged across the sheet) is running text. Numbers
are written back as the office typed them: 3 for 3.0, 24252.3111 without float noise.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .model import Layout, ParseFailure, Piece, Row

MAX_CELLS = 200_000  # a sheet larger than any report is refused (a data dump, or a bomb)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, (datetime, date)):
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    return str(value).strip()


def _rows_of(name: str, table: int, grid: list[list[str]], merged: list[tuple[int, int, int, int]]) -> list[Row]:
    """Rows of one sheet; ``merged`` are (first row, last row, first col, last col), 0-based inclusive."""
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    wide: set[int] = set()
    for r0, r1, c0, c1 in merged:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    owner[(r, c)] = (r0, c0)
        if c1 > c0 and r0 == r1:
            wide.add(r0)
    rows: list[Row] = []
    seen_table = False
    for r, cells in enumerate(grid):
        pieces = []
        for c, text in enumerate(cells):
            at = {"sheet": name, "row": r + 1, "col": c + 1}
            if (r, c) in owner:
                r0, c0 = owner[(r, c)]
                pieces.append(Piece(grid[r0][c0] if c0 < len(grid[r0]) else "", at, span=True))
            else:
                pieces.append(Piece(text, at))
        filled = [p for p in pieces if p.text and not p.span]
        if not filled:
            continue
        if len(filled) == 1 and (not seen_table or r in wide):
            rows.append(Row([filled[0]]))
            continue
        while pieces and not pieces[-1].text:
            pieces.pop()
        seen_table = seen_table or len(filled) >= 3
        rows.append(Row(pieces, table=table))
    return rows


def layout_from_xlsx(data: bytes) -> Layout:
    """Every sheet of an .xlsx workbook, in order."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as e:  # zipfile, XML and openpyxl errors alike
        raise ParseFailure("corrupt_spreadsheet", f"无法读取 xlsx 文件：{type(e).__name__}: {str(e)[:120]}") from e
    rows: list[Row] = []
    for index, ws in enumerate(book.worksheets, 1):
        if (ws.max_row or 0) * (ws.max_column or 0) > MAX_CELLS:
            raise ParseFailure("too_large", f"工作表“{ws.title}”过大（{ws.max_row} 行 × {ws.max_column} 列），不是年报表格")
        grid = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        merged = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        rows += _rows_of(ws.title, index, grid, merged)
    return Layout(rows=rows, kind="xlsx", notes=[f"电子表格：{len(book.worksheets)} 个工作表"])


def layout_from_xls(data: bytes, kind: str = "xls") -> Layout:
    """An .xls (BIFF) workbook, or a WPS .et saved in the same format; LibreOffice converts the rest."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except Exception as first:
        try:  # formatting records xlrd cannot read (some WPS files): the cells alone will do
            book = xlrd.open_workbook(file_contents=data)
        except Exception:
            return _converted(data, kind, first)
    rows: list[Row] = []
    for index, sh in enumerate(book.sheets(), 1):
        if sh.nrows * sh.ncols > MAX_CELLS:
            raise ParseFailure("too_large", f"工作表“{sh.name}”过大（{sh.nrows} 行 × {sh.ncols} 列），不是年报表格")
        grid = [[_xls_text(book, sh.cell(r, c)) for c in range(sh.ncols)] for r in range(sh.nrows)]
        merged = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in getattr(sh, "merged_cells", [])]
        rows += _rows_of(sh.name, index, grid, merged)
    return Layout(rows=rows, kind=kind, notes=[f"电子表格（{kind}）：{book.nsheets} 个工作表"])


def _xls_text(book: Any, cell: Any) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return _text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
        except (ValueError, OverflowError):
            return _text(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return "#错误"
    return _text(cell.value)


def _converted(data: bytes, kind: str, reason: Exception) -> Layout:
    """What xlrd cannot open (a newer .et, a mislabelled file): LibreOffice Calc to .xlsx."""
    from .convert import converter_available, libreoffice_convert

    if not converter_available():
        raise ParseFailure("corrupt_spreadsheet", f"无法读取 {kind} 文件：{type(reason).__name__}: {str(reason)[:120]}")
    layout = layout_from_xlsx(libreoffice_convert(data, kind, "xlsx:Calc MS Excel 2007 XML"))
    layout.kind = kind
    layout.notes.append(f"{kind.upper()} 经 LibreOffice 转换为 XLSX")
    return layout
