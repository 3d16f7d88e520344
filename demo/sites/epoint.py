"""Epoint 国泰新点 EWB (云台县): ``/dynamic/zwgk/govInfoPub.html?categorynum=…`` shells, ``siteGuid`` in
``/js/webBuilderCommon.js``, the list by ``POST /EWB-FRONT/rest/lightfrontaction/getgovinfolist`` with a
JSON body. This server counts ``pageIndex`` from 1 (0 answers page 1 too) and caps ``pageSize`` at 3.
Articles ``/xxgk/<categorynum>/<yyyymmdd>/<uuid>.html``."""

from __future__ import annotations

import json
from datetime import date
from typing import Iterator

from ..answers import HTML_UTF8, PageMaker, Resp, SiteIndex, int_param
from ..pages import columns_home, footer, page_head, page_header
from ..world import YEARS, Column, Item, Site, World, new_unit
from ._article import article

EPOINT = "epoint"
SHAPES = (EPOINT,)
LIST = "/EWB-FRONT/rest/lightfrontaction/getgovinfolist"
MAX_SIZE = 3


def place(w: World, site: Site, col: Column, item: Item) -> None:
    item.id = w.new_id(70_000, 79_999)
    uuid = f"{w.rng.getrandbits(128):032x}"
    item.path = f"/xxgk/{col.params['categorynum']}/{item.published.strftime('%Y%m%d')}/{uuid[:8]}-{uuid[8:12]}.html"
    for a in item.attachments:
        a.id = f"{w.rng.getrandbits(64):016x}"
        a.path = f"/EpointWebBuilder/WebbuilderMIS/attach/{a.id}.{a.kind}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    st["/"] = st["/index.html"] = page(lambda: columns_home(site), ctype=HTML_UTF8)
    st["/dynamic/zwgk/govInfoPub.html"] = page(lambda: shell(site), ctype=HTML_UTF8)
    st["/js/webBuilderCommon.js"] = page(lambda: common_js(site), ctype="application/javascript")
    for col in site.columns.values():
        idx.columns[("epoint", col.params["categorynum"])] = col
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: article(site, c.name, it, content='class="ewb-article-info"'),
                                 lm=item.published, ctype=HTML_UTF8)


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    if request.path != LIST or request.method != "POST":
        return None
    try:
        body = json.loads(await request.text())
    except ValueError:
        return Resp(status=400, body=b'{"status": {"code": 0, "text": "bad request"}}', content_type="application/json")
    col = idx.columns.get(("epoint", str(body.get("categorynum"))))
    items = col.ordered() if col and body.get("siteGuid") == site.params["siteGuid"] else []
    index_ = max(1, int_param(body.get("pageIndex"), 1))  # 1-based; 0 answers page 1 as well
    size = max(1, min(MAX_SIZE, int_param(body.get("pageSize"), MAX_SIZE)))
    data = [{"title": it.title[:12] + "…", "realtitle": it.title, "infourl": it.path, "visiturl": it.path,
             "infodate": it.date_str, "handsdate": it.date_str} for it in items[(index_ - 1) * size: index_ * size]]
    answer = {"custom": {"total": len(items), "data": data}, "status": {"code": 1, "text": ""}}
    return Resp(body=json.dumps(answer, ensure_ascii=False).encode(), content_type="application/json;charset=UTF-8")


def shell(site: Site) -> str:
    scripts = ('<script src="/js/webBuilderCommon.js"></script>\n'
               '<script src="/dynamic/zwgk/js/govInfoPub.js"></script>\n')
    return (page_head(site, f"信息公开-{site.name}", "信息公开", scripts) + "<body>\n" + page_header(site, [("首页", "/")])
            + '<div class="ewb-info-bd"><ul class="wb-data-item" id="infolist"></ul><div id="pager"></div></div>\n'
            + footer(site) + "</body>\n</html>\n")


def common_js(site: Site) -> str:
    return ("/* 新点网站群公共脚本 */\nvar siteInfo = {\n    projectName: '/EWB-FRONT',\n"
            f"    siteGuid: '{site.params['siteGuid']}',\n    siteName: '{site.name}'\n}};\n")


def build(w: World, ip: Iterator[str]) -> None:
    """云台县: Epoint EWB; siteGuid from webBuilderCommon.js, 1-based pageIndex, pageSize capped at 3."""
    w.add_site(Site("yuntai", "云台县人民政府", EPOINT, next(ip),
                    params={"sitecode": "4199250001", "siteGuid": "7eb5f7f1-9041-43ad-8e13-8fcb82ea831a"}))
    new_unit(w, "419925000000", "云台县人民政府", "county", "yuntai")
    new_unit(w, "419925901000", "云台县生态环境局", "department", "yuntai", parent="419925000000", cms="epoint")
    w.add_column("yuntai", "yuntai", "/dynamic/zwgk/govInfoPub.html?categorynum=003011", "政府信息公开年报",
                 ["419925000000"], params={"categorynum": "003011"})
    w.add_column("yuntai", "yuntai-sthjj", "/dynamic/zwgk/govInfoPub.html?categorynum=003012", "县生态环境局年报",
                 ["419925901000"], params={"categorynum": "003012"})
    for y in YEARS:
        w.add_report("yuntai", "419925000000", y)
    w.add_notice("yuntai", 2023, date(2023, 12, 20))
    for y in (2022, 2023):
        w.add_report("yuntai-sthjj", "419925901000", y)
