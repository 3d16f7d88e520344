"""parsers.ocr on pictures drawn here with Pillow (ruled tables, merged cells, blank cells), a
picture pasted into a text PDF, and the ways a picture can be broken or hostile."""

from __future__ import annotations

import importlib.util
import io
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from parsers import ocr
from parsers.model import ParseFailure, Row

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
needs_font = pytest.mark.skipif(not Path(FONT).exists(), reason="fonts-noto-cjk is not installed")
needs_ocr = pytest.mark.skipif(importlib.util.find_spec("rapidocr_onnxruntime") is None,
                               reason="rapidocr-onnxruntime is not installed")

# A table as (row, column, rowspan, colspan, text) on a grid of column widths and one row height.
T2 = {
    "widths": [300, 200, 200, 200],
    "cells": [
        (0, 0, 1, 4, "第二十条第（一）项"),
        (1, 0, 1, 1, "信息内容"), (1, 1, 1, 1, "本年制发件数"), (1, 2, 1, 1, "本年废止件数"), (1, 3, 1, 1, "现行有效件数"),
        (2, 0, 1, 1, "规章"), (2, 1, 1, 1, "0"), (2, 2, 1, 1, "0"), (2, 3, 1, 1, "0"),
        (3, 0, 1, 1, "行政规范性文件"), (3, 1, 1, 1, "15"), (3, 2, 1, 1, ""), (3, 3, 1, 1, "144"),
        (4, 0, 1, 1, "行政许可"), (4, 1, 1, 3, "20815"),
    ],
}
T3 = {
    "widths": [240, 420, 140, 140],
    "cells": [
        (0, 0, 1, 2, "申请人情况"), (0, 2, 1, 1, "自然人"), (0, 3, 1, 1, "总计"),
        (1, 0, 2, 1, "（三）不予公开"), (1, 1, 1, 1, "1.属于国家秘密"), (1, 2, 1, 1, "2"), (1, 3, 1, 1, "2"),
        (2, 1, 1, 1, "2.其他法律行政法规禁止公开"), (2, 2, 1, 1, ""), (2, 3, 1, 1, "7"),
    ],
}
ROW = 64
SIZE = 30


