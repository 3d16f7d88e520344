"""Datasette metadata for the nianbao store: Chinese titles and descriptions, facets, canned queries.

The database's name in Datasette is its file's stem (``nianbao.db`` → ``nianbao``), so everything is
built for a given name by :func:`build_metadata`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .views import KEY_FIGURES

PLUGIN = "nianbao"  # the plugin-config key the report-page plugin reads (database name)
ROUTE = "/-/nianbao"  # prefix of the plugin's own pages

STATUS_NAMES = {
    "ok": "一致", "inconsistent": "数字不平", "incomplete": "不完整", "failed": "无法解析", "legacy": "旧式报告",
}
TIMELINESS_NAMES = {
    "on_time": "按时", "late": "逾期", "missing": "缺报", "not_due": "未到期", "unreachable": "无法访问",
    "parse_failed": "无法解析", "unchecked": "尚未核查", "column_not_found": "未找到年报栏目",
}
LEVEL_NAMES = {"county": "县级政府", "township": "乡镇/街道", "department": "县级部门", "zone": "开发区"}
RULE_STATUS_NAMES = {"pass": "通过", "fail": "不通过", "not_assessable": "无法核对"}
SEVERITY_NAMES = {"error": "错误", "warning": "提示"}

_FIGURE_COLUMNS = {col: label for col, _, label in KEY_FIGURES}

# Charts through datasette-vega: its state lives in the URL fragment (g.mark, g.x_column, …).
def vega_fragment(mark: str, x: str, y: str, x_type: str = "ordinal", color: str = "") -> str:
    """A datasette-vega URL fragment that opens the chart already drawn."""
    parts = {"g.mark": mark, "g.x_column": x, "g.x_type": x_type, "g.y_column": y, "g.y_type": "quantitative"}
    if color:
        parts["g.color_column"] = color
    return "#" + "&".join(f"{k}={quote(v)}" for k, v in parts.items())


CANNED_QUERIES: dict[str, dict[str, Any]] = {
    "missing": {
        "title": "缺报：截止日期已过仍未发布",
        "description": "应发布而截止日期已过、在其栏目中仍未找到年度报告的单位。可按年度、县区（名称或代码）筛选，留空为全部。",
        "sql": """
SELECT u.county AS 县区, e.unit_code AS 单位代码, u.name AS 单位, u.level AS 层级, e.year AS 年度,
       e.deadline AS 截止日期, CAST(julianday('now') - julianday(e.deadline) AS INTEGER) AS 已过天数,
       e.page_url AS 栏目页面, e.checked_at AS 核查时间
FROM expected_reports e JOIN units u ON u.code = e.unit_code
WHERE e.status = 'missing'
  AND (:year = '' OR e.year = :year)
  AND (:county = '' OR u.county = :county OR u.county_code = :county)
ORDER BY u.county, e.year DESC, u.name
""",
    },
    "inconsistent": {
        "title": "数字不平：校验未通过的错误规则",
        "description": "表格数字对不上的报告：每条未通过的错误级规则一行，附说明（哪几个单元格、怎么算的、相差多少）。缺少单元格（CELLS-MISSING）不算数字不平，见报告一览的 incomplete。点击报告编号查看标注了问题单元格的报告页。",
        "sql": """
SELECT f.county AS 县区, f.unit AS 单位, f.year AS 年度, f.rule AS 规则, f.scope AS 范围,
       f.message AS 说明, f.report AS 报告
FROM rule_failures f
WHERE f.severity = 'error' AND f.rule != 'CELLS-MISSING'
  AND (:year = '' OR f.year = :year)
  AND (:county = '' OR f.county = :county)
ORDER BY f.county, f.unit, f.year DESC, f.rule, f.scope
""",
    },
    "late": {
        "title": "逾期发布",
        "description": "发布日期晚于截止日期的年度报告，以及晚了多少天。",
        "sql": """
SELECT u.county AS 县区, e.unit_code AS 单位代码, u.name AS 单位, u.level AS 层级, e.year AS 年度,
       e.deadline AS 截止日期, e.published AS 发布日期,
       CAST(julianday(e.published) - julianday(e.deadline) AS INTEGER) AS 逾期天数,
       e.report AS 报告, e.page_url AS 页面
