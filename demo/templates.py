"""Page markup of the demo web, one family of functions per CMS shape (docs/domain.md §6).

Every function returns a ``str`` (the server encodes it: UTF-8, or GBK for the xxgk platform). The
shapes follow the real pages: TRS WCM (``createPageHTML(n, i, "index", "html")``, ``./YYYYMM/tYYYYMMDD_ID.html``,
``<meta name="ArticleTitle|PubDate|ContentSource">``), the TRS xxgk platform saved in
``shared/real/listpages`` (table 名称/索引号/发布机构/发布日期, ``var countPage=…``), Hanweb JCMS
(``<datastore>`` in ``<script type="text/xml">``, ``dataproxy.jsp``), VSB (``line_u8_0``, ``p_no``/``p_no_d``,
``v_news_content``, ``download.jsp``), a JSON-API 政府信息公开平台 and ``iList.jsp`` query-string lists.
"""

from __future__ import annotations

import html
import json
import posixpath
from urllib.parse import quote

from .sites import Column, Item, Site, World, obfuscate

esc = html.escape


# ---------------------------------------------------------------- shared pieces

def _footer(site: Site) -> str:
    return (
        '<div class="footer">\n'
        f'  <p>主办单位：{esc(site.name)}办公室　承办：{esc(site.name)}大数据中心</p>\n'
        f'  <p>网站标识码：{site.code}　<a href="https://beian.miit.gov.cn/" target="_blank">'
        f'豫ICP备{site.code[-6:]}号-1</a></p>\n'
        "</div>\n"
    )


def _site_meta(site: Site, column: str | None = None, column_type: str | None = None) -> str:
    out = (f'<meta name="SiteName" content="{esc(site.name)}">\n'
           f'<meta name="SiteDomain" content="{esc(site.ip)}">\n'
           f'<meta name="SiteIDCode" content="{site.code}">\n')
    if column:
        out += (f'<meta name="ColumnName" content="{esc(column)}">\n'
                f'<meta name="ColumnType" content="{esc(column_type or column)}">\n')
    return out


def _article_meta(item: Item, pubdate: str) -> str:
    return (f'<meta name="ArticleTitle" content="{esc(item.title)}">\n'
            f'<meta name="PubDate" content="{pubdate}">\n'
            f'<meta name="ContentSource" content="{esc(item.publisher)}">\n')


def _rel(target: str, page: str) -> str:
    """``target`` (a path) relative to the directory of ``page`` (a path), as static CMSs print links."""
    start = page if page.endswith("/") else posixpath.dirname(page) + "/"
    rel = posixpath.relpath(target, start)
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel if rel.startswith(".") else "./" + rel


def robots(site: Site) -> str:
    if site.robots_disallow:
        return "User-agent: *\nDisallow: /\n"
    return "User-agent: *\nDisallow: /manage/\nDisallow: /admin/\nDisallow: /search/\n"


def not_found() -> str:
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 页面不存在</title></head>"
            "<body><div class=\"error\"><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除！</p>"
            "<p><a href=\"/\">返回首页</a></p></div></body></html>\n")


def unavailable() -> str:
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>503 Service Temporarily Unavailable</title>"
            "</head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center>"
            "</body></html>\n")


def forbidden_download() -> str:
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>提示</title></head><body>"
            "<p>对不起，您无权访问该附件，请从文章页面下载。</p></body></html>\n")


