"""OCR of pictures and scanned PDF pages (rapidocr-onnxruntime, an optional dependency).

The picture is read once by the OCR engine (text boxes) and once by OpenCV (ruling lines): the
horizontal and vertical lines become table cells through pdfplumber's own cell finder, each text box
goes into the cell that holds its centre (a cell with ink but no box, typically a lone "1", is
recognised on its own), and the boxes outside tables are clustered into lines. A page a degree or
two off is straightened first (the angle comes from the text boxes).
From there on a scan is treated like a text PDF (:func:`parsers.positioned.assemble`): tables run on across
pages, columns of numbers without rules become borderless tables.

Positions are page coordinates: points for PDF pages, pixels of the original picture for images.
"""

from __future__ import annotations

import io
import math
import threading
import time
import warnings
from typing import Any

from . import ocrconf
from .model import Layout, ParseFailure
from .positioned import Box, Item, Line, Segment, TablePart, assemble, reason

MAX_PAGES = 20  # scanned pages OCR'd per document (2–8 s each on two cores) …
TIME_BUDGET = 240  # … and no new page once this many seconds have gone
MAX_FRAMES = 20  # pages of a multi-page TIFF
DPI = 200  # rendering resolution for scanned PDF pages …
OCR_SIDE = 2000  # … capped so that the long side has at most this many pixels (the engine's own cap)
MAX_IMAGE_PIXELS = 80_000_000  # larger pictures are refused before decoding (decompression bombs)
MIN_SCORE = 0.5  # OCR boxes recognised with less confidence are dropped
INSTALL_HINT = "未安装 OCR 引擎：pip install 'nianbao[ocr]'"

_engine: Any = None
_engine_lock = threading.Lock()


