"""A person settles a finding (`nianbao alerts ack`): no more reminders, its history kept, reopened when the
report's document changes; and the terminal's summary-first output of `check` and `alerts list`."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from alerts.ack import AckError, acknowledge, history
from alerts.config import AlertConfig
from alerts.mailer import SmtpSettings
from alerts.notify import send_alerts
from alerts.testing import SmtpServer, World, at
from app.alerts_cli import alerts_group, check
from crawler.registry import Unit
from demo.render import render_html

from .reports import seed_spec

COUNTY = Unit("410823000000", "武陟县人民政府", "county", recipients=["gk@wz.example"])
DEPT = Unit("410823-zfb", "武陟县人民政府办公室", "department", parent=COUNTY.code)
TOWN = Unit("410823100000", "木城街道办事处", "township", parent=COUNTY.code)
CODES = [COUNTY.code, DEPT.code, TOWN.code]
BROKEN = {"t3.handled_total.natural": "25", "t3.handled_total.total": "25",
          "t3.unavailable_not_held.natural": "15", "t3.unavailable_not_held.total": "15"}


def broken_report(published: date) -> bytes:
    spec = seed_spec("000")
    spec.unit, spec.year, spec.published = DEPT.name, 2022, published
    spec.cells = {**spec.cells, **BROKEN}
    return render_html(spec)


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "nianbao.db", [COUNTY, DEPT, TOWN], AlertConfig(first_year=2022))
    yield w
    w.close()


def inconsistent_id(world: World) -> int:
    return world.store.db.execute("SELECT id FROM alerts WHERE kind = 'inconsistent' AND closed_at IS NULL").fetchone()[0]


def test_an_acknowledged_finding_is_not_reminded_keeps_its_history_and_reopens_on_a_new_document(world):
    world.publish(broken_report(date(2023, 1, 20)), DEPT.code, page="http://wz.example/zfb/2022.html", year=2022)
    world.night(at(2023, 2, 1), ok=CODES)
    world.check(at(2023, 2, 1, 3))
    alert = inconsistent_id(world)
    with SmtpServer() as server:
        smtp = SmtpSettings.from_env(server.env())
        send_alerts(world.store, now=at(2023, 2, 1, 7), config=world.config, smtp=smtp)
        result = CliRunner().invoke(alerts_group, ["ack", str(alert), "--db", world.store.path, "--as", "误报",
                                                   "--by", "张三", "--note", "表三为扫描件，已人工核对",
                                                   "--now", "2023-02-02T10:00+08:00"])
        assert result.exit_code == 0, result.output
        assert f"问题 {alert}：误报（张三）" in result.output
        # a week and more later: the missing township report is reminded, the settled finding is not
        for day in (8, 9, 15):
            world.night(at(2023, 2, day), ok=CODES)
            world.check(at(2023, 2, day, 3))
            send_alerts(world.store, now=at(2023, 2, day, 7), config=world.config, smtp=smtp)
        texts = [m.get_body(("plain",)).get_content() for m in server.messages]
        assert len(texts) == 3  # the first night, two weekly reminders
        assert all("数字对不上" not in t for t in texts[1:])
        assert "【仍未解决】" in texts[1]
        still_open = world.store.db.execute("SELECT closed_at, reminders FROM alerts WHERE id = ?", [alert]).fetchone()
        assert still_open == (None, 0)

        # its history: who, when, why — also in `alerts list --json`
        [event] = history(world.store.db, alert)
        assert (event["action"], event["verdict"], event["actor"], event["note"]) == ("ack", "误报", "张三", "表三为扫描件，已人工核对")
        listed = CliRunner().invoke(alerts_group, ["list", "--db", world.store.path, "--json"])
        row = next(r for r in json.loads(listed.output) if r["id"] == alert)
        assert row["ack"]["verdict"] == "误报" and row["ack"]["actor"] == "张三"

        # the unit publishes a new document, still broken: the verdict was about the old one → reopened
        world.publish(broken_report(date(2023, 2, 16)), DEPT.code, page="http://wz.example/zfb/2022-v2.html", year=2022)
        world.night(at(2023, 2, 17), ok=CODES)
        reopened = world.check(at(2023, 2, 17, 3))
        assert reopened.reopened == [alert] and inconsistent_id(world) == alert
        assert [e["action"] for e in history(world.store.db, alert)] == ["ack", "reopen"]
        assert "报告文档已更换" in history(world.store.db, alert)[1]["note"]
        send_alerts(world.store, now=at(2023, 2, 17, 7), config=world.config, smtp=smtp)
        last = server.messages[-1].get_body(("plain",)).get_content()
        assert "【新】武陟县 · 武陟县人民政府办公室：2022 年度报告数字对不上" in last
        # and the next check does not reopen it again
        assert not world.check(at(2023, 2, 17, 4)).reopened


def test_ack_refuses_what_it_cannot_record(world):
    world.night(at(2023, 4, 1), ok=CODES)
    world.check(at(2023, 4, 1, 3))
    alert = world.store.db.execute("SELECT id FROM alerts").fetchone()[0]
    with pytest.raises(AckError, match="结论应为"):
        acknowledge(world.store.db, alert, verdict="好的", actor="张三", now=at(2023, 4, 1, 9))
    with pytest.raises(AckError, match="--by"):
        acknowledge(world.store.db, alert, verdict="暂缓", actor=" ", now=at(2023, 4, 1, 9))
    with pytest.raises(AckError, match="没有编号为 999"):
        acknowledge(world.store.db, 999, verdict="暂缓", actor="张三", now=at(2023, 4, 1, 9))
    result = CliRunner().invoke(alerts_group, ["ack", "999", "--db", world.store.path, "--as", "暂缓", "--by", "张三"])
    assert result.exit_code == 1 and "没有编号为 999 的问题" in result.output


def test_check_and_list_print_the_summary_then_the_20_most_urgent(tmp_path):
    county = Unit("410823000000", "武陟县人民政府", "county")
    towns = [Unit(f"4108231{i:02d}000", f"第{i}镇人民政府", "township", parent=county.code) for i in range(25)]
    w = World(tmp_path / "nianbao.db", [county, *towns], AlertConfig(first_year=2022))
    w.night(at(2023, 2, 1), ok=[t.code for t in towns] + [county.code])
    w.close()
    db = str(tmp_path / "nianbao.db")
    runner = CliRunner()
    out = runner.invoke(check, ["--db", db, "--first-year", "2022", "--now", "2023-02-01T03:00+08:00"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert "按类型：逾期未发布 25" in lines and "  武陟县：逾期未发布 25" in lines
    assert lines.index("按类型：逾期未发布 25") < next(i for i, l in enumerate(lines) if "第0镇人民政府" in l)
    assert sum("逾期未发布（截止" in l for l in lines) == 20
    assert "（显示最紧急的 20 项，共 25 项；--all 显示全部，--json 供脚本使用）" in out.output
    full = runner.invoke(alerts_group, ["list", "--db", db, "--all"])
    assert sum("逾期未发布（截止" in l for l in full.output.splitlines()) == 25
    rows = json.loads(runner.invoke(check, ["--db", db, "--json", "--first-year", "2022", "--now", "2023-02-01T04:00+08:00"]).output)
    assert len(rows) == 25 and {r["kind_label"] for r in rows} == {"逾期未发布"}
    assert rows[0]["unit"].endswith("镇人民政府") and rows[0]["county"] == "武陟县"


def test_ack_has_help_with_an_example():
    result = CliRunner().invoke(alerts_group, ["ack", "--help"])
    assert result.exit_code == 0 and "Example: nianbao alerts ack" in result.output
    assert "已核实" in result.output and "误报" in result.output and "暂缓" in result.output