def challenge(site: Site, jsluid: str) -> str:
    """The 412 answer of a JavaScript cookie challenge (加速乐-like): an inline script computes
    ``__jsl_clearance`` from the per-visitor ``__jsluid_h`` cookie and reloads the page."""
    name = ",".join(str(ord(c)) for c in "__jsl_clearance")
    key = site.secret
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"Cache-Control\" content=\"no-cache\">"
        "<title></title></head><body>\n<script>\n"
        "(function(){var _k=[" + ",".join(str(ord(c)) for c in key) + "],_u=\"" + jsluid + "\",_s=\"\",_h=0x811c9dc5;"
        "for(var i=0;i<_k.length;i++){_s+=String.fromCharCode(_k[i]);}_s+=_u;"
        "for(var j=0;j<_s.length;j++){_h^=_s.charCodeAt(j);_h=Math.imul(_h,16777619)>>>0;}"
        "var _n=String.fromCharCode(" + name + ");"
        "document.cookie=_n+\"=\"+Math.floor(Date.now()/1000)+\"|0|\"+(\"0000000\"+_h.toString(16)).slice(-8)"
        "+\";max-age=3600;path=/\";location.reload();})();\n"
        "</script>\n<noscript>请开启浏览器的JavaScript功能后刷新本页面。</noscript>\n</body></html>\n"
    )


def clearance(site: Site, jsluid: str) -> str:
    """The hash the challenge script computes (FNV-1a over the site key and the visitor id)."""
    h = 0x811C9DC5
    for ch in (site.secret + jsluid).encode("ascii"):
        h ^= ch
        h = (h * 16777619) & 0xFFFFFFFF
    return f"{h:08x}"


def _attachment_block(item: Item, href) -> str:
    if not item.attachments:
        return ""
    links = "".join(f'<p><a href="{esc(href(a))}" target="_blank">{esc(a.filename)}</a></p>\n'
                    for a in item.attachments)
    return f'<div class="fj">\n<p>附件：</p>\n{links}</div>\n'


# ---------------------------------------------------------------- TRS WCM (static lists)

