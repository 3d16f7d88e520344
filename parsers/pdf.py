"""PDF → :class:`Layout`: ruled tables cell by cell, text outside them line by line, OCR where there is no text.

Per page (pdfplumber): drop doubly drawn characters (WPS draws bold text twice), find the ruled tables
once (``find_tables``, lines strategy), give every character to the table cell it lies in or else to a
text line. Lines whose words stand apart in columns of numbers become the rows of a borderless table.
A page without a text layer (no characters, or ``(cid:NN)`` garbage) is rendered and OCR'd
(:mod:`parsers.ocr`); so is a large picture on a text page that has no text over it (a pasted
screenshot of a table).

Geometry is kept as :class:`Line` and :class:`TablePart` items in page coordinates and turned into rows
by :func:`assemble`, which OCR shares: it joins a table that runs on from one page to the next (same
left and right edges, nothing but a page number between) into one table with one column grid, so the
column headings on page 1 line up with the numbers on page 2.
"""

from __future__ import annotations

import io
import logging
import re
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

from .model import Layout, ParseFailure, Piece, Row
from .numbers import is_blank, looks_numeric, normalize

log = logging.getLogger(__name__)

MAX_PAGES = 60
MIN_TEXT_CHARS = 5  # a page with fewer real characters than this has no text layer
CID_SHARE = 0.3  # more than this share of "(cid:NN)" characters: the text layer is garbage
IMAGE_SHARE = 0.08  # a picture covering this share of a page, with no text over it, is OCR'd (a seal is ~3 %)
SPACE_GAP = 0.3  # a gap wider than this × the font size between two characters is a space …
CELL_GAP = 1.0  # … and wider than this × the font size it separates two cells of a borderless table
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
        return _union(s.bbox for s in self.segments)

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
        return _union(b for b, _ in self.cells)

    @property
    def top(self) -> float:
        return self.bbox[1]


Item = Line | TablePart


def _union(boxes: Iterable[Box]) -> Box:
    x0s, tops, x1s, bottoms = zip(*boxes)
    return min(x0s), min(tops), max(x1s), max(bottoms)


def _at(page: int, box: Box, place: Place | None) -> dict[str, Any]:
    if place is not None:
        box = place(box)
    return {"page": page, "bbox": [round(v, 1) for v in box]}


# ------------------------------------------------------------------ the entry point


def layout_from_pdf(data: bytes, *, max_pages: int = MAX_PAGES, ocr: bool = True) -> Layout:
    """Read a PDF into rows. Pages past ``max_pages`` are not read (a note says so).

    Pages without a text layer, and large pictures without text on text pages, are OCR'd when
    ``ocr`` (at most ``parsers.ocr.MAX_PAGES`` of them, within ``parsers.ocr.TIME_BUDGET`` seconds).
    Raises :class:`ParseFailure`: ``corrupt_pdf``, ``encrypted``, ``empty``, ``no_text_layer`` (only
    pictures and ``ocr`` is False), ``ocr_unavailable`` (only pictures and no OCR engine).
    """
    pdf = _open(data, max_pages)
    notes: list[str] = []
    items: list[Item] = []
    failed: list[str] = []
    scanner = _Scanner(data) if ocr else None
    no_ocr: list[int] = []  # pages with pictures that were not OCR'd
    try:
        total = _page_count(pdf)
        try:
            pages = pdf.pages
        except Exception as e:  # pdfminer on a broken page tree
            raise ParseFailure("corrupt_pdf", f"PDF 文件已损坏，无法读取页面：{_reason(e)}") from e
        if not pages:
            raise ParseFailure("empty", "PDF 没有任何页面")
        if total and total > len(pages):
            notes.append(f"PDF 共 {total} 页，只读取了前 {len(pages)} 页")
        meta = _metadata(pdf)
        for page in pages:
            number = page.page_number
            try:
                page_items, to_ocr, deduped = _read_page(page)
            except Exception as e:  # a broken content stream: keep what the other pages have
                log.info("page %s unreadable: %r", number, e)
                failed.append(f"第 {number} 页（{_reason(e)}）")
                continue
            finally:
                page.close()
            if deduped:
                notes.append(f"第 {number} 页去掉了重复绘制的 {deduped} 个字符")
            if to_ocr:
                found = scanner.scan(number, to_ocr) if scanner else None
                if found is None:
                    no_ocr.append(number)
                else:
                    page_items.extend(found)
            page_items.sort(key=lambda it: it.top)
            items.extend(page_items)
    finally:
        if scanner is not None:
            scanner.close()
        try:
            pdf.close()
        except Exception:  # pragma: no cover - closing never matters more than the result
            pass

    if failed:
        notes.append("无法读取：" + "、".join(failed))
    if scanner is not None and scanner.pages:
        notes.append("第 " + "、".join(map(str, scanner.pages)) + " 页（或其中的图片）经 OCR 识别")
    if scanner is not None:
        notes.extend(scanner.notes)
    if no_ocr:
        notes.append("第 " + "、".join(map(str, no_ocr)) + " 页的图片没有 OCR 识别")
    if not items:
        if len(failed) == len(pages):
            raise ParseFailure("corrupt_pdf", "PDF 文件已损坏，没有一页能读取：" + "、".join(failed))
        if no_ocr and scanner is None:
            raise ParseFailure("no_text_layer", "PDF 没有文字层（扫描件或图片），需要 OCR 识别")
        if no_ocr and scanner.failure is not None:
            raise scanner.failure
        raise ParseFailure("empty", "PDF 中没有可读取的文字")
    return Layout(rows=assemble(items), kind="ocr" if scanner and scanner.pages else "pdf", meta=meta, notes=notes)


