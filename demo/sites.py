"""The demo world: county portals of the real CMS shapes, their units, the documents on them, ground truth.

    world = build_world()               # the default world: 12 sites, ~30 units, reports 2018–2023
    world = build_world(scale=500)      # …plus 500 tiny TRS sites on 127.1.x.y for a crawl benchmark

A :class:`World` is data only: sites (one loopback address each), columns (a unit's list of documents,
or a list shared by several units), items (what a list links to: reports, notices, templates, news, a
foreign or misfiled report) and attachments. Page markup lives in :mod:`demo.templates`, the HTTP
server in :mod:`demo.web`. Document bytes are rendered lazily and cached per process (module-level
cache keyed by content), so PDFs/DOCs go through LibreOffice once per process whatever the number of
worlds or servers.

Ground truth (:meth:`World.expected`, :meth:`World.forbidden`, :meth:`World.missing`) is given as
site-relative paths; :class:`demo.web.DemoWeb` turns them into URLs once its addresses are known.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable
from urllib.parse import quote

from parsers import schema

from .render import ReportSpec, render_doc, render_docx, render_html, render_pdf

CST = timezone(timedelta(hours=8))
YEARS = tuple(range(2019, 2024))  # the report years the default world covers (plus one 2018 legacy report)
FIRST_MODIFIED = datetime(2024, 4, 1, 0, 0, tzinfo=timezone.utc)  # Last-Modified of lists before any publish()

# Site shapes.
TRS = "trs"          # TRS WCM static lists: index.html, index_1.html …, createPageHTML(…)
XXGK = "xxgk"        # TRS xxgk platform: table 名称/索引号/发布机构/发布日期, var countPage=…; GBK without charset
HANWEB = "hanweb"    # 大汉 JCMS: /col/col<ID>/index.html, <datastore> XML, POST dataproxy.jsp
VSB = "vsb"          # 博达 VSB: nb.htm, nb/2.htm, nb/1.htm; info/<tree>/<id>.htm; download.jsp needs a Referer
JSONAPI = "json"     # 政府信息公开平台 filled from /api/xxgk/list (plus one JavaScript-only list)
QUERY = "query"      # iList.jsp?node_id=…&cat_id=…&cur_page=N
REDIRECT = "redirect"  # an old address answering 301 to the consolidated site
FAILING = "failing"    # always 503
SHAPES = (TRS, XXGK, HANWEB, VSB, JSONAPI, QUERY, REDIRECT, FAILING)
CMS_HINT = {TRS: "trs", XXGK: "trs", HANWEB: "hanweb", VSB: "vsb", JSONAPI: "json", QUERY: "query"}

# What an item on a list is.
REPORT = "report"      # an annual report (2019/2021 format, or a 2018 legacy one): must be found
NOTICE = "notice"      # 关于做好…年度报告工作的通知: drop
TEMPLATE = "template"  # 统计表 template with an empty-table attachment: drop
NEWS = "news"          # 会议 / 培训 news: drop
FOREIGN = "foreign"    # a report of a unit that is not in the registry: drop (never store as the column's unit)
MISFILED = "misfiled"  # a registry unit's report filed in another unit's column: not the column unit's
DROP_ROLES = (NOTICE, TEMPLATE, NEWS, FOREIGN, MISFILED)

# Report kinds: how the report is published.
KINDS = ("html", "pdf", "docx", "doc", "wps", "pdf+docx")


# ---------------------------------------------------------------- the model

@dataclass
class Unit:
    code: str
    name: str                 # as the registry names it (大河镇人民政府)
    level: str                # county | township | department | zone
    site: str                 # the site key its pages live on
    parent: str | None = None
    short: str = ""           # the name without 人民政府/办事处 (大河镇), for titles
    county_prefix: str = ""   # 清源县, printed before a township's name in some titles
    columns: list[str] = field(default_factory=list)  # column keys (its registry columns)
    home_only: bool = False   # the registry gives only the site's home page: discovery needed
    registry_site: str | None = None  # the site the registry points at when not `site` (an old address)
    cms: str | None = None
    render: str | None = None
    robots: str | None = None
    deadline: str | None = None
    recipients: list[str] = field(default_factory=list)


@dataclass
class Attachment:
    path: str                 # URL path (with query string) on the item's site
    filename: str             # the shown name (…年度报告.pdf)
    kind: str                 # pdf | docx | doc | wps
    key: str                  # body cache key
    make: Callable[[], bytes]  # renders the bytes (cached by key)
    id: str = ""              # shape-specific id (VSB wbfileid, Hanweb 32-hex filename, TRS P0 name)

    def body(self) -> bytes:
        return cached(self.key, self.make)

    @property
    def rendered(self) -> bool:
        return self.key in _CACHE

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "wps": "application/vnd.ms-works",
}


@dataclass
class Item:
    """One entry of a list: its article page and attachments."""

    id: int
    site: str
    column: str
    role: str
    title: str
    published: datetime       # CST
    publisher: str            # 发布机构
    unit_code: str | None     # whose report this is (None: notices, news, foreign units)
    year: int | None = None
    format: str | None = None  # "2021" | "2019" | "legacy"
    kind: str = "html"
    inconsistent: bool = False
    broken_key: str | None = None  # the cell changed to make it inconsistent
    spec: ReportSpec | None = None
    body: str | Callable[[], str] = ""  # the article's body (a report as HTML, 详见附件, a notice's text), lazily
    path: str = ""            # the article page's URL path
    attachments: list[Attachment] = field(default_factory=list)
    index_no: str = ""        # 索引号
    doc_no: str = "无"        # 文号
    duplicate_of: int | None = None  # the item whose report this one repeats (republished, misfiled copy)
    foreign_unit: str | None = None  # a FOREIGN report's unit name
    ext: dict = field(default_factory=dict)  # shape-specific ids (hanweb date path, vsb tree id …)

    @property
    def body_html(self) -> str:
        if callable(self.body):
            self.body = self.body()
        return self.body

    @property
    def date(self) -> date:
        return self.published.date()

    @property
    def date_str(self) -> str:
        return self.published.strftime("%Y-%m-%d")


@dataclass
class Column:
    """A list of items: a unit's (sub-)column, or a column several units share."""

    key: str
    site: str
    path: str                 # the registry URL path (a TRS directory ends with "/")
    name: str                 # 政府信息公开年报, 大河镇 …
    units: list[str]          # the units whose registry column this is
    page_size: int = 15
    items: list[Item] = field(default_factory=list)
    params: dict = field(default_factory=dict)  # hanweb columnid/unitid, query node_id/cat_id, json columnId, vsb tree
    trap: bool = False        # every page N answers the same items with a link to page N+1
    js_only: bool = False     # items only appear after running the page's inline script
    parent: str | None = None  # the column whose page links to this one as a sub-column
    group: str = ""           # 街乡镇 / 部门 (the TRS nav page linking sub-columns)

    def ordered(self) -> list[Item]:
        """Newest first, as every CMS lists them."""
        return sorted(self.items, key=lambda i: (i.published, i.id), reverse=True)

    def pages(self) -> list[list[Item]]:
        items = self.ordered()
        if self.trap:
            return [items]
        size = max(1, self.page_size)
        return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


