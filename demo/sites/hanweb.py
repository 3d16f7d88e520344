"""Hanweb / 大汉 JCMS (安澜县): ``/col/col<ID>/index.html`` whose list sits in
``<script type="text/xml"><datastore>…``, further pages by POST to ``dataproxy.jsp``; articles
``/art/Y/M/D/art_<col>_<id>.html``; attachments through ``downfile.jsp?filename=<32hex>``."""

from __future__ import annotations

from datetime import date
from typing import Iterator
from urllib.parse import quote

from ..answers import PageMaker, Resp, SiteIndex, download, int_param
from ..pages import article_meta, esc, footer, page_header, site_meta
from ..world import HANWEB, YEARS, Column, Item, Site, World, new_unit

SHAPES = (HANWEB,)
PROXIES = ("/module/web/jpage/dataproxy.jsp", "/module/jpage/dataproxy.jsp")


def place(w: World, site: Site, col: Column, item: Item) -> None:
    d = item.published
    item.id = w.new_id(10_000_000, 19_999_999)
    item.path = f"/art/{d.year}/{d.month}/{d.day}/art_{col.params['columnid']}_{item.id}.html"
    for a in item.attachments:
        a.id = f"{w.rng.getrandbits(128):032x}.{a.kind}"
        a.path = f"/module/download/downfile.jsp?classid=0&filename={a.id}&showname={quote(a.filename)}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    ct = "text/html;charset=UTF-8"
    st["/"] = st["/index.html"] = page(lambda: hanweb_home(site), ctype=ct)
    st["/col/col1229100/index.html"] = page(lambda: hanweb_xxgk(site), ctype=ct)
    st["/col/col1229100/"] = st["/col/col1229100/index.html"]
    js = "application/javascript"
    st["/module/jslib/jquery/jquery.js"] = page(lambda: HANWEB_JQUERY, ctype=js)
    st["/module/web/jpage/jpage.js"] = page(lambda: HANWEB_JPAGE, ctype=js)
    for col in site.columns.values():
        idx.columns[("hanweb", col.params["columnid"])] = col
        st[col.path] = page(lambda c=col: hanweb_column(site, c), ctype=ct)
        st[col.path.removesuffix("index.html")] = st[col.path]
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: hanweb_article(site, c, it), lm=item.published, ctype=ct)


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    """``dataproxy.jsp`` (GET or POST form) and ``downfile.jsp``."""
    path = request.path
    if path in PROXIES:
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        return proxy(site, idx, params)
    if path == "/module/download/downfile.jsp":
        return download(idx, request.query.get("filename", ""), octet=True)
    return None


def proxy(site: Site, idx: SiteIndex, params: dict) -> Resp:
    """``dataproxy.jsp``: the column's records ``startrecord``…``endrecord`` as a ``<datastore>``."""
    col = idx.columns.get(("hanweb", params.get("columnid", "")))
    start = max(1, int_param(params.get("startrecord"), 1))
    perpage = int_param(params.get("perpage"), 15)
    end = int_param(params.get("endrecord"), start + 3 * perpage - 1)
    if col is None:
        body = '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<recordset>\n</recordset>\n' \
               "<totalrecord>0</totalrecord>\n<totalpage>0</totalpage>\n</datastore>\n"
    else:
        body = hanweb_datastore(site, col, start, end)
    return Resp(body=body.encode(), content_type="text/xml;charset=UTF-8", last_modified=site.modified)


def hanweb_record(item: Item) -> str:
    t = esc(item.title, quote=True)
    return (f"<record><![CDATA[\n<li><a href='{item.path}' title='{t}' target='_blank'>{esc(item.title)}</a>"
            f"<span>{item.date_str}</span></li>]]></record>\n")


def _hanweb_nextgroup(site: Site, col: Column) -> str:
    p = col.params
    return (f'<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid={site.params["webid"]}'
            f'&path=/&columnid={p["columnid"]}&unitid={p["unitid"]}&webname={quote(site.name)}'
            '&permissiontype=0"></a>]]></nextgroup>\n')


def hanweb_datastore(site: Site, col: Column, start: int, end: int) -> str:
    """What dataproxy.jsp answers: records ``start``..``end`` (1-based, inclusive) and the totals."""
    items = col.ordered()
    chunk = items[max(0, start - 1):max(0, end)]
    perpage = col.page_size
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n' + _hanweb_nextgroup(site, col)
            + "<recordset>\n" + "".join(hanweb_record(it) for it in chunk) + "</recordset>\n"
            + f"<totalrecord>{len(items)}</totalrecord>\n"
            + f"<totalpage>{max(1, -(-len(items) // perpage))}</totalpage>\n</datastore>\n")


