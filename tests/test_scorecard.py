"""The annual scorecard (年度考核) and the 与上年对比 view, on a store filled by real parsing and served by
a real Datasette; the sheet 年度考核 of the Excel export."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from browse.scorecard import Weights, scorecard
from crawler.registry import load
from crawler.store import Store

from .test_browse import add_report, get, rows
from .test_evaluator import OTHER_YEAR_TEXT, spec

REGISTRY = """
units:
  - {code: "410101000000", name: 甲县人民政府, level: county}
  - {code: "410101100000", name: 东城镇人民政府, level: township, parent: "410101000000"}
  - {code: "410101101000", name: 西河乡人民政府, level: township, parent: "410101000000"}
  - {code: "410101102000", name: 北山镇人民政府, level: township, parent: "410101000000"}
  - {code: "410101-jyj", name: 甲县教育局, level: department, parent: "410101000000"}
"""
OWN_TEXT = {  # each unit's own part 一, so that only the planted copies are copies
    "410101000000": ["本年度，甲县围绕法治政府建设推进政务公开，完善公开目录，集中公开规范性文件，"
                     "在重大建设项目、公共资源配置、财政预决算等重点领域细化公开要求，开展专题培训两次，"
                     "组织第三方评估一次，推动各乡镇和部门规范设置信息公开专栏并按月更新。"],
    "410101102000": ["北山镇坚持以群众需求为导向，在村务公开栏和便民服务中心同步公开惠农补贴、低保救助、"
                     "宅基地审批等事项，建立每周更新、每月检查的公开台账，畅通意见箱和热线电话，"
                     "对群众提出的问题当日登记、限期答复，全年累计更新公开栏内容八十余期。"],
    "410101-jyj": ["县教育局聚焦招生入学、学生资助、教师招聘等群众关注事项，提前发布招生政策问答，"
                   "公开资助对象名单和资金发放情况，组织校长和办公室主任专题培训，"
                   "对学校网站和公众号开展两轮专项检查，整改问题二十余个，答复家长咨询三百余次。"],
}


def build(path: Path) -> dict[str, str]:
    reg = path.with_suffix(".yaml")
    reg.write_text(REGISTRY, encoding="utf-8")
    store = Store(path)
    store.sync_units(load(reg))

    def put(code, unit, year, published, **kw):
        s = spec(unit, year, published=date.fromisoformat(published), **kw)
        return add_report(store, code, unit, year, published, spec=s)

    ids = {
        "county_2023": put("410101000000", "甲县人民政府", 2023, "2024-03-01", paragraphs={"1": OWN_TEXT["410101000000"]}),
        # 西河乡 copied 东城镇's report (tables and text)
        "east_2023": put("410101100000", "东城镇人民政府", 2023, "2024-01-20", paragraphs={"1": OTHER_YEAR_TEXT}),
        "west_2023": put("410101101000", "西河乡人民政府", 2023, "2024-01-25", paragraphs={"1": OTHER_YEAR_TEXT}),
        # 北山镇: a 2022 report and a 2023 one with last year's statistics period left in, published late
        "north_2022": put("410101102000", "北山镇人民政府", 2022, "2023-01-18", paragraphs={"1": OWN_TEXT["410101102000"]},
                          cells={"t3.new.natural": "197", "t3.new.total": "210", "t3.handled_total.natural": "197",
                                 "t3.handled_total.total": "210", "t3.granted.natural": "164", "t3.granted.total": "172"}),
        "north_2023": put("410101102000", "北山镇人民政府", 2023, "2024-02-10", paragraphs={
            "0": ["本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。"], "1": OWN_TEXT["410101102000"]}),
    }
    expected = [
        ("410101000000", 2023, "2024-03-31", "on_time", ids["county_2023"], "2024-03-01"),
        ("410101100000", 2023, "2024-01-31", "on_time", ids["east_2023"], "2024-01-20"),
        ("410101101000", 2023, "2024-01-31", "on_time", ids["west_2023"], "2024-01-25"),
        ("410101102000", 2023, "2024-01-31", "late", ids["north_2023"], "2024-02-10"),
        ("410101102000", 2022, "2023-01-31", "on_time", ids["north_2022"], "2023-01-18"),
        ("410101-jyj", 2023, "2024-01-31", "missing", None, None),
    ]
    with store.db.conn:
        store.db["expected_reports"].insert_all(
            [dict(zip(("unit_code", "year", "deadline", "status", "report", "published"), e), inconsistent=0,
                  page_url="http://127.0.0.1:9/", checked_at="2024-04-01T00:00:00+00:00") for e in expected])
    store.close()
    return ids


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from browse.serve import DatasetteServer

    path = tmp_path_factory.mktemp("scorecard") / "nianbao.db"
    ids = build(path)
    with DatasetteServer(path) as server:
        yield server, ids, path


def test_planted_findings(served):
    _, ids, path = served
    conn = sqlite3.connect(path)
    failed = {(r, rule) for r, rule in conn.execute(
        "SELECT report, rule FROM rule_results WHERE status = 'fail' AND severity = 'warning' "
        "AND rule IN ('COPY-OTHER-UNIT', 'COPY-LAST-YEAR', 'WRONG-YEAR')")}
    assert failed == {(ids["east_2023"], "COPY-OTHER-UNIT"), (ids["west_2023"], "COPY-OTHER-UNIT"),
                      (ids["north_2023"], "WRONG-YEAR"), (ids["north_2023"], "COPY-LAST-YEAR")}


def test_scorecard_view_counts_and_score(served):
    server, _, _ = served
    (card,) = rows(server, "/nianbao/county_scorecard.json", year=2023)
    assert {k: card[k] for k in ("county_code", "due", "on_time", "late", "missing", "other", "inconsistent",
                                 "incomplete", "copies", "wrong")} == {
        "county_code": "410101000000", "due": 5, "on_time": 3, "late": 1, "missing": 1, "other": 0,
        "inconsistent": 0, "incomplete": 0, "copies": 3, "wrong": 1}
    # 100 × (1 − (1×1 + 0.5×1 + 0.5×3 + 0.3×1) ÷ 5) = 34
    assert card["score"] == 34.0


def test_weights_are_a_stated_setting(served):
    _, _, path = served
    w = Weights.parse("missing=2, copy=0")
    assert (w.missing, w.late, w.copy) == (2.0, 0.5, 0.0)
    assert "2×缺报" in w.formula() and "疑似抄袭" not in w.formula()
    conn = sqlite3.connect(path)
    (card,) = scorecard(conn, year=2023, weights=w)
    assert card["score"] == round(100 * (1 - (2 * 1 + 0.5 * 1 + 0.3 * 1) / 5), 1) == 44.0
    with pytest.raises(ValueError, match="NIANBAO_SCORE_WEIGHTS.*speed"):
        Weights.parse("speed=1")


def test_printable_county_page(served):
    server, ids, _ = served
    status, body, _ = get(server, "/-/nianbao/county/410101000000/2023")
    page = body.decode("utf-8")
    assert status == 200
    assert "甲县人民政府 2023 年度政府信息公开工作年度报告考核" in page
    assert '<span class="nb-score" id="nb-score">34.0</span>' in page
    assert "得分 = 100 × (1 − (1×缺报 + 0.5×逾期 + 0.5×数字不平 + 0.3×不完整 + 0.5×疑似抄袭 + 0.3×年度或单位不符) ÷ 应报)" in page
    assert page.count('data-unit="') == 5 and "@media print" in page
    assert "COPY-OTHER-UNIT：与同年度 东城镇人民政府 的报告" in page and "统计期限写的是 2022 年" in page
    assert get(server, "/-/nianbao/county/410101000000/2019")[0] == 200  # no check yet: said so, not an error
    assert get(server, "/-/nianbao/county/999999/2023")[0] == 404


def test_report_page_compares_with_last_year(served):
    server, ids, _ = served
    status, body, _ = get(server, f"/-/nianbao/report/{ids['north_2023']}")
    page = body.decode("utf-8")
    assert status == 200 and 'id="nb-compare"' in page and "与上年对比" in page
    # the six cells that differ between the two years are marked on both sides
    for side in ("now", "prev"):
        assert page.count(f'class="nb-official nb-compare-{side}"') == 3
    assert page.count('class="v changed"') == 2 * 6 and page.count('data-cmp-key="t4.') == 2 * 15
    assert "<del" in page and "<ins" in page and "统计期限自2022年1月1日" in page
    status, body, _ = get(server, f"/-/nianbao/report/{ids['east_2023']}")
    assert 'id="nb-compare"' not in body.decode("utf-8")  # no 2022 report of 东城镇: no comparison


def test_export_sheet_scorecard(served, tmp_path):
    from openpyxl import load_workbook

    from browse.export import export_xlsx

    _, _, path = served
    counts = export_xlsx(path, tmp_path / "x.xlsx")
    wb = load_workbook(tmp_path / "x.xlsx")
    sheet = wb["年度考核"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:4] == ["县区", "县区代码", "报告年度", "应报"] and values[0][-1] == "得分"
    by_year = {r[2]: r for r in values[1:] if r[0] and r[0] != "计分公式"}
    assert by_year[2023][-1] == 34.0 and by_year[2022][-1] == 100.0
    assert values[-1][0] == "计分公式" and values[-1][1].startswith("得分 = 100 × (1 − (1×缺报")
    assert counts["scorecard"] == 2 + 2


def test_scorecard_query_is_listed(served):
    server, _, _ = served
    status, body, _ = get(server, "/nianbao/county_scorecard")
    page = body.decode("utf-8")
    assert status == 200 and "年度考核" in page and "g.y_column=score" in page
    assert 'href="/-/nianbao/county/410101000000/2023"' in page  # the county links to its printable page
    meta = json.loads(get(server, "/-/metadata.json")[1])
    assert "county_scorecard" in meta["databases"]["nianbao"]["tables"]


def test_digest_lists_findings_as_hints_once(tmp_path):
    """提示 in the digest: the evaluator's findings, apart from the alerts, to the unit's and the county's
    recipients, told once (a real SMTP send is tests/test_mail.py's business; here the digest itself)."""
    from datetime import datetime, timezone

    from alerts import hints
    from alerts.config import AlertConfig
    from alerts.digest import build_digests, render_html, render_text
    from alerts.state import Due

    path = tmp_path / "nianbao.db"
    ids = build(path)
    store = Store(path)
    with store.db.conn:
        store.db.execute("UPDATE units SET recipients = ? WHERE code = '410101000000'", ['["xxgk@jiaxian.test"]'])
        store.db.execute("UPDATE units SET recipients = ? WHERE code = '410101102000'", ['["beishan@jiaxian.test"]'])
    now, config = datetime(2024, 4, 2, tzinfo=timezone.utc), AlertConfig()
    digests = {d.recipient: d for d in build_digests(store.db, Due(), now, config)}
    assert sorted(digests) == ["beishan@jiaxian.test", "xxgk@jiaxian.test"]  # no alerts tonight, only 提示
    county = digests["xxgk@jiaxian.test"]
    assert {(h["report"], h["rule"]) for h in county.hints} == {
        (ids["east_2023"], "COPY-OTHER-UNIT"), (ids["west_2023"], "COPY-OTHER-UNIT"),
        (ids["north_2023"], "WRONG-YEAR"), (ids["north_2023"], "COPY-LAST-YEAR"),
        (ids["north_2023"], "LAST-YEAR-FOLLOWUP")}  # its part 五 (the renderer's default) is silent on 2022's problems
    assert county.items == [] and county.subject().startswith("【年报监测】甲县：提示 5 项")
    text = render_text(county, now, config)
    assert "══ 提示（评估性检查，不计入提醒；每项只告知一次） ══" in text
    (north,) = [line for line in text.splitlines() if line.startswith("【提示】甲县 · 北山镇人民政府：2023 年度报告 ")]
    assert "WRONG-YEAR：2023 年度报告中出现其他年度：统计期限写的是 2022 年" in north  # one line per report
    assert f"{config.datasette_url}/nianbao/reports/{ids['north_2023']}" in text
    assert "COPY-OTHER-UNIT：" in render_html(county, now, config)
    assert {h["rule"] for h in digests["beishan@jiaxian.test"].hints} == {"WRONG-YEAR", "COPY-LAST-YEAR",
                                                                         "LAST-YEAR-FOLLOWUP"}
    with store.db.conn:
        hints.mark_told(store.db, list(digests.values()), now)
    assert build_digests(store.db, Due(), now, config) == []  # told once
    store.close()
