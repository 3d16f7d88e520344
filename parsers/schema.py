"""The canonical cell keys of the official report formats (docs/domain.md §2).

Keys are stable: they are column values in the database, rule ids name them and tests use them.
Everything a parser needs to know about the official layouts lives here as data.
"""

from __future__ import annotations

import re
from functools import lru_cache

FORMAT_2021 = "2021"
FORMAT_2019 = "2019"
FORMAT_LEGACY = "legacy"
FORMATS = (FORMAT_2021, FORMAT_2019, FORMAT_LEGACY)

# ---------------------------------------------------------------- table 二
# Each row: (key prefix, label pattern). Order matters: the first match wins, so the more specific
# label comes first (其他对外管理服务事项 before a bare 行政许可 is not an issue, but 规范性文件 must
# not swallow 规章).
T2_ROWS: list[tuple[str, str]] = [
    ("regulations", r"^规章$"),
    ("normative", r"规范性文件"),
    ("licensing", r"^行政许可$"),
    ("other_services", r"其他对外管理服务事项"),
    ("penalty", r"^行政处罚$"),
    ("coercion", r"^行政强制$"),
    ("fees", r"行政事业性收费"),
    ("procurement", r"政府集中采购"),
]

# Column headings of table 二 → cell suffix.
T2_COLUMNS: list[tuple[str, str]] = [
    ("issued", r"本年制发"),
    ("repealed", r"本年废止"),
    ("in_force", r"现行有效"),
    ("made", r"本年新制作"),
    ("published", r"本年新公开"),
    ("total_public", r"对外公开总数"),
    ("prev_items", r"上一年项目数"),
    ("change", r"本年增"),
    ("decisions", r"处理决定数"),
    ("amount", r"收费金额|采购总金额|金额"),
    ("items", r"采购项目数"),
]

# The default columns of each table-二 row, per format (used when the heading row is unreadable).
T2_LAYOUT: dict[str, dict[str, list[str]]] = {
    FORMAT_2021: {
        "regulations": ["issued", "repealed", "in_force"],
        "normative": ["issued", "repealed", "in_force"],
        "licensing": ["decisions"],
        "penalty": ["decisions"],
        "coercion": ["decisions"],
        "fees": ["amount"],
    },
    FORMAT_2019: {
        "regulations": ["made", "published", "total_public"],
        "normative": ["made", "published", "total_public"],
        "licensing": ["prev_items", "change", "decisions"],
        "other_services": ["prev_items", "change", "decisions"],
        "penalty": ["prev_items", "change", "decisions"],
        "coercion": ["prev_items", "change", "decisions"],
        "fees": ["prev_items", "change"],
        "procurement": ["items", "amount"],
    },
}

AMOUNT_KEYS = frozenset({"t2.fees.amount", "t2.procurement.amount"})
SIGNED_SUFFIX = ".change"

# ---------------------------------------------------------------- table 三
T3_COLUMNS = ["natural", "commercial", "research", "nonprofit", "legal", "other_org", "total"]
T3_APPLICANTS = T3_COLUMNS[:-1]
# Column headings → column key. 小计 (a subtotal under 法人或其他组织) is read but not a canonical column.
T3_COLUMN_LABELS: list[tuple[str, str]] = [
    ("natural", r"自然人"),
    ("commercial", r"商业企业"),
    ("research", r"科研机构"),
    ("nonprofit", r"社会公益组织|社会组织|公益组织"),
    ("legal", r"法律服务机构"),
    ("subtotal", r"小计"),
    ("other_org", r"^其他$"),
    ("total", r"^总计$|^合计$"),
]

T3_RESULT_ROWS_2021 = [
    "granted", "partly_granted",
    "withheld_state_secret", "withheld_law", "withheld_three_safeties", "withheld_third_party",
    "withheld_internal", "withheld_process", "withheld_enforcement", "withheld_inquiry",
    "unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear",
    "declined_petition", "declined_repeat", "declined_publication", "declined_mass", "declined_confirm",
    "other_no_correction", "other_no_fee", "other_other",
]
T3_RESULT_ROWS_2019 = T3_RESULT_ROWS_2021[:18] + ["other"]
T3_ROWS = {
    FORMAT_2021: ["new", "carried_in", *T3_RESULT_ROWS_2021, "handled_total", "carried_out"],
    FORMAT_2019: ["new", "carried_in", *T3_RESULT_ROWS_2019, "handled_total", "carried_out"],
}

# Row label patterns, most specific first. They are matched against the row's own label (the last
# label cell) first, then against all its label cells joined (which carry rowspan parents such as
# “(三) 不予公开”). Labels are normalised first (no spaces, half-width brackets and digits).
T3_ROW_LABELS: list[tuple[str, str]] = [
    ("new", r"本年新收"),
    ("carried_in", r"上年结转"),
    ("carried_out", r"结转下年度"),
    ("partly_granted", r"部分公开"),
    ("granted", r"予以公开"),
    ("withheld_state_secret", r"国家秘密"),
    ("withheld_law", r"法规禁止公开|法律法规禁止"),
    ("withheld_three_safeties", r"三安全一稳定|危及"),
    ("withheld_third_party", r"第三方合法权益"),
    ("withheld_internal", r"内部事务"),
    ("withheld_process", r"过程性信息"),
    ("withheld_enforcement", r"行政执法案卷"),
    ("withheld_inquiry", r"行政查询事项"),
    ("unavailable_not_held", r"不掌握"),
    ("unavailable_needs_creation", r"另行制作|没有现成信息"),
    ("unavailable_unclear", r"仍不明确|内容不明确"),
    ("declined_petition", r"信访|举报投诉"),
    ("declined_repeat", r"重复申请"),
    ("declined_publication", r"公开出版物"),
    ("declined_mass", r"大量反复"),
    ("declined_confirm", r"确认或重新出具|重新出具"),
    ("other_no_correction", r"逾期不补正"),
    ("other_no_fee", r"缴纳费用|收费通知"),
    ("other_other", r"^(?:3[.、]?)?其他$"),
    ("other", r"其他处理"),
    ("handled_total", r"^(?:\(七\))?总计$"),
]