def draw_report(*, angle: float = 0.0):
    """A page of a report as a scanner would see it: headings, two ruled tables, a closing line."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, SIZE)
    image = Image.new("L", (1100, 1000), 255)
    draw = ImageDraw.Draw(image)
    y = 40
    draw.text((60, y), "二、主动公开政府信息情况", font=font, fill=0)
    y += 70
    y = _table(draw, font, T2, 60, y) + 40
    draw.text((60, y), "三、收到和处理政府信息公开申请情况", font=font, fill=0)
    y += 70
    y = _table(draw, font, T3, 60, y) + 40
    draw.text((60, y), "本年度未收取信息处理费。", font=font, fill=0)
    if angle:
        image = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    return image


def _table(draw, font, table, left, top) -> int:
    xs = [left]
    for width in table["widths"]:
        xs.append(xs[-1] + width)
    nrows = max(r + rs for r, _, rs, _, _ in table["cells"])
    for r, c, rs, cs, text in table["cells"]:
        x0, y0, x1, y1 = xs[c], top + r * ROW, xs[c + cs], top + (r + rs) * ROW
        draw.rectangle((x0, y0, x1, y1), outline=0, width=2)
        if text:
            tw = draw.textlength(text, font=font)
            draw.text(((x0 + x1 - tw) / 2, (y0 + y1 - SIZE) / 2 - 4), text, font=font, fill=0)
    return top + nrows * ROW


def png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def cells(row: Row) -> list[str]:
    return [p.text for p in row.pieces]


def table_rows(rows: list[Row]) -> list[list[str]]:
    return [cells(r) for r in rows if r.table is not None]


EXPECTED_T2 = [
    ["第二十条第（一）项"] * 4,
    ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
    ["规章", "0", "0", "0"],
    ["行政规范性文件", "15", "", "144"],
    ["行政许可", "20815", "20815", "20815"],
]
EXPECTED_T3 = [
    ["申请人情况", "申请人情况", "自然人", "总计"],
    ["（三）不予公开", "1.属于国家秘密", "2", "2"],
    ["（三）不予公开", "2.其他法律行政法规禁止公开", "", "7"],
]


# ------------------------------------------------------------------ ruling lines (no OCR needed)


@needs_font
def test_ruling_lines_become_cells_with_merges():
    import numpy as np

    tables = ocr.find_table_cells(np.asarray(draw_report()), line_height=40)
    assert [len(t) for t in tables] == [15, 10]
    t2 = sorted(tables[0], key=lambda b: (b[1], b[0]))
    first = t2[0]  # 第二十条第（一）项 spans the whole width
    assert abs(first[0] - 60) <= 3 and abs(first[2] - 960) <= 3 and abs((first[3] - first[1]) - ROW) <= 3


# ------------------------------------------------------------------ pictures through OCR


@pytest.mark.slow
@needs_ocr
@needs_font
def test_image_rows_cells_and_merged_cells():
    layout = ocr.layout_from_image(png(draw_report()), page=3)
    assert layout.kind == "ocr"
    rows = layout.rows
    texts = [r.text for r in rows]
    assert texts[0] == "二、主动公开政府信息情况" and rows[0].table is None
    assert texts[-1] == "本年度未收取信息处理费。" and rows[-1].table is None
    heading = texts.index("三、收到和处理政府信息公开申请情况")
    assert [cells(r) for r in rows[1:heading]] == EXPECTED_T2
    assert [cells(r) for r in rows[heading + 1:-1]] == EXPECTED_T3
    assert {r.table for r in rows[1:heading]} == {1} and {r.table for r in rows[heading + 1:-1]} == {2}
    spans = [[p.span for p in r.pieces] for r in rows if r.table is not None]
    assert spans[0] == [False, True, True, True]
    assert spans[4] == [False, False, True, True]
    assert spans[5] == [False, True, False, False] and spans[7] == [True, False, False, False]
    for row in rows:
        for piece in row.pieces:
            assert piece.at["page"] == 3
            x0, top, x1, bottom = piece.at["bbox"]
            assert 0 <= x0 < x1 <= 1100 and 0 <= top < bottom <= 1000  # pixels of the picture
    licensing = rows[5]
    assert licensing.pieces[1].at["bbox"] == pytest.approx([360, 366, 960, 430], abs=4)


@pytest.mark.slow
@needs_ocr
@needs_font
def test_large_skewed_photo_is_shrunk_deskewed_and_mapped_back():
    """A 2750-pixel-wide JPEG, 1.5° off: read at the engine's size, rows intact, boxes in its pixels."""
    from PIL import Image

    image = draw_report(angle=1.5)
    big = image.resize((image.width * 5 // 2, image.height * 5 // 2), Image.LANCZOS)
    out = io.BytesIO()
    big.convert("RGB").save(out, "JPEG", quality=90)
    layout = ocr.layout_from_image(out.getvalue())
    assert table_rows(layout.rows) == EXPECTED_T2 + EXPECTED_T3
    boxes = [p.at["bbox"] for r in layout.rows for p in r.pieces]
    assert max(b[2] for b in boxes) > 2000  # original pixels, not the shrunk copy's
    assert all(0 <= b[0] < b[2] <= big.width + 5 and 0 <= b[1] < b[3] <= big.height + 5 for b in boxes)


@pytest.mark.slow
@needs_ocr
@needs_font
def test_multipage_tiff_gives_one_page_per_frame():
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 36)
    frames = []
    for text in ("第一页内容", "第二页内容"):
        frame = Image.new("L", (400, 120), 255)
        ImageDraw.Draw(frame).text((40, 40), text, font=font, fill=0)
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    layout = ocr.layout_from_image(out.getvalue())
    assert [(r.text, r.pieces[0].at["page"]) for r in layout.rows] == [("第一页内容", 1), ("第二页内容", 2)]


@pytest.mark.slow
@needs_ocr
@needs_font
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_table_pasted_as_picture_into_a_text_pdf(tmp_path):
    """Text from the text layer, the table from OCR of the picture, in page order."""
    import docx
    from docx.shared import Mm

    from parsers.pdf import layout_from_pdf

    picture = draw_report().crop((40, 90, 980, 450))  # table 二 only
    (tmp_path / "t2.png").write_bytes(png(picture))
    d = docx.Document()
    d.add_paragraph("二、主动公开政府信息情况")
    d.add_picture(str(tmp_path / "t2.png"), width=Mm(150))
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    d.save(tmp_path / "pasted.docx")
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "pasted.docx")], check=True, capture_output=True, timeout=180)
    data = (tmp_path / "pasted.pdf").read_bytes()
    text_only = layout_from_pdf(data, ocr=False)
    assert text_only.kind == "pdf" and [r.text for r in text_only.rows] == [
        "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]
    assert any("没有 OCR" in n for n in text_only.notes)
    layout = layout_from_pdf(data)
    assert layout.kind == "ocr" and any("OCR 识别" in n for n in layout.notes)
    rows = layout.rows
    assert rows[0].text == "二、主动公开政府信息情况" and rows[-1].text == "三、收到和处理政府信息公开申请情况"
    assert [cells(r) for r in rows[1:-1]] == EXPECTED_T2
    for piece in rows[1].pieces:
        x0, top, x1, bottom = piece.at["bbox"]
        assert piece.at["page"] == 1 and 0 <= x0 < x1 <= 612 and 0 <= top < bottom <= 842  # points


@pytest.mark.slow
@needs_ocr
@needs_font
def test_scanned_pdf_of_pictures(tmp_path):
    """layout_from_pdf_scan takes an open pdfplumber PDF (or bytes) and reads every page."""
    import pdfplumber

    out = io.BytesIO()
    draw_report().save(out, "PDF", resolution=150)  # 1100 × 1000 px at 150 dpi = 528 × 480 pt
    with pdfplumber.open(io.BytesIO(out.getvalue())) as pdf:
        layout = ocr.layout_from_pdf_scan(pdf)
    assert layout.kind == "ocr"
    assert table_rows(layout.rows) == EXPECTED_T2 + EXPECTED_T3
    x0, top, x1, bottom = layout.rows[0].pieces[0].at["bbox"]
    assert x0 == pytest.approx(60 * 72 / 150, abs=3) and x1 < 528 and bottom < 480  # points


@pytest.mark.slow
@needs_ocr
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_scanned_report_reads_like_its_text_pdf():
    """Seed 001 printed to PDF, every page turned into a picture: OCR gives the same 200 cells."""
    import pypdfium2 as pdfium

    from demo.render import render_pdf
    from parsers import parse_document

    from .reports import seed_spec

    data = render_pdf(seed_spec("001"))
    doc = pdfium.PdfDocument(data)
    pages = [doc[i].render(scale=200 / 72).to_pil().convert("L") for i in range(len(doc))]
    doc.close()
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=200)
    text = parse_document(data, "r.pdf")
    scan = parse_document(out.getvalue(), "scan.pdf")
    assert scan.error is None and scan.kind == "ocr" and scan.missing == []
    assert len(text.cells) == 200
    assert {k: c.value for k, c in scan.cells.items()} == {k: c.value for k, c in text.cells.items()}


