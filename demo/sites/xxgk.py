"""The TRS xxgk platform (临河县), as saved in ``shared/real/listpages``: table lists 名称/索引号/发布机构/
发布日期 paged by ``var countPage=…``; every page GBK with no charset anywhere (header or ``<meta>``)."""

from __future__ import annotations

from datetime import date
from typing import Iterator

from ..answers import PageMaker, SiteIndex
from ..pages import article_meta, attachment_block, esc, footer, site_meta
from ..world import XXGK, YEARS, Column, Item, Site, World, new_unit
from .trs import static_paths

SHAPES = (XXGK,)


def place(w: World, site: Site, col: Column, item: Item) -> None:
    """The TRS paths, with the platform's shorter ids."""
    d = item.published
    item.id = w.new_id(1_000_000, 9_999_999)
    static_paths(w, col, item, d.strftime("%Y%m%d"), d.strftime("%Y%m"))


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    """Home, the units page, every list page and article: static, GBK."""
    st = idx.static
    base = web.base(site.key) if web.port else ""
    st["/"] = st["/index.html"] = page(lambda: xxgk_home(site, base), gbk=True)
    st["/zfxxgknb/"] = st["/zfxxgknb/index.html"] = page(lambda: xxgk_units(site, base), gbk=True)
    for col in site.columns.values():
        d = col.path.removesuffix("index.html")
        for i in range(len(col.pages())):
            name = "index.html" if i == 0 else f"index_{i}.html"
            st[d + name] = page(lambda c=col, i=i: xxgk_column(site, c, i, base), gbk=True)
        st[d] = st[d + "index.html"]
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: xxgk_article(site, c, it, base), gbk=True, lm=item.published)


async def route(web, site: Site, request, idx: SiteIndex):
    return None


_XXGK_STYLE = ('<link rel="stylesheet" type="text/css" href="/images/xxgkbase.css">\n'
               '<link rel="stylesheet" type="text/css" href="/images/xxgkindex.css">\n')


def _xxgk_head(site: Site, title: str, meta: str) -> str:
    # No charset anywhere: the page is GBK and says nothing about it (like many old platforms).
    return (f"<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge,chrome=1\">\n"
            f"{meta}<title>{esc(title)}</title>\n{_XXGK_STYLE}</head>\n")


def xxgk_home(site: Site, base: str) -> str:
    nav = f'<div class="su-l2"><a href="{base}/zfxxgknb/" target="_blank">政府信息公开年报</a></div>\n'
    return (_xxgk_head(site, f"{site.name[:3]}政府信息公开", site_meta(site, f"{site.name[:3]}政府信息公开", "信息公开"))
            + "<body>\n<div class=\"sx-navs\"><ul class=\"sx-list\">"
            + f'<li><a href="{base}/" target="_blank">首页</a></li><li><a href="{base}/">信息公开</a></li></ul></div>\n'
            + '<div class="sx-c1-left">\n<div class="su-l2"><a href="' + base + '/zfxxgkzn/">政府信息公开指南</a></div>\n'
            + nav + "</div>\n" + footer(site) + "</body>\n</html>\n")


def xxgk_units(site: Site, base: str) -> str:
    """The 政府信息公开年报 page: one link per unit, grouped 县政府 / 部门 / 乡镇."""
    groups: dict[str, list[Column]] = {}
    for c in site.columns.values():
        groups.setdefault(c.group or "其他", []).append(c)
    out = []
    for g, cols in groups.items():
        links = "".join(f'<li><a href="{base}{c.path.removesuffix("index.html")}" target="_blank">{esc(c.name)}</a></li>'
                        for c in cols)
        out.append(f'<div class="bm-group"><h3>{esc(g)}</h3><ul class="bm-list">{links}</ul></div>\n')
    return (_xxgk_head(site, "政府信息公开年报", site_meta(site, "政府信息公开年报", "信息公开")) + "<body>\n"
            + '<div class="sx-c1-title clearFix"><h1>政府信息公开年报</h1></div>\n' + "".join(out)
            + footer(site) + "</body>\n</html>\n")