FROM expected_reports e JOIN units u ON u.code = e.unit_code
WHERE e.status = 'late'
  AND (:year = '' OR e.year = :year)
  AND (:county = '' OR u.county = :county OR u.county_code = :county)
ORDER BY 逾期天数 DESC, u.county, u.name
""",
    },
    "unit_history": {
        "title": "单位历年情况",
        "description_html": (
            "一个单位（输入单位代码或名称）历年的发布情况和主要数字。"
            "结果下方的 Charting options 可画图：X 选 年度，Y 选 本年新收申请。"
            "单位页面 <code>{route}/unit/单位代码</code> 上有现成的图。"
        ),
        "sql": """
SELECT y.year AS 年度, y.unit AS 单位, y.timeliness AS 发布情况, y.deadline AS 截止日期, y.published AS 发布日期,
       o.status AS 校验结果, o.applications AS 本年新收申请, o.handled AS 办理结果总计,
       o.carried_out AS 结转下年度, o.granted AS 予以公开, o.reviews AS 行政复议, o.lawsuits AS 行政诉讼,
       o.failed_rules AS 未通过规则, y.report AS 报告
FROM unit_years y
LEFT JOIN report_overview o ON o.id = y.report
WHERE y.unit_code = :unit OR y.unit = :unit
ORDER BY y.year
""",
    },
    "county_overview": {
        "title": "县区概况",
        "description_html": (
            "每个县区每年：应报单位数、已发布、按时、逾期、缺报、无法访问、无法解析、数字不平，以及逾期和缺报所占比例（%）。"
            "年度留空为全部年度。图表：<a href=\"{chart}\">按县区画缺报比例</a>（Charting options 可改为逾期比例），"
            "或 <a href=\"{route}/counties\">各县区按时、逾期、缺报比例图</a>。"
        ),
        "sql": """
SELECT county AS 县区, county_code AS 县区代码, year AS 年度, due AS 应报, published AS 已发布,
       on_time AS 按时, late AS 逾期, missing AS 缺报, unreachable AS 无法访问, column_not_found AS 未找到栏目,
       parse_failed AS 无法解析,
       inconsistent AS 数字不平, late_pct AS 逾期比例, missing_pct AS 缺报比例
FROM county_overview
WHERE (:year = '' OR year = :year)
ORDER BY year DESC, county
""",
    },
}

# alert kinds in Chinese, for the alert queries (alerts.state.KINDS, kept here as SQL)
def _kind_case(column: str) -> str:
    from alerts.state import KINDS

    whens = " ".join(f"WHEN '{k}' THEN '{label}'" for k, (label, _) in KINDS.items())
    return f"CASE {column} {whens} ELSE {column} END"


CANNED_QUERIES["open_alerts"] = {
    "title": "未解决的问题：提醒中的和已核实的",
    "description": "每个仍未解决的问题一行：单位、年度、类型、内容、开始日期、已提醒次数，以及有人核实时的结论（已核实、误报、暂缓）、"
                   "核实人、时间和说明。已核实的问题不再提醒；报告文档更换时自动重新打开。核实记录见 alert_events 表。"
                   "可按县区（名称或代码）筛选，留空为全部。",
    "sql": f"""
SELECT a.id AS 编号, u.county AS 县区, u.name AS 单位, a.unit_code AS 单位代码, NULLIF(a.year, 0) AS 年度,
       {_kind_case('a.kind')} AS 类型, json_extract(a.payload, '$.headline') AS 内容,
       substr(a.opened_at, 1, 10) AS 开始, a.reminders AS 已提醒,
       e.verdict AS 核实结论, e.actor AS 核实人, e.at AS 核实时间, e.note AS 核实说明, a.report AS 报告
FROM alerts a
LEFT JOIN units u ON u.code = a.unit_code
LEFT JOIN alert_events e ON e.id = (SELECT max(id) FROM alert_events WHERE alert_id = a.id) AND e.action = 'ack'
WHERE a.closed_at IS NULL
  AND (:county = '' OR u.county = :county OR u.county_code = :county)
