"""A portal whose 年报 column a crawler cannot find (华亭县): TRS static pages, but neither the home page
nor the 政府信息公开 page links the column (it hangs under 专题专栏 → 工作报告, a path no discovery rule
knows), and a township registered with its old column address, which still answers — with an empty
list. Every report is published, so nothing is missing; a correct monitor says it could not find or
read the column (``column_not_found``) and asks the operators to register it, never "missing"."""

from __future__ import annotations

from typing import Iterator

from ..answers import PageMaker, SiteIndex
from ..pages import esc, footer, page_head, page_header
from ..world import HIDDEN, YEARS, Column, Item, Site, World, new_unit
from . import trs

SHAPES = (HIDDEN,)
XXGK = "/zfxxgk/"


def place(w: World, site: Site, col: Column, item: Item) -> None:
    trs.place(w, site, col, item)


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    """The TRS lists and articles, then a home page and a 政府信息公开 page that link no 年报 column."""
    trs.index(web, site, idx, page)
    st = idx.static
    st["/"] = st["/index.html"] = page(lambda: home(site))
    st[XXGK] = st[XXGK + "index.html"] = page(lambda: disclosure(site))
    for name, path in SECTIONS:
        st[XXGK + path[2:]] = page(lambda name=name: section(site, name))


async def route(web, site: Site, request, idx: SiteIndex):
    return None


def home(site: Site) -> str:
    nav = [("首页", "/"), ("政务动态", "/zwdt/"), ("政府信息公开", XXGK), ("互动交流", "/hdjl/")]
    return (page_head(site, site.name) + "<body>\n" + page_header(site, nav)
            + '<div class="main"><div class="box"><h3>政务公开</h3><ul>'
            f'<li><a href="{XXGK}">政府信息公开</a></li><li><a href="/zwdt/">政务动态</a></li></ul></div></div>\n'
            + footer(site) + "</body>\n</html>\n")


SECTIONS = [("政府信息公开指南", "./zfxxgkzn/"), ("政府信息公开制度", "./zfxxgkzd/"), ("法定主动公开内容", "./fdzdgknr/"),
            ("依申请公开", "./ysqgk/")]


def section(site: Site, name: str) -> str:
    """A 政府信息公开 section page: text, and no link to any 年报 column."""
    return (page_head(site, f"{name}-{site.name}", name) + "<body>\n"
            + page_header(site, [("首页", "/"), ("政府信息公开", XXGK)])
            + f'<div class="xxgk-right"><h2>{esc(name)}</h2><p>本栏目信息正在整理中。</p></div>\n'
            + footer(site) + "</body>\n</html>\n")


def disclosure(site: Site) -> str:
    links = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>\n' for t, h in SECTIONS)
    return (page_head(site, f"政府信息公开-{site.name}", "政府信息公开") + "<body>\n"
            + page_header(site, [("首页", "/"), ("政府信息公开", XXGK)])
            + f'<div class="xxgk-left"><ul>\n{links}</ul></div>\n'
            + '<div class="xxgk-right"><p>本栏目发布本机关政府信息公开指南、制度和法定主动公开内容。</p></div>\n'
            + footer(site) + "</body>\n</html>\n")


def build(w: World, ip: Iterator[str]) -> None:
    """华亭县: the county registered by its home page only; 安口镇 by a column address that now lists nothing."""
    w.add_site(Site("huating", "华亭县人民政府", HIDDEN, next(ip), hidden=True, params={"sitecode": "4199110001"}))
    new_unit(w, "419911000000", "华亭县人民政府", "county", "huating", home_only=True)
    new_unit(w, "419911100000", "安口镇人民政府", "township", "huating", parent="419911000000", cms="trs")
    w.add_column("huating", "ht", "/ztzl/gzbg/", "工作报告", [], page_size=6)
    w.add_column("huating", "ht-old", "/zfxxgk/zfxxgknb/akz/", "安口镇", ["419911100000"])
    for year in YEARS:
        w.add_report("ht", "419911000000", year)
        w.add_report("ht", "419911100000", year, style="prefixed")
