"""TRS WCM static lists (清源县, and the generated benchmark counties): ``index.html``, ``index_1.html`` …
paged by ``createPageHTML(n, i, "index", "html")``; articles ``./YYYYMM/tYYYYMMDD_ID.html`` with
``<meta name="ArticleTitle|PubDate|ContentSource">``; attachments ``./YYYYMM/P0….pdf`` beside them."""

from __future__ import annotations

import posixpath
import random
from datetime import date
from typing import Iterator

from ..answers import PageMaker, SiteIndex
from ..pages import (
    article_meta,
    esc,
    footer,
    page_head,
    page_header,
    relative,
    root_columns,
)
from ..world import MISFILED, TRS, YEARS, Column, Item, Site, World, new_unit

SHAPES = (TRS,)


def place(w: World, site: Site, col: Column, item: Item) -> None:
    """Static addresses under the column's directory: ``YYYYMM/tYYYYMMDD_ID.html``, ``YYYYMM/P0….pdf``."""
    d = item.published
    ymd, ym = d.strftime("%Y%m%d"), d.strftime("%Y%m")
    item.id = w.new_id(10_000_000, 99_999_999)
    static_paths(w, col, item, ymd, ym)


def static_paths(w: World, col: Column, item: Item, ymd: str, ym: str) -> None:
    """The TRS article and attachment paths (the xxgk platform prints the same)."""
    base = col.path if col.path.endswith("/") else col.path.rsplit("/", 1)[0] + "/"
    item.path = f"{base}{ym}/t{ymd}_{item.id}.html"
    for a in item.attachments:
        a.id = f"P0{ymd}{w.rng.randint(10**11, 10**12 - 1)}"
        a.path = f"{base}{ym}/{a.id}.{a.kind}"


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    """Home, the 政府信息公开 page, every list page, group pages and articles: all static."""
    st = idx.static
    st["/"] = st["/index.html"] = page(lambda: trs_home(site))
    if site.columns:
        xxgk = trs_xxgk_dir(site)
        st[xxgk] = st[xxgk + "index.html"] = page(lambda: trs_xxgk(site))
    for col in site.columns.values():
        for i in range(len(col.pages())):
            name = "index.html" if i == 0 else f"index_{i}.html"
            st[col.path + name] = page(lambda c=col, i=i: trs_column(site, c, i))
        st[col.path] = st[col.path + "index.html"]
        for g in {c.group for c in site.columns.values() if c.parent == col.key and c.group}:
            st[f"{col.path}{g}/"] = st[f"{col.path}{g}/index.html"] = page(lambda c=col, g=g: trs_group(site, c, g))
        for item in col.items:
            st[item.path] = page(lambda c=col, it=item: trs_article(site, c, it), lm=item.published)


async def route(web, site: Site, request, idx: SiteIndex):
    return None


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
    root = root_columns(site)[0]
    return posixpath.dirname(root.path.rstrip("/")) + "/"


def trs_home(site: Site) -> str:
    xxgk = trs_xxgk_dir(site)
    nav = [("首页", "/"), ("政务动态", "/zwdt/"), ("政府信息公开", xxgk), ("政务服务", "/zwfw/"), ("互动交流", "/hdjl/")]
    return (page_head(site, site.name) + "<body>\n" + page_header(site, nav)
            + '<div class="main"><div class="box"><h3>政务公开</h3><ul>'
            f'<li><a href="{xxgk}">政府信息公开</a></li>'
            f'<li><a href="{xxgk}zfxxgkzn/">政府信息公开指南</a></li></ul></div></div>\n'
            + footer(site) + "</body>\n</html>\n")


def trs_xxgk(site: Site) -> str:
    xxgk = trs_xxgk_dir(site)
    root = root_columns(site)[0]
    left = [("政府信息公开指南", "./zfxxgkzn/"), ("政府信息公开制度", "./zfxxgkzd/"),
            ("法定主动公开内容", "./fdzdgknr/"), ("政府信息公开年报", relative(root.path, xxgk))]
    links = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>\n' for t, h in left)
    return (page_head(site, f"政府信息公开-{site.name}", "政府信息公开") + "<body>\n"
            + page_header(site, [("首页", "/"), ("政府信息公开", xxgk)])
            + f'<div class="xxgk-left"><ul>\n{links}</ul></div>\n'
            + '<div class="xxgk-right"><p>本栏目发布本机关政府信息公开指南、制度、法定主动公开内容和年度报告。</p></div>\n'
            + footer(site) + "</body>\n</html>\n")


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
        f'<li><a href="{relative(it.path, page_path)}" target="_blank" title="{esc(it.title)}">{esc(it.title)}</a>'
        f"<span>{it.date_str}</span></li>\n" for it in items)
    return (page_head(site, f"{col.name}-{site.name}", col.name, _CREATE_PAGE_HTML) + "<body>\n"
            + page_header(site, [("首页", "/"), ("政府信息公开", trs_xxgk_dir(site))])
            + _position(site, col) + sub
            + f'<div class="list">\n<ul class="list-ul">\n{lis}</ul>\n</div>\n'
            + '<div class="page">\n<script type="text/javascript">'
            + f'createPageHTML({len(pages)}, {page}, "index", "html");</script>\n</div>\n'
            + footer(site) + "</body>\n</html>\n")


