"""The digest through a real SMTP server (aiosmtpd on 127.0.0.1): Chinese text and HTML, the right units
and arithmetic, the outbox while the server is down, exactly-once delivery, reminders, resolved notices,
STARTTLS/SSL with credentials from the environment, and --dry-run."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner

from alerts.config import AlertConfig, ConfigError
from alerts.mailer import Backoff, SmtpSettings, deliver, pending
from alerts.notify import send_alerts
from alerts.testing import SmtpServer, World, at, free_port, self_signed
from app.alerts_cli import alerts_group
from crawler.registry import Unit
from demo.render import render_html

from .reports import seed_spec

COUNTY = Unit("410823000000", "武陟县人民政府", "county", recipients=["gongkai@wuzhi.example"])
TOWN = Unit("410823100000", "木城街道办事处", "township", parent=COUNTY.code, recipients=["mucheng@wuzhi.example"],
            columns=["http://www.wuzhi.example/zfxxgknb/mc/"])
DEPT = Unit("410823-zfb", "武陟县人民政府办公室", "department", parent=COUNTY.code)
OTHER = Unit("141029000000", "乡宁县人民政府", "county", recipients=["gk@xiangning.example"])
UNITS = [COUNTY, TOWN, DEPT, OTHER]
CODES = [u.code for u in UNITS]
BROKEN = {"t3.handled_total.natural": "25", "t3.handled_total.total": "25",
          "t3.unavailable_not_held.natural": "15", "t3.unavailable_not_held.total": "15"}
BALANCE = "表三·自然人：本年新收 26 + 上年结转 0 = 26，但办理结果总计 25 + 结转下年度 0 = 25，相差 1"


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "nianbao.db", UNITS, AlertConfig(first_year=2022))
    yield w
    w.close()


def dept_report(published: date = date(2023, 1, 20), **cells) -> bytes:
    spec = seed_spec("000")
    spec.unit, spec.year, spec.published = DEPT.name, 2022, published
    spec.cells = {**spec.cells, **cells}
    return render_html(spec)


def settings(server: SmtpServer, **extra: str) -> SmtpSettings:
    return SmtpSettings.from_env(server.env(**extra))


def by_recipient(server: SmtpServer) -> dict[str, list]:
    out: dict[str, list] = {}
    for msg in server.messages:
        out.setdefault(msg["To"], []).append(msg)
    return out


def parts(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def night_with_problems(world: World) -> str:
    """A missing township report and an inconsistent department report, checked on 2023-02-01."""
    rid = world.publish(dept_report(**BROKEN), DEPT.code, page="http://www.wuzhi.example/zfb/2022.html", year=2022)
    world.night(at(2023, 2, 1), ok=CODES)
    world.check(at(2023, 2, 1, 3))
    return rid


def test_digest_arrives_in_chinese_text_and_html_grouped_by_county(world):
    rid = night_with_problems(world)
    with SmtpServer() as server:
        result = send_alerts(world.store, now=at(2023, 2, 1, 7), config=world.config, smtp=settings(server))
        assert len(result.delivery.sent) == 2 and not result.delivery.deferred
        mails = by_recipient(server)
    # the county office gets all its units; the township only its own; the other county nothing
    assert set(mails) == {"gongkai@wuzhi.example", "mucheng@wuzhi.example"}
    county = mails["gongkai@wuzhi.example"][0]
    assert county["Subject"] == "【年报监测】武陟县：新问题 2 项（2023-02-01）"
    assert county["From"] == "年报监测 <nianbao@example.org>"
    assert county["Message-ID"].startswith("<nianbao.20230201.") and county["Message-ID"].endswith("@example.org>")
    text, html = parts(county)
    assert "武陟县 · 木城街道办事处：2022 年度报告逾期未发布（截止 2023-01-31）" in text
    assert "已逾期 1 天" in text
    assert "武陟县 · 武陟县人民政府办公室：2022 年度报告数字对不上（T3-BALANCE：" in text
    assert BALANCE in text
    assert f"报告数据：http://127.0.0.1:8001/nianbao/reports/{rid}" in text
    assert "发现报告的页面：http://www.wuzhi.example/zfb/2022.html" in text
    assert "年报栏目：http://www.wuzhi.example/zfxxgknb/mc/" in text
    assert text.index("— 乡镇（街道） —") < text.index("木城街道办事处") < text.index("— 部门 —") < text.index("办公室：2022")
    assert "<h2>武陟县</h2>" in html and "<h3>部门</h3>" in html and BALANCE in html
    assert f'<a href="http://127.0.0.1:8001/nianbao/reports/{rid}">' in html
    town_text, _ = parts(mails["mucheng@wuzhi.example"][0])
    assert "木城街道办事处" in town_text and "办公室" not in town_text


def test_second_run_sends_nothing(world):
    night_with_problems(world)
    with SmtpServer() as server:
        send_alerts(world.store, now=at(2023, 2, 1, 7), config=world.config, smtp=settings(server))
        world.check(at(2023, 2, 1, 8))
        again = send_alerts(world.store, now=at(2023, 2, 1, 9), config=world.config, smtp=settings(server))
        assert again.queued == 0 and not again.delivery.sent
        assert len(server.messages) == 2


def test_server_down_waits_in_outbox_then_arrives_exactly_once(world):
    night_with_problems(world)
    port = free_port()  # nothing listens here yet
    smtp = SmtpSettings.from_env({"NIANBAO_SMTP_HOST": "127.0.0.1", "NIANBAO_SMTP_PORT": str(port),
                                  "NIANBAO_SMTP_SECURITY": "none", "NIANBAO_SMTP_FROM": "nianbao@example.org"})
    backoff = Backoff(base=timedelta(minutes=2))
    t0 = at(2023, 2, 1, 7)
    first = send_alerts(world.store, now=t0, config=world.config, smtp=smtp, backoff=backoff)
    assert first.queued == 2 and len(first.delivery.deferred) == 2 and not first.delivery.sent
    queued = pending(world.store.db)
    assert [r["attempts"] for r in queued] == [1, 1]
    assert "拒绝连接" in queued[0]["last_error"]

    with SmtpServer(port=port) as server:
        # within the backoff nothing is tried, even though the server is up now
        assert not deliver(world.store.db, t0 + timedelta(minutes=1), smtp=smtp, backoff=backoff).sent
        assert server.messages == []
        done = deliver(world.store.db, t0 + timedelta(minutes=3), smtp=smtp, backoff=backoff)
        assert len(done.sent) == 2
        # the nightly send and the retry job both run again: nothing is sent twice
        send_alerts(world.store, now=t0 + timedelta(minutes=10), config=world.config, smtp=smtp, backoff=backoff)
        deliver(world.store.db, t0 + timedelta(hours=7), smtp=smtp, backoff=backoff)
        assert sorted(m["To"] for m in server.messages) == ["gongkai@wuzhi.example", "mucheng@wuzhi.example"]
    assert {r["status"] for r in world.store.db.query("SELECT status FROM outbox")} == {"sent"}


def test_a_resend_after_a_crash_keeps_its_message_id(world):
    night_with_problems(world)
    t0 = at(2023, 2, 1, 7)
    server = SmtpServer()
    smtp = settings(server)
    dry = send_alerts(world.store, now=t0, config=world.config, smtp=smtp, dry_run=True)
    ids = sorted(m["Message-ID"] for m in dry.messages)
    # the same digest built again is the same message, with the same id
    assert sorted(m["Message-ID"] for m in send_alerts(world.store, now=t0, config=world.config, smtp=smtp,
                                                        dry_run=True).messages) == ids
    with server:
        send_alerts(world.store, now=t0, config=world.config, smtp=smtp)
        # the process died between the server's "250 OK" and our UPDATE: the rows are still queued
        with world.store.db.conn:
            world.store.db.execute("UPDATE outbox SET status = 'queued', sent_at = NULL")
        assert not deliver(world.store.db, t0 + timedelta(minutes=1), smtp=smtp).sent  # the claim's backoff holds
        assert len(deliver(world.store.db, t0 + timedelta(minutes=3), smtp=smtp).sent) == 2
        received = sorted(m["Message-ID"] for m in server.messages)
    # each resend carries its original's Message-ID: a client shows one message, a reader sees a duplicate
    assert received == sorted(ids * 2)


def test_resolved_report_produces_the_resolved_notice(world):
    night_with_problems(world)
    with SmtpServer() as server:
        send_alerts(world.store, now=at(2023, 2, 1, 7), config=world.config, smtp=settings(server))
        world.publish(dept_report(published=date(2023, 1, 25)), DEPT.code, page="http://www.wuzhi.example/zfb/2022-v2.html",
                      year=2022)
        world.night(at(2023, 2, 2), ok=CODES)
        world.check(at(2023, 2, 2, 3))
        send_alerts(world.store, now=at(2023, 2, 2, 7), config=world.config, smtp=settings(server))
        mails = by_recipient(server)
    second = mails["gongkai@wuzhi.example"][1]
    assert second["Subject"] == "【年报监测】武陟县：已解决 1 项（2023-02-02）"
    text, html = parts(second)
    assert "【已解决】武陟县 · 武陟县人民政府办公室：2022 年度报告数字对不上" in text
    assert "现在：发现了新版本的 2022 年度报告，T3-BALANCE 核对已通过" in text
    assert "已解决" in html
    assert len(mails["mucheng@wuzhi.example"]) == 1  # the township's own problem is unchanged: no mail


def test_open_alerts_are_reminded_weekly_not_nightly(world):
    night_with_problems(world)
    with SmtpServer() as server:
        smtp = settings(server)
        send_alerts(world.store, now=at(2023, 2, 1, 7), config=world.config, smtp=smtp)
        for day in range(2, 8):
            world.night(at(2023, 2, day), ok=CODES)
            world.check(at(2023, 2, day, 3))
            assert send_alerts(world.store, now=at(2023, 2, day, 7), config=world.config, smtp=smtp).queued == 0
        world.night(at(2023, 2, 8), ok=CODES)
        world.check(at(2023, 2, 8, 3))
        send_alerts(world.store, now=at(2023, 2, 8, 7), config=world.config, smtp=smtp)
        reminder = by_recipient(server)["mucheng@wuzhi.example"][-1]
    text, _ = parts(reminder)
    assert reminder["Subject"] == "【年报监测】武陟县：仍未解决 1 项（2023-02-08）"
    assert "【仍未解决】武陟县 · 木城街道办事处：2022 年度报告逾期未发布（截止 2023-01-31）" in text
    assert "已逾期 8 天" in text and "自 2023-02-01 起未解决" in text
    assert world.store.db.execute("SELECT reminders FROM alerts WHERE kind = 'missing'").fetchone()[0] == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_credentials_from_the_environment(world, tmp_path, security):
    night_with_problems(world)
    cert, key = self_signed(tmp_path)
    with SmtpServer(tls=security, cert=cert, key=key, users={"nianbao": "s3cret"}) as server:
        env = server.env(NIANBAO_SMTP_USER="nianbao", NIANBAO_SMTP_PASSWORD="s3cret")
        result = send_alerts(world.store, now=at(2023, 2, 1, 7), config=world.config, smtp=SmtpSettings.from_env(env))
        assert len(result.delivery.sent) == 2, result.delivery.errors
        assert server.logins == ["nianbao"]
        assert "逾期未发布" in parts(server.messages[0])[0]


def test_a_refused_recipient_fails_for_good_the_others_arrive(world):
    night_with_problems(world)
    with SmtpServer(refuse={"mucheng@wuzhi.example"}) as server:
        result = send_alerts(world.store, now=at(2023, 2, 1, 7), config=world.config, smtp=settings(server))
        assert len(result.delivery.sent) == 1 and len(result.delivery.failed) == 1
        assert [m["To"] for m in server.messages] == ["gongkai@wuzhi.example"]
    row = world.store.db.execute("SELECT status, last_error FROM outbox WHERE recipient = 'mucheng@wuzhi.example'").fetchone()
    assert row[0] == "failed" and "550" in row[1]


@pytest.mark.parametrize("env, named", [
    ({}, "NIANBAO_SMTP_HOST"),
    ({"NIANBAO_SMTP_HOST": "127.0.0.1"}, "NIANBAO_SMTP_FROM"),
    ({"NIANBAO_SMTP_HOST": "h", "NIANBAO_SMTP_FROM": "f@x", "NIANBAO_SMTP_SECURITY": "tls1"}, "NIANBAO_SMTP_SECURITY"),
    ({"NIANBAO_SMTP_HOST": "h", "NIANBAO_SMTP_FROM": "f@x", "NIANBAO_SMTP_USER": "u"}, "NIANBAO_SMTP_PASSWORD"),
])
def test_a_missing_setting_fails_at_start_naming_it(env, named):
    with pytest.raises(ConfigError, match=named):
        SmtpSettings.from_env(env)


def test_send_cli_fails_at_start_without_smtp_and_dry_run_prints_without_recording(world, monkeypatch):
    night_with_problems(world)
    for var in ("NIANBAO_SMTP_HOST", "NIANBAO_SMTP_FROM"):
        monkeypatch.delenv(var, raising=False)
    db = world.store.path
    runner = CliRunner()
    failed = runner.invoke(alerts_group, ["send", "--db", db, "--now", "2023-02-01T07:00+08:00"])
    assert failed.exit_code == 1 and "NIANBAO_SMTP_HOST" in failed.output
    dry = runner.invoke(alerts_group, ["send", "--db", db, "--dry-run", "--now", "2023-02-01T07:00+08:00"])
    assert dry.exit_code == 0, dry.output
    assert "收件人：gongkai@wuzhi.example" in dry.output and BALANCE in dry.output
    assert "（试运行：2 封邮件未发送，未记录）" in dry.output
    assert world.store.db["outbox"].count == 0
    assert world.store.db.execute("SELECT count(*) FROM alerts WHERE last_sent_at IS NOT NULL").fetchone()[0] == 0


def test_send_cli_delivers_through_the_environment(world, monkeypatch):
    night_with_problems(world)
    with SmtpServer() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        result = CliRunner().invoke(alerts_group, ["send", "--db", world.store.path, "--now", "2023-02-01T07:00+08:00"])
        assert result.exit_code == 0, result.output
        assert "排队 2 封；发送 2 封" in result.output
        assert len(server.messages) == 2
        outbox = CliRunner().invoke(alerts_group, ["outbox", "--db", world.store.path])
        assert outbox.exit_code == 0 and "sent" in outbox.output


def test_group_webhook_through_apprise(world):
    pytest.importorskip("apprise")
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        night_with_problems(world)
        url = f"json://127.0.0.1:{httpd.server_address[1]}/hook"
        with SmtpServer() as server:
            result = send_alerts(world.store, now=at(2023, 2, 1, 7), config=world.config, smtp=settings(server),
                                 webhooks=[url])
            assert len(result.delivery.sent) == 3  # two mails and one group message
        again = send_alerts(world.store, now=at(2023, 2, 1, 8), config=world.config, smtp=None, webhooks=[url])
        assert again.queued == 0
    finally:
        httpd.shutdown()
    (body,) = received
    assert "武陟县 · 木城街道办事处：2022 年度报告逾期未发布（截止 2023-01-31）" in body["message"]
    assert BALANCE in body["message"]
    assert world.store.db.execute("SELECT recipient FROM outbox WHERE channel = 'webhook'").fetchone()[0] == "webhook:1"
