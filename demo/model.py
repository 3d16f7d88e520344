"""The demo world's vocabulary: site shapes, item roles and report kinds, and the records a world is made of
(sites, units, columns, items, attachments) with the ground truth a correct crawl is compared with
(:class:`ExpectedReport`, :class:`ForbiddenItem`). :class:`demo.world.World` holds them together."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from .content import cached, is_cached
from .render import ReportSpec

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
HIDDEN = "hidden"      # a TRS portal whose 年报 column no page links to (and a unit's column that moved away)
SHAPES = (TRS, XXGK, HANWEB, VSB, JSONAPI, QUERY, REDIRECT, FAILING, HIDDEN)

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
        return is_cached(self.key)

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


class GeneratedReport(Item):
    """A generated benchmark site's report (:func:`demo.sites.trs.scale_site`): its spec (cells, running
    text) and HTML are made from the unit's seed whenever asked for and never kept, so that a world of
    tens of thousands of units holds only its items' addresses and titles (the served bytes are those
    of an :class:`Item` built with the same spec)."""

    def __init__(self, *args, make_spec: Callable[[], ReportSpec], **kwargs):
        self._make_spec = make_spec
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def spec(self) -> ReportSpec:
        return self._make_spec()

    @spec.setter
    def spec(self, value: ReportSpec | None) -> None:
        if value is not None:
            raise AttributeError("a generated report's spec is made from its seed, not set")

    @property
    def body_html(self) -> str:
        return self.body() if callable(self.body) else self.body


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
    hidden: bool = False      # its 年报 column is linked from no page a crawler starts at: operators must register it
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
