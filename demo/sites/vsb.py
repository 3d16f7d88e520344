"""VSB / 博达 (石门县): lists ``nb.htm``, then ``nb/N.htm`` numbered downwards; articles
``info/<tree>/<id>.htm`` with ``#vsb_content``; attachments through ``download.jsp``, which refuses a
request without a same-site Referer."""

from __future__ import annotations

from datetime import date
from typing import Iterator
from urllib.parse import urlsplit

from ..answers import PageMaker, Resp, SiteIndex, download
from ..pages import esc, footer, forbidden_download, page_header, relative, root_columns
from ..world import VSB, YEARS, Column, Item, Site, World, new_unit

SHAPES = (VSB,)


def place(w: World, site: Site, col: Column, item: Item) -> None:
    item.id = w.new_id(10_000, 99_999)
    item.path = f"/info/{col.params['tree']}/{item.id}.htm"
    for a in item.attachments:
        a.id = str(w.new_id(1_000_000, 9_999_999))
        a.path = (f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
                  f"&owner={site.params['owner']}&wbfileid={a.id}")


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    st = idx.static
    st["/"] = st["/index.htm"] = page(lambda: vsb_home(site))
    st["/xxgk.htm"] = page(lambda: vsb_xxgk(site))
    for col in site.columns.values():
        n = len(col.pages())
        for p in range(1, n + 1):
            st[vsb_page_path(col, p, n)] = page(lambda c=col, p=p: vsb_column(site, c, p))
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: vsb_article(site, c, it), lm=item.published)


async def route(web, site: Site, request, idx: SiteIndex) -> Resp | None:
    """``download.jsp``: the file, for a request that comes from a page of this site."""
    if request.path != "/system/_content/download.jsp":
        return None
    ref = request.headers.get("Referer")
    if not ref or urlsplit(ref).netloc != request.host:
        return Resp(status=403, body=forbidden_download().encode())
    return download(idx, request.query.get("wbfileid", ""), octet=True)


def vsb_page_path(col: Column, page: int, pages: int) -> str:
    """Page ``page`` (1-based) of a VSB list: nb.htm, then nb/{pages-1}.htm … nb/1.htm (older = smaller)."""
    stem = col.path.removesuffix(".htm")
    return col.path if page == 1 else f"{stem}/{pages - page + 1}.htm"


def _vsb_head(site: Site, title: str, extra: str = "") -> str:
    return ("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
            "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
            "<html xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n"
            f"<title>{esc(title)}</title>\n"
            f"<META Name=\"keywords\" Content=\"{esc(site.name)}\" />\n{extra}"
            "\n<!--Announced by Visual SiteBuilder 9-->\n"
            "<link rel=\"stylesheet\" type=\"text/css\" href=\"/_sitegray/_sitegray_d.css\" />\n"
            "<script language=\"javascript\" src=\"/_sitegray/_sitegray.js\"></script>\n"
            "<!-- CustomerNO:77656262657232307e7a47525251574200000000455d -->\n"
            "<link rel=\"stylesheet\" type=\"text/css\" href=\"/dfiles/style.css\" />\n</head>\n")


def vsb_home(site: Site) -> str:
    nav = [("网站首页", "index.htm"), ("政务动态", "zwdt.htm"), ("信息公开", "xxgk.htm"), ("政务服务", "zwfw.htm")]
    return (_vsb_head(site, site.name) + "<body>\n" + page_header(site, nav)
            + '<div class="main"><div class="tzgg"><h3>通知公告</h3></div></div>\n' + footer(site) + "</body></html>\n")


def vsb_xxgk(site: Site) -> str:
    roots = root_columns(site)
    left = [("政府信息公开指南", "xxgk/zfxxgkzn.htm"), ("政府信息公开制度", "xxgk/zfxxgkzd.htm")]
    left += [(c.name, c.path.lstrip("/")) for c in roots]
    links = "".join(f'<li><a href="{h}">{esc(t)}</a></li>\n' for t, h in left)
    return (_vsb_head(site, f"信息公开-{site.name}") + "<body>\n"
            + page_header(site, [("网站首页", "index.htm"), ("信息公开", "xxgk.htm")])
            + f'<div class="left-nav"><ul>\n{links}</ul></div>\n' + footer(site) + "</body></html>\n")


