"""truecms (皋东市, the Nantong family): a column page naming ``columnId:'…'`` and
``proxyUrl:'/truecms/messageController/getMessage.do'``; the list is JSONP ``cb({"result": "<datastore>…"})``
by ``startrecord``/``endrecord``/``perpage``. Like 如皋 it answers **404 without a Referer** and 404 for
``perpage`` above 20. Articles ``/gdsrmzf/content/<id>.html``."""

from __future__ import annotations

import json
from datetime import date
from typing import Iterator

from ..answers import HTML_UTF8, PageMaker, Resp, SiteIndex, int_param
from ..pages import columns_home, esc, footer, not_found, page_head, page_header
from ..world import YEARS, Column, Item, Site, World, new_unit
from ._article import article

TRUECMS = "truecms"
SHAPES = (TRUECMS,)
PROXY = "/truecms/messageController/getMessage.do"
MAX_PERPAGE = 20


def place(w: World, site: Site, col: Column, item: Item) -> None:
    item.id = w.new_id(60_000, 69_999)
    item.path = f"/gdsrmzf/content/{item.id}.html"
    for a in item.attachments:
        a.id = f"{w.rng.getrandbits(64):016x}"
        a.path = f"/gdsrmzf/uploadfile/{a.id}.{a.kind}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    st["/"] = st["/index.html"] = page(lambda: columns_home(site), ctype=HTML_UTF8)
    for col in site.columns.values():
        idx.columns[("truecms", col.params["columnId"])] = col
        st[col.path] = page(lambda c=col: column_page(site, c), ctype=HTML_UTF8)
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: article(site, c.name, it), lm=item.published, ctype=HTML_UTF8)


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    if request.path != PROXY:
        return None
    q = request.query
    perpage = int_param(q.get("perpage"), 15)
    if not request.headers.get("Referer") or perpage > MAX_PERPAGE:
        return Resp(status=404, body=not_found().encode(), content_type=HTML_UTF8)
    col = idx.columns.get(("truecms", q.get("columnId", "")))
    items = col.ordered() if col else []
    start = max(1, int_param(q.get("startrecord"), 1))
    end = min(int_param(q.get("endrecord"), start + perpage - 1), start + perpage - 1)
    records = "".join(f"<record><![CDATA[<li><a href='{it.path}' target='_blank' title='{esc(it.title)}'>"
                      f"{esc(it.title)}</a><span>{it.date_str}</span></li>]]></record>" for it in items[start - 1:end])
    result = f"<datastore><totalrecord>{len(items)}</totalrecord><recordset>{records}</recordset></datastore>"
    callback = q.get("callback") or "callback"
    body = f"{callback}({json.dumps({'result': result, 'success': True}, ensure_ascii=False)});"
    return Resp(body=body.encode(), content_type="application/javascript;charset=UTF-8", last_modified=site.modified)


def column_page(site: Site, col: Column) -> str:
    script = ('<script src="/truecms/js/truecms.list.js"></script>\n<script>\n  var pageConfig = {\n'
              f"    columnId: '{col.params['columnId']}',\n    proxyUrl: '{PROXY}',\n    perpage: 15,\n"
              "    renderTo: 'list'\n  };\n</script>\n")
    return (page_head(site, f"{col.name}-{site.name}", col.name) + "<body>\n" + page_header(site, [("首页", "/")])
            + f'<div class="list-box"><h2>{esc(col.name)}</h2><ul id="list"></ul><div id="pager"></div></div>\n'
            + script + footer(site) + "</body>\n</html>\n")


def build(w: World, ip: Iterator[str]) -> None:
    """皋东市: truecms JSONP lists; Referer required, perpage capped at 20; the county's list runs to two pages."""
    w.add_site(Site("gaodong", "皋东市人民政府", TRUECMS, next(ip), params={"sitecode": "4199240001"}))
    new_unit(w, "419924000000", "皋东市人民政府", "county", "gaodong", cms="truecms")
    new_unit(w, "419924100000", "丁堰镇人民政府", "township", "gaodong", parent="419924000000")
    w.add_column("gaodong", "gaodong", "/gdsrmzf/zfxxgknb/index.html", "政府信息公开年报", ["419924000000"],
                 params={"columnId": "35867"})
    w.add_column("gaodong", "gaodong-dyz", "/gdsrmzf/dyznb/index.html", "丁堰镇政府信息公开年报", ["419924100000"],
                 params={"columnId": "35868"})
    for y in YEARS:
        w.add_report("gaodong", "419924000000", y)
    for i in range(18):  # a long column: the oldest reports are on the second page of 20
        w.add_news("gaodong", f"皋东市政务公开工作动态（第{i + 1}期）", date(2023, 1 + i % 12, 1 + i))
    for y in (2022, 2023):
        w.add_report("gaodong-dyz", "419924100000", y)
