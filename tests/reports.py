"""Report contents the tests render into documents: seed 001's cells, a 2019-format report, blanks."""

from __future__ import annotations

from datetime import date

from demo.render import ReportSpec
from parsers import parse_path, schema

from .conftest import seed_path


def seed_spec(prefix: str = "001", **kw) -> ReportSpec:
    """The content of a seed (its raw cells as printed) as a spec to render in any format."""
    report = parse_path(seed_path(prefix))
    assert report.error is None
    return ReportSpec(unit=report.unit, year=report.year, format=report.format,
                      cells={k: c.raw for k, c in report.cells.items()}, published=date(report.year + 1, 1, 20), **kw)


def spec_2019() -> ReportSpec:
    """A 2019-format county department report: 2019 columns in table 二, (六)其他处理 as one row, 元."""
    cells = {k: "0" for k in schema.all_keys("2019")}
    cells.update({
        "t2.regulations.made": "2", "t2.regulations.published": "2", "t2.regulations.total_public": "31",
        "t2.normative.made": "5", "t2.normative.published": "5", "t2.normative.total_public": "88",
        "t2.licensing.prev_items": "120", "t2.licensing.change": "+4", "t2.licensing.decisions": "3512",
        "t2.other_services.prev_items": "15", "t2.other_services.change": "-2", "t2.other_services.decisions": "96",
        "t2.penalty.prev_items": "40", "t2.penalty.change": "0", "t2.penalty.decisions": "211",
        "t2.fees.prev_items": "6", "t2.fees.change": "-1",
        "t2.procurement.items": "12", "t2.procurement.amount": "3456000元",
        "t3.new.natural": "14", "t3.new.commercial": "2", "t3.new.total": "16",
        "t3.carried_in.natural": "1", "t3.carried_in.total": "1",
        "t3.granted.natural": "9", "t3.granted.commercial": "2", "t3.granted.total": "11",
        "t3.unavailable_not_held.natural": "3", "t3.unavailable_not_held.total": "3",
        "t3.other.natural": "2", "t3.other.total": "2",
        "t3.handled_total.natural": "14", "t3.handled_total.commercial": "2", "t3.handled_total.total": "16",
        "t3.carried_out.natural": "1", "t3.carried_out.total": "1",
        "t4.review.upheld": "1", "t4.review.total": "1",
    })
    return ReportSpec(unit="某县自然资源局", year=2020, format="2019", cells=cells, published=date(2021, 1, 28))
