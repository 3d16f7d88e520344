"""Beyond arithmetic: the checks transparency evaluators make (complete, credible, right year, right unit).

Entries of the rule table (:data:`parsers.rules.RULES`), all warnings:

- ``SECTIONS`` — the six parts of the template are there, by heading (:mod:`parsers.sections`);
- ``FEE-STATEMENT`` — 2021 format: part 六 says whether 信息处理费 was charged;
- ``LAST-YEAR-FOLLOWUP`` — part 五 says how last year's problems were handled, when last year named some;
- ``COPY-LAST-YEAR`` — tables 三/四 equal to last year's (not all zero), or the body text nearly identical;
- ``COPY-OTHER-UNIT`` — another unit's report of the same year (county peers found by fingerprint) with the
  same non-zero tables and nearly the same text, or the body calling another registry unit 本单位/我镇;
- ``WRONG-YEAR`` — the body's statements about its own year, its statistics period, a heading or the
  signature date name another year;
- ``WRONG-UNIT`` — the unit in the title or the signature is not the registry unit it was found for;
- ``YOY-JUMP`` — a count ×5 or ÷5 against last year on a base that is not tiny.

(:data:`TABLE` holds them; :mod:`parsers.rules` turns its rows into entries of ``RULES``.)

What a check needs besides the report comes in :class:`parsers.rules.Context`: last year's report
(``previous``), the registry unit's name (``unit_name``), the county's other units (``other_units``) and
same-year county reports whose fingerprint is close (``peers``) — filled by :func:`crawler.ingest.context_for`.
A check without what it needs is not_assessable, never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import schema, sections, similarity
from .model import Report, RuleResult
from .numbers import text_cache

if TYPE_CHECKING:
    from .rules import Context

# parsers.rules imports this module to extend its table: nothing of it is imported here at load time
WARNING = "warning"
PASS, FAIL, NOT_ASSESSABLE = "pass", "fail", "not_assessable"


def fmt_num(value: Any) -> str:
    """:func:`parsers.rules.fmt_num` (26 → “26”, None → “空白”), looked up when called."""
    from .rules import fmt_num as fmt

    return fmt(value)


JUMP_FACTOR = 5  # YOY-JUMP: this year ≥ 5 × last year, or ≤ last year ÷ 5 …
JUMP_MIN_BASE = 10  # … when the smaller of the two is at least this (3 → 15 is no news)
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")


def _quote(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", "", text)
    return text if len(text) <= limit else text[:limit] + "…"


def _result(rule: str, scope: str, status: str, message: str, cells: list[str] | None = None) -> RuleResult:
    return RuleResult(rule=rule, scope=scope, status=status, severity=WARNING, message=message, cells=cells or [])


def _parts(report: Report) -> dict[int, sections.Part]:
    return sections.find_parts(report.text)


# ---------------------------------------------------------------- SECTIONS
_TABLE_OF_PART = {2: "t2.", 3: "t3.", 4: "t4."}


def check_sections(report: Report, ctx: Context) -> Iterable[RuleResult]:
    parts = _parts(report)
    missing = []
    for n, name in sections.NAMES.items():
        if n in parts:
            continue
        prefix = _TABLE_OF_PART.get(n)
        if prefix and any(k.startswith(prefix) for k in report.cells):
            continue  # the table is there: its heading sits inside the table (or was lost with the layout)
        missing.append(f"{sections.NUMERALS[n - 1]}、{name}")
    if not missing:
        found = "；".join(f"“{p.heading}”" for p in parts.values())
        return [_result("SECTIONS", "parts", PASS, f"六个部分齐全：{found}" if found else "六个部分齐全")]
    return [_result("SECTIONS", "parts", FAIL, f"缺少 {len(missing)} 个部分：{'；'.join(missing)}（按标题未找到）")]


# ---------------------------------------------------------------- FEE-STATEMENT
_FEE = re.compile(r"信息处理费|处理费")


def check_fee_statement(report: Report, ctx: Context) -> Iterable[RuleResult]:
    text = report.text
    parts = _parts(report)
    six = sections.body(text, parts, 6)
    where = "第六部分"
    if six is None:
        return [_result("FEE-STATEMENT", "part6", NOT_ASSESSABLE, "未找到第六部分“其他需要报告的事项”，无法判断是否说明了信息处理费")]
    found = _sentence_with(six, _FEE)
    if found is None:
        elsewhere = _sentence_with(text, _FEE)
        if elsewhere is not None:
            return [_result("FEE-STATEMENT", "part6", PASS, f"信息处理费的说明不在第六部分，而在正文其他位置：“{_quote(elsewhere)}”")]
        first = _SENTENCE.search(six.strip())
        said = _quote(first.group(0)) if first else "（空）"
        return [_result("FEE-STATEMENT", "part6", FAIL,
                        f"{where}未说明是否收取信息处理费（按《政府信息公开信息处理费管理办法》应报告），原文：“{said}”")]
    return [_result("FEE-STATEMENT", "part6", PASS, f"{where}说明了信息处理费：“{_quote(found)}”")]


def _sentence_with(text: str, pattern: re.Pattern[str], min_len: int = 0) -> str | None:
    for m in _SENTENCE.finditer(text):
        if pattern.search(m.group(0)) and len(m.group(0).strip()) >= min_len:
            return m.group(0).strip()
    return None


# ---------------------------------------------------------------- LAST-YEAR-FOLLOWUP
_PROBLEM = re.compile(r"问题|不足|差距|薄弱|短板|不够|有待|不高|欠缺|不到位|滞后|不规范|不及时")
_NONE_SAID = re.compile(r"^[\W_]*(?:无|没有|暂无)[\W_]*$")


def _followup(prev_year: int) -> re.Pattern[str]:
    last = rf"(?:上一?年度?|去年|上年度?|前一年|{prev_year}\s*年度?)"
    fix = r"(?:整改|改进|解决|落实|完善|加强|提升|提高)"
    return re.compile(rf"{last}[^。；\n]{{0,40}}?(?:问题|不足|短板|薄弱|差距)[^。；\n]{{0,40}}?{fix}"
                      rf"|{last}[^。；\n]{{0,12}}?{fix}(?:情况|措施)"
                      rf"|(?:针对|对照|对于)[^。；\n]{{0,6}}?{last}[^。；\n]{{0,30}}?(?:问题|不足)")


def check_last_year_followup(report: Report, ctx: Context) -> Iterable[RuleResult]:
    prev = ctx.previous
    base = ("LAST-YEAR-FOLLOWUP", "part5")
    if prev is None or report.year is None:
        return [_result(*base, NOT_ASSESSABLE, "没有该单位上一年度的报告，无法核对整改情况")]
    prev_five = sections.body(prev.text, _parts(prev), 5)
    if prev_five is None:
        return [_result(*base, NOT_ASSESSABLE, f"{prev.year} 年度报告中未找到第五部分，无法判断上年提出了哪些问题")]
    problem = _sentence_with(prev_five, _PROBLEM, min_len=14)  # not a sub-heading “（一）存在的主要问题。”
    if problem is None or _NONE_SAID.match(prev_five.strip()):
        return [_result(*base, PASS, f"{prev.year} 年度报告第五部分未列出问题，无需说明整改情况")]
    five = sections.body(report.text, _parts(report), 5)
    if five is None:
        return [_result(*base, NOT_ASSESSABLE, "未找到本年度报告的第五部分")]
    m = _followup(prev.year or report.year - 1).search(five)
    if m:
        return [_result(*base, PASS, f"第五部分说明了上年问题的整改情况：“{_quote(m.group(0))}”")]
    return [_result(*base, FAIL, f"{prev.year} 年度报告提出了问题（“{_quote(problem)}”），"
                                 f"本年度第五部分未说明其整改情况")]


# ---------------------------------------------------------------- COPY-LAST-YEAR
def check_copy_last_year(report: Report, ctx: Context) -> Iterable[RuleResult]:
    prev = ctx.previous
    if prev is None:
        return [_result("COPY-LAST-YEAR", "report", NOT_ASSESSABLE, "没有该单位上一年度的报告，无法比对")]
    out = []
    total = similarity.table_total(report)
    if similarity.same_tables(report, prev) and total >= similarity.MIN_TABLE_TOTAL:
        shown = similarity.nonzero_cells(report)
        cells = "、".join(f"{schema.key_label(k)} {fmt_num(report.value(k))}" for k in shown[:3])
        out.append(_result("COPY-LAST-YEAR", "tables", FAIL,
                           f"表三、表四与 {prev.year} 年度报告完全相同（共 {total} 件申请和案件，如 {cells}），疑似沿用上年数据", shown))
    elif similarity.same_tables(report, prev):
        out.append(_result("COPY-LAST-YEAR", "tables", PASS,
                           f"表三、表四与 {prev.year} 年度报告相同，但只有 {total} 件申请和案件"
                           f"（少于 {similarity.MIN_TABLE_TOTAL} 件时相同不足为凭）"))
    else:
        out.append(_result("COPY-LAST-YEAR", "tables", PASS, f"表三、表四与 {prev.year} 年度报告不同（或全为 0）"))
    sim = similarity.text_similarity(report.text, prev.text)
    threshold = similarity.pct(similarity.TEXT_THRESHOLD)
    if sim is None:
        out.append(_result("COPY-LAST-YEAR", "text", NOT_ASSESSABLE, "正文太短，不比较相似度"))
    elif sim >= similarity.TEXT_THRESHOLD:
        out.append(_result("COPY-LAST-YEAR", "text", FAIL,
                           f"正文与 {prev.year} 年度报告相似度 {similarity.pct(sim)}（阈值 {threshold}，不计年份、日期和数字），疑似照抄上年报告"))
    else:
        out.append(_result("COPY-LAST-YEAR", "text", PASS,
                           f"正文与 {prev.year} 年度报告相似度 {similarity.pct(sim)}，低于阈值 {threshold}"))
    return out


# ---------------------------------------------------------------- COPY-OTHER-UNIT
_SELF = r"(?:本单位|本机关|本部门|我单位|我镇|我乡|我局|我委|我办|我街道|我区|我县|我市|我中心|我院|我所|我处|我部)"


@text_cache  # every report of a county asks it of every other unit of the county
def short_name(name: str) -> str:
    """``东城镇人民政府`` → ``东城镇``; ``甲县教育局`` stays."""
    for suffix in ("人民政府", "街道办事处", "办事处", "管理委员会", "管委会"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)] + ("街道" if suffix == "街道办事处" else "")
    return name


def check_copy_other_unit(report: Report, ctx: Context) -> Iterable[RuleResult]:
    others = getattr(ctx, "other_units", None)
    peers = getattr(ctx, "peers", None)
    if others is None and peers is None:
        return [_result("COPY-OTHER-UNIT", "report", NOT_ASSESSABLE, "不知道该单位在名录中的所属县区，无法与其他单位比对")]
    out: list[RuleResult] = []
    named = _names_other_unit(report, others or [], getattr(ctx, "unit_name", None))
    if named:
        out.append(_result("COPY-OTHER-UNIT", "template", FAIL,
                           f"正文以其他单位自称：“{_quote(named[1], 50)}”（{named[0]} 是名录中的另一单位），疑似套用其他单位的报告未改"))
    for peer_id, peer_unit, peer in peers or []:
        sim = similarity.text_similarity(report.text, peer.text)
        if sim is not None and sim >= similarity.TEXT_THRESHOLD and similarity.same_tables(report, peer):
            out.append(_result("COPY-OTHER-UNIT", f"peer:{peer_id}", FAIL,
                               f"与同年度 {peer_unit} 的报告表三、表四完全相同（并非全为 0），正文相似度 {similarity.pct(sim)}"
                               f"（阈值 {similarity.pct(similarity.TEXT_THRESHOLD)}），疑似相互套用（报告 {peer_id}）",
                               similarity.nonzero_cells(report)))
    if not out:
        n = len(peers or [])
        out.append(_result("COPY-OTHER-UNIT", "report", PASS,
                           f"未发现套用同县其他单位报告的迹象（比对了 {n} 份相近报告）" if n else "未发现套用同县其他单位报告的迹象"))
    return out


def _names_other_unit(report: Report, others: list[str], own: str | None) -> tuple[str, str] | None:
    """(other unit, sentence) where the body speaks of itself as another registry unit."""
    own_short = short_name(own) if own else None
    text = report.text
    for name in others:
        short = short_name(name)
        if len(short) < 3 or (own_short and (short in own_short or own_short in short)):
            continue
        if short not in text:
            continue
        pattern = re.compile(rf"{_SELF}[（(]{re.escape(short)}|(?:^|[。\n])\s*(?:\d{{4}}\s*年度?\s*[，,]\s*)?"
                             rf"(?:{re.escape(name)}|{re.escape(short)})(?:人民政府)?(?:认真|坚持|始终|高度重视|严格|深入|全面)")
        m = pattern.search(text)
        if m:
            return name, _sentence_at(text, m.start() + 1)
    return None


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind("。", 0, pos), text.rfind("\n", 0, pos)) + 1
    end = min([i for i in (text.find("。", pos), text.find("\n", pos)) if i != -1] or [len(text)])
    return text[start:end + 1].strip()


# ---------------------------------------------------------------- WRONG-YEAR
_STAT_YEAR = re.compile(r"统计(?:期限|时限|时间|区间|期间|范围)[^。\d]{0,12}?((?:19|20)\d{2})\s*年")
_OWN_YEAR = re.compile(rf"(?:^|[。；\n])\s*(?:[（(][一二三四五六七八九十\d][)）])?\s*((?:19|20)\d{{2}})\s*年度?\s*[，,]\s*(?:{_SELF}|全[县区市镇乡旗])")
_COMPARE = re.compile(r"相比|同比|较上年|比上年|去年|上一年|上年度|将")
_YEAR_IN = re.compile(r"((?:19|20)\d{2})\s*年")


def check_wrong_year(report: Report, ctx: Context) -> Iterable[RuleResult]:
    year = report.year
    if year is None:
        return [_result("WRONG-YEAR", "year", NOT_ASSESSABLE, "未能确定报告年度")]
    text = report.text
    parts = _parts(report)
    found: list[str] = []
    m = _STAT_YEAR.search(text)
    if m and int(m.group(1)) != year:
        found.append(f"统计期限写的是 {m.group(1)} 年：“{_quote(_sentence_at(text, m.start()))}”")
    head = sections.before(text, parts, 2)  # the preamble and part 一: what the unit did this year
    for m in _OWN_YEAR.finditer(head):
        said = int(m.group(1))
        sentence = _sentence_at(head, m.start(1))
        if said < year and not _COMPARE.search(sentence):
            found.append(f"正文写“{_quote(sentence)}”，而报告年度是 {year} 年")
            break
    for n in (2, 3, 4):
        part = parts.get(n)
        if part:
            y = _YEAR_IN.search(part.heading)
            if y and int(y.group(1)) != year:
                found.append(f"标题为 {year} 年度，但表格标题写“{part.heading}”")
    if report.published is not None and report.published.year <= year:
        found.append(f"发布日期 {report.published} 早于 {year} 年度结束")
    if found:
        return [_result("WRONG-YEAR", "year", FAIL, f"{year} 年度报告中出现其他年度：" + "；".join(found))]
    return [_result("WRONG-YEAR", "year", PASS, f"正文、统计期限和发布日期均与 {year} 年度相符")]


# ---------------------------------------------------------------- WRONG-UNIT
_SIGN_SUFFIX = re.compile(r"(?:人民政府|办公室|办公厅|局|委员会|镇|乡|街道办事处|街道|管委会|管理委员会|中心)$")


def _core(name: str) -> str:
    name = re.sub(r"\s+", "", name)
    name = re.sub(r"^中共[^ ]{1,20}?委员会", "", name)
    for suffix in ("人民政府", "管理委员会", "管委会", "办事处"):
        name = name.replace(suffix, "")
    return name


def same_unit(a: str, b: str) -> bool:
    """Whether two names denote the same unit, leniently: one's core contains the other's
    (``东城镇`` and ``甲县东城镇人民政府``; a government and its 办公室, which often publishes for it)."""
    ca, cb = _core(a), _core(b)
    return bool(ca and cb) and (ca in cb or cb in ca)


def signature(text: str) -> str | None:
    """The signing unit: a short line near the end that ends like a unit's name."""
    lines = [ln.strip() for ln in text.strip().split("\n")[-4:] if ln.strip()]
    for line in reversed(lines):
        if len(line) <= 30 and _SIGN_SUFFIX.search(line) and not re.search(r"\d", line):
            return line
    return None