_CREATE_PAGE_HTML = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){
		return;
	}
	var nCurrIndex = _nCurrIndex || 0;
	if(nCurrIndex == 0){
		document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;");
	}else{
		var nPreIndex = nCurrIndex - 1;
		var sPreFileExt = nPreIndex == 0 ? "" : ("_" + nPreIndex);
		document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
		document.write("<a href=\\"" + _sPageName + sPreFileExt + "." + _sPageExt + "\\">上一页</a>&nbsp;");
	}
	for(var i=0; i<_nPageCount; i++){
		if(i == nCurrIndex){
			document.write("<span class=\\"current\\">" + (i+1) + "</span>&nbsp;");
		}else{
			var sFileExt = i == 0 ? "" : ("_" + i);
			document.write("<a href=\\"" + _sPageName + sFileExt + "." + _sPageExt + "\\">" + (i+1) + "</a>&nbsp;");
		}
	}
	if(nCurrIndex == (_nPageCount-1)){
		document.write("<span>下一页</span>&nbsp;<span>尾页</span>");
	}else{
		var nNextIndex = nCurrIndex + 1;
		document.write("<a href=\\"" + _sPageName + "_" + nNextIndex + "." + _sPageExt + "\\">下一页</a>&nbsp;");
		document.write("<a href=\\"" + _sPageName + "_" + (_nPageCount-1) + "." + _sPageExt + "\\">尾页</a>");
	}
	document.write("&nbsp;共" + _nPageCount + "页");
}
</script>
"""


def trs_xxgk_dir(site: Site) -> str:
    """The 政府信息公开 page linking the 年报 column (the root column's parent directory)."""
    root = _root_columns(site)[0]
    return posixpath.dirname(root.path.rstrip("/")) + "/"


def _root_columns(site: Site) -> list[Column]:
    return [c for c in site.columns.values() if c.parent is None]


def _head(site: Site, title: str, column: str | None = None, extra: str = "", charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{charset}">\n'
            '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
            f"<title>{esc(title)}</title>\n{_site_meta(site, column)}{extra}</head>\n")


def _header(site: Site, nav: list[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in nav)
    return (f'<div class="header"><div class="logo"><a href="/">{esc(site.name)}</a></div></div>\n'
            f'<div class="nav"><ul>{links}</ul></div>\n')


def trs_home(site: Site) -> str:
    xxgk = trs_xxgk_dir(site)
    nav = [("首页", "/"), ("政务动态", "/zwdt/"), ("政府信息公开", xxgk), ("政务服务", "/zwfw/"), ("互动交流", "/hdjl/")]
    return (_head(site, site.name) + "<body>\n" + _header(site, nav)
            + '<div class="main"><div class="box"><h3>政务公开</h3><ul>'
            f'<li><a href="{xxgk}">政府信息公开</a></li>'
            f'<li><a href="{xxgk}zfxxgkzn/">政府信息公开指南</a></li></ul></div></div>\n'
            + _footer(site) + "</body>\n</html>\n")


def trs_xxgk(site: Site) -> str:
    xxgk = trs_xxgk_dir(site)
    root = _root_columns(site)[0]
    left = [("政府信息公开指南", "./zfxxgkzn/"), ("政府信息公开制度", "./zfxxgkzd/"),
            ("法定主动公开内容", "./fdzdgknr/"), ("政府信息公开年报", _rel(root.path, xxgk))]
    links = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>\n' for t, h in left)
    return (_head(site, f"政府信息公开-{site.name}", "政府信息公开") + "<body>\n"
            + _header(site, [("首页", "/"), ("政府信息公开", xxgk)])
            + f'<div class="xxgk-left"><ul>\n{links}</ul></div>\n'
            + '<div class="xxgk-right"><p>本栏目发布本机关政府信息公开指南、制度、法定主动公开内容和年度报告。</p></div>\n'
            + _footer(site) + "</body>\n</html>\n")


def _position(site: Site, col: Column) -> str:
    xxgk = trs_xxgk_dir(site)
    crumbs = ['<a href="/">首页</a>', f'<a href="{xxgk}">政府信息公开</a>']
    chain = []
    c: Column | None = col
    while c is not None:
        chain.append(c)
        c = site.columns.get(c.parent) if c.parent else None
    for c in reversed(chain):
        crumbs.append(f'<a href="{esc(c.path)}">{esc(c.name)}</a>')
    return '<div class="position">当前位置：' + " &gt; ".join(crumbs) + "</div>\n"


GROUP_NAMES = {"jxz": "街乡镇", "bm": "部门"}


def trs_column(site: Site, col: Column, page: int) -> str:
    pages = col.pages()
    items = pages[page] if page < len(pages) else []
    page_path = col.path + ("index.html" if page == 0 else f"index_{page}.html")
    groups = sorted({c.group for c in site.columns.values() if c.parent == col.key and c.group})
    sub = ""
    if groups:
        links = "".join(f'<a href="./{g}/">{GROUP_NAMES.get(g, g)}</a>' for g in groups)
        sub = f'<div class="sub-column"><span>子栏目：</span>{links}</div>\n'
    lis = "".join(
        f'<li><a href="{_rel(it.path, page_path)}" target="_blank" title="{esc(it.title)}">{esc(it.title)}</a>'
        f"<span>{it.date_str}</span></li>\n" for it in items)
    return (_head(site, f"{col.name}-{site.name}", col.name, _CREATE_PAGE_HTML) + "<body>\n"
            + _header(site, [("首页", "/"), ("政府信息公开", trs_xxgk_dir(site))])
            + _position(site, col) + sub
            + f'<div class="list">\n<ul class="list-ul">\n{lis}</ul>\n</div>\n'
            + '<div class="page">\n<script type="text/javascript">'
            + f'createPageHTML({len(pages)}, {page}, "index", "html");</script>\n</div>\n'
            + _footer(site) + "</body>\n</html>\n")


def trs_group(site: Site, parent: Column, group: str) -> str:
    """The 街乡镇 / 部门 page of a TRS column: links to each unit's sub-column."""
    children = [c for c in site.columns.values() if c.parent == parent.key and c.group == group]
    base = parent.path + group + "/"
    lis = "".join(f'<li><a href="{_rel(c.path, base)}">{esc(c.name)}</a></li>\n' for c in children)
    name = GROUP_NAMES.get(group, group)
    return (_head(site, f"{name}-{parent.name}-{site.name}", name) + "<body>\n"
            + _header(site, [("首页", "/"), ("政府信息公开", trs_xxgk_dir(site))])
            + _position(site, parent).replace("</div>\n", f" &gt; <span>{name}</span></div>\n")
            + f'<div class="zlm-list"><ul>\n{lis}</ul></div>\n' + _footer(site) + "</body>\n</html>\n")


def trs_article(site: Site, col: Column, item: Item) -> str:
    pub = item.published.strftime("%Y-%m-%d %H:%M")
    info = (
        '<div class="xxgk-info"><table class="xxgk-table">\n'
        f'<tr><td class="t1">索引号：</td><td>{esc(item.index_no)}</td>'
        f'<td class="t1">发布机构：</td><td>{esc(item.publisher)}</td></tr>\n'
        f'<tr><td class="t1">名　　称：</td><td colspan="3">{esc(item.title)}</td></tr>\n'
        f'<tr><td class="t1">文　　号：</td><td>{esc(item.doc_no)}</td>'
        f'<td class="t1">发布日期：</td><td>{item.date_str}</td></tr>\n'
        "</table></div>\n"
    )

    def href(a):
        return f'./{a.id}.{a.kind}" OLDSRC="/protect/P0{a.id[2:8]}/P0{a.id[2:10]}/{a.id}.{a.kind}'

    attachments = ""
    if item.attachments:
        links = "".join(f'<p><a href="{href(a)}">{esc(a.filename)}</a></p>\n' for a in item.attachments)
        attachments = f'<div class="fj">\n<p>附件：</p>\n{links}</div>\n'
    return (_head(site, item.title, col.name, _article_meta(item, pub)) + "<body>\n"
            + _header(site, [("首页", "/"), ("政府信息公开", trs_xxgk_dir(site))])
            + _position(site, col) + info
            + f'<div class="article">\n<h1 class="article-title">{esc(item.title)}</h1>\n'
            + f'<div class="article-info">发布时间：{pub}　来源：{esc(item.publisher)}　'
            + '<span>【字体：<a href="javascript:;">大</a> <a href="javascript:;">中</a> '
            + '<a href="javascript:;">小</a>】</span></div>\n'
            + f'<div class="TRS_Editor">\n{item.body_html}</div>\n{attachments}</div>\n'
            + _footer(site) + "</body>\n</html>\n")


# ---------------------------------------------------------------- TRS xxgk platform (GBK, table lists)

_XXGK_STYLE = ('<link rel="stylesheet" type="text/css" href="/images/xxgkbase.css">\n'
               '<link rel="stylesheet" type="text/css" href="/images/xxgkindex.css">\n')


def _xxgk_head(site: Site, title: str, meta: str) -> str:
    # No charset anywhere: the page is GBK and says nothing about it (like many old platforms).
    return (f"<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge,chrome=1\">\n"
            f"{meta}<title>{esc(title)}</title>\n{_XXGK_STYLE}</head>\n")


def xxgk_home(site: Site, base: str) -> str:
    nav = f'<div class="su-l2"><a href="{base}/zfxxgknb/" target="_blank">政府信息公开年报</a></div>\n'
    return (_xxgk_head(site, f"{site.name[:3]}政府信息公开", _site_meta(site, f"{site.name[:3]}政府信息公开", "信息公开"))
            + "<body>\n<div class=\"sx-navs\"><ul class=\"sx-list\">"
            + f'<li><a href="{base}/" target="_blank">首页</a></li><li><a href="{base}/">信息公开</a></li></ul></div>\n'
            + '<div class="sx-c1-left">\n<div class="su-l2"><a href="' + base + '/zfxxgkzn/">政府信息公开指南</a></div>\n'
            + nav + "</div>\n" + _footer(site) + "</body>\n</html>\n")


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
    return (_xxgk_head(site, "政府信息公开年报", _site_meta(site, "政府信息公开年报", "信息公开")) + "<body>\n"
            + '<div class="sx-c1-title clearFix"><h1>政府信息公开年报</h1></div>\n' + "".join(out)
            + _footer(site) + "</body>\n</html>\n")


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
    return (_xxgk_head(site, f"{site.name[:3]}政府信息公开", _site_meta(site, col.name, "信息公开，年报")) + "<body>\n"
            + '<div class="sx-c2-right1">\n<div class="sx-c1-title clearFix"><h1>' + esc(col.name) + "</h1>\n"
            + f'<div class="sx-more1">{crumbs}</div>\n</div>\n'
            + '<ul class="sx-c1-list list1" style="display:block;">\n<div class="szbmtclb fl clearfix" style="width:100%;">\n'
            + "<table>\n<tbody><tr>\n"
            + '    <th width="47%" height="35">名称</th>\n    <th width="21%" height="35">索引号</th>\n'
            + '    <th width="19%" height="35">发布机构</th>\n    <th width="12%" height="35">发布日期</th>\n</tr>\n'
            + rows + "</tbody></table>\n"
            + '<div class="news-list"><div class="page_box"><div class="page">\n'
            + _XXGK_PAGER.format(count=len(col.items), current=page, pages=len(pages))
            + "\n</div></div></div>\n</div>\n</ul>\n</div>\n" + _footer(site) + "</body>\n</html>\n")


def xxgk_article(site: Site, col: Column, item: Item, base: str) -> str:
    pub = item.published.strftime("%Y年%m月%d日")
    meta = _site_meta(site, col.name, "信息公开，年报") + _article_meta(item, pub)
    attachments = _attachment_block(item, lambda a: f"./{a.id}.{a.kind}")
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
            + attachments + "</div>\n" + _footer(site) + "</body>\n</html>\n")


# ---------------------------------------------------------------- Hanweb / 大汉 JCMS

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
            f"{_site_meta(site, column).replace('SiteIDCode', 'SiteIdCode')}{extra}"
            '<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>\n</head>\n')


