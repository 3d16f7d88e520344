"""Absence needs evidence: a year is "missing" only when the unit's 年报 column was read to its end and
lists reports; otherwise the unit is column_not_found (told to the operators, never a missing alert),
and an open missing alert of such a unit closes as undetermined. Through ``check`` and the digest,
on a real store and a real SMTP server. Also ``nianbao registry check`` and the one-line registry error
of every verb."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from alerts.config import AlertConfig
from alerts.mailer import SmtpSettings
from alerts.notify import send_alerts
from alerts.testing import SmtpServer, World, at
from app.alerts_cli import check
from app.cli import main
from crawler.registry import Unit

COUNTY = Unit("410823000000", "武陟县人民政府", "county", recipients=["gk@wz.example"],
              columns=["http://wz.example/zfxxgknb/"])
TOWN = Unit("410823100000", "木城街道办事处", "township", parent=COUNTY.code, recipients=["mc@wz.example"],
            columns=["http://mc.example/nb/"])
VILLAGE = Unit("410823200000", "谢旗营镇人民政府", "township", parent=COUNTY.code)  # listed in the county's column
UNITS = [COUNTY, TOWN, VILLAGE]
CODES = [u.code for u in UNITS]
OPERATORS = "ops@nianbao.example"


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "nianbao.db", UNITS, AlertConfig(first_year=2022, operators=[OPERATORS]))
    yield w
    w.close()


def kinds(world: World, code: str) -> set[str]:
    return {kind for unit, _, kind, _ in world.open() if unit == code}


def alert(world: World, code: str, kind: str) -> dict:
    row = dict(next(iter(world.store.db.query(
        "SELECT * FROM alerts WHERE unit_code = ? AND kind = ? ORDER BY id DESC", [code, kind]))))
    row["payload"] = json.loads(row["payload"])
    return row


def mail(world: World, when) -> dict[str, str]:
    """Send tonight's digests through a real SMTP server; the plain text per recipient."""
    with SmtpServer() as server:
        send_alerts(world.store, now=when, config=world.config, smtp=SmtpSettings.from_env(server.env()))
        return {m["To"]: m.get_body(("plain",)).get_content() for m in server.messages}


