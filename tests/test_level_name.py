"""The level (and so the deadline) from a unit's name when no registry says it (docs/domain.md §1)."""

from __future__ import annotations

import pytest

from crawler.deadlines import level_from_name
from crawler.ingest import check_report
from parsers import parse_document

from .glued_text import consistent_cells, flattened_report


@pytest.mark.parametrize("name, level", [
    ("上海市", "county"), ("内乡县", "county"), ("浦东新区", "county"), ("上海市人民政府", "county"),
    ("鹿邑县人民政府", "county"), ("鄂伦春自治旗", "county"),
    ("武陟县人民政府办公室", "department"), ("上海市人民政府办公厅", "department"), ("鹿邑县教育局", "department"),
    ("内乡县发展和改革委员会", "department"), ("某县医疗保障办", "department"),
    ("岢曲镇人民政府", "township"), ("城关镇", "township"), ("某某街道办事处", "township"), ("马山口乡", "township"),
    ("汴东产业集聚区", "zone"), ("两江新区管委会", "zone"),
    ("平潭综合实验区", None), ("", None), (None, None),
])
def test_level_from_name(name, level):
    assert level_from_name(name) == level


def published_late(unit: str, published: str):
    text = flattened_report(consistent_cells({"new": (3, 0, 0, 0, 0, 0), "granted": (3, 0, 0, 0, 0, 0)}),
                            unit=unit, year=2020, published=published)
    report = check_report(parse_document(text.encode(), "r.txt", name="r.txt"))
    assert report.unit == unit
    return next(r for r in report.rules if r.rule == "PUBLISHED-LATE")


def test_citywide_report_is_held_to_the_governments_deadline():
    """A bare parse of 上海市's 2020 report published 2021-03-30: a government, due 03-31, not 01-31."""
    result = published_late("上海市", "2021-03-30")
    assert result.status == "pass"
    assert "2021-03-31" in result.message


def test_department_and_township_by_name():
    assert published_late("内乡县教育局", "2021-03-30").status == "fail"
    late = published_late("马山口镇", "2021-02-02")
    assert late.status == "fail" and "2021-01-31" in late.message


def test_name_not_decisive_is_not_judged():
    result = published_late("平潭综合实验区", "2021-03-30")
    assert result.status == "not_assessable"
    assert "平潭综合实验区" in result.message
