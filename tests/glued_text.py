"""Reports flattened the way an archive crawler dumps a page: header block, then the whole body on one
line, each table row its label followed by the cells' digits with no separator (or stray spaces)."""

from __future__ import annotations

from collections.abc import Callable

from parsers import schema

T3_LABELS_2021 = [
    ("new", "一、本年新收政府信息公开申请数量"), ("carried_in", "二、上年结转政府信息公开申请数量"),
    (None, "三、本年度办理结果"), ("granted", "（一）予以公开"),
    ("partly_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"), (None, "（三）不予公开"),
    ("withheld_state_secret", "1.属于国家秘密"), ("withheld_law", "2.其他法律行政法规禁止公开"),
    ("withheld_three_safeties", "3.危及“三安全一稳定”"), ("withheld_third_party", "4.保护第三方合法权益"),
    ("withheld_internal", "5.属于三类内部事务信息"), ("withheld_process", "6.属于四类过程性信息"),
    ("withheld_enforcement", "7.属于行政执法案卷"), ("withheld_inquiry", "8.属于行政查询事项"),
    (None, "（四）无法提供"), ("unavailable_not_held", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "2.没有现成信息需要另行制作"), ("unavailable_unclear", "3.补正后申请内容仍不明确"),
    (None, "（五）不予处理"), ("declined_petition", "1.信访举报投诉类申请"), ("declined_repeat", "2.重复申请"),
    ("declined_publication", "3.要求提供公开出版物"), ("declined_mass", "4.无正当理由大量反复申请"),
    ("declined_confirm", "5.要求行政机关确认或重新出具已获取信息"), (None, "（六）其他处理"),
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "3.其他"), ("handled_total", "（七）总计"), ("carried_out", "四、结转下年度继续办理"),
]


def glue(values: list[int]) -> str:
    """Cells joined with nothing at all."""
    return "".join(str(v) for v in values)


def consistent_cells(rows: dict[str, tuple[int, ...]], t4: tuple[int, ...] = (0,) * 15) -> dict[str, int]:
    """A 2021 report's table 三/四 from the given rows (others 0), with 总计 rows computed so it adds up."""
    cells: dict[str, int] = {}
    results = schema.T3_RESULT_ROWS_2021
    table = {r: rows.get(r, (0,) * 6) for r in ["new", "carried_in", *results, "carried_out"]}
    handled = tuple(sum(table[r][i] for r in results) for i in range(6))
    table["handled_total"] = handled
    for row, vals in table.items():
        for col, v in zip(schema.T3_APPLICANTS, vals):
            cells[f"t3.{row}.{col}"] = v
        cells[f"t3.{row}.total"] = sum(vals)
    for key, v in zip(schema.T4_KEYS, t4):
        cells[key] = v
    return cells


def flattened_report(cells: dict[str, int], *, unit: str = "某县某某局", year: int = 2021,
                     join: Callable[[list[int]], str] = glue, t2: str | None = None,
                     published: str | None = None, line_per_table: bool = False) -> str:
    """A 2021-format report as an archive crawler's one-line dump (crawler header block included)."""
    title = f"{unit}{year}年度政府信息公开工作年度报告"
    t2 = t2 if t2 is not None else (
        "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件000"
        "第二十条第（五）项信息内容本年处理决定数量行政许可12 第二十条第（六）项信息内容 本年处理决定数量行政处罚3行政强制0"
        "第二十条第（八）项信息内容 本年收费金额（单位：万元）行政事业性收费0")
    body = [f"{title} 根据《中华人民共和国政府信息公开条例》，编制本报告。一、总体情况{year}年，我局认真做好政务公开工作。",
            "\n" if line_per_table else "", "二、主动公开政府信息情况 ", t2, "\n" if line_per_table else "",
            "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
            "申请人情况自然人法人或其他组织总计 商业企业科研机构社会公益组织法律服务机构其他"]
    for row, label in T3_LABELS_2021:
        body.append(label)
        if row is not None and f"t3.{row}.total" in cells:
            body.append(join([cells[f"t3.{row}.{c}"] for c in schema.T3_COLUMNS]))
    if line_per_table:  # another dumper: one line per section, each table still flattened
        body.append("\n")
    body.append(" 四、政府信息公开行政复议、行政诉讼情况 行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉"
                "复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计")
    body.append(join([cells[k] for k in schema.T4_KEYS]))
    body.append("\n" if line_per_table else "")
    body.append("五、存在的主要问题及改进情况（一）存在的主要问题：宣传不够。六、其他需要报告的事项 无。")
    header = (f"标题: {title}\n发布时间: {published or f'{year + 1}-01-20'} 10:00\n文号: \n发布机构: \n栏目: 政府信息公开年报\n"
              f"原文链接: https://www.example.gov.cn/zfxxgknb/{year + 1}01/t{year + 1}0120_1.htm\n"
              f"本地目录: zfxxgknb/{year + 1}01/1_{title}\n==================== 正文 ====================\n")
    return header + "".join(body) + "\n"