def _hanweb_head(site: Site, title: str, column: str, extra: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{esc(title)}</title>\n"
            f"{site_meta(site, column).replace('SiteIDCode', 'SiteIdCode')}{extra}"
            '<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>\n</head>\n')


def hanweb_home(site: Site) -> str:
    cols = list(site.columns.values())
    links = "".join(f'<li><a href="{c.path}" target="_blank">{esc(c.name)}</a></li>\n' for c in cols)
    return (_hanweb_head(site, site.name, "首页") + "<body>\n"
            + page_header(site, [("首页", "/index.html"), ("政府信息公开", "/col/col1229100/index.html")])
            + f'<div class="xxgk-nb"><h3>政府信息公开年报</h3><ul>\n{links}</ul></div>\n'
            + footer(site) + "</body>\n</html>\n")


def hanweb_xxgk(site: Site) -> str:
    cols = list(site.columns.values())
    links = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>\n' for c in cols)
    return (_hanweb_head(site, f"政府信息公开 {site.name}", "政府信息公开") + "<body>\n"
            + page_header(site, [("首页", "/index.html"), ("政府信息公开", "/col/col1229100/index.html")])
            + f'<div class="bt-left"><h3>政府信息公开年报</h3><ul>\n{links}</ul></div>\n'
            + footer(site) + "</body>\n</html>\n")


def hanweb_column(site: Site, col: Column) -> str:
    """The column page: only the first page of records inline; the rest through dataproxy.jsp."""
    p = col.params
    items = col.ordered()
    first = items[:col.page_size]
    unitid = p["unitid"]
    param = (f"var param_{unitid} = {{col:1,appid:1,webid:{site.params['webid']},path:'/',columnid:{p['columnid']},"
             f"sourceContentType:1,unitid:'{unitid}',webname:'{site.name}',permissiontype:0}};")
    return (_hanweb_head(site, f"{col.name} {site.name}", col.name) + "<body>\n"
            + page_header(site, [("首页", "/index.html"), ("政府信息公开", "/col/col1229100/index.html")])
            + '<div class="bt-position">您当前的位置：<a href="/index.html">首页</a> &gt; '
            + '<a href="/col/col1229100/index.html">政府信息公开</a> &gt; '
            + f'<a href="{col.path}">{esc(col.name)}</a></div>\n'
            + f'<div class="bt-list"><div id="{unitid}">'
            + '<script type="text/xml"><datastore>\n' + _hanweb_nextgroup(site, col) + "<recordset>\n"
            + "".join(hanweb_record(it) for it in first) + "</recordset>\n"
            + f"<totalrecord>{len(items)}</totalrecord>\n</datastore></script></div></div>\n"
            + '<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>\n'
            + f'<script type="text/javascript">\n{param}\n'
            + f"$(function(){{$('#{unitid}').jpage({{dataStore:$('#{unitid} script[type=\"text/xml\"]'),"
            + f"proxyUrl:'/module/web/jpage/dataproxy.jsp',ajaxParam:param_{unitid},perPage:{col.page_size},"
            + f"groupSize:1,totalRecord:{len(items)},dataBefore:'<ul class=\"list\">',dataAfter:'</ul>',"
            + "barPosition:'bottom',pageNum:1});});\n</script>\n"
            + footer(site) + "</body>\n</html>\n")


# The column page loads jQuery and jpage.js like the real sites; these stand-ins do just what the page's
# call needs, so a real browser shows the list (first page from the inline datastore, further pages by
# POST to dataproxy.jsp) while plain HTTP sees the same markup as on a real Hanweb site.
HANWEB_JQUERY = """/* jQuery stand-in (demo): $(fn) and $('#id').jpage(options) */
(function (w) {
  function pick(sel) {
    if (typeof sel !== "string") { return sel; }
    var m = /^#([\\w-]+)(?:\\s+(.*))?$/.exec(sel);
    if (m) { var el = document.getElementById(m[1]); return el && m[2] ? el.querySelector(m[2]) : el; }
    try { return document.querySelector(sel); } catch (e) { return null; }
  }
  function $(sel) {
    if (typeof sel === "function") {
      if (document.readyState !== "loading") { sel(); } else { document.addEventListener("DOMContentLoaded", sel); }
      return;
    }
    var el = pick(sel);
    return { 0: el, length: el ? 1 : 0, jpage: function (o) { if (w.__jpage && el) { w.__jpage(el, o); } } };
  }
  w.$ = w.jQuery = $;
})(window);
"""

