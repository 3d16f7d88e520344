"""Building the nightly digest: one message per recipient, in Chinese, plain text and HTML.

Building is apart from sending (Spidermon's rule): :func:`build_digests` turns the due alerts into
:class:`Digest` objects and :func:`to_email` into an :class:`email.message.EmailMessage`; nothing here
opens a connection. Recipients come from the registry's hierarchy: a unit's own ``recipients`` and those
of every unit above it (a county office gets all its units). Alerts about the monitor itself go to the
operators, or to everyone when no operator is configured.

Inside a digest (see :mod:`alerts.sections` for the parts and their order): a summary first, then
items grouped county → 本级 / 乡镇（街道）/ 部门 / 开发区 → unit — new findings with the arithmetic and
links to the page found and to the report's row, open ones in one line per unit — and last the history
a first check found (:mod:`alerts.baseline`), told once.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

import sqlite_utils

from . import hints as hints_mod
from .config import AlertConfig, aware, china_date, china_time
from .coverage import digest_lines
from .sections import SECTIONS, Context, summary_section, to_html, to_text
from .state import KINDS, SYSTEM_KINDS, Due

LEVEL_GROUPS = [("county", "本级"), ("township", "乡镇（街道）"), ("department", "部门"), ("zone", "开发区、产业集聚区")]
SYSTEM_GROUP = "监测系统"
WEBHOOK_ITEMS = 10  # new findings named in a group message; the rest are in the summary's counts


@dataclass
class DigestItem:
    """One alert as one recipient reads it tonight."""

    alert: dict[str, Any]
    state: str  # new | reminder | resolved
    unit: dict[str, Any] | None = None  # its ``units`` row; None for the monitor's own alerts

    @property
    def county(self) -> str:
        return short_county(self.unit["county"]) if self.unit else SYSTEM_GROUP

    @property
    def group(self) -> str:
        if not self.unit:
            return ""
        return dict(LEVEL_GROUPS).get(self.unit["level"], "其他")

    @property
    def who(self) -> str:
        """``武陟县 · 木城街道办事处``."""
        return f"{self.county} · {self.unit['name']}" if self.unit else SYSTEM_GROUP

    def headline(self) -> str:
        """``武陟县 · 木城街道办事处：2022 年度报告逾期未发布（截止 2023-01-31）``."""
        return f"{self.who}：{self.alert['payload'].get('headline', KINDS.get(self.alert['kind'], (self.alert['kind'],))[0])}"

    def details(self, now: datetime) -> list[str]:
        p = self.alert["payload"]
        # what was read, when the crawl says, tells more than “read completely” (alerts.coverage)
        lines = digest_lines(self.alert, self.state) or list(p.get("details") or [])
        if self.alert["kind"] == "missing" and p.get("deadline") and self.state != "resolved":
            days = (china_date(now) - date.fromisoformat(p["deadline"])).days
            lines.insert(0, f"已逾期 {days} 天")
        if self.state == "reminder":
            lines.append(f"自 {china_time(self.alert['opened_at'])[:10]} 起未解决")
        return lines

    def links(self) -> list[tuple[str, str]]:
        return [(label, url) for label, url in self.alert["payload"].get("links") or [] if url]

    @property
    def resolution(self) -> str:
        return self.alert["payload"].get("resolution", "问题已解决")

    def sort_key(self) -> tuple:
        return (self.unit["code"] if self.unit else "", ["new", "reminder", "resolved"].index(self.state),
                -self.alert["year"], self.alert["kind"], self.alert["rule"])

    def sort_group(self) -> tuple:
        return _group_key(self)


@dataclass
class Digest:
    """Everything one recipient is told tonight."""

    recipient: str
    day: date
    items: list[DigestItem] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # untold ``history_findings`` rows
    hints: list[dict[str, Any]] = field(default_factory=list)  # 提示 (alerts.hints), apart from the alerts
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    system_group: str = SYSTEM_GROUP

    def county_of(self, code: str) -> str:
        unit = self.units.get(code)
        return short_county(unit["county"]) if unit else "未知县区"

    def who_of(self, code: str) -> str:
        unit = self.units.get(code)
        return f"{short_county(unit['county'])} · {unit['name']}" if unit else code

    def unit_order(self, code: str) -> tuple:
        unit = self.units.get(code)
        if not unit:
            return (2, "", 0, code)
        order = [c for c, _ in LEVEL_GROUPS]
        level = order.index(unit["level"]) if unit["level"] in order else len(order)
        return (1, unit.get("county_code") or "", level, code)

    def count(self, state: str) -> int:
        return sum(1 for i in self.items if i.state == state)

    @property
    def alert_ids(self) -> list[int]:
        return sorted({i.alert["id"] for i in self.items})

    def counts_text(self) -> str:
        parts = [f"{label} {self.count(state)} 项" for state, label in
                 (("new", "新问题"), ("reminder", "仍未解决"), ("resolved", "已解决")) if self.count(state)]
        if self.history:
            parts.append(f"历史问题 {len({r['unit_code'] for r in self.history})} 个单位")
        return "，".join(parts + hints_mod.count_text(self))

    def subject(self) -> str:
        counties = list(dict.fromkeys([i.county for i in sorted(self.items, key=_group_key)]
                                      + [self.county_of(r["unit_code"]) for r in self.history]
                                      + [short_county(h["unit"]["county"]) for h in self.hints]))
        where = "、".join(counties[:2]) + ("等" if len(counties) > 2 else "")
        return f"【年报监测】{where}：{self.counts_text()}（{self.day}）"

    def groups(self) -> list[tuple[str, list[tuple[str, list[DigestItem]]]]]:
        """[(county, [(level group, items)])], the monitor's own alerts first."""
        out: dict[str, dict[str, list[DigestItem]]] = {}
        for item in sorted(self.items, key=_group_key):
            out.setdefault(item.county, {}).setdefault(item.group, []).append(item)
        return [(county, [(g, sorted(items, key=DigestItem.sort_key)) for g, items in by_group.items()])
                for county, by_group in out.items()]


