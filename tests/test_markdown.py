"""Markdown conversions of a report: pipe tables with converter-named columns (数据1 …), a header row
out of place, the last rows of a table under another table's header, HTML tables inside Markdown."""

from __future__ import annotations

from demo.render import SECTIONS, _blocks, _html_table, title
from parsers import parse_document
from parsers.tables import grid as _grid

from .reports import seed_spec, spec_2019


def _grid_rows(table) -> list[list[str]]:
    placed = _grid(table)
    width = max(c + cell.colspan for _, c, cell in placed)
    rows = [[""] * width for _ in range(max(r + cell.rowspan for r, _, cell in placed))]
    for r, c, cell in placed:
        rows[r][c] = cell.text  # a converter keeps a merged cell's text once, at its top-left
    return rows


def _pipe(cells: list[str], bold: bool = True) -> str:
    return "| " + " | ".join(f"**{c}**" if bold and c and not c[0].isdigit() and len(c) < 6 else c for c in cells) + " |"


def to_markdown(spec, *, misplace: bool = True) -> str:
    """The report as a PDF-to-Markdown converter writes it."""
    out = []
    for block in _blocks(spec):
        if block.kind == "title":
            out.append(f"# {block.text}\n")
        elif block.kind == "heading":
            out.append(f"## {block.text}\n")
        elif block.kind in ("para", "sign"):
            out.append(block.text + "\n")
        elif block.kind == "table":
            rows = _grid_rows(block.table)
            width = len(rows[0])
            t3 = any("本年新收" in c for r in rows for c in r)
            if misplace and t3:  # 表三: its column headings land under the first data row
                first = next(i for i, r in enumerate(rows) if any("本年新收" in c for c in r))
                rows = [rows[first], *rows[:first], *rows[first + 1:]]
            header = [f"数据{i + 1}" for i in range(width)]
            lines = [_pipe(header, bold=False), "|" + "---|" * width] + [_pipe(r) for r in rows]
            if misplace and t3:  # the last rows of 表三 under a second, narrower header
                cut = len(lines) - 3
                lines[cut:cut] = ["", _pipe([f"数据{i + 1}" for i in range(6)], bold=False), "|" + "---|" * 6]
            out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def test_markdown_pipe_tables_2021():
    spec = seed_spec("001")
    text = to_markdown(spec)
    assert "| 数据1 | 数据2 |" in text and "**规章**" in text
    report = parse_document(text.encode(), "report.md", name="report.md")
    assert report.error is None
    assert report.unit == spec.unit and report.year == spec.year and report.format == "2021"
    assert report.missing == []
    assert {k: c.raw for k, c in report.cells.items()} == {k: v for k, v in spec.cells.items()}
    # provenance: the line and the column of the pipe table
    at = report.cells["t3.new.natural"].at
    assert set(at) == {"line", "col"}


def test_markdown_pipe_tables_2019_with_amount_in_yuan():
    spec = spec_2019()
    report = parse_document(to_markdown(spec).encode(), "r.md", name="r.md")
    assert report.error is None and report.format == "2019"
    assert report.missing == []
    assert report.value("t2.licensing.change") == 4 and report.value("t2.other_services.change") == -2
    assert str(report.value("t2.procurement.amount")) == "345.6"
    assert report.value("t3.new.total") == 16


def test_html_tables_inside_markdown():
    spec = seed_spec("003")
    parts = []
    for block in _blocks(spec):
        if block.kind == "table":
            parts.append(_html_table(block.table))
        else:
            parts.append(("# " if block.kind == "title" else "## " if block.kind == "heading" else "") + block.text + "\n")
    text = "\n".join(parts)
    assert text.startswith("# " + title(spec)) and SECTIONS["3"] in text
    report = parse_document(text.encode(), "report.md", name="report.md")
    assert report.error is None and report.missing == []
    assert {k: c.raw for k, c in report.cells.items()} == {k: v for k, v in spec.cells.items()}
