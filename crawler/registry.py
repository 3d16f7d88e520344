"""The registry of who must publish: units, their level and parent, where their reports are.

A registry is a YAML file::

    units:
      - code: "410823000000"          # 统计用区划代码 where the unit has one
        name: 武陟县人民政府
        level: county                  # county | township | department | zone
        site: http://www.wuzhi.gov.cn/
        columns: [http://www.wuzhi.gov.cn/zfxxgk/zfxxgknb/]   # 年报 column(s); or only `home` to discover from
        cms: trs                       # trs | hanweb | vsb | json | query | auto (default auto)
        recipients: [gongkai@wuzhi.gov.cn]
      - code: "410823100000"
        name: 木城街道办事处
        level: township
        parent: "410823000000"
        columns: [http://www.wuzhi.gov.cn/zfxxgk/zfxxgknb/jxz/]
        deadline: "01-20"              # override: MM-DD of the year after the report year
        render: browser                # this unit's pages need a real browser
        robots: ignore                 # a per-unit override of robots.txt, logged when used

A county's ``deadline`` applies to its units unless they set their own (a local notice).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .deadlines import LEVELS, default_deadline
from .registry_check import check_data


class RegistryError(ValueError):
    """A registry file that cannot be used, with the unit and field at fault."""


@dataclass
class Unit:
    code: str
    name: str
    level: str
    parent: str | None = None
    site: str | None = None
    home: str | None = None
    columns: list[str] = field(default_factory=list)
    cms: str = "auto"
    deadline: str | None = None  # "MM-DD" in the year after the report year
    recipients: list[str] = field(default_factory=list)
    render: str | None = None  # "browser" when pages need one
    robots: str = "obey"  # obey | ignore
    active_from: int | None = None  # first report year the unit owes (a unit added mid-year)

    @property
    def start_urls(self) -> list[str]:
        return self.columns or [u for u in (self.home, self.site) if u][:1]


@dataclass
class Registry:
    units: list[Unit]
    source: str | None = None

    def __post_init__(self) -> None:
        self.by_code = {u.code: u for u in self.units}

    def get(self, code: str) -> Unit | None:
        return self.by_code.get(code)

    def children(self, code: str) -> list[Unit]:
        return [u for u in self.units if u.parent == code]

    def county_units(self, county: Unit) -> list[Unit]:
        """Every unit whose county is ``county`` (itself included), in registry order; the index is built
        once, so a per-document lookup does not walk the national registry."""
        if not hasattr(self, "_by_county"):
            self._by_county: dict[str, list[Unit]] = {}
            for u in self.units:
                self._by_county.setdefault(self.county_of(u).code, []).append(u)
        return self._by_county.get(county.code, [])

    def county_of(self, unit: Unit) -> Unit:
        """The county a unit belongs to (itself for a county)."""
        seen = set()
        while unit.parent and unit.parent in self.by_code and unit.code not in seen:
            seen.add(unit.code)
            unit = self.by_code[unit.parent]
        return unit

    def deadline(self, unit: Unit, year: int) -> date:
        """The unit's deadline for report year ``year``: its own override, its county's, or the default."""
        for source in (unit, self.county_of(unit) if unit.level != "county" else None):
            if source is not None and source.deadline:
                month, day = (int(x) for x in source.deadline.split("-"))
                return date(year + 1, month, day)
        return default_deadline(unit.level, year)

    def select(self, codes: list[str] | tuple[str, ...] | None) -> list[Unit]:
        """The units named by code, with every unit under them (a county brings its townships)."""
        if not codes:
            return list(self.units)
        wanted = set(codes)
        out = []
        for u in self.units:
            chain = {u.code}
            p = u.parent
            while p and p not in chain:
                chain.add(p)
                p = self.by_code[p].parent if p in self.by_code else None
            if chain & wanted:
                out.append(u)
        return out


def _unit(raw: dict[str, Any], i: int) -> Unit:
    if not isinstance(raw, dict):
        raise RegistryError(f"第 {i + 1} 个单位不是映射（mapping）")
    name = str(raw.get("name") or "").strip()
    if not name:
        raise RegistryError(f"第 {i + 1} 个单位缺少 name")
    level = raw.get("level")
    if level not in LEVELS:
        raise RegistryError(f"单位 {name}：level 应为 {'/'.join(LEVELS)}，而不是 {level!r}")
    code = str(raw.get("code") or "").strip() or "x" + hashlib.sha1(name.encode()).hexdigest()[:11]
    columns = raw.get("columns") or ([raw["column"]] if raw.get("column") else [])
    if isinstance(columns, str):
        columns = [columns]
    deadline = raw.get("deadline")
    if deadline is not None:
        deadline = str(deadline)
        try:
            month, day = (int(x) for x in deadline.split("-"))
            date(2001, month, day)
        except ValueError as exc:
            raise RegistryError(f"单位 {name}：deadline 应为 MM-DD，而不是 {deadline!r}") from exc
    unit = Unit(
        code=code, name=name, level=level, parent=str(raw["parent"]) if raw.get("parent") else None,
        site=raw.get("site"), home=raw.get("home"), columns=list(columns), cms=raw.get("cms") or "auto",
        deadline=deadline, recipients=list(raw.get("recipients") or []), render=raw.get("render"),
        robots=raw.get("robots") or "obey", active_from=raw.get("active_from"),
    )
    if unit.robots not in ("obey", "ignore"):
        raise RegistryError(f"单位 {name}：robots 应为 obey 或 ignore")
    return unit


def load(path: str | Path) -> Registry:
    """Read a registry YAML file; raises :class:`RegistryError` naming what is wrong."""
    p = Path(path)
    try:
        # libyaml's loader when present: a national registry has tens of thousands of units
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"无法读取名录 {p}：{exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        raise RegistryError(f"名录 {p} 应有顶层键 units（单位列表）")
    problems = check_data(data)
    if problems:  # one line: the first problem, how many more, and how to see them all
        more = f"（另有 {len(problems) - 1} 个问题）" if len(problems) > 1 else ""
        raise RegistryError(f"名录 {p} 有误：{problems[0]}{more}；用 nianbao registry check {p} 列出全部问题")
    units = [_unit(raw, i) for i, raw in enumerate(data["units"])]
    codes = [u.code for u in units]
    dupes = {c for c, n in Counter(codes).items() if n > 1}
    if dupes:
        raise RegistryError(f"名录中单位代码重复：{', '.join(sorted(dupes))}")
    reg = Registry(units, source=str(p))
    for u in units:
        if u.parent and u.parent not in reg.by_code:
            raise RegistryError(f"单位 {u.name}：上级 {u.parent} 不在名录中")
    return reg


def dump(registry: Registry) -> str:
    """The registry as YAML (what ``nianbao registry import`` writes)."""
    units = []
    for u in registry.units:
        d: dict[str, Any] = {"code": u.code, "name": u.name, "level": u.level}
        for key in ("parent", "site", "home", "deadline", "render", "active_from"):
            if getattr(u, key):
                d[key] = getattr(u, key)
        if u.columns:
            d["columns"] = u.columns
        if u.cms != "auto":
            d["cms"] = u.cms
        if u.recipients:
            d["recipients"] = u.recipients
        if u.robots != "obey":
            d["robots"] = u.robots
        units.append(d)
    return yaml.safe_dump({"units": units}, allow_unicode=True, sort_keys=False)
