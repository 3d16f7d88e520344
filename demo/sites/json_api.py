"""A 政府信息公开平台 (新安区) whose list pages are filled from ``/api/xxgk/list`` by a script, and one
list that only exists after running the page's inline script (an obfuscated payload)."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Iterator

from ..answers import HTML_UTF8, PageMaker, Resp, SiteIndex, int_param
from ..pages import article_meta, esc, footer, page_header, site_meta
from ..world import JSONAPI, YEARS, Column, Item, Site, World, new_unit

SHAPES = (JSONAPI,)


def place(w: World, site: Site, col: Column, item: Item) -> None:
    d = item.published
    item.id = w.new_id(100_000, 999_999)
    item.path = f"/xxgk/content_{item.id}"
    for a in item.attachments:
        a.id = f"{w.rng.getrandbits(128):032x}"
        a.path = f"/xxgk/upload/{d.year}/{d.month:02d}/{a.id}.{a.kind}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    st["/"] = st["/index.html"] = page(lambda: json_home(site), ctype=HTML_UTF8)
    st["/xxgk/"] = st["/xxgk/index.html"] = page(lambda: json_xxgk(site), ctype=HTML_UTF8)
    for col in site.columns.values():
        if col.js_only:
            st[col.path] = page(lambda c=col: json_jsonly_column(site, c), ctype=HTML_UTF8)
        else:
            idx.columns[("json", col.params["columnId"])] = col
            st[col.path] = page(lambda c=col: json_column(site, c), ctype=HTML_UTF8)
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: json_article(site, c, it), lm=item.published, ctype=HTML_UTF8)


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    """``/api/xxgk/list?columnId=…&page=…&size=…`` (also ``pageNo``/``pageNum``, ``pageSize``/``rows``)."""
    if request.path != "/api/xxgk/list":
        return None
    q = request.query
    col = idx.columns.get(("json", q.get("columnId", "")))
    page = int_param(q.get("page") or q.get("pageNo") or q.get("pageNum"), 1)
    size = min(100, max(1, int_param(q.get("size") or q.get("pageSize") or q.get("rows"), 10)))
    return Resp(body=json_api(col, page, size).encode(), content_type="application/json;charset=UTF-8",
                last_modified=site.modified)


def _json_head(site: Site, title: str, column: str | None = None, extra: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{esc(title)}</title>\n"
            f"{site_meta(site, column)}{extra}</head>\n")


def _json_nav(site: Site) -> str:
    links = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>' for c in site.columns.values())
    return f'<div class="xxgk-nav"><h3>政府信息公开年报</h3><ul>{links}</ul></div>\n'


def json_home(site: Site) -> str:
    return (_json_head(site, site.name) + "<body>\n"
            + page_header(site, [("首页", "/"), ("政府信息公开", "/xxgk/index.html")]) + footer(site) + "</body>\n</html>\n")


def json_xxgk(site: Site) -> str:
    return (_json_head(site, f"{site.name[:3]}政府信息公开平台", "政府信息公开") + "<body>\n"
            + f'<div class="xxgk-header">{esc(site.name[:3])}政府信息公开平台</div>\n' + _json_nav(site)
            + footer(site) + "</body>\n</html>\n")


_JSON_LIST_SCRIPT = """<script type="text/javascript">
(function () {
  var list = document.getElementById("xxgkList");
  var pager = document.getElementById("xxgkPager");
  var api = list.getAttribute("data-api") || "/api/xxgk/list";
  var columnId = list.getAttribute("data-column-id");
  var size = parseInt(list.getAttribute("data-page-size"), 10) || 10;
  function esc(s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; }
  function load(page) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", api + "?columnId=" + columnId + "&page=" + page + "&size=" + size);
    xhr.onload = function () {
      var res = JSON.parse(xhr.responseText), html = "";
      for (var i = 0; i < res.data.length; i++) {
        var it = res.data[i];
        html += '<li><a href="' + it.url + '" target="_blank" title="' + esc(it.title) + '">' + esc(it.title) +
                '</a><span class="date">' + it.publishDate + '</span></li>';
      }
      list.innerHTML = html;
      var pages = Math.ceil(res.total / size), bar = "";
      for (var p = 1; p <= pages; p++) {
        bar += p === page ? '<span class="cur">' + p + '</span>' : '<a href="javascript:;" data-page="' + p + '">' + p + '</a>';
      }
      pager.innerHTML = bar + '<span class="total">共' + res.total + '条</span>';
    };
    xhr.send();
  }
  pager.addEventListener("click", function (e) {
    var p = e.target.getAttribute && e.target.getAttribute("data-page");
    if (p) { load(parseInt(p, 10)); }
  });
  load(1);
})();
</script>
"""


def json_column(site: Site, col: Column) -> str:
    return (_json_head(site, f"{col.name}-政府信息公开年报-{site.name[:3]}政府信息公开平台", "政府信息公开年报") + "<body>\n"
            + f'<div class="xxgk-header">{esc(site.name[:3])}政府信息公开平台</div>\n' + _json_nav(site)
            + f'<div class="xxgk-main"><h2>{esc(col.name)} · 政府信息公开年报</h2>\n'
            + f'<ul class="xxgk-list" id="xxgkList" data-api="/api/xxgk/list" data-column-id="{col.params["columnId"]}" '
            + f'data-page-size="{col.page_size}"></ul>\n<div class="xxgk-pager" id="xxgkPager"></div>\n</div>\n'
            + _JSON_LIST_SCRIPT + footer(site) + "</body>\n</html>\n")


def json_jsonly_column(site: Site, col: Column) -> str:
    """A list whose HTML holds no item: the inline script decodes its payload and writes them."""
    payload = obfuscate([{"t": it.title, "u": it.path, "d": it.date_str} for it in col.ordered()])
    script = (
        '<script type="text/javascript">\n'
        f'var _$d="{payload}";\n'
        "(function(){var s=_$d.split('').reverse().join('');"
        "var a=JSON.parse(decodeURIComponent(escape(window.atob(s))));var h=[];"
        "for(var i=0;i<a.length;i++){var d=document.createElement('div');d.textContent=a[i].t;"
        "h.push('<li><a href=\"'+a[i].u+'\" target=\"_blank\" title=\"'+d.innerHTML+'\">'+d.innerHTML+"
        "'</a><span class=\"date\">'+a[i].d+'</span></li>');}"
        "document.getElementById('xxgkList').innerHTML=h.join('');})();\n</script>\n"
    )
    return (_json_head(site, f"{col.name}-政府信息公开年报-{site.name[:3]}政府信息公开平台", "政府信息公开年报") + "<body>\n"
            + f'<div class="xxgk-header">{esc(site.name[:3])}政府信息公开平台</div>\n' + _json_nav(site)
            + f'<div class="xxgk-main"><h2>{esc(col.name)} · 政府信息公开年报</h2>\n'
            + '<ul class="xxgk-list" id="xxgkList"></ul>\n</div>\n' + script + footer(site) + "</body>\n</html>\n")


def json_api(col: Column | None, page: int, size: int) -> str:
    items = col.ordered() if col is not None else []
    chunk = items[(page - 1) * size:page * size] if page >= 1 else []
    data = [{"id": it.id, "title": it.title, "url": it.path, "publishDate": it.date_str, "publisher": it.publisher,
             "indexNo": it.index_no} for it in chunk]
    return json.dumps({"code": 200, "msg": "success", "total": len(items), "page": page, "size": size,
                       "pages": -(-len(items) // size) if size else 0, "data": data}, ensure_ascii=False)


def json_article(site: Site, col: Column, item: Item) -> str:
    meta = (
        '<table class="xxgk-meta">\n'
        f"<tr><th>索引号</th><td>{esc(item.index_no)}</td><th>发布机构</th><td>{esc(item.publisher)}</td></tr>\n"
        f"<tr><th>文　号</th><td>{esc(item.doc_no)}</td><th>发布日期</th><td>{item.date_str}</td></tr>\n"
        f'<tr><th>名　称</th><td colspan="3">{esc(item.title)}</td></tr>\n</table>\n'
    )
    attachments = ""
    if item.attachments:
        links = "".join(f'<li><a href="{esc(a.path)}" download="{esc(a.filename)}">{esc(a.filename)}</a></li>'
                        for a in item.attachments)
        attachments = f'<div class="article-attach"><p>附件：</p><ul>{links}</ul></div>\n'
    return (_json_head(site, item.title, "政府信息公开年报", article_meta(item, item.date_str)) + "<body>\n"
            + f'<div class="xxgk-header">{esc(site.name[:3])}政府信息公开平台</div>\n' + meta
            + f'<div class="article"><h1>{esc(item.title)}</h1>\n'
            + f'<div class="article-content" id="zoom">\n{item.body_html}</div>\n{attachments}</div>\n'
            + footer(site) + "</body>\n</html>\n")



def obfuscate(data: object) -> str:
    """The JS-only list's payload: reversed base64 of its JSON (the page's script undoes it)."""
    return base64.b64encode(json.dumps(data, ensure_ascii=False).encode("utf-8")).decode()[::-1]


def build(w: World, ip: Iterator[str]) -> None:
    """新安区: 政府信息公开平台 filled from a JSON API; one township list only renders with JavaScript."""
    d = date
    w.add_site(Site("xinan", "新安区人民政府", JSONAPI, next(ip), params={"sitecode": "4199050001"}))
    new_unit(w, "419905000000", "新安区人民政府", "county", "xinan", cms="json")
    new_unit(w, "419905901000", "新安区市场监督管理局", "department", "xinan", parent="419905000000", cms="json")
    new_unit(w, "419905100000", "南山镇人民政府", "township", "xinan", parent="419905000000", cms="json")
    new_unit(w, "419905001000", "北关街道办事处", "township", "xinan", parent="419905000000", cms="json", render="browser")
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
