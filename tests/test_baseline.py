"""The office's first night: past years' gaps are history listed once, not alerts; this year's deadline
gives one alert per missing report; later nights change nothing; a 30-unit county's digest fits two screens."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from alerts.config import AlertConfig
from alerts.notify import send_alerts
from alerts.testing import SmtpServer, World, at
from crawler.registry import Unit
from demo.render import render_html

from .reports import seed_spec

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
COUNTY = Unit("330101000000", "青禾县人民政府", "county", recipients=["gk@qinghe.example"])
LIUXI = Unit("330101100000", "柳溪镇人民政府", "township", parent=COUNTY.code, columns=["http://qh.example/lx/nb/"])
DONGPO = Unit("330101101000", "东坡镇人民政府", "township", parent=COUNTY.code, columns=["http://qh.example/dp/nb/"])
SHIQIAO = Unit("330101102000", "石桥乡人民政府", "township", parent=COUNTY.code, columns=["http://qh.example/sq/nb/"])
UNITS = [COUNTY, LIUXI, DONGPO, SHIQIAO]
CODES = [u.code for u in UNITS]
BROKEN = {"t3.handled_total.natural": "25", "t3.handled_total.total": "25",
          "t3.unavailable_not_held.natural": "15", "t3.unavailable_not_held.total": "15"}


def report(unit: Unit, year: int, *, broken: bool = False, published: date | None = None) -> bytes:
    spec = seed_spec("000")
    spec.unit, spec.year, spec.published = unit.name, year, published or date(year + 1, 1, 20)
    spec.cells = {**spec.cells, **(BROKEN if broken else {})}
    return render_html(spec)


def publish(world: World, unit: Unit, year: int, **kw) -> str:
    return world.publish(report(unit, year, **kw), unit.code, page=f"http://qh.example/{unit.code}/{year}.html", year=year)


def history(world: World) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for r in world.store.db.query("SELECT unit_code, year FROM history_findings WHERE kind = 'missing' ORDER BY year"):
        out.setdefault(r["unit_code"], []).append(r["year"])
    return out


def texts(server: SmtpServer) -> list[str]:
    return [m.get_body(("plain",)).get_content() for m in server.messages]


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "nianbao.db", UNITS, AlertConfig(first_year=2021))
    yield w
    w.close()


def test_first_night_lists_past_gaps_once_as_history_and_this_years_deadline_alerts(world):
    publish(world, LIUXI, 2022)
    publish(world, LIUXI, 2025)
    publish(world, DONGPO, 2025)
    world.night(at(2026, 11, 29), ok=CODES)
    first = world.check(at(2026, 11, 30, 3))
    # only report years whose deadline passed in the last year are alerts: 2025 (due 2026-01-31 / 03-31)
    assert world.open() == {(SHIQIAO.code, 2025, "missing", ""), (COUNTY.code, 2025, "missing", "")}
    assert history(world) == {LIUXI.code: [2021, 2023, 2024], DONGPO.code: [2021, 2022, 2023, 2024],
                              SHIQIAO.code: [2021, 2022, 2023, 2024], COUNTY.code: [2021, 2022, 2023, 2024]}
    assert len(first.history) == 15 and first.history_recorded == 15 and len(first.changes.opened) == 2

    with SmtpServer() as server:
        smtp = server.env()
        from alerts.mailer import SmtpSettings

        settings = SmtpSettings.from_env(smtp)
        sent = send_alerts(world.store, now=at(2026, 11, 30, 7), config=world.config, smtp=settings)
        assert len(sent.delivery.sent) == 1  # one digest: the county office's
        (text,) = texts(server)
        # the two 2025 reports are one seed text under two names: the evaluator tells that as 提示 (COPY-OTHER-UNIT)
        assert server.messages[0]["Subject"] == "【年报监测】青禾县：新问题 2 项，历史问题 4 个单位，提示 2 项（2026-11-30）"
        history_part = text[text.index("══ 历史缺报 ══"):]
        assert "青禾县 · 柳溪镇人民政府：2021、2023、2024 年度未发布" in history_part
        assert "青禾县 · 东坡镇人民政府：2021、2022、2023、2024 年度未发布" in history_part
        # old years are not alerts: no per-year block for them anywhere
        assert "2021 年度报告逾期未发布" not in text and "2024 年度报告逾期未发布" not in text
        assert "青禾县 · 石桥乡人民政府：2025 年度报告逾期未发布（截止 2026-01-31），已逾期 303 天" in text
        assert text.index("══ 概览 ══") < text.index("══ 青禾县 ══") < text.index("══ 历史缺报 ══")

        # a later night: nothing opens, nothing closes, nothing is sent, history is not told again
        world.night(at(2026, 11, 30), ok=CODES)
        later = world.check(at(2026, 12, 1, 3))
        assert not later.changes.opened and not later.changes.closed
        assert len(later.history) == 15 and later.history_recorded == 0
        assert send_alerts(world.store, now=at(2026, 12, 1, 7), config=world.config, smtp=settings).queued == 0

        # this year's deadline: Liuxi and Dongpo publish their 2026 reports, Shiqiao does not
        publish(world, LIUXI, 2026)
        publish(world, DONGPO, 2026)
        world.night(at(2027, 2, 1), ok=CODES)
        deadline_night = world.check(at(2027, 2, 1, 3))
        opened = {(a["unit_code"], a["year"], a["kind"]) for a in world.store.db.query(
            "SELECT * FROM alerts WHERE id IN (%s)" % ",".join(map(str, deadline_night.changes.opened)))}
        assert opened == {(SHIQIAO.code, 2026, "missing")}
        assert send_alerts(world.store, now=at(2027, 2, 1, 7), config=world.config, smtp=settings).queued == 1
        text = texts(server)[-1]
        assert "新问题 1 项：逾期未发布 1" in text and "历史缺报" not in text
        world.night(at(2027, 2, 2), ok=CODES)
        again = world.check(at(2027, 2, 2, 3))
        assert not again.changes.opened and not again.changes.closed


def test_moving_the_first_year_back_adds_history_not_alerts(world):
    world.night(at(2026, 11, 29), ok=CODES)
    world.check(at(2026, 11, 30, 3))
    before = world.open()
    world.config.first_year = 2019
    result = world.check(at(2026, 11, 30, 4))
    assert world.open() == before and not result.changes.opened
    assert {y for ys in history(world).values() for y in ys} == {2019, 2020, 2021, 2022, 2023, 2024}
    due = send_alerts(world.store, now=at(2026, 11, 30, 7), config=world.config, dry_run=True)
    (digest,) = due.digests
    assert len(digest.history) == 4 * 6


def test_a_change_to_an_old_year_judged_before_is_an_alert(world):
    world.night(at(2026, 11, 29), ok=CODES)
    world.check(at(2026, 11, 30, 3))
    assert (DONGPO.code, 2023, "missing", "") not in world.open()
    # Dongpo now publishes its 2023 report, and its numbers don't add up: news, not history
    publish(world, DONGPO, 2023, broken=True, published=date(2026, 12, 1))
    world.night(at(2026, 12, 2), ok=CODES)
    world.check(at(2026, 12, 2, 3))
    assert (DONGPO.code, 2023, "inconsistent", "T3-BALANCE") in world.open()


def assert_same_words(text: str, html_part: str) -> None:
    """Every line of the text part, without its decoration, is in the HTML part's text, in the same order."""
    import html as html_mod
    import re

    flat = html_mod.unescape(re.sub(r"<[^>]+>", "", html_part))
    at = 0
    for line in text.splitlines():
        words = line.strip().strip("═—").strip().removeprefix("· ")
        if not words:
            continue
        found = flat.find(words, at)
        assert found >= 0, f"not in the HTML part (or out of order): {words}"
        at = found + len(words)