def hanweb_home(site: Site) -> str:
    cols = list(site.columns.values())
    links = "".join(f'<li><a href="{c.path}" target="_blank">{esc(c.name)}</a></li>\n' for c in cols)
    return (_hanweb_head(site, site.name, "首页") + "<body>\n"
            + _header(site, [("首页", "/index.html"), ("政府信息公开", "/col/col1229100/index.html")])
            + f'<div class="xxgk-nb"><h3>政府信息公开年报</h3><ul>\n{links}</ul></div>\n'
            + _footer(site) + "</body>\n</html>\n")


def hanweb_xxgk(site: Site) -> str:
    cols = list(site.columns.values())
    links = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>\n' for c in cols)
    return (_hanweb_head(site, f"政府信息公开 {site.name}", "政府信息公开") + "<body>\n"
            + _header(site, [("首页", "/index.html"), ("政府信息公开", "/col/col1229100/index.html")])
            + f'<div class="bt-left"><h3>政府信息公开年报</h3><ul>\n{links}</ul></div>\n'
            + _footer(site) + "</body>\n</html>\n")


def hanweb_column(site: Site, col: Column) -> str:
    """The column page: only the first page of records inline; the rest through dataproxy.jsp."""
    p = col.params
    items = col.ordered()
    first = items[:col.page_size]
    unitid = p["unitid"]
    param = (f"var param_{unitid} = {{col:1,appid:1,webid:{site.params['webid']},path:'/',columnid:{p['columnid']},"
             f"sourceContentType:1,unitid:'{unitid}',webname:'{site.name}',permissiontype:0}};")
    return (_hanweb_head(site, f"{col.name} {site.name}", col.name) + "<body>\n"
            + _header(site, [("首页", "/index.html"), ("政府信息公开", "/col/col1229100/index.html")])
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
            + _footer(site) + "</body>\n</html>\n")


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
    return (_hanweb_head(site, item.title, col.name, _article_meta(item, pub)) + "<body>\n"
            + _header(site, [("首页", "/index.html"), ("政府信息公开", "/col/col1229100/index.html")])
            + info + f'<div class="article"><div class="title">{esc(item.title)}</div>\n'
            + f'<div class="fbrq">发布日期：{pub}　来源：{esc(item.publisher)}　浏览次数：'
            + f'<script language="javascript" src="/module/visitcount/articlehits.jsp?colid={col.params["columnid"]}'
            + f'&artid={item.id}"></script></div>\n'
            + f'<div id="zoom">\n{item.body_html}{links}</div>\n</div>\n'
            + _footer(site) + "</body>\n</html>\n")


