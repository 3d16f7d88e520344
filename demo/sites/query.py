"""Query-string paging (永宁县): ``iList.jsp?node_id=…&cat_id=…&cur_page=N`` and
``iContent.jsp?…&info_id=…``; one township's list is a pagination trap (every page N links to N+1)."""

from __future__ import annotations

from datetime import date
from typing import Iterator

from ..answers import PageMaker, Resp, SiteIndex, int_param
from ..pages import article_meta, attachment_block, esc, footer, page_head, page_header
from ..world import QUERY, YEARS, Column, Item, Site, World, new_unit

SHAPES = (QUERY,)


def place(w: World, site: Site, col: Column, item: Item) -> None:
    d = item.published
    item.id = w.new_id(1_000, 99_999)
    p = col.params
    item.path = f"/iContent.jsp?node_id={p['node_id']}&cat_id={p['cat_id']}&info_id={item.id}"
    for a in item.attachments:
        a.id = f"{d.strftime('%Y%m%d%H%M%S')}{w.rng.randint(100, 999)}"
        a.path = f"/uploadfiles/{d.strftime('%Y%m')}/{a.id}.{a.kind}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    st["/"] = st["/index.html"] = st["/index.jsp"] = page(lambda: query_home(site), ctype="text/html;charset=UTF-8")
    for col in site.columns.values():
        idx.columns[("query", col.params["node_id"], col.params["cat_id"])] = col


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    """``iList.jsp`` (a column's page ``cur_page``) and ``iContent.jsp`` (an article)."""
    q = request.query
    if request.path == "/iList.jsp":
        col = idx.columns.get(("query", q.get("node_id", ""), q.get("cat_id", "")))
        if col is None:
            return None
        page = max(1, int_param(q.get("cur_page"), 1))
        return Resp(body=query_list(site, col, page).encode(), content_type="text/html;charset=UTF-8",
                    last_modified=site.modified)
    if request.path == "/iContent.jsp":
        found = idx.items.get(int_param(q.get("info_id"), -1))
        if found is None:
            return None
        col, item = found
        return Resp(body=query_article(site, col, item).encode(), content_type="text/html;charset=UTF-8",
                    last_modified=item.published)
    return None


def _qs(node: str, cat: str, page: int) -> str:
    return f"iList.jsp?node_id={node}&amp;cat_id={cat}&amp;cur_page={page}"


def query_home(site: Site) -> str:
    links = "".join(f'<li><a href="{esc(c.path)}">{esc(c.name)}</a></li>' for c in site.columns.values())
    return (page_head(site, site.name) + "<body>\n" + page_header(site, [("首页", "/"), ("信息公开", "/xxgk.jsp")])
            + f'<div class="box"><h3>政府信息公开年报</h3><ul>{links}</ul></div>\n' + footer(site) + "</body>\n</html>\n")


def query_list(site: Site, col: Column, page: int) -> str:
    p = col.params
    pages = col.pages()
    if col.trap:
        items = pages[0]  # every page answers the same items…
        bar = (f'<div class="pagination">第<span>{page}</span>页&nbsp;'  # …and always one more page
               f'<a href="{_qs(p["node_id"], p["cat_id"], 1)}">首页</a>&nbsp;'
               + (f'<a href="{_qs(p["node_id"], p["cat_id"], page - 1)}">上一页</a>&nbsp;' if page > 1 else "")
               + f'<a href="{_qs(p["node_id"], p["cat_id"], page + 1)}">下一页</a></div>\n')
    else:
        n = len(pages)
        items = pages[page - 1] if 1 <= page <= n else []
        parts = [f'<div class="pagination">共<span>{len(col.items)}</span>条&nbsp;第<span>{page}</span>/<span>{n}</span>页&nbsp;',
                 f'<a href="{_qs(p["node_id"], p["cat_id"], 1)}">首页</a>&nbsp;']
        parts.append(f'<a href="{_qs(p["node_id"], p["cat_id"], page - 1)}">上一页</a>&nbsp;' if page > 1
                     else "<span>上一页</span>&nbsp;")
        parts.append(f'<a href="{_qs(p["node_id"], p["cat_id"], page + 1)}">下一页</a>&nbsp;' if page < n
                     else "<span>下一页</span>&nbsp;")
        parts.append(f'<a href="{_qs(p["node_id"], p["cat_id"], n)}">尾页</a></div>\n')
        bar = "".join(parts)
    rows = "".join(
        f'<tr><td class="title"><a href="{esc(it.path.lstrip("/"))}" target="_blank" title="{esc(it.title)}">'
        f'{esc(it.title)}</a></td><td class="date">[{it.date_str}]</td></tr>\n' for it in items)
    return (page_head(site, f"{col.name}-{site.name}", col.name) + "<body>\n"
            + page_header(site, [("首页", "/"), ("信息公开", "/xxgk.jsp")])
            + f'<div class="position">当前位置：<a href="/">首页</a> &gt; {esc(col.name)}</div>\n'
            + f'<div class="list"><table class="list-table" width="100%">\n{rows}</table></div>\n' + bar
            + footer(site) + "</body>\n</html>\n")


def query_article(site: Site, col: Column, item: Item) -> str:
    pub = item.published.strftime("%Y-%m-%d %H:%M:%S")
    attachments = attachment_block(item, lambda a: a.path)
    return (page_head(site, item.title, col.name, article_meta(item, pub)) + "<body>\n"
            + page_header(site, [("首页", "/"), ("信息公开", "/xxgk.jsp")])
            + '<div class="info-table"><table>\n'
            + f"<tr><td>索引号：{esc(item.index_no)}</td><td>发布机构：{esc(item.publisher)}</td></tr>\n"
            + f"<tr><td>发布日期：{item.date_str}</td><td>文号：{esc(item.doc_no)}</td></tr>\n</table></div>\n"
            + f'<div class="article"><h2>{esc(item.title)}</h2>\n'
            + f'<div class="source">发布时间：{pub}　信息来源：{esc(item.publisher)}</div>\n'
            + f'<div class="content" id="content">\n{item.body_html}</div>\n{attachments}</div>\n'
            + footer(site) + "</body>\n</html>\n")




def build(w: World, ip: Iterator[str]) -> None:
    """永宁县: query-string paging; one township's list is a pagination trap."""
    d = date
    w.add_site(Site("yongning", "永宁县人民政府", QUERY, next(ip), params={"sitecode": "4199060001"}))
    new_unit(w, "419906000000", "永宁县人民政府", "county", "yongning", cms="query")
    new_unit(w, "419906901000", "永宁县公安局", "department", "yongning", parent="419906000000", cms="query")
    new_unit(w, "419906100000", "古城镇人民政府", "township", "yongning", parent="419906000000", cms="query")
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
