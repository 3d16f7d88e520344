"""Several reports in one file or page: a county page (or 汇总) with its units' reports one after another.
The parser returns one report per unit, each with its own cells and provenance; the crawl's parse stage
stores each under its own registry unit."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from datetime import date

from click.testing import CliRunner

from app.cli import main
from crawler.parsestage import ParseStage
from crawler.registry import Registry, Unit
from demo.render import render_html
from parsers import parse_document, parse_reports

from .reports import seed_spec
from .test_parsestage import queue_page

COUNTY, TOWN, DEPT = "410101000000", "410101100000", "410101-jyj"


def two_specs():
    a = dataclasses.replace(seed_spec("001"), unit="城关镇人民政府", published=date(2022, 1, 20))
    b = dataclasses.replace(seed_spec("003"), unit="甲县教育局", year=2021, published=date(2022, 1, 26))
    assert a.year == b.year
    return a, b


def county_page(*specs) -> bytes:
    """One article page holding several units' reports, each with its title, text and tables."""
    bodies = []
    for spec in specs:
        html = render_html(spec).decode("utf-8")
        body = html[html.index('<h1 class="article-title"'):html.rindex("</div>\n</div>")]
        bodies.append(body.replace('<div class="TRS_Editor">', "<div>"))
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>甲县2021年度各单位政府信息公开工作年度报告</title>"
            "</head><body><div class=\"article\">" + "\n<hr>\n".join(bodies) + "</div></body></html>").encode()


def test_parser_returns_one_report_per_unit():
    a, b = two_specs()
    reports = parse_reports(county_page(a, b), "http://x.gov.cn/nb/all.html", name="all.html")
    assert [r.error for r in reports] == [None, None]
    assert [r.unit for r in reports] == [a.unit, b.unit]
    assert [r.title for r in reports] == [f"{a.unit}{a.year}年政府信息公开工作年度报告", f"{b.unit}{b.year}年政府信息公开工作年度报告"]
    for report, spec in zip(reports, (a, b)):
        assert report.missing == []
        assert {k: c.raw for k, c in report.cells.items()} == {k: v for k, v in spec.cells.items()}
        assert report.published == spec.published
    # own provenance: the second report's cells are in the page's later tables
    first, second = (r.cells["t3.new.natural"].at["table"] for r in reports)
    assert second > first
    assert "第 2 份报告（共 2 份）" in reports[1].notes[-1]
    # parse_document keeps its one-report answer, the rest beside it
    one = parse_document(county_page(a, b), "all.html", name="all.html")
    assert one.unit == a.unit and [o.unit for o in one.others] == [b.unit]


def test_one_report_repeating_its_title_is_not_split():
    a, _ = two_specs()
    html = render_html(a).decode("utf-8")
    crumb = f'<div class="crumb">首页 &gt; 政务公开 &gt; {a.unit}{a.year}年度政府信息公开工作年度报告</div>'
    page = html.replace('<div class="article">', '<div class="article">' + crumb).encode()
    reports = parse_reports(page, "p.html", name="p.html")
    assert len(reports) == 1 and reports[0].error is None and reports[0].unit == a.unit


def test_cli_parse_shows_each_report(tmp_path):
    a, b = two_specs()
    path = tmp_path / "all.html"
    path.write_bytes(county_page(a, b))
    result = CliRunner().invoke(main, ["parse", "--json", str(path)])
    data = json.loads(result.output)
    assert [d["unit"] for d in data] == [a.unit, b.unit]
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert len(re.findall(r"单位：(城关镇人民政府|甲县教育局)", result.output)) == 2


def registry() -> Registry:
    return Registry([
        Unit(code=COUNTY, name="甲县人民政府", level="county"),
        Unit(code=TOWN, name="城关镇人民政府", level="township", parent=COUNTY),
        Unit(code=DEPT, name="教育局", level="department", parent=COUNTY),
    ])


def test_parse_stage_stores_each_report_under_its_unit(store):
    a, b = two_specs()
    stranger = dataclasses.replace(seed_spec("000"), unit="丙县民政局", year=2021)
    queue_page(store, COUNTY, "http://a.gov.cn/nb/all.html", county_page(a, b, stranger),
               title="甲县2021年度各单位政府信息公开工作年度报告")
    stats = ParseStage(store, registry()).run()
    assert sum(stats.values()) == 1
    rows = store.db.execute("SELECT id, unit, unit_code, year, published FROM reports ORDER BY id").fetchall()
    assert [(unit, code) for _, unit, code, _, _ in rows] == [
        ("城关镇人民政府", TOWN), ("甲县教育局", DEPT), ("丙县民政局", None)]  # a stranger is kept, not attributed
    assert [p for *_, p in rows][:2] == ["2022-01-20", "2022-01-26"]
    # each has its own cells and its deadline by its own level (township and department: 01-31)
    counts = dict(store.db.execute("SELECT report, count(*) FROM cells GROUP BY report").fetchall())
    assert all(counts[rid] > 150 for rid, *_ in rows)
    late = dict(store.db.execute("SELECT report, message FROM rule_results WHERE rule = 'PUBLISHED-LATE'").fetchall())
    assert "2022-01-31" in late[rows[0][0]] and "2022-01-31" in late[rows[1][0]]


def test_list_page_of_titles_is_not_a_report():
    """A list page links several distinct report titles, and has no table of its own."""
    page = ("<html><head><meta charset='utf-8'><title>政府信息公开年报</title></head><body><ul>"
            "<li><a href='a.html'>甲县2021年政府信息公开工作年度报告</a><span>2022-01-20</span></li>"
            "<li><a href='b.html'>甲县2020年度政府信息公开工作年度报告</a><span>2021-01-18</span></li>"
            "<li><a href='c.html'>甲县教育局2021年政府信息公开工作年度报告</a><span>2022-01-25</span></li>"
            "</ul></body></html>").encode()
    report = parse_document(page, "list.html", name="list.html")
    assert report.error is not None and report.error.code == "not_a_report"
    assert "3 个年报标题" in report.error.message


def test_summary_pdf_with_two_reports_through_the_isolated_parser(tmp_path):
    """A 汇总 PDF (two units' reports one after another) parsed in the child process: both come back."""
    from pypdf import PdfReader, PdfWriter

    from crawler.ingest import ingest
    from demo.render import render_pdf

    a, b = two_specs()
    writer = PdfWriter()
    for spec in (a, b):
        for page in PdfReader(io.BytesIO(render_pdf(spec))).pages:
            writer.add_page(page)
    path = tmp_path / "汇总.pdf"
    with path.open("wb") as f:
        writer.write(f)
    _, reports = ingest(None, path.read_bytes(), str(path), name=path.name)
    assert [r.unit for r in reports] == [a.unit, b.unit]
    assert all(r.error is None and r.missing == [] and r.kind == "pdf" for r in reports)
    assert [r.value("t3.new.total") for r in reports] == [int(a.cells["t3.new.total"]), int(b.cells["t3.new.total"])]
    first, second = (r.cells["t3.new.natural"].at["page"] for r in reports)
    assert second > first  # each report's cells point into its own pages
