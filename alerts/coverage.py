"""Was each unit's 年报 column read completely? The evidence behind every "missing" verdict.

A unit's report year is *missing* only when its last night read, completely (every list page), a
column that lists annual reports — at least one report-title entry for some unit and year, that night
or an earlier one — where the unit's reports are published (its own column, or the column of the unit
whose pages hold its reports: :func:`alerts.expected.reader_of`). The crawl records how far it read each
column in ``column_reads`` (:mod:`spiders.coverage`); this module judges that record per unit:

- ``read`` — every column of the night was read to its end, and one of them lists reports;
- ``column_not_found`` (未找到年报栏目 / 栏目无法读取) — otherwise, with the reason: no 年报 link from the
  home page, the column page empty, a list built by scripts that could not be read, pagination cut
  short (page cap, a page repeating the one before, a failed page), the crawl ending first.

``column_not_found`` is told to the operators (add ``columns:`` to the registry), never as a missing
alert; missing alerts of such units close as *undetermined*. The judgement is kept in ``unit_coverage``
(rebuilt by every check and after every crawl) for Datasette's 抓取覆盖 view.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from crawler import columns as column_reads
from crawler.registry import Registry, Unit
from crawler.transactions import atomic

READ = "read"
NOT_FOUND = "column_not_found"
STATE_NAMES = {READ: "已完整读取", NOT_FOUND: "未找到年报栏目或栏目无法完整读取"}

REASONS = {
    "no_column_link": "首页和政府信息公开页上没有找到年报栏目的链接",
    "list_error": "年报栏目页面无法读取（{error}）",
    "challenge": "网站的 JavaScript 验证没有通过（{error}）",
    "column_empty": "年报栏目页面上没有任何条目",
    "scripts": "年报列表由脚本生成，浏览器也未能读出",
    "no_reports_listed": "栏目中从未出现过年度报告标题，可能不是年报栏目",
    "pagination_cap": "分页达到上限，只读了 {pages} 页",
    "pagination_trap": "翻页无效（第 2 页与第 1 页相同），无法确认已读完",
    "pagination_error": "翻页中途出错（{error}），只读了 {pages} 页",
    "unfinished": "抓取结束时栏目尚未读完（只读了 {pages} 页）",
    "dropped": "栏目的部分列表页没有抓取",
    "shared_incomplete": "与其他单位共用的栏目没有读完",
    "not_read": "最近一次抓取没有该单位年报栏目的读取记录",
    "not_recorded": "最近一次抓取由不记录栏目读取情况的旧版本完成",
    "no_address": "名录中没有该单位（及其上级）的网站或栏目地址",
}
# reasons that say the night ended before the reading did: nothing is judged (status unchecked), nothing closes
UNFINISHED = ("not_recorded", "not_read", "unfinished")
ACTION = "请在名录中为该单位填写 columns:（年报栏目的地址）"
# what the operators can do, by reason (the rest: register the column)
ACTIONS = {
    "pagination_cap": "请核对栏目的页数；如确需更多页，调高 NIANBAO_MAX_LIST_PAGES",
    "pagination_trap": "请核对栏目的翻页方式；可在名录中指定 cms，或把各年度子栏目填入 columns:",
    "pagination_error": "翻页中途出错，下次抓取会重试；如持续出现，请检查该网站",
    "unfinished": "抓取被中断，下次抓取会重试",
    "list_error": "请检查该网站是否可以访问；栏目地址如已变更，请更新名录中的 columns:",
    "challenge": "该网站的验证需要浏览器：可在名录中为该单位设置 render: browser",
    "shared_incomplete": "共用栏目下次抓取会重试",
}
NOT_FOUND_REASONS = ("no_column_link", "not_read", "no_address")
_CHALLENGE = re.compile(r"\b(?:412|521)\b|challenge|验证", re.I)

SCHEMA = """
CREATE TABLE IF NOT EXISTS unit_coverage (
    unit_code TEXT PRIMARY KEY,
    reader TEXT,
    state TEXT NOT NULL,
    reason TEXT,
    reason_text TEXT,
    column_url TEXT,
    adapter TEXT,
    pages INTEGER,
    entries INTEGER,
    report_entries INTEGER,
    browser INTEGER,
    last_error TEXT,
    run INTEGER,
    read_at TEXT
);
"""


def ensure_schema(db: sqlite_utils.Database) -> None:
    column_reads.ensure_schema(db)
    db.conn.executescript(SCHEMA)


@dataclass
class Coverage:
    """How far one unit's column was read on its last night."""

    unit_code: str
    reader: str  # whose pages hold its reports (itself, or the unit above whose column lists it)
    state: str = NOT_FOUND
    reason: str | None = "not_read"
    reason_text: str = REASONS["not_read"]
    columns: list[str] = field(default_factory=list)
    adapter: str | None = None
    pages: int = 0
    entries: int = 0
    report_entries: int = 0
    browser: bool = False
    last_error: str | None = None
    run: int | None = None
    at: str | None = None

    @property
    def read(self) -> bool:
        return self.state == READ

    def evidence(self, year: int) -> str:
        """What was read, and no more: ``读取了年报栏目 3 页，共 41 条年报，没有本单位 2024 年度的``."""
        where = "年报栏目" if len(self.columns) <= 1 else f"{len(self.columns)} 个年报栏目"
        return f"读取了{where} {self.pages} 页，共 {self.report_entries} 条年报，没有本单位 {year} 年度的"

    def row(self) -> dict[str, Any]:
        return {"unit_code": self.unit_code, "reader": self.reader, "state": self.state, "reason": self.reason,
                "reason_text": self.reason_text, "column_url": self.columns[0] if self.columns else None,
                "adapter": self.adapter, "pages": self.pages, "entries": self.entries,
                "report_entries": self.report_entries, "browser": int(self.browser), "last_error": self.last_error,
                "run": self.run, "read_at": self.at}


