"""Alert states and their lifecycle: unreachable is never missing, one alert when our network is down,
inconsistent with its arithmetic, parse-failed with its reason, runs that died, idempotent checks."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from alerts.config import AlertConfig
from alerts.testing import World, at
from app.alerts_cli import alerts_group, check, cli, schedule
from crawler.registry import Unit
from demo.render import render_html

from .reports import seed_spec

COUNTY = Unit("410823000000", "武陟县人民政府", "county", recipients=["gk@wz.example"])
TOWN = Unit("410823100000", "木城街道办事处", "township", parent=COUNTY.code, columns=["http://mc.example/nb/"])
DEPT = Unit("410823-zfb", "武陟县人民政府办公室", "department", parent=COUNTY.code)
OTHERS = [Unit(f"41082330{i}000", f"第{i}镇人民政府", "township", parent=COUNTY.code) for i in range(3)]
ALL = [COUNTY, TOWN, DEPT, *OTHERS]
CODES = [u.code for u in ALL]


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "nianbao.db", ALL, AlertConfig(first_year=2022, unreachable_nights=2))
    yield w
    w.close()


def kinds(world: World, code: str) -> set[str]:
    return {kind for unit, _, kind, _ in world.open() if unit == code}


def alert_row(world: World, code: str, kind: str) -> dict:
    rows = [dict(r) for r in world.store.db.query(
        "SELECT * FROM alerts WHERE unit_code = ? AND kind = ? ORDER BY id DESC", [code, kind])]
    row = rows[0]
    row["payload"] = json.loads(row["payload"])
    return row


def spec_for(unit: Unit, year: int = 2022, published: date = date(2023, 1, 20), **cells):
    spec = seed_spec("000")
    spec.unit, spec.year, spec.published = unit.name, year, published
    spec.cells = {**spec.cells, **cells}
    return spec


# the clerk typed 25 for 自然人's 办理结果总计 (and the total): the balance is off by one
BROKEN = {"t3.handled_total.natural": "25", "t3.handled_total.total": "25",
          "t3.unavailable_not_held.natural": "15", "t3.unavailable_not_held.total": "15"}


def test_site_down_the_night_before_its_deadline_is_unreachable_never_missing(world):
    others = [c for c in CODES if c != TOWN.code]
    world.night(at(2023, 1, 30), ok=CODES)
    world.check(at(2023, 1, 30, 3))
    world.night(at(2023, 1, 31), ok=others, failed=[TOWN.code])  # the night before the deadline
    world.check(at(2023, 1, 31, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "not_due"
    assert not kinds(world, TOWN.code)

    world.night(at(2023, 2, 1), ok=others, failed=[TOWN.code])
    world.check(at(2023, 2, 1, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "unreachable"
    assert kinds(world, TOWN.code) == {"unreachable"}  # 2 nights running: N = 2
    alert = alert_row(world, TOWN.code, "unreachable")
    assert alert["payload"]["headline"] == "网站连续 2 晚无法访问：连接超时"
    assert "最近一次成功读取：2023-01-30 02:00" in alert["payload"]["details"]
    health = world.store.db["unit_health"].get(TOWN.code)
    assert (health["state"], health["consecutive_failures"], health["last_success_at"]) == (
        "unreachable", 2, "2023-01-29T18:00:00+00:00")

    world.night(at(2023, 2, 2), ok=others, failed=[TOWN.code])
    world.check(at(2023, 2, 2, 3))
    assert kinds(world, TOWN.code) == {"unreachable"}
    assert alert_row(world, TOWN.code, "unreachable")["payload"]["headline"] == "网站连续 3 晚无法访问：连接超时"

    world.night(at(2023, 2, 3), ok=CODES)  # readable again, and still no report: now it is missing
    result = world.check(at(2023, 2, 3, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "missing"
    assert kinds(world, TOWN.code) == {"missing"}
    resolved = alert_row(world, TOWN.code, "unreachable")
    assert resolved["closed_at"] and resolved["payload"]["resolution"] == "网站已恢复访问（2023-02-03 02:00 读取成功）"
    assert resolved["id"] in result.changes.closed


def test_a_failed_night_neither_resolves_nor_repeats_a_missing_alert(world):
    world.night(at(2023, 2, 1), ok=CODES)
    world.check(at(2023, 2, 1, 3))
    opened = alert_row(world, TOWN.code, "missing")
    world.night(at(2023, 2, 2), ok=[c for c in CODES if c != TOWN.code], failed=[TOWN.code])
    result = world.check(at(2023, 2, 2, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "unreachable"
    still = alert_row(world, TOWN.code, "missing")
    assert still["id"] == opened["id"] and still["closed_at"] is None
    assert not result.changes.closed


def test_an_article_that_timed_out_is_not_missing(world):
    world.night(at(2023, 2, 1), ok=CODES, entries={TOWN.code: 3}, article_failed=[TOWN.code])
    world.check(at(2023, 2, 1, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "unreachable"
    assert "missing" not in kinds(world, TOWN.code)
    assert world.store.db["unit_health"].get(TOWN.code)["state"] == "partial"


def test_every_site_failing_is_one_network_down_alert(world):
    world.night(at(2023, 1, 30), ok=CODES)
    world.check(at(2023, 1, 30, 3))
    for day in (1, 2, 3):  # three nights of our own network being down, past the deadline
        world.night(at(2023, 2, day), failed=CODES)
        world.check(at(2023, 2, day, 3))
        assert world.open() == {("", 0, "network_down", "")}
    alert = alert_row(world, "", "network_down")
    assert alert["payload"]["headline"].endswith(f"中 {len(CODES)} 个单位有 {len(CODES)} 个网站无法访问，可能是本机网络故障")
    assert {r["status"] for r in world.store.db.query("SELECT status FROM expected_reports WHERE deadline < '2023-02-01'")} == {"unreachable"}
    assert world.store.db["unit_health"].get(TOWN.code)["state"] == "network_down"

    # the network is back; a down night never counted against a site: one real failure is not 2 in a row
    world.night(at(2023, 2, 4), ok=[c for c in CODES if c != TOWN.code], failed=[TOWN.code])
    world.check(at(2023, 2, 4, 3))
    assert ("", 0, "network_down", "") not in world.open()
    assert "unreachable" not in kinds(world, TOWN.code)
    assert alert_row(world, "", "network_down")["payload"]["resolution"].endswith("网络已恢复正常")


def test_blocked_site_says_it_refuses_us(world):
    for day in (1, 2):
        world.night(at(2023, 2, day), ok=[c for c in CODES if c != TOWN.code], blocked=[TOWN.code])
        world.check(at(2023, 2, day, 3))
    alert = alert_row(world, TOWN.code, "unreachable")
    assert alert["scope"] == "blocked"
    assert alert["payload"]["headline"] == "网站连续 2 晚拒绝抓取：HTTP 412"
    assert world.store.db["unit_health"].get(TOWN.code)["state"] == "blocked"


def test_inconsistent_report_alert_carries_the_arithmetic_and_closes_when_fixed(world):
    rid = world.publish(render_html(spec_for(DEPT, **BROKEN)), DEPT.code, page="http://wz.example/zfb-2022.html", year=2022)
    world.night(at(2023, 2, 1), ok=CODES)
    world.check(at(2023, 2, 1, 3))
    assert kinds(world, DEPT.code) == {"inconsistent"}
    alert = alert_row(world, DEPT.code, "inconsistent")
    assert (alert["year"], alert["rule"], alert["scope"], alert["report"]) == (2022, "T3-BALANCE", "natural,total", rid)
    assert "表三·自然人：本年新收 26 + 上年结转 0 = 26，但办理结果总计 25 + 结转下年度 0 = 25，相差 1" in alert["payload"]["details"]
    assert ["报告数据", f"http://127.0.0.1:8001/nianbao/reports/{rid}"] in alert["payload"]["links"]
    assert ["发现报告的页面", "http://wz.example/zfb-2022.html"] in alert["payload"]["links"]
    assert world.expected(DEPT.code, 2022)["inconsistent"] == 1

    # the office re-publishes a corrected report
    fixed = world.publish(render_html(spec_for(DEPT, published=date(2023, 1, 25))), DEPT.code,
                          page="http://wz.example/zfb-2022-v2.html", year=2022)
    world.check(at(2023, 2, 2, 3))
    assert "inconsistent" not in kinds(world, DEPT.code)
    closed = alert_row(world, DEPT.code, "inconsistent")
    assert closed["payload"]["resolution"] == "发现了新版本的 2022 年度报告，T3-BALANCE 核对已通过"
    assert world.expected(DEPT.code, 2022)["report"] == fixed


def test_unreadable_report_is_parse_failed_with_its_reason_not_missing(world):
    world.publish(b"%PDF-1.4\n" + b"\x00garbage" * 50, DEPT.code, page="http://wz.example/zfb.pdf", year=2022,
                  name="zfb.pdf", published="2023-01-20")
    world.night(at(2023, 2, 1), ok=CODES)
    world.check(at(2023, 2, 1, 3))
    assert world.expected(DEPT.code, 2022)["status"] == "parse_failed"
    assert kinds(world, DEPT.code) == {"parse_failed"}
    alert = alert_row(world, DEPT.code, "parse_failed")
    assert alert["payload"]["headline"].startswith("2022 年度报告找到了，但无法读取：")
    assert alert["payload"]["details"][0].startswith("错误代码：")


def test_checking_twice_opens_nothing_twice(world):
    world.publish(render_html(spec_for(DEPT, **BROKEN)), DEPT.code, page="http://wz.example/a.html", year=2022)
    world.night(at(2023, 2, 1), ok=CODES)
    first = world.check(at(2023, 2, 1, 3))
    second = world.check(at(2023, 2, 1, 4))
    assert first.changes.opened and not second.changes.opened and not second.changes.closed
    assert world.store.db["alerts"].count == len(first.changes.opened)


def test_a_list_that_suddenly_lists_nothing_is_a_finding(world):
    world.night(at(2023, 1, 10), ok=CODES, entries={TOWN.code: 5})
    world.night(at(2023, 1, 11), ok=CODES, entries={TOWN.code: 0})
    world.check(at(2023, 1, 11, 3))
    alert = alert_row(world, TOWN.code, "nothing_found")
    assert alert["payload"]["headline"] == "年报栏目能打开，但没有列出任何年报（以前列出过 5 篇），栏目可能已改版或迁移"
    assert alert["payload"]["links"] == [["年报栏目", "http://mc.example/nb/"]]
    world.night(at(2023, 1, 12), ok=CODES, entries={TOWN.code: 5})
    world.check(at(2023, 1, 12, 3))
    assert "nothing_found" not in kinds(world, TOWN.code)


def test_a_run_that_did_not_finish_is_reported_the_next_morning(world):
    world.night(at(2023, 1, 10), ok=CODES)
    crashed = world.night(at(2023, 1, 11), ok=CODES[:2], finished=False)  # the crawl died midway
    world.check(at(2023, 1, 11, 9))  # the run may still be going: nothing yet
    assert ("", 0, "run_unfinished", f"run:{crashed}") not in world.open()
    world.check(at(2023, 1, 11, 23))  # stale after 12 h
    assert ("", 0, "run_unfinished", f"run:{crashed}") in world.open()
    alert = alert_row(world, "", "run_unfinished")
    assert alert["payload"]["headline"] == f"抓取 #{crashed}（2023-01-11 02:00 开始）没有正常结束（进程中断，状态仍为 running），当晚的结果不完整"
    nxt = world.night(at(2023, 1, 12), ok=CODES)
    world.check(at(2023, 1, 12, 3))
    assert alert_row(world, "", "run_unfinished")["payload"]["resolution"] == f"之后的抓取 #{nxt} 已正常完成"


def test_a_crash_followed_by_a_good_run_is_still_told(world):
    crashed = world.night(at(2023, 1, 11), ok=CODES[:2], finished=False)
    world.night(at(2023, 1, 12), ok=CODES)
    world.check(at(2023, 1, 12, 3))
    assert ("", 0, "run_unfinished", f"run:{crashed}") in world.open()
    world.check(at(2023, 1, 12, 4))
    assert ("", 0, "run_unfinished", f"run:{crashed}") not in world.open()  # told once, then resolved


def test_check_cli_prints_open_alerts_and_list_shows_closed(tmp_path, world):
    world.publish(render_html(spec_for(DEPT, **BROKEN)), DEPT.code, page="http://wz.example/a.html", year=2022)
    world.night(at(2023, 2, 1), ok=CODES)
    db = world.store.path
    runner = CliRunner()
    result = runner.invoke(check, ["--db", db, "--first-year", "2022", "--now", "2023-02-01T03:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "数字不符" in result.output and "逾期未发布" in result.output and "武陟县 · 木城街道办事处" in result.output
    again = runner.invoke(check, ["--db", db, "--first-year", "2022", "--now", "2023-02-01T04:00+08:00"])
    assert "新开 0 项，关闭 0 项" in again.output
    listed = runner.invoke(alerts_group, ["list", "--db", db])
    assert listed.exit_code == 0 and "2022 年度报告数字对不上" in listed.output


def test_every_verb_has_help_with_an_example():
    runner = CliRunner()
    for args in (["check"], ["alerts", "send"], ["alerts", "list"], ["alerts", "outbox"], ["schedule"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Example: nianbao" in result.output, args
    assert check.name == "check" and alerts_group.name == "alerts" and schedule.name == "schedule"


def test_a_unit_without_its_own_pages_is_judged_by_its_countys_column(tmp_path):
    county = Unit("411325000000", "内乡县人民政府", "county", columns=["http://nx.example/zfxxgknb/"])
    town = Unit("411325100000", "岞岖镇人民政府", "township", parent=county.code)  # no URL: listed in the county's column
    w = World(tmp_path / "nianbao.db", [county, town], AlertConfig(first_year=2022))
    w.night(at(2023, 2, 1), failed=[county.code])
    w.check(at(2023, 2, 1, 3))
    assert w.expected(town.code, 2022)["status"] == "unreachable"
    w.night(at(2023, 2, 2), ok=[county.code])
    w.check(at(2023, 2, 2, 3))
    assert w.expected(town.code, 2022)["status"] == "missing"
    assert (town.code, 2022, "missing", "") in w.open()
    missing = alert_row(w, town.code, "missing")
    assert missing["payload"]["details"] == ["2023-02-02 02:00 完整读取了内乡县人民政府的年报栏目，没有找到这份报告"]
    w.close()


def test_an_unreadable_document_of_unknown_year_is_still_told(world):
    # a failed parse has no year of its own; here the page's title gave none either
    world.publish(b"%PDF-1.4\n" + b"\x00" * 64, DEPT.code, page="http://wz.example/fj.pdf", name="fj.pdf")
    world.night(at(2023, 2, 1), ok=CODES)
    world.check(at(2023, 2, 1, 3))
    alert = alert_row(world, DEPT.code, "parse_failed")
    assert alert["year"] == 0
    assert alert["payload"]["headline"].startswith("找到一份年报，但无法读取，也无法确定年度：")


def test_a_late_report_is_told_once_and_ages_out_silently(world):
    world.publish(render_html(spec_for(DEPT, published=date(2023, 2, 3))), DEPT.code, page="http://wz.example/a.html",
                  year=2022)
    world.night(at(2023, 2, 4), ok=CODES)
    world.check(at(2023, 2, 4, 3))
    assert (DEPT.code, 2022, "late", "") in world.open()
    world.night(at(2024, 2, 4), ok=CODES)
    world.check(at(2024, 2, 4, 3))  # more than a year after the deadline: history, not news
    assert (DEPT.code, 2022, "late", "") not in world.open()
    closed = alert_row(world, DEPT.code, "late")
    assert closed["resolved_notice_sent"] == 1  # closed without a "resolved" notice
    assert world.expected(DEPT.code, 2022)["status"] == "late"
