"""The digest's sections, each written once as blocks and rendered the same way as text and as HTML.

A section is a function ``(digest, ctx) -> list[Block]``; :data:`SECTIONS` is their order in the
message. Another module adds its own part of the digest by putting a function into that list (e.g.
before ``history_section``); it never renders text or HTML itself, so the plain-text and the HTML part
always say the same words in the same order.

The order a reader needs: the summary first (counts per kind and per county); the monitor's own
problems; then per county and level, per unit: new findings with their details (arithmetic, links),
what is still open in one line per unit (years and kinds grouped), what was resolved; last, the
history the first check found (one line per unit), told once.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .config import AlertConfig, china_date, china_time
from .coverage import closed_tag
from .state import KINDS

if TYPE_CHECKING:
    from .digest import Digest, DigestItem

STATE_TAGS = {"new": "新", "reminder": "仍未解决", "resolved": "已解决", "hint": "提示"}
COLORS = {"new": "#b42318", "reminder": "#b54708", "resolved": "#067647", "hint": "#667085"}
DETAIL_LINES = 4  # arithmetic lines shown for a reminder of an inconsistent report
KIND_ORDER = list(KINDS)


@dataclass
class Block:
    """One piece of a digest: a heading (``h2``/``h3``), a paragraph (``p``) or a list ``item`` with an
    optional state tag, indented sub-lines and links."""

    kind: str
    text: str
    state: str | None = None
    sub: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    label: str | None = None  # a tag other than the state's (a closed alert that became undeterminable)


@dataclass
class Context:
    now: datetime
    config: AlertConfig


Section = Callable[["Digest", Context], list[Block]]


# ---------------------------------------------------------------- rendering
def to_text(blocks: list[Block]) -> list[str]:
    lines: list[str] = []
    for b in blocks:
        if b.kind == "h2":
            if lines and lines[-1]:
                lines.append("")
            lines.append(f"══ {b.text} ══")
        elif b.kind == "h3":
            lines.append(f"— {b.text} —")
        elif b.kind == "p":
            lines.append(b.text)
        else:
            tag = f"【{b.label or STATE_TAGS[b.state]}】" if b.state else "· "
            lines.append(tag + b.text)
            lines.extend(f"    {s}" for s in b.sub)
            lines.extend(f"    {label}：{url}" for label, url in b.links)
    return lines


def to_html(blocks: list[Block]) -> list[str]:
    e = html.escape
    out: list[str] = []
    in_list = False
    for b in blocks:
        if b.kind != "item" and in_list:
            out.append("</ul>")
            in_list = False
        if b.kind in ("h2", "h3"):
            out.append(f"<{b.kind}>{e(b.text)}</{b.kind}>")
        elif b.kind == "p":
            out.append(f"<p>{e(b.text)}</p>")
        else:
            if not in_list:
                out.append("<ul>")
                in_list = True
            tag = (f'<strong style="color: {COLORS[b.state]}">【{b.label or STATE_TAGS[b.state]}】</strong>'
                   if b.state else "")
            sub = [e(s) for s in b.sub] + [f'{e(label)}：<a href="{e(url, quote=True)}">{e(url)}</a>'
                                           for label, url in b.links]
            inner = "<ul>" + "".join(f"<li>{s}</li>" for s in sub) + "</ul>" if sub else ""
            out.append(f"<li>{tag}{e(b.text)}{inner}</li>")
    if in_list:
        out.append("</ul>")
    return out


# ---------------------------------------------------------------- helpers
def kind_label(kind: str) -> str:
    return KINDS.get(kind, (kind,))[0]


def years_text(years: list[int]) -> str:
    """``[2024, 2021, 2023]`` → ``2021、2023、2024``."""
    return "、".join(str(y) for y in sorted(set(years)) if y)


def per_kind(items: list[DigestItem]) -> Counter:
    return Counter(i.alert["kind"] for i in items)


def counts_by_kind(items: list[DigestItem]) -> str:
    """``逾期未发布 3、数字不符 1`` in the order of :data:`alerts.state.KINDS`."""
    c = per_kind(items)
    return "、".join(f"{kind_label(k)} {c[k]}" for k in sorted(c, key=_kind_pos))


def _kind_pos(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def overdue_days(item: DigestItem, now: datetime) -> int | None:
    p = item.alert["payload"]
    if item.alert["kind"] != "missing" or not p.get("deadline"):
        return None
    return (china_date(now) - date.fromisoformat(p["deadline"])).days


# ---------------------------------------------------------------- sections
def summary_section(digest: Digest, ctx: Context) -> list[Block]:
    """The counts: per state and kind, then per county — no unit names (they follow below)."""
    blocks = [Block("h2", "概览")]
    for state, label in (("new", "新问题"), ("reminder", "仍未解决"), ("resolved", "已解决")):
        items = [i for i in digest.items if i.state == state]
        if items:
            blocks.append(Block("p", f"{label} {len(items)} 项：{counts_by_kind(items)}"))
    counties: dict[str, list[DigestItem]] = {}
    for item in sorted(digest.items, key=lambda i: i.sort_group()):
        counties.setdefault(item.county, []).append(item)
    history_by_county: dict[str, list[dict[str, Any]]] = {}
    for row in digest.history:
        history_by_county.setdefault(digest.county_of(row["unit_code"]), []).append(row)
    for county in list(counties) + [c for c in history_by_county if c not in counties]:
        items = counties.get(county, [])
        parts = []
        open_items = [i for i in items if i.state != "resolved"]
        if open_items:
            c, new = per_kind(open_items), per_kind([i for i in open_items if i.state == "new"])
            parts.append("、".join(f"{kind_label(k)} {c[k]}" + (f"（新 {new[k]}）" if new[k] else "")
                                  for k in sorted(c, key=_kind_pos)))
        resolved = [i for i in items if i.state == "resolved"]
        if resolved:
            parts.append(f"已解决 {len(resolved)}")
        hist = history_by_county.get(county, [])
        if hist:
            parts.append(f"历史问题 {len({r['unit_code'] for r in hist})} 个单位 {len(hist)} 项（见文末）")
        blocks.append(Block("item", f"{county}：{'；'.join(parts)}"))
    return blocks


def monitor_section(digest: Digest, ctx: Context) -> list[Block]:
    """Alerts about the monitor itself (its network, its runs): for the operators."""
    items = sorted((i for i in digest.items if not i.unit), key=lambda i: i.sort_key())
    if not items:
        return []
    return [Block("h2", "监测系统")] + [_item_block(i, ctx) for i in items]


def units_section(digest: Digest, ctx: Context) -> list[Block]:
    """Per county → level group → unit: new findings in full, open ones in one line, resolved ones."""
    blocks: list[Block] = []
    for county, groups in digest.groups():
        if county == digest.system_group:
            continue
        blocks.append(Block("h2", county))
        for group, items in groups:
            if group:
                blocks.append(Block("h3", group))
            by_unit: dict[str, list[DigestItem]] = {}
            for item in items:
                by_unit.setdefault(item.alert["unit_code"], []).append(item)
            for unit_items in by_unit.values():
                blocks.extend(_unit_blocks(unit_items, ctx))
    return blocks


def _unit_blocks(items: list[DigestItem], ctx: Context) -> list[Block]:
    out: list[Block] = []
    by_report: dict[str, list[DigestItem]] = {}  # several rules failing in one new report: one block
    for i in items:
        if i.state == "new" and i.alert["kind"] == "inconsistent" and i.alert["report"]:
            by_report.setdefault(i.alert["report"], []).append(i)
    for i in items:
        if i.state != "new":
            continue
        same = by_report.get(i.alert["report"]) if i.alert["kind"] == "inconsistent" else None
        if same and len(same) > 1:
            if i is same[0]:
                out.append(_report_block(same, ctx))
        else:
            out.append(_item_block(i, ctx))
    reminders = [i for i in items if i.state == "reminder"]
    if reminders:
        out.append(_reminder_block(reminders, ctx))
    out.extend(_item_block(i, ctx) for i in items if i.state == "resolved")
    return out


def _item_block(item: DigestItem, ctx: Context) -> Block:
    """A new finding with its details and links, or a resolved one in a line."""
    if item.state == "resolved":
        return Block("item", f"{item.headline()}；现在：{item.resolution}", "resolved", label=closed_tag(item.alert))
    text, sub = item.headline(), item.details(ctx.now)
    days = overdue_days(item, ctx.now)
    if days is not None:  # the days overdue belong to the headline, not a line of their own
        text += f"，已逾期 {days} 天"
        sub = [s for s in sub if s != f"已逾期 {days} 天"]
    return Block("item", text, item.state, sub=sub, links=item.links())


def _report_block(items: list[DigestItem], ctx: Context) -> Block:
    """New failures of several rules in one report: the rules in the headline, all the arithmetic, the
    links once."""
    first = items[0]
    rules = "、".join(i.alert["rule"] for i in items)
    text = f"{first.who}：{first.alert['year']} 年度报告数字对不上（{len(items)} 条规则：{rules}）"
    sub = [d for i in items for d in (i.alert["payload"].get("details") or [])]
    return Block("item", text, "new", sub=sub, links=first.links())


def _reminder_block(items: list[DigestItem], ctx: Context) -> Block:
    """What is still open for one unit, in one line: its kinds with their years; the arithmetic only
    for an inconsistent report (what there is to fix), and its link."""
    since = min(china_time(i.alert["opened_at"])[:10] for i in items)
    if len(items) == 1:
        item = items[0]
        text = item.headline()
        days = overdue_days(item, ctx.now)
        if days is not None:
            text += f"，已逾期 {days} 天"
    else:
        by_kind: dict[str, list[DigestItem]] = {}
        for i in sorted(items, key=lambda i: (_kind_pos(i.alert["kind"]), i.alert["year"])):
            by_kind.setdefault(i.alert["kind"], []).append(i)
        parts = []
        for kind, same in by_kind.items():
            if len(same) == 1:
                parts.append(same[0].alert["payload"].get("headline") or kind_label(kind))
            else:
                parts.append(f"{kind_label(kind)}：{years_text([i.alert['year'] for i in same])} 年度")
        text = f"{items[0].who}：{'；'.join(parts)}"
    text += f"，自 {since} 起未解决"
    sub: list[str] = []
    links: list[tuple[str, str]] = []
    for i in items:
        if i.alert["kind"] == "inconsistent":
            sub.extend((i.alert["payload"].get("details") or [])[:DETAIL_LINES])
            links.extend(lk for lk in i.links() if lk[0] == "报告数据")
    return Block("item", text, "reminder", sub=sub, links=links)


def history_section(digest: Digest, ctx: Context) -> list[Block]:
    """What the first check of a unit's past years found, one line per unit, told once."""
    if not digest.history:
        return []
    missing = [r for r in digest.history if r["kind"] == "missing"]
    other = [r for r in digest.history if r["kind"] != "missing"]
    window = ctx.config.alert_window_days
    blocks: list[Block] = []
    if missing:
        blocks.append(Block("h2", "历史缺报"))
        blocks.append(Block("p", f"首次核查时截止日期已过 {window} 天以上、栏目中没有找到的年度报告。"
                                 "这里只列一次，不作为新问题提醒；补发后会在数据中显示。"))
        for who, rows in _by_unit(digest, missing):
            blocks.append(Block("item", f"{who}：{years_text([r['year'] for r in rows])} 年度未发布"))
    if other:
        blocks.append(Block("h2", "历史问题"))
        blocks.append(Block("p", "首次核查时已发布多年的报告中发现的问题，只列一次，不作为新问题提醒。"))
        for who, rows in _by_unit(digest, other):
            kinds: dict[str, list[int]] = {}
            for r in rows:
                kinds.setdefault(r["kind"], []).append(r["year"])
            parts = [f"{years_text(ys)} 年度{kind_label(k)}" for k, ys in sorted(kinds.items(), key=lambda kv: _kind_pos(kv[0]))]
            blocks.append(Block("item", f"{who}：{'；'.join(parts)}"))
    return blocks


def _by_unit(digest: Digest, rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(rows, key=lambda r: digest.unit_order(r["unit_code"])):
        out.setdefault(r["unit_code"], []).append(r)
    return [(digest.who_of(code), rs) for code, rs in out.items()]


SECTIONS: list[Section] = [summary_section, monitor_section, units_section, history_section]