def judge(reader: str, rows: list[dict[str, Any]], listed: dict[str, int],
          complete_urls: set[str]) -> Coverage:
    """The coverage of ``reader``'s pages from its readings of one night.

    ``listed``: report-title entries ever seen per column URL (any unit, any night);
    ``complete_urls``: column URLs some unit read completely that night (for shared columns).
    """
    cov = Coverage(reader, reader)
    columns = [r for r in rows if r["role"] == "column"]
    if rows:
        cov.run, cov.at = rows[0]["run"], max(r["at"] or "" for r in rows) or None
    if not columns:
        if any(r["role"] == "discovery" and not r["found"] for r in rows):
            cov.reason = "no_column_link"
            cov.columns = [r["column_url"] for r in rows]
        cov.reason_text = REASONS[cov.reason]
        return cov
    cov.columns = list(dict.fromkeys(r["column_url"] for r in columns))
    cov.adapter = ",".join(dict.fromkeys(a for r in columns for a in (r["adapter"] or "").split(",") if a)) or None
    cov.pages = sum(r["pages"] for r in columns)
    cov.entries = sum(r["entries"] for r in columns)
    cov.report_entries = sum(r["report_entries"] for r in columns)
    cov.browser = any(r["browser"] for r in columns)
    cov.last_error = next((r["last_error"] for r in columns if r["last_error"]), None)
    cov.reason = _reason(columns, listed, complete_urls)
    if cov.reason is None:
        cov.state = READ
        cov.reason_text = ""
        return cov
    first = next((r for r in columns if not r["complete"]), columns[0])
    cov.reason_text = REASONS[cov.reason].format(pages=first["pages"], error=first["last_error"] or "抓取失败")
    return cov


def _reason(columns: list[dict[str, Any]], listed: dict[str, int], complete_urls: set[str]) -> str | None:
    """Why these readings are not evidence of absence (None: they are)."""
    for r in columns:
        if not r["complete"]:
            cut = r["cut"]
            if cut == column_reads.CUT_ERROR:
                if _CHALLENGE.search(r["last_error"] or ""):
                    return "challenge"
                return "list_error" if r["pages"] == 0 else "pagination_error"
            return {column_reads.CUT_CAP: "pagination_cap", column_reads.CUT_TRAP: "pagination_trap",
                    column_reads.CUT_UNFINISHED: "unfinished"}.get(cut, "dropped")
        shared = json.loads(r["shared"] or "[]")
        if any(url not in complete_urls for url in shared):
            return "shared_incomplete"
    if any(listed.get(r["column_url"], 0) > 0 for r in columns):
        return None
    if any(r["scripts"] for r in columns):
        return "scripts"
    if not any(r["entries"] for r in columns):
        return "column_empty"
    return "no_reports_listed"