ORDER BY e.verdict IS NOT NULL, u.county, a.unit_code, a.year DESC, a.kind
""",
}

CANNED_QUERIES["history"] = {
    "title": "历史问题：首次核查时已有的缺报和问题",
    "description": "首次核查一个单位（或把起始年度提前）时，截止日期已过一年以上的年度中已有的问题：记录在这里，在下一封邮件中列一次，"
                   "不作为新问题提醒。「现在」是该年度报告目前的发布情况（补发后会变）。可按县区筛选。",
    "sql": f"""
SELECT u.county AS 县区, u.name AS 单位, h.unit_code AS 单位代码, h.year AS 年度, {_kind_case('h.kind')} AS 类型,
       h.headline AS 内容, e.status AS 发布情况, substr(h.recorded_at, 1, 10) AS 记录日期,
       substr(h.told_at, 1, 10) AS 通知日期, h.report AS 报告
FROM history_findings h
LEFT JOIN units u ON u.code = h.unit_code
LEFT JOIN expected_reports e ON e.unit_code = h.unit_code AND e.year = h.year
WHERE (:county = '' OR u.county = :county OR u.county_code = :county)
ORDER BY u.county, h.unit_code, h.kind, h.year
""",
}

_REPORT_COLUMNS = {
    "id": "报告编号（文档 SHA-256 前 16 位，同一文档多份报告时加 -序号）",
    "document": "原始文档的 SHA-256（documents/raw 表）",
    "source": "文档地址（附件或文章页面的 URL）",
    "unit_code": "单位代码（名录中的统计用区划代码或自编代码）",
    "unit": "单位名称（报告中所写）",
    "year": "报告年度（报告所述的年份，不是发布年份）",
    "title": "标题",
    "format": "格式：2021（国办公开办函〔2021〕30号）、2019（〔2019〕60号）或 legacy（2018 年及以前）",
    "published": "发布日期",
    "kind": "文档类型：html、pdf、docx、doc、ocr …",
    "status": "校验结果：ok 一致 · inconsistent 数字不平 · incomplete 不完整 · failed 无法解析 · legacy 旧式报告",
    "errors_failed": "未通过的错误级规则数",
    "warnings_failed": "未通过的提示级规则数",
    "incomplete": "是否缺少单元格（1 = 缺）",
    "error_code": "无法解析时的原因代码",
    "error_message": "无法解析时的原因",
    "notes": "解析说明（JSON）",
    "text": "报告正文文字",
    "parser_version": "解析器版本",
    "digest": "解析结果摘要（判断重新解析是否有变化）",
    "parsed_at": "解析时间（UTC）",
}

_OVERVIEW_COLUMNS = {
    **{k: v for k, v in _REPORT_COLUMNS.items() if k in ("id", "unit", "unit_code", "year", "format", "status",
                                                           "published", "errors_failed", "warnings_failed",
                                                           "title", "kind", "source", "document", "error_message")},
    "county": "所属县区", "county_code": "县区代码", "level": "层级：county 县级政府 · township 乡镇/街道 · department 县级部门 · zone 开发区",
    "deadline": "截止日期", "timeliness": "发布情况：on_time 按时 · late 逾期 · missing 缺报 · not_due 未到期 · unreachable 无法访问 · column_not_found 未找到年报栏目（无法判定，见抓取覆盖） · parse_failed 无法解析",
    **{col: f"{label}（{expr}）" for col, expr, label in KEY_FIGURES},
    "failed_rules": "未通过的错误级规则（规则·范围）",
    "report_rowid": "reports 表的 rowid（全文检索用）",
}

_COUNTY_COLUMNS = {
    "county_code": "县区代码", "county": "县区", "year": "报告年度", "due": "应报单位数（不含未到期）",
    "published": "已发布（按时、逾期、无法解析；无核查记录时按已入库报告的单位数）", "on_time": "按时发布",
    "late": "逾期发布", "missing": "缺报", "unreachable": "网站无法访问",
    "column_not_found": "未找到年报栏目或栏目无法完整读取（无法判定，见抓取覆盖）", "parse_failed": "找到但无法解析",
    "inconsistent": "数字不平的单位数", "not_due": "未到截止日期", "late_pct": "逾期比例（%）", "missing_pct": "缺报比例（%）",
}


def scorecard_metadata(route: str) -> dict[str, Any]:
    """The 年度考核 view: its columns in Chinese, the score's formula, and a chart of the scores."""
    from .scorecard import COLUMNS, Weights

    chart = vega_fragment("bar", "county", "score", x_type="nominal", color="year")
    return {
        "title": "年度考核",
        "description_html": (
            "每个县区每个报告年度：应报、按时、逾期、缺报、其他、数字不平、不完整、疑似抄袭、年度或单位不符，以及考核得分。"
            f"<br>{Weights.from_env().formula()}（权重由 NIANBAO_SCORE_WEIGHTS 设置）。"
            f"<br>图表：<a href=\"{chart}\">按县区画得分</a>（datasette-vega）。点击县区名称打开可打印的考核页 "
            f"<code>{route}/county/县区代码/年度</code>。"
        ),
        "facets": ["year"],
        "sort": "score",
        "columns": dict(COLUMNS),
    }