class _Scanner:
    """OCR for the pages (or pictures on pages) that need it, within a page count and a time budget.
    The rendering copy of the PDF (pypdfium2) is opened at the first such page."""

    def __init__(self, data: bytes):
        self.data = data
        self.doc: Any = None
        self.pages: list[int] = []
        self.notes: list[str] = []  # why some pictures were not OCR'd
        self.failure: ParseFailure | None = None  # why OCR could not run at all
        self.started = 0.0

    def scan(self, number: int, regions: list[Box | None]) -> list[Item] | None:
        """Items read from the page's regions (None: the whole page); None when not OCR'd."""
        from . import ocr

        if self.failure is not None:
            return None
        if len(self.pages) >= ocr.MAX_PAGES or (self.pages and time.monotonic() - self.started > ocr.TIME_BUDGET):
            if not self.notes:
                self.notes.append(f"OCR 达到上限（{ocr.MAX_PAGES} 页或 {ocr.TIME_BUDGET} 秒）")
            return None
        try:
            if self.doc is None:
                import pypdfium2 as pdfium

                self.started = time.monotonic()
                try:
                    self.doc = pdfium.PdfDocument(bytes(self.data))
                except Exception as e:
                    raise ParseFailure("corrupt_pdf", f"PDF 文件无法渲染：{_reason(e)}") from e
            found: list[Item] = []
            for region in regions:
                found.extend(ocr.items_from_pdf_page(self.doc, number, region=region))
        except ParseFailure as e:  # no OCR engine, or pdfium cannot open the file: no page will do
            self.failure = e
            self.notes.append(e.message)
            return None
        except Exception as e:  # pdfium or the engine on this page
            log.info("OCR of page %s failed: %r", number, e)
            self.notes.append(f"第 {number} 页 OCR 失败：{_reason(e)}")
            return None
        self.pages.append(number)
        return found

    def close(self) -> None:
        if self.doc is not None:
            self.doc.close()


def _open(data: bytes, max_pages: int):
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("layout_from_pdf wants the file's bytes")
    head = bytes(data[:1024])
    if b"%PDF-" not in head:
        raise ParseFailure("corrupt_pdf", "不是 PDF 文件（缺少 %PDF 文件头）")
    try:
        return pdfplumber.open(io.BytesIO(data), pages=range(1, max(1, max_pages) + 1))
    except PdfminerException as e:
        cause = e.args[0] if e.args else e
        if _is_password_problem(cause):
            raise ParseFailure("encrypted", "PDF 已加密，无法读取") from e
        raise ParseFailure("corrupt_pdf", f"PDF 文件已损坏或不完整：{_reason(cause)}") from e
    except Exception as e:  # anything else pdfminer trips over while reading the trailer
        if _is_password_problem(e):
            raise ParseFailure("encrypted", "PDF 已加密，无法读取") from e
        raise ParseFailure("corrupt_pdf", f"PDF 文件已损坏或不完整：{_reason(e)}") from e


def _is_password_problem(e: BaseException) -> bool:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    return isinstance(e, (PDFPasswordIncorrect, PDFEncryptionError)) or type(e).__name__ in {
        "PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"}


def _reason(e: BaseException) -> str:
    """An exception as a short reason for a message."""
    text = str(e).strip() or type(e).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _page_count(pdf) -> int | None:
    try:
        from pdfminer.pdftypes import resolve1

        count = resolve1(resolve1(pdf.doc.catalog["Pages"]).get("Count"))
        return int(count)
    except Exception:
        return None


