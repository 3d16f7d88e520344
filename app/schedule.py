"""``nianbao schedule``: APScheduler wiring for the nightly crawl → parse → check → alerts.

- Jobs live in the nianbao database itself (SQLAlchemyJobStore on SQLite), so a restart remembers when
  the next run is due, and a run missed while the machine was down runs once when it is back
  (``coalesce=True`` and a misfire grace of hours: APScheduler's default of one second silently skips
  late runs — agronholm/apscheduler #292). An existing job is kept, not replaced: replacing would
  recompute its next run time and lose the missed run.
- The crawl runs as a child process in its own process group with a hard time limit; at the limit (or on
  SIGTERM) the whole group is killed, so a hung browser cannot stall the night, and its run row is marked.
- An exclusive ``flock`` on ``<db>.lock`` keeps two schedulers on one database from running the job at
  once (the loser skips), and a night that finished less than ``min_gap`` ago is not run again.
- Every night is logged in ``schedule_runs``; a missed one is recorded there and alerted by the check.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.store import Store
from crawler.transactions import atomic

log = logging.getLogger("nianbao.schedule")

NIGHTLY = "nightly"
OUTBOX = "outbox"
_STOP = threading.Event()  # set by SIGTERM: the running night kills its crawl and stops


@dataclass
class NightlyConfig:
    """What the nightly job does; stored with the job (plain values only)."""

    db: str
    registry: str | None = None
    crawl_timeout: float = 6 * 3600  # seconds before the crawl's process group is killed
    kill_grace: float = 30.0  # seconds between SIGTERM and SIGKILL
    crawl_cmd: list[str] | None = None  # default: ``python -m app.cli crawl --registry … --db … --quiet``
    mail: bool = True
    min_gap: float = 3600.0  # a night that finished less than this many seconds ago is not run again

    def command(self) -> list[str]:
        if self.crawl_cmd:
            return list(self.crawl_cmd)
        cmd = [sys.executable, "-m", "app.cli", "crawl", "--db", self.db, "--quiet"]
        return cmd + (["--registry", self.registry] if self.registry else [])


@dataclass
class ScheduleConfig:
    """When the night runs and how late it may still start."""

    at: str = "02:00"
    timezone: str = "Asia/Shanghai"
    misfire_grace_hours: float = 23.0  # a run missed by up to this much still runs once
    outbox_minutes: float = 5.0  # how often queued mail is retried
    trigger: BaseTrigger | None = field(default=None, repr=False)  # overrides ``at`` (tests, --every-seconds)

    def nightly_trigger(self) -> BaseTrigger:
        if self.trigger is not None:
            return self.trigger
        try:
            hour, minute = (int(x) for x in self.at.split(":"))
        except ValueError as exc:
            raise ValueError(f"--at 应为 HH:MM，而不是 {self.at!r}") from exc
        return CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(self.timezone))


# ---------------------------------------------------------------- the lock and the log
@contextmanager
def night_lock(db: str) -> Iterator[bool]:
    """An exclusive, non-blocking lock on ``<db>.lock``; yields False when another process holds it.

    ``flock`` is released by the kernel when its holder dies, so a crashed scheduler never leaves the
    lock taken (no expiry needed). It works between processes on one machine, as the database does.
    """
    fd = os.open(f"{db}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _start_lock(db: str) -> Iterator[None]:
    fd = os.open(f"{db}.start.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocking: start-up takes a moment
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _log_night(store: Store, status: str, *, detail: str | None = None, scheduled_for: datetime | None = None,
               finished: bool = False) -> int:
    from alerts.runs import ensure_schema

    ensure_schema(store.db)
    now = _iso(_now())
    with atomic(store.db.conn):
        cur = store.db.execute(
            "INSERT INTO schedule_runs (job, scheduled_for, started_at, finished_at, status, pid, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [NIGHTLY, _iso(scheduled_for) if scheduled_for else None, now, now if finished else None, status,
             os.getpid(), detail])
    return cur.lastrowid


def _update_night(store: Store, row: int, status: str, **fields) -> None:
    sets = ", ".join(f"{k} = ?" for k in fields)
    with atomic(store.db.conn):
        store.db.execute(f"UPDATE schedule_runs SET status = ?, finished_at = ?{', ' + sets if sets else ''} WHERE id = ?",
                         [status, _iso(_now()), *fields.values(), row])


# ---------------------------------------------------------------- the crawl child
def _kill_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM the child's process group, SIGKILL what is left after ``grace`` seconds."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    _reap_group(proc)


def _reap_group(proc: subprocess.Popen) -> None:
    # browsers left behind by the crawl (zombie Chrome) share its process group: none may outlive it
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def run_child(cmd: list[str], *, timeout: float, grace: float = 30.0, stop: threading.Event | None = None) -> tuple[str, int | None]:
    """Run ``cmd`` in its own process group with a hard limit: ("finished" | "timeout" | "stopped", exit code)."""
    stop = stop or _STOP
    proc = subprocess.Popen(cmd, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                code = proc.wait(timeout=0.2)
                return "finished", code
            except subprocess.TimeoutExpired:
                if stop.is_set():
                    _kill_group(proc, grace)
                    return "stopped", None
                if time.monotonic() >= deadline:
                    log.error("crawl exceeded %.0f s: killing its process group %d", timeout, proc.pid)
                    _kill_group(proc, grace)
                    return "timeout", None
    finally:
        _reap_group(proc)


def _mark_killed_runs(store: Store, since: datetime, why: str) -> None:
    """A crawl we killed can't finish its own run row: say what happened to it."""
    with atomic(store.db.conn):
        store.db.execute("UPDATE runs SET status = ?, finished = ? WHERE status = 'running' AND started >= ?",
                         [why, _iso(_now()), _iso(since - timedelta(seconds=1))])


