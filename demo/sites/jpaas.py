"""Hanweb jpaas (溪口县): the column page ``/col/col<ID>/index.html`` is a shell whose script asks
``/api-gateway/jpaas-publish-server/front/page/build/unit?…&paramJson={"pageNo":N,"pageSize":"3"}`` and
writes ``data.html``; a bare ``pageNo``/``page`` is ignored (page 1 again); the pager markup carries
``count="N"``. Articles ``/art/YYYY/M/D/art_<col>_<id>.html``."""

from __future__ import annotations

import json
from datetime import date
from typing import Iterator

from ..answers import HTML_UTF8, PageMaker, Resp, SiteIndex
from ..pages import columns_home, esc, footer, page_head, page_header
from ..world import YEARS, Column, Item, Site, World, new_unit
from ._article import article

JPAAS = "jpaas"
SHAPES = (JPAAS,)
API = "/api-gateway/jpaas-publish-server/front/page/build/unit"


def place(w: World, site: Site, col: Column, item: Item) -> None:
    d = item.published
    item.id = w.new_id(50_000_000, 59_999_999)
    item.path = f"/art/{d.year}/{d.month}/{d.day}/art_{col.params['pageId']}_{item.id}.html"
    for a in item.attachments:
        a.id = f"{w.rng.getrandbits(128):032x}"
        a.path = f"/module/download/downfile.jsp?classid=0&filename={a.id}.{a.kind}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    st["/"] = st["/index.html"] = page(lambda: columns_home(site), ctype=HTML_UTF8)
    for col in site.columns.values():
        idx.columns[("jpaas", col.params["pageId"])] = col
        st[col.path] = page(lambda c=col: column_page(site, c), ctype=HTML_UTF8)
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: article(site, c.name, it, content='id="zoom"'),
                                 lm=item.published, ctype=HTML_UTF8)


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    if request.path == "/module/download/downfile.jsp":
        from ..answers import download

        return download(idx, request.query.get("filename", "").rsplit(".", 1)[0], octet=True)
    if request.path != API:
        return None
    q = request.query
    col = idx.columns.get(("jpaas", q.get("pageId", "")))
    if col is None or q.get("webId") != site.params["webId"]:
        return Resp(body=b'{"success": false, "message": "unit not found"}', content_type="application/json")
    try:  # paging only through paramJson: a bare pageNo or page is ignored
        param = json.loads(q.get("paramJson") or "{}")
        page, size = int(param.get("pageNo", 1)), int(param.get("pageSize", col.page_size))
    except (ValueError, TypeError, AttributeError):
        page, size = 1, col.page_size
    items = col.ordered()
    chunk = items[(page - 1) * size: page * size] if page >= 1 else []
    lis = "".join(f'<li>\n  <a title="{esc(it.title)}" target="_blank" href="{esc(it.path)}">{esc(it.title)}</a>\n'
                  f"  <b>{it.date_str}</b>\n</li>\n" for it in chunk)
    html = (f'<ul class="list">{lis}</ul><div class="pagination" count="{len(items)}" pagesize="{size}" '
            f'pageno="{page}"><a href="javascript:void(0)">下一页</a></div>')
    body = {"success": True, "message": "", "data": {"html": html}}
    return Resp(body=json.dumps(body, ensure_ascii=False).encode(), content_type="application/json;charset=UTF-8",
                last_modified=site.modified)


def column_page(site: Site, col: Column) -> str:
    script = ("<script>\n  var unitParams = {\n"
              f"    parseType: 'bulidstatic', webId: '{site.params['webId']}', tplSetId: '{site.params['tplSetId']}',"
              f" pageType: 'column',\n    tagId: '当前栏目列表a', editType: 'null', pageId: '{col.params['pageId']}'\n  }};\n"
              "  function loadList(pageNo) {\n    var q = [];\n"
              "    for (var k in unitParams) { q.push(k + '=' + encodeURIComponent(unitParams[k])); }\n"
              f"    q.push('paramJson=' + encodeURIComponent(JSON.stringify({{pageNo: pageNo, pageSize: '{col.page_size}'}})));\n"
              f"    fetch('{API}?' + q.join('&')).then(function (r) {{ return r.json(); }}).then(function (res) {{\n"
              "      document.getElementById('xxgk_list').innerHTML = res.data.html; });\n  }\n"
              "  loadList(1);\n</script>\n")
    return (page_head(site, f"{col.name} {site.name}", col.name) + "<body>\n"
            + page_header(site, [("首页", "/")])
            + f'<div class="main"><div class="lmtitle">{esc(col.name)}</div>\n<div id="xxgk_list"></div></div>\n'
            + script + footer(site) + "</body>\n</html>\n")


def build(w: World, ip: Iterator[str]) -> None:
    """溪口县: Hanweb jpaas; lists from the unit API, paged only by paramJson."""
    w.add_site(Site("xikou", "溪口县人民政府", JPAAS, next(ip),
                    params={"sitecode": "4199230001", "webId": "149", "tplSetId": "LWYUCb5AkzKrVm7WODRpT"}))
    new_unit(w, "419923000000", "溪口县人民政府", "county", "xikou", cms="jpaas")
    new_unit(w, "419923100000", "递铺镇人民政府", "township", "xikou", parent="419923000000")
    w.add_column("xikou", "xikou", "/col/col1229518623/index.html", "政府信息公开年报", ["419923000000"], page_size=3,
                 params={"pageId": "1229518623"})
    w.add_column("xikou", "xikou-dpz", "/col/col1229518624/index.html", "递铺镇政府信息公开年报", ["419923100000"],
                 page_size=3, params={"pageId": "1229518624"})
    for y in YEARS:
        w.add_report("xikou", "419923000000", y)
    w.add_notice("xikou", 2022, date(2022, 12, 12))
    for y in (2022, 2023):
        w.add_report("xikou-dpz", "419923100000", y)