# ------------------------------------------------------------------ broken and hostile pictures


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size and has no pixel data: reading it must stop at the header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


@needs_ocr
@pytest.mark.parametrize("width,height", [(10_000, 10_000), (100_000, 100_000)])
def test_huge_picture_is_refused_before_decoding(width, height):
    with pytest.raises(ParseFailure) as e:
        ocr.layout_from_image(_png_header(width, height))
    assert e.value.code == "image_too_large"


@needs_ocr
@needs_font
@pytest.mark.parametrize("data", [b"", b"not a picture at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "truncated"])
def test_broken_picture_is_a_parse_failure(data):
    if data == "truncated":
        data = png(draw_report())[:3000]
    with pytest.raises(ParseFailure) as e:
        ocr.layout_from_image(data)
    assert e.value.code == "corrupt_image"


@needs_font
@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "PNG", "JPEG", "WEBP"])
def test_picture_formats_decode_to_greyscale(fmt):
    from PIL import Image

    image = draw_report()
    out = io.BytesIO()
    (image.convert("RGB") if fmt in ("JPEG", "WEBP") else image.convert("P") if fmt == "GIF" else image).save(out, fmt)
    gray, factor = ocr._prepare(Image.open(io.BytesIO(out.getvalue())))
    assert gray.shape == (1000, 1100) and gray.dtype.name == "uint8" and factor == 1.0


@needs_font
def test_sideways_photo_is_turned_upright():
    """A phone photo stored sideways with an EXIF orientation: OCR sees it as it is shown."""
    import numpy as np
    from PIL import Image

    upright = draw_report().convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    out = io.BytesIO()
    upright.rotate(90, expand=True).save(out, "JPEG", quality=95, exif=exif.tobytes())
    gray, factor = ocr._prepare(Image.open(io.BytesIO(out.getvalue())))
    assert gray.shape == (1000, 1100) and factor == 1.0
    assert np.abs(gray.astype(int) - np.asarray(upright.convert("L"), dtype=int)).mean() < 8


def test_ocr_engine_is_made_once():
    pytest.importorskip("rapidocr_onnxruntime")
    assert ocr.get_engine() is ocr.get_engine()


def test_missing_ocr_engine_is_a_clear_parse_failure(monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import fails
    monkeypatch.setattr(ocr, "_engine", None)
    with pytest.raises(ParseFailure) as e:
        ocr.layout_from_image(b"whatever")
    assert e.value.code == "ocr_unavailable"
    assert e.value.message == "未安装 OCR 引擎：pip install 'nianbao[ocr]'"


def test_missing_ocr_engine_on_a_scanned_pdf(monkeypatch):
    from PIL import Image

    from parsers.pdf import layout_from_pdf

    out = io.BytesIO()
    Image.new("L", (800, 1100), 255).save(out, "PDF", resolution=100)
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    monkeypatch.setattr(ocr, "_engine", None)
    with pytest.raises(ParseFailure) as e:
        layout_from_pdf(out.getvalue())
    assert e.value.code == "ocr_unavailable"
