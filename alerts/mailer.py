"""Delivering messages: an outbox table in the store, drained over SMTP (or a group webhook).

A message is *queued* (in the same transaction that marks its alerts as sent), then delivered by
:func:`deliver` — now, or by a later call while the mail server is down. Each attempt first claims the
row by pushing ``next_attempt_at`` forward (exponential backoff), so two deliverers never send the same
row at once and a crash mid-send simply retries later, with the same Message-ID (a server or client
recognises the resend). Permanent refusals (5xx) end as ``failed`` with the server's answer.

SMTP settings come only from the environment (credentials never from a file or the command line)::

    NIANBAO_SMTP_HOST      required
    NIANBAO_SMTP_FROM      required, e.g. "年报监测 <nianbao@example.org>"
    NIANBAO_SMTP_SECURITY  starttls (default) | ssl | none
    NIANBAO_SMTP_PORT      default 587 / 465 / 25 by security
    NIANBAO_SMTP_USER, NIANBAO_SMTP_PASSWORD   both or neither
    NIANBAO_SMTP_CAFILE    a CA bundle for a server with a private certificate
    NIANBAO_SMTP_TIMEOUT   seconds, default 30
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from typing import Any

import sqlite_utils

from crawler.transactions import atomic

from .config import ConfigError, aware, iso

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL DEFAULT 'email',
    recipient TEXT NOT NULL,
    subject TEXT,
    body BLOB NOT NULL,
    alert_ids TEXT,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_attempt_at);
"""

SECURITY = {"starttls": 587, "ssl": 465, "none": 25}


