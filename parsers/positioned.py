"""Positioned text, shared by the PDF and OCR paths: what a page is made of (:class:`Line` and
:class:`TablePart` items with their boxes in page coordinates) and :func:`assemble`, which turns a
document's items into rows.

:func:`assemble` joins a table that runs on from one page to the next (same left and right edges,
nothing but a page number between) into one table with one column grid, so the column headings on
page 1 line up with the numbers on page 2, and turns runs of lines standing in columns of numbers into
borderless tables.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .model import Piece, Row
from .numbers import is_blank, looks_numeric, normalize

EDGE_TOLERANCE = 2.0  # points: cell edges closer than this are one grid line

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
Place = Callable[[Box], Box]  # geometry → where the text is on the page (OCR undoes its deskewing)

_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d{1,4}\s*(页)?[-—–\s]*$|^第?\s*\d+\s*页?\s*[/，,]?\s*共\s*\d+\s*页$|^\d+\s*/\s*\d+$")


# ------------------------------------------------------------------ items: what a page is made of


@dataclass
class Segment:
    """A run of text on one line, without a wide gap inside (a word group, or one OCR box)."""

    text: str
    bbox: Box


@dataclass
class Line:
    """One line of text outside ruled tables, left to right."""

    page: int
    segments: list[Segment]
    place: Place | None = None

    @property
    def top(self) -> float:
        return min(s.bbox[1] for s in self.segments)

    @property
    def bottom(self) -> float:
        return max(s.bbox[3] for s in self.segments)

    @property
    def bbox(self) -> Box:
        return union(s.bbox for s in self.segments)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


@dataclass
class TablePart:
    """A ruled table on one page: its cells (bbox, text), merged cells as one bbox."""

    page: int
    cells: list[tuple[Box, str]]
    place: Place | None = None

    @property
    def bbox(self) -> Box:
        return union(b for b, _ in self.cells)

    @property
    def top(self) -> float:
        return self.bbox[1]


Item = Line | TablePart


def union(boxes: Iterable[Box]) -> Box:
    x0s, tops, x1s, bottoms = zip(*boxes)
    return min(x0s), min(tops), max(x1s), max(bottoms)


def at(page: int, box: Box, place: Place | None) -> dict[str, Any]:
    if place is not None:
        box = place(box)
    return {"page": page, "bbox": [round(v, 1) for v in box]}



def reason(e: BaseException) -> str:
    """An exception as a short reason for a message."""
    text = str(e).strip() or type(e).__name__
    return text if len(text) <= 160 else text[:157] + "…"



# ------------------------------------------------------------------ items → rows


def assemble(items: list[Item]) -> list[Row]:
    """Rows in reading order from items ordered by page, then top (shared with OCR).

    Joins table parts that continue across a page break into one table on one column grid; turns
    runs of lines standing in columns of numbers into borderless tables. Table indices count from 1
    in reading order.
    """
    groups = _join_tables(items)
    group_of = {id(part): g for g, group in enumerate(groups) for part in group}
    index_of: dict[int, int] = {}
    part_rows: dict[int, list[list[Piece]]] = {}
    rows: list[Row] = []
    next_table = 1
    n = 0
    while n < len(items):
        item = items[n]
        if isinstance(item, TablePart):
            g = group_of[id(item)]
            if g not in index_of:
                index_of[g] = next_table
                next_table += 1
                part_rows.update(_grid_rows(groups[g]))
            rows.extend(Row(pieces, table=index_of[g]) for pieces in part_rows.pop(id(item)))
            n += 1
            continue
        end = n
        while end < len(items) and isinstance(items[end], Line) and items[end].page == item.page:
            end += 1
        new_rows, next_table = _line_rows(items[n:end], next_table)  # type: ignore[arg-type]
        rows.extend(new_rows)
        n = end
    return rows


def _furniture(line: Line) -> bool:
    """A page number (“- 3 -”, “第 3 页 共 5 页”, “3/5”): it does not end a table running on."""
    return bool(_PAGE_NUMBER.match(normalize(line.text)))


def _join_tables(items: list[Item]) -> list[list[TablePart]]:
    """Group table parts: a part that opens a page joins the part that closed the previous page
    when their left and right edges agree."""
    groups: list[list[TablePart]] = []
    open_group: list[TablePart] | None = None  # the last table, if only page numbers came after it
    page, clean = None, True  # clean: nothing but page numbers so far on this page
    for item in items:
        if item.page != page:
            page, clean = item.page, True
        if isinstance(item, Line):
            if not _furniture(item):
                open_group, clean = None, False
            continue
        prev = open_group[-1] if open_group else None
        if (prev is not None and clean and prev.page == item.page - 1
                and abs(prev.bbox[0] - item.bbox[0]) <= 3 * EDGE_TOLERANCE
                and abs(prev.bbox[2] - item.bbox[2]) <= 3 * EDGE_TOLERANCE):
            open_group.append(item)  # type: ignore[union-attr]
        else:
            groups.append([item])
            open_group = groups[-1]
        clean = False
    return groups


def _cluster(values: Iterable[float], tolerance: float) -> list[float]:
    """Sorted values, those closer than ``tolerance`` to their neighbour merged into their mean."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tolerance:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _nearest(bounds: list[float], v: float) -> int:
    i = bisect_left(bounds, v)
    if i == len(bounds) or (i > 0 and v - bounds[i - 1] < bounds[i] - v):
        i -= 1
    return i


