"""Lonsun 龙讯 (安丰县): ``/public/column/<id>?type=4&catId=…&action=list`` catalogue pages. The county's
list comes from the label API (``POST /site/label/8888?IsAjax=1&dataType=html`` with ``pageIndex``,
answering an HTML fragment with ``Ls.pagination(…{pageCount: N})``); a township's column page holds its
rows itself and pages by ``&pageIndex=N``. Articles ``/public/<organId>/<infoId>.html``."""

from __future__ import annotations

from datetime import date
from typing import Iterator

from ..answers import HTML_UTF8, PageMaker, Resp, SiteIndex, int_param
from ..pages import esc, footer, page_head, page_header
from ..world import YEARS, Column, Item, Site, World, new_unit
from ._article import article

LONSUN = "lonsun"
SHAPES = (LONSUN,)


def place(w: World, site: Site, col: Column, item: Item) -> None:
    item.id = w.new_id(40_000_000, 49_999_999)
    item.path = f"/public/{col.params['organ']}/{item.id}.html"
    for a in item.attachments:
        a.id = f"{w.rng.getrandbits(64):016x}"
        a.path = f"/group6/M00/00/{item.id % 100:02d}/{a.id}.{a.kind}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    st["/"] = st["/index.html"] = page(lambda: home(site), ctype=HTML_UTF8)
    for col in site.columns.values():
        idx.columns[("lonsun", col.params["column"])] = col
        idx.columns[("lonsun-cat", col.params["cat"])] = col
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: article(site, c.name, it, content='class="j-fontContent"'),
                                 lm=item.published, ctype=HTML_UTF8)


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    if request.path.startswith("/public/column/"):
        col = idx.columns.get(("lonsun", request.path.rsplit("/", 1)[-1]))
        if col is None:
            return None
        page = max(1, int_param(request.query.get("pageIndex"), 1))
        return Resp(body=column_page(site, col, page).encode(), content_type=HTML_UTF8, last_modified=site.modified)
    if request.path == "/site/label/8888":
        form = dict(request.query)
        if request.method == "POST":
            form.update(await request.post())
        col = idx.columns.get(("lonsun-cat", str(form.get("catId", ""))))
        if col is None or form.get("labelName") != "publicInfoList":
            return Resp(body="暂无相关信息".encode(), content_type=HTML_UTF8)
        page = max(1, int_param(form.get("pageIndex"), 1))
        return Resp(body=rows(col, page).encode(), content_type=HTML_UTF8, last_modified=site.modified)
    return None


def home(site: Site) -> str:
    links = "".join(f'<li><a href="{esc(c.path)}">{esc(c.name)}</a></li>' for c in site.columns.values())
    return (page_head(site, site.name) + "<body>\n" + page_header(site, [("首页", "/")])
            + f'<div class="xxgk_nav"><ul>{links}</ul></div>\n' + footer(site) + "</body>\n</html>\n")


def rows(col: Column, page: int) -> str:
    pages = col.pages()
    chunk = pages[page - 1] if page <= len(pages) else []
    lis = "".join(f'<li><a href="{esc(it.path)}" target="_blank" title="{esc(it.title)}" class="title">'
                  f'{esc(it.title)}</a><span class="date">{it.date_str}</span></li>\n' for it in chunk)
    return (f'<ul class="clearfix xxgk_nav_list t4">\n{lis}</ul>\n'
            '<script>\nLs.pagination("#page_public_info", function (pageIndex) { getPublicInfoList(pageIndex); },\n'
            f"  {{currPage: {page}, pageCount: {len(pages)}, pageSize: {col.page_size}}});\n</script>\n")


def column_page(site: Site, col: Column, page: int) -> str:
    head = page_head(site, f"{col.name}_{site.name}", col.name) + "<body>\n" + page_header(site, [("首页", "/")])
    if col.params.get("label"):
        script = ('<script>\nfunction getPublicInfoList(pageIndex) {\n  $.ajax({\n'
                  '    url: "/site/label/8888?IsAjax=1&dataType=html&_=0.27182235250895626",\n    type: "POST",\n'
                  f'    data: {{"siteId": "{site.params["siteId"]}", "pageSize": "{col.page_size}", "pageIndex": pageIndex,'
                  f' "action": "list", "organId": "{col.params["organ"]}", "type": "4", "catId": "{col.params["cat"]}",'
                  ' "result": "暂无相关信息", "labelName": "publicInfoList", "file": "/xxgk/publicInfoList"},\n'
                  '    success: function (d) { document.getElementById("xxgk_lmcon").innerHTML = d; }\n  });\n}\n'
                  "getPublicInfoList(1);\n</script>\n")
        body = (f'<div class="xxgk_right"><div class="xxgk_title">{esc(col.name)}</div>\n'
                '<div id="xxgk_lmcon"></div><div id="page_public_info"></div></div>\n' + script)
    else:
        pages = col.pages()
        body = (f'<div class="xxgk_right"><div class="xxgk_title">{esc(col.name)}</div>\n'
                + rows(col, page).replace("getPublicInfoList(pageIndex);",
                                          f'location.href = "{col.path}&pageIndex=" + pageIndex;')
                + f'<div id="page_public_info">第{page}页/共{len(pages)}页</div></div>\n')
    return head + body + footer(site) + "</body>\n</html>\n"


def build(w: World, ip: Iterator[str]) -> None:
    """安丰县: Lonsun; the county's list from the POST label API, a township's paged on the column URL."""
    w.add_site(Site("anfeng", "安丰县人民政府", LONSUN, next(ip), params={"sitecode": "4199220001", "siteId": "4704161"}))
    new_unit(w, "419922000000", "安丰县人民政府", "county", "anfeng")
    new_unit(w, "419922100000", "双墩镇人民政府", "township", "anfeng", parent="419922000000", cms="lonsun")
    w.add_column("anfeng", "anfeng", "/public/column/4704161?type=4&catId=3827899&action=list&nav=3", "政府信息公开年报",
                 ["419922000000"], page_size=2, params={"column": "4704161", "cat": "3827899", "organ": "33", "label": True})
    w.add_column("anfeng", "anfeng-sdz", "/public/column/6616411?type=4&catId=7065111&action=list", "双墩镇政府信息公开年报",
                 ["419922100000"], page_size=2, params={"column": "6616411", "cat": "7065111", "organ": "6616411"})
    for y in YEARS:
        w.add_report("anfeng", "419922000000", y)
    w.add_news("anfeng", "安丰县召开政务公开工作推进会议", date(2023, 6, 2))
    for y in (2020, 2021, 2022, 2023):
        w.add_report("anfeng-sdz", "419922100000", y)
