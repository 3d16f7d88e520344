"""Spreadsheet attachments: the three tables in an .xlsx (openpyxl) and an .xls / .et (xlwt-built BIFF),
merged cells as the office merged them, numbers typed as numbers."""

from __future__ import annotations

import io

import pytest

from crawler.ingest import check_report
from demo.render import _blocks
from parsers import parse_document, sniff
from parsers.rules import failed_errors
from parsers.tables import grid as _grid

from .reports import seed_spec, spec_2019


def _number(text: str):
    """What an office types: a count as a number, anything else (空白, “251000元”, “+4”) as text."""
    return int(text) if text.isdigit() else text


def _cells(spec):
    """(row, col, rowspan, colspan, value) of the whole report laid out on one sheet, 0-based."""
    out, r = [], 0
    for block in _blocks(spec):
        if block.kind == "table":
            placed = _grid(block.table)
            for gr, gc, cell in placed:
                out.append((r + gr, gc, cell.rowspan, cell.colspan, _number(cell.text) if cell.text else None))
            r += max(gr + cell.rowspan for gr, _, cell in placed) + 1
        elif block.kind in ("title", "heading", "sign") or block.kind == "para" and len(out) < 3:
            out.append((r, 0, 1, 10 if block.kind == "title" else 1, block.text))
            r += 1
    return out


def xlsx_of(spec) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "年报"
    for r, c, rs, cs, value in _cells(spec):
        if value is not None:
            ws.cell(row=r + 1, column=c + 1, value=value)
        if rs > 1 or cs > 1:
            ws.merge_cells(start_row=r + 1, start_column=c + 1, end_row=r + rs, end_column=c + cs)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls_of(spec) -> bytes:
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("年报")
    for r, c, rs, cs, value in _cells(spec):
        if rs > 1 or cs > 1:
            ws.write_merge(r, r + rs - 1, c, c + cs - 1, value if value is not None else "")
        elif value is not None:
            ws.write(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("make, name", [(xlsx_of, "统计表.xlsx"), (xls_of, "统计表.xls"), (xls_of, "统计表.et")])
def test_spreadsheet_reads_like_any_table(make, name):
    spec = seed_spec("001")
    data = make(spec)
    assert sniff(data, name) in ("xlsx", "xls")
    report = check_report(parse_document(data, name, name=name))
    assert report.error is None, report.error
    assert report.kind == ("xlsx" if name.endswith("xlsx") else name.rsplit(".", 1)[1])
    assert (report.unit, report.year, report.format) == (spec.unit, spec.year, "2021")
    assert report.missing == []
    assert {k: c.raw for k, c in report.cells.items()} == {k: v for k, v in spec.cells.items()}
    cell = report.cells["t3.new.natural"]
    assert cell.at["sheet"] == "年报" and {"row", "col"} <= set(cell.at)
    assert failed_errors(report.rules) == []


def test_xlsx_2019_format_blanks_and_yuan():
    spec = spec_2019()
    spec.cells["t3.new.research"] = ""  # a blank cell stays blank, never 0
    report = parse_document(xlsx_of(spec), "r.xlsx", name="r.xlsx")
    assert report.error is None and report.format == "2019"
    assert report.missing == []
    assert report.cells["t3.new.research"].blank
    assert str(report.value("t2.procurement.amount")) == "345.6"
    assert report.value("t2.licensing.change") == 4


def test_xls_without_extension_is_sniffed_from_its_content():
    data = xls_of(seed_spec("003"))
    assert sniff(data, "download.jsp?id=12") == "xls"


def test_broken_spreadsheet_is_a_clear_error():
    report = parse_document(b"PK\x03\x04" + b"xl/" + b"\x00" * 200, "bad.xlsx", name="bad.xlsx")
    assert report.error is not None and report.error.code == "corrupt_spreadsheet"
    assert "xlsx" in report.error.message
