"""Several reports in one document: a county page or a 汇总 PDF with its departments' reports one after
another. Each report starts at its own title and has its own table 三; the document is cut there and
each part read as a report of its own (its unit, year, cells and provenance).

A page that repeats one report's title (a crawler's header, a breadcrumb, the body's heading) is one
report; titles without tables of their own after them (a list page) do not cut anything.
"""

from __future__ import annotations

import re
from datetime import date

from . import runon
from .extract import _DATE, _NOT_UNIT, _UNIT_SUFFIX, Extractor, clean, label_key, title_match
from .model import Layout, ParseFailure, Report, Row

_T3_FIRST_ROW = re.compile(r"本年新收")


def _title_at(rows: list[Row], i: int) -> tuple[int, tuple[str, int]] | None:
    """(first row of the title, (unit, year)) when row ``i`` is a report title line."""
    row = rows[i]
    if row.table is not None:
        return None
    text = label_key(clean(row.text))
    if not text or len(text) > 80:
        return None
    m = title_match(text)
    if not m:
        return None
    unit = _NOT_UNIT.sub("", (m.group("pre") or m.group("post") or "").strip("：:()（）《》 "))
    start = i
    if not unit and i > 0 and rows[i - 1].table is None:
        # the title broken over two lines: the unit, then “2022年政府信息公开工作年度报告”
        above = label_key(clean(rows[i - 1].text))
        if len(above) <= 30 and _UNIT_SUFFIX.search(above):
            unit, start = above, i - 1
    return start, (unit, int(m.group("year")))


def report_starts(rows: list[Row]) -> list[int]:
    """Where each report of the document starts; one start (0) when it holds one report."""
    anchors = [i for i, row in enumerate(rows)
               if row.table is not None and any("收" in p.text for p in row.pieces)
               and _T3_FIRST_ROW.search(re.sub(r"\s+", "", row.text))]
    if len(anchors) < 2:
        return [0]
    starts: list[tuple[int, tuple[str, int]]] = []
    for i in range(len(rows)):
        found = _title_at(rows, i)
        if found is None:
            continue
        start, key = found
        if starts:
            last_start, last_key = starts[-1]
            table_between = any(last_start < a < start for a in anchors)
            if not table_between:
                continue  # the same report's title again (or a list of titles before any table)
        starts.append((start, key))
    cuts = [s for s, _ in starts]
    # every part must hold a table 三 of its own, and the parts must name different reports
    bounds = cuts + [len(rows)]
    parts_with_table = [any(a >= lo and a < hi for a in anchors) for lo, hi in zip(bounds, bounds[1:])]
    if len(cuts) < 2 or not all(parts_with_table) or len({k for _, k in starts}) < len(starts):
        return [0]
    return [0, *cuts[1:]]


def _date(value: object) -> date | None:
    m = _DATE.search(str(value))
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    except ValueError:
        return None


def extract_all(layout: Layout, source: str) -> list[Report]:
    """Every report in ``layout``; raises :class:`ParseFailure` only when it holds a single report
    that cannot be read (several: each part that cannot be read is a report with its error)."""
    rows = runon.expand(layout.rows)
    whole = Extractor(Layout(rows=rows, kind=layout.kind, meta=layout.meta, notes=layout.notes), source)
    failure = None
    try:
        report = whole.run()
        if not whole.another_table:  # only where a second table 三 followed the first can there be more
            return [report]
    except ParseFailure as e:
        failure = e
    starts = report_starts(rows)
    if len(starts) == 1:
        if failure is not None:
            raise failure
        return [report]
    reports = []
    bounds = starts + [len(rows)]
    # the page's title and date are the page's (a 汇总): each part's own title and date come first
    meta = {k: v for k, v in layout.meta.items() if k not in ("title", "published")}
    for n, (lo, hi) in enumerate(zip(bounds, bounds[1:]), 1):
        notes = [*layout.notes, f"同一文件中的第 {n} 份报告（共 {len(starts)} 份）"]
        part = Layout(rows=rows[lo:hi], kind=layout.kind, meta=meta, notes=notes)
        try:
            report = Extractor(part, source).run()
            if report.published is None and layout.meta.get("published"):
                report.published = _date(layout.meta["published"])
        except ParseFailure as failure:
            report = Report(source=source, kind=layout.kind, notes=notes, error=failure)
        reports.append(report)
    return reports
