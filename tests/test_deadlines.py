"""Deadlines on a controlled clock: the 01-31 and 03-31 boundaries in China's time, county and unit
overrides, a unit added mid-year, a report found one day late — read back from ``expected_reports``."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from alerts.config import AlertConfig
from alerts.expected import registry_from_units
from alerts.testing import World, at
from crawler.registry import Unit
from demo.render import render_html

from .reports import seed_spec

COUNTY = Unit("410823000000", "武陟县人民政府", "county", columns=["http://wz.example/zfxxgknb/"], recipients=["gk@wz.example"])
TOWN = Unit("410823100000", "木城街道办事处", "township", parent="410823000000", columns=["http://wz.example/zfxxgknb/mc/"])
DEPT = Unit("410823-zfb", "武陟县人民政府办公室", "department", parent="410823000000")


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "nianbao.db", [COUNTY, TOWN, DEPT])
    yield w
    w.close()


def status(world: World, code: str, year: int = 2022) -> str | None:
    row = world.expected(code, year)
    return row["status"] if row else None


def report(unit: Unit, year: int, published: date) -> bytes:
    spec = seed_spec("004")  # a consistent report, rendered and parsed for real
    spec.unit, spec.year, spec.published = unit.name, year, published
    return render_html(spec)


def test_township_deadline_0131_turns_at_midnight_china_time(world):
    codes = [COUNTY.code, TOWN.code, DEPT.code]
    world.night(at(2023, 1, 31, 2), ok=codes)
    world.check(at(2023, 1, 31, 23, 59))
    assert status(world, TOWN.code) == "not_due"
    assert world.expected(TOWN.code, 2022)["deadline"] == "2023-01-31"
    assert not world.open()

    # 2023-01-31 16:30 UTC is already 02-01 00:30 in China: the deadline has passed, but the site was
    # last read before it ended, so nothing can be said yet — unchecked, not missing
    world.check(datetime(2023, 1, 31, 16, 30, tzinfo=timezone.utc))
    assert status(world, TOWN.code) == "unchecked"
    assert not world.open()

    world.night(at(2023, 2, 1, 2), ok=codes)
    world.check(at(2023, 2, 1, 3))
    assert status(world, TOWN.code) == "missing"
    assert status(world, DEPT.code) == "missing"
    assert status(world, COUNTY.code) == "not_due"  # the county government's own report: 03-31
    assert world.open() == {(TOWN.code, 2022, "missing", ""), (DEPT.code, 2022, "missing", "")}


def test_county_deadline_0331(world):
    codes = [COUNTY.code, TOWN.code, DEPT.code]
    world.night(at(2023, 3, 31, 2), ok=codes)
    world.check(at(2023, 3, 31, 23, 59))
    assert status(world, COUNTY.code) == "not_due"
    assert world.expected(COUNTY.code, 2022)["deadline"] == "2023-03-31"
    world.night(at(2023, 4, 1, 2), ok=codes)
    world.check(at(2023, 4, 1, 3))
    assert status(world, COUNTY.code) == "missing"
    (alert,) = [a for a in world.open() if a[0] == COUNTY.code]
    assert alert == (COUNTY.code, 2022, "missing", "")


def test_county_notice_and_unit_override(tmp_path):
    county = Unit("411628000000", "鹿邑县人民政府", "county", deadline="02-20")
    town = Unit("411628100000", "真源街道办事处", "township", parent=county.code)
    early = Unit("411628200000", "鹿邑县教育局", "department", parent=county.code, deadline="01-15")
    other = Unit("410823100000", "木城街道办事处", "township")  # no notice: the statutory 01-31
    w = World(tmp_path / "nianbao.db", [county, town, early, other])
    codes = [u.code for u in (county, town, early, other)]
    w.night(at(2023, 2, 10, 2), ok=codes)
    w.check(at(2023, 2, 10, 3))
    deadlines = {code: w.expected(code, 2022)["deadline"] for code in codes}
    assert deadlines == {county.code: "2023-02-20", town.code: "2023-02-20", early.code: "2023-01-15",
                         other.code: "2023-01-31"}
    assert [status(w, c) for c in codes] == ["not_due", "not_due", "missing", "missing"]
    # check --db alone (no registry file) computes the same deadlines from the mirrored units table
    reg = registry_from_units(w.store.db)
    assert reg.deadline(reg.get(town.code), 2022) == date(2023, 2, 20)
    assert reg.deadline(reg.get(early.code), 2022) == date(2023, 1, 15)
    w.night(at(2023, 2, 21, 2), ok=codes)
    w.check(at(2023, 2, 21, 3))
    assert [status(w, c) for c in codes] == ["missing"] * 4
    w.close()


def test_unit_added_mid_year_owes_only_from_active_from(tmp_path):
    new_town = Unit("410823200000", "新设街道办事处", "township", active_from=2023)
    old_town = Unit("410823100000", "木城街道办事处", "township")
    w = World(tmp_path / "nianbao.db", [new_town, old_town], AlertConfig(first_year=2021))
    w.night(at(2023, 6, 1, 2), ok=[new_town.code, old_town.code])
    w.check(at(2023, 6, 1, 3))
    assert w.expected(new_town.code, 2022) is None and w.expected(new_town.code, 2021) is None
    assert [status(w, old_town.code, y) for y in (2021, 2022)] == ["missing", "missing"]
    assert not any(a[0] == new_town.code for a in w.open())
    w.night(at(2024, 2, 1, 2), ok=[new_town.code, old_town.code])
    w.check(at(2024, 2, 1, 3))
    assert status(w, new_town.code, 2023) == "missing"
    w.close()


@pytest.mark.parametrize("published, expected", [("2023-01-31", "on_time"), ("2023-02-01", "late")])
def test_published_on_the_deadline_is_on_time_one_day_after_is_late(world, published, expected):
    world.publish(report(TOWN, 2022, date.fromisoformat(published)), TOWN.code, page="http://wz.example/a.html", year=2022)
    world.night(at(2023, 2, 2, 2), ok=[TOWN.code])
    world.check(at(2023, 2, 2, 3))
    row = world.expected(TOWN.code, 2022)
    assert row["status"] == expected and row["published"] == published
    assert ((TOWN.code, 2022, "late", "") in world.open()) == (expected == "late")


def test_report_found_one_day_late_closes_missing_and_opens_late(world):
    world.night(at(2023, 2, 1, 2), ok=[TOWN.code])
    world.check(at(2023, 2, 1, 3))
    assert (TOWN.code, 2022, "missing", "") in world.open()

    # published on 02-01 (after the crawl of that night), found the next night
    rid = world.publish(report(TOWN, 2022, date(2023, 2, 1)), TOWN.code, page="http://wz.example/mc.html", year=2022)
    world.night(at(2023, 2, 2, 2), ok=[TOWN.code], entries={TOWN.code: 1})
    result = world.check(at(2023, 2, 2, 3))
    row = world.expected(TOWN.code, 2022)
    assert (row["status"], row["report"], row["page_url"]) == ("late", rid, "http://wz.example/mc.html")
    assert (TOWN.code, 2022, "missing", "") not in world.open()
    assert (TOWN.code, 2022, "late", "") in world.open()
    closed = world.store.db.execute("SELECT payload FROM alerts WHERE id = ?", [result.changes.closed[0]]).fetchone()[0]
    assert "已找到 2022 年度报告（发布于 2023-02-01，逾期 1 天）" in closed
    late = next(f for f in result.findings if f.kind == "late")
    assert late.payload["headline"] == "2022 年度报告逾期发布：发布于 2023-02-01，晚于截止日期 2023-01-31 1 天"


def test_report_published_before_the_deadline_but_found_after_is_on_time(world):
    world.night(at(2023, 2, 1, 2), ok=[TOWN.code])
    world.publish(report(TOWN, 2022, date(2023, 1, 30)), TOWN.code, page="http://wz.example/mc.html", year=2022)
    world.check(at(2023, 2, 5, 3))
    assert status(world, TOWN.code) == "on_time"
    assert not any(a[0] == TOWN.code for a in world.open())