def collect(db: sqlite_utils.Database, registry: Registry, last_runs: dict[str, int | None]) -> dict[str, Coverage]:
    """Coverage of every registry unit. ``last_runs``: the run of each reader's last night (from the
    fetch log; a reader absent from it is judged on its latest recorded reading)."""
    from .expected import reader_of

    ensure_schema(db)
    listed = {url: n for url, n in db.execute(
        "SELECT column_url, max(report_entries) FROM column_reads WHERE role = 'column' GROUP BY column_url")}
    latest = {code: run for code, run in db.execute("SELECT unit_code, max(run) FROM column_reads GROUP BY unit_code")}
    recorded = {run for (run,) in db.execute("SELECT DISTINCT run FROM column_reads")}
    by_reader: dict[str, Coverage] = {}
    out: dict[str, Coverage] = {}
    complete_by_run: dict[int | None, set[str]] = {}
    for unit in registry.units:
        reader = reader_of(unit, registry)
        if reader.code not in by_reader:
            run = last_runs.get(reader.code, latest.get(reader.code))
            if run is not None and run not in recorded:  # crawled by a version that kept no record: unknown
                by_reader[reader.code] = Coverage(reader.code, reader.code, reason="not_recorded",
                                                  reason_text=REASONS["not_recorded"], run=run)
            else:
                by_reader[reader.code] = _reader_coverage(db, reader, run, listed, complete_by_run)
        base = by_reader[reader.code]
        out[unit.code] = Coverage(**{**base.__dict__, "unit_code": unit.code, "reader": reader.code})
    return out


def _reader_coverage(db: sqlite_utils.Database, reader: Unit, run: int | None, listed: dict[str, int],
                     complete_by_run: dict[int | None, set[str]]) -> Coverage:
    rows = [] if run is None else list(db.query(
        "SELECT * FROM column_reads WHERE unit_code = ? AND run = ? ORDER BY id", [reader.code, run]))
    if not rows and not reader.start_urls:
        return Coverage(reader.code, reader.code, reason="no_address", reason_text=REASONS["no_address"])
    if run not in complete_by_run:
        complete_by_run[run] = {url for (url,) in db.execute(
            "SELECT DISTINCT column_url FROM column_reads WHERE run = ? AND role = 'column' AND complete = 1", [run])}
    return judge(reader.code, rows, listed, complete_by_run[run])


def save(db: sqlite_utils.Database, coverage: dict[str, Coverage]) -> None:
    """Rebuild ``unit_coverage``."""
    ensure_schema(db)
    rows = [c.row() for c in coverage.values()]
    with atomic(db.conn):
        db.execute("DELETE FROM unit_coverage")
        if rows:
            db["unit_coverage"].insert_all(rows, pk="unit_code")


# ---------------------------------------------------------------- what people read
def not_found_payload(reader: Unit, cov: Coverage, affected: list[tuple[Unit, list[int]]]) -> dict[str, Any]:
    """The operators' alert about a column that could not be found or read completely."""
    who = "；".join(f"{u.name} {'、'.join(map(str, years))} 年度" for u, years in affected)
    details = [f"无法判定是否发布：{who}", ACTIONS.get(cov.reason or "", ACTION)]
    if cov.pages:
        details.insert(1, f"已读取 {cov.pages} 页，{cov.entries} 个条目，其中年报 {cov.report_entries} 条"
                          + ("（使用浏览器）" if cov.browser else ""))
    links = [["年报栏目" if cov.reason != "no_column_link" else "首页", url] for url in cov.columns[:3]]
    if not links and (reader.site or reader.home):
        links = [["网站", reader.site or reader.home]]
    what = "未找到年报栏目" if cov.reason in NOT_FOUND_REASONS else "年报栏目无法完整读取"
    return {"headline": f"{what}：{cov.reason_text}", "details": details, "links": links,
            "reason": cov.reason}


