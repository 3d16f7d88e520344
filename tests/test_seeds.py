"""The five seeds parse with every cell as the document has it (docs/domain.md §4)."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.ingest import check_report
from parsers import parse_path, schema
from parsers.rules import failed_errors

from .conftest import seed_path

NATURAL_ONLY = ("natural", "total")


def t3(row: str, **cols: int) -> dict[str, int]:
    return {f"t3.{row}.{c}": v for c, v in cols.items()}


# Every non-zero cell, read off the documents; every other canonical cell is 0.
EXPECTED = {
    "000": dict(
        unit="武陟县人民政府办公室", year=2021, published=None,
        nonzero={
            "t2.normative.issued": 15, "t2.normative.in_force": 144,
            **t3("new", natural=26, total=26), **t3("granted", natural=9, total=9),
            **t3("withheld_internal", natural=1, total=1), **t3("unavailable_not_held", natural=16, total=16),
            **t3("handled_total", natural=26, total=26),
            "t4.suit_direct.other": 1, "t4.suit_direct.total": 1,
        },
    ),
    "001": dict(
        unit="鹿邑县人民政府", year=2021, published=None,
        nonzero={
            "t2.normative.issued": 10, "t2.normative.repealed": 8, "t2.normative.in_force": 26,
            "t2.licensing.decisions": 20815, "t2.penalty.decisions": 3326, "t2.coercion.decisions": 427,
            "t2.fees.amount": "2460.9543",
            **t3("new", natural=210, commercial=3, nonprofit=2, other_org=8, total=223),
            **t3("granted", natural=177, commercial=3, nonprofit=2, other_org=3, total=185),
            **t3("partly_granted", natural=8, total=8),
            **t3("withheld_internal", natural=1, total=1), **t3("withheld_enforcement", natural=1, total=1),
            **t3("unavailable_not_held", natural=15, total=15), **t3("unavailable_needs_creation", natural=1, total=1),
            **t3("declined_petition", natural=4, other_org=4, total=8), **t3("declined_repeat", natural=1, total=1),
            **t3("declined_mass", natural=2, total=2), **t3("other_other", other_org=1, total=1),
            **t3("handled_total", natural=210, commercial=3, nonprofit=2, other_org=8, total=223),
            "t4.review.upheld": 1, "t4.review.total": 1,
        },
    ),
    "002": dict(unit="汴东产业集聚区", year=2021, published=None, nonzero={}),
    "003": dict(unit="岢曲镇人民政府", year=2023, published=None, nonzero={}),
    "004": dict(
        unit="乡宁县人民政府办公室", year=2022, published=date(2023, 1, 29),
        nonzero={
            "t2.normative.issued": 2, "t2.normative.in_force": 40,
            **t3("new", natural=1, total=1), **t3("granted", natural=1, total=1),
            **t3("handled_total", natural=1, total=1),
        },
    ),
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def seed(request):
    report = parse_path(seed_path(request.param))
    check_report(report)
    return request.param, report


def test_metadata(seed):
    name, report = seed
    exp = EXPECTED[name]
    assert report.error is None
    assert report.format == "2021"
    assert report.unit == exp["unit"]
    assert report.year == exp["year"]
    assert report.published == exp["published"]
    assert report.title.endswith("政府信息公开工作年度报告")


def test_every_cell_exact(seed):
    name, report = seed
    nonzero = EXPECTED[name]["nonzero"]
    assert report.missing == []
    assert set(report.cells) == set(schema.all_keys("2021"))
    got = {k: c.value for k, c in report.cells.items()}
    want = {k: 0 for k in schema.all_keys("2021")}
    for k, v in nonzero.items():
        want[k] = v
    as_text = {k: str(v) for k, v in got.items()}
    assert as_text == {k: str(v) for k, v in want.items()}
    assert all(not c.blank and not c.invalid for c in report.cells.values())


def test_provenance_is_the_line(seed):
    name, report = seed
    cell = report.cells["t3.new.total"]
    lines = seed_path(name).read_text(encoding="utf-8").splitlines()
    line = lines[cell.at["line"] - 1]
    assert cell.raw in line
    if name != "004":  # one cell per line: the line is the cell
        assert "本年新收" in line


def test_error_rules_pass(seed):
    _, report = seed
    assert report.rules, "rules ran"
    assert failed_errors(report.rules) == []
    statuses = {(r.rule, r.scope): r.status for r in report.rules}
    for col in schema.T3_COLUMNS:
        assert statuses[("T3-BALANCE", col)] == "pass"
        assert statuses[("T3-HANDLED-SUM", col)] == "pass"
    for g in schema.T4_GROUPS:
        assert statuses[("T4-TOTAL", g)] == "pass"


TEXT_RULES = {
    "000": ("pass", "26"),
    "001": ("pass", "全县口径"),
    "002": ("not_assessable", "未写明"),
    "003": ("pass", "0 件"),
    "004": ("pass", "1 件"),
}


def test_text_applications(seed):
    name, report = seed
    status, fragment = TEXT_RULES[name]
    result = next(r for r in report.rules if r.rule == "TEXT-APPLICATIONS")
    assert result.status == status
    assert fragment in result.message


def test_text_litigation_004():
    report = check_report(parse_path(seed_path("004")))
    result = next(r for r in report.rules if r.rule == "TEXT-LITIGATION")
    assert result.status == "pass"


def test_004_deadline_from_name():
    """乡宁县人民政府办公室 is a department of the county government: due 2023-01-31, published 01-29."""
    report = check_report(parse_path(seed_path("004")))
    result = next(r for r in report.rules if r.rule == "PUBLISHED-LATE")
    assert result.status == "pass"
    assert "2023-01-31" in result.message