# ---------------------------------------------------------------- VSB / 博达

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
    return (_vsb_head(site, site.name) + "<body>\n" + _header(site, nav)
            + '<div class="main"><div class="tzgg"><h3>通知公告</h3></div></div>\n' + _footer(site) + "</body></html>\n")


def vsb_xxgk(site: Site) -> str:
    roots = _root_columns(site)
    left = [("政府信息公开指南", "xxgk/zfxxgkzn.htm"), ("政府信息公开制度", "xxgk/zfxxgkzd.htm")]
    left += [(c.name, c.path.lstrip("/")) for c in roots]
    links = "".join(f'<li><a href="{h}">{esc(t)}</a></li>\n' for t, h in left)
    return (_vsb_head(site, f"信息公开-{site.name}") + "<body>\n"
            + _header(site, [("网站首页", "index.htm"), ("信息公开", "xxgk.htm")])
            + f'<div class="left-nav"><ul>\n{links}</ul></div>\n' + _footer(site) + "</body></html>\n")


def vsb_column(site: Site, col: Column, page: int) -> str:
    pages = col.pages()
    n = len(pages)
    items = pages[page - 1] if page <= n else []
    here = vsb_page_path(col, page, n)

    def link(p: int) -> str:
        return _rel(vsb_page_path(col, p, n), here).removeprefix("./")

    lis = "".join(
        f'<li id="line_u8_{i}"><a href="{_rel(it.path, here).removeprefix("./")}" target="_blank" '
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
        sub = ('<div class="sub-nav">' + "".join(f'<a href="{_rel(c.path, here).removeprefix("./")}">{esc(c.name)}</a>'
                                                 for c in children) + "</div>\n")
    return (_vsb_head(site, f"{col.name}-{site.name}") + "<body>\n"
            + _header(site, [("网站首页", _rel("/index.htm", here)), ("信息公开", _rel("/xxgk.htm", here))])
            + f'<div class="dqwz">当前位置：<a href="{_rel("/index.htm", here)}">网站首页</a>&gt;&gt;'
            + f'<a href="{_rel("/xxgk.htm", here)}">信息公开</a>&gt;&gt;{esc(col.name)}</div>\n'
            + sub + f'<div class="list"><ul>\n{lis}</ul></div>\n'
            + '<div class="pb_sys_common pb_sys_normal pb_sys_style1" style="text-align:center">'
            + "".join(bar) + "</div>\n" + _footer(site) + "</body></html>\n")


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
            + "<body>\n" + _header(site, [("网站首页", "../../index.htm"), ("信息公开", "../../xxgk.htm")])
            + '<form name="_newscontent_fromname">\n'
            + f'<div class="content-title"><h3>{esc(item.title)}</h3></div>\n'
            + f'<div class="content-info">来源: {esc(item.publisher)} &nbsp;作者: &nbsp;时间:{item.date_str} &nbsp;点击数:'
            + f'<script>_showDynClicks("wbnews", {owner}, {item.id})</script></div>\n'
            + f'<div id="vsb_content"><div class="v_news_content">\n{item.body_html}</div></div>\n'
            + attachments + "</form>\n" + _footer(site) + "</body></html>\n")