def _metadata(pdf) -> dict[str, Any]:
    """Title and creation date, where the PDF says them (D:20230129… → 2023-01-29)."""
    meta: dict[str, Any] = {}
    info = getattr(pdf, "metadata", None) or {}
    title = info.get("Title")
    if isinstance(title, str) and title.strip():
        meta["title"] = title.strip()
    for key, name in (("CreationDate", "created"), ("ModDate", "modified")):
        m = re.match(r"^(D:)?(\d{4})(\d{2})(\d{2})", str(info.get(key) or ""))
        if m:
            meta[name] = f"{m.group(2)}-{m.group(3)}-{m.group(4)}"
    return meta


# ------------------------------------------------------------------ one page


def _read_page(page) -> tuple[list[Item], list[Box | None], int]:
    """The page's items, the regions to OCR (None = the whole page), how many doubled chars went."""
    number = page.page_number
    chars = page.chars
    real = [c for c in chars if not c["text"].isspace()]
    cids = sum(1 for c in real if c["text"].startswith("(cid:"))
    if len(real) - cids < MIN_TEXT_CHARS or cids > CID_SHARE * len(real):
        # No text layer: a scan, outlined glyphs, or a font without a Unicode map.
        if page.images or page.curves or cids:
            return [], [None], 0
        return [Line(number, [Segment(_text_of(real), _union(_box(c) for c in real))])] if real else [], [], 0

    deduped = 0
    if _has_doubles(real):
        keep = _dedupe(chars)
        deduped = len(chars) - len(keep)
        if deduped:
            ids = {id(c) for c in keep}
            page = page.filter(lambda o: o.get("object_type") != "char" or id(o) in ids)
            chars = keep
            real = [c for c in chars if not c["text"].isspace()]

    items: list[Item] = []
    tables = [t for t in page.find_tables() if len(t.cells) >= 2]  # one cell is a frame, not a table
    leftover = chars
    if tables:
        leftover = []
        parts = [_TableChars(t.cells) for t in tables]
        for c in chars:
            h = (c["x0"] + c["x1"]) / 2
            v = (c["top"] + c["bottom"]) / 2
            for part in parts:
                if part.take(c, h, v):
                    break
            else:
                leftover.append(c)
        from pdfplumber.utils import extract_text

        for part in parts:
            cells = [(box, extract_text(cs) if cs else "") for box, cs in zip(part.cells, part.chars)]
            if any(text for _, text in cells):  # an empty grid (a table's last border on a new page)
                items.append(TablePart(number, cells))
    x0, top, x1, bottom = page.bbox  # text beyond the page's edge is clipped: nobody sees it
    leftover = [c for c in leftover if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom]
    items.extend(_lines_from_chars(leftover, number))
    return items, _picture_regions(page, real), deduped


def _picture_regions(page, chars: list[dict]) -> list[Box | None]:
    """Large pictures with (almost) no text over them: a table pasted as a screenshot."""
    regions: list[Box | None] = []
    if not page.images:
        return regions
    px0, ptop, px1, pbottom = page.bbox
    area = (px1 - px0) * (pbottom - ptop)
    for im in page.images:
        box = (max(im["x0"], px0), max(im["top"], ptop), min(im["x1"], px1), min(im["bottom"], pbottom))
        if box[2] <= box[0] or box[3] <= box[1] or (box[2] - box[0]) * (box[3] - box[1]) < IMAGE_SHARE * area:
            continue
        over = sum(1 for c in chars if box[0] <= c["x0"] and c["x1"] <= box[2] and box[1] <= c["top"] and c["bottom"] <= box[3])
        if over < MIN_TEXT_CHARS:
            regions.append(box)
    return regions


class _TableChars:
    """Hands each character to the cell whose box holds its centre (as pdfplumber's Table.extract)."""

    def __init__(self, cells: list[Box]):
        self.cells = cells
        self.chars: list[list[dict]] = [[] for _ in cells]
        x0, top, x1, bottom = _union(cells)
        self.bbox = (x0, top, x1, bottom)
        self.xs = sorted({c[0] for c in cells})
        self.ys = sorted({c[1] for c in cells})
        self.grid: dict[tuple[int, int], int] = {}
        for k, (cx0, ctop, cx1, cbottom) in enumerate(cells):
            for i in range(bisect_left(self.ys, ctop), bisect_left(self.ys, cbottom)):
                for j in range(bisect_left(self.xs, cx0), bisect_left(self.xs, cx1)):
                    self.grid.setdefault((i, j), k)

    def take(self, c: dict, h: float, v: float) -> bool:
        x0, top, x1, bottom = self.bbox
        if not (x0 <= h < x1 and top <= v < bottom):
            return False
        k = self.grid.get((bisect_right(self.ys, v) - 1, bisect_right(self.xs, h) - 1))
        if k is None or not _inside(self.cells[k], h, v):
            k = next((n for n, box in enumerate(self.cells) if _inside(box, h, v)), None)
            if k is None:
                return False
        self.chars[k].append(c)
        return True


