"""PDF → :class:`Layout`: ruled tables cell by cell, text outside them line by line, OCR where there is no text.

Per page (pdfplumber): drop doubly drawn characters (WPS draws bold text twice), find the ruled tables
once (``find_tables``, lines strategy), give every character to the table cell it lies in or else to a
text line. Lines whose words stand apart in columns of numbers become the rows of a borderless table.
A page without a text layer (no characters, or ``(cid:NN)`` garbage) is rendered and OCR'd
(:mod:`parsers.ocr`); so is a large picture on a text page that has no text over it (a pasted
screenshot of a table).

Geometry is kept as :class:`Line` and :class:`TablePart` items in page coordinates and turned into rows
by :func:`parsers.positioned.assemble`, which OCR shares: it joins a table that runs on from one page to the next (same
left and right edges, nothing but a page number between) into one table with one column grid, so the
column headings on page 1 line up with the numbers on page 2.
"""

from __future__ import annotations

import io
import logging
import re
import time
from bisect import bisect_left, bisect_right
from itertools import groupby
from operator import itemgetter
from typing import Any

from .model import Layout, ParseFailure
from .positioned import (
    Box,
    Item,
    Line,
    Segment,
    TablePart,
    assemble,
    reason,
    union,
)

log = logging.getLogger(__name__)

MAX_PAGES = 60
MIN_TEXT_CHARS = 5  # a page with fewer real characters than this has no text layer
CID_SHARE = 0.3  # more than this share of "(cid:NN)" characters: the text layer is garbage
IMAGE_SHARE = 0.08  # a picture covering this share of a page, with no text over it, is OCR'd (a seal is ~3 %)
SPACE_GAP = 0.3  # a gap wider than this × the font size between two characters is a space …
CELL_GAP = 1.0  # … and wider than this × the font size it separates two cells of a borderless table

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
            raise ParseFailure("corrupt_pdf", f"PDF 文件已损坏，无法读取页面：{reason(e)}") from e
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
                failed.append(f"第 {number} 页（{reason(e)}）")
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
                    raise ParseFailure("corrupt_pdf", f"PDF 文件无法渲染：{reason(e)}") from e
            found: list[Item] = []
            for region in regions:
                found.extend(ocr.items_from_pdf_page(self.doc, number, region=region))
        except ParseFailure as e:  # no OCR engine, or pdfium cannot open the file: no page will do
            self.failure = e
            self.notes.append(e.message)
            return None
        except Exception as e:  # pdfium or the engine on this page
            log.info("OCR of page %s failed: %r", number, e)
            self.notes.append(f"第 {number} 页 OCR 失败：{reason(e)}")
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
        raise ParseFailure("corrupt_pdf", f"PDF 文件已损坏或不完整：{reason(cause)}") from e
    except Exception as e:  # anything else pdfminer trips over while reading the trailer
        if _is_password_problem(e):
            raise ParseFailure("encrypted", "PDF 已加密，无法读取") from e
        raise ParseFailure("corrupt_pdf", f"PDF 文件已损坏或不完整：{reason(e)}") from e


def _is_password_problem(e: BaseException) -> bool:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    return isinstance(e, (PDFPasswordIncorrect, PDFEncryptionError)) or type(e).__name__ in {
        "PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"}


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
        return [Line(number, [Segment(_text_of(real), union(_box(c) for c in real))])] if real else [], [], 0

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
        x0, top, x1, bottom = union(cells)
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


