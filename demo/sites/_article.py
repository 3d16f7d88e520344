"""The article page the platform families (gkmlpt, Lonsun, jpaas, truecms, Epoint, scripted lists)
share: the national ``<meta>`` block, a title, the body and its attachments, in each platform's
content class."""

from __future__ import annotations

from ..pages import article_meta, esc, footer, page_head, page_header
from ..world import Item, Site


def article(site: Site, column: str, item: Item, *, content: str = 'id="zoom" class="article-content"',
            attachment_class: str = "", nav: list[tuple[str, str]] | None = None, extra: str = "") -> str:
    """An article page: metadata, body (``content``: the element's attributes) and attachment links."""
    attachments = ""
    if item.attachments:
        cls = f' class="{attachment_class}"' if attachment_class else ""
        links = "".join(f'<p><a{cls} href="{esc(a.path)}" alt="{esc(a.filename)}">{esc(a.filename)}</a></p>\n'
                        for a in item.attachments)
        attachments = f'<div class="attachment">\n<p>附件：</p>\n{links}</div>\n'
    return (page_head(site, item.title, column, article_meta(item, item.date_str) + extra) + "<body>\n"
            + page_header(site, nav or [("首页", "/")])
            + f'<div class="detail">\n<h1>{esc(item.title)}</h1>\n'
            + f'<div class="info">发布日期：{item.date_str}　发布机构：{esc(item.publisher)}</div>\n'
            + f"<div {content}>\n{item.body_html}</div>\n{attachments}</div>\n"
            + footer(site) + "</body>\n</html>\n")