def check_wrong_unit(report: Report, ctx: Context) -> Iterable[RuleResult]:
    expected = getattr(ctx, "unit_name", None)
    if not expected:
        return [_result("WRONG-UNIT", "unit", NOT_ASSESSABLE, "不知道该报告是为名录中哪个单位找到的")]
    wrong = []
    if report.unit and not same_unit(report.unit, expected):
        wrong.append(f"标题中的单位是“{report.unit}”")
    signed = signature(report.text)
    if signed and not same_unit(signed, expected):
        wrong.append(f"落款单位是“{signed}”")
    if wrong:
        return [_result("WRONG-UNIT", "unit", FAIL, f"在 {expected} 的栏目中找到的报告，" + "，".join(wrong) + "，不是该单位")]
    return [_result("WRONG-UNIT", "unit", PASS, f"报告所写单位与名录中的 {expected} 相符")]


# ---------------------------------------------------------------- YOY-JUMP
def _jump_keys(report: Report, prev_format: str | None) -> list[str]:
    keys = []
    for k in report.cells:
        t, row, col = (k.split(".") + ["", ""])[:3]
        if t == "t2" and prev_format != report.format:
            continue  # table 二's rows were redefined between the 2019 and 2021 formats
        if (t == "t2" and col in ("decisions", "in_force")) or (t in ("t3", "t4") and col == "total"):
            keys.append(k)
    return keys