# ---------------------------------------------------------------- table 四
T4_GROUPS = ["review", "suit_direct", "suit_after_review"]
T4_RESULTS = ["upheld", "corrected", "other", "pending", "total"]
T4_KEYS = [f"t4.{g}.{r}" for g in T4_GROUPS for r in T4_RESULTS]

# ---------------------------------------------------------------- labels for people
T2_ROW_NAMES = {
    "regulations": "规章", "normative": "行政规范性文件", "licensing": "行政许可",
    "other_services": "其他对外管理服务事项", "penalty": "行政处罚", "coercion": "行政强制",
    "fees": "行政事业性收费", "procurement": "政府集中采购",
}
T2_COLUMN_NAMES = {
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "made": "本年新制作数量", "published": "本年新公开数量", "total_public": "对外公开总数量",
    "prev_items": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量",
    "amount": "金额（万元）", "items": "采购项目数量",
}
T3_COLUMN_NAMES = {
    "natural": "自然人", "commercial": "商业企业", "research": "科研机构", "nonprofit": "社会公益组织",
    "legal": "法律服务机构", "other_org": "其他", "total": "总计",
}
T3_ROW_NAMES = {
    "new": "本年新收", "carried_in": "上年结转", "granted": "予以公开", "partly_granted": "部分公开",
    "withheld_state_secret": "不予公开·国家秘密", "withheld_law": "不予公开·法律行政法规禁止",
    "withheld_three_safeties": "不予公开·三安全一稳定", "withheld_third_party": "不予公开·第三方合法权益",
    "withheld_internal": "不予公开·内部事务信息", "withheld_process": "不予公开·过程性信息",
    "withheld_enforcement": "不予公开·行政执法案卷", "withheld_inquiry": "不予公开·行政查询事项",
    "unavailable_not_held": "无法提供·本机关不掌握", "unavailable_needs_creation": "无法提供·需另行制作",
    "unavailable_unclear": "无法提供·补正后仍不明确", "declined_petition": "不予处理·信访举报投诉",
    "declined_repeat": "不予处理·重复申请", "declined_publication": "不予处理·公开出版物",
    "declined_mass": "不予处理·大量反复申请", "declined_confirm": "不予处理·确认或重新出具",
    "other_no_correction": "其他处理·逾期不补正", "other_no_fee": "其他处理·逾期未缴费",
    "other_other": "其他处理·其他", "other": "其他处理", "handled_total": "办理结果总计",
    "carried_out": "结转下年度",
}
T4_GROUP_NAMES = {"review": "行政复议", "suit_direct": "行政诉讼·未经复议直接起诉",
                  "suit_after_review": "行政诉讼·复议后起诉"}
T4_RESULT_NAMES = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果",
                   "pending": "尚未审结", "total": "总计"}


def t2_keys(fmt: str) -> list[str]:
    """Every table-二 key of a format, in the order the official table prints them."""
    return [f"t2.{row}.{col}" for row, cols in T2_LAYOUT.get(fmt, {}).items() for col in cols]


def t3_keys(fmt: str) -> list[str]:
    """Every table-三 key of a format, row by row."""
    return [f"t3.{row}.{col}" for row in T3_ROWS.get(fmt, []) for col in T3_COLUMNS]


def all_keys(fmt: str) -> list[str]:
    """Every canonical key a complete report of this format has."""
    if fmt not in (FORMAT_2021, FORMAT_2019):
        return []
    return t2_keys(fmt) + t3_keys(fmt) + list(T4_KEYS)


def key_label(key: str) -> str:
    """A short Chinese name for a key, e.g. ``表三·自然人·本年新收``."""
    parts = key.split(".")
    if parts[0] == "t2" and len(parts) == 3:
        return f"表二·{T2_ROW_NAMES.get(parts[1], parts[1])}·{T2_COLUMN_NAMES.get(parts[2], parts[2])}"
    if parts[0] == "t3" and len(parts) == 3:
        return f"表三·{T3_COLUMN_NAMES.get(parts[2], parts[2])}·{T3_ROW_NAMES.get(parts[1], parts[1])}"
    if parts[0] == "t4" and len(parts) == 3:
        return f"表四·{T4_GROUP_NAMES.get(parts[1], parts[1])}·{T4_RESULT_NAMES.get(parts[2], parts[2])}"
    return key


def first_match(patterns: list[tuple[str, str]], text: str) -> str | None:
    """The key of the first pattern that matches ``text``."""
    known = _FROZEN.get(id(patterns))
    if known is None or known[0] is not patterns or len(known[1]) != len(patterns):
        known = _FROZEN[id(patterns)] = (patterns, tuple(patterns))  # holds the list: its id stays its own
    if len(text) > 120:  # a paragraph, not a label: not worth keeping
        return _first_match.__wrapped__(known[1], text)
    return _first_match(known[1], text)


_FROZEN: dict[int, tuple[list[tuple[str, str]], tuple[tuple[str, str], ...]]] = {}


@lru_cache(maxsize=4096)  # label texts recur in every report; the pattern tables are constants
def _first_match(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    for key, pattern in _compiled(patterns):
        if pattern.search(text):
            return key
    return None


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[tuple[str, str], ...]) -> list[tuple[str, re.Pattern[str]]]:
    return [(key, re.compile(pattern)) for key, pattern in patterns]

