"""The scheduler for real: APScheduler with its SQLite job store in the nianbao database, short triggers.

The job fires on its trigger (crawl child → check → mail to a real SMTP server), a run missed while the
scheduler was down is caught up exactly once, two scheduler processes on one database never run the
night at once, a hung crawl's whole process group is killed at the limit, SIGTERM stops cleanly.
"""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from click.testing import CliRunner

from alerts.config import CHINA
from alerts.testing import SmtpServer, World
from app.alerts_cli import schedule as schedule_cmd
from app.schedule import (
    NIGHTLY,
    NightlyConfig,
    ScheduleConfig,
    build_scheduler,
    ensure_job,
    night_lock,
    run_nightly,
    start,
    stop,
)
from crawler.registry import Unit

from .conftest import ROOT

PY = sys.executable


def wait_for(predicate, timeout: float = 10.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not true within {timeout} s: {predicate}")


def nights(db: Path, status: str | None = None) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        sql = "SELECT id, status, detail FROM schedule_runs" + (" WHERE status = ?" if status else "") + " ORDER BY id"
        return conn.execute(sql, [status] if status else []).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        conn.close()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state  # a zombie is dead, only not yet reaped


def fake_crawl(tmp_path: Path, body: str) -> list[str]:
    """A stand-in for ``nianbao crawl``: a Python script (the scheduler treats it as any child)."""
    script = tmp_path / f"crawl_{abs(hash(body))}.py"
    script.write_text(textwrap.dedent(body), encoding="utf-8")
    return [PY, str(script)]


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_job_fires_on_its_trigger_crawl_check_and_mail(tmp_path, monkeypatch):
    db = tmp_path / "nianbao.db"
    unit = Unit("410823100000", "木城街道办事处", "township", recipients=["mucheng@wuzhi.example"])
    World(db, [unit]).close()
    # the crawl child records that the unit's site answered, as the real crawl's pipeline does
    crawl = fake_crawl(tmp_path, f"""
        from crawler.store import Store
        store = Store({str(db)!r})
        run = store.start_run(1)
        store.record_fetch(run, {{"unit_code": "410823100000", "url": "http://mc.example/nb/", "kind": "list",
                                  "status": 200, "outcome": "ok"}})
        # …and that its 年报 column was read to its end, listing reports (crawler.columns)
        from crawler import columns
        columns.ensure_schema(store.db)
        with store.db.conn:
            columns.save(store.db, [{{"run": run, "unit_code": "410823100000", "role": "column",
                                      "column_url": "http://mc.example/nb/", "pages": 1, "complete": 1,
                                      "entries": 3, "report_entries": 3}}])
        store.finish_run(run, "finished", {{}})
    """)
    with SmtpServer() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("NIANBAO_FIRST_YEAR", "2022")
        # the night runs on the real clock: a window wide enough that 2022 is news, not history (alerts.baseline)
        monkeypatch.setenv("NIANBAO_ALERT_WINDOW_DAYS", "36500")
        scheduler = start(str(db), NightlyConfig(db=str(db), crawl_cmd=crawl, min_gap=0),
                          ScheduleConfig(trigger=IntervalTrigger(seconds=1)))
        try:
            retry = scheduler.get_job("outbox")  # queued mail is retried between nights
            assert retry is not None and str(retry.trigger) == "interval[0:05:00]"
            wait_for(lambda: nights(db, "finished"))
            wait_for(lambda: server.messages)
        finally:
            stop(scheduler)
        (mail,) = server.messages[:1]
    assert mail["To"] == "mucheng@wuzhi.example"
    assert "木城街道办事处：2022 年度报告逾期未发布" in mail.get_body(("plain",)).get_content()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM runs").fetchone()[0] == "finished"
    assert conn.execute("SELECT count(*) FROM apscheduler_jobs WHERE id = 'nightly'").fetchone()[0] == 1
    conn.close()


def _persist_job_due_in_the_past(db: Path, sched: ScheduleConfig, nightly: NightlyConfig, late: timedelta) -> None:
    """The state a scheduler leaves behind when the machine goes down before a run and stays down."""
    scheduler = build_scheduler(str(db), sched)
    scheduler.start(paused=True)
    ensure_job(scheduler, NIGHTLY, "app.schedule:run_nightly", sched.nightly_trigger(), vars(nightly).copy(),
               int(sched.misfire_grace_hours * 3600))
    scheduler.modify_job(NIGHTLY, next_run_time=datetime.now(timezone.utc) - late)
    scheduler.shutdown()


def test_a_job_stored_under_the_old_function_path_keeps_its_next_run(tmp_path):
    """Databases scheduled before the shell moved to ``app`` hold ``crawler.schedule:run_nightly``: the job
    is re-created under its new path with the run it still owes, not dropped."""
    import pickle

    db = tmp_path / "nianbao.db"
    nightly = NightlyConfig(db=str(db), mail=False, min_gap=0)
    sched = ScheduleConfig(trigger=CronTrigger(hour=2, minute=0, timezone=CHINA), misfire_grace_hours=23)
    World(db, []).close()
    _persist_job_due_in_the_past(db, sched, nightly, timedelta(hours=5))
    conn = sqlite3.connect(db)
    state_blob, due = conn.execute("SELECT job_state, next_run_time FROM apscheduler_jobs WHERE id = ?",
                                   [NIGHTLY]).fetchone()
    state = pickle.loads(state_blob)
    state["func"] = "crawler.schedule:run_nightly"
    with conn:
        conn.execute("UPDATE apscheduler_jobs SET job_state = ? WHERE id = ?", [pickle.dumps(state), NIGHTLY])
    conn.close()

    scheduler = build_scheduler(str(db), sched)
    scheduler.start(paused=True)
    try:
        ensure_job(scheduler, NIGHTLY, "app.schedule:run_nightly", sched.nightly_trigger(), vars(nightly).copy(),
                   int(sched.misfire_grace_hours * 3600))
        job = scheduler.get_job(NIGHTLY)
        assert job.func_ref == "app.schedule:run_nightly"
        assert job.next_run_time.timestamp() == pytest.approx(due)  # still owed, still in the past
        assert job.next_run_time < datetime.now(timezone.utc)
    finally:
        scheduler.shutdown()


def test_a_run_missed_while_down_runs_once_after_restart(tmp_path):
    db = tmp_path / "nianbao.db"
    marker = tmp_path / "crawled"
    crawl = fake_crawl(tmp_path, f"open({str(marker)!r}, 'a').write('x')")
    nightly = NightlyConfig(db=str(db), crawl_cmd=crawl, mail=False, min_gap=0)
    # every 10 minutes; down for 65 minutes: six fire times passed, the latest less than 10 minutes ago
    sched = ScheduleConfig(trigger=CronTrigger(minute="*/10", timezone=CHINA), misfire_grace_hours=2)
    World(db, []).close()
    _persist_job_due_in_the_past(db, sched, nightly, timedelta(minutes=65))

    scheduler = start(str(db), nightly, sched)  # "the machine is back"
    try:
        wait_for(lambda: nights(db, "finished"))
        time.sleep(1.0)  # would a second catch-up run follow? (it must not)
        job = scheduler.get_job(NIGHTLY)
        assert job.next_run_time > datetime.now(timezone.utc)  # back on the normal schedule
    finally:
        stop(scheduler)
    assert marker.read_text() == "x"  # coalesced: one run, not six
    assert len(nights(db)) == 1


def test_with_apschedulers_default_one_second_grace_the_run_would_be_lost_and_is_alerted(tmp_path):
    db = tmp_path / "nianbao.db"
    marker = tmp_path / "crawled"
    nightly = NightlyConfig(db=str(db), crawl_cmd=fake_crawl(tmp_path, f"open({str(marker)!r}, 'a').write('x')"),
                            mail=False, min_gap=0)
    sched = ScheduleConfig(trigger=CronTrigger(minute="*/10", timezone=CHINA), misfire_grace_hours=1 / 3600)
    World(db, []).close()
    _persist_job_due_in_the_past(db, sched, nightly, timedelta(minutes=65))
    scheduler = start(str(db), nightly, sched)
    try:
        wait_for(lambda: nights(db, "missed"))
    finally:
        stop(scheduler)
    assert not marker.exists()
    world = World(db, [])
    world.check(datetime.now(timezone.utc))
    assert any(kind == "run_missed" for _, _, kind, _ in world.open())
    world.close()


SCHEDULER = """
import logging, sys
logging.basicConfig(level=logging.INFO)
from apscheduler.triggers.interval import IntervalTrigger
from app.schedule import NightlyConfig, ScheduleConfig, run_forever
db, crawl = sys.argv[1], sys.argv[2:]
run_forever(db, NightlyConfig(db=db, crawl_cmd=crawl, mail=False, min_gap=0),
            ScheduleConfig(trigger=IntervalTrigger(seconds=1)))
"""


def test_two_schedulers_on_one_database_never_run_the_job_at_once(tmp_path):
    db = tmp_path / "nianbao.db"
    log = tmp_path / "crawls.log"
    World(db, []).close()
    crawl = fake_crawl(tmp_path, f"""
        import os, time
        with open({str(log)!r}, "a") as f:
            f.write(f"start {{os.getppid()}} {{time.time()}}\\n"); f.flush()
            time.sleep(0.7)
            f.write(f"end {{os.getppid()}} {{time.time()}}\\n")
    """)
    script = tmp_path / "scheduler.py"
    script.write_text(SCHEDULER, encoding="utf-8")
    procs = [subprocess.Popen([PY, str(script), str(db), *crawl], cwd=ROOT, env=child_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    try:
        wait_for(lambda: log.exists() and log.read_text().count("end ") >= 4, timeout=20)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=15) for p in procs]
    assert codes == [0, 0], [p.stderr.read().decode()[-2000:] for p in procs]
    events = [line.split() for line in log.read_text().splitlines()]
    intervals, open_at = [], {}
    for kind, pid, t in events:
        if kind == "start":
            open_at[pid] = float(t)
        elif pid in open_at:
            intervals.append((open_at.pop(pid), float(t)))
    intervals.sort()
    assert len(intervals) >= 4
    for (_, end), (begin, _) in itertools.pairwise(intervals):
        assert begin >= end, "two nightly runs overlapped"
    assert not open_at  # SIGTERM let no crawl run on half-done… or killed it: none left "started"
    runs = [r[1] for r in nights(db)]
    assert runs.count("finished") >= 4 and set(runs) <= {"finished", "skipped_locked", "stopped"}


def test_the_lock_makes_a_second_runner_skip(tmp_path):
    db = tmp_path / "nianbao.db"
    World(db, []).close()
    with night_lock(str(db)) as mine:
        assert mine
        assert run_nightly(db=str(db), crawl_cmd=[PY, "-c", "pass"], mail=False) == "skipped_locked"
    assert run_nightly(db=str(db), crawl_cmd=[PY, "-c", "pass"], mail=False) == "finished"
    # the same night again, right after: the dedupe gap (two schedulers whose wake-ups straddle a run)
    assert run_nightly(db=str(db), crawl_cmd=[PY, "-c", "pass"], mail=False, min_gap=3600) == "skipped_recent"


def test_a_hung_crawl_is_killed_with_its_whole_process_group(tmp_path):
    db = tmp_path / "nianbao.db"
    pids = tmp_path / "pids"
    World(db, [Unit("410823100000", "木城街道办事处", "township")]).close()
    crawl = fake_crawl(tmp_path, f"""
        import os, subprocess, time
        from crawler.store import Store
        store = Store({str(db)!r}); store.start_run(1); store.close()
        browser = subprocess.Popen(["sleep", "60"])  # a "browser" that would outlive its parent
        open({str(pids)!r}, "w").write(f"{{os.getpid()}} {{browser.pid}}")
        time.sleep(60)
    """)
    began = time.monotonic()
    status = run_nightly(db=str(db), crawl_cmd=crawl, crawl_timeout=1.5, kill_grace=0.5, mail=False, min_gap=0)
    assert status == "crawl_timeout"
    assert time.monotonic() - began < 10
    for pid in map(int, pids.read_text().split()):
        wait_for(lambda pid=pid: not alive(pid), timeout=5)
    world = World(db, [Unit("410823100000", "木城街道办事处", "township")])
    assert world.store.db.execute("SELECT status FROM runs").fetchone()[0] == "killed: crawl exceeded 2 s"
    assert nights(db)[-1][1] == "crawl_timeout"
    # and the check that followed the kill reported the night that did not finish
    assert [a[2] for a in world.open() if a[0] == ""] == ["run_unfinished"]
    world.close()


def test_sigterm_stops_the_scheduler_and_its_crawl_cleanly(tmp_path):
    db = tmp_path / "nianbao.db"
    pid_file = tmp_path / "crawl.pid"
    World(db, []).close()
    crawl = fake_crawl(tmp_path, f"""
        import os, time
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        time.sleep(60)
    """)
    script = tmp_path / "scheduler.py"
    script.write_text(SCHEDULER, encoding="utf-8")
    proc = subprocess.Popen([PY, str(script), str(db), *crawl], cwd=ROOT, env=child_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: pid_file.exists() and pid_file.read_text(), timeout=20)
    crawl_pid = int(pid_file.read_text())
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0, proc.stderr.read().decode()[-2000:]
    assert "scheduler stopped" in proc.stderr.read().decode()
    wait_for(lambda: not alive(crawl_pid), timeout=5)
    assert [r[1] for r in nights(db)] == ["stopped"]


def test_schedule_fails_at_start_naming_a_missing_mail_setting(tmp_path, monkeypatch):
    for var in ("NIANBAO_SMTP_HOST", "NIANBAO_SMTP_FROM"):
        monkeypatch.delenv(var, raising=False)
    result = CliRunner().invoke(schedule_cmd, ["--db", str(tmp_path / "n.db"), "--registry", str(ROOT / "registry" / "example.yaml")])
    assert result.exit_code == 1
    assert "NIANBAO_SMTP_HOST" in result.output
    assert not (tmp_path / "n.db").exists()  # nothing was started


@pytest.mark.parametrize("at, expected", [("02:00", "cron[hour='2', minute='0']"),
                                          ("23:30", "cron[hour='23', minute='30']"), ("25:00", None), ("0200", None)])
def test_the_nightly_time_is_a_cron_trigger_in_china_time(at, expected):
    if expected is None:
        with pytest.raises(ValueError):
            ScheduleConfig(at=at).nightly_trigger()
        return
    trigger = ScheduleConfig(at=at).nightly_trigger()
    assert str(trigger) == expected and str(trigger.timezone) == "Asia/Shanghai"
    # 02:00 in Shanghai is 18:00 UTC the day before
    if at == "02:00":
        fire = trigger.get_next_fire_time(None, datetime(2023, 1, 31, 12, tzinfo=timezone.utc))
        assert fire.astimezone(timezone.utc) == datetime(2023, 1, 31, 18, tzinfo=timezone.utc)