def check_yoy_jump(report: Report, ctx: Context) -> Iterable[RuleResult]:
    prev = ctx.previous
    if prev is None:
        return [_result("YOY-JUMP", "all", NOT_ASSESSABLE, "没有该单位上一年度的报告，无法比较")]
    out = []
    compared = 0
    for key in _jump_keys(report, prev.format):
        now, before = report.value(key), prev.value(key)
        if now is None or before is None:
            continue
        compared += 1
        low, high = min(now, before), max(now, before)
        if low >= JUMP_MIN_BASE and high >= JUMP_FACTOR * low:
            ratio = high / low
            way = f"增至 {ratio:.1f} 倍" if now > before else f"降至 1/{ratio:.1f}"
            out.append(_result("YOY-JUMP", key, FAIL,
                               f"{schema.key_label(key)}：{prev.year} 年 {fmt_num(before)}，{report.year} 年 {fmt_num(now)}，{way}"
                               f"（阈值 {JUMP_FACTOR} 倍，基数不小于 {JUMP_MIN_BASE}），请核对是否录错或错列", [key]))
    if out:
        return out
    if not compared:
        return [_result("YOY-JUMP", "all", NOT_ASSESSABLE, f"与 {prev.year} 年度报告没有可比较的单元格")]
    return [_result("YOY-JUMP", "all", PASS, f"与 {prev.year} 年度相比，{compared} 个主要数字均未超过 {JUMP_FACTOR} 倍变化")]