def _county(n_towns: int = 25, n_depts: int = 4) -> list[Unit]:
    county = Unit("330102000000", "青禾县人民政府", "county", recipients=["gk@qinghe.example"])
    towns = [Unit(f"330102{100 + i:03d}000", f"第{i + 1}镇人民政府", "township", parent=county.code,
                  columns=[f"http://qh.example/t{i}/nb/"]) for i in range(n_towns)]
    depts = [Unit(f"330102-d{i}", f"青禾县第{i + 1}局", "department", parent=county.code) for i in range(n_depts)]
    return [county, *towns, *depts]


def test_a_30_unit_countys_digests_fit_on_two_screens(tmp_path):
    """First night and a week later, with a mix of problems; both digests are kept in test-artifacts/."""
    units = _county()
    assert len(units) == 30
    w = World(tmp_path / "nianbao.db", units, AlertConfig(first_year=2021))
    try:
        codes = [u.code for u in units]
        for i, unit in enumerate(units):
            if i % 5 != 4:  # a fifth of the units never published their 2025 report
                w.publish(report(unit, 2025, broken=i in (1, 7, 13)), unit.code,
                          page=f"http://qh.example/{unit.code}/2025.html", year=2025)
            if i % 3 == 0:
                w.publish(report(unit, 2024, broken=i == 9), unit.code, page=f"http://qh.example/{unit.code}/2024.html",
                          year=2024)
        w.night(at(2026, 11, 29), ok=codes)
        w.check(at(2026, 11, 30, 3))
        with SmtpServer() as server:
            from alerts.mailer import SmtpSettings

            smtp = SmtpSettings.from_env(server.env())
            send_alerts(w.store, now=at(2026, 11, 30, 7), config=w.config, smtp=smtp)
            # a week later: two units fixed their report, one more failed, the rest is reminded
            w.publish(report(units[1], 2025, published=date(2026, 12, 3)), units[1].code,
                      page=f"http://qh.example/{units[1].code}/2025-v2.html", year=2025)
            w.publish(report(units[4], 2025, published=date(2026, 12, 4)), units[4].code,
                      page=f"http://qh.example/{units[4].code}/2025.html", year=2025)
            w.publish(b"%PDF-1.4\n" + b"\x00garbage" * 50, units[2].code, page="http://qh.example/x/2023.pdf",
                      year=2023, name="x.pdf", published="2026-12-05")
            for day in range(1, 8):
                w.night(at(2026, 12, day), ok=codes)
                w.check(at(2026, 12, day, 3))
            send_alerts(w.store, now=at(2026, 12, 7, 7), config=w.config, smtp=smtp)
            messages = server.messages
        assert len(messages) == 2
        ARTIFACTS.mkdir(exist_ok=True)
        for name, msg in zip(("first-night", "week-later"), messages):
            text = msg.get_body(("plain",)).get_content()
            html = msg.get_body(("html",)).get_content()
            (ARTIFACTS / f"digest-30-units-{name}.txt").write_text(text, encoding="utf-8")
            (ARTIFACTS / f"digest-30-units-{name}.html").write_text(html, encoding="utf-8")
            assert len(text.splitlines()) <= 100, (name, len(text.splitlines()))
            assert_same_words(text, html)
        first_text = messages[0].get_body(("plain",)).get_content()
        history_part = first_text[first_text.index("══ 历史缺报 ══"):]
        assert history_part.count("年度未发布") == 30  # every unit lacks 2021-2023: one line each
        assert first_text.count("【新】") == 6 + 3  # 2025 missing (6 units) and inconsistent (3 reports)
        week = messages[1].get_body(("plain",)).get_content()
        assert "【已解决】" in week and "【仍未解决】" in week and "【新】" in week
        assert "历史缺报" not in week
    finally:
        w.close()