@dataclass
class Site:
    key: str
    name: str                 # the portal's name (清源县人民政府)
    shape: str
    ip: str
    columns: dict[str, Column] = field(default_factory=dict)
    slow: bool = False
    challenge: bool = False   # a 412 JavaScript cookie challenge before any page
    failing: bool = False
    robots_disallow: bool = False
    redirect_to: str | None = None  # site key: every request answers 301 there
    modified: datetime = FIRST_MODIFIED  # Last-Modified of its list pages
    params: dict = field(default_factory=dict)  # hanweb webid, vsb owner, TRS site code …
    secret: str = ""          # the challenge's per-site key
    scale: bool = False       # a generated benchmark site

    @property
    def code(self) -> str:
        return self.params.get("sitecode", "")


@dataclass
class ExpectedReport:
    """A report a correct crawl must find (URLs are absolute once the web is started)."""

    unit_code: str
    year: int
    page_url: str
    attachments: list[str]
    kind: str
    inconsistent: bool
    format: str
    title: str = ""
    published: str = ""       # ISO date shown on the list and page
    site: str = ""
    duplicates: list[str] = field(default_factory=list)  # other pages holding the same report
    broken_key: str | None = None
    superseded: bool = False  # a later publish() of the same unit and year replaces it


@dataclass
class ForbiddenItem:
    """Something on a list that must not be stored as a report of the column's unit(s)."""

    page_url: str
    title: str
    reason: str               # notice | template | news | foreign | misfiled
    column_units: list[str]   # the units whose column lists it
    belongs_to: str | None = None  # misfiled: the registry unit whose report it is (None: foreign or no report)
    attachments: list[str] = field(default_factory=list)
    site: str = ""


# ---------------------------------------------------------------- body cache (per process)

_CACHE: dict[str, object] = {}
_CACHE_LOCK = threading.Lock()
_KEY_LOCKS: dict[str, threading.Lock] = {}


def cached(key: str, make: Callable[[], object]):
    """``make()`` once per process per key, even when threads ask at the same time."""
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with lock:
        with _CACHE_LOCK:
            if key in _CACHE:
                return _CACHE[key]
        value = make()
        with _CACHE_LOCK:
            _CACHE[key] = value
        return value


def spec_key(spec: ReportSpec) -> str:
    blob = json.dumps([spec.unit, spec.year, spec.format, sorted((k, v) for k, v in spec.cells.items()),
                       spec.published.isoformat() if spec.published else None,
                       sorted(spec.paragraphs.items()), sorted(spec.omit_rows)], ensure_ascii=False)
    return hashlib.sha1(blob.encode()).hexdigest()


_RENDERERS = {"pdf": render_pdf, "docx": render_docx, "doc": render_doc, "wps": render_doc}


def office_attachment(spec: ReportSpec, kind: str) -> tuple[str, Callable[[], bytes]]:
    """The cache key and renderer of a report as a .pdf/.docx/.doc/.wps file (a .wps is WPS's Word 97 file)."""
    render = _RENDERERS[kind]
    source = "doc" if kind == "wps" else kind
    return f"{source}:{spec_key(spec)}", lambda: render(spec)


def report_fragment(spec: ReportSpec) -> str:
    """The report as an article body: the HTML the renderer prints inside its page, without the page."""
    def make() -> str:
        page = render_html(spec).decode("utf-8")
        start = page.find('<div class="TRS_Editor">')
        end = page.rfind("</div>\n</div>\n</body>")
        if start < 0 or end < 0:
            start, end = page.find("<body>") + len("<body>"), page.rfind("</body>")
            return page[start:end]
        return page[start + len('<div class="TRS_Editor">'):end].strip("\n") + "\n"
    return cached(f"fragment:{spec_key(spec)}", make)


# ---------------------------------------------------------------- report contents

_RESULTS_2021 = {
    "granted": 40, "partly_granted": 8, "withheld_internal": 3, "withheld_process": 3,
    "withheld_third_party": 2, "unavailable_not_held": 20, "unavailable_needs_creation": 4,
    "unavailable_unclear": 2, "declined_petition": 5, "declined_repeat": 4, "declined_mass": 1,
    "other_no_correction": 2, "other_other": 2,
}
_RESULTS_2019 = {k: v for k, v in _RESULTS_2021.items() if not k.startswith("other_")} | {"other": 4}


def report_format(year: int) -> str:
    return schema.FORMAT_2019 if year <= 2020 else schema.FORMAT_2021