def trs_group(site: Site, parent: Column, group: str) -> str:
    """The 街乡镇 / 部门 page of a TRS column: links to each unit's sub-column."""
    children = [c for c in site.columns.values() if c.parent == parent.key and c.group == group]
    base = parent.path + group + "/"
    lis = "".join(f'<li><a href="{relative(c.path, base)}">{esc(c.name)}</a></li>\n' for c in children)
    name = GROUP_NAMES.get(group, group)
    return (page_head(site, f"{name}-{parent.name}-{site.name}", name) + "<body>\n"
            + page_header(site, [("首页", "/"), ("政府信息公开", trs_xxgk_dir(site))])
            + _position(site, parent).replace("</div>\n", f" &gt; <span>{name}</span></div>\n")
            + f'<div class="zlm-list"><ul>\n{lis}</ul></div>\n' + footer(site) + "</body>\n</html>\n")


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
    return (page_head(site, item.title, col.name, article_meta(item, pub)) + "<body>\n"
            + page_header(site, [("首页", "/"), ("政府信息公开", trs_xxgk_dir(site))])
            + _position(site, col) + info
            + f'<div class="article">\n<h1 class="article-title">{esc(item.title)}</h1>\n'
            + f'<div class="article-info">发布时间：{pub}　来源：{esc(item.publisher)}　'
            + '<span>【字体：<a href="javascript:;">大</a> <a href="javascript:;">中</a> '
            + '<a href="javascript:;">小</a>】</span></div>\n'
            + f'<div class="TRS_Editor">\n{item.body_html}</div>\n{attachments}</div>\n'
            + footer(site) + "</body>\n</html>\n")


_SCALE_SYLLABLES = "安宝昌城丰阜广和华嘉建江金康乐临龙茂宁平庆仁瑞山盛泰通威文祥新兴阳永裕元泽长正中"


def scale_ip(i: int) -> str:
    return f"127.1.{1 + i // 250}.{1 + i % 250}"


