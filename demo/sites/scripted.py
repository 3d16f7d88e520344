"""Lists only a browser sees (松岭县), in shapes no adapter is written for.

* The county's column ``/xxgk/nb/`` is a script redirect shell (``location.replace``) to a frame shell
  whose ``<iframe>`` holds the list; the frame's rows and its pager are written by ``document.writeln``
  from a script array (``list_frame.html``, ``list_frame_2.html`` …). One row links straight to its
  report's file (``P0202….docx``).
* A township's column fills itself from an HTML-fragment API with a page parameter of its own
  (``/portal/ajax/docs.htm?chan=…&ye=N``, “页”), paged by a 下一页 button that calls it again.
"""

from __future__ import annotations

import json
from typing import Iterator

from ..answers import HTML_UTF8, PageMaker, Resp, SiteIndex, int_param
from ..pages import columns_home, esc, footer, page_head, page_header
from ..world import YEARS, Column, Item, Site, World, new_unit
from ._article import article

SCRIPTED = "scripted"
SHAPES = (SCRIPTED,)
FRAGMENT = "/portal/ajax/docs.htm"


def place(w: World, site: Site, col: Column, item: Item) -> None:
    d = item.published
    item.id = w.new_id(300_000, 399_999)
    base = "/xxgk/nb/" if col.params.get("frame") else "/portal/doc/"
    item.path = f"{base}{d.strftime('%Y%m')}/{item.id}.html"
    for a in item.attachments:
        a.id = f"P0{d.strftime('%Y%m%d')}{w.rng.randint(10**11, 10**12 - 1)}"
        a.path = f"{base}{d.strftime('%Y%m')}/{a.id}.{a.kind}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    st["/"] = st["/index.html"] = page(lambda: columns_home(site), ctype=HTML_UTF8)
    for col in site.columns.values():
        if col.params.get("frame"):
            st[col.path] = page(lambda c=col: redirect_shell(site, c), ctype=HTML_UTF8)
            st[col.path + "main.html"] = page(lambda c=col: frame_shell(site, c), ctype=HTML_UTF8)
            for i in range(len(col.pages())):
                name = "list_frame.html" if i == 0 else f"list_frame_{i + 1}.html"
                st[col.path + name] = page(lambda c=col, i=i: frame_list(c, i), ctype=HTML_UTF8)
        else:
            idx.columns[("scripted", col.params["chan"])] = col
            st[col.path] = page(lambda c=col: fragment_column(site, c), ctype=HTML_UTF8)
        for item in col.items:
            if item.path not in st:
                st[item.path] = page(lambda c=col, it=item: article(site, c.name, it), lm=item.published,
                                     ctype=HTML_UTF8)


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    if request.path != FRAGMENT:
        return None
    col = idx.columns.get(("scripted", request.query.get("chan", "")))
    if col is None:
        return Resp(body=b"", content_type=HTML_UTF8)
    pages = col.pages()
    n = int_param(request.query.get("ye"), 1)
    chunk = pages[n - 1] if 1 <= n <= len(pages) else []
    rows = "".join(f'<li><a href="{esc(it.path)}" target="_blank">{esc(it.title)}</a><em>{it.date_str}</em></li>\n'
                   for it in chunk)
    return Resp(body=f'{rows}<p class="count">第{n}页 共{len(pages)}页</p>'.encode(), content_type=HTML_UTF8,
                last_modified=site.modified)


def redirect_shell(site: Site, col: Column) -> str:
    return (page_head(site, "页面跳转中", col.name,
                      f"<script>location.replace('{col.path}main.html');</script>\n")
            + "<body><p>页面跳转中，请稍候……</p></body>\n</html>\n")


def frame_shell(site: Site, col: Column) -> str:
    return (page_head(site, f"{col.name}_{site.name}", col.name) + "<body>\n" + page_header(site, [("首页", "/")])
            + f'<div class="main"><h2>{esc(col.name)}</h2>\n'
            + '<iframe src="list_frame.html" width="100%" height="900" frameborder="0" scrolling="no"></iframe>\n'
            + "</div>\n" + footer(site) + "</body>\n</html>\n")


def frame_list(col: Column, i: int) -> str:
    pages = col.pages()
    docs = [[it.title, it.path, it.date_str] for it in pages[i]]
    nxt = f"list_frame_{i + 2}.html" if i + 1 < len(pages) else ""
    pager = (f"document.writeln('<div class=\"page\">第{i + 1}页/共{len(pages)}页 "
             + (f"<a href=\"{nxt}\">下一页</a>" if nxt else "") + "</div>');\n")
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>列表</title></head>\n<body>\n'
            '<ul class="list">\n<script type="text/javascript">\n'
            f"var docs = {json.dumps(docs, ensure_ascii=False)};\n"
            "for (var i = 0; i < docs.length; i++) {\n"
            "  document.writeln('<li><a href=\"' + docs[i][1] + '\" target=\"_blank\">' + docs[i][0] + "
            "'</a><span>' + docs[i][2] + '</span></li>');\n}\n</script>\n</ul>\n"
            f"<script type=\"text/javascript\">\n{pager}</script>\n</body></html>\n")


def fragment_column(site: Site, col: Column) -> str:
    script = ("<script>\n  var cur = 1;\n  function load(n) {\n"
              f"    fetch('{FRAGMENT}?chan={col.params['chan']}&ye=' + n).then(function (r) {{ return r.text(); }})\n"
              "      .then(function (h) { document.getElementById('docs').innerHTML = h; cur = n; });\n  }\n"
              "  document.getElementById('next').onclick = function () { load(cur + 1); };\n  load(1);\n</script>\n")
    return (page_head(site, f"{col.name}_{site.name}", col.name) + "<body>\n" + page_header(site, [("首页", "/")])
            + f'<div class="main"><h2>{esc(col.name)}</h2><ul id="docs"></ul>\n'
            + '<div class="pager"><span id="next" class="nextbtn">下一页</span></div></div>\n'
            + script + footer(site) + "</body>\n</html>\n")


def build(w: World, ip: Iterator[str]) -> None:
    """松岭县: a redirect and frame shell with rows written by document.writeln (one row links its file),
    and a township list from an HTML-fragment API with its own page parameter."""
    w.add_site(Site("songling", "松岭县人民政府", SCRIPTED, next(ip), params={"sitecode": "4199260001"}))
    new_unit(w, "419926000000", "松岭县人民政府", "county", "songling")
    new_unit(w, "419926100000", "柳河镇人民政府", "township", "songling", parent="419926000000")
    w.add_column("songling", "songling", "/xxgk/nb/", "政府信息公开年报", ["419926000000"], page_size=2,
                 params={"frame": True})
    w.add_column("songling", "songling-lhz", "/portal/bm/lhz.html", "柳河镇政府信息公开年报", ["419926100000"], page_size=2,
                 params={"chan": "12"})
    for y in YEARS:
        item = w.add_report("songling", "419926000000", y, kind="docx" if y == 2023 else "html")
        if y == 2023:
            item.path = item.attachments[0].path  # the list row links the report's file itself
    for y in (2020, 2021, 2022, 2023):
        w.add_report("songling-lhz", "419926100000", y)