# (id, severity, title, check, keyword arguments of parsers.rules.Rule): parsers.rules makes them Rules
TABLE: list[tuple[str, str, str, Any, dict[str, Any]]] = [
    ("SECTIONS", WARNING, "报告包含模板的六个部分", check_sections, {}),
    ("FEE-STATEMENT", WARNING, "第六部分说明是否收取信息处理费", check_fee_statement, {"formats": (schema.FORMAT_2021,)}),
    ("LAST-YEAR-FOLLOWUP", WARNING, "第五部分说明上年问题的整改情况", check_last_year_followup, {"cross_year": True}),
    ("COPY-LAST-YEAR", WARNING, "不是照抄上一年度的报告", check_copy_last_year, {"cross_year": True}),
    ("COPY-OTHER-UNIT", WARNING, "不是套用其他单位的报告", check_copy_other_unit, {}),
    ("WRONG-YEAR", WARNING, "正文所述年度与报告年度一致", check_wrong_year, {}),
    ("WRONG-UNIT", WARNING, "报告单位与名录单位一致", check_wrong_unit, {}),
    ("YOY-JUMP", WARNING, f"主要数字与上年相比变化不超过 {JUMP_FACTOR} 倍", check_yoy_jump, {"cross_year": True}),
]
IDS = [row[0] for row in TABLE]

__all__ = ["IDS", "TABLE", "same_unit", "short_name", "signature"]