def unit_series(seed: int, code: str, level: str, years: range = range(2019, 2031)) -> dict[int, dict[str, str]]:
    """Every cell of a unit's reports year after year, consistent within each report and across years
    (carried_in = last year's carried_out; 2021-format in_force = last year's + issued − repealed)."""
    rng = random.Random(f"{seed}:{code}")
    scale = {"county": 40, "department": 12, "zone": 6}.get(level, 3)
    applicants = schema.T3_APPLICANTS
    carried = dict.fromkeys(applicants, 0)
    in_force = {"regulations": 0, "normative": rng.randint(20, 150) if level == "county" else rng.randint(0, 12)}
    total_public = {"regulations": 0, "normative": in_force["normative"]}
    items = {"licensing": rng.randint(5, 200) if level != "township" else rng.randint(0, 12),
             "other_services": rng.randint(0, 30), "penalty": rng.randint(0, 60), "coercion": rng.randint(0, 10),
             "fees": rng.randint(0, 8)}
    out: dict[int, dict[str, str]] = {}
    for year in years:
        fmt = report_format(year)
        cells: dict[str, str] = {}
        new = dict.fromkeys(applicants, 0)
        new["natural"] = rng.randint(0, scale)
        if level in ("county", "department"):
            new["commercial"] = rng.randint(0, max(1, scale // 8))
            new["other_org"] = rng.choice([0, 0, 1, 2])
            new["nonprofit"] = rng.choice([0, 0, 0, 1])
            new["legal"] = rng.choice([0, 0, 0, 1]) if level == "county" else 0
            new["research"] = rng.choice([0, 0, 0, 0, 1]) if level == "county" else 0
        carried_in = dict(carried)
        carried_out = dict.fromkeys(applicants, 0)
        weights = _RESULTS_2021 if fmt == schema.FORMAT_2021 else _RESULTS_2019
        rows = {r: dict.fromkeys(applicants, 0) for r in weights}
        keys, w = list(weights), list(weights.values())
        for c in applicants:
            available = new[c] + carried_in[c]
            if available >= 3 and rng.random() < 0.25:
                carried_out[c] = rng.randint(1, 2)
            for _ in range(available - carried_out[c]):
                rows[rng.choices(keys, w)[0]][c] += 1
        handled = {c: new[c] + carried_in[c] - carried_out[c] for c in applicants}
        table = {"new": new, "carried_in": carried_in, **rows, "handled_total": handled, "carried_out": carried_out}
        for row in schema.T3_ROWS[fmt]:
            values = table.get(row, dict.fromkeys(applicants, 0))
            for c in applicants:
                cells[f"t3.{row}.{c}"] = str(values[c])
            cells[f"t3.{row}.total"] = str(sum(values.values()))
        carried = carried_out
        busy = level in ("county", "department")
        for group in schema.T4_GROUPS:
            vals = [rng.choice([0, 0, 0, 1, 2]) if busy and group != "suit_after_review" else 0 for _ in range(4)]
            for r, v in zip(schema.T4_RESULTS[:4], vals):
                cells[f"t4.{group}.{r}"] = str(v)
            cells[f"t4.{group}.total"] = str(sum(vals))
        if fmt == schema.FORMAT_2021:
            for row in ("regulations", "normative"):
                issued = 0 if row == "regulations" else rng.randint(0, 12 if level == "county" else 2)
                repealed = 0 if row == "regulations" else rng.randint(0, min(3, in_force[row]))
                in_force[row] += issued - repealed
                cells |= {f"t2.{row}.issued": str(issued), f"t2.{row}.repealed": str(repealed),
                          f"t2.{row}.in_force": str(in_force[row])}
            big = {"county": 20000, "department": 3000, "zone": 300}.get(level, 150)
            cells["t2.licensing.decisions"] = str(rng.randint(0, big))
            cells["t2.penalty.decisions"] = str(rng.randint(0, big // 6))
            cells["t2.coercion.decisions"] = str(rng.randint(0, big // 40))
            cells["t2.fees.amount"] = f"{rng.randint(0, 30000000) / 10000:.4f}" if level != "township" else "0"
        else:
            for row in ("regulations", "normative"):
                made = 0 if row == "regulations" else rng.randint(0, 10 if level == "county" else 2)
                total_public[row] += made
                in_force[row] = total_public[row]
                cells |= {f"t2.{row}.made": str(made), f"t2.{row}.published": str(made),
                          f"t2.{row}.total_public": str(total_public[row])}
            for row in ("licensing", "other_services", "penalty", "coercion", "fees"):
                change = rng.randint(-2, 4) if items[row] else rng.randint(0, 2)
                cells[f"t2.{row}.prev_items"] = str(items[row])
                cells[f"t2.{row}.change"] = f"{change:+d}" if change else "0"
                items[row] += change
                if row != "fees":
                    cells[f"t2.{row}.decisions"] = str(rng.randint(0, 3000 if level != "township" else 80))
            cells["t2.procurement.items"] = str(rng.randint(0, 40))
            cells["t2.procurement.amount"] = f"{rng.randint(0, 5000000) / 100:.2f}"
        out[year] = cells
    return out


def break_cells(cells: dict[str, str]) -> tuple[dict[str, str], str]:
    """One number changed so that sums fail (T3-HANDLED-SUM and T3-ROW-TOTAL on 予以公开·自然人)."""
    key = "t3.granted.natural"
    broken = dict(cells)
    broken[key] = str(int(cells[key]) + 1)
    return broken, key


def legacy_fragment(unit: str, year: int, published: date) -> str:
    """A pre-2019 report: the 2008-era free-form wording and a 统计指标 table (stored, never checked)."""
    rows = [
        ("一、主动公开情况", "", ""), ("（一）主动公开政府信息数", "条", "1286"),
        ("其中：主动公开规范性文件数", "条", "12"), ("（二）通过不同渠道和方式公开政府信息的情况", "", ""),
        ("1.政府公报公开政府信息数", "条", "0"), ("2.政府网站公开政府信息数", "条", "1286"),
        ("二、回应解读情况", "", ""), ("（一）回应公众关注热点或重大舆情数", "次", "6"),
        ("三、依申请公开情况", "", ""), ("（一）收到申请数", "件", "17"), ("1.当面申请数", "件", "5"),
        ("2.传真申请数", "件", "0"), ("3.网络申请数", "件", "9"), ("4.信函申请数", "件", "3"),
        ("（二）申请办结数", "件", "17"), ("1.按时办结数", "件", "17"), ("2.延期办结数", "件", "0"),
        ("四、行政复议数量", "件", "0"), ("五、行政诉讼数量", "件", "0"),
        ("六、举报投诉数量", "件", "0"), ("七、依申请公开信息收取的费用", "万元", "0"),
        ("八、机构建设和保障经费情况", "", ""), ("（一）政府信息公开工作专门机构数", "个", "1"),
        ("（二）从事政府信息公开工作人员数", "人", "3"),
    ]
    trs = "\n".join(f"<tr><td>{html.escape(a)}</td><td align=\"center\">{b}</td><td align=\"center\">{c}</td></tr>"
                    for a, b, c in rows)
    paras = [
        ("一、概述", f"{year}年，{unit}认真贯彻落实《中华人民共和国政府信息公开条例》，按照上级部署，"
                   "加强组织领导，完善工作机制，政府信息公开工作有序推进。本报告由概述，主动公开政府信息情况，"
                   "依申请公开政府信息情况，政府信息公开的收费及减免情况，因政府信息公开申请行政复议、提起行政诉讼的情况，"
                   "政府信息公开工作存在的主要问题及改进情况，其他需要报告的事项及附表组成。"),
        ("二、主动公开政府信息情况", f"{year}年共主动公开政府信息1286条，其中规范性文件12条。"),
        ("三、依申请公开政府信息情况", f"{year}年共收到政府信息公开申请17件，均已按期答复。"),
        ("四、政府信息公开的收费及减免情况", "未收取任何费用。"),
        ("五、因政府信息公开申请行政复议、提起行政诉讼的情况", "无。"),
        ("六、政府信息公开工作存在的主要问题及改进情况", "公开内容不够全面，解读形式较为单一。下一步将进一步规范公开流程。"),
        ("七、其他需要报告的事项", "无。"),
    ]
    body = "".join(f"<p><strong>{h}</strong></p>\n<p style=\"text-indent:2em\">{html.escape(t)}</p>\n" for h, t in paras)
    return (
        f"{body}<p style=\"text-align:center\"><strong>{year}年政府信息公开情况统计表</strong></p>\n"
        '<table border="1" cellspacing="0" cellpadding="0" align="center" style="border-collapse:collapse"><tbody>\n'
        "<tr><td align=\"center\">统 计 指 标</td><td align=\"center\">单位</td><td align=\"center\">统计数</td></tr>\n"
        f"{trs}\n</tbody></table>\n"
        f"<p style=\"text-align:right\">{html.escape(unit)}</p>\n"
        f"<p style=\"text-align:right\">{published.year}年{published.month}月{published.day}日</p>\n"
    )


def _paras(texts: list[str]) -> str:
    return "".join(f'<p style="text-indent:2em">{html.escape(t)}</p>\n' for t in texts)


def notice_body(county: str, year: int) -> str:
    return _paras([
        "各乡镇人民政府、街道办事处，县政府各部门：",
        f"根据《中华人民共和国政府信息公开条例》和上级有关要求，现就做好{year}年政府信息公开工作年度报告"
        "编制和发布工作通知如下：",
        "一、严格执行格式要求。年度报告统一使用《中华人民共和国政府信息公开工作年度报告格式》，"
        "各项统计数据要准确，表格中的勾稽关系要一致。",
        f"二、按时发布。各单位须于{year + 1}年1月31日前在政府门户网站本单位信息公开专栏发布年度报告，"
        f"县政府年度报告于{year + 1}年3月31日前发布。",
        "三、报送备案。各单位发布后请将报告电子版报送县政务公开办公室。",
        f"{county}人民政府办公室",
    ])


def news_body(text: str) -> str:
    return _paras([text, "会议要求，各单位要提高思想认识，压实工作责任，确保政务公开各项工作落到实处。"])


# ---------------------------------------------------------------- the world

class World:
    """Sites, units, columns and items; thread-safe mutation through :meth:`publish`."""

    def __init__(self, seed: int = 0, scale: int = 0):
        self.seed = seed
        self.scale = scale
        self.sites: dict[str, Site] = {}
        self.units: dict[str, Unit] = {}
        self.lock = threading.RLock()
        self.version = 0
        self._rng = random.Random(seed)
        self._ids: set[int] = set()
        self._series: dict[str, dict[int, dict[str, str]]] = {}
        self._columns: dict[str, Column] = {}

    # ------------------------------------------------------------ lookups
    def items(self):
        for site in self.sites.values():
            for col in site.columns.values():
                yield from col.items

    def column(self, key: str) -> Column:
        return self._columns[key]

    def item(self, item_id: int) -> Item:
        for it in self.items():
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def county_of(self, unit: Unit) -> Unit:
        while unit.parent and unit.parent in self.units:
            unit = self.units[unit.parent]
        return unit

    # ------------------------------------------------------------ ground truth
    def expected(self, url: Callable[[str, str], str]) -> list[ExpectedReport]:
        """One entry per report a correct crawl stores; ``url(site, path)`` makes addresses absolute."""
        copies: dict[int, list[Item]] = {}
        for it in self.items():
            if it.duplicate_of is not None:
                copies.setdefault(it.duplicate_of, []).append(it)
        out = []
        latest: dict[tuple[str, int], Item] = {}
        reports = [it for it in self.items() if it.role == REPORT and it.duplicate_of is None]
        for it in reports:
            k = (it.unit_code, it.year)
            if k not in latest or (it.published, it.id) > (latest[k].published, latest[k].id):
                latest[k] = it
        for it in sorted(reports, key=lambda i: (i.unit_code, i.year, i.published)):
            site = self.sites[it.site]
            if site.failing:
                continue
            out.append(ExpectedReport(
                unit_code=it.unit_code, year=it.year, page_url=url(it.site, it.path),
                attachments=[url(it.site, a.path) for a in it.attachments], kind=it.kind,
                inconsistent=it.inconsistent, format=it.format, title=it.title, published=it.date_str,
                site=it.site, duplicates=[url(c.site, c.path) for c in copies.get(it.id, [])],
                broken_key=it.broken_key, superseded=latest[(it.unit_code, it.year)] is not it,
            ))
        return out

    def forbidden(self, url: Callable[[str, str], str]) -> list[ForbiddenItem]:
        out = []
        for it in self.items():
            if it.role in DROP_ROLES:
                col = self.column(it.column)
                out.append(ForbiddenItem(
                    page_url=url(it.site, it.path), title=it.title, reason=it.role, column_units=list(col.units),
                    belongs_to=it.unit_code if it.role == MISFILED else None,
                    attachments=[url(it.site, a.path) for a in it.attachments], site=it.site))
        return out

    def missing(self, years=YEARS) -> list[tuple[str, int]]:
        """(unit, year) pairs with no report anywhere (including units on the failing site)."""
        have = {(it.unit_code, it.year) for it in self.items() if it.role == REPORT
                and not self.sites[it.site].failing}
        return [(code, y) for code in self.units for y in years if (code, y) not in have]

    def unreachable(self) -> list[str]:
        """Units whose every page fails (the failing site)."""
        return [u.code for u in self.units.values() if self.sites[u.site].failing]

    # ------------------------------------------------------------ building
    def new_id(self, lo: int, hi: int) -> int:
        while True:
            n = self._rng.randint(lo, hi)
            if n not in self._ids:
                self._ids.add(n)
                return n

    def cells(self, unit: Unit, year: int) -> dict[str, str]:
        series = self._series.get(unit.code)
        if series is None or year not in series:
            # the chain is deterministic, so a longer run repeats the shorter one's years
            series = unit_series(self.seed, unit.code, unit.level, range(2019, max(2024, year + 1)))
            self._series[unit.code] = series
        return series[year]

    def add_site(self, site: Site) -> Site:
        site.secret = site.secret or hashlib.sha1(f"{self.seed}:{site.key}".encode()).hexdigest()[:12]
        self.sites[site.key] = site
        return site

    def add_unit(self, unit: Unit) -> Unit:
        if not unit.recipients:
            unit.recipients = [f"xxgk-{unit.code}@demo.test"]
        if not unit.short:
            unit.short = unit.name.removesuffix("人民政府").removesuffix("办事处").removesuffix("管理委员会")
        self.units[unit.code] = unit
        return unit

    def add_column(self, site: str, key: str, path: str, name: str, units: list[str], **kw) -> Column:
        col = Column(key=key, site=site, path=path, name=name, units=list(units), **kw)
        self.sites[site].columns[key] = col
        self._columns[key] = col
        for code in units:
            if key not in self.units[code].columns:
                self.units[code].columns.append(key)
        return col

    def _when(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, self._rng.randint(8, 17), self._rng.randint(0, 59),
                        tzinfo=CST)

    def _index_no(self, code: str, year: int) -> str:
        return f"{code[:6]}{self._rng.randint(100, 999)}/{year}-{self._rng.randint(1, 40000):05d}"

    def report_title(self, unit: Unit, year: int, style: str = "full") -> str:
        if style == "bare":
            return f"{year}年度政府信息公开工作年度报告"
        if style == "prefixed":
            return f"{unit.county_prefix}{unit.name}{year}年政府信息公开工作年度报告"
        if style == "nianbao":
            return f"{unit.name}{year}年度政府信息公开年报"
        return f"{unit.name}{year}年政府信息公开工作年度报告"

    def add_report(self, column: str, unit_code: str, year: int, *, kind: str = "html", day: date | None = None,
                   inconsistent: bool = False, style: str = "full", legacy: bool = False) -> Item:
        """A unit's report for ``year`` on a column: HTML body, or 详见附件 with attachments."""
        col = self.column(column)
        unit = self.units[unit_code]
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        day = day or self._default_day(unit, year)
        when = self._when(day)
        publisher = self._publisher(unit)
        if legacy:
            item = Item(id=0, site=col.site, column=column, role=REPORT, title=self.report_title(unit, year, style),
                        published=when, publisher=publisher, unit_code=unit_code, year=year,
                        format=schema.FORMAT_LEGACY, kind="html", body=legacy_fragment(unit.name, year, day),
                        index_no=self._index_no(unit.code, year + 1))
            return self._place(col, item)
        cells = self.cells(unit, year)
        broken = None
        if inconsistent:
            cells, broken = break_cells(cells)
        spec = ReportSpec(unit=unit.name if style != "prefixed" else unit.county_prefix + unit.name, year=year,
                          format=report_format(year), cells=cells, published=day)
        item = Item(id=0, site=col.site, column=column, role=REPORT, title=self.report_title(unit, year, style),
                    published=when, publisher=publisher, unit_code=unit_code, year=year, format=spec.format,
                    kind=kind, inconsistent=inconsistent, broken_key=broken, spec=spec,
                    index_no=self._index_no(unit.code, year + 1))
        self._fill_report(item)
        return self._place(col, item)

    def _fill_report(self, item: Item) -> None:
        spec = item.spec
        if item.kind == "html":
            item.body = lambda: report_fragment(spec)
            return
        item.body = _paras([f"{item.title}详见附件。"])
        for kind in item.kind.split("+"):
            key, make = office_attachment(spec, kind)
            item.attachments.append(Attachment(path="", filename=f"{item.title}.{kind}", kind=kind, key=key, make=make))

    def _default_day(self, unit: Unit, year: int) -> date:
        if unit.level == "county":
            return date(year + 1, self._rng.choice([1, 2, 3]), self._rng.randint(10, 28))
        return date(year + 1, 1, self._rng.randint(8, 30))

    def _publisher(self, unit: Unit) -> str:
        return unit.name + "办公室" if unit.level == "county" else unit.name

    def add_notice(self, column: str, year: int, day: date | None = None) -> Item:
        col = self.column(column)
        county = self.county_of(self.units[col.units[0]])
        day = day or date(year, 12, self._rng.randint(5, 25))
        item = Item(id=0, site=col.site, column=column, role=NOTICE,
                    title=f"关于做好{year}年政府信息公开工作年度报告编制和发布工作的通知",
                    published=self._when(day), publisher=self._publisher(county), unit_code=None,
                    body=notice_body(county.short, year), index_no=self._index_no(county.code, year),
                    doc_no=f"{county.short[:2]}政办〔{year}〕{self._rng.randint(10, 90)}号")
        return self._place(col, item)

    def add_template(self, column: str, year: int, day: date | None = None) -> Item:
        col = self.column(column)
        county = self.county_of(self.units[col.units[0]])
        day = day or date(year, 12, self._rng.randint(5, 25))
        spec = ReportSpec(unit="XX单位", year=year, format=report_format(year), cells={})
        title = f"{year}年政府信息公开工作年度报告统计表（模板）"
        item = Item(id=0, site=col.site, column=column, role=TEMPLATE, title=title, published=self._when(day),
                    publisher=self._publisher(county), unit_code=None,
                    body=_paras(["请各单位按附件统计表格式填报本单位年度报告数据。"]),
                    index_no=self._index_no(county.code, year))
        key, make = office_attachment(spec, "docx")
        item.attachments.append(Attachment(path="", filename=f"{year}年政府信息公开工作年度报告统计表.docx",
                                           kind="docx", key=key, make=make))
        return self._place(col, item)

    def add_news(self, column: str, title: str, day: date) -> Item:
        col = self.column(column)
        unit = self.units[col.units[0]]
        text = f"{day.month}月{day.day}日，{title.removesuffix('会议')}会议召开，部署推进政府信息公开和年度报告编制工作。"
        item = Item(id=0, site=col.site, column=column, role=NEWS, title=title, published=self._when(day),
                    publisher=self._publisher(unit), unit_code=None, body=news_body(text),
                    index_no=self._index_no(unit.code, day.year))
        return self._place(col, item)

    def add_foreign(self, column: str, unit_name: str, year: int, day: date, level: str = "department") -> Item:
        """A report of a unit not in the registry (a neighbouring county's), filed here."""
        col = self.column(column)
        code = "9" + hashlib.sha1(unit_name.encode()).hexdigest()[:11]
        cells = unit_series(self.seed, code, level, range(2019, year + 1))[year]
        spec = ReportSpec(unit=unit_name, year=year, format=report_format(year), cells=cells, published=day)
        item = Item(id=0, site=col.site, column=column, role=FOREIGN,
                    title=f"{unit_name}{year}年政府信息公开工作年度报告", published=self._when(day),
                    publisher=unit_name, unit_code=None, year=year, format=spec.format, spec=spec,
                    body=lambda: report_fragment(spec), index_no=self._index_no(code, year + 1),
                    foreign_unit=unit_name)
        return self._place(col, item)

    def add_copy(self, original: Item, column: str, day: date, *, role: str = REPORT) -> Item:
        """The same report again: re-published later (role REPORT) or misfiled in another unit's column."""
        col = self.column(column)
        item = Item(id=0, site=col.site, column=column, role=role, title=original.title, published=self._when(day),
                    publisher=original.publisher, unit_code=original.unit_code, year=original.year,
                    format=original.format, kind=original.kind, inconsistent=original.inconsistent,
                    broken_key=original.broken_key, spec=original.spec, body=original.body,
                    index_no=original.index_no, duplicate_of=original.id)
        for a in original.attachments:  # the same bytes under this page's own attachment address
            item.attachments.append(Attachment(path="", filename=a.filename, kind=a.kind, key=a.key, make=a.make))
        return self._place(col, item)

    # ------------------------------------------------------------ addresses per shape
    def _place(self, col: Column, item: Item) -> Item:
        site = self.sites[col.site]
        d = item.published
        ymd, ym = d.strftime("%Y%m%d"), d.strftime("%Y%m")
        if site.shape in (TRS, XXGK):
            item.id = self.new_id(10_000_000, 99_999_999) if site.shape == TRS else self.new_id(1_000_000, 9_999_999)
            base = col.path if col.path.endswith("/") else col.path.rsplit("/", 1)[0] + "/"
            item.path = f"{base}{ym}/t{ymd}_{item.id}.html"
            for a in item.attachments:
                a.id = f"P0{ymd}{self._rng.randint(10**11, 10**12 - 1)}"
                a.path = f"{base}{ym}/{a.id}.{a.kind}"
        elif site.shape == HANWEB:
            item.id = self.new_id(10_000_000, 19_999_999)
            item.path = f"/art/{d.year}/{d.month}/{d.day}/art_{col.params['columnid']}_{item.id}.html"
            for a in item.attachments:
                a.id = f"{self._rng.getrandbits(128):032x}.{a.kind}"
                a.path = (f"/module/download/downfile.jsp?classid=0&filename={a.id}"
                          f"&showname={quote(a.filename)}")
        elif site.shape == VSB:
            item.id = self.new_id(10_000, 99_999)
            item.path = f"/info/{col.params['tree']}/{item.id}.htm"
            for a in item.attachments:
                a.id = str(self.new_id(1_000_000, 9_999_999))
                a.path = (f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
                          f"&owner={site.params['owner']}&wbfileid={a.id}")
        elif site.shape == JSONAPI:
            item.id = self.new_id(100_000, 999_999)
            item.path = f"/xxgk/content_{item.id}"
            for a in item.attachments:
                a.id = f"{self._rng.getrandbits(128):032x}"
                a.path = f"/xxgk/upload/{d.year}/{d.month:02d}/{a.id}.{a.kind}"
        elif site.shape == QUERY:
            item.id = self.new_id(1_000, 99_999)
            p = col.params
            item.path = f"/iContent.jsp?node_id={p['node_id']}&cat_id={p['cat_id']}&info_id={item.id}"
            for a in item.attachments:
                a.id = f"{d.strftime('%Y%m%d%H%M%S')}{self._rng.randint(100, 999)}"
                a.path = f"/uploadfiles/{ym}/{a.id}.{a.kind}"
        else:
            raise ValueError(f"site {site.key} ({site.shape}) has no lists")
        col.items.append(item)
        return item

    # ------------------------------------------------------------ while running
    def publish(self, site: str, unit_code: str, year: int, *, kind: str = "html", inconsistent: bool = False,
                day: date | None = None) -> Item:
        """A new report of a unit on its column of ``site`` (a missing year, or a revision of a year)."""
        with self.lock:
            s = self.sites[site]
            unit = self.units[unit_code]
            cols = [k for k in unit.columns if k in s.columns]
            if not cols:
                raise ValueError(f"unit {unit_code} has no column on site {site}")
            item = self.add_report(cols[0], unit_code, year, kind=kind, inconsistent=inconsistent,
                                   day=day or date.today())
            now = datetime.now(timezone.utc).replace(microsecond=0)
            s.modified = max(now, s.modified + timedelta(seconds=1))
            self.version += 1
        return item

    def attachments(self) -> list[Attachment]:
        return [a for it in self.items() for a in it.attachments]

    def prerender(self, workers: int = 4) -> None:
        """Render every attachment (LibreOffice for PDF/DOC) in parallel, once per process."""
        todo = {a.key: a for a in self.attachments() if not a.rendered}
        if not todo:
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda a: a.body(), todo.values()))


# ---------------------------------------------------------------- the default world

def _unit(world: World, code: str, name: str, level: str, site: str, parent: str | None = None, **kw) -> Unit:
    prefix = world.units[parent].short if parent else ""
    return world.add_unit(Unit(code=code, name=name, level=level, site=site, parent=parent,
                               county_prefix=prefix, **kw))


def build_world(*, seed: int = 0, scale: int = 0) -> World:
    """The default demo world (12 sites on 127.0.1.1–12), plus ``scale`` tiny TRS sites on 127.1.x.y."""
    w = World(seed=seed, scale=scale)
    d = date
    ip = iter(f"127.0.1.{i}" for i in range(1, 255))

    # 1. 清源县 — TRS WCM static lists, sub-columns 街乡镇/部门 linked from the column page.
    w.add_site(Site("qingyuan", "清源县人民政府", TRS, next(ip), params={"sitecode": "4199010001"}))
    _unit(w, "419901000000", "清源县人民政府", "county", "qingyuan", cms="trs")
    _unit(w, "419901001000", "城东街道办事处", "township", "qingyuan", parent="419901000000", cms="trs")
    _unit(w, "419901100000", "大河镇人民政府", "township", "qingyuan", parent="419901000000", cms="trs")
    _unit(w, "419901200000", "青山乡人民政府", "township", "qingyuan", parent="419901000000", cms="trs")
    _unit(w, "419901901000", "清源县发展和改革委员会", "department", "qingyuan", parent="419901000000", cms="trs")
    _unit(w, "419901902000", "清源县教育局", "department", "qingyuan", parent="419901000000", cms="trs")
    nb = "/zfxxgk/zfxxgknb/"
    w.add_column("qingyuan", "qy", nb, "政府信息公开年报", ["419901000000"], page_size=5)
    w.add_column("qingyuan", "qy-cdjd", nb + "jxz/cdjd/", "城东街道", ["419901001000"], page_size=5,
                 parent="qy", group="jxz")
    w.add_column("qingyuan", "qy-dhz", nb + "jxz/dhz/", "大河镇", ["419901100000"], page_size=5, parent="qy", group="jxz")
    w.add_column("qingyuan", "qy-qsx", nb + "jxz/qsx/", "青山乡", ["419901200000"], page_size=5, parent="qy", group="jxz")
    w.add_column("qingyuan", "qy-fgw", nb + "bm/fgw/", "县发展改革委", ["419901901000"], page_size=5,
                 parent="qy", group="bm")
    w.add_column("qingyuan", "qy-jyj", nb + "bm/jyj/", "县教育局", ["419901902000"], page_size=5, parent="qy", group="bm")
    w.add_report("qy", "419901000000", 2018, legacy=True, day=d(2019, 3, 20))
    w.add_report("qy", "419901000000", 2019, day=d(2020, 3, 10))
    w.add_report("qy", "419901000000", 2020, day=d(2021, 3, 5))
    w.add_report("qy", "419901000000", 2021, day=d(2022, 2, 28))
    w.add_report("qy", "419901000000", 2022, kind="pdf+docx", day=d(2023, 3, 15))
    w.add_report("qy", "419901000000", 2023, day=d(2024, 3, 20))
    w.add_notice("qy", 2023, d(2023, 12, 20))
    w.add_template("qy", 2023, d(2023, 12, 20))
    w.add_news("qy", "县政府召开2023年度政务公开工作推进会议", d(2023, 6, 12))
    for y in YEARS:
        w.add_report("qy-cdjd", "419901001000", y, kind="pdf" if y == 2022 else "html", style="prefixed")
    w.add_news("qy-cdjd", "城东街道召开政务公开业务培训会议", d(2023, 9, 7))
    w.add_report("qy-dhz", "419901100000", 2020)
    w.add_report("qy-dhz", "419901100000", 2021, kind="docx")
    w.add_report("qy-dhz", "419901100000", 2022, style="nianbao")
    w.add_report("qy-dhz", "419901100000", 2023, inconsistent=True)
    w.add_report("qy-qsx", "419901200000", 2021, style="bare")
    w.add_report("qy-qsx", "419901200000", 2023, day=d(2024, 2, 26))  # late (deadline 01-31)
    fgw = {y: w.add_report("qy-fgw", "419901901000", y) for y in (2021, 2022, 2023)}
    w.add_report("qy-jyj", "419901902000", 2021)
    w.add_report("qy-jyj", "419901902000", 2022, kind="doc")
    w.add_report("qy-jyj", "419901902000", 2023)
    w.add_copy(fgw[2022], "qy-jyj", d(2023, 1, 28), role=MISFILED)
    w.add_foreign("qy-jyj", "邻水县教育局", 2022, d(2023, 1, 19))
    w.add_news("qy-jyj", "县教育局召开政务公开工作培训会议", d(2023, 4, 18))

    # 2. 临河县 — TRS xxgk platform, table lists with var countPage, GBK with no charset anywhere.
    w.add_site(Site("linhe", "临河县人民政府", XXGK, next(ip), params={"sitecode": "4199020001"}))
    _unit(w, "419902000000", "临河县人民政府", "county", "linhe", cms="trs")
    _unit(w, "419902901000", "临河县财政局", "department", "linhe", parent="419902000000", cms="trs")
    _unit(w, "419902902000", "临河县卫生健康委员会", "department", "linhe", parent="419902000000", cms="trs")
    _unit(w, "419902100000", "柳林镇人民政府", "township", "linhe", parent="419902000000", cms="trs")
    _unit(w, "419902200000", "桃园乡人民政府", "township", "linhe", parent="419902000000", cms="trs")
    for key, slug, name, code, group in [
        ("lh", "xzf", "临河县人民政府", "419902000000", "县政府"),
        ("lh-czj", "czj", "临河县财政局", "419902901000", "部门"),
        ("lh-wjw", "wjw", "临河县卫生健康委员会", "419902902000", "部门"),
        ("lh-llz", "llz", "柳林镇", "419902100000", "乡镇"),
        ("lh-tyx", "tyx", "桃园乡", "419902200000", "乡镇"),
    ]:
        w.add_column("linhe", key, f"/zfxxgknb/{slug}/index.html", name, [code], page_size=4, group=group)
    for y in YEARS:
        w.add_report("lh", "419902000000", y)
    w.add_notice("lh", 2022, d(2022, 12, 16))
    w.add_report("lh-czj", "419902901000", 2020)
    w.add_report("lh-czj", "419902901000", 2021)
    w.add_report("lh-czj", "419902901000", 2022)
    w.add_report("lh-czj", "419902901000", 2023, kind="pdf")
    w.add_report("lh-wjw", "419902902000", 2021)
    wjw22 = w.add_report("lh-wjw", "419902902000", 2022, kind="docx", day=d(2023, 1, 20))
    w.add_copy(wjw22, "lh-wjw", d(2023, 3, 5))  # re-published: same file on a second page
    w.add_report("lh-wjw", "419902902000", 2023)
    w.add_report("lh-llz", "419902100000", 2021, kind="wps")
    w.add_report("lh-llz", "419902100000", 2022)
    w.add_report("lh-llz", "419902100000", 2023, style="prefixed")
    for y in (2019, 2021, 2022, 2023):
        w.add_report("lh-tyx", "419902200000", y)

    # 3. 安澜县 — Hanweb JCMS: one column shared by the county and its departments (attribute by
    # title), own columns for townships; a local deadline 02-20.
    w.add_site(Site("anlan", "安澜县人民政府", HANWEB, next(ip), params={"sitecode": "4199030001", "webid": "27"}))
    _unit(w, "419903000000", "安澜县人民政府", "county", "anlan", cms="hanweb", deadline="02-20")
    _unit(w, "419903901000", "安澜县自然资源和规划局", "department", "anlan", parent="419903000000", cms="hanweb")
    _unit(w, "419903902000", "安澜县民政局", "department", "anlan", parent="419903000000", cms="hanweb")
    _unit(w, "419903001000", "东湖街道办事处", "township", "anlan", parent="419903000000", cms="hanweb")
    _unit(w, "419903100000", "西岭镇人民政府", "township", "anlan", parent="419903000000", cms="hanweb")
    w.add_column("anlan", "al", "/col/col1229102/index.html", "政府信息公开年报",
                 ["419903000000", "419903901000", "419903902000"], page_size=15,
                 params={"columnid": "1229102", "unitid": "4330371"})
    w.add_column("anlan", "al-dhjd", "/col/col1229131/index.html", "东湖街道", ["419903001000"], page_size=15,
                 params={"columnid": "1229131", "unitid": "4330388"})
    w.add_column("anlan", "al-xlz", "/col/col1229132/index.html", "西岭镇", ["419903100000"], page_size=15,
                 params={"columnid": "1229132", "unitid": "4330389"})
    for y in YEARS:
        w.add_report("al", "419903000000", y, kind="pdf" if y == 2022 else "html", day=d(y + 1, 2, 10 + y % 7))
    for y in (2020, 2021, 2022, 2023):
        w.add_report("al", "419903901000", y, inconsistent=(y == 2022))
    w.add_report("al", "419903902000", 2021, kind="doc")
    w.add_report("al", "419903902000", 2022)
    w.add_report("al", "419903902000", 2023)
    w.add_notice("al", 2023, d(2023, 12, 12))
    w.add_template("al", 2022, d(2022, 12, 9))
    w.add_news("al", "安澜县召开政务公开暨政府信息公开年度报告编制培训会议", d(2023, 11, 2))
    w.add_news("al", "县政务公开办召开2022年度工作总结会议", d(2023, 2, 24))
    w.add_foreign("al", "宁川县民政局", 2022, d(2023, 1, 16))
    for y in (2021, 2022, 2023):
        w.add_report("al-dhjd", "419903001000", y)
    for y in (2019, 2020, 2022, 2023):
        w.add_report("al-xlz", "419903100000", y)

    # 4. 石门县 — VSB: the county has only its home page in the registry (discovery); lists numbered
    # downwards; attachments through download.jsp that need a Referer.
    w.add_site(Site("shimen", "石门县人民政府", VSB, next(ip), params={"sitecode": "4199040001", "owner": "1714567890"}))
    _unit(w, "419904000000", "石门县人民政府", "county", "shimen", home_only=True)
    _unit(w, "419904100000", "红星镇人民政府", "township", "shimen", parent="419904000000", cms="vsb")
    _unit(w, "419904901000", "石门县农业农村局", "department", "shimen", parent="419904000000", cms="vsb")
    w.add_column("shimen", "sm", "/xxgk/zfxxgknb.htm", "政府信息公开年报", ["419904000000"], page_size=3,
                 params={"tree": "1025"})
    w.add_column("shimen", "sm-hxz", "/xxgk/zfxxgknb/hxz.htm", "红星镇", ["419904100000"], page_size=3,
                 params={"tree": "1026"}, parent="sm")
    w.add_column("shimen", "sm-nyncj", "/xxgk/zfxxgknb/nyncj.htm", "县农业农村局", ["419904901000"], page_size=3,
                 params={"tree": "1027"}, parent="sm")
    for y in YEARS:
        w.add_report("sm", "419904000000", y)
    w.add_notice("sm", 2023, d(2023, 12, 18))
    w.add_news("sm", "石门县召开政务公开工作领导小组会议", d(2023, 5, 30))
    w.add_report("sm-hxz", "419904100000", 2021)
    w.add_report("sm-hxz", "419904100000", 2022, kind="pdf")
    w.add_report("sm-hxz", "419904100000", 2023)
    w.add_report("sm-nyncj", "419904901000", 2022)
    w.add_report("sm-nyncj", "419904901000", 2023, kind="docx")

    # 5. 新安区 — 政府信息公开平台 filled from a JSON API; one township list only renders with JavaScript.
    w.add_site(Site("xinan", "新安区人民政府", JSONAPI, next(ip), params={"sitecode": "4199050001"}))
    _unit(w, "419905000000", "新安区人民政府", "county", "xinan", cms="json")
    _unit(w, "419905901000", "新安区市场监督管理局", "department", "xinan", parent="419905000000", cms="json")
    _unit(w, "419905100000", "南山镇人民政府", "township", "xinan", parent="419905000000", cms="json")
    _unit(w, "419905001000", "北关街道办事处", "township", "xinan", parent="419905000000", cms="json", render="browser")
    w.add_column("xinan", "xa", "/xxgk/nb/qzf.html", "区政府", ["419905000000"], page_size=10,
                 params={"columnId": "1821"})
    w.add_column("xinan", "xa-scjgj", "/xxgk/nb/scjgj.html", "区市场监管局", ["419905901000"], page_size=10,
                 params={"columnId": "1822"})
    w.add_column("xinan", "xa-nsz", "/xxgk/nb/nsz.html", "南山镇", ["419905100000"], page_size=10,
                 params={"columnId": "1824"})
    w.add_column("xinan", "xa-bgjd", "/xxgk/nb/bgjd.html", "北关街道", ["419905001000"], js_only=True)
    for y in YEARS:
        w.add_report("xa", "419905000000", y)
    w.add_notice("xa", 2022, d(2022, 12, 20))
    w.add_notice("xa", 2023, d(2023, 12, 19))
    w.add_template("xa", 2023, d(2023, 12, 19))
    w.add_news("xa", "新安区召开2023年政务公开工作会议", d(2023, 3, 16))
    w.add_news("xa", "区政府办公室召开政府信息公开年报编制工作会议", d(2023, 12, 27))
    w.add_news("xa", "新安区举办政务公开专题培训会议", d(2022, 8, 11))
    w.add_foreign("xa", "东平区人民政府", 2022, d(2023, 3, 20), level="county")
    for y in (2021, 2022, 2023):
        w.add_report("xa-scjgj", "419905901000", y)
    w.add_report("xa-nsz", "419905100000", 2021)
    w.add_report("xa-nsz", "419905100000", 2022, kind="docx", inconsistent=True)
    w.add_report("xa-nsz", "419905100000", 2023)
    for y in (2021, 2022, 2023):
        w.add_report("xa-bgjd", "419905001000", y)

    # 6. 永宁县 — query-string paging; one township's list is a pagination trap.
    w.add_site(Site("yongning", "永宁县人民政府", QUERY, next(ip), params={"sitecode": "4199060001"}))
    _unit(w, "419906000000", "永宁县人民政府", "county", "yongning", cms="query")
    _unit(w, "419906901000", "永宁县公安局", "department", "yongning", parent="419906000000", cms="query")
    _unit(w, "419906100000", "古城镇人民政府", "township", "yongning", parent="419906000000", cms="query")
    w.add_column("yongning", "yn", "/iList.jsp?node_id=12&cat_id=10201", "政府信息公开年报", ["419906000000"],
                 page_size=4, params={"node_id": "12", "cat_id": "10201"})
    w.add_column("yongning", "yn-gaj", "/iList.jsp?node_id=12&cat_id=10202", "县公安局", ["419906901000"],
                 page_size=4, params={"node_id": "12", "cat_id": "10202"})
    w.add_column("yongning", "yn-gcz", "/iList.jsp?node_id=12&cat_id=10203", "古城镇", ["419906100000"],
                 page_size=4, params={"node_id": "12", "cat_id": "10203"}, trap=True)
    for y in YEARS:
        w.add_report("yn", "419906000000", y, kind="doc" if y == 2023 else "html")
    w.add_notice("yn", 2023, d(2023, 12, 22))
    w.add_news("yn", "永宁县召开政务公开工作推进会议", d(2023, 7, 20))
    w.add_report("yn-gaj", "419906901000", 2021)
    w.add_report("yn-gaj", "419906901000", 2022, kind="pdf")
    w.add_report("yn-gaj", "419906901000", 2023)
    for y in (2021, 2022, 2023):
        w.add_report("yn-gcz", "419906100000", y)

    # 7. Obstacles, each on a small site of its own.
    w.add_site(Site("fengshan", "凤山县人民政府", TRS, next(ip), challenge=True, params={"sitecode": "4199070001"}))
    _unit(w, "419907000000", "凤山县人民政府", "county", "fengshan", cms="trs")
    w.add_column("fengshan", "fs", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419907000000"], page_size=10)
    w.add_report("fs", "419907000000", 2022)
    w.add_report("fs", "419907000000", 2023)

    w.add_site(Site("ningyuan", "宁远县人民政府", TRS, next(ip), slow=True, params={"sitecode": "4199080001"}))
    _unit(w, "419908000000", "宁远县人民政府", "county", "ningyuan", cms="trs")
    w.add_column("ningyuan", "ny", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419908000000"], page_size=10)
    w.add_report("ny", "419908000000", 2022)
    w.add_report("ny", "419908000000", 2023)

    w.add_site(Site("dongchuan", "东川县人民政府", FAILING, next(ip), failing=True, params={"sitecode": "4199090001"}))
    _unit(w, "419909000000", "东川县人民政府", "county", "dongchuan", cms="trs")
    w.add_column("dongchuan", "dc", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419909000000"])

    w.add_site(Site("heyang-old", "合阳县人民政府", REDIRECT, next(ip), redirect_to="heyang",
                    params={"sitecode": "4199100001"}))
    w.add_site(Site("heyang", "合阳县人民政府", TRS, next(ip), params={"sitecode": "4199100001"}))
    _unit(w, "419910000000", "合阳县人民政府", "county", "heyang", registry_site="heyang-old", cms="trs")
    w.add_column("heyang", "hy", "/zwgk/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419910000000"], page_size=10)
    for y in (2021, 2022, 2023):
        w.add_report("hy", "419910000000", y)

    w.add_site(Site("qingyuan-kfq", "清源经济开发区管理委员会", TRS, next(ip), robots_disallow=True,
                    params={"sitecode": "4199010401"}))
    _unit(w, "419901400000", "清源经济开发区管理委员会", "zone", "qingyuan-kfq", parent="419901000000",
          cms="trs", robots="ignore")
    w.add_column("qingyuan-kfq", "kfq", "/gk/zfxxgknb/", "政府信息公开年报", ["419901400000"], page_size=10)
    for y in (2021, 2022, 2023):
        w.add_report("kfq", "419901400000", y)

    for i in range(scale):
        _scale_site(w, i)
    return w


_SCALE_SYLLABLES = "安宝昌城丰阜广和华嘉建江金康乐临龙茂宁平庆仁瑞山盛泰通威文祥新兴阳永裕元泽长正中"


def scale_ip(i: int) -> str:
    return f"127.1.{1 + i // 250}.{1 + i % 250}"


def _scale_site(w: World, i: int) -> None:
    """A tiny TRS county: the county and 1–2 townships, 1–3 HTML reports each."""
    rng = random.Random(f"{w.seed}:scale:{i}")
    syl = _SCALE_SYLLABLES
    county_short = syl[i % len(syl)] + syl[(i // len(syl)) % len(syl)] + "县"
    code6 = f"5{i:05d}"
    key = f"s{i:05d}"
    w.add_site(Site(key, f"{county_short}人民政府", TRS, scale_ip(i), scale=True, params={"sitecode": f"{code6}0001"}))
    county = _unit(w, f"{code6}000000", f"{county_short}人民政府", "county", key, cms="trs")
    w.add_column(key, key, "/zfxxgk/zfxxgknb/", "政府信息公开年报", [county.code], page_size=10)
    units = [county]
    for j in range(rng.randint(1, 2)):
        town = syl[(i + 7 * j + 3) % len(syl)] + ("镇" if j == 0 else "乡")
        u = _unit(w, f"{code6}{100 + j * 100:03d}000", f"{town}人民政府", "township", key, parent=county.code, cms="trs")
        w.add_column(key, f"{key}-{j}", f"/zfxxgk/zfxxgknb/jxz/t{j}/", town, [u.code], page_size=10,
                     parent=key, group="jxz")
        units.append(u)
    for u in units:
        col = u.columns[0]
        years = sorted(rng.sample([2021, 2022, 2023], rng.randint(1, 3)))
        for y in years:
            w.add_report(col, u.code, y)


def obfuscate(data: object) -> str:
    """The JS-only list's payload: reversed base64 of its JSON (the page's script undoes it)."""
    return base64.b64encode(json.dumps(data, ensure_ascii=False).encode("utf-8")).decode()[::-1]