_XXGK_PAGER = """<script language="javascript">
    var countnum= {count};
    var currentPage={current};
    var prevPage=currentPage-1
    var nextPage=currentPage+1
    var countPage={pages}
    var endPage=countPage-1
    document.write("<a href=\\"index.html\\" target=\\"_self\\" >首页</a>&nbsp;&nbsp;");
    if(countPage>1&&currentPage!=0&&currentPage!=1)
        document.write("<a  href=\\"index"+"_"+prevPage+"."+"html\\" target=\\"_self\\">上一页</a>&nbsp;&nbsp;");
    else if(countPage>1&&currentPage!=0&&currentPage==1)
        document.write("<a  href=\\"index.html\\" target=\\"_self\\">上一页</a>&nbsp;&nbsp;");
    else
        document.write("<span class='bg'>上一页</span>&nbsp;&nbsp;");
    var num=6;
    var startPage=currentPage-2;
    if(startPage<0)startPage=0;
    var endpage=startPage+num;
    if(endpage>countPage)
        endpage=countPage;
    startPage=endpage-6;
    if(startPage<0)startPage=0;
    for(var i=startPage;i<endpage;i++){{
        if(currentPage==i)
            document.write("<span class='now'>"+(i+1)+"</span>&nbsp;&nbsp;");
        else if(i==0){{
            document.write("<a  href=\\"index.html\\" target=\\"_self\\" class='pnum'>"+1+"</a>&nbsp;&nbsp;");
        }}else
            document.write("<a href=\\"index"+"_"+i+"."+"html\\" target=\\"_self\\" class='pnum'>"+(i+1)+"</a>&nbsp;&nbsp;");}}
    if(countPage>1&&currentPage!=(countPage-1))
        document.write("<a href=\\"index"+"_"+nextPage+"."+"html\\" target=\\"_self\\">下一页</a>&nbsp;&nbsp;");
    else
        document.write("<span class='bg'>下一页</span>&nbsp;&nbsp;");
    if(countPage==1)
        document.write("<a  href=\\"index.html\\" target=\\"_self\\">尾页</a>");
    else if(countPage>1)
        document.write("<a  href=\\"index_"+endPage+".html\\" target=\\"_self\\">尾页</a>");
</script>"""


def xxgk_column(site: Site, col: Column, page: int, base: str) -> str:
    pages = col.pages()
    items = pages[page] if page < len(pages) else []
    rows = "".join(
        "<tr>\n"
        f'    <td height="35"><a href="{base}{it.path}" title="{esc(it.title)}">\n        {esc(it.title)}\n    </a></td>\n'
        f'    <td height="35">{esc(it.index_no)}</td>\n'
        f'    <td height="35">{esc(it.publisher)}</td>\n'
        f'    <td height="35">{it.date_str}</td>\n'
        "</tr>\n" for it in items)
    crumbs = (f'<a href="{base}/" title="首页" class="CurrChnlCls">首页</a>-&gt;'
              f'<a href="{base}/zfxxgknb/" title="政府信息公开年报" class="CurrChnlCls">政府信息公开年报</a>-&gt;'
              f'<a href="{base}{col.path.removesuffix("index.html")}" title="{esc(col.name)}" class="CurrChnlCls">'
              f"{esc(col.name)}</a>")
    return (_xxgk_head(site, f"{site.name[:3]}政府信息公开", site_meta(site, col.name, "信息公开，年报")) + "<body>\n"
            + '<div class="sx-c2-right1">\n<div class="sx-c1-title clearFix"><h1>' + esc(col.name) + "</h1>\n"
            + f'<div class="sx-more1">{crumbs}</div>\n</div>\n'
            + '<ul class="sx-c1-list list1" style="display:block;">\n<div class="szbmtclb fl clearfix" style="width:100%;">\n'
            + "<table>\n<tbody><tr>\n"
            + '    <th width="47%" height="35">名称</th>\n    <th width="21%" height="35">索引号</th>\n'
            + '    <th width="19%" height="35">发布机构</th>\n    <th width="12%" height="35">发布日期</th>\n</tr>\n'
            + rows + "</tbody></table>\n"
            + '<div class="news-list"><div class="page_box"><div class="page">\n'
            + _XXGK_PAGER.format(count=len(col.items), current=page, pages=len(pages))
            + "\n</div></div></div>\n</div>\n</ul>\n</div>\n" + footer(site) + "</body>\n</html>\n")