def test_a_group_message_is_the_summary_and_a_link(world):
    pytest.importorskip("apprise")
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        publish(world, LIUXI, 2025, broken=True)
        world.night(at(2026, 11, 29), ok=CODES)
        world.check(at(2026, 11, 30, 3))
        from alerts.mailer import SmtpSettings

        with SmtpServer() as server:
            send_alerts(world.store, now=at(2026, 11, 30, 7), config=world.config,
                        smtp=SmtpSettings.from_env(server.env()),
                        webhooks=[f"json://127.0.0.1:{httpd.server_address[1]}/hook"])
    finally:
        httpd.shutdown()
    (body,) = received
    lines = body["message"].splitlines()
    assert "新问题 4 项：逾期未发布 3、数字不符 1" in lines
    assert "· 青禾县：逾期未发布 3（新 3）、数字不符 1（新 1）；历史问题 4 个单位 16 项（见邮件）" in lines
    assert lines[-1] == "详情：http://127.0.0.1:8001/nianbao/open_alerts"
    assert not any("年度未发布" in line for line in lines)  # the history's unit lines stay in the email
    assert len(lines) <= 15


def test_several_rules_failing_in_one_new_report_are_one_block(world):
    spec = seed_spec("001")
    spec.unit, spec.year, spec.published = LIUXI.name, 2025, date(2026, 1, 20)
    spec.cells = {**spec.cells, "t3.granted.natural": "178"}  # 予以公开 no longer adds up: two rules fail
    rid = world.publish(render_html(spec), LIUXI.code, page="http://qh.example/lx/2025.html", year=2025)
    world.night(at(2026, 11, 29), ok=CODES)
    world.check(at(2026, 11, 30, 3))
    assert {r for _, _, k, r in world.open() if k == "inconsistent"} == {"T3-HANDLED-SUM", "T3-ROW-TOTAL"}
    (digest,) = send_alerts(world.store, now=at(2026, 11, 30, 7), config=world.config, dry_run=True).messages
    text = digest.get_body(("plain",)).get_content()
    assert "【新】青禾县 · 柳溪镇人民政府：2025 年度报告数字对不上（2 条规则：T3-HANDLED-SUM、T3-ROW-TOTAL）" in text
    assert "表三·予以公开：自然人 178 + 商业企业 3 + 社会公益组织 2 + 其他 3 = 186，但总计 185，相差 1" in text
    assert text.count(f"报告数据：http://127.0.0.1:8001/nianbao/reports/{rid}") == 1
