"""Tables as pictures: a report rendered through LibreOffice, its pages turned into pictures (a scan, or
tables pasted as images) and read back by OCR — every cell with the engine's confidence; a rule that
would fail on a low-confidence cell is not_assessable instead."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
from pathlib import Path

import pytest

from crawler.ingest import check_report
from parsers import ocrconf, parse_document
from parsers.model import Cell, Report
from parsers.rules import check, failed_errors

from .reports import seed_spec

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
needs_ocr = pytest.mark.skipif(importlib.util.find_spec("rapidocr_onnxruntime") is None or not Path(FONT).exists(),
                               reason="rapidocr-onnxruntime or fonts-noto-cjk is not installed")


def pictures_of(spec) -> bytes:
    """The report's pages as one multi-page TIFF, 200 dpi greyscale (what a scanner or a CMS keeps)."""
    import pypdfium2 as pdfium

    from demo.render import render_pdf

    doc = pdfium.PdfDocument(render_pdf(spec))
    pages = [doc[i].render(scale=200 / 72).to_pil().convert("L") for i in range(len(doc))]
    doc.close()
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    return out.getvalue()


@pytest.fixture(scope="module")
def inconsistent_picture():
    spec = seed_spec("001")
    cells = dict(spec.cells)
    cells["t3.carried_out.natural"] = "3"  # 结转下年度 3 more than the rest of the table allows
    cells["t3.carried_out.total"] = "3"
    spec = dataclasses.replace(spec, cells=cells)
    return spec, parse_document(pictures_of(spec), "scan.tif", name="scan.tif")


@needs_ocr
def test_picture_tables_are_read_with_confidence(inconsistent_picture):
    spec, report = inconsistent_picture
    assert report.error is None and report.kind == "ocr"
    assert report.missing == []
    assert {k: c.raw for k, c in report.cells.items()} == {k: v for k, v in spec.cells.items()}
    for key, cell in report.cells.items():
        assert 0.5 <= cell.at["conf"] <= 1.0, key  # every cell read by OCR says how sure it was
        assert {"page", "bbox"} <= set(cell.at)


@needs_ocr
def test_low_confidence_cells_make_a_failing_rule_not_assessable(inconsistent_picture, monkeypatch):
    _, report = inconsistent_picture
    checked = check_report(report)
    balance = next(r for r in checked.rules if r.rule == "T3-BALANCE" and r.scope == "natural")
    assert balance.status == "fail"  # read with confidence: the office's numbers do not add up
    monkeypatch.setattr(ocrconf, "LOW", 1.01)  # now every OCR'd cell counts as unsure
    assert report.cells["t3.carried_out.natural"].low_confidence
    assert report.cells["t3.carried_out.natural"].to_json()["low_confidence"] is True
    unsure = next(r for r in check(report) if r.rule == "T3-BALANCE" and r.scope == "natural")
    assert unsure.status == "not_assessable"
    assert "低置信度" in unsure.message


def test_low_confidence_rules_without_ocr():
    """The rule side on a hand-built report: a low-confidence cell never fails a rule; others still do."""
    report = Report(source="x", format="2021", year=2021)
    for key, value, conf in [("t4.review.upheld", 1, 0.97), ("t4.review.corrected", 0, 0.97),
                             ("t4.review.other", 0, 0.97), ("t4.review.pending", 0, 0.97),
                             ("t4.review.total", 8, 0.41),  # “8” for a faint “1”
                             ("t4.suit_direct.upheld", 2, 0.99), ("t4.suit_direct.corrected", 0, 0.99),
                             ("t4.suit_direct.other", 0, 0.99), ("t4.suit_direct.pending", 0, 0.99),
                             ("t4.suit_direct.total", 3, 0.99)]:
        report.cells[key] = Cell(key, value, str(value), {"page": 1, "bbox": [0, 0, 1, 1], "conf": conf})
    report.cells["t4.suit_after_review.total"] = Cell("t4.suit_after_review.total", None, "l0", {"conf": 0.3}, invalid=True)
    by = {(r.rule, r.scope): r for r in check(report)}
    assert by[("T4-TOTAL", "review")].status == "not_assessable"
    assert by[("T4-TOTAL", "suit_direct")].status == "fail"
    assert by[("VALUE-DOMAIN", "t4.suit_after_review.total")].status == "not_assessable"


# ---------------------------------------------------------------- an article whose tables are pictures
def draw_table(table, size: int = 26, wrap: int = 14) -> bytes:
    """One report table as a screenshot: ruled cells, merged cells merged, long labels wrapped (what the
    demo web's pictured site serves, demo/pictures.py)."""
    from demo.pictures import table_png

    return table_png(table, size, wrap)


@needs_ocr
def test_article_whose_tables_are_pictures():
    import html as htmlmod

    from demo.render import _blocks, title

    spec = seed_spec("003")
    parts, images = [], {}
    for block in _blocks(spec):
        if block.kind == "table":
            src = f"/picture/{len(images) + 1}.png"
            images[f"http://x.gov.cn{src}"] = draw_table(block.table)
            parts.append(f'<p><img src="{src}" width="900"></p>')
        else:
            parts.append(f"<p>{htmlmod.escape(block.text)}</p>")
    page = (f"<html><head><meta charset='utf-8'><title>{title(spec)}</title></head><body>"
            + "\n".join(parts) + "</body></html>").encode()
    without = parse_document(page, "http://x.gov.cn/a.html", name="a.html")
    assert without.error is not None  # the page alone has no tables
    report = check_report(parse_document(page, "http://x.gov.cn/a.html", name="a.html", images=images))
    assert report.error is None, report.error
    assert report.kind == "html+ocr" and report.unit == spec.unit and report.year == spec.year
    assert report.missing == []
    # every cell is read as printed, or flagged: the engine was unsure, or read something that is no
    # number (“¥0” for a 0 in a tall row)
    misread = {k for k, c in report.cells.items() if c.raw != spec.cells[k]}
    assert all(report.cells[k].low_confidence for k in misread)
    assert len(misread) <= 5
    assert all(c.value == int(spec.cells[k]) for k, c in report.cells.items() if k not in misread and k.startswith("t3."))
    cell = report.cells["t3.new.total"]
    assert cell.at["image"] == "/picture/2.png" and 0.5 <= cell.at["conf"] <= 1
    # a misreading never fails a rule: the rules on it are not assessable
    assert failed_errors(report.rules) == []