@dataclass
class _PartGrid:
    part: TablePart
    boxes: list[Box]
    texts: list[str]
    ys: list[float]
    grid: list[list[tuple[int, bool] | None]]  # (cell, is a span copy) per position
    columns: list[tuple[int, int]]  # each cell's first and end column
    carried: set[int] = field(default_factory=set)  # cells whose text came across the page break


def _grid_rows(group: list[TablePart]) -> dict[int, list[list[Piece]]]:
    """Each part's rows on the grid of the whole table: one piece per column; a merged cell's text
    in its top-left position, span copies in the others; a position no cell covers is empty.

    A merged label cell cut by a page break is drawn twice, its text in one half only: the empty
    half gets the label as a span copy (a label only: a number is never copied)."""
    kept = {
        id(part): [(b, t) for b, t in part.cells
                   if t.strip() or (b[2] - b[0] >= EDGE_TOLERANCE and b[3] - b[1] >= EDGE_TOLERANCE)]
        for part in group
    }
    xs = _cluster((v for part in group for b, _ in kept[id(part)] for v in (b[0], b[2])), EDGE_TOLERANCE)
    ncols = len(xs) - 1
    grids: list[_PartGrid | None] = []
    for part in group:
        cells = kept[id(part)]
        ys = _cluster((v for b, _ in cells for v in (b[1], b[3])), EDGE_TOLERANCE)
        nrows = len(ys) - 1
        if ncols < 1 or nrows < 1:
            grids.append(None)
            continue
        grid: list[list[tuple[int, bool] | None]] = [[None] * ncols for _ in range(nrows)]
        columns = []
        for k, (b, _) in enumerate(cells):
            i0, j0 = min(_nearest(ys, b[1]), nrows - 1), min(_nearest(xs, b[0]), ncols - 1)
            i1, j1 = max(_nearest(ys, b[3]), i0 + 1), max(_nearest(xs, b[2]), j0 + 1)
            columns.append((j0, j1))
            for i in range(i0, min(i1, nrows)):
                for j in range(j0, min(j1, ncols)):
                    if grid[i][j] is None:
                        grid[i][j] = (k, (i, j) != (i0, j0))
        grids.append(_PartGrid(part, [b for b, _ in cells], [t for _, t in cells], ys, grid, columns))

    for upper, lower in zip(grids, grids[1:]):
        if upper is None or lower is None:
            continue
        below = {lower.columns[g[0]]: g[0] for g in lower.grid[0] if g is not None}
        for g in upper.grid[-1]:
            if g is None or (k := below.get(upper.columns[g[0]])) is None:
                continue
            a, b = upper.texts[g[0]], lower.texts[k]
            if a.strip() and not b.strip() and not _numeric(a):
                lower.texts[k] = a
                lower.carried.add(k)
            elif b.strip() and not a.strip() and not _numeric(b):
                upper.texts[g[0]] = b
                upper.carried.add(g[0])

    out: dict[int, list[list[Piece]]] = {}
    for part, pg in zip(group, grids):
        out[id(part)] = rows = []
        if pg is None:
            continue
        for i, line in enumerate(pg.grid):
            if all(g is None for g in line):
                continue
            pieces = []
            for j, g in enumerate(line):
                if g is None:
                    box = (xs[j], pg.ys[i], xs[j + 1], pg.ys[i + 1])
                    pieces.append(Piece("", at(part.page, box, part.place)))
                else:
                    k, span = g
                    pieces.append(Piece(pg.texts[k], at(part.page, pg.boxes[k], part.place),
                                        span=span or k in pg.carried))
            rows.append(pieces)
    return out


