"""The consistency rules of docs/domain.md §3, as one table.

Each rule is a row of :data:`RULES`: its id, severity, a Chinese title and a check. The arithmetic
identities are data (:class:`Sum` — which cells add up to which) evaluated by one function that applies
the blank-cell policy, so a new identity is one more entry, not new code.

Blank policy (domain.md §2): a blank result cell makes the instance not_assessable; when every addend
is blank while the result is non-zero the instance is not_assessable (only totals were filled in);
otherwise a blank addend counts as 0. A cell missing from the document makes the instance
not_assessable and the report incomplete.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter, not_
from datetime import date
from decimal import Decimal

from . import schema
from .model import Number, Report, RuleResult

ERROR, WARNING = "error", "warning"
PASS, FAIL, NOT_ASSESSABLE = "pass", "fail", "not_assessable"


def fmt_num(value: Number | None) -> str:
    """26 → “26”; Decimal('25.1000') → “25.1”; None → “空白”."""
    if type(value) is int:  # the usual cell
        return str(value)
    if value is None:
        return "空白"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


@dataclass(frozen=True)
class Term:
    key: str
    name: str  # how the message names it, e.g. “本年新收”


@dataclass(frozen=True)
class Sum:
    """``sum(left) == sum(right)``; ``result`` is the cell a blank of which makes it unassessable."""

    scope: str
    where: str  # “表三·自然人”
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    result: str

    @property
    def keys(self) -> list[str]:
        return [t.key for t in self.left + self.right]

    @cached_property
    def plan(self) -> tuple[tuple[Term, ...], tuple[str, ...], tuple[bool, ...], int]:
        """Its terms, their keys without ``prev:``, which read last year's report, the result's index."""
        terms = self.left + self.right
        return (terms, tuple(t.key.removeprefix("prev:") for t in terms), tuple(t.key.startswith("prev:") for t in terms),
                next(i for i, t in enumerate(terms) if t.key == self.result))


@dataclass
class Context:
    """What a check may need besides the report."""

    previous: Report | None = None  # the same unit's report for the year before
    deadline: date | None = None
    deadline_note: str = ""
    # for the evaluator's checks (parsers.evaluator); None when not known, which makes them not_assessable
    unit_name: str | None = None  # the registry unit the report was found for
    other_units: list[str] | None = None  # names of the other registry units of its county
    peers: list | None = None  # [(report id, unit name, Report)]: same year, same county, close fingerprint


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    check: Callable[[Report, Context], Iterable[RuleResult]]
    cross_year: bool = False
    formats: tuple[str, ...] = (schema.FORMAT_2021, schema.FORMAT_2019)


# ---------------------------------------------------------------- evaluating an identity
_INVALID = attrgetter("invalid")
_INFERRED = attrgetter("inferred")
_VALUE = attrgetter("value")


def evaluate_sum(rule: str, severity: str, s: Sum, report: Report, other: Report | None = None) -> RuleResult:
    """Apply the blank policy and compare. Terms whose key starts with ``prev:`` read ``other``."""
    terms, keys, from_prev, at = s.plan  # the result is one of the terms, at ``at``
    mine = report.cells
    if other is None and not any(from_prev):
        got = list(map(mine.get, keys))  # each cell looked up once; None: absent
    else:
        prev = other.cells if other is not None else {}
        got = [(prev if p else mine).get(k) for k, p in zip(keys, from_prev)]
    where = s.where
    if any(map(not_, got)):  # a None (a Cell is always true)
        names = "、".join(t.name for t, c in zip(terms, got) if c is None)
        return RuleResult(rule, s.scope, NOT_ASSESSABLE, severity, f"{where}：文档中没有{names}，无法核对", list(keys))
    if any(map(_INVALID, got)):
        names = "、".join(f"{t.name}“{c.raw}”" for t, c in zip(terms, got) if c.invalid)
        return RuleResult(rule, s.scope, NOT_ASSESSABLE, severity, f"{where}：{names}不是数字，无法核对", list(keys))
    result, result_name = got[at], terms[at].name
    if result.value is None:
        return RuleResult(rule, s.scope, NOT_ASSESSABLE, severity, f"{where}：{result_name}为空白，无法核对", list(keys))
    if result.value != 0 and all(c.value is None for t, c in zip(terms, got) if t.key != s.result):
        return RuleResult(rule, s.scope, NOT_ASSESSABLE, severity,
                          f"{where}：只填了{result_name} {fmt_num(result.value)}，各分项均为空白，无法核对", list(keys))
    n = len(s.left)
    lv, lt = _side(s.left, got[:n])
    rv, rt = _side(s.right, got[n:])
    if lv == rv:
        return RuleResult(rule, s.scope, PASS, severity, f"{where}：{lt}，与{rt}相符", list(keys), fmt_num(lv), fmt_num(rv))
    diff = fmt_num(abs(lv - rv))
    unsure = [(t, c) for t, c in zip(terms, got) if c.low_confidence]
    if unsure:  # the engine may have misread a digit: not the office's error until a person looks
        names = "、".join(f"{t.name}“{c.raw}”" for t, c in unsure)
        return RuleResult(rule, s.scope, NOT_ASSESSABLE, severity, f"{where}：{lt}，但{rt}，相差 {diff}；其中{names}为低置信度识别，"
                          f"不作判定", list(keys), fmt_num(lv), fmt_num(rv))
    return RuleResult(rule, s.scope, FAIL, severity, f"{where}：{lt}，但{rt}，相差 {diff}", list(keys), fmt_num(lv), fmt_num(rv))


def _side(terms: tuple[Term, ...], cells: list) -> tuple[Number, str]:
    """One side of an identity: its total and how the message states it."""
    values = list(map(_VALUE, cells))
    total = sum((v or 0 for v in values), 0)
    # a term is shown when its value is not 0 or blank (``(v or 0) != 0``: a value's truth)
    shown = [(t, v) for t, v in zip(terms, values) if v] if len(terms) > 4 else list(zip(terms, values))
    if not shown:
        return total, f"各项均为 0 = {fmt_num(total)}" if len(terms) > 1 else fmt_num(total)
    parts = " + ".join([f"{t.name} {fmt_num(v)}" for t, v in shown])
    return total, parts if len(terms) == 1 else f"{parts} = {fmt_num(total)}"


def split_evidence(results: list[RuleResult], report: Report) -> list[RuleResult]:
    """A pass of an identity that decided how a glued run was split (``at["by"]`` of the cells split
    from it, :mod:`parsers.glued`) proves nothing: it becomes not_assessable."""
    if not any(map(_INFERRED, report.cells.values())):  # in C: four identities ask for every report
        return results
    for r in results:
        instance = f"{r.rule}/{r.scope}"
        runs = list(dict.fromkeys(c.raw for k in r.cells if (c := report.cells.get(k)) is not None
                                  and c.inferred and instance in c.at.get("by", ())))
        if runs and r.status == PASS:
            r.status = NOT_ASSESSABLE
            r.message = f"{r.message}，但这些数字由合计推断拆分（原文“{'”“'.join(runs)}”），不能据此核对"
    return results


def _t3(row: str, col: str) -> str:
    return f"t3.{row}.{col}"


def t3_balance(report: Report) -> list[Sum]:
    out = []
    for col in schema.T3_COLUMNS:
        where = f"表三·{schema.T3_COLUMN_NAMES[col]}" + ("列" if col == "total" else "")
        out.append(Sum(col, where,
                       (Term(_t3("new", col), "本年新收"), Term(_t3("carried_in", col), "上年结转")),
                       (Term(_t3("handled_total", col), "办理结果总计"), Term(_t3("carried_out", col), "结转下年度")),
                       result=_t3("handled_total", col)))
    return out


def t3_handled_sum(report: Report) -> list[Sum]:
    rows = schema.T3_RESULT_ROWS_2019 if report.format == schema.FORMAT_2019 else schema.T3_RESULT_ROWS_2021
    out = []
    for col in schema.T3_COLUMNS:
        where = f"表三·{schema.T3_COLUMN_NAMES[col]}" + ("列" if col == "total" else "")
        out.append(Sum(col, where, tuple(Term(_t3(r, col), schema.T3_ROW_NAMES[r]) for r in rows),
                       (Term(_t3("handled_total", col), "办理结果总计"),), result=_t3("handled_total", col)))
    return out


def t3_row_total(report: Report) -> list[Sum]:
    out = []
    for row in schema.T3_ROWS[report.format or schema.FORMAT_2021]:
        out.append(Sum(row, f"表三·{schema.T3_ROW_NAMES[row]}",
                       tuple(Term(_t3(row, c), schema.T3_COLUMN_NAMES[c]) for c in schema.T3_APPLICANTS),
                       (Term(_t3(row, "total"), "总计"),), result=_t3(row, "total")))
    return out


def t4_total(report: Report) -> list[Sum]:
    out = []
    for g in schema.T4_GROUPS:
        out.append(Sum(g, f"表四·{schema.T4_GROUP_NAMES[g]}",
                       tuple(Term(f"t4.{g}.{r}", schema.T4_RESULT_NAMES[r]) for r in schema.T4_RESULTS[:4]),
                       (Term(f"t4.{g}.total", "总计"),), result=f"t4.{g}.total"))
    return out


def x_carry(report: Report, previous: Report) -> list[Sum]:
    out = []
    for col in schema.T3_COLUMNS:
        out.append(Sum(col, f"表三·{schema.T3_COLUMN_NAMES[col]}（跨年度）",
                       (Term(f"prev:{_t3('carried_out', col)}", f"{previous.year}年结转下年度"),),
                       (Term(_t3("carried_in", col), f"{report.year}年上年结转"),),
                       result=_t3("carried_in", col)))
    return out


def x_in_force(report: Report, previous: Report) -> list[Sum]:
    out = []
    for row in ("regulations", "normative"):
        name = schema.T2_ROW_NAMES[row]
        out.append(Sum(row, f"表二·{name}（跨年度）",
                       (Term(f"prev:t2.{row}.in_force", f"{previous.year}年现行有效"),
                        Term(f"t2.{row}.issued", "本年制发")),
                       (Term(f"t2.{row}.in_force", f"{report.year}年现行有效"), Term(f"t2.{row}.repealed", "本年废止")),
                       result=f"t2.{row}.in_force"))
    return out


def _identity(rule_id: str, severity: str, build: Callable[[Report], list[Sum]]):
    built: dict[str | None, list[Sum]] = {}  # a report's identities depend on its format only

    def check(report: Report, ctx: Context) -> Iterable[RuleResult]:
        sums = built.get(report.format)
        if sums is None:
            sums = built[report.format] = build(report)
        return split_evidence([evaluate_sum(rule_id, severity, s, report) for s in sums], report)
    return check


def _cross(rule_id: str, severity: str, build: Callable[[Report, Report], list[Sum]], need_2021: bool = False):
    def check(report: Report, ctx: Context) -> Iterable[RuleResult]:
        prev = ctx.previous
        if prev is None or prev.format not in (schema.FORMAT_2021, schema.FORMAT_2019):
            return []
        if need_2021 and not (report.format == prev.format == schema.FORMAT_2021):
            return []
        return [evaluate_sum(rule_id, severity, s, report, prev) for s in build(report, prev)]
    return check


# ---------------------------------------------------------------- the other checks
def check_value_domain(report: Report, ctx: Context) -> Iterable[RuleResult]:
    bad, unsure = [], []
    for key, cell in report.cells.items():
        if cell.invalid and cell.low_confidence:  # likely an OCR misreading, not what the office wrote
            unsure.append((key, f"{schema.key_label(key)}“{cell.raw}”不是数字，但为低置信度识别，不作判定"))
        elif cell.invalid:
            bad.append((key, f"{schema.key_label(key)}“{cell.raw}”不是数字"))
        elif cell.value is not None and not key.endswith(schema.SIGNED_SUFFIX) and cell.value < 0:
            bad.append((key, f"{schema.key_label(key)}为负数 {fmt_num(cell.value)}"))
    if not bad and not unsure:
        return [RuleResult("VALUE-DOMAIN", "all", PASS, ERROR, "所有单元格均为非负数或空白")]
    return ([RuleResult("VALUE-DOMAIN", key, FAIL, ERROR, msg, cells=[key]) for key, msg in bad]
            + [RuleResult("VALUE-DOMAIN", key, NOT_ASSESSABLE, ERROR, msg, cells=[key]) for key, msg in unsure])


def check_cells_missing(report: Report, ctx: Context) -> Iterable[RuleResult]:
    if not report.missing:
        return [RuleResult("CELLS-MISSING", "all", PASS, ERROR, "三张表的单元格齐全")]
    by_table: dict[str, list[str]] = {}
    for key in report.missing:
        by_table.setdefault(key.split(".")[0], []).append(key)
    out = []
    names = {"t2": "表二", "t3": "表三", "t4": "表四"}
    row_names = {"t2": schema.T2_ROW_NAMES, "t3": schema.T3_ROW_NAMES, "t4": schema.T4_GROUP_NAMES}
    for table, keys in by_table.items():
        rows = dict.fromkeys(k.split(".")[1] for k in keys)
        what = "、".join(row_names[table].get(r, r) for r in rows)
        out.append(RuleResult("CELLS-MISSING", table, FAIL, ERROR,
                              f"{names[table]}缺少 {len(keys)} 个单元格（{what}），报告不完整", cells=keys))
    return out


_APPLICATION_COUNT = re.compile(
    r"(?P<scope>全[县区市旗]|各单位|各部门)?[^。；\n]{0,30}?"
    r"(?:依申请公开|政府信息公开申请|信息公开申请|依申请)[^。；\n\d]{0,8}?(?P<n>\d+)\s*件"
)
_APPLICATION_COUNT_2 = re.compile(r"(?:受理|办理|收到)[^。；\n\d]{0,20}?(?:申请)[^。；\n\d]{0,6}?(?P<n>\d+)\s*件")


def _search_near(pattern: re.Pattern[str], text: str, anchor: str, reach: int) -> re.Match[str] | None:
    """``pattern.search(text)`` for a pattern each match of which holds ``anchor`` at most ``reach``
    characters after its start: only those starts are tried, in order, so the leftmost match is the
    same (a leading lazy ``.{0,30}?`` otherwise makes search try every position of a long text)."""
    tried = -1
    k = text.find(anchor)
    while k != -1:
        for p in range(max(k - reach, tried + 1), k + 1):
            m = pattern.match(text, p)
            if m:
                return m
        tried = k
        k = text.find(anchor, k + 1)
    return None


def check_text_applications(report: Report, ctx: Context) -> Iterable[RuleResult]:
    new = report.value("t3.new.total")
    carried = report.value("t3.carried_in.total")
    text = report.text
    # every match holds 申请 within 40 characters of its start (a 3-character scope, 30 others, 政府信息公开)
    m = _search_near(_APPLICATION_COUNT, text, "申请", 40) or _APPLICATION_COUNT_2.search(text)
    base = dict(rule="TEXT-APPLICATIONS", scope="text", severity=WARNING, cells=["t3.new.total", "t3.carried_in.total"])
    if not m:
        return [RuleResult(status=NOT_ASSESSABLE, message="正文未写明收到的申请件数", **base)]
    stated = int(m.group("n"))
    sentence = m.group(0).strip()
    county = bool(m.groupdict().get("scope")) or bool(re.search(r"全[县区市旗]各|全[县区市旗]共|各单位共", sentence))
    where = "（正文为全县口径）" if county else ""
    if new is None:
        return [RuleResult(status=NOT_ASSESSABLE, message=f"正文称“{sentence}”，但表三本年新收总计为空白{where}", **base)]
    candidates = {new, new + (carried or 0)}
    if stated in candidates:
        return [RuleResult(status=PASS, message=f"正文称 {stated} 件{where}，与表三相符（本年新收 {new}，上年结转 {fmt_num(carried)}）", **base)]
    return [RuleResult(status=FAIL, message=f"正文称“{sentence}”{where}，但表三本年新收 {new}、上年结转 {fmt_num(carried)}", **base)]


_NO_LITIGATION = re.compile(r"(?:未发生|没有发生|无)[^。；\n]{0,30}?行政复议[^。；\n]{0,10}?行政诉讼|行政复议[^。；\n]{0,10}?行政诉讼[^。；\n]{0,6}?(?:均为|为)\s*0|未发生[^。；\n]{0,10}行政复议")


def check_text_litigation(report: Report, ctx: Context) -> Iterable[RuleResult]:
    base = dict(rule="TEXT-LITIGATION", scope="text", severity=WARNING, cells=[f"t4.{g}.total" for g in schema.T4_GROUPS])
    m = _NO_LITIGATION.search(report.text)
    if not m:
        return [RuleResult(status=NOT_ASSESSABLE, message="正文未提及是否发生行政复议、行政诉讼", **base)]
    totals = {g: report.value(f"t4.{g}.total") for g in schema.T4_GROUPS}
    nonzero = {g: v for g, v in totals.items() if v}
    if not nonzero:
        return [RuleResult(status=PASS, message="正文称未发生行政复议、行政诉讼，表四总计均为 0 或空白", **base)]
    what = "，".join(f"{schema.T4_GROUP_NAMES[g]}总计 {fmt_num(v)}" for g, v in nonzero.items())
    return [RuleResult(status=FAIL, message=f"正文称“{m.group(0)}”，但表四{what}", **base)]


def check_blank_cells(report: Report, ctx: Context) -> Iterable[RuleResult]:
    out = []
    for table, name in (("t3", "表三"), ("t4", "表四")):
        prefix = table + "."
        blanks = [k for k, c in report.cells.items() if c.value is None and not c.invalid and k.startswith(prefix)]  # c.blank
        if not blanks:
            out.append(RuleResult("BLANK-CELLS", table, PASS, WARNING, f"{name}没有空白单元格"))
            continue
        rows = list(dict.fromkeys(k.split(".")[1] for k in blanks))
        names = schema.T3_ROW_NAMES if table == "t3" else schema.T4_GROUP_NAMES
        shown = "、".join(names.get(r, r) for r in rows[:6]) + ("等" if len(rows) > 6 else "")
        out.append(RuleResult("BLANK-CELLS", table, FAIL, WARNING,
                              f"{name}有 {len(blanks)} 个空白单元格，按 0 计（{shown}）", cells=blanks))
    return out


def check_year_format(report: Report, ctx: Context) -> Iterable[RuleResult]:
    base = dict(rule="YEAR-FORMAT", scope="format", severity=WARNING)
    if report.year is None:
        return [RuleResult(status=NOT_ASSESSABLE, message="未能确定报告年度", **base)]
    expected = schema.FORMAT_2021 if report.year >= 2021 else schema.FORMAT_2019
    if report.format == expected:
        return [RuleResult(status=PASS, message=f"{report.year} 年度报告使用 {expected} 年格式", **base)]
    return [RuleResult(status=FAIL, message=f"{report.year} 年度报告应使用 {expected} 年格式，但使用了 {report.format} 年格式", **base)]


def check_published_late(report: Report, ctx: Context) -> Iterable[RuleResult]:
    base = dict(rule="PUBLISHED-LATE", scope="published", severity=WARNING)
    if report.published is None:
        return [RuleResult(status=NOT_ASSESSABLE, message="文档和页面均未写明发布日期", **base)]
    if ctx.deadline is None:
        return [RuleResult(status=NOT_ASSESSABLE, message="不知道该单位的截止日期" + ctx.deadline_note, **base)]
    note = ctx.deadline_note
    if report.published <= ctx.deadline:
        return [RuleResult(status=PASS, message=f"发布于 {report.published}，未超过截止日期 {ctx.deadline}{note}", **base)]
    days = (report.published - ctx.deadline).days
    return [RuleResult(status=FAIL, message=f"发布于 {report.published}，晚于截止日期 {ctx.deadline}{note} {days} 天", **base)]


RULES: list[Rule] = [
    Rule("T3-BALANCE", ERROR, "表三：新收 + 上年结转 = 办理结果总计 + 结转下年度", _identity("T3-BALANCE", ERROR, t3_balance)),
    Rule("T3-HANDLED-SUM", ERROR, "表三：办理结果总计 = 各项办理结果之和", _identity("T3-HANDLED-SUM", ERROR, t3_handled_sum)),
    Rule("T3-ROW-TOTAL", ERROR, "表三：每行总计 = 各类申请人之和", _identity("T3-ROW-TOTAL", ERROR, t3_row_total)),
    Rule("T4-TOTAL", ERROR, "表四：总计 = 维持 + 纠正 + 其他 + 尚未审结", _identity("T4-TOTAL", ERROR, t4_total)),
    Rule("VALUE-DOMAIN", ERROR, "数值为非负整数（金额为非负数）", check_value_domain),
    Rule("CELLS-MISSING", ERROR, "三张表的单元格齐全", check_cells_missing),
    Rule("TEXT-APPLICATIONS", WARNING, "正文所述申请件数与表三一致", check_text_applications),
    Rule("TEXT-LITIGATION", WARNING, "正文称未发生复议诉讼时表四为 0", check_text_litigation),
    Rule("BLANK-CELLS", WARNING, "表三、表四的空白单元格", check_blank_cells),
    Rule("YEAR-FORMAT", WARNING, "报告年度与格式相符", check_year_format),
    Rule("PUBLISHED-LATE", WARNING, "按期发布", check_published_late),
    Rule("X-CARRY", ERROR, "跨年度：本年上年结转 = 上年结转下年度", _cross("X-CARRY", ERROR, x_carry), cross_year=True),
    Rule("X-IN-FORCE", WARNING, "跨年度：现行有效 = 上年现行有效 + 本年制发 − 本年废止",
         _cross("X-IN-FORCE", WARNING, x_in_force, need_2021=True), cross_year=True),
]

from .evaluator import TABLE as _EVALUATOR_TABLE  # noqa: E402  (the evaluator's checks: parsers/evaluator.py)

RULES.extend(Rule(rid, severity, title, fn, **kw) for rid, severity, title, fn, kw in _EVALUATOR_TABLE)
RULES_BY_ID = {r.id: r for r in RULES}


def check(report: Report, ctx: Context | None = None) -> list[RuleResult]:
    """Run every rule that applies to the report's format; legacy and failed reports get none."""
    ctx = ctx or Context()
    if report.error is not None or report.format not in (schema.FORMAT_2021, schema.FORMAT_2019):
        return []
    results: list[RuleResult] = []
    for rule in RULES:
        if report.format in rule.formats:
            results.extend(rule.check(report, ctx))
    return results


def failed_errors(results: Iterable[RuleResult]) -> list[RuleResult]:
    return [r for r in results if r.status == FAIL and r.severity == ERROR]


__all__ = ["RULES", "RULES_BY_ID", "Context", "Rule", "Sum", "Term", "check", "evaluate_sum", "failed_errors"]
