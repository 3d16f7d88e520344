"""The demo world brought up to the current year, so that `nianbao demo` shows what it plants, not noise.

The site families build report years 2019–:data:`WORLD_END`. :func:`continue_to` carries every unit
that publishes up to that year on to last year (by the real clock, ``today``), each report on the day a
unit of its level would publish it — and only if that day has come. Last year holds the problems the demo
plants for the office to see as new findings (:data:`PLANTED`): a township that stopped publishing, a
report whose numbers don't add up, a county report published late. Older gaps are history (listed once,
see :mod:`alerts.baseline`); the failing site stays unreachable, never missing.
"""

from __future__ import annotations

from datetime import date, timedelta

from crawler.deadlines import default_deadline

from .world import REPORT, World

WORLD_END = 2023  # the last report year the site families build themselves

# unit code → what goes wrong with its report for last year
PLANTED = {
    "419901200000": "missing",       # 清源县青山乡 stops publishing
    "419901100000": "inconsistent",  # 清源县大河镇: 表三 doesn't balance
    "419901000000": "late",          # 清源县: published 25 days after its deadline
}
LATE_BY = timedelta(days=25)


def last_year(today: date) -> int:
    return today.year - 1


def deadline(world: World, code: str, year: int) -> date:
    unit = world.units[code]
    own = unit.deadline or (world.units[unit.parent].deadline if unit.parent else None)
    if own:
        month, day = (int(p) for p in own.split("-"))
        return date(year + 1, month, day)
    return default_deadline(unit.level, year)


def continue_to(world: World, today: date) -> None:
    """Add each unit's reports for WORLD_END+1 … last year, published no later than ``today``."""
    latest: dict[str, tuple[int, str]] = {}
    for site in world.sites.values():
        for col in site.columns.values():
            for item in col.items:
                if item.role == REPORT and item.unit_code and item.year is not None:
                    if item.year > latest.get(item.unit_code, (0, ""))[0]:
                        latest[item.unit_code] = (item.year, col.key)
    last = last_year(today)
    for code in sorted(latest):
        year, column = latest[code]
        if year != WORLD_END:
            continue  # a unit that had stopped publishing stays stopped
        for y in range(WORLD_END + 1, last + 1):
            plant = PLANTED.get(code) if y == last else None
            if plant == "missing":
                continue
            day = deadline(world, code, y) + LATE_BY if plant == "late" else world._default_day(world.units[code], y)
            if day > today:
                continue  # not published yet
            item = world.add_report(column, code, y, day=day, inconsistent=plant == "inconsistent")
            site = world.sites[item.site]
            site.modified = max(site.modified, item.published)