# ---------------------------------------------------------------- the jobs
def run_nightly(**kwargs) -> str:
    """The nightly job: crawl (child process, hard limit) → check → send. Returns the night's status."""
    cfg = NightlyConfig(**kwargs)
    with night_lock(cfg.db) as mine:
        store = Store(cfg.db)
        try:
            if not mine:
                log.warning("another scheduler is running the nightly job on %s: skipping", cfg.db)
                _log_night(store, "skipped_locked", detail="另一个调度进程正在运行夜间任务", finished=True)
                return "skipped_locked"
            return _night(store, cfg)
        finally:
            store.close()


def _night(store: Store, cfg: NightlyConfig) -> str:
    from alerts.runs import ensure_schema

    ensure_schema(store.db)
    with atomic(store.db.conn):  # we hold the lock: a night still "running" belongs to a process that died
        store.db.execute("UPDATE schedule_runs SET status = 'died', finished_at = ? WHERE job = ? AND status = 'running'",
                         [_iso(_now()), NIGHTLY])
    since = _iso(_now() - timedelta(seconds=cfg.min_gap))
    recent = store.db.execute("SELECT id FROM schedule_runs WHERE job = ? AND status IN ('finished', 'crawl_timeout') "
                              "AND started_at >= ?", [NIGHTLY, since]).fetchone()
    if recent and cfg.min_gap > 0:
        log.info("the nightly job finished less than %.0f s ago (#%d): skipping", cfg.min_gap, recent[0])
        _log_night(store, "skipped_recent", detail=f"第 {recent[0]} 次夜间任务刚完成", finished=True)
        return "skipped_recent"
    started = _now()
    row = _log_night(store, "running")
    log.info("nightly job: crawl %s", " ".join(cfg.command()))
    outcome, code = run_child(cfg.command(), timeout=cfg.crawl_timeout, grace=cfg.kill_grace)
    if outcome != "finished":
        why = f"killed: crawl exceeded {cfg.crawl_timeout:.0f} s" if outcome == "timeout" else "stopped: SIGTERM"
        _mark_killed_runs(store, started, why)
    if outcome == "stopped":
        _update_night(store, row, "stopped", detail="收到 SIGTERM，抓取已终止")
        return "stopped"
    try:
        _check_and_send(store, cfg)
    except Exception as exc:
        _update_night(store, row, "error", crawl_exit=code, detail=f"{type(exc).__name__}: {exc}")
        raise
    if outcome == "timeout":
        _update_night(store, row, "crawl_timeout", detail=f"抓取超过 {cfg.crawl_timeout:.0f} 秒，已终止；核对和提醒照常进行")
        return "crawl_timeout"
    _update_night(store, row, "finished", crawl_exit=code, detail=f"抓取退出码 {code}")
    return "finished"