def scale_site(w: World, i: int) -> None:
    """A tiny TRS county: the county and 1–2 townships, 1–3 HTML reports each."""
    rng = random.Random(f"{w.seed}:scale:{i}")
    syl = _SCALE_SYLLABLES
    county_short = syl[i % len(syl)] + syl[(i // len(syl)) % len(syl)] + "县"
    code6 = f"5{i:05d}"
    key = f"s{i:05d}"
    w.add_site(Site(key, f"{county_short}人民政府", TRS, scale_ip(i), scale=True, params={"sitecode": f"{code6}0001"}))
    county = new_unit(w, f"{code6}000000", f"{county_short}人民政府", "county", key, cms="trs")
    w.add_column(key, key, "/zfxxgk/zfxxgknb/", "政府信息公开年报", [county.code], page_size=10)
    units = [county]
    for j in range(rng.randint(1, 2)):
        town = syl[(i + 7 * j + 3) % len(syl)] + ("镇" if j == 0 else "乡")
        u = new_unit(w, f"{code6}{100 + j * 100:03d}000", f"{town}人民政府", "township", key, parent=county.code, cms="trs")
        w.add_column(key, f"{key}-{j}", f"/zfxxgk/zfxxgknb/jxz/t{j}/", town, [u.code], page_size=10,
                     parent=key, group="jxz")
        units.append(u)
    for u in units:
        col = u.columns[0]
        years = sorted(rng.sample([2021, 2022, 2023], rng.randint(1, 3)))
        for y in years:
            w.add_report(col, u.code, y, generated=True)



def build(w: World, ip: Iterator[str]) -> None:
    """清源县: TRS WCM static lists, sub-columns 街乡镇/部门 linked from the column page."""
    d = date
    w.add_site(Site("qingyuan", "清源县人民政府", TRS, next(ip), params={"sitecode": "4199010001"}))
    new_unit(w, "419901000000", "清源县人民政府", "county", "qingyuan", cms="trs")
    new_unit(w, "419901001000", "城东街道办事处", "township", "qingyuan", parent="419901000000", cms="trs")
    new_unit(w, "419901100000", "大河镇人民政府", "township", "qingyuan", parent="419901000000", cms="trs")
    new_unit(w, "419901200000", "青山乡人民政府", "township", "qingyuan", parent="419901000000", cms="trs")
    new_unit(w, "419901901000", "清源县发展和改革委员会", "department", "qingyuan", parent="419901000000", cms="trs")
    new_unit(w, "419901902000", "清源县教育局", "department", "qingyuan", parent="419901000000", cms="trs")
    nb = "/zfxxgk/zfxxgknb/"
    w.add_column("qingyuan", "qy", nb, "政府信息公开年报", ["419901000000"], page_size=5)
    w.add_column("qingyuan", "qy-cdjd", nb + "jxz/cdjd/", "城东街道", ["419901001000"], page_size=5,
                 parent="qy", group="jxz")
    w.add_column("qingyuan", "qy-dhz", nb + "jxz/dhz/", "大河镇", ["419901100000"], page_size=5, parent="qy", group="jxz")
    w.add_column("qingyuan", "qy-qsx", nb + "jxz/qsx/", "青山乡", ["419901200000"], page_size=5, parent="qy", group="jxz")
    w.add_column("qingyuan", "qy-fgw", nb + "bm/fgw/", "县发展改革委", ["419901901000"], page_size=5,
                 parent="qy", group="bm")
    w.add_column("qingyuan", "qy-jyj", nb + "bm/jyj/", "县教育局", ["419901902000"], page_size=5, parent="qy", group="bm")
    w.add_report("qy", "419901000000", 2018, legacy=True, day=d(2019, 3, 20))
    w.add_report("qy", "419901000000", 2019, day=d(2020, 3, 10))
    w.add_report("qy", "419901000000", 2020, day=d(2021, 3, 5))
    w.add_report("qy", "419901000000", 2021, day=d(2022, 2, 28))
    w.add_report("qy", "419901000000", 2022, kind="pdf+docx", day=d(2023, 3, 15))
    w.add_report("qy", "419901000000", 2023, day=d(2024, 3, 20))
    w.add_notice("qy", 2023, d(2023, 12, 20))
    w.add_template("qy", 2023, d(2023, 12, 20))
    w.add_news("qy", "县政府召开2023年度政务公开工作推进会议", d(2023, 6, 12))
    for y in YEARS:
        w.add_report("qy-cdjd", "419901001000", y, kind="pdf" if y == 2022 else "html", style="prefixed")
    w.add_news("qy-cdjd", "城东街道召开政务公开业务培训会议", d(2023, 9, 7))
    w.add_report("qy-dhz", "419901100000", 2020)
    w.add_report("qy-dhz", "419901100000", 2021, kind="docx")
    w.add_report("qy-dhz", "419901100000", 2022, style="nianbao")
    w.add_report("qy-dhz", "419901100000", 2023, inconsistent=True)
    dhz21 = next(it for it in w.column("qy-dhz").items if it.year == 2021)
    # 青山乡 published 大河镇's 2021 report under its own title: same tables, same text (COPY-OTHER-UNIT)
    w.add_report("qy-qsx", "419901200000", 2021, style="bare", copy_of=dhz21)
    w.add_report("qy-qsx", "419901200000", 2023, day=d(2024, 2, 26))  # late (deadline 01-31)
    fgw = {y: w.add_report("qy-fgw", "419901901000", y) for y in (2021, 2022)}
    # the 2023 report repeats 2022's text word for word, only the tables are new (COPY-LAST-YEAR)
    fgw[2023] = w.add_report("qy-fgw", "419901901000", 2023, copy_text_of=fgw[2022])
    w.add_report("qy-jyj", "419901902000", 2021)
    w.add_report("qy-jyj", "419901902000", 2022, kind="doc")
    w.add_report("qy-jyj", "419901902000", 2023, wrong_year=True)  # 2022's period and opening left in (WRONG-YEAR)
    w.add_copy(fgw[2022], "qy-jyj", d(2023, 1, 28), role=MISFILED)
    w.add_foreign("qy-jyj", "邻水县教育局", 2022, d(2023, 1, 19))
    w.add_news("qy-jyj", "县教育局召开政务公开工作培训会议", d(2023, 4, 18))