def get_engine() -> Any:
    """The process's one RapidOCR instance (loading the models takes a second)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as e:
                    raise ParseFailure("ocr_unavailable", INSTALL_HINT) from e
                _engine = RapidOCR()
    return _engine


def _cv():
    try:
        import cv2
        import numpy as np
    except ImportError as e:
        raise ParseFailure("ocr_unavailable", INSTALL_HINT) from e
    return cv2, np


# ------------------------------------------------------------------ entry points


def layout_from_image(data: bytes, *, page: int = 1, upright: bool = False) -> Layout:
    """OCR a picture (.png .jpg .gif .bmp .tif). A multi-page TIFF gives pages ``page``, ``page``+1, …
    ``upright``: a screenshot pasted in a page (no text box in it is upside down)."""
    from PIL import Image, ImageSequence

    get_engine()  # fail early and plainly when OCR is not installed
    try:
        with warnings.catch_warnings():  # _prepare applies our own, lower, limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:
        raise ParseFailure("image_too_large", f"图片过大，拒绝读取：{e}") from e
    except Exception as e:  # PIL raises many kinds on a broken file
        raise ParseFailure("corrupt_image", f"图片无法读取：{reason(e)}") from e
    notes: list[str] = []
    items: list[Item] = []
    frames = 0
    try:
        for n, frame in enumerate(ImageSequence.Iterator(im)):
            if n >= MAX_FRAMES:
                notes.append(f"图片共有多页，只识别了前 {MAX_FRAMES} 页")
                break
            gray, factor = _prepare(frame)
            frames += 1
            items.extend(items_from_gray(gray, page=page + n, scale=1 / factor, upright=upright))
    except ParseFailure:
        raise
    except Image.DecompressionBombError as e:
        raise ParseFailure("image_too_large", f"图片过大，拒绝读取：{e}") from e
    except Exception as e:  # truncated or broken pixel data (from PIL while decoding a frame)
        if not frames:
            raise ParseFailure("corrupt_image", f"图片无法读取：{reason(e)}") from e
        notes.append(f"图片第 {frames + 1} 页起无法读取：{reason(e)}")
    finally:
        im.close()
    notes.insert(0, "图片经 OCR 识别")
    return Layout(rows=assemble(items), kind="ocr", notes=notes)


def layout_from_pdf_scan(pdf: Any, *, max_pages: int = MAX_PAGES, dpi: int = DPI) -> Layout:
    """OCR every page of a scanned PDF (bytes, or an open pdfplumber PDF) up to ``max_pages``."""
    import pypdfium2 as pdfium

    get_engine()
    if not isinstance(pdf, (bytes, bytearray, memoryview)):  # a pdfplumber PDF: read its stream
        stream = pdf.stream
        stream.seek(0)
        pdf = stream.read()
    try:
        doc = pdfium.PdfDocument(bytes(pdf))
    except Exception as e:
        raise ParseFailure("corrupt_pdf", f"PDF 文件无法渲染：{reason(e)}") from e
    notes = []
    items: list[Item] = []
    try:
        total = len(doc)
        if total == 0:
            raise ParseFailure("empty", "PDF 没有任何页面")
        if total > max_pages:
            notes.append(f"PDF 共 {total} 页，只识别了前 {max_pages} 页")
        started = time.monotonic()
        for number in range(1, min(total, max_pages) + 1):
            if number > 1 and time.monotonic() - started > TIME_BUDGET:
                notes.append(f"OCR 超过 {TIME_BUDGET} 秒，只识别了前 {number - 1} 页")
                break
            try:
                items.extend(items_from_pdf_page(doc, number, dpi=dpi))
            except ParseFailure:
                raise
            except Exception as e:  # pdfium on a broken page
                notes.append(f"第 {number} 页无法渲染：{reason(e)}")
    finally:
        doc.close()
    notes.insert(0, "PDF 经 OCR 识别")
    return Layout(rows=assemble(items), kind="ocr", notes=notes)


def items_from_pdf_page(doc: Any, number: int, *, region: Box | None = None, dpi: int = DPI) -> list[Item]:
    """Render page ``number`` (1-based) of a pypdfium2 document, or only ``region`` of it (points,
    top-left origin), and OCR it into items in page coordinates (points)."""
    page = doc[number - 1]
    try:
        width, height = page.get_size()
        x0, top, x1, bottom = region if region is not None else (0.0, 0.0, width, height)
        side = max(x1 - x0, bottom - top, 1.0)
        scale = min(dpi / 72, OCR_SIDE / side)
        bitmap = page.render(scale=scale, grayscale=True,
                             crop=(x0, height - bottom, width - x1, top))  # left, bottom, right, top
        gray = bitmap.to_numpy().copy()
        bitmap.close()
    finally:
        page.close()
    if gray.ndim == 3:
        gray = gray[:, :, 0]
    return items_from_gray(gray, page=number, scale=1 / scale, offset=(x0, top))


def _prepare(im: Any) -> tuple[Any, float]:
    """A greyscale array of a picture, upright, shrunk so its long side is at most OCR_SIDE; and the
    factor from the picture's own pixels (as it is shown) to the array's."""
    from PIL import Image, ImageOps

    _, np = _cv()
    w, h = im.size
    if w * h > MAX_IMAGE_PIXELS:
        raise ParseFailure("image_too_large", f"图片过大（{w}×{h} 像素），拒绝读取")
    factor = min(1.0, OCR_SIDE / max(w, h, 1))
    if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # EXIF orientation: a photo taken sideways
        w, h = h, w
    target = (max(1, round(w * factor)), max(1, round(h * factor)))
    if factor < 1 and im.format == "JPEG":  # decode at a reduced size straight away
        im.draft("L", (max(1, round(im.size[0] * factor)), max(1, round(im.size[1] * factor))))
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), im)
    im = im.convert("L")
    if im.size != target:
        im = im.resize(target, Image.LANCZOS)
    return np.asarray(im, dtype=np.uint8), target[0] / w


# ------------------------------------------------------------------ a picture → items


def items_from_gray(gray: Any, *, page: int, scale: float = 1.0,
                    offset: tuple[float, float] = (0.0, 0.0), upright: bool = False) -> list[Item]:
    """OCR one greyscale picture. Pixel (x, y) is page position (offset + scale · (x, y))."""
    cv2, np = _cv()
    engine = get_engine()
    # a screenshot pasted in a page is upright: the engine's per-box angle classifier would turn a lone
    # “6” into a confident “9”; scans and photos keep it (a page may be fed upside down)
    result, _ = engine(gray, use_cls=not upright)
    boxes = []  # (quad as 4×2 array, text)
    scores = []
    for quad, text, score in result or []:
        text = str(text).strip()
        if text and float(score) >= MIN_SCORE:
            boxes.append((np.asarray(quad, dtype=np.float64), text))
            scores.append(float(score))
    if not boxes:
        return []

    heights = sorted(float(q[:, 1].max() - q[:, 1].min()) for q, _ in boxes)
    line_height = heights[len(heights) // 2]

    # Deskew: a scan a degree or two off makes rows drift across a wide table.
    angle = _skew(boxes)
    ox, oy = offset
    inverse = None
    if angle:
        h, w = gray.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        gray = cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
        boxes = [(cv2.transform(q.reshape(1, 4, 2), matrix).reshape(4, 2), t) for q, t in boxes]
        inverse = cv2.invertAffineTransform(matrix)

    def to_page(b: Box) -> Box:
        return ox + b[0] * scale, oy + b[1] * scale, ox + b[2] * scale, oy + b[3] * scale

    place = None
    if inverse is not None:
        def place(b: Box) -> Box:  # page box on the deskewed picture → where it is on the page
            px = [((b[0] - ox) / scale, (b[1] - oy) / scale), ((b[2] - ox) / scale, (b[1] - oy) / scale),
                  ((b[0] - ox) / scale, (b[3] - oy) / scale), ((b[2] - ox) / scale, (b[3] - oy) / scale)]
            pts = cv2.transform(np.asarray([px], dtype=np.float64), inverse)[0]
            return to_page((float(pts[:, 0].min()), float(pts[:, 1].min()),
                            float(pts[:, 0].max()), float(pts[:, 1].max())))

    rects = [((float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max())), t)
             for q, t in boxes]
    for (rect, _), score in zip(rects, scores):  # how sure the engine was, where the layout will have it
        ocrconf.record(page, place(to_page(rect)) if place else to_page(rect), score)
    tables = find_table_cells(gray, line_height=line_height)

    items: list[Item] = []
    loose = []
    filled: list[list[list[tuple[Box, str]]]] = [[[] for _ in cells] for cells in tables]
    for rect, text in rects:
        cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
        for t, cells in enumerate(tables):
            k = next((k for k, c in enumerate(cells) if c[0] <= cx < c[2] and c[1] <= cy < c[3]), None)
            if k is not None:
                filled[t][k].append((rect, text))
                break
        else:
            loose.append((rect, text))
    for cells, contents in zip(tables, filled):
        if not any(contents):
            continue
        for cell, content in zip(cells, contents):
            if not content and (read := _read_cell(engine, gray, cell, line_height)):
                content.append((cell, read[0]))
                page_box = to_page(cell)
                ocrconf.record(page, place(page_box) if place else page_box, read[1])
        part = [(to_page(c), _cell_text(content, line_height)) for c, content in zip(cells, contents)]
        items.append(TablePart(page, part, place))
    for row in _rows(loose, line_height):
        items.append(Line(page, [Segment(text, to_page(rect)) for rect, text in row], place))
    items.sort(key=lambda it: it.top)
    return items


def _read_cell(engine: Any, gray: Any, cell: Box, line_height: float) -> tuple[str, float] | None:
    """Text in a cell where detection found none: a lone narrow digit (“1”) is easily missed.
    Only when there is ink inside the cell's rules, and then recognition alone on the ink."""
    _, np = _cv()
    margin = max(4, int(0.15 * line_height))
    x0, y0, x1, y1 = (int(round(v)) for v in cell)
    crop = gray[y0 + margin:y1 - margin, x0 + margin:x1 - margin]
    if crop.size == 0:
        return None
    ys, xs = np.nonzero(crop < 128)
    if len(ys) < 12 or ys.max() - ys.min() + 1 < 0.3 * line_height:
        return None
    pad = max(3, int(0.3 * (ys.max() - ys.min() + 1)))
    ink = crop[max(0, ys.min() - pad):ys.max() + pad + 1, max(0, xs.min() - pad):xs.max() + pad + 1]
    result, _ = engine(np.ascontiguousarray(ink), use_det=False, use_cls=False)
    if not result:
        return None
    text, score = str(result[0][0]).strip(), float(result[0][1])
    return (text, score) if text and score >= MIN_SCORE else None