def _numeric(text: str) -> bool:
    t = normalize(text)
    return looks_numeric(t) or (bool(t) and t != "、" and is_blank(t))


def _line_rows(lines: list[Line], next_table: int) -> tuple[list[Row], int]:
    """Rows for a run of lines on one page: text lines, or borderless tables where at least two
    lines split into cells with numbers, the lines between them taken along."""
    multi = [len(line.segments) >= 2 for line in lines]
    numeric = [m and any(_numeric(s.text) for s in line.segments) for m, line in zip(multi, lines)]
    blocks: list[tuple[int, int]] = []
    n = 0
    while n < len(lines):
        if not multi[n]:
            n += 1
            continue
        start = end = n
        while True:
            nxt = next((m for m in range(end + 1, min(end + 4, len(lines))) if multi[m]), None)
            if nxt is None:
                break
            height = max(lines[end].bottom - lines[end].top, 1.0)
            if lines[nxt].top - lines[end].bottom > 2.5 * height * (nxt - end):
                break
            end = nxt
        if sum(numeric[start:end + 1]) >= 2:
            blocks.append((start, end))
        n = end + 1

    rows: list[Row] = []
    n = 0
    for start, end in blocks + [(len(lines), len(lines))]:
        rows.extend(Row([Piece(line.text, at(line.page, line.bbox, line.place))]) for line in lines[n:start])
        if start < len(lines):
            rows.extend(_borderless(lines[start:end + 1], [l for l, k in zip(lines[start:end + 1], numeric[start:end + 1]) if k], next_table))
            next_table += 1
        n = end + 1
    return rows, next_table


def _borderless(lines: list[Line], numeric_lines: list[Line], table: int) -> list[Row]:
    """Columns are the merged x-extents of the segments of the numeric lines; every line gets one
    piece per column, a segment wider than its column puts span copies into the columns it covers."""
    cols: list[list[float]] = []
    for x0, x1 in sorted((s.bbox[0], s.bbox[2]) for line in numeric_lines for s in line.segments):
        if cols and x0 <= cols[-1][1] + 1:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    rows = []
    for line in lines:
        texts: list[list[str]] = [[] for _ in cols]
        boxes: list[Box | None] = [None] * len(cols)
        spans: list[int | None] = [None] * len(cols)  # column whose text this one copies
        for seg in line.segments:
            x0, x1 = seg.bbox[0], seg.bbox[2]
            covered = [j for j, (c0, c1) in enumerate(cols) if min(x1, c1) - max(x0, c0) > 0]
            if not covered:
                mid = (x0 + x1) / 2
                covered = [min(range(len(cols)), key=lambda j: abs((cols[j][0] + cols[j][1]) / 2 - mid))]
            owner = covered[0]
            texts[owner].append(seg.text)
            boxes[owner] = seg.bbox if boxes[owner] is None else union([boxes[owner], seg.bbox])
            for j in covered[1:]:
                if not texts[j] and spans[j] is None:
                    spans[j] = owner
        pieces = []
        for j, (c0, c1) in enumerate(cols):
            if texts[j]:
                pieces.append(Piece(" ".join(texts[j]), at(line.page, boxes[j], line.place)))  # type: ignore[arg-type]
            elif spans[j] is not None:
                o = spans[j]
                pieces.append(Piece(" ".join(texts[o]), at(line.page, boxes[o], line.place), span=True))  # type: ignore[arg-type]
            else:
                pieces.append(Piece("", at(line.page, (c0, line.top, c1, line.bottom), line.place)))
        rows.append(Row(pieces, table=table))
    return rows