def ensure_schema(db: sqlite_utils.Database) -> None:
    db.conn.executescript(SCHEMA)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail."""

    host: str
    sender: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        """Read ``NIANBAO_SMTP_*``; a missing or wrong setting raises :class:`ConfigError` naming it."""
        env = os.environ if env is None else env
        host = env.get("NIANBAO_SMTP_HOST", "").strip()
        if not host:
            raise ConfigError("未设置 NIANBAO_SMTP_HOST（SMTP 服务器地址）")
        sender = env.get("NIANBAO_SMTP_FROM", "").strip()
        if not sender:
            raise ConfigError("未设置 NIANBAO_SMTP_FROM（发件人地址）")
        security = (env.get("NIANBAO_SMTP_SECURITY") or "starttls").strip().lower()
        if security not in SECURITY:
            raise ConfigError(f"NIANBAO_SMTP_SECURITY 应为 starttls、ssl 或 none，而不是 {security!r}")
        try:
            port = int(env.get("NIANBAO_SMTP_PORT") or SECURITY[security])
            timeout = float(env.get("NIANBAO_SMTP_TIMEOUT") or 30)
        except ValueError as exc:
            raise ConfigError(f"NIANBAO_SMTP_PORT / NIANBAO_SMTP_TIMEOUT 应为数字：{exc}") from exc
        user, password = env.get("NIANBAO_SMTP_USER") or None, env.get("NIANBAO_SMTP_PASSWORD") or None
        if user and not password:
            raise ConfigError("设置了 NIANBAO_SMTP_USER 但未设置 NIANBAO_SMTP_PASSWORD")
        if password and not user:
            raise ConfigError("设置了 NIANBAO_SMTP_PASSWORD 但未设置 NIANBAO_SMTP_USER")
        cafile = env.get("NIANBAO_SMTP_CAFILE") or None
        if cafile and not os.path.exists(cafile):
            raise ConfigError(f"NIANBAO_SMTP_CAFILE 指向的文件不存在：{cafile}")
        return cls(host=host, sender=sender, port=port, security=security, user=user, password=password,
                   cafile=cafile, timeout=timeout)

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)

    def connect(self) -> smtplib.SMTP:
        """An SMTP session, secured and logged in as configured."""
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=self.tls_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


@dataclass
class Backoff:
    """Delay before attempt n+1: ``base · 2^(n-1)``, at most ``cap``; give up after ``max_attempts``."""

    base: timedelta = timedelta(minutes=2)
    cap: timedelta = timedelta(hours=6)
    max_attempts: int = 20

    def delay(self, attempts: int) -> timedelta:
        return min(self.cap, self.base * (2 ** max(0, attempts - 1)))


@dataclass
class Delivery:
    """What one :func:`deliver` call did."""

    sent: list[str] = field(default_factory=list)  # message ids
    deferred: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def queue(db: sqlite_utils.Database, *, message_id: str, recipient: str, subject: str, body: bytes,
          now: datetime, channel: str = "email", alert_ids: list[int] | None = None) -> bool:
    """Put a message in the outbox (no commit: call inside the caller's transaction).

    Returns False when a message with that Message-ID is there already (the same digest built twice).
    """
    ensure_schema(db)
    cur = db.execute(
        "INSERT OR IGNORE INTO outbox (message_id, channel, recipient, subject, body, alert_ids, status, attempts, "
        "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
        [message_id, channel, recipient, subject, body, json.dumps(alert_ids or []), iso(now), iso(now)])
    return bool(cur.rowcount)


def email_bytes(msg: EmailMessage) -> bytes:
    """The message as sent on the wire (CRLF line ends)."""
    return msg.as_bytes(policy=SMTP_POLICY)


def pending(db: sqlite_utils.Database, now: datetime | None = None) -> list[dict[str, Any]]:
    """Queued messages (due at ``now`` when given), oldest first."""
    ensure_schema(db)
    sql = "SELECT id, message_id, channel, recipient, subject, attempts, next_attempt_at, last_error FROM outbox WHERE status = 'queued'"
    params: list[Any] = []
    if now is not None:
        sql += " AND next_attempt_at <= ?"
        params.append(iso(now))
    return list(db.query(sql + " ORDER BY id", params))


def _claim(db: sqlite_utils.Database, row_id: int, now: datetime, backoff: Backoff) -> int | None:
    """Take a due row for one attempt; returns the attempt number, or None if someone else has it."""
    with atomic(db.conn):
        row = db.execute("SELECT attempts FROM outbox WHERE id = ? AND status = 'queued' AND next_attempt_at <= ?",
                         [row_id, iso(now)]).fetchone()
        if row is None:
            return None
        attempt = row[0] + 1
        cur = db.execute(
            "UPDATE outbox SET attempts = ?, next_attempt_at = ? WHERE id = ? AND status = 'queued' AND attempts = ?",
            [attempt, iso(now + backoff.delay(attempt)), row_id, row[0]])
    return attempt if cur.rowcount else None


def _finish(db: sqlite_utils.Database, row_id: int, now: datetime, *, error: str | None = None,
            permanent: bool = False, give_up: bool = False) -> None:
    with atomic(db.conn):
        if error is None:
            db.execute("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?", [iso(now), row_id])
        elif permanent or give_up:
            db.execute("UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", [error, row_id])
        else:
            db.execute("UPDATE outbox SET last_error = ? WHERE id = ?", [error, row_id])


def _permanent(exc: BaseException) -> bool:
    """5xx answers about this message (recipient or content refused) won't change on retry."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return exc.smtp_code >= 500
    return False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "收件人被拒绝：" + "；".join(f"{a} {c} {m.decode(errors='replace')}" for a, (c, m) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code} {msg}"
    if isinstance(exc, ConnectionRefusedError):
        return "SMTP 服务器拒绝连接（未启动？）"
    return f"{type(exc).__name__}: {exc}"


def deliver(db: sqlite_utils.Database, now: datetime, *, smtp: SmtpSettings | None = None,
            webhooks: list[str] | None = None, backoff: Backoff | None = None) -> Delivery:
    """Send every outbox message due at ``now`` (one SMTP session for all of them)."""
    from . import webhooks as webhooks_mod

    now = aware(now)
    backoff = backoff or Backoff()
    result = Delivery()
    rows = pending(db, now)
    session: smtplib.SMTP | None = None
    connect_error: str | None = None
    try:
        for row in rows:
            attempt = _claim(db, row["id"], now, backoff)
            if attempt is None:
                continue
            give_up = attempt >= backoff.max_attempts
            try:
                if row["channel"] == "webhook":
                    body = db.execute("SELECT body FROM outbox WHERE id = ?", [row["id"]]).fetchone()[0]
                    webhooks_mod.notify(row["recipient"], row["subject"], bytes(body).decode("utf-8"), webhooks)
                else:
                    if smtp is None:
                        raise ConfigError("未设置 NIANBAO_SMTP_HOST（SMTP 服务器地址）")
                    if connect_error:  # the server was down a moment ago: don't knock once per message
                        raise ConnectionError(connect_error)
                    if session is None:
                        try:
                            session = smtp.connect()
                        except (OSError, smtplib.SMTPException) as exc:
                            connect_error = _describe(exc)
                            raise
                    body = db.execute("SELECT body FROM outbox WHERE id = ?", [row["id"]]).fetchone()[0]
                    session.sendmail(smtp.sender, [row["recipient"]], bytes(body))
            except (OSError, smtplib.SMTPException, ConfigError, webhooks_mod.WebhookError) as exc:
                error = _describe(exc)
                permanent = _permanent(exc)
                _finish(db, row["id"], now, error=error, permanent=permanent, give_up=give_up)
                (result.failed if permanent or give_up else result.deferred).append(row["message_id"])
                result.errors.append(f"{row['recipient']}：{error}")
                log.warning("outbox %s to %s: attempt %d failed: %s", row["message_id"], row["recipient"], attempt, error)
                if isinstance(exc, smtplib.SMTPServerDisconnected):
                    session = None
                continue
            _finish(db, row["id"], now)
            result.sent.append(row["message_id"])
    finally:
        if session is not None:
            try:
                session.quit()
            except (OSError, smtplib.SMTPException):
                session.close()
    return result