def xxgk_article(site: Site, col: Column, item: Item, base: str) -> str:
    pub = item.published.strftime("%Y年%m月%d日")
    meta = site_meta(site, col.name, "信息公开，年报") + article_meta(item, pub)
    attachments = attachment_block(item, lambda a: f"./{a.id}.{a.kind}")
    return (_xxgk_head(site, item.title, meta) + "<body>\n"
            + f'<div class="sx-navs"><ul class="sx-list"><li><a href="{base}/">首页</a></li>'
            + f'<li><a href="{base}/">信息公开</a></li></ul></div>\n'
            + '<div class="container content" style=" margin-top:0px;">\n<div class="top cf">\n<div class="top-l fl">\n'
            + f"    <p><strong>索引号</strong>：{esc(item.index_no)}</p>\n"
            + f"    <p><strong>发布机构</strong>：{esc(item.publisher)}</p>\n"
            + f"    <p><strong>名称</strong>：{esc(item.title)}</p>\n"
            + f"    <p><strong>文号</strong>：{esc(item.doc_no)}</p>\n</div>\n"
            + '<div class="top-r fr">\n    <p><strong>主题分类</strong>：综合政务</p>\n'
            + f"    <!--<p><strong>成文日期</strong>：{pub}</p>-->\n"
            + f"    <p><strong>发布日期</strong>：{pub}</p>\n"
            + '    <p style="height: 40px;"></p>\n</div>\n<div style="clear: both;"></div>\n</div>\n'
            + f'<div class="content-title"><h2>{esc(item.title)}</h2></div>\n'
            + f'<div class="content-text"><div class="TRS_Editor">\n{item.body_html}</div></div>\n'
            + attachments + "</div>\n" + footer(site) + "</body>\n</html>\n")




def build(w: World, ip: Iterator[str]) -> None:
    """临河县: TRS xxgk platform, table lists with var countPage, GBK with no charset anywhere."""
    d = date
    w.add_site(Site("linhe", "临河县人民政府", XXGK, next(ip), params={"sitecode": "4199020001"}))
    new_unit(w, "419902000000", "临河县人民政府", "county", "linhe", cms="trs")
    new_unit(w, "419902901000", "临河县财政局", "department", "linhe", parent="419902000000", cms="trs")
    new_unit(w, "419902902000", "临河县卫生健康委员会", "department", "linhe", parent="419902000000", cms="trs")
    new_unit(w, "419902100000", "柳林镇人民政府", "township", "linhe", parent="419902000000", cms="trs")
    new_unit(w, "419902200000", "桃园乡人民政府", "township", "linhe", parent="419902000000", cms="trs")
    for key, slug, name, code, group in [
        ("lh", "xzf", "临河县人民政府", "419902000000", "县政府"),
        ("lh-czj", "czj", "临河县财政局", "419902901000", "部门"),
        ("lh-wjw", "wjw", "临河县卫生健康委员会", "419902902000", "部门"),
        ("lh-llz", "llz", "柳林镇", "419902100000", "乡镇"),
        ("lh-tyx", "tyx", "桃园乡", "419902200000", "乡镇"),
    ]:
        w.add_column("linhe", key, f"/zfxxgknb/{slug}/index.html", name, [code], page_size=4, group=group)
    for y in YEARS:
        w.add_report("lh", "419902000000", y)
    w.add_notice("lh", 2022, d(2022, 12, 16))
    w.add_report("lh-czj", "419902901000", 2020)
    w.add_report("lh-czj", "419902901000", 2021)
    w.add_report("lh-czj", "419902901000", 2022)
    w.add_report("lh-czj", "419902901000", 2023, kind="pdf")
    w.add_report("lh-wjw", "419902902000", 2021)
    wjw22 = w.add_report("lh-wjw", "419902902000", 2022, kind="docx", day=d(2023, 1, 20))
    w.add_copy(wjw22, "lh-wjw", d(2023, 3, 5))  # re-published: same file on a second page
    w.add_report("lh-wjw", "419902902000", 2023)
    w.add_report("lh-llz", "419902100000", 2021, kind="wps")
    w.add_report("lh-llz", "419902100000", 2022)
    w.add_report("lh-llz", "419902100000", 2023, style="prefixed")
    for y in (2019, 2021, 2022, 2023):
        w.add_report("lh-tyx", "419902200000", y)
