"""Whose report is it: a page or 汇总 file with several units' reports stores each under its own unit.

The report's unit name (from its title) is matched to the registry: the unit whose page it was found
on, or another unit of the same county (a county page listing its departments' reports). Names match
as written, or with the county's name before a department's short name (内乡县教育局 / 教育局). A report
naming no registry unit is kept, unattributed, never given to the page's unit by a guess.
"""

from __future__ import annotations

import re

from parsers.model import Report

from .registry import Registry, Unit


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", name or "")


def match_unit(name: str | None, page_unit: Unit | None, registry: Registry | None) -> Unit | None:
    """The registry unit a report's unit name names, among the page's unit and its county's units."""
    if not name or page_unit is None or registry is None:
        return None
    county = registry.county_of(page_unit)
    pool = [page_unit] + [u for u in registry.county_units(county) if u is not page_unit]
    wanted = _norm(name)
    cname = _norm(county.name).removesuffix("人民政府")
    variants = {wanted, wanted.removesuffix("人民政府")}
    for unit in pool:  # as written first
        if _norm(unit.name) in variants:
            return unit
    hits = [u for u in pool if {cname + _norm(u.name), _norm(u.name).removeprefix(cname)} & variants]
    return hits[0] if len(hits) == 1 else None


def unit_codes(reports: list[Report], page_code: str | None, registry: Registry | None) -> list[str | None]:
    """One registry code per report of a document: the page's unit for a single report (as always),
    each report's own unit when the document holds several."""
    if len(reports) == 1:
        return [page_code]
    page_unit = registry.get(page_code) if registry is not None and page_code else None
    out = []
    for report in reports:
        unit = match_unit(report.unit, page_unit, registry)
        out.append(unit.code if unit else None)
    return out
