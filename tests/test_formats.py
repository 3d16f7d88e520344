"""The same report content as HTML, DOCX, PDF, DOC and GBK HTML parses to identical cells."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crawler.ingest import check_report
from demo.render import ReportSpec, render_doc, render_docx, render_html, render_pdf
from parsers import parse_document, parse_path, schema
from parsers.rules import failed_errors

from .conftest import seed_path
from .reports import seed_spec, spec_2019

RENDERERS = {
    "html": (lambda s: render_html(s), "r.html"),
    "html-gbk-no-charset": (lambda s: render_html(s, charset=None), "r.html"),
    "docx": (render_docx, "r.docx"),
    "pdf": (render_pdf, "r.pdf"),
    "doc": (render_doc, "r.doc"),
}


def values(report) -> dict:
    return {k: c.value for k, c in report.cells.items()}


@pytest.fixture(scope="module")
def seed001():
    return parse_path(seed_path("001"))


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_seed_content_identical_in_every_format(fmt, seed001):
    render, name = RENDERERS[fmt]
    data = render(seed_spec("001"))
    report = check_report(parse_document(data, name, name=name))
    assert report.error is None, report.error
    assert report.unit == "鹿邑县人民政府" and report.year == 2021 and report.format == "2021"
    assert report.missing == []
    assert values(report) == values(seed001)
    assert failed_errors(report.rules) == []


def test_provenance_per_format():
    spec = seed_spec("001")
    html = parse_document(render_html(spec), "r.html")
    docx = parse_document(render_docx(spec), "r.docx")
    pdf = parse_document(render_pdf(spec), "r.pdf")
    # table 三 is the second table; 本年新收/自然人 sits in its 4th row, after the 3 label columns
    assert html.cells["t3.new.natural"].at == {"table": 2, "row": 4, "col": 4}
    assert docx.cells["t3.new.natural"].at == {"table": 2, "row": 4, "col": 4}
    at = pdf.cells["t3.new.natural"].at
    assert at["page"] >= 1 and len(at["bbox"]) == 4
    assert pdf.cells["t3.new.natural"].raw == "210"


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_2019_format_report(fmt):
    render, name = RENDERERS[fmt]
    report = check_report(parse_document(render(spec_2019()), name, name=name))
    assert report.error is None
    assert report.format == "2019" and report.year == 2020
    assert set(report.cells) == set(schema.all_keys("2019"))
    assert report.value("t2.regulations.made") == 2
    assert report.value("t2.normative.total_public") == 88
    assert report.value("t2.licensing.change") == 4
    assert report.value("t2.other_services.change") == -2
    assert report.cells["t2.other_services.change"].raw == "-2"
    assert report.value("t2.fees.prev_items") == 6
    assert report.value("t2.procurement.amount") == Decimal("345.6")
    assert report.cells["t2.procurement.amount"].raw == "3456000元"
    assert report.value("t3.other.natural") == 2
    assert "t3.other_other.natural" not in report.cells
    assert failed_errors(report.rules) == []
    assert {r.rule for r in report.rules if r.rule == "YEAR-FORMAT" and r.status == "pass"} == {"YEAR-FORMAT"}


def blank_spec() -> ReportSpec:
    spec = seed_spec("000")
    cells = dict(spec.cells)
    for key in list(cells):
        if key.startswith("t3.") and cells[key] == "0":
            cells[key] = ""  # a clerk who leaves zero cells empty
    cells["t3.granted.total"] = ""          # a blank result cell
    cells["t4.review.total"] = "—"
    spec.cells = cells
    return spec


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_blank_cells_follow_the_policy(fmt):
    render, name = RENDERERS[fmt]
    report = check_report(parse_document(render(blank_spec()), name, name=name))
    assert report.error is None and report.missing == []
    cell = report.cells["t3.new.commercial"]
    assert cell.value is None and cell.blank and not cell.invalid  # blank, not 0
    assert report.cells["t4.review.total"].raw == "—" and report.cells["t4.review.total"].value is None
    by = {(r.rule, r.scope): r for r in report.rules}
    # blank addends count as 0: 本年新收 26 + 上年结转 (blank) = 26 + (blank)
    assert by[("T3-BALANCE", "natural")].status == "pass"
    # the result cell is blank → not assessable
    assert by[("T3-ROW-TOTAL", "granted")].status == "not_assessable"
    assert by[("T4-TOTAL", "review")].status == "not_assessable"
    # a column left wholly blank: the blank result makes it not assessable, never a failure
    assert by[("T3-BALANCE", "commercial")].status == "not_assessable"
    blank = by[("BLANK-CELLS", "t3")]
    n = sum(1 for k, c in report.cells.items() if k.startswith("t3.") and c.blank)
    assert blank.status == "fail" and f"表三有 {n} 个空白单元格，按 0 计" in blank.message
    # …but as an addend of 办理结果总计 the blank 予以公开·总计 counts as 0, so that sum is 9 short
    failed = failed_errors(report.rules)
    assert [(r.rule, r.scope) for r in failed] == [("T3-HANDLED-SUM", "total")]
    assert "相差 9" in failed[0].message


def test_totals_only_is_not_assessable():
    spec = seed_spec("000")
    cells = dict(spec.cells)
    for c in schema.T3_APPLICANTS:
        cells[f"t3.new.{c}"] = ""  # only the 总计 of 本年新收 filled in
    spec.cells = cells
    report = check_report(parse_document(render_html(spec), "r.html"))
    by = {(r.rule, r.scope): r for r in report.rules}
    assert by[("T3-ROW-TOTAL", "new")].status == "not_assessable"
    assert "各分项均为空白" in by[("T3-ROW-TOTAL", "new")].message