class Undetermined(str):
    """A closing sentence that says the alert closed because it can no longer be judged, not because it
    was fixed (:func:`alerts.state.reconcile` keeps ``closed_as`` in the payload)."""

    closed_as = "undetermined"


def undetermined(year: int, cov: Coverage | None) -> Undetermined:
    """The closing sentence of a missing alert whose absence can no longer be judged."""
    why = cov.reason_text if cov is not None else REASONS["not_read"]
    return Undetermined(f"无法判定：{why}，不能确认 {year} 年度报告未发布（已撤回“逾期未发布”）")


def digest_lines(alert: dict[str, Any], state: str) -> list[str]:
    """What was read behind a missing alert, and when (``2026-11-29 02:00 读取了年报栏目 3 页，共 41 条年报，
    没有本单位 2024 年度的``): said in the digest in place of the bare “read completely” line."""
    p = alert["payload"]
    evidence = p.get("evidence")
    if not evidence or state == "resolved":
        return []
    return [f"{p['read_at']} {evidence}" if p.get("read_at") else evidence]


def closed_tag(alert: dict[str, Any]) -> str | None:
    """The tag of a closed alert that was not resolved but became undeterminable."""
    return "无法判定" if alert["payload"].get("closed_as") == "undetermined" else None


def summary_lines(db: sqlite_utils.Database, registry: Registry, run: int, units: Iterable[Unit] | None = None,
                  limit: int = 30) -> list[str]:
    """The end of ``nianbao crawl``: units where nothing was found, and why."""
    units = list(units if units is not None else registry.units)
    readers = {u.code: run for u in units}
    cov = collect(db, registry, readers)
    cov = {code: c for code, c in cov.items() if code in readers}
    save_partial(db, cov)
    found = {code for (code,) in db.execute(
        "SELECT DISTINCT unit_code FROM reports WHERE unit_code IS NOT NULL AND status != 'failed'")}
    failed = {code: err for code, err in db.execute(
        "SELECT unit_code, max(coalesce(error, outcome)) FROM fetches WHERE run = ? AND kind IN ('list', 'home') "
        "AND outcome NOT IN ('ok', 'not_modified') GROUP BY unit_code", [run])}
    lines = []
    for unit in units:
        c = cov.get(unit.code)
        if c is None or unit.code in found:
            continue
        if c.read:
            why = f"栏目已完整读取（{c.pages} 页，{c.report_entries} 条年报），没有本单位的年报"
        elif c.reason in ("list_error", "not_read") and failed.get(c.reader):
            why = f"网站无法读取：{failed[c.reader]}"
        else:
            why = f"{c.reason_text}（{ACTIONS.get(c.reason or '', ACTION)}）"
        lines.append(f"  {unit.name}（{unit.code}）：{why}")
    if not lines:
        return []
    shown = lines[:limit] + ([f"  另有 {len(lines) - limit} 个单位"] if len(lines) > limit else [])
    return [f"没有找到年报的单位 {len(lines)} 个："] + shown


def save_partial(db: sqlite_utils.Database, coverage: dict[str, Coverage]) -> None:
    """Refresh ``unit_coverage`` for these units only (a crawl of some units leaves the others)."""
    ensure_schema(db)
    rows = [c.row() for c in coverage.values()]
    if rows:
        with atomic(db.conn):
            db["unit_coverage"].upsert_all(rows, pk="unit_code")


def crawl_summary(db_path: str, registry_path: str, run: int, codes: list[str] | None = None) -> list[str]:
    """:func:`summary_lines` for ``nianbao crawl`` (paths in, lines out)."""
    from crawler.registry import load
    from crawler.store import Store

    registry = load(registry_path)
    store = Store(db_path)
    try:
        return summary_lines(store.db, registry, run, registry.select(codes))
    finally:
        store.close()