# ---------------------------------------------------------------- JSON API 政府信息公开平台

def _json_head(site: Site, title: str, column: str | None = None, extra: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{esc(title)}</title>\n"
            f"{_site_meta(site, column)}{extra}</head>\n")


def _json_nav(site: Site) -> str:
    links = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>' for c in site.columns.values())
    return f'<div class="xxgk-nav"><h3>政府信息公开年报</h3><ul>{links}</ul></div>\n'


def json_home(site: Site) -> str:
    return (_json_head(site, site.name) + "<body>\n"
            + _header(site, [("首页", "/"), ("政府信息公开", "/xxgk/index.html")]) + _footer(site) + "</body>\n</html>\n")


def json_xxgk(site: Site) -> str:
    return (_json_head(site, f"{site.name[:3]}政府信息公开平台", "政府信息公开") + "<body>\n"
            + f'<div class="xxgk-header">{esc(site.name[:3])}政府信息公开平台</div>\n' + _json_nav(site)
            + _footer(site) + "</body>\n</html>\n")


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
            + _JSON_LIST_SCRIPT + _footer(site) + "</body>\n</html>\n")


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
            + '<ul class="xxgk-list" id="xxgkList"></ul>\n</div>\n' + script + _footer(site) + "</body>\n</html>\n")


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
    return (_json_head(site, item.title, "政府信息公开年报", _article_meta(item, item.date_str)) + "<body>\n"
            + f'<div class="xxgk-header">{esc(site.name[:3])}政府信息公开平台</div>\n' + meta
            + f'<div class="article"><h1>{esc(item.title)}</h1>\n'
            + f'<div class="article-content" id="zoom">\n{item.body_html}</div>\n{attachments}</div>\n'
            + _footer(site) + "</body>\n</html>\n")


