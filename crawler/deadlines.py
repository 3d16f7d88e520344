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
_ZONE = re.compile(r"(开发区|集聚区|园区|示范区|实验区|新区)(管委会|管理委员会|党工委)$|(开发区|集聚区|园区|示范区)$")
# A government: “…人民政府”, or a bare territorial name (上海市, 内乡县, 浦东新区, 鄂伦春自治旗).
_GOVERNMENT = re.compile(r"人民政府$|^[\u4e00-\u9fff]{1,12}(省|自治区|市|自治州|州|盟|地区|县|自治县|区|新区|旗|自治旗)$")
_NOT_TERRITORY = re.compile(r"(开发区|集聚区|园区|示范区|实验区|保税区|高新区|工业区|景区|矿区|林区|社区|试验区|合作区)$")
# A department: an office or bureau of a government (办公室, 局, 委员会, 中心 …).
_DEPARTMENT = re.compile(r"(办公室|办公厅|局|委员会|委|办|厅|署|中心|院|所|站|队|部|处|馆|会)$")


def level_from_name(name: str | None) -> str | None:
    """A unit's level from its name, for documents parsed without a registry (docs/domain.md §1).

    None when the name does not decide it (e.g. 平潭综合实验区): the report is then not judged late.
    """
    if not name:
        return None
    name = re.sub(r"\s+", "", name)
    if _TOWNSHIP.search(name):
        return "township"
    if _DEPARTMENT.search(name) and not name.endswith("人民政府"):
        return "zone" if _ZONE.search(name) else "department"
    if _ZONE.search(name):
        return "zone"
    if _GOVERNMENT.search(name) and not _NOT_TERRITORY.search(name):
        return "county"
    return None


def default_deadline(level: str, year: int) -> date:
    """The statutory deadline for a unit of ``level`` publishing its report on ``year``."""
    month, day = DEFAULT_DEADLINES.get(level, DEFAULT_DEADLINES["department"])
    return date(year + 1, month, day)