def _check_and_send(store: Store, cfg: NightlyConfig) -> None:
    from alerts.check import run_check
    from alerts.mailer import SmtpSettings
    from alerts.notify import send_alerts
    from alerts.webhooks import urls_from_env
    from crawler.registry import load

    registry = load(cfg.registry) if cfg.registry else None
    result = run_check(store, registry=registry)
    log.info("check: %s; opened %d, closed %d", dict(result.statuses), len(result.changes.opened), len(result.changes.closed))
    if cfg.mail:
        sent = send_alerts(store, smtp=SmtpSettings.from_env(), webhooks=urls_from_env())
        log.info("alerts: %d queued, %d sent", sent.queued, len(sent.delivery.sent) if sent.delivery else 0)


def deliver_outbox(db: str) -> int:
    """The retry job: deliver queued messages whose backoff has expired. Returns how many were sent."""
    from alerts.mailer import SmtpSettings, deliver
    from alerts.webhooks import urls_from_env

    store = Store(db)
    try:
        return len(deliver(store.db, _now(), smtp=SmtpSettings.from_env(), webhooks=urls_from_env()).sent)
    finally:
        store.close()


# ---------------------------------------------------------------- the scheduler
class NightScheduler(BackgroundScheduler):
    """APScheduler's background scheduler, minus one last round of job processing after shutdown.

    APScheduler 3 wakes its thread once more after ``shutdown()`` has closed the executors; a job due at
    that moment is submitted to the closed pool, fails, and its next run time moves past the due run —
    the very run a restart should catch up would be lost.
    """

    def _process_jobs(self):
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def build_scheduler(db: str, schedule: ScheduleConfig) -> BackgroundScheduler:
    """A (not started) scheduler whose jobs persist in the nianbao database."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from sqlalchemy import create_engine

    # SQLite's busy timeout: the crawl writes to the same file
    engine = create_engine(f"sqlite:///{os.path.abspath(db)}", connect_args={"timeout": 30})
    return NightScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        executors={"default": ThreadPoolExecutor(2)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(schedule.misfire_grace_hours * 3600)},
        timezone=ZoneInfo(schedule.timezone),
    )


def ensure_job(scheduler: BackgroundScheduler, job_id: str, func: str, trigger: BaseTrigger, kwargs: dict,
               misfire_grace_time: int) -> None:
    """Add the job if the store has none; otherwise keep it (and its next run time), updating what changed."""
    try:
        job = scheduler.get_job(job_id)
    except LookupError:
        job = _replace_moved_job(scheduler, job_id, func, trigger, kwargs, misfire_grace_time)
    if job is None:
        try:
            scheduler.add_job(func, trigger, id=job_id, name=job_id, kwargs=kwargs, coalesce=True, max_instances=1,
                              misfire_grace_time=misfire_grace_time, replace_existing=False)
            return
        except ConflictingIdError:  # another scheduler added it a moment ago
            job = scheduler.get_job(job_id)
    changes = {}
    if job.kwargs != kwargs:
        changes["kwargs"] = kwargs
    if job.misfire_grace_time != misfire_grace_time:
        changes["misfire_grace_time"] = misfire_grace_time
    if job.func_ref != func:
        changes["func"] = func
    if changes:
        scheduler.modify_job(job_id, **changes)
    if _trigger_key(job.trigger) != _trigger_key(trigger):
        scheduler.reschedule_job(job_id, trigger=trigger)


def _replace_moved_job(scheduler: BackgroundScheduler, job_id: str, func: str, trigger: BaseTrigger, kwargs: dict,
                       misfire_grace_time: int):
    """A job an older version stored under a function path that has since moved (``crawler.schedule:…``
    before the application shell became :mod:`app`): APScheduler cannot load it, and would drop it at
    its next look-up, losing the run it still owes. Re-create it under ``func`` with its stored next run
    time, so that a night missed while the machine was down is still caught up."""
    store = scheduler._lookup_jobstore("default")  # APScheduler 3 has no public accessor for a job store
    with store.engine.connect() as conn:
        row = conn.execute(store.jobs_t.select().where(store.jobs_t.c.id == job_id)).first()
    next_run = datetime.fromtimestamp(row.next_run_time, timezone.utc) if row and row.next_run_time else None
    log.warning("job %s was stored under a function path that no longer exists: re-created as %s (next run %s)",
                job_id, func, next_run)
    scheduler.remove_job(job_id)
    extra = {"next_run_time": next_run} if next_run else {}
    return scheduler.add_job(func, trigger, id=job_id, name=job_id, kwargs=kwargs, coalesce=True, max_instances=1,
                             misfire_grace_time=misfire_grace_time, replace_existing=False, **extra)


def _trigger_key(trigger: BaseTrigger) -> tuple[str, str]:
    # str() names the fields (cron[hour='2', minute='0']); repr() would add an interval's start date
    return str(trigger), str(getattr(trigger, "timezone", ""))


def _on_event(db: str):
    def listener(event: JobExecutionEvent) -> None:
        if event.job_id != NIGHTLY:
            return
        if event.code == EVENT_JOB_MISSED:
            log.error("nightly run due at %s was missed (beyond the misfire grace)", event.scheduled_run_time)
            store = Store(db)
            try:
                _log_night(store, "missed", scheduled_for=event.scheduled_run_time, finished=True,
                           detail="错过的时间超过宽限期，本次未运行")
            finally:
                store.close()
        elif event.code == EVENT_JOB_ERROR:
            log.error("nightly job failed: %s", event.exception)
    return listener


def start(db: str, nightly: NightlyConfig, schedule: ScheduleConfig) -> BackgroundScheduler:
    """Start a scheduler with the nightly job (and the outbox retry job when mail is on)."""
    Store(db).close()  # create the database (and WAL mode) before SQLAlchemy opens it
    _STOP.clear()
    scheduler = build_scheduler(db, schedule)
    scheduler.add_listener(_on_event(db), EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    grace = int(schedule.misfire_grace_hours * 3600)
    # one scheduler at a time creates the job table and looks its jobs up (SQLAlchemy's create is
    # check-then-create: two starting together would both create)
    with _start_lock(db):
        scheduler.start(paused=True)  # jobs are looked up in the store before anything may fire
        ensure_job(scheduler, NIGHTLY, "app.schedule:run_nightly", schedule.nightly_trigger(), asdict(nightly), grace)
        if nightly.mail:
            ensure_job(scheduler, OUTBOX, "app.schedule:deliver_outbox",
                       IntervalTrigger(minutes=schedule.outbox_minutes), {"db": db}, grace)
        elif scheduler.get_job(OUTBOX):
            scheduler.remove_job(OUTBOX)
    scheduler.resume()
    job = scheduler.get_job(NIGHTLY)
    log.info("nightly job scheduled; next run %s", job.next_run_time if job else None)
    return scheduler


def stop(scheduler: BackgroundScheduler) -> None:
    """Stop cleanly: a running crawl's process group is killed, the night recorded as stopped."""
    _STOP.set()
    try:
        scheduler.shutdown(wait=True)
    finally:
        _STOP.clear()


def run_forever(db: str, nightly: NightlyConfig, schedule: ScheduleConfig) -> None:
    """``nianbao schedule``: run until SIGTERM or SIGINT, then stop cleanly."""
    done = threading.Event()

    def on_signal(signum, frame) -> None:
        log.info("signal %d: stopping", signum)
        _STOP.set()
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler = start(db, nightly, schedule)
    try:
        while not done.wait(1.0):
            pass
    finally:
        stop(scheduler)
        log.info("scheduler stopped")