# ---------------------------------------------------------------- query-string paging (iList.jsp)

def _qs(node: str, cat: str, page: int) -> str:
    return f"iList.jsp?node_id={node}&amp;cat_id={cat}&amp;cur_page={page}"


def query_home(site: Site) -> str:
    links = "".join(f'<li><a href="{esc(c.path)}">{esc(c.name)}</a></li>' for c in site.columns.values())
    return (_head(site, site.name) + "<body>\n" + _header(site, [("首页", "/"), ("信息公开", "/xxgk.jsp")])
            + f'<div class="box"><h3>政府信息公开年报</h3><ul>{links}</ul></div>\n' + _footer(site) + "</body>\n</html>\n")


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
    return (_head(site, f"{col.name}-{site.name}", col.name) + "<body>\n"
            + _header(site, [("首页", "/"), ("信息公开", "/xxgk.jsp")])
            + f'<div class="position">当前位置：<a href="/">首页</a> &gt; {esc(col.name)}</div>\n'
            + f'<div class="list"><table class="list-table" width="100%">\n{rows}</table></div>\n' + bar
            + _footer(site) + "</body>\n</html>\n")


def query_article(site: Site, col: Column, item: Item) -> str:
    pub = item.published.strftime("%Y-%m-%d %H:%M:%S")
    attachments = _attachment_block(item, lambda a: a.path)
    return (_head(site, item.title, col.name, _article_meta(item, pub)) + "<body>\n"
            + _header(site, [("首页", "/"), ("信息公开", "/xxgk.jsp")])
            + '<div class="info-table"><table>\n'
            + f"<tr><td>索引号：{esc(item.index_no)}</td><td>发布机构：{esc(item.publisher)}</td></tr>\n"
            + f"<tr><td>发布日期：{item.date_str}</td><td>文号：{esc(item.doc_no)}</td></tr>\n</table></div>\n"
            + f'<div class="article"><h2>{esc(item.title)}</h2>\n'
            + f'<div class="source">发布时间：{pub}　信息来源：{esc(item.publisher)}</div>\n'
            + f'<div class="content" id="content">\n{item.body_html}</div>\n{attachments}</div>\n'
            + _footer(site) + "</body>\n</html>\n")


def world_index(world: World, url) -> str:
    """Not a government page: the demo's own list of sites (served nowhere; printed by ``python -m demo.web``)."""
    return "\n".join(f"{s.key:14} {s.shape:8} {url(s.key, '/')}  {s.name}" for s in world.sites.values() if not s.scale)