def _inside(box: Box, h: float, v: float) -> bool:
    return box[0] <= h < box[2] and box[1] <= v < box[3]


def _box(c: dict) -> Box:
    return c["x0"], c["top"], c["x1"], c["bottom"]


def _has_doubles(chars: list[dict]) -> bool:
    """Cheap test for doubly drawn text: two equal characters at (nearly) the same place."""
    return len({(c["text"], round(c["x0"]), round(c["top"])) for c in chars}) < len(chars)


def _dedupe(chars: list[dict], tolerance: float = 1.0) -> list[dict]:
    """pdfplumber's ``dedupe_chars`` (same text, font and size within ``tolerance``), in O(n log n)."""
    order = {id(c): n for n, c in enumerate(chars)}
    key = itemgetter("upright", "text", "fontname", "size")
    keep: list[dict] = []
    for _, group in groupby(sorted(chars, key=lambda c: (key(c), c["doctop"], c["x0"])), key=key):
        kept: list[dict] = []
        for c in group:
            duplicate = False
            for k in reversed(kept):
                if c["doctop"] - k["doctop"] > tolerance:
                    break
                if abs(c["x0"] - k["x0"]) <= tolerance:
                    duplicate = True
                    break
            if not duplicate:
                kept.append(c)
        keep.extend(kept)
    keep.sort(key=lambda c: order[id(c)])
    return keep


def _text_of(chars: list[dict]) -> str:
    return "".join(c["text"] for c in sorted(chars, key=itemgetter("top", "x0")))


def _lines_from_chars(chars: list[dict], page: int) -> list[Line]:
    """Cluster characters into lines (vertical overlap), split each line at wide gaps."""
    lines: list[Line | None] = []
    current: list[dict] = []
    bottom = 0.0
    for c in sorted(chars, key=itemgetter("top")):
        height = c["bottom"] - c["top"]
        if current and c["top"] < bottom - 0.4 * height:
            current.append(c)
            bottom = max(bottom, c["bottom"])
            continue
        if current:
            lines.append(_line(current, page))
        current, bottom = [c], c["bottom"]
    if current:
        lines.append(_line(current, page))
    return [line for line in lines if line is not None]


def _line(chars: list[dict], page: int) -> Line | None:
    """One line: split into segments at gaps wider than CELL_GAP; a space where the PDF has a space
    character or a gap wider than SPACE_GAP."""
    chars.sort(key=itemgetter("x0"))
    segments: list[Segment] = []
    text: list[str] = []
    box = [0.0, 0.0, 0.0, 0.0]
    prev = None
    space = False
    for c in chars:
        if c["text"].isspace():
            space = prev is not None
            continue
        if prev is not None:
            size = max(c.get("size") or 0, c["bottom"] - c["top"], 1.0)
            gap = c["x0"] - prev["x1"]
            if gap > CELL_GAP * size:
                segments.append(Segment("".join(text), tuple(box)))  # type: ignore[arg-type]
                prev = None
            elif space or gap > SPACE_GAP * size:
                text.append(" ")
        if prev is None:
            text, box = [], [c["x0"], c["top"], c["x1"], c["bottom"]]
        text.append(c["text"])
        box = [min(box[0], c["x0"]), min(box[1], c["top"]), max(box[2], c["x1"]), max(box[3], c["bottom"])]
        prev, space = c, False
    if prev is not None:
        segments.append(Segment("".join(text), tuple(box)))  # type: ignore[arg-type]
    return Line(page, segments) if segments else None


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
                    pieces.append(Piece("", _at(part.page, box, part.place)))
                else:
                    k, span = g
                    pieces.append(Piece(pg.texts[k], _at(part.page, pg.boxes[k], part.place),
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
        rows.extend(Row([Piece(line.text, _at(line.page, line.bbox, line.place))]) for line in lines[n:start])
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
            boxes[owner] = seg.bbox if boxes[owner] is None else _union([boxes[owner], seg.bbox])
            for j in covered[1:]:
                if not texts[j] and spans[j] is None:
                    spans[j] = owner
        pieces = []
        for j, (c0, c1) in enumerate(cols):
            if texts[j]:
                pieces.append(Piece(" ".join(texts[j]), _at(line.page, boxes[j], line.place)))  # type: ignore[arg-type]
            elif spans[j] is not None:
                o = spans[j]
                pieces.append(Piece(" ".join(texts[o]), _at(line.page, boxes[o], line.place), span=True))  # type: ignore[arg-type]
            else:
                pieces.append(Piece("", _at(line.page, (c0, line.top, c1, line.bottom), line.place)))
        rows.append(Row(pieces, table=table))
    return rows