HANWEB_JPAGE = """/* jpage stand-in (demo): renders a <datastore> list and pages through dataproxy.jsp */
window.__jpage = function (el, o) {
  var xml = el.querySelector('script[type="text/xml"]');
  function records(text) {
    var out = [], re = /<record><!\\[CDATA\\[([\\s\\S]*?)\\]\\]><\\/record>/g, m;
    while ((m = re.exec(text))) { out.push(m[1]); }
    return out;
  }
  var per = o.perPage || 15, total = o.totalRecord || 0, pages = Math.max(1, Math.ceil(total / per));
  var list = document.createElement("div"), bar = document.createElement("div");
  bar.className = "default_pgPanel";
  el.appendChild(list); el.appendChild(bar);
  function show(recs, page) {
    list.innerHTML = (o.dataBefore || "") + recs.join("") + (o.dataAfter || "");
    var h = "共" + total + "条 " + page + "/" + pages + "页 ";
    for (var p = 1; p <= pages; p++) {
      h += p === page ? "<span>" + p + "</span> " : '<a href="javascript:;" data-page="' + p + '">' + p + "</a> ";
    }
    bar.innerHTML = h;
  }
  function load(page) {
    var start = (page - 1) * per + 1, body = [];
    for (var k in o.ajaxParam) { body.push(encodeURIComponent(k) + "=" + encodeURIComponent(o.ajaxParam[k])); }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", o.proxyUrl + "?startrecord=" + start + "&endrecord=" + (start + per - 1) + "&perpage=" + per);
    xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8");
    xhr.onload = function () { show(records(xhr.responseText), page); };
    xhr.send(body.join("&"));
  }
  bar.addEventListener("click", function (e) {
    var p = e.target.getAttribute && e.target.getAttribute("data-page");
    if (p) { load(parseInt(p, 10)); }
  });
  show(records(xml ? xml.textContent : "").slice(0, per), 1);
};
"""


def hanweb_article(site: Site, col: Column, item: Item) -> str:
    pub = item.published.strftime("%Y-%m-%d %H:%M")
    info = (
        '<div class="xxgk_table"><table>\n'
        f"<tr><td>索引号</td><td>{esc(item.index_no)}</td><td>发布机构</td><td>{esc(item.publisher)}</td></tr>\n"
        f"<tr><td>生成日期</td><td>{item.date_str}</td><td>公开方式</td><td>主动公开</td></tr>\n"
        f"<tr><td>文号</td><td>{esc(item.doc_no)}</td><td>公开范围</td><td>面向社会</td></tr>\n</table></div>\n"
    )
    links = "".join(f'<p><a href="{esc(a.path)}" target="_blank">{esc(a.filename)}</a></p>\n'
                    for a in item.attachments)
    return (_hanweb_head(site, item.title, col.name, article_meta(item, pub)) + "<body>\n"
            + page_header(site, [("首页", "/index.html"), ("政府信息公开", "/col/col1229100/index.html")])
            + info + f'<div class="article"><div class="title">{esc(item.title)}</div>\n'
            + f'<div class="fbrq">发布日期：{pub}　来源：{esc(item.publisher)}　浏览次数：'
            + f'<script language="javascript" src="/module/visitcount/articlehits.jsp?colid={col.params["columnid"]}'
            + f'&artid={item.id}"></script></div>\n'
            + f'<div id="zoom">\n{item.body_html}{links}</div>\n</div>\n'
            + footer(site) + "</body>\n</html>\n")




def build(w: World, ip: Iterator[str]) -> None:
    """安澜县: Hanweb JCMS, one column shared by the county and its departments; a local deadline 02-20."""
    d = date
    w.add_site(Site("anlan", "安澜县人民政府", HANWEB, next(ip), params={"sitecode": "4199030001", "webid": "27"}))
    new_unit(w, "419903000000", "安澜县人民政府", "county", "anlan", cms="hanweb", deadline="02-20")
    new_unit(w, "419903901000", "安澜县自然资源和规划局", "department", "anlan", parent="419903000000", cms="hanweb")
    new_unit(w, "419903902000", "安澜县民政局", "department", "anlan", parent="419903000000", cms="hanweb")
    new_unit(w, "419903001000", "东湖街道办事处", "township", "anlan", parent="419903000000", cms="hanweb")
    new_unit(w, "419903100000", "西岭镇人民政府", "township", "anlan", parent="419903000000", cms="hanweb")
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
