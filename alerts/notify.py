"""``nianbao alerts send``: due alerts → digests → outbox → SMTP / webhooks.

    result = send_alerts(store, now=now, smtp=SmtpSettings.from_env())

The digests are queued in the outbox in the same transaction that marks their alerts as told, so an
alert is told exactly once: a second call finds nothing due and queues nothing, and a message queued
while the server is down is delivered by a later call (same Message-ID). An alert nobody would receive
(no recipient up its hierarchy, no operator, no webhook) is left due rather than marked as told.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from crawler.store import Store
from crawler.transactions import atomic

from . import baseline, hints, mailer, state
from .config import AlertConfig, ConfigError, aware
from .digest import Digest, build_digests, overview, render_webhook, to_email
from .mailer import Backoff, Delivery, SmtpSettings
from .webhooks import labels, shorten


@dataclass
class SendResult:
    digests: list[Digest] = field(default_factory=list)
    messages: list[EmailMessage] = field(default_factory=list)
    webhook_text: str | None = None
    queued: int = 0
    delivery: Delivery | None = None
    untold: int = 0  # due alerts without any recipient


def send_alerts(store: Store, *, now: datetime | None = None, config: AlertConfig | None = None,
                smtp: SmtpSettings | None = None, webhooks: list[str] | None = None, dry_run: bool = False,
                backoff: Backoff | None = None, sender: str | None = None) -> SendResult:
    """Queue tonight's digests and deliver the outbox; with ``dry_run`` only build them.

    ``sender`` (default: the SMTP settings' From) only matters for a dry run without SMTP settings.
    """
    now = aware(now)
    config = config or AlertConfig.from_env()
    webhooks = webhooks or []
    db = store.db
    state.ensure_schema(db)
    mailer.ensure_schema(db)
    due = state.due(db, now, config.remind_days)
    due.history = baseline.untold(db)
    digests = build_digests(db, due, now, config)
    if digests and smtp is None and not dry_run:
        raise ConfigError("未设置 NIANBAO_SMTP_HOST（SMTP 服务器地址）")
    sender = smtp.sender if smtp else (sender or "nianbao@localhost")
    result = SendResult(digests=digests, messages=[to_email(d, sender=sender, now=now, config=config) for d in digests])
    told = {i for d in digests for i in d.alert_ids}
    if webhooks and due:
        result.webhook_text = shorten(render_webhook(overview(db, due, now), now, config))
        told |= {r["id"] for r in due.new + due.reminders + due.resolved}
    told_due = state.Due(new=[r for r in due.new if r["id"] in told],
                         reminders=[r for r in due.reminders if r["id"] in told],
                         resolved=[r for r in due.resolved if r["id"] in told], silent=due.silent)
    told_history = [r for r in due.history if webhooks or any(r in d.history for d in digests)]
    result.untold = len(due.new) + len(due.reminders) + len(due.resolved) - len(told)
    if dry_run:
        return result
    with atomic(db.conn):
        for digest, msg in zip(digests, result.messages):
            result.queued += mailer.queue(db, message_id=msg["Message-ID"], recipient=digest.recipient,
                                          subject=msg["Subject"], body=mailer.email_bytes(msg), now=now,
                                          alert_ids=digest.alert_ids)
        if result.webhook_text:
            subject = overview(db, due, now).subject()
            for label in labels(webhooks):
                key = hashlib.sha256(f"{label}\n{result.webhook_text}".encode()).hexdigest()[:32]
                result.queued += mailer.queue(db, message_id=f"<webhook.{now:%Y%m%d}.{key}@nianbao>", channel="webhook",
                                              recipient=label, subject=subject, body=result.webhook_text.encode(),
                                              now=now, alert_ids=sorted(told))
        state.mark_sent(db, told_due, now)
        baseline.mark_told(db, told_history, now)
        hints.mark_told(db, digests, now)  # 提示 are told once
    result.delivery = mailer.deliver(db, now, smtp=smtp, webhooks=webhooks, backoff=backoff)
    return result