def _skew(boxes: list) -> float:
    """The page's skew in degrees (from the top edges of long text boxes); 0 when negligible."""
    angles = []
    for q, _ in boxes:
        dx, dy = q[1][0] - q[0][0], q[1][1] - q[0][1]
        height = abs(q[3][1] - q[0][1])
        if dx > 3 * max(height, 1):
            angles.append(math.degrees(math.atan2(dy, dx)))
    if len(angles) < 3:
        return 0.0
    angles.sort()
    angle = angles[len(angles) // 2]
    return angle if 0.3 <= abs(angle) <= 10 else 0.0


def _rows(boxes: list[tuple[Box, str]], line_height: float) -> list[list[tuple[Box, str]]]:
    """Cluster boxes into rows by their vertical centre, each row left to right."""
    rows: list[list[tuple[Box, str]]] = []
    centre = 0.0
    for rect, text in sorted(boxes, key=lambda b: (b[0][1] + b[0][3]) / 2):
        cy = (rect[1] + rect[3]) / 2
        if rows and cy - centre <= 0.5 * line_height:
            rows[-1].append((rect, text))
            centre = sum((r[1] + r[3]) / 2 for r, _ in rows[-1]) / len(rows[-1])
        else:
            rows.append([(rect, text)])
            centre = cy
    return [sorted(row, key=lambda b: b[0][0]) for row in rows]


def _cell_text(content: list[tuple[Box, str]], line_height: float) -> str:
    return "\n".join(" ".join(t for _, t in row) for row in _rows(content, line_height))


# ------------------------------------------------------------------ ruling lines → cells


def find_table_cells(gray: Any, *, line_height: float = 30.0) -> list[list[Box]]:
    """Tables drawn with lines on a greyscale picture, each as its cells (pixel boxes).

    Lines are found with morphological opening (long thin runs of dark pixels), then handed to
    pdfplumber's cell finder as edges, exactly as a PDF's drawn lines would be.
    """
    cv2, np = _cv()
    from pdfplumber.table import (
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
        merge_edges,
    )

    h, w = gray.shape
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    # Longer than any stroke of a character, shorter than the side of the smallest cell.
    run = max(12, int(0.9 * line_height))
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, run)))
    edges = []
    for mask, orientation in ((horizontal, "h"), (vertical, "v")):
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for x, y, bw, bh, _ in stats[1:n]:
            x, y, bw, bh = float(x), float(y), float(bw), float(bh)
            if orientation == "h":
                if bw < 2 * run or bh > 0.5 * line_height:  # short or thick: not a rule
                    continue
                edges.append({"x0": x, "x1": x + bw, "top": y + bh / 2, "bottom": y + bh / 2,
                              "width": bw, "height": 0.0, "orientation": "h", "object_type": "line"})
            else:
                if bh < run or bw > 0.5 * line_height:
                    continue
                edges.append({"x0": x + bw / 2, "x1": x + bw / 2, "top": y, "bottom": y + bh,
                              "width": 0.0, "height": bh, "orientation": "v", "object_type": "line"})
    if not edges:
        return []
    tolerance = max(3.0, line_height / 6)
    edges = merge_edges(edges, snap_x_tolerance=tolerance, snap_y_tolerance=tolerance,
                        join_x_tolerance=tolerance, join_y_tolerance=tolerance)
    intersections = edges_to_intersections(edges, tolerance, tolerance)
    cells = intersections_to_cells(intersections)
    minimum = 0.5 * line_height
    cells = [c for c in cells if c[2] - c[0] >= minimum and c[3] - c[1] >= minimum]
    return [table for table in cells_to_tables(cells) if len(table) >= 2]
