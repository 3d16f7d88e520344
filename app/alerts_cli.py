"""The alert verbs: ``nianbao check``, ``nianbao alerts send|list|outbox`` and ``nianbao schedule``.

They are registered on ``app.cli.main``; ``python -m app.alerts_cli`` runs them on their own too.
Each verb only calls the Python API (:mod:`alerts.check`, :mod:`alerts.notify`, :mod:`app.schedule`).
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime

import click
from rich.console import Console
from rich.table import Table

from alerts.config import AlertConfig, ConfigError, aware, china_time
from crawler.store import Store

DEFAULT_DB = "nianbao.db"
STATUS_NAMES = {"on_time": "按期发布", "late": "逾期发布", "missing": "逾期未发布", "not_due": "未到期",
                "unreachable": "网站无法读取", "parse_failed": "无法解析", "unchecked": "尚未检查",
                "column_not_found": "未找到年报栏目"}

db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False), default=DEFAULT_DB, show_default=True,
                         help="The nianbao SQLite database.")
now_option = click.option("--now", "now_text", default=None, hidden=True,
                          help="Evaluate as of this ISO time (replays and tests), e.g. 2023-02-01T02:30+08:00.")


def _now(text: str | None) -> datetime:
    if not text:
        return aware(None)
    try:
        return aware(datetime.fromisoformat(text))
    except ValueError as exc:
        raise click.BadParameter(f"不是 ISO 时间：{text}", param_hint="--now") from exc


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160)


def alerts_table(rows: list[dict], title: str) -> Table:
    """Open (or closed) alerts as a table for the terminal."""
    from alerts.digest import short_county
    from alerts.state import KINDS

    table = Table(title=title, show_lines=False)
    for col in ("单位", "年度", "类型", "内容", "开始", "已提醒"):
        table.add_column(col, overflow="fold")
    for r in rows:
        unit = r.get("_unit")
        who = f"{short_county(unit['county'])} · {unit['name']}" if unit else (r["unit_code"] or "监测系统")
        table.add_row(who, str(r["year"] or ""), KINDS.get(r["kind"], (r["kind"],))[0],
                      r["payload"].get("headline", ""), china_time(r["opened_at"])[:10], str(r["reminders"]))
    return table


def _table_order(row: dict) -> tuple:
    unit = row.get("_unit")
    if not unit:
        return (0, "", 0, "", 0, row["kind"])
    levels = ["county", "township", "department", "zone"]
    level = levels.index(unit["level"]) if unit["level"] in levels else len(levels)
    return (1, unit["county_code"] or "", level, unit["name"], -row["year"], row["kind"])


def _with_units(store: Store, rows: list[dict]) -> list[dict]:
    from alerts.digest import load_units

    units = load_units(store.db)
    for r in rows:
        r["_unit"] = units.get(r["unit_code"])
    return rows


@click.command()
@db_option
@click.option("--registry", "registry_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Mirror this registry into the database first (deadlines, recipients, new units).")
@click.option("--first-year", type=int, default=None, envvar="NIANBAO_FIRST_YEAR",
              help="First report year expected of every unit [default: 2019].")
@click.option("--unreachable-nights", type=int, default=None, envvar="NIANBAO_UNREACHABLE_NIGHTS",
              help="Failed nights in a row before a site-unreachable alert [default: 3].")
@now_option
def check(db_path: str, registry_path: str | None, first_year: int | None, unreachable_nights: int | None,
          now_text: str | None) -> None:
    """Evaluate deadlines, rules and site health; open and close alerts; print the open ones.

    Nothing is sent: ``nianbao alerts send`` does that. Running it twice changes nothing the second time.

    Example: nianbao check --db nianbao.db --registry registry/example.yaml
    """
    from alerts.check import run_check
    from alerts.state import open_alerts
    from crawler.registry import RegistryError, load

    try:
        config = AlertConfig.from_env(first_year=first_year, unreachable_nights=unreachable_nights)
        registry = load(registry_path) if registry_path else None
    except (ConfigError, RegistryError) as exc:
        raise click.ClickException(str(exc)) from exc
    store = Store(db_path)
    try:
        if registry is None and not store.db["units"].count:
            raise click.ClickException("units 表为空：请先用 --registry 指定名录")
        result = run_check(store, now=_now(now_text), registry=registry, config=config)
        rows = sorted(_with_units(store, open_alerts(store.db)), key=_table_order)
    finally:
        store.close()
    counts = "，".join(f"{STATUS_NAMES.get(k, k)} {v}" for k, v in sorted(result.statuses.items(), key=lambda kv: -kv[1]))
    click.echo(f"{result.units} 个单位，应交报告：{counts or '无'}")
    click.echo(f"新开 {len(result.changes.opened)} 项，关闭 {len(result.changes.closed)} 项，未解决 {len(rows)} 项")
    if rows:
        _console().print(alerts_table(rows, "未解决的问题"))


@click.group("alerts")
def alerts_group() -> None:
    """Alert digests: send them, list open alerts, inspect the outbox.

    Example: nianbao alerts send --dry-run
    """


@alerts_group.command("send")
@db_option
@click.option("--dry-run", is_flag=True, help="Print the messages that would be sent; send and record nothing.")
@now_option
def send(db_path: str, dry_run: bool, now_text: str | None) -> None:
    """Send tonight's digest to each recipient (new, reminded and resolved alerts), then retry the outbox.

    SMTP settings come from the environment: NIANBAO_SMTP_HOST, NIANBAO_SMTP_FROM (required),
    NIANBAO_SMTP_PORT, NIANBAO_SMTP_SECURITY (starttls|ssl|none), NIANBAO_SMTP_USER/PASSWORD.
    Group webhooks (WeCom, DingTalk) from NIANBAO_WEBHOOKS when apprise is installed.

    Example: nianbao alerts send --db nianbao.db
    """
    from alerts.mailer import SmtpSettings
    from alerts.notify import send_alerts
    from alerts.webhooks import urls_from_env

    try:
        config = AlertConfig.from_env()
        smtp = None if dry_run else SmtpSettings.from_env()
    except ConfigError as exc:  # fails at start, naming the setting
        raise click.ClickException(str(exc)) from exc
    store = Store(db_path)
    try:
        result = send_alerts(store, now=_now(now_text), config=config, smtp=smtp, webhooks=urls_from_env(),
                             dry_run=dry_run, sender=os.environ.get("NIANBAO_SMTP_FROM"))
    finally:
        store.close()
    if dry_run:
        for digest, msg in zip(result.digests, result.messages):
            click.echo(f"收件人：{digest.recipient}\n主题：{msg['Subject']}\nMessage-ID：{msg['Message-ID']}\n")
            click.echo(msg.get_body(("plain",)).get_content())
        if result.webhook_text:
            click.echo("群消息（webhook）：\n" + result.webhook_text)
        click.echo(f"（试运行：{len(result.messages)} 封邮件未发送，未记录）")
        return
    d = result.delivery
    click.echo(f"排队 {result.queued} 封；发送 {len(d.sent)} 封，稍后重试 {len(d.deferred)} 封，失败 {len(d.failed)} 封")
    for error in d.errors:
        click.echo(f"  {error}", err=True)
    if result.untold:
        click.echo(f"{result.untold} 项问题没有收件人（名录中该单位及其上级都没有 recipients）", err=True)
    sys.exit(1 if d.failed else 0)


@alerts_group.command("list")
@db_option
@click.option("--closed", is_flag=True, help="Show closed alerts instead of open ones.")
def list_alerts(db_path: str, closed: bool) -> None:
    """List open alerts (or closed ones with how they were resolved).

    Example: nianbao alerts list --db nianbao.db
    """
    import json

    from alerts.state import ensure_schema

    store = Store(db_path)
    try:
        ensure_schema(store.db)
        where = "closed_at IS NOT NULL" if closed else "closed_at IS NULL"
        rows = [{**r, "payload": json.loads(r["payload"])}
                for r in store.db.query(f"SELECT * FROM alerts WHERE {where} ORDER BY opened_at, id")]
        rows = sorted(_with_units(store, rows), key=_table_order)
    finally:
        store.close()
    if closed:
        for r in rows:
            r["payload"]["headline"] = f"{r['payload'].get('headline', '')} → {r['payload'].get('resolution', '')}"
    _console().print(alerts_table(rows, "已关闭的问题" if closed else "未解决的问题"))


@alerts_group.command("outbox")
@db_option
def outbox(db_path: str) -> None:
    """Show the outbox: queued, sent and failed messages with their attempts.

    Example: nianbao alerts outbox --db nianbao.db
    """
    from alerts.mailer import ensure_schema

    store = Store(db_path)
    try:
        ensure_schema(store.db)
        rows = list(store.db.query(
            "SELECT id, recipient, subject, status, attempts, next_attempt_at, sent_at, last_error FROM outbox ORDER BY id DESC LIMIT 200"))
    finally:
        store.close()
    table = Table(title="发件箱")
    for col in ("#", "收件人", "主题", "状态", "尝试", "下次尝试", "发送时间", "错误"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["recipient"], r["subject"] or "", r["status"], str(r["attempts"]),
                      china_time(r["next_attempt_at"]) if r["status"] == "queued" else "",
                      china_time(r["sent_at"]) if r["sent_at"] else "", r["last_error"] or "")
    _console().print(table)


@click.command()
@db_option
@click.option("--registry", "registry_path", type=click.Path(exists=True, dir_okay=False),
              default="registry/example.yaml", show_default=True, help="Registry YAML of the units to crawl.")
@click.option("--at", "at", default="02:00", show_default=True, help="Time of the nightly run, HH:MM.")
@click.option("--timezone", "tz", default="Asia/Shanghai", show_default=True, help="Time zone of --at.")
@click.option("--misfire-grace-hours", type=float, default=23.0, show_default=True,
              help="A run missed (machine down) by up to this long still runs once when the scheduler is back.")
@click.option("--crawl-timeout-hours", type=float, default=6.0, show_default=True,
              help="Hard limit of the crawl child process; its whole process group is killed after it.")
@click.option("--no-mail", is_flag=True, help="Crawl and check only; send no alerts.")
@click.option("--every-seconds", type=float, default=None, hidden=True, help="Run every N seconds (testing).")
def schedule(db_path: str, registry_path: str, at: str, tz: str, misfire_grace_hours: float,
             crawl_timeout_hours: float, no_mail: bool, every_seconds: float | None) -> None:
    """Run the nightly crawl → parse → check → alerts on a schedule, until SIGTERM.

    Jobs persist in the database: a run missed while the machine was down runs once when it is back.
    Two schedulers on one database never run the night at once. See docs/service.md for systemd.

    Example: nianbao schedule --db /var/lib/nianbao/nianbao.db --registry /etc/nianbao/registry.yaml
    """
    from apscheduler.triggers.interval import IntervalTrigger

    from alerts.mailer import SmtpSettings
    from app.schedule import NightlyConfig, ScheduleConfig, run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        if not no_mail:
            SmtpSettings.from_env()  # a missing setting fails now, not at 02:00
        sched = ScheduleConfig(at=at, timezone=tz, misfire_grace_hours=misfire_grace_hours,
                               trigger=IntervalTrigger(seconds=every_seconds) if every_seconds else None)
        sched.nightly_trigger()
        from crawler.registry import load

        load(registry_path)  # a bad registry fails now, in one line, not at 02:00
    except (ConfigError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    nightly = NightlyConfig(db=db_path, registry=registry_path, crawl_timeout=crawl_timeout_hours * 3600,
                            mail=not no_mail)
    click.echo(f"每天 {at}（{tz}）运行：抓取 → 核对 → 提醒；Ctrl-C 或 SIGTERM 停止")
    run_forever(db_path, nightly, sched)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The alert verbs on their own (normally: nianbao check / alerts / schedule)."""


cli.add_command(check)
cli.add_command(alerts_group)
cli.add_command(schedule)

if __name__ == "__main__":  # pragma: no cover
    cli()