def build_metadata(database: str = "nianbao") -> dict[str, Any]:
    """The metadata dict for a store served under the name ``database``."""
    route = ROUTE
    queries = {}
    for name, q in CANNED_QUERIES.items():
        q = dict(q, sql=q["sql"].strip())
        if "description_html" in q:
            q["description_html"] = q["description_html"].format(
                route=route, chart=vega_fragment("bar", "县区", "缺报比例", color="年度"))
        queries[name] = q
    tables: dict[str, Any] = {
        "reports": {
            "title": "年度报告",
            "description": "每份解析过的年度报告一行：单位、年度、格式、发布日期、校验结果。可全文检索标题、单位和正文（逐字检索，两个字即可，如「东城」「复议」；多个词用空格分开）。",
            "fts_table": "reports_fts",
            "fts_pk": "rowid",
            "facets": ["status", "year", "format", "kind"],
            "sort_desc": "year",
            "label_column": "title",
            "columns": _REPORT_COLUMNS,
        },
        "report_overview": {
            "title": "报告一览",
            "description": "每份报告一行，附单位所属县区、层级、发布情况和主要数字（本年新收申请、办理结果、行政复议、行政诉讼……）以及未通过的错误级规则。点击编号查看按官方格式排版的报告页。全文检索两个字即可（如「东城」）。",
            "facets": ["county", "level", "year", "format", "status", "timeliness"],
            "sort_desc": "year",
            "fts_table": "reports_fts",
            "fts_pk": "report_rowid",
            "columns": _OVERVIEW_COLUMNS,
        },
        "cells": {
            "title": "单元格",
            "description": "报告表二、表三、表四的每个单元格一行（键见文档 domain.md）：数值、原文、是否空白、是否无效。",
            "facets": ["tbl", "row_key", "col_key", "blank", "invalid"],
            "columns": {
                "report": "报告编号", "key": "单元格键，如 t3.new.total", "tbl": "表：t2 表二 · t3 表三 · t4 表四",
                "row_key": "行", "col_key": "列", "value": "数值（空白或无法识别时为空）", "raw": "原文",
                "blank": "空白（1 = 空白，按规则多数按 0 计）", "invalid": "无效（原文不是数字，如 1O）",
                "at": "在文档中的位置（JSON）",
                "raw_text": "原文，仅在与数值的文字不同时保存（raw 列总是完整原文）",
                "at_data": "位置的存储形式（at 列总是完整 JSON）",
            },
        },
        "cells_long": {
            "title": "单元格（附单位、县区、年度）",
            "description": "全部单元格，附报告的单位、县区和年度：适合透视和导出。",
            "facets": ["county", "year", "tbl", "row_key", "col_key"],
        },
        "rule_results": {
            "title": "校验结果",
            "description": "每份报告每条规则每个范围一行：通过、不通过或无法核对，附说明和涉及的单元格。",
            "facets": ["rule", "status", "severity"],
            "columns": {
                "report": "报告编号", "rule": "规则编号（见 domain.md §3）", "scope": "范围（列、行或表）",
                "status": "pass 通过 · fail 不通过 · not_assessable 无法核对", "severity": "error 错误 · warning 提示",
                "message": "说明", "cells": "涉及的单元格键（JSON）",
            },
        },
        "rule_failures": {
            "title": "未通过的规则",
            "description": "所有未通过的规则（错误和提示），附单位、县区和年度。",
            "facets": ["rule", "severity", "county", "year", "level", "format"],
        },
        "units": {
            "title": "单位名录",
            "description": "应发布年度报告的单位：县级政府、乡镇街道、县级部门、开发区，及其上级和所属县区。",
            "facets": ["level", "county"],
            "label_column": "name",
            "columns": {
                "code": "单位代码", "name": "名称", "level": "层级", "parent": "上级单位代码", "county_code": "所属县区代码",
                "county": "所属县区", "site": "网站", "columns": "年报栏目地址（JSON）", "recipients": "提醒收件人（JSON）",
                "deadline": "截止日期设置（MM-DD，次年）", "active_from": "起始报告年度",
            },
        },
        "unit_years": {
            "title": "单位·年度",
            "description": "每个单位每个报告年度一行：截止日期、发布情况、发布日期和对应的报告。",
            "facets": ["county", "level", "year", "timeliness"],
        },
        "expected_reports": {
            "title": "应发布的报告",
            "description": "单位 × 报告年度 × 截止日期，及核查结论：按时、逾期、缺报（年报栏目完整读取后仍没有）、未到期、无法访问、未找到年报栏目（无法判定，见抓取覆盖）、无法解析。",
            "facets": ["status", "year", "inconsistent"],
            "columns": {
                "unit_code": "单位代码", "year": "报告年度", "deadline": "截止日期", "status": "核查结论",
                "report": "对应的报告", "published": "发布日期", "page_url": "发布页面", "inconsistent": "数字不平（1 = 是）",
                "checked_at": "核查时间",
            },
        },
        "county_overview": {
            "title": "县区概况",
            "description": "每个县区每年的应报、已发布、逾期、缺报和数字不平单位数。",
            "facets": ["county", "year"],
            "columns": _COUNTY_COLUMNS,
        },
        "county_scorecard": scorecard_metadata(route),
        "crawl_coverage": {
            "title": "抓取覆盖",
            "description": "每个单位最近一次抓取读到了哪里：是否找到年报栏目、用哪种列表解析、读了几页、见到几条年报、"
                           "是否用了浏览器、最后的错误。state 为 column_not_found 的单位无法判定是否发布（不会提醒“逾期未发布”），"
                           "请按 reason 处理，通常是在名录中填写 columns:。",
            "facets": ["county", "state", "column_found", "adapter", "browser"],
            "sort": "state",
            "columns": {
                "county": "所属县区", "unit_code": "单位代码", "unit": "单位", "level": "层级",
                "column_found": "是否找到年报栏目（1 = 找到）",
                "state": "read 已完整读取 · column_not_found 未找到年报栏目或栏目无法完整读取",
                "reason": "无法判定的原因", "column_url": "年报栏目地址（未找到时为首页）",
                "adapter": "列表解析方式（trs、hanweb、vsb、json、query、generic …）", "pages": "读取的列表页数",
                "entries": "列表中的条目数", "report_entries": "其中年度报告的条目数",
                "browser": "是否用浏览器读取（1 = 是）", "last_error": "最后的错误",
                "read_through": "年报由哪个单位的栏目读取（上级的共用栏目）", "run": "抓取编号", "read_at": "读取时间（UTC）",
            },
        },
        "fingerprints": {
            "title": "报告指纹",
            "description": "每份报告正文的 MinHash 指纹（不含数字、标点、标题和前言）和表三、表四的摘要：用于发现照抄上年或套用同县其他单位的报告（COPY-LAST-YEAR、COPY-OTHER-UNIT）。",
            "columns": {"report": "报告编号", "unit_code": "单位代码", "year": "报告年度", "text_len": "比对用正文的字数",
                        "tables_hash": "表三、表四数值的摘要（全为 0 时为空）", "minhash": "MinHash 签名（128 × 32 位）"},
        },
        "fingerprint_bands": {"title": "指纹分段索引", "hidden": True},
        "hints_told": {"title": "已告知的提示", "hidden": True},
        "picture_waits": {
            "title": "等待图片的页面",
            "description": "表格是图片的文章页，其图片还没有全部抓到：解析阶段清空队列后用已有的图片读取，迟到的图片到达时再读一次。",
            "columns": {"page_url": "页面地址", "sha256": "页面文档", "item": "页面信息（JSON）", "since": "开始等待（UTC）"},
        },
        # the storage behind the rule_results view (crawler/compact.py): read rule_results instead
        "rule_checks": {"title": "校验结果（存储形式）", "hidden": True},
        "rule_texts": {"title": "校验说明模板与单元格列表", "hidden": True},
        "documents": {
            "title": "原始文档",
            "description": "抓取到的原始文档（按内容 SHA-256 存一次）。",
            "facets": ["kind"],
        },
        "raw": {"title": "原始文档内容", "hidden": True},
        "sources": {
            "title": "来源",
            "description": "每个文档地址：所属单位、所在页面、标题、发布日期，以及用于条件请求的 ETag。",
            "facets": ["role", "year"],
        },
        "fetches": {
            "title": "抓取记录",
            "description": "失败的请求、栏目页和新文档各一行：状态码、结果、错误、是否用浏览器（未变的文档只计入每晚汇总）。",
            "facets": ["outcome", "kind", "status", "browser"],
            "sort_desc": "id",
        },
        "fetch_nights": {
            "title": "每晚抓取汇总",
            "description": "每个单位每次抓取一行：请求数、各结果的次数、栏目页读取成功/失败、文章数、最近一次成功读取。",
            "sort_desc": "run",
        },
        "runs": {"title": "抓取运行", "description": "每次抓取运行：开始、结束、状态、统计。", "sort_desc": "id"},
        "alerts": {
            "title": "问题",
            "description": "nianbao check 发现的每个问题一行（打开、提醒、关闭）；payload 是邮件中的内容。未解决的问题及其核实情况见「未解决的问题」查询。",
            "facets": ["kind", "year"],
            "sort_desc": "id",
        },
        "alert_events": {
            "title": "核实记录",
            "description": "对问题的核实（已核实、误报、暂缓）和自动重新打开：谁、何时、为什么，以及当时针对的报告。",
            "facets": ["action", "verdict", "actor"],
            "sort_desc": "id",
            "columns": {"alert_id": "问题编号（alerts 表）", "at": "时间（UTC）", "action": "ack 核实 · reopen 重新打开",
                        "verdict": "结论", "actor": "核实人", "note": "说明", "report": "当时的报告"},
        },
        "history_findings": {
            "title": "历史问题",
            "description": "首次核查时截止日期已过一年以上的年度中已有的问题：只在邮件中列一次，不提醒。",
            "facets": ["kind", "year"],
        },
    }
    links = " · ".join(
        f'<a href="/{database}/{name}">{q["title"].split("：")[0]}</a>' for name, q in CANNED_QUERIES.items())
    return {
        "title": "nianbao · 政府信息公开工作年度报告监测",
        "description_html": (
            "县、乡镇（街道）和县级部门的政府信息公开工作年度报告：是否按时发布，表格数字是否对得上。"
            f"<br>常用查询：{links} · <a href=\"{route}/counties\">各县区逾期、缺报比例图</a>"
        ),
        "license": "数据来自各级政府网站公开发布的年度报告；本站整理结果以 CC BY 4.0 提供",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "source": "各县区政府网站「政府信息公开年报」栏目；依据《中华人民共和国政府信息公开条例》第四十九、五十条",
        "source_url": "https://www.gov.cn/zhengce/content/2019-04/15/content_5382991.htm",
        "databases": {
            database: {
                "title": "年度报告库",
                "description": "抓取、解析、校验的结果。报告页（按官方格式排版、标出数字不平的单元格）从报告编号进入。",
                "tables": tables,
                "queries": queries,
            }
        },
        "plugins": {PLUGIN: {"database": database}},
    }