def _group_key(item: DigestItem) -> tuple:
    if not item.unit:
        return (0, "", 0)
    order = [code for code, _ in LEVEL_GROUPS]
    level = order.index(item.unit["level"]) if item.unit["level"] in order else len(order)
    return (1, item.unit.get("county_code") or "", level)


def short_county(name: str | None) -> str:
    """``武陟县人民政府`` → ``武陟县``."""
    name = name or "未知县区"
    for suffix in ("人民政府", "政府"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


# ---------------------------------------------------------------- routing
def load_units(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    units = {}
    for row in db.query("SELECT code, name, level, parent, county_code, county, recipients FROM units"):
        row["recipients"] = json.loads(row["recipients"] or "[]")
        units[row["code"]] = row
    return units


def recipients_of(code: str, units: dict[str, dict[str, Any]]) -> list[str]:
    """A unit's own recipients and those of every unit above it."""
    out: list[str] = []
    seen: set[str] = set()
    while code and code in units and code not in seen:
        seen.add(code)
        out.extend(r for r in units[code]["recipients"] if r not in out)
        code = units[code]["parent"]
    return out


def build_digests(db: sqlite_utils.Database, due: Due, now: datetime, config: AlertConfig) -> list[Digest]:
    """One digest per recipient with the items due tonight (sorted by recipient)."""
    now = aware(now)
    units = load_units(db)
    everyone = sorted({r for u in units.values() for r in u["recipients"]})
    day = china_date(now)
    digests: dict[str, Digest] = {}
    for state, rows in (("new", due.new), ("reminder", due.reminders), ("resolved", due.resolved)):
        for row in rows:
            unit = units.get(row["unit_code"])
            if row["kind"] in SYSTEM_KINDS or not row["unit_code"]:
                to = config.operators or everyone
            else:
                to = recipients_of(row["unit_code"], units)
            for address in to:
                digests.setdefault(address, Digest(address, day, units=units)).items.append(DigestItem(row, state, unit))
    for row in due.history:
        for address in recipients_of(row["unit_code"], units):
            digests.setdefault(address, Digest(address, day, units=units)).history.append(row)
    digests = hints_mod.attach(db, digests, units, now, recipients_of, lambda a: Digest(a, day, units=units))
    return [digests[a] for a in sorted(digests)]


def overview(db: sqlite_utils.Database, due: Due, now: datetime) -> Digest:
    """All items due tonight in one digest (for group webhooks and ``--dry-run`` summaries)."""
    units = load_units(db)
    digest = Digest("", china_date(aware(now)), units=units, history=list(due.history))
    for state, rows in (("new", due.new), ("reminder", due.reminders), ("resolved", due.resolved)):
        digest.items.extend(DigestItem(r, state, units.get(r["unit_code"])) for r in rows)
    return digest


# ---------------------------------------------------------------- rendering
def _intro(digest: Digest) -> str:
    return f"以下是 {digest.day} 政府信息公开工作年度报告监测的结果：{digest.counts_text()}。"


def render_text(digest: Digest, now: datetime, config: AlertConfig) -> str:
    """The plain-text body: the sections of :data:`alerts.sections.SECTIONS`, in order."""
    ctx = Context(aware(now), config)
    lines = ["您好：", "", _intro(digest), ""]
    for section in (*SECTIONS, hints_mod.section):  # 提示: the evaluator's findings, apart from the alerts
        blocks = section(digest, ctx)
        if blocks:
            lines += to_text(blocks) + [""]
    lines += ["——", _footer(config)]
    return "\n".join(lines) + "\n"


def render_html(digest: Digest, now: datetime, config: AlertConfig) -> str:
    """The HTML alternative: the same sections, the same words, with headings and links."""
    e = html.escape
    ctx = Context(aware(now), config)
    out = ['<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head>',
           '<body style="font-family: sans-serif; line-height: 1.6">',
           f"<p>您好：</p><p>{e(_intro(digest))}</p>"]
    for section in (*SECTIONS, hints_mod.section):
        out += to_html(section(digest, ctx))
    out.append(f'<hr><p style="color: #667085">{e(_footer(config))}</p></body></html>')
    return "\n".join(out)


def render_webhook(digest: Digest, now: datetime, config: AlertConfig) -> str:
    """A group message (WeCom, DingTalk): the summary, the new findings in a line each, and a link."""
    ctx = Context(aware(now), config)
    summary = [line.replace("（见文末）", "（见邮件）") for line in to_text(summary_section(digest, ctx)[1:])]
    lines = [_intro(digest), ""] + summary
    new = sorted((i for i in digest.items if i.state == "new"), key=lambda i: (i.sort_group(), i.sort_key()))
    if new:
        lines += ["", "新问题："]
        for item in new[:WEBHOOK_ITEMS]:
            details = item.alert["payload"].get("details") or []
            first = f"（{details[0]}）" if item.alert["kind"] == "inconsistent" and details else ""
            lines.append(f"· {item.headline()}{first}")
        if len(new) > WEBHOOK_ITEMS:
            lines.append(f"……另有 {len(new) - WEBHOOK_ITEMS} 项，见邮件")
    lines += ["", f"详情：{config.datasette_url}/nianbao/open_alerts"]
    return "\n".join(lines) + "\n"


def _footer(config: AlertConfig) -> str:
    return (f"本邮件由 nianbao 自动发送。问题解决后会另行通知；未解决的问题每 {config.remind_days} 天提醒一次。"
            f"全部数据：{config.datasette_url}/nianbao")


def message_id(recipient: str, day: date, text: str, sender: str) -> str:
    """A Message-ID fixed by recipient, date and content: the same digest sent again after a crash
    carries the same id, so a mail server or client can recognise the duplicate."""
    digest = hashlib.sha256(f"{recipient}\n{day}\n{text}".encode()).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "nianbao.local"
    return f"<nianbao.{day:%Y%m%d}.{digest}@{domain}>"


def to_email(digest: Digest, *, sender: str, now: datetime, config: AlertConfig) -> EmailMessage:
    """The digest as a MIME message: text/plain and text/html alternatives, UTF-8."""
    now = aware(now)
    text = render_text(digest, now, config)
    msg = EmailMessage()
    msg["Subject"] = digest.subject()
    msg["From"] = sender
    msg["To"] = digest.recipient
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(digest.recipient, digest.day, text, sender)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(render_html(digest, now, config), subtype="html", charset="utf-8")
    return msg
