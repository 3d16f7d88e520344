"""Broken reports fail exactly the rule instances they should, and no others."""

from __future__ import annotations

import pytest

from crawler.ingest import check_report, ingest
from demo.render import render_docx, render_html
from parsers import parse_document

from .reports import seed_spec


def failing(report) -> set[tuple[str, str]]:
    return {(r.rule, r.scope) for r in report.rules if r.status == "fail"}


def errors(report) -> set[tuple[str, str]]:
    return {(r.rule, r.scope) for r in report.rules if r.status == "fail" and r.severity == "error"}


def broken(**changes):
    """Seed 001's content (all consistent) with some cells changed (None: left out)."""
    spec = seed_spec("001")
    spec.cells = {**spec.cells, **changes}
    return spec


# name → (spec, the failing instances: (rule, scope))
CASES = {
    "table 三 number changed": (
        broken(**{"t3.granted.natural": "178"}),
        {("T3-HANDLED-SUM", "natural"), ("T3-ROW-TOTAL", "granted")},
    ),
    "table 三 total changed": (
        broken(**{"t3.new.total": "224"}),
        {("T3-ROW-TOTAL", "new"), ("T3-BALANCE", "total")},
    ),
    "table 四 number changed": (
        broken(**{"t4.review.upheld": "2"}),
        {("T4-TOTAL", "review")},
    ),
    "table 二 number not a number": (
        broken(**{"t2.penalty.decisions": "33O6"}),
        {("VALUE-DOMAIN", "t2.penalty.decisions")},
    ),
    # 不予处理·信访举报投诉 typed one column to the right: natural blank, 4 under 商业企业, the 8 lost
    "shifted column": (
        broken(**{"t3.declined_petition.natural": "", "t3.declined_petition.commercial": "4",
                  "t3.declined_petition.other_org": "0", "t3.declined_petition.total": "4"}),
        {("T3-HANDLED-SUM", "natural"), ("T3-HANDLED-SUM", "commercial"), ("T3-HANDLED-SUM", "other_org"),
         ("T3-HANDLED-SUM", "total"), ("BLANK-CELLS", "t3")},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("render", [render_html, render_docx], ids=["html", "docx"])
def test_broken_report_fails_exactly(case, render):
    spec, expected = CASES[case]
    report = check_report(parse_document(render(spec), "broken"))
    assert report.error is None
    assert failing(report) == expected


def test_message_names_cells_and_arithmetic():
    report = check_report(parse_document(render_html(broken(**{"t3.handled_total.natural": "209"})), "b"))
    balance = next(r for r in report.rules if (r.rule, r.scope) == ("T3-BALANCE", "natural"))
    assert balance.status == "fail"
    assert balance.message == "表三·自然人：本年新收 210 + 上年结转 0 = 210，但办理结果总计 209 + 结转下年度 0 = 209，相差 1"
    assert "t3.handled_total.natural" in balance.cells


def test_missing_row_makes_report_incomplete():
    spec = seed_spec("001", omit_rows={"withheld_law"})
    report = check_report(parse_document(render_html(spec), "missing-row"))
    assert report.error is None
    assert report.missing == [f"t3.withheld_law.{c}" for c in
                              ("natural", "commercial", "research", "nonprofit", "legal", "other_org", "total")]
    assert failing(report) == {("CELLS-MISSING", "t3")}
    by = {(r.rule, r.scope): r.status for r in report.rules}
    # every identity that needs the missing row is not assessable, never passed
    assert by[("T3-HANDLED-SUM", "natural")] == "not_assessable"
    assert by[("T3-ROW-TOTAL", "withheld_law")] == "not_assessable"
    assert by[("T3-BALANCE", "natural")] == "pass"


def test_missing_table_four_is_incomplete_not_good():
    html = render_html(seed_spec("001")).decode("utf-8")
    start = html.index("四、政府信息公开行政复议")
    cut = html[:start] + html[html.index("五、存在的主要问题"):]
    report = check_report(parse_document(cut.encode("utf-8"), "no-t4.html"))
    assert report.error is None and len(report.missing) == 15
    assert ("CELLS-MISSING", "t4") in errors(report)


def test_not_a_report_and_no_table():
    report = parse_document("<html><body><p>通知公告</p><p>关于做好2023年度报告工作的通知</p></body></html>".encode(), "n.html")
    assert report.error.code == "not_a_report"
    page = "<html><body><h1>某县人民政府2022年政府信息公开工作年度报告</h1><p>详见附件。</p></body></html>"
    report = parse_document(page.encode(), "a.html")
    assert report.error.code == "table_not_found"
    assert report.error.message == "未找到表三：收到和处理政府信息公开申请情况"


def test_store_records_broken_report_status(store):
    _, (report,) = ingest(store, render_html(broken(**{"t4.review.upheld": "2"})), "b.html", name="b.html")
    row = next(store.db.query("SELECT status, errors_failed FROM reports"))
    assert row == {"status": "inconsistent", "errors_failed": 1}
    rr = next(store.db.query("SELECT * FROM rule_results WHERE status = 'fail'"))
    assert rr["rule"] == "T4-TOTAL" and rr["scope"] == "review"
    assert "结果维持 2" in rr["message"] and "相差 1" in rr["message"]