def vsb_column(site: Site, col: Column, page: int) -> str:
    pages = col.pages()
    n = len(pages)
    items = pages[page - 1] if page <= n else []
    here = vsb_page_path(col, page, n)

    def link(p: int) -> str:
        return relative(vsb_page_path(col, p, n), here).removeprefix("./")

    lis = "".join(
        f'<li id="line_u8_{i}"><a href="{relative(it.path, here).removeprefix("./")}" target="_blank" '
        f'title="{esc(it.title)}">{esc(it.title)}</a><span>{it.date_str}</span></li>\n'
        for i, it in enumerate(items))
    bar = [f'<span class="p_t">共{len(col.items)}条</span> <span class="p_pages">']
    if page == 1:
        bar.append('<span class="p_first_d p_fun_d">首页</span><span class="p_prev_d p_fun_d">上页</span>')
    else:
        bar.append(f'<span class="p_first p_fun"><a href="{link(1)}">首页</a></span>'
                   f'<span class="p_prev p_fun"><a href="{link(page - 1)}">上页</a></span>')
    for p in range(1, n + 1):
        bar.append(f'<span class="p_no_d">{p}</span>' if p == page
                   else f'<span class="p_no"><a href="{link(p)}">{p}</a></span>')
    if page >= n:
        bar.append('<span class="p_next_d p_fun_d">下页</span><span class="p_last_d p_fun_d">尾页</span>')
    else:
        bar.append(f'<span class="p_next p_fun"><a href="{link(page + 1)}">下页</a></span>'
                   f'<span class="p_last p_fun"><a href="{link(n)}">尾页</a></span>')
    bar.append(f'</span> <span class="p_t">{page}/{n}</span>')
    children = [c for c in site.columns.values() if c.parent == col.key]
    sub = ""
    if children:
        sub = ('<div class="sub-nav">' + "".join(f'<a href="{relative(c.path, here).removeprefix("./")}">{esc(c.name)}</a>'
                                                 for c in children) + "</div>\n")
    return (_vsb_head(site, f"{col.name}-{site.name}") + "<body>\n"
            + page_header(site, [("网站首页", relative("/index.htm", here)), ("信息公开", relative("/xxgk.htm", here))])
            + f'<div class="dqwz">当前位置：<a href="{relative("/index.htm", here)}">网站首页</a>&gt;&gt;'
            + f'<a href="{relative("/xxgk.htm", here)}">信息公开</a>&gt;&gt;{esc(col.name)}</div>\n'
            + sub + f'<div class="list"><ul>\n{lis}</ul></div>\n'
            + '<div class="pb_sys_common pb_sys_normal pb_sys_style1" style="text-align:center">'
            + "".join(bar) + "</div>\n" + footer(site) + "</body></html>\n")


def vsb_article(site: Site, col: Column, item: Item) -> str:
    owner = site.params["owner"]
    attachments = ""
    if item.attachments:
        lis = "".join(
            f'<li>附件【<a href="{esc(a.path)}" target="_blank">{esc(a.filename)}</a>】已下载'
            f'<span id="nattach{a.id}"><script language="javascript">getClickTimes({a.id},{owner},'
            '"wbnewsfile","attach")</script></span>次</li>\n' for a in item.attachments)
        attachments = f'<ul style="list-style-type:none;">\n{lis}</ul>\n'
    return (_vsb_head(site, f"{item.title}-{site.name}",
                      f'<META Name="description" Content="{esc(item.title)}" />')
            + "<body>\n" + page_header(site, [("网站首页", "../../index.htm"), ("信息公开", "../../xxgk.htm")])
            + '<form name="_newscontent_fromname">\n'
            + f'<div class="content-title"><h3>{esc(item.title)}</h3></div>\n'
            + f'<div class="content-info">来源: {esc(item.publisher)} &nbsp;作者: &nbsp;时间:{item.date_str} &nbsp;点击数:'
            + f'<script>_showDynClicks("wbnews", {owner}, {item.id})</script></div>\n'
            + f'<div id="vsb_content"><div class="v_news_content">\n{item.body_html}</div></div>\n'
            + attachments + "</form>\n" + footer(site) + "</body></html>\n")




def build(w: World, ip: Iterator[str]) -> None:
    """石门县: VSB, only a home page in the registry (discovery); lists numbered downwards."""
    d = date
    w.add_site(Site("shimen", "石门县人民政府", VSB, next(ip), params={"sitecode": "4199040001", "owner": "1714567890"}))
    new_unit(w, "419904000000", "石门县人民政府", "county", "shimen", home_only=True)
    new_unit(w, "419904100000", "红星镇人民政府", "township", "shimen", parent="419904000000", cms="vsb")
    new_unit(w, "419904901000", "石门县农业农村局", "department", "shimen", parent="419904000000", cms="vsb")
    w.add_column("shimen", "sm", "/xxgk/zfxxgknb.htm", "政府信息公开年报", ["419904000000"], page_size=3,
                 params={"tree": "1025"})
    w.add_column("shimen", "sm-hxz", "/xxgk/zfxxgknb/hxz.htm", "红星镇", ["419904100000"], page_size=3,
                 params={"tree": "1026"}, parent="sm")
    w.add_column("shimen", "sm-nyncj", "/xxgk/zfxxgknb/nyncj.htm", "县农业农村局", ["419904901000"], page_size=3,
                 params={"tree": "1027"}, parent="sm")
    for y in YEARS:
        w.add_report("sm", "419904000000", y)
    w.add_notice("sm", 2023, d(2023, 12, 18))
    w.add_news("sm", "石门县召开政务公开工作领导小组会议", d(2023, 5, 30))
    w.add_report("sm-hxz", "419904100000", 2021)
    w.add_report("sm-hxz", "419904100000", 2022, kind="pdf")
    w.add_report("sm-hxz", "419904100000", 2023)
    w.add_report("sm-nyncj", "419904901000", 2022)
    w.add_report("sm-nyncj", "419904901000", 2023, kind="docx")
