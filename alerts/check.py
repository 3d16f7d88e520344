"""``nianbao check``: evaluate deadlines, rules and site health, and open or close alerts.

    result = run_check(store, now=datetime.now(timezone.utc), registry=load("registry.yaml"))

Order of a check: mirror the registry into ``units`` (when given) → unit health from the fetch log →
``expected_reports`` → findings → :func:`alerts.state.reconcile`. Nothing is sent here; building and
sending digests is :mod:`alerts.notify`.

The states stay apart (lessons: states): a site that could not be read makes the year ``unreachable``
and leaves an open "missing" alert as it is; a failed parse is ``parse_failed``; only an error-severity
rule failing on a readable report is ``inconsistent``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from crawler.registry import Registry
from crawler.store import Store
from parsers.rules import RULES_BY_ID

from . import ack, baseline
from . import coverage as coverage_mod
from . import expected as expected_mod
from . import health as health_mod
from . import runs as runs_mod
from . import state as state_mod
from .config import AlertConfig, aware, china_date, china_time
from .expected import Expected
from .health import UnitHealth
from .state import Changes, Finding, Key, reconcile

MAX_DETAILS = 8  # instances listed per rule; the rest are counted


@dataclass
class CheckResult:
    """What a check found and changed."""

    statuses: Counter = field(default_factory=Counter)
    changes: Changes = field(default_factory=Changes)
    findings: list[Finding] = field(default_factory=list)
    network_down: dict[str, Any] | None = None
    units: int = 0
    history: list[Finding] = field(default_factory=list)  # old years' problems kept as history, not alerts
    reopened: list[int] = field(default_factory=list)  # acknowledged alerts whose report changed
    history_recorded: int = 0  # history findings recorded tonight for the first time


def run_check(store: Store, *, now: datetime | None = None, registry: Registry | None = None,
              config: AlertConfig | None = None) -> CheckResult:
    """Evaluate everything as of ``now`` and reconcile the ``alerts`` table; returns counts and changes."""
    now = aware(now)
    config = config or AlertConfig.from_env()
    db = store.db
    for mod in (health_mod, runs_mod, state_mod):
        mod.ensure_schema(db)
    if registry is not None:
        store.sync_units(registry)
    registry = expected_mod.registry_from_units(db)
    health, down = health_mod.collect(db, config)
    health_mod.save(db, health, [u.code for u in registry.units], now)
    found = expected_mod.found_reports(db, registry)
    coverage = coverage_mod.collect(db, registry, {code: h.last.run if h.last else None for code, h in health.items()})
    coverage_mod.save(db, coverage)
    expected = expected_mod.compute(db, registry, health, now, config, found, coverage)
    previous = baseline.previous_statuses(db)
    expected_mod.save(db, expected, now)

    builder = _Findings(db, registry, health, config, now)
    for exp in expected:
        builder.report_findings(exp)
    for (code, year), rows in found.items():
        if year == 0 and registry.get(code):
            builder.undated_failure(registry.get(code), rows)
    builder.column_findings()
    for unit in registry.units:
        builder.site_findings(unit.code, health.get(unit.code))
    latest_down = builder.system_findings(down)
    deadlines = {(e.unit.code, e.year): e.deadline for e in expected}
    findings, history = baseline.split(db, builder.findings, deadlines=deadlines, previous=previous,
                                       open_keys={state_mod.key_of(r) for r in state_mod.open_alerts(db)},
                                       now=now, window_days=config.alert_window_days)
    changes = reconcile(db, findings, now, held=builder.held, resolution=builder.resolution)
    recorded = baseline.record(db, history, deadlines, now)
    reopened = ack.reopen_changed(db, now)
    return CheckResult(statuses=Counter(e.status for e in expected), changes=changes, findings=findings,
                       network_down=latest_down, units=len(registry.units), history=history, reopened=reopened,
                       history_recorded=recorded)


class _Findings:
    """Turns expected reports, health and runs into findings, and says why a closed alert closed."""

    def __init__(self, db, registry: Registry, health: dict[str, UnitHealth], config: AlertConfig, now: datetime):
        self.db, self.registry, self.health, self.config, self.now = db, registry, health, config, now
        self.findings: list[Finding] = []
        self.expected: dict[tuple[str, int], Expected] = {}
        self.undecided: set[tuple[str, int]] = set()  # (unit, year) whose absence we cannot judge tonight
        self.site_undecided: set[str] = set()
        self.system_undecided: set[str] = set()
        self.later_finished: dict[str, int] = {}
        self.not_found: dict[str, list[Expected]] = {}  # reader → years its column could not settle
        self.column_undecided: set[str] = set()  # readers whose site could not be read tonight

    # ------------------------------------------------------------ per report year
    def report_findings(self, e: Expected) -> None:
        code, year = e.unit.code, e.year
        self.expected[(code, year)] = e
        links = self._report_links(e)
        if e.status in ("unreachable", "unchecked"):
            self.undecided.add((code, year))
            self.column_undecided.add(expected_mod.reader_of(e.unit, self.registry).code)
        elif e.status == "column_not_found":  # told to the operators, once per column (column_findings)
            self.not_found.setdefault(expected_mod.reader_of(e.unit, self.registry).code, []).append(e)
        elif e.status == "missing":
            reader = expected_mod.reader_of(e.unit, self.registry)
            h = self.health.get(reader.code)
            seen = china_time(h.last.at) if h and h.last else "—"
            # say what was read: a column, or the pages a site-only unit's column was looked for on
            where = (f"{reader.name}的年报栏目" if reader is not e.unit else
                     "该单位的年报栏目" if e.unit.columns else "该单位网站上找到的年报栏目")
            self.add(code, year, "missing", payload={
                "headline": f"{year} 年度报告逾期未发布（截止 {e.deadline}）",
                "details": [f"{seen} 完整读取了{where}，没有找到这份报告"],
                "evidence": e.coverage.evidence(year) if e.coverage else None,
                "read_at": seen,
                "deadline": e.deadline.isoformat(), "links": self._unit_links(e.unit) or self._unit_links(reader)})
        elif e.status == "late" and e.deadline >= china_date(self.now) - timedelta(days=self.config.alert_window_days):
            self.add(code, year, "late", report=e.report["id"], payload={
                "headline": f"{year} 年度报告逾期发布：发布于 {e.published[:10]}，晚于截止日期 {e.deadline} {e.days_late} 天",
                "details": [], "deadline": e.deadline.isoformat(), "published": e.published[:10], "links": links})
        elif e.status == "parse_failed":
            r = e.report
            self.add(code, year, "parse_failed", report=r["id"], payload={
                "headline": f"{year} 年度报告找到了，但无法读取：{r['error_message'] or '原因不明'}",
                "details": [f"错误代码：{r['error_code']}"] if r["error_code"] else [],
                "links": links})
        if e.status in ("on_time", "late"):
            self._rule_findings(e, links)

    def undated_failure(self, unit, rows: list[dict[str, Any]]) -> None:
        """Unreadable documents whose year is unknown (neither the document nor its page's title said)."""
        r = expected_mod.choose(rows)
        self.expected[(unit.code, 0)] = Expected(unit, 0, date.min, "parse_failed", report=r, page_url=r["page"])
        self.add(unit.code, 0, "parse_failed", report=r["id"], payload={
            "headline": f"找到一份年报，但无法读取，也无法确定年度：{r['error_message'] or '原因不明'}",
            "details": [f"错误代码：{r['error_code']}"] if r["error_code"] else [],
            "links": self._report_links(self.expected[(unit.code, 0)])})

    def _rule_findings(self, e: Expected, links: list[list[str]]) -> None:
        rows = list(self.db.query(
            "SELECT rule, scope, message FROM rule_results WHERE report = ? AND status = 'fail' AND severity = 'error' "
            "ORDER BY rule, scope", [e.report["id"]]))
        by_rule: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_rule.setdefault(r["rule"], []).append(r)
        for rule, items in by_rule.items():
            messages = [r["message"] for r in items]
            shown = messages[:MAX_DETAILS] + ([f"另有 {len(messages) - MAX_DETAILS} 处"] if len(messages) > MAX_DETAILS else [])
            scope = ",".join(r["scope"] for r in items)
            title = RULES_BY_ID[rule].title if rule in RULES_BY_ID else rule
            if rule == "CELLS-MISSING":
                self.add(e.unit.code, e.year, "incomplete", rule=rule, scope=scope, report=e.report["id"], payload={
                    "headline": f"{e.year} 年度报告缺少部分表格内容，有些数字无法核对",
                    "details": shown, "links": links})
            else:
                self.add(e.unit.code, e.year, "inconsistent", rule=rule, scope=scope, report=e.report["id"], payload={
                    "headline": f"{e.year} 年度报告数字对不上（{rule}：{title}）",
                    "details": shown, "links": links})

    def column_findings(self) -> None:
        """One operators' alert per column that could not settle a unit's year (未找到年报栏目)."""
        for reader_code, items in self.not_found.items():
            reader = self.registry.get(reader_code)
            cov = items[0].coverage
            if reader is None or cov is None:
                continue
            years: dict[str, list[int]] = {}
            for e in items:
                years.setdefault(e.unit.code, []).append(e.year)
            affected = [(self.registry.get(code), sorted(ys)) for code, ys in years.items()]
            self.add(reader_code, 0, "column_not_found", scope=cov.reason,
                     payload=coverage_mod.not_found_payload(reader, cov, affected))

    # ------------------------------------------------------------ per site
    def site_findings(self, code: str, h: UnitHealth | None) -> None:
        if h is None or not h.own_nights:
            self.site_undecided.add(code)  # never read, or only on nights our own network was down
            return
        n = h.consecutive_failures
        if n >= self.config.unreachable_nights:
            night = h.last_failure
            failure = night.first_failure or {}
            verb = "拒绝抓取" if night.blocked else "无法访问"
            since = f"最近一次成功读取：{china_time(h.last_success_at)}" if h.last_success_at else "从未成功读取过该网站"
            self.add(code, 0, "unreachable", scope="blocked" if night.blocked else "unreachable", payload={
                "headline": f"网站连续 {n} 晚{verb}：{night.error_text()}",
                "details": [since, "在能读取之前，不会判定该单位的年报“逾期未发布”"],
                "links": [["无法打开的页面", failure.get("url")]] if failure.get("url") else []})
        nothing = h.nothing_found
        if nothing:
            unit = self.registry.get(code)
            self.add(code, 0, "nothing_found", payload={
                "headline": f"年报栏目能打开，但没有列出任何年报（以前列出过 {nothing[0]} 篇），栏目可能已改版或迁移",
                "details": [], "links": self._unit_links(unit) if unit else []})

    # ------------------------------------------------------------ the monitor itself
    def system_findings(self, down: list[dict[str, Any]]) -> dict[str, Any] | None:
        latest = self.db.execute("SELECT max(run) FROM fetches WHERE unit_code IS NOT NULL").fetchone()[0]
        down_by_run = {d["run"]: d for d in down}
        latest_down = down_by_run.get(latest)
        if latest is None:
            self.system_undecided.add("network_down")
        elif latest_down:
            d = latest_down
            self.add("", 0, "network_down", scope=str(d["run"]), payload={
                "headline": f"抓取 #{d['run']} 中 {d['units']} 个单位有 {d['failed']} 个网站无法访问，可能是本机网络故障",
                "details": ["这些单位当晚不计为“网站无法访问”，也不据此判定“逾期未发布”"], "links": []})
        else:
            self.later_finished["network_down"] = latest

        alerted = {r[0] for r in self.db.execute("SELECT rule FROM alerts WHERE unit_code = '' AND kind IN ('run_unfinished', 'run_missed')")}
        for run in runs_mod.unfinished_runs(self.db, self.now, self.config):
            rule = f"run:{run['id']}"
            if run["finished_after"]:
                self.later_finished[rule] = run["finished_after"]
                if rule in alerted:
                    continue  # told already: now it closes with the later run as its resolution
            status = "进程中断，状态仍为 running" if run["status"] == "running" else run["status"]
            self.add("", 0, "run_unfinished", rule=rule, scope=str(run["id"]), payload={
                "headline": f"抓取 #{run['id']}（{china_time(run['started'])} 开始）没有正常结束（{status}），当晚的结果不完整",
                "details": ["未读取到的单位不会因此被判定为“逾期未发布”"], "links": []})
        for row in runs_mod.missed_schedules(self.db, self.now):
            rule = f"missed:{row['id']}"
            if row["finished_after"]:
                self.later_finished[rule] = row["finished_after"]
                if rule in alerted:
                    continue
            self.add("", 0, "run_missed", rule=rule, payload={
                "headline": f"计划任务没有在 {china_time(row['scheduled_for'])} 运行（错过的时间超过了宽限期）",
                "details": [row["detail"]] if row["detail"] else [], "links": []})
        return latest_down

    # ------------------------------------------------------------ helpers
    def add(self, unit_code: str, year: int, kind: str, *, rule: str = "", scope: str | None = None,
            report: str | None = None, payload: dict[str, Any]) -> None:
        self.findings.append(Finding(unit_code, year, kind, rule, scope, report, payload))

    def _report_links(self, e: Expected) -> list[list[str]]:
        if not e.report:
            return []
        links = [["发现报告的页面", e.page_url]] if e.page_url else []
        return links + [["报告数据", self.config.report_url(e.report["id"])]]

    @staticmethod
    def _unit_links(unit) -> list[list[str]]:
        url = (unit.columns or [None])[0] or unit.site or unit.home
        return [["年报栏目" if unit.columns else "网站", url]] if url else []

    def held(self, key: Key) -> bool:
        unit_code, year, kind, rule = key
        if kind == "missing":
            return (unit_code, year) in self.undecided
        if kind in ("unreachable", "nothing_found"):
            return unit_code in self.site_undecided and self.registry.get(unit_code) is not None
        if kind == "column_not_found":
            return unit_code in self.site_undecided | self.column_undecided and self.registry.get(unit_code) is not None
        if kind == "network_down":
            return "network_down" in self.system_undecided
        if kind in ("run_unfinished", "run_missed"):
            # closes only when a later run finished, not when it merely ages out of the look-back window
            return rule not in self.later_finished
        return False

    def resolution(self, row: dict[str, Any]) -> str | None:
        """Why an open alert is no longer a problem, in a sentence (None: it only aged out, say nothing)."""
        code, year, kind = row["unit_code"], row["year"], row["kind"]
        if code and self.registry.get(code) is None:
            return "该单位已从名录中移除，不再监测"
        e = self.expected.get((code, year))
        if kind == "late" and e is not None and e.status == "late":
            return None  # older than the alert window
        if kind == "parse_failed" and year == 0:
            return "这份年度不明的文档已能读取，或已被替换"
        if kind in ("missing", "late", "parse_failed", "inconsistent", "incomplete"):
            if e is None:
                return f"该单位不再需要提交 {year} 年度报告（名录已调整）"
            if e.status == "not_due":
                return f"截止日期已调整为 {e.deadline}，尚未到期"
            when = f"发布于 {e.published[:10]}" if e.published else ""
            if kind == "missing":
                if e.status == "column_not_found":  # not found after all, but not seen to be absent either
                    return coverage_mod.undetermined(year, e.coverage)
                if e.status == "parse_failed":
                    return f"已找到 {year} 年度报告，但无法读取，见“无法读取”一项"
                if e.status == "late":
                    when = f"{when}，逾期 {e.days_late} 天"
                return f"已找到 {year} 年度报告（{when}）" if when else f"已找到 {year} 年度报告"
            if kind == "late":
                return f"发布日期已更正为 {e.published[:10] if e.published else '不明'}，未逾期"
            if kind == "parse_failed":
                return f"{year} 年度报告已能读取"
            if e.status in ("on_time", "late"):
                if e.report and e.report["id"] != row["report"]:
                    return f"发现了新版本的 {year} 年度报告，{row['rule']} 核对已通过"
                return f"{row['rule']} 核对已通过"
            return f"{year} 年度报告已无法读取，见“无法读取”一项"
        if kind == "unreachable":
            h = self.health.get(code)
            if h and h.consecutive_failures:  # still failing, but below a threshold that was raised
                return f"连续失败 {h.consecutive_failures} 晚，低于现在的提醒阈值（{self.config.unreachable_nights} 晚）"
            return f"网站已恢复访问（{china_time(h.last.at)} 读取成功）" if h and h.last else "网站已恢复访问"
        if kind == "column_not_found":
            cov = next((e.coverage for e in self.expected.values() if e.coverage and e.coverage.reader == code), None)
            if cov is not None and cov.read:
                return f"年报栏目已完整读取（{cov.pages} 页，{cov.report_entries} 条年报）"
            return "该栏目不再影响任何单位的判定"
        if kind == "nothing_found":
            h = self.health.get(code)
            return f"栏目中又列出了 {h.last.entries} 篇年报" if h and h.last else "栏目已恢复"
        if kind == "network_down":
            return f"抓取 #{self.later_finished.get('network_down')} 网络已恢复正常"
        if kind == "run_unfinished":
            return f"之后的抓取 #{self.later_finished.get(row['rule'])} 已正常完成"
        if kind == "run_missed":
            return "之后的计划任务已正常运行"
        return "问题已解决"

