"""Validating a registry file: every problem at once, each naming the unit and the field.

    problems = check_file("registry.yaml")      # [] when the registry is usable
    nianbao registry check registry.yaml        # the same, printed; exit status 1 when any

:func:`crawler.registry.load` runs the same checks and refuses a registry with problems in one line
(the first problem and how many there are), so every verb that reads a registry fails the same clean
way; ``registry check`` lists them all so they can be fixed in one pass.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .deadlines import LEVELS

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
_CHILD_LEVELS = ("township", "department", "zone")
RENDER_VALUES = ("browser",)
ROBOTS_VALUES = ("obey", "ignore")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a registry."""

    where: str  # 第 3 个单位（甲县人民政府） / 名录
    message: str

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


def read(path: str | Path) -> Any:
    """The YAML data of a registry file; raises OSError / yaml.YAMLError."""
    text = Path(path).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def check_file(path: str | Path) -> list[Problem]:
    """Every problem of the registry file at ``path`` (an unreadable file is one problem)."""
    try:
        data = read(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [Problem("名录", f"无法读取 {path}：{' '.join(str(exc).split())}")]
    return check_data(data)


def check_data(data: Any) -> list[Problem]:
    """Every problem of a registry's parsed YAML."""
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        return [Problem("名录", "应有顶层键 units（单位列表）")]
    out: list[Problem] = []
    raws = data["units"]
    codes: list[tuple[str, str]] = []  # (code, where)
    for i, raw in enumerate(raws):
        where = f"第 {i + 1} 个单位"
        if not isinstance(raw, dict):
            out.append(Problem(where, "不是映射（mapping）"))
            continue
        name = str(raw.get("name") or "").strip()
        where += f"（{name}）" if name else ""
        out.extend(Problem(where, m) for m in _unit_problems(raw, name))
        code = str(raw.get("code") or "").strip()
        if code:
            codes.append((code, where))
    counts = Counter(c for c, _ in codes)
    for code, n in sorted(counts.items()):
        if n > 1:
            whom = "、".join(w for c, w in codes if c == code)
            out.append(Problem("名录", f"单位代码 {code} 重复 {n} 次：{whom}"))
    out.extend(_hierarchy_problems([r for r in raws if isinstance(r, dict)]))
    return out


def _unit_problems(raw: dict[str, Any], name: str) -> list[str]:
    out = []
    if not name:
        out.append("缺少 name")
    level = raw.get("level")
    if level not in LEVELS:
        out.append(f"level 应为 {'/'.join(LEVELS)}，而不是 {level!r}")
    deadline = raw.get("deadline")
    if deadline is not None:
        try:
            month, day = (int(x) for x in str(deadline).split("-"))
            date(2001, month, day)
        except ValueError:
            out.append(f"deadline 应为 MM-DD（次年的月-日），而不是 {deadline!r}")
    for key in ("site", "home"):
        if raw.get(key) is not None and not _is_url(raw[key]):
            out.append(f"{key} 不是 http(s) 网址：{raw[key]!r}")
    columns = raw.get("columns") if raw.get("columns") is not None else raw.get("column")
    if columns is not None:
        items = [columns] if isinstance(columns, str) else columns
        if not isinstance(items, list):
            out.append("columns 应为网址列表")
        else:
            out.extend(f"columns 中有不是 http(s) 网址的一项：{u!r}" for u in items if not _is_url(u))
    recipients = raw.get("recipients")
    if recipients is not None:
        if not isinstance(recipients, list):
            out.append("recipients 应为邮件地址列表")
        else:
            out.extend(f"recipients 中有无效的邮件地址：{r!r}" for r in recipients if not _is_email(r))
    if raw.get("robots") is not None and raw["robots"] not in ROBOTS_VALUES:
        out.append(f"robots 应为 obey 或 ignore，而不是 {raw['robots']!r}")
    if raw.get("render") is not None and raw["render"] not in RENDER_VALUES:
        out.append(f"render 只能是 browser，而不是 {raw['render']!r}")
    active = raw.get("active_from")
    if active is not None and (not isinstance(active, int) or isinstance(active, bool) or not 2000 <= active <= 2100):
        out.append(f"active_from 应为年份（如 2022），而不是 {active!r}")
    return out


def _hierarchy_problems(raws: list[dict[str, Any]]) -> list[Problem]:
    """Parents that are not in the registry, a unit under itself, a county under a township."""
    by_code = {str(r.get("code")).strip(): r for r in raws if str(r.get("code") or "").strip()}
    out = []
    for r in raws:
        parent = str(r["parent"]).strip() if r.get("parent") else None
        if not parent:
            continue
        where = f"单位 {str(r.get('name') or '').strip() or r.get('code')}"
        if parent not in by_code:
            out.append(Problem(where, f"上级 {parent} 不在名录中"))
            continue
        if _cycle(str(r.get("code") or "").strip(), by_code):
            out.append(Problem(where, f"上级关系成环（经由 {parent}）"))
            continue
        if r.get("level") == "county" and by_code[parent].get("level") in _CHILD_LEVELS:
            out.append(Problem(where, f"县级单位的上级 {parent} 是 {by_code[parent].get('level')}，层级颠倒"))
    return out


def _cycle(code: str, by_code: dict[str, dict[str, Any]]) -> bool:
    seen = {code}
    current = by_code.get(code)
    while current is not None and current.get("parent"):
        parent = str(current["parent"]).strip()
        if parent in seen:
            return True
        seen.add(parent)
        current = by_code.get(parent)
    return False


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _is_email(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    _, address = parseaddr(value)
    return bool(_EMAIL.match(address))
