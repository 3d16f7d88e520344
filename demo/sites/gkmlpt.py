"""Guangdong gkmlpt (南屿县): the column page ``/gkmlpt/index#<catId>`` is a single-page-app shell with
``window._CONFIG = {SID, TREE}``; its list comes from ``/gkmlpt/api/all/<catId>?page=N&sid=SID``
(pages 0 and 1 answer the same; a wrong SID is refused); articles ``/gkmlpt/content/0/<b>/post_<id>.html``
with ``nfw-cms-attachment`` links."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Iterator

from ..answers import HTML_UTF8, PageMaker, Resp, SiteIndex, int_param
from ..pages import esc, footer, page_head, page_header
from ..world import YEARS, Column, Item, Site, World, new_unit
from ._article import article

GKMLPT = "gkmlpt"
SHAPES = (GKMLPT,)
_API = re.compile(r"^/gkmlpt/api/all/(\d+)$")


def place(w: World, site: Site, col: Column, item: Item) -> None:
    item.id = w.new_id(900_000, 999_999)
    item.path = f"/gkmlpt/content/0/{item.id // 1000}/post_{item.id}.html"
    for a in item.attachments:
        a.id = str(item.id)
        a.path = f"/attachment/0/{item.id // 10000}/{item.id // 100}/{item.id}.{a.kind}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    st["/"] = st["/index.html"] = page(lambda: home(site), ctype=HTML_UTF8)
    st["/gkmlpt/index"] = st["/gkmlpt/policy"] = page(lambda: shell(site), ctype=HTML_UTF8)
    for col in site.columns.values():
        idx.columns[("gkmlpt", str(col.params["cat"]))] = col
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: article(site, c.name, it, content='class="article-content"',
                                                                  attachment_class="nfw-cms-attachment"),
                                 lm=item.published, ctype=HTML_UTF8)


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    m = _API.match(request.path)
    if not m:
        return None
    if request.query.get("sid") != site.params["sid"]:
        return Resp(status=400, body=b'{"code": 400, "msg": "sid error"}', content_type="application/json")
    col = idx.columns.get(("gkmlpt", m.group(1)))
    items = col.ordered() if col else []
    size = col.page_size if col else 100
    page = max(1, int_param(request.query.get("page"), 1))  # pages 0 and 1 are the same page
    chunk = items[(page - 1) * size: page * size]
    articles = [{"id": it.id, "title": it.title, "url": web.url(site.key, it.path), "created_at":
                 it.published.strftime("%Y-%m-%d %H:%M:%S"), "create_time": int(it.published.timestamp()),
                 "publisher": it.publisher, "identifier": it.index_no, "document_number": it.doc_no,
                 "is_abolished": 0, "attachment": [{"name": a.filename, "url": a.path} for a in it.attachments]}
                for it in chunk]
    body = {"total": len(items), "classify": {"id": int(m.group(1)), "name": col.name if col else "",
                                              "post_count": len(items)}, "articles": articles}
    return Resp(body=json.dumps(body, ensure_ascii=False).encode(), content_type="application/json;charset=UTF-8",
                last_modified=site.modified)


def home(site: Site) -> str:
    return (page_head(site, site.name) + "<body>\n"
            + page_header(site, [("首页", "/"), ("政府信息公开", "/gkmlpt/index")]) + footer(site) + "</body>\n</html>\n")


def shell(site: Site) -> str:
    tree = [{"id": 1, "name": "政策文件", "post_count": 0, "jump_url": "", "children": []}]
    tree += [{"id": int(c.params["cat"]), "name": c.name, "post_count": len(c.items), "jump_url": "", "children": []}
             for c in site.columns.values()]
    config = ("<script>\nwindow._CONFIG = {\n"
              f"  SID: '{site.params['sid']}',\n  SERVICE_AREA_ID: {site.params['sid']},\n"
              f"  SITE_NAME: '{esc(site.name)}',\n  TREE: {json.dumps(tree, ensure_ascii=False)}\n}};\n</script>\n")
    return (page_head(site, f"{site.name}政府信息公开", "政府信息公开", config) + "<body>\n"
            + '<div id="app">\n<div class="header"><a href="/">首页</a></div>\n'
            + '<div class="search"><input type="text" placeholder="请输入关键字"></div>\n</div>\n'
            + '<script src="/gkmlpt/gkml/pc/js/chunk-common.c1553651.js"></script>\n'
            + footer(site) + "</body>\n</html>\n")


def build(w: World, ip: Iterator[str]) -> None:
    """南屿县: gkmlpt; the county's and a township's 年报 are two categories of one shell."""
    w.add_site(Site("nanyu", "南屿县人民政府", GKMLPT, next(ip), params={"sitecode": "4199210001", "sid": "755041"}))
    new_unit(w, "419921000000", "南屿县人民政府", "county", "nanyu", cms="gkmlpt")
    new_unit(w, "419921100000", "青澳镇人民政府", "township", "nanyu", parent="419921000000")
    w.add_column("nanyu", "nanyu", "/gkmlpt/index#30", "政府信息公开年报", ["419921000000"], page_size=3,
                 params={"cat": 30})
    w.add_column("nanyu", "nanyu-qaz", "/gkmlpt/index#31", "青澳镇信息公开年报", ["419921100000"], page_size=3,
                 params={"cat": 31})
    for y in YEARS:
        w.add_report("nanyu", "419921000000", y)
    w.add_notice("nanyu", 2023, date(2023, 12, 15))
    for y in (2021, 2022, 2023):
        w.add_report("nanyu-qaz", "419921100000", y)
