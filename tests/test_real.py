"""Real documents from ../shared/real: a 2019-format report page, and pages that are not reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crawler.ingest import check_report
from parsers import parse_path, schema
from parsers.rules import failed_errors

from .conftest import REAL

N = None  # a blank cell (&nbsp; on the page)
SHANGHAI_T3 = {
    "new": (821, 35, N, N, 2, 1, 859),
    "carried_in": (18, N, N, N, N, N, 18),
    "granted": (258, 12, N, N, 1, 1, N),
    "partly_granted": (3, N, N, N, N, N, N),
    "withheld_state_secret": (14, N, N, N, N, N, N),
    "withheld_law": (N,) * 7,
    "withheld_three_safeties": (N,) * 7,
    "withheld_third_party": (N,) * 7,
    "withheld_internal": (5, N, N, N, N, N, N),
    "withheld_process": (3, 1, N, N, N, N, N),
    "withheld_enforcement": (N,) * 7,
    "withheld_inquiry": (10, 2, N, N, N, N, N),
    "unavailable_not_held": (252, 12, N, N, 1, N, N),
    "unavailable_needs_creation": (44, 3, N, N, N, N, N),
    "unavailable_unclear": (25, N, N, N, N, N, N),
    "declined_petition": (148, 1, N, N, N, N, N),
    "declined_repeat": (5, 4, N, N, N, N, N),
    "declined_publication": (N,) * 7,
    "declined_mass": (N,) * 7,
    "declined_confirm": (N,) * 7,
    "other": (N,) * 7,
    "handled_total": (767, 35, N, N, 2, 1, 805),
    "carried_out": (72, N, N, N, N, N, 72),
}
SHANGHAI_T2 = {
    "t2.regulations.made": 13, "t2.regulations.published": 13, "t2.regulations.total_public": 524,
    "t2.normative.made": 60, "t2.normative.published": 60, "t2.normative.total_public": 368,
    **{f"t2.{row}.{col}": 0 for row in ("licensing", "other_services", "penalty", "coercion")
       for col in ("prev_items", "change", "decisions")},
    "t2.fees.prev_items": 0, "t2.fees.change": 0,
    "t2.procurement.items": 6, "t2.procurement.amount": Decimal("25.1"),
}
SHANGHAI_T4 = {"review": (5, N, N, 2, 7), "suit_direct": (8, N, N, 1, 9), "suit_after_review": (N,) * 5}


@pytest.fixture(scope="module")
def shanghai():
    return check_report(parse_path(REAL / "reports" / "shanghai-bgt-2019.html"))


def test_shanghai_metadata(shanghai):
    assert shanghai.error is None
    assert shanghai.format == "2019"
    assert shanghai.year == 2019
    assert shanghai.unit == "上海市人民政府办公厅"
    assert shanghai.published == date(2020, 1, 31)
    assert shanghai.missing == []


def test_shanghai_every_cell_as_the_page_shows(shanghai):
    want = dict(SHANGHAI_T2)
    for row, values in SHANGHAI_T3.items():
        want.update({f"t3.{row}.{c}": v for c, v in zip(schema.T3_COLUMNS, values)})
    for g, values in SHANGHAI_T4.items():
        want.update({f"t4.{g}.{r}": v for r, v in zip(schema.T4_RESULTS, values)})
    assert set(want) == set(schema.all_keys("2019"))
    got = {k: c.value for k, c in shanghai.cells.items()}
    assert got == want
    # blanks stay blank, never 0
    assert shanghai.cells["t3.granted.total"].blank
    assert shanghai.cells["t3.granted.total"].value is None


def test_shanghai_amount_in_yuan_becomes_wanyuan(shanghai):
    cell = shanghai.cells["t2.procurement.amount"]
    assert cell.raw == "251000元"
    assert cell.value == Decimal("25.1")


def test_shanghai_provenance_is_table_row_column(shanghai):
    cell = shanghai.cells["t3.new.natural"]
    assert cell.at == {"table": 2, "row": 4, "col": 4}
    assert shanghai.cells["t4.review.total"].at == {"table": 3, "row": 4, "col": 5}


def test_shanghai_no_error_rule_fails(shanghai):
    assert failed_errors(shanghai.rules) == []
    by = {(r.rule, r.scope): r for r in shanghai.rules}
    assert by[("T3-BALANCE", "natural")].status == "pass"
    # 总计 column: only totals filled in → not assessable, not a failure
    assert by[("T3-HANDLED-SUM", "total")].status == "not_assessable"
    assert by[("T3-ROW-TOTAL", "granted")].status == "not_assessable"
    assert by[("BLANK-CELLS", "t3")].status == "fail"
    assert "按 0 计" in by[("BLANK-CELLS", "t3")].message
    assert by[("TEXT-APPLICATIONS", "text")].status == "pass"
    assert by[("YEAR-FORMAT", "format")].status == "pass"


@pytest.mark.parametrize("page", sorted(p.name for p in (REAL / "listpages").iterdir()))
def test_list_and_article_pages_are_not_reports(page):
    report = parse_path(REAL / "listpages" / page)
    assert report.error is not None
    assert report.error.code == "not_a_report"
    assert "不是" in report.error.message
