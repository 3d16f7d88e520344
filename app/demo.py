"""`nianbao demo`: the whole loop, offline, on the bundled local government web.

demo web → crawl → parse → check → alerts by email (to a local SMTP server writing a mailbox file) →
Datasette. Each step is the real command a deployment runs, as a child process with the same
arguments, so the demo shows exactly what production does.
"""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_TIMEOUT=20", "-s", "RETRY_TIMES=1"]


class MboxSMTP:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that appends every message to an mbox file."""

    def __init__(self, path: Path, port: int = 0):
        from aiosmtpd.controller import Controller

        self.path = path
        lock = threading.Lock()

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
                with lock:
                    box = mailbox.mbox(str(path))
                    box.lock()
                    try:
                        box.add(mailbox.mboxMessage(envelope.original_content or envelope.content))
                        box.flush()
                    finally:
                        box.unlock()
                        box.close()
                return "250 OK"

        if port == 0:
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.port = port
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def __enter__(self) -> MboxSMTP:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


@dataclass
class DemoResult:
    db: Path
    mailbox: Path
    messages: int
    subjects: list[str]
    found_expected_alert: bool


def messages(path: Path) -> list:
    if not path.exists():
        return []
    return [message_from_bytes(m.as_bytes(), policy=policy.default) for m in mailbox.mbox(str(path))]


def _run(console: Console, title: str, args: list[str], env: dict[str, str]) -> None:
    console.rule(f"[bold]{title}")
    console.print(f"[dim]$ nianbao {' '.join(args)}[/dim]")
    proc = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env)
    if proc.returncode not in (0, 1):  # check exits 1 when alerts are open: that is a finding, not a failure
        raise SystemExit(f"{title} failed (exit {proc.returncode})")


def _a_scorecard(db: Path) -> tuple[str, int] | None:
    """The first county's latest year with a report found (清源县 2023: a copy of last year and a wrong year)."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT u.county_code, max(e.year) FROM expected_reports e JOIN units u ON u.code = e.unit_code "
                            "WHERE e.report IS NOT NULL GROUP BY u.county_code ORDER BY u.county_code LIMIT 1").fetchone()
    finally:
        conn.close()


def run_demo(workdir: Path, *, port: int = 8001, exit_after_run: bool = False, console: Console | None = None) -> DemoResult:
    """Run the loop; serve Datasette until Ctrl-C unless ``exit_after_run``."""
    from browse.serve import DatasetteServer
    from demo.sites import build_world
    from demo.web import DemoWeb

    console = console or Console()
    workdir.mkdir(parents=True, exist_ok=True)
    db, registry, mbox = workdir / "nianbao.db", workdir / "registry.yaml", workdir / "mailbox.mbox"
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), mbox):
        stale.unlink(missing_ok=True)

    console.rule("[bold]nianbao demo：本地演示政府网站")
    with DemoWeb(build_world(today=date.today())) as web, MboxSMTP(mbox) as smtp:
        registry.write_text(web.registry_yaml(), encoding="utf-8")
        console.print(f"演示网站 {len(web.world.sites)} 个（仅本机 127.0.x.x），名录：{registry}")
        env = {**os.environ, "NIANBAO_SMTP_HOST": "127.0.0.1", "NIANBAO_SMTP_PORT": str(smtp.port),
               "NIANBAO_SMTP_SECURITY": "none", "NIANBAO_SMTP_FROM": "nianbao-demo@demo.test",
               "NIANBAO_DATASETTE_URL": f"http://127.0.0.1:{port}"}
        _run(console, "1. 抓取（crawl → parse → store）", ["crawl", "--registry", str(registry), "--db", str(db), *FAST], env)
        _run(console, "2. 核查（deadlines → rules → alerts）", ["check", "--db", str(db), "--registry", str(registry)], env)
        _run(console, "3. 发送提醒邮件（SMTP → 本地邮箱文件）", ["alerts", "send", "--db", str(db)], env)
        got = messages(mbox)
        subjects = [str(m["Subject"]) for m in got]
        bodies = "\n".join(
            (m.get_body(preferencelist=("plain",)).get_content() if m.get_body(preferencelist=("plain",)) else "")
            for m in got)
        inconsistent_units = _inconsistent_units(db)
        found = bool(got) and any(u in bodies for u in inconsistent_units) and "相差" in bodies
        console.rule("[bold]结果")
        console.print(f"数据库：{db}\n邮箱文件：{mbox}（{len(got)} 封）")
        for s in subjects[:10]:
            console.print(f"  ✉ {s}")
        if exit_after_run:
            return DemoResult(db, mbox, len(got), subjects, found)
        with DatasetteServer(str(db), port=port) as ds:
            report = _an_inconsistent_report(db)
            console.print(f"\nDatasette：{ds.url}")
            if report:
                console.print(f"数字不平的报告：{ds.url}/-/nianbao/report/{report}")
            card = _a_scorecard(db)
            if card:
                console.print(f"年度考核（可打印）：{ds.url}/-/nianbao/county/{card[0]}/{card[1]}")
            console.print("按 Ctrl-C 结束。")
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                pass
    return DemoResult(db, mbox, len(got), subjects, found)


def _inconsistent_units(db: Path) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return [u for (u,) in conn.execute(
            "SELECT DISTINCT u.name FROM reports r JOIN units u ON u.code = r.unit_code WHERE r.status = 'inconsistent'")]
    finally:
        conn.close()


def _an_inconsistent_report(db: Path) -> str | None:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT id FROM reports WHERE status = 'inconsistent' ORDER BY id LIMIT 1").fetchone()
        return row[0] if row else None
    finally:
        conn.close()
