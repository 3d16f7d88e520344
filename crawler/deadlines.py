"""Who must publish by when (docs/domain.md §1): statutory defaults by level, overridable per unit."""

from __future__ import annotations

import re
from datetime import date

LEVELS = ("county", "township", "department", "zone")

# Defaults for report year Y: month and day in Y+1.
DEFAULT_DEADLINES = {
    "county": (3, 31),      # 县级以上地方人民政府's own report
    "township": (1, 31),    # 乡镇人民政府 / 街道办事处, commonly held to the departments' date
    "department": (1, 31),  # 县级以上人民政府部门
    "zone": (1, 31),        # 开发区/产业集聚区 管委会 publish as departments do
}

_TOWNSHIP = re.compile(r"(乡|镇|街道)(人民政府|办事处)?$|街道办事处$")
_COUNTY = re.compile(r"^[\u4e00-\u9fff]{1,8}(县|区|市|旗)人民政府$")
_ZONE = re.compile(r"(开发区|集聚区|园区|新区|示范区)(管委会|管理委员会)?$")


def level_from_name(name: str | None) -> str | None:
    """A best guess of a unit's level from its name, for documents parsed without a registry."""
    if not name:
        return None
    if _TOWNSHIP.search(name):
        return "township"
    if _ZONE.search(name):
        return "zone"
    if _COUNTY.match(name):
        return "county"
    return "department"


def default_deadline(level: str, year: int) -> date:
    """The statutory deadline for a unit of ``level`` publishing its report on ``year``."""
    month, day = DEFAULT_DEADLINES.get(level, DEFAULT_DEADLINES["department"])
    return date(year + 1, month, day)
