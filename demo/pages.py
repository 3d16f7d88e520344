"""Markup every demo site shares: footer, ``<meta>`` blocks, heads and headers, attachment lists, the
error pages (404, 503, a refused download) and robots.txt. Each family's own pages are in its module
of :mod:`demo.sites`."""

from __future__ import annotations

import html
import posixpath

from .world import Column, Item, Site, World

esc = html.escape


# ---------------------------------------------------------------- shared pieces

def footer(site: Site) -> str:
    return (
        '<div class="footer">\n'
        f'  <p>主办单位：{esc(site.name)}办公室　承办：{esc(site.name)}大数据中心</p>\n'
        f'  <p>网站标识码：{site.code}　<a href="https://beian.miit.gov.cn/" target="_blank">'
        f'豫ICP备{site.code[-6:]}号-1</a></p>\n'
        "</div>\n"
    )


def site_meta(site: Site, column: str | None = None, column_type: str | None = None) -> str:
    out = (f'<meta name="SiteName" content="{esc(site.name)}">\n'
           f'<meta name="SiteDomain" content="{esc(site.ip)}">\n'
           f'<meta name="SiteIDCode" content="{site.code}">\n')
    if column:
        out += (f'<meta name="ColumnName" content="{esc(column)}">\n'
                f'<meta name="ColumnType" content="{esc(column_type or column)}">\n')
    return out


def article_meta(item: Item, pubdate: str) -> str:
    return (f'<meta name="ArticleTitle" content="{esc(item.title)}">\n'
            f'<meta name="PubDate" content="{pubdate}">\n'
            f'<meta name="ContentSource" content="{esc(item.publisher)}">\n')


def relative(target: str, page: str) -> str:
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


def root_columns(site: Site) -> list[Column]:
    """A site's top columns (the ones no other column links as a sub-column)."""
    return [c for c in site.columns.values() if c.parent is None]


def attachment_block(item: Item, href) -> str:
    if not item.attachments:
        return ""
    links = "".join(f'<p><a href="{esc(href(a))}" target="_blank">{esc(a.filename)}</a></p>\n'
                    for a in item.attachments)
    return f'<div class="fj">\n<p>附件：</p>\n{links}</div>\n'


def page_head(site: Site, title: str, column: str | None = None, extra: str = "", charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{charset}">\n'
            '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
            f"<title>{esc(title)}</title>\n{site_meta(site, column)}{extra}</head>\n")


def page_header(site: Site, nav: list[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in nav)
    return (f'<div class="header"><div class="logo"><a href="/">{esc(site.name)}</a></div></div>\n'
            f'<div class="nav"><ul>{links}</ul></div>\n')


def world_index(world: World, url) -> str:
    """Not a government page: the demo's own list of sites (served nowhere; printed by ``python -m demo.web``)."""
    return "\n".join(f"{s.key:14} {s.shape:8} {url(s.key, '/')}  {s.name}" for s in world.sites.values() if not s.scale)


def columns_home(site: Site) -> str:
    """A portal's home page that only links its columns (the platform families need no more)."""
    links = "".join(f'<li><a href="{esc(c.path)}">{esc(c.name)}</a></li>' for c in site.columns.values())
    return (page_head(site, site.name) + "<body>\n" + page_header(site, [("首页", "/")])
            + f"<ul>{links}</ul>\n" + footer(site) + "</body>\n</html>\n")
