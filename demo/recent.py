"""The demo world brought up to the current year, so that `nianbao demo` shows what it plants, not noise.

The site families build report years 2019–:data:`WORLD_END`. :func:`continue_to` carries every unit
that publishes up to that year on to last year (by the real clock, ``today``), each report on the day a
unit of its level would publish it — and only if that day has come. The latest report year whose
township deadline has passed (:func:`planted_year`: last year from February on, the year before in
January, inside the alert window either way) holds the problems the demo plants for the office to see as
new findings (:data:`PLANTED`): a township that stopped publishing, a report whose numbers don't add up,
a report published late. Older gaps are history (listed once, see :mod:`alerts.baseline`); the failing
site stays unreachable, never missing.
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
    "419901902000": "late",          # 清源县教育局: published after its deadline (01-31)
}
LATE_BY = timedelta(days=25)


def last_year(today: date) -> int:
    return today.year - 1


def planted_year(today: date) -> int:
    """The latest report year whose 01-31 deadline has passed (the planted units are all due 01-31)."""
    return today.year - 1 if today > date(today.year, 1, 31) else today.year - 2


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
    last, planted = last_year(today), planted_year(today)
    for code in sorted(latest):
        year, column = latest[code]
        if year != WORLD_END:
            continue  # a unit that had stopped publishing stays stopped
        for y in range(WORLD_END + 1, last + 1):
            plant = PLANTED.get(code) if y == planted else None
            if plant == "missing":
                continue
            if plant == "late":  # after the deadline, by LATE_BY or until today
                day = min(deadline(world, code, y) + LATE_BY, today)
            else:
                day = world._default_day(world.units[code], y)
            if day > today:
                continue  # not published yet
            item = world.add_report(column, code, y, day=day, inconsistent=plant == "inconsistent")
            site = world.sites[item.site]
            site.modified = max(site.modified, item.published)
