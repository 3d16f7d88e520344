"""Reading list and article titles: is it an annual report, for which year, by whom."""

from __future__ import annotations

import re

from .text import cn_year_digits, iso_date, squeeze

# The report's own name: 政府信息公开工作年度报告 and its variants (年报, 年度工作报告, 政务信息公开…).
_REPORT = re.compile(r"信息公开.{0,8}?(?:年度报告|年报|年度工作报告|工作报告)")
# Things that mention the report without being one: notices, templates, meetings, explanations.
_NOT_REPORT = re.compile(
    r"通知|关于做好|关于开展|报送|编制|撰写|填报|格式|模板|模版|样表|样本|范本|统计表|说明|会议|培训|解读|图解|"
    r"一图读懂|督查|检查|考核|评估|评议|通报|征集|提醒|约谈|部署|推进会|座谈|要点|方案|目录|制度|办法|规定|审核|"
    r"整改|专栏|发布情况|公示"
)
_YEAR_NIANDU = re.compile(r"(?<!\d)((?:19|20)\d{2})年度")
_YEAR_NIAN = re.compile(r"(?<!\d)((?:19|20)\d{2})年")
_YEAR_BARE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_TOKEN = re.compile(r"[(（\[【]?(?<!\d)(?:19|20)\d{2}(?!\d)\s*年?度?[)）\]】]?")
_TAG = re.compile(r"^[【\[](?:置顶|最新|新|推荐|原创|转载|图文|热)[】\]]")
_PUNCT = " \t　:：,，.。、;；-—_|/\\()（）[]【】《》<>〈〉“”\"'‘’"
# The suffixes that name a body's kind, stripped to compare “木城街道” with “木城街道办事处”.
_SUFFIXES = ("人民政府", "政府", "办事处", "管理委员会", "管委会")
_UNITISH = re.compile(r"(?:县|区|市|旗|州|盟|镇|乡|街道|办事处|政府|局|委员会|委|办公室|办|管委会|中心|院|队|所|署|会|站|集聚区|开发区)$")


def _norm(title: str | None) -> str:
    return cn_year_digits(squeeze(title))


def is_report_title(title: str | None) -> bool:
    """Whether a title names a 政府信息公开工作年度报告 itself.

    Keeps “武陟县人民政府办公室2021年政府信息公开工作年度报告”, “2022年度政府信息公开工作年度报告”,
    “XX镇2019年政府信息公开年报”; drops notices about the reports (关于做好…年度报告工作的通知),
    templates (统计表/模板/格式), meeting news, 解读 and 报送 notices.
    """
    t = _norm(title)
    return bool(_REPORT.search(t)) and not _NOT_REPORT.search(t)


def report_year(title: str | None, published: str | None = None) -> int | None:
    """The year a report covers, read from its title (“2022年度…” → 2022; 二〇二二年 and full-width
    digits too); for a title without a year, the year before the publication date."""
    t = _norm(title)
    for pattern in (_YEAR_NIANDU, _YEAR_NIAN, _YEAR_BARE):
        m = pattern.search(t)
        if m:
            return int(m.group(1))
    iso = iso_date(published) if published else None
    return int(iso[:4]) - 1 if iso else None  # reports cover the previous calendar year


def title_unit(title: str | None) -> str | None:
    """The issuing body a title names, if any (“木城街道办事处2022年度政府信息公开…” → 木城街道办事处)."""
    t = _TAG.sub("", squeeze(title))
    t = cn_year_digits(t)
    m = re.search(r"(?:政府|政务)?信息公开", t)
    if not m:
        return None
    head = _YEAR_TOKEN.sub("", t[: m.start()])
    head = re.sub(r"^(?:关于)?(?:印发|公布|发布)?", "", head.strip(_PUNCT)).strip(_PUNCT)
    head = re.sub(r"的$", "", head)
    if len(head) >= 2:
        return head
    # “政府信息公开工作年度报告（武陟县教育局）”: the body in brackets after the report's name
    tail = re.search(r"[(（]([^()（）]{2,30})[)）]", t[m.end():])
    if tail and _UNITISH.search(tail.group(1)) and not _YEAR_BARE.search(tail.group(1)):
        return tail.group(1)
    return None


def unit_core(name: str) -> str:
    """A unit's name without the suffix naming its kind (岢曲镇人民政府 → 岢曲镇)."""
    n = squeeze(name)
    for suffix in _SUFFIXES:
        if n.endswith(suffix) and len(n) > len(suffix) + 1:
            return n[: -len(suffix)]
    return n


def unit_score(mentioned: str, name: str) -> int:
    """How well a name mentioned in a title or link matches a registry unit name.

    3 the same name; 2 the same body (suffix dropped, or one is the other with a region prefix:
    内乡县岢曲镇 ~ 岢曲镇人民政府, 县教育局 ~ 武陟县教育局, 县政府办公室 ~ 武陟县人民政府办公室); 0 otherwise — in particular a sub-body
    (武陟县教育局 is not 武陟县人民政府).
    """
    a, b = squeeze(mentioned), squeeze(name)
    if not a or not b:
        return 0
    if a == b:
        return 3
    # 县政府办公室 is how a nav names 武陟县人民政府办公室
    a, b = a.replace("人民政府", "政府"), b.replace("人民政府", "政府")
    ca, cb = unit_core(a), unit_core(b)
    if ca == cb:
        return 2
    if len(ca) >= 2 and len(cb) >= 2 and (ca.endswith(cb) or cb.endswith(ca)):
        return 2
    return 0


def belongs_to(title: str | None, unit_name: str, other_unit_names: list[str] | tuple[str, ...] = ()) -> bool | None:
    """Whether a report titled ``title``, found in ``unit_name``'s column, is that unit's.

    A title naming no unit is the column's unit's (True). A title naming another unit — best
    matched by one of ``other_unit_names`` — is that unit's (False). None when the title names a
    body that matches nobody (e.g. a department missing from the registry), or matches the column's
    unit and another one equally well.
    """
    named = title_unit(title)
    if named is None:
        return True
    own = unit_score(named, unit_name)
    other = max((unit_score(named, n) for n in other_unit_names if squeeze(n) != squeeze(unit_name)), default=0)
    if own == 0 and other == 0:
        return None
    if own > other:
        return True
    if other > own:
        return False
    return None