def test_a_column_cut_short_is_column_not_found_never_missing(world):
    world.night(at(2023, 2, 1), ok=CODES, columns={TOWN.code: {"pages": 50, "complete": 0, "cut": "cap",
                                                                 "entries": 750, "report_entries": 12}})
    world.check(at(2023, 2, 1, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "column_not_found"
    assert kinds(world, TOWN.code) == {"column_not_found"}  # no missing alert
    found = alert(world, TOWN.code, "column_not_found")
    assert found["year"] == 0 and found["scope"] == "pagination_cap"
    assert found["payload"]["headline"] == "年报栏目无法完整读取：分页达到上限，只读了 50 页"
    assert "无法判定是否发布：木城街道办事处 2022 年度" in found["payload"]["details"]
    coverage = world.store.db["unit_coverage"].get(TOWN.code)
    assert (coverage["state"], coverage["reason"], coverage["pages"]) == ("column_not_found", "pagination_cap", 50)
    # the county's column was read to its end: its own year is missing
    assert world.expected(COUNTY.code, 2022)["status"] == "not_due"  # a county's deadline is 03-31

    result = CliRunner().invoke(check, ["--db", world.store.path, "--first-year", "2022",
                                        "--now", "2023-02-01T04:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "未找到年报栏目 1" in result.output and "年报栏目无法完整读取" in result.output
    assert not [line for line in result.output.splitlines() if "木城" in line and "逾期未发布" in line]

    texts = mail(world, at(2023, 2, 1, 7))
    assert "mc@wz.example" not in texts and "木城" not in texts["gk@wz.example"]  # nothing for the unit's offices
    ops = texts[OPERATORS]
    assert "【新】武陟县 · 木城街道办事处：年报栏目无法完整读取：分页达到上限，只读了 50 页" in ops
    assert "逾期未发布" not in ops


def test_a_column_read_to_its_end_without_the_report_is_missing(world):
    world.night(at(2023, 2, 1), ok=CODES, columns={TOWN.code: {"pages": 3, "entries": 45, "report_entries": 41}})
    world.check(at(2023, 2, 1, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "missing"
    assert kinds(world, TOWN.code) == {"missing"}
    payload = alert(world, TOWN.code, "missing")["payload"]
    assert payload["details"] == ["2023-02-01 02:00 完整读取了该单位的年报栏目，没有找到这份报告"]
    texts = mail(world, at(2023, 2, 1, 7))
    text = texts["mc@wz.example"]
    assert "武陟县 · 木城街道办事处：2022 年度报告逾期未发布（截止 2023-01-31）" in text
    assert "读取了年报栏目 3 页，共 41 条年报，没有本单位 2022 年度的" in text
    assert "完整读取了该单位的网站" not in text


def test_a_column_that_never_listed_a_report_is_not_evidence(world):
    # read to its end, but empty: a wrong or moved column, not proof that nothing was published
    world.night(at(2023, 2, 1), ok=CODES, columns={TOWN.code: {"entries": 0, "report_entries": 0}})
    world.check(at(2023, 2, 1, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "column_not_found"
    assert alert(world, TOWN.code, "column_not_found")["payload"]["headline"] == "年报栏目无法完整读取：年报栏目页面上没有任何条目"
    # a column that listed reports on an earlier night still counts when it lists none tonight
    world.night(at(2023, 2, 2), ok=CODES, columns={TOWN.code: {"entries": 6, "report_entries": 5}})
    world.night(at(2023, 2, 3), ok=CODES, columns={TOWN.code: {"entries": 0, "report_entries": 0}})
    world.check(at(2023, 2, 3, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "missing"
    assert "column_not_found" not in kinds(world, TOWN.code)
    assert alert(world, TOWN.code, "column_not_found")["payload"]["resolution"] == "年报栏目已完整读取（1 页，0 条年报）"


@pytest.mark.parametrize("reading, headline", [
    ({"entries": 0, "report_entries": 0, "scripts": 1, "browser": 1}, "年报栏目无法完整读取：年报列表由脚本生成，浏览器也未能读出"),
    ({"pages": 0, "complete": 0, "cut": "error", "entries": 0, "report_entries": 0, "last_error": "HTTP 521"},
     "年报栏目无法完整读取：网站的 JavaScript 验证没有通过（HTTP 521）"),
    ({"entries": 9, "report_entries": 0}, "年报栏目无法完整读取：栏目中从未出现过年度报告标题，可能不是年报栏目"),
    ({"pages": 7, "complete": 0, "cut": "unfinished"}, None),  # the crawl stopped first: nothing is judged
])
def test_every_reason_a_column_settles_nothing(world, reading, headline):
    world.night(at(2023, 2, 1), ok=CODES, columns={TOWN.code: reading})
    world.check(at(2023, 2, 1, 3))
    assert "missing" not in kinds(world, TOWN.code)
    if headline is None:
        assert world.expected(TOWN.code, 2022)["status"] == "unchecked" and not kinds(world, TOWN.code)
        return
    assert world.expected(TOWN.code, 2022)["status"] == "column_not_found"
    assert alert(world, TOWN.code, "column_not_found")["payload"]["headline"] == headline


def test_no_link_to_the_column_from_the_home_page(world):
    world.night(at(2023, 2, 1), ok=CODES, columns={TOWN.code: None})
    world.check(at(2023, 2, 1, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "column_not_found"
    found = alert(world, TOWN.code, "column_not_found")
    assert found["payload"]["headline"] == "未找到年报栏目：首页和政府信息公开页上没有找到年报栏目的链接"
    assert "请在名录中为该单位填写 columns:（年报栏目的地址）" in found["payload"]["details"]


def test_an_open_missing_alert_closes_as_undetermined(world):
    world.night(at(2023, 2, 1), ok=CODES)
    world.check(at(2023, 2, 1, 3))
    assert kinds(world, TOWN.code) == {"missing"}
    assert "逾期未发布" in mail(world, at(2023, 2, 1, 7))["mc@wz.example"]

    # the next night the list pages repeat: we can no longer say the column was read to its end
    world.night(at(2023, 2, 2), ok=CODES, columns={TOWN.code: {"pages": 2, "complete": 0, "cut": "trap"}})
    result = world.check(at(2023, 2, 2, 3))
    closed = alert(world, TOWN.code, "missing")
    assert closed["id"] in result.changes.closed
    assert closed["payload"]["closed_as"] == "undetermined"
    assert closed["payload"]["resolution"] == (
        "无法判定：翻页无效（第 2 页与第 1 页相同），无法确认已读完，不能确认 2022 年度报告未发布（已撤回“逾期未发布”）")
    assert kinds(world, TOWN.code) == {"column_not_found"}
    texts = mail(world, at(2023, 2, 2, 7))
    assert "【无法判定】武陟县 · 木城街道办事处：2022 年度报告逾期未发布（截止 2023-01-31）" in texts["mc@wz.example"]
    assert "【已解决】" not in texts["mc@wz.example"]
    assert "年报栏目无法完整读取：翻页无效" in texts[OPERATORS]


def test_a_failed_night_holds_the_column_alert(world):
    world.night(at(2023, 2, 1), ok=CODES, columns={TOWN.code: None})
    world.check(at(2023, 2, 1, 3))
    world.night(at(2023, 2, 2), ok=[COUNTY.code, VILLAGE.code], failed=[TOWN.code])
    world.check(at(2023, 2, 2, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "unreachable"
    assert "column_not_found" in kinds(world, TOWN.code)  # not closed on the strength of a failed fetch


def test_a_unit_in_its_countys_column_is_judged_by_that_column(world):
    world.night(at(2023, 2, 1), ok=CODES, columns={COUNTY.code: {"pages": 4, "complete": 0, "cut": "error",
                                                                   "last_error": "HTTP 500"}})
    world.check(at(2023, 2, 1, 3))
    assert world.expected(VILLAGE.code, 2022)["status"] == "column_not_found"
    found = alert(world, COUNTY.code, "column_not_found")  # one alert, on the column's unit
    assert found["payload"]["headline"] == "年报栏目无法完整读取：翻页中途出错（HTTP 500），只读了 4 页"
    assert "无法判定是否发布：谢旗营镇人民政府 2022 年度" in found["payload"]["details"]
    assert (VILLAGE.code, 0, "column_not_found", "") not in world.open()
    assert world.store.db["unit_coverage"].get(VILLAGE.code)["reader"] == COUNTY.code

    world.night(at(2023, 2, 2), ok=CODES, columns={COUNTY.code: {"pages": 5, "entries": 60, "report_entries": 48}})
    world.check(at(2023, 2, 2, 3))
    assert world.expected(VILLAGE.code, 2022)["status"] == "missing"
    payload = alert(world, VILLAGE.code, "missing")["payload"]
    assert payload["evidence"] == "读取了年报栏目 5 页，共 48 条年报，没有本单位 2022 年度的"
    assert payload["details"] == ["2023-02-02 02:00 完整读取了武陟县人民政府的年报栏目，没有找到这份报告"]
    assert payload["links"] == [["年报栏目", "http://wz.example/zfxxgknb/"]]  # where it would have been listed


@pytest.mark.parametrize("lost", ["run", "unit"])
def test_a_night_that_did_not_finish_its_reading_decides_nothing(world, lost):
    world.night(at(2023, 2, 1), ok=CODES)
    world.check(at(2023, 2, 1, 3))
    opened = alert(world, TOWN.code, "missing")
    run = world.night(at(2023, 2, 2), ok=CODES)
    with world.store.db.conn:  # a crawl by a version that kept no column records, or one killed midway
        world.store.db.execute("DELETE FROM column_reads WHERE run = ? AND (? = 'run' OR unit_code = ?)",
                               [run, lost, TOWN.code])
    result = world.check(at(2023, 2, 2, 3))
    assert world.expected(TOWN.code, 2022)["status"] == "unchecked"
    assert alert(world, TOWN.code, "missing")["id"] == opened["id"] and not result.changes.closed


# ---------------------------------------------------------------- the registry
BAD = {"units": [
    {"code": "1", "name": "甲县人民政府", "level": "city", "site": "www.jia.gov.cn", "recipients": ["gk at jia"]},
    {"code": "1", "name": "乙镇人民政府", "level": "township", "parent": "9", "deadline": "2-30",
     "columns": ["ftp://jia.gov.cn/nb/"]},
    {"code": "3", "name": "丙镇人民政府", "level": "township", "parent": "3"},
]}


def write(tmp_path, data) -> str:
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_registry_check_lists_every_problem_at_once(tmp_path):
    path = write(tmp_path, BAD)
    result = CliRunner().invoke(main, ["registry", "check", path])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == f"名录 {path} 有 8 个问题："
    for expected in ("第 1 个单位（甲县人民政府）：level 应为 county/township/department/zone，而不是 'city'",
                     "第 1 个单位（甲县人民政府）：site 不是 http(s) 网址：'www.jia.gov.cn'",
                     "第 1 个单位（甲县人民政府）：recipients 中有无效的邮件地址：'gk at jia'",
                     "第 2 个单位（乙镇人民政府）：deadline 应为 MM-DD（次年的月-日），而不是 '2-30'",
                     "第 2 个单位（乙镇人民政府）：columns 中有不是 http(s) 网址的一项：'ftp://jia.gov.cn/nb/'",
                     "名录：单位代码 1 重复 2 次：第 1 个单位（甲县人民政府）、第 2 个单位（乙镇人民政府）",
                     "单位 乙镇人民政府：上级 9 不在名录中",
                     "单位 丙镇人民政府：上级关系成环（经由 3）"):
        assert f"  {expected}" in lines, expected


def test_registry_check_passes_a_good_registry(tmp_path):
    from .conftest import ROOT

    result = CliRunner().invoke(main, ["registry", "check", str(ROOT / "registry" / "example.yaml")])
    assert result.exit_code == 0, result.output
    assert "没有问题" in result.output
    unreadable = tmp_path / "r.yaml"
    unreadable.write_text("units: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["registry", "check", str(unreadable)])
    assert result.exit_code == 1 and "无法读取" in result.output


@pytest.mark.parametrize("verb", [
    ["crawl", "--quiet"], ["check"], ["ingest"], ["schedule", "--no-mail"],
])
def test_every_verb_reports_a_bad_registry_in_one_line(tmp_path, verb):
    path = write(tmp_path, {"units": [{"code": "1", "name": "甲县人民政府", "level": "city"}]})
    db = tmp_path / "nianbao.db"
    from crawler.store import Store

    Store(db).close()
    result = CliRunner().invoke(main, [*verb, "--registry", path, "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines() == [
        f"Error: 名录 {path} 有误：第 1 个单位（甲县人民政府）：level 应为 county/township/department/zone，"
        f"而不是 'city'；用 nianbao registry check {path} 列出全部问题"]


# ---------------------------------------------------------------- the crawl's bookkeeping
def _crawl_parts():
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from spiders.coverage import ColumnCoverageMiddleware, ColumnTracker

    crawler = get_crawler(Spider)
    crawler.spider = Spider("t")
    crawler.spider.coverage = ColumnTracker()
    return crawler, ColumnCoverageMiddleware(crawler), crawler.spider.coverage


def _response(request, body: bytes = b"<html></html>"):
    from scrapy.http import HtmlResponse

    return HtmlResponse(request.url, body=body, request=request)


def _page(*urls: str, next_request=None):
    from spiders.adapters import Entry, ListPage

    entries = [Entry(u, f"甲县{2019 + i}年政府信息公开工作年度报告", None) for i, u in enumerate(urls)]
    return ListPage(entries, next_requests=[next_request] if next_request else [])


def test_a_reading_ends_when_its_last_list_page_is_handled():
    from scrapy import Request

    crawler, mw, tracker = _crawl_parts()
    start = Request("http://a.example/nb/", meta={"unit": "A", "kind": "list", "list_page": 0})
    list(mw.process_start_requests([start]))
    first = _response(start)
    nxt = Request("http://a.example/nb/index_1.html",
                  meta={"unit": "A", "kind": "list", "list_page": 2, "list_seen": ["http://a.example/1.html"]})
    article = Request("http://a.example/1.html", meta={"unit": "A", "kind": "article"})
    tracker.page(first, "trs", _page("http://a.example/1.html", next_request=nxt))
    list(mw.process_spider_output(first, [article, nxt]))
    assert tracker.take() == []  # page 2 is still out
    second = _response(nxt)
    tracker.page(second, "trs", _page("http://a.example/2.html", "http://a.example/3.html"))
    list(mw.process_spider_output(second, []))
    [reading] = tracker.take()
    row = reading.row(7, "t")
    assert (row["pages"], row["complete"], row["cut"], row["entries"], row["report_entries"], row["adapter"]) == (
        2, 1, None, 3, 3, "trs")


def test_a_failed_page_a_repeating_page_and_a_page_nobody_fetched_cut_the_reading():
    from scrapy import Request

    crawler, mw, tracker = _crawl_parts()
    # a further page that fails
    start = Request("http://a.example/nb/", meta={"unit": "A", "kind": "list"})
    list(mw.process_start_requests([start]))
    nxt = Request("http://a.example/nb/index_1.html", meta={"unit": "A", "kind": "list", "list_page": 2})
    tracker.page(_response(start), "trs", _page("http://a.example/1.html"))
    list(mw.process_spider_output(_response(start), [nxt]))
    tracker.failed(nxt, "连接超时")
    [failed] = tracker.take()
    assert (failed.row(1, "t")["complete"], failed.cut, failed.last_error) == (0, "error", "连接超时")
    # page 2 repeating page 1: the list's end was not seen
    start = Request("http://b.example/nb/", meta={"unit": "B", "kind": "list"})
    list(mw.process_start_requests([start]))
    again = Request("http://b.example/nb/?page=2",
                    meta={"unit": "B", "kind": "list", "list_page": 2, "list_seen": ["http://b.example/1.html"]})
    list(mw.process_spider_output(_response(start), [again]))
    tracker.page(_response(again), "query", _page("http://b.example/1.html"))
    list(mw.process_spider_output(_response(again), []))
    [trap] = tracker.take()
    assert trap.cut == "trap"
    # two units sharing a column: the second's request is dropped as a duplicate, its reading leans on the first's
    a = Request("http://c.example/nb/", meta={"unit": "C1", "kind": "list"})
    b = Request("http://c.example/nb/", meta={"unit": "C2", "kind": "list"})
    list(mw.process_start_requests([a, b]))
    lost = Request("http://c.example/nb/other/", meta={"unit": "C2", "kind": "list"})
    list(mw.process_spider_output(_response(b), [lost]))
    mw.request_dropped(lost)
    tracker.close()  # C1's reading never came back: it ends as cut when the spider closes
    ended = {r.unit_code: r for r in tracker.take()}
    assert ended["C2"].cut == "dropped"  # a page nobody fetched
    assert ended["C1"].cut == "unfinished"
    # a unit whose list links the column another unit reads: the repeat is dropped, and the reading leans on it
    d1 = Request("http://d.example/nb/", meta={"unit": "D1", "kind": "list"})
    d2 = Request("http://d.example/nb/d2/", meta={"unit": "D2", "kind": "list"})
    list(mw.process_start_requests([d1, d2]))
    up = Request("http://d.example/nb/", meta={"unit": "D2", "kind": "list"})
    list(mw.process_spider_output(_response(d2), [up]))
    mw.request_dropped(up)
    [leaning] = tracker.take()
    assert (leaning.unit_code, leaning.shared, leaning.cut) == ("D2", {"http://d.example/nb/"}, None)


def test_a_server_clamping_past_the_last_page_ends_the_list():
    from scrapy import Request

    crawler, mw, tracker = _crawl_parts()
    start = Request("http://e.example/nb/", meta={"unit": "E", "kind": "list"})
    list(mw.process_start_requests([start]))
    seen: list[str] = []
    response = _response(start)
    for number, urls in ((1, ["http://e.example/1.html"]), (2, ["http://e.example/2.html"]),
                         (3, ["http://e.example/2.html"])):  # page 3 answers page 2 again: past the end
        tracker.page(response, "query", _page(*urls))
        seen += urls
        nxt = Request(f"http://e.example/nb/?page={number + 1}",
                      meta={"unit": "E", "kind": "list", "list_page": number + 1, "list_seen": list(seen)})
        list(mw.process_spider_output(response, [nxt] if number < 3 else []))
        response = _response(nxt)
    [reading] = tracker.take()
    assert (reading.pages, reading.cut, reading.row(1, "t")["complete"]) == (3, None, 1)
