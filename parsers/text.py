"""Text extracts of reports: tab-separated table text, or one cell per line (a flattened DOCX).

Seeds 000/001/003 are tab-separated lines of an HTML table; 004 is a DOCX flattened to one cell per
line (each cell starts with a tab, a row ends at an empty line, a label broken across lines goes on
without a tab); 002 is an OCR'd PDF with markdown and ``<b>`` noise.
"""

from __future__ import annotations

from . import markdown
from .encoding import decode_text
from .model import Layout, Piece, Row


def _cell_per_line(lines: list[str]) -> bool:
    """A flattened DOCX: many lines that are one tab-led cell, few with several tabs."""
    single = sum(1 for ln in lines if ln.startswith("\t") and "\t" not in ln[1:])
    multi = sum(1 for ln in lines if "\t" in ln.strip("\t"))
    return single > 20 and single > 3 * multi


def layout_from_text(text: str) -> Layout:
    """Rows of a text extract, each piece with its 1-based line number."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if _cell_per_line(lines):
        rows = _rows_cell_per_line(lines)
        note = "文本：每行一个单元格"
    else:
        rows = _rows_tabbed(lines)
        note = "文本：制表符分隔"
    return Layout(rows=rows, kind="text", notes=[note])


def _rows_tabbed(lines: list[str]) -> list[Row]:
    rows = []
    table = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if markdown.is_pipe_row(line):  # a Markdown pipe table: one table per run of pipe lines
            if n < 2 or not markdown.is_pipe_row(lines[n - 2]):
                table += 1
            if not markdown.is_separator(line):
                rows.append(Row([Piece(c, {"line": n, "col": j + 1}) for j, c in enumerate(markdown.pipe_cells(line))],
                                table=table))
            continue
        parts = line.split("\t")
        if len(parts) == 1:
            rows.append(Row([Piece(line.strip(), {"line": n})]))
        else:
            rows.append(Row([Piece(p.strip(), {"line": n, "col": j + 1}) for j, p in enumerate(parts)], table=0))
    return rows


def _rows_cell_per_line(lines: list[str]) -> list[Row]:
    rows: list[Row] = []
    current: list[Piece] | None = None
    last_was_cell = False
    for n, line in enumerate(lines, 1):
        if not line.strip() and not line.startswith("\t"):
            if current:
                rows.append(Row(current, table=0))
            current, last_was_cell = None, False
            continue
        if line.startswith("\t"):
            current = current if current is not None else []
            current.append(Piece(line[1:].strip(), {"line": n}))
            last_was_cell = True
        elif last_was_cell and current:
            # a label broken across lines (“商业\n企业”) continues the cell above
            current[-1].text += line.strip()
        else:
            rows.append(Row([Piece(line.strip(), {"line": n})]))
    if current:
        rows.append(Row(current, table=0))
    return rows


def layout_from_bytes(data: bytes) -> Layout:
    text, encoding = decode_text(data)
    layout = layout_from_text(text)
    layout.notes.append(f"编码：{encoding}")
    return layout
