"""VSB/博达 lists: ``xxx.htm``, then ``xxx/N.htm``; articles ``info/1025/61695.htm``.

VSB numbers its static pages backwards (page 2 of 5 is ``xxx/4.htm``, the last ``xxx/1.htm``), so
the next page is the pager's 下页 link, never a computed URL; the “1/5” the pager shows is the count.
"""

from __future__ import annotations

import re

from scrapy.http import Response

from pages.text import squeeze

from .base import (
    ListPage,
    body_text,
    get_request,
    link_entries,
    next_link,
    paginate,
    read_page,
    sub_columns,
)

ARTICLE = re.compile(r"/info/\d+/\d+\.htm(?:$|[?#])")
_MARKERS = re.compile(r"/system/resource/|_showDynClicks|vsb_content|pb_sys_|Visual\s*SiteBuilder|_sitegray|VSB", re.I)
_COUNT = re.compile(r"(\d+)/(\d+)")  # the pager's “当前页/总页数”


def _page_count(sel) -> int | None:
    for pager in sel.xpath("//*[contains(@class,'pb_sys') or starts-with(@id,'fanye') or contains(@class,'p_pages')]"):
        m = _COUNT.search(squeeze(" ".join(pager.xpath(".//text()").getall())))
        if m:
            return int(m.group(2))
    return None


class VsbAdapter:
    """VSB/博达 static lists."""

    name = "vsb"

    def matches(self, response: Response) -> bool:
        text = body_text(response)
        if _MARKERS.search(text):
            return True
        return len(ARTICLE.findall(text)) >= 2

    def parse_list(self, response: Response) -> ListPage:
        page = read_page(response)
        if page is None:
            return ListPage(entries=[])
        response, sel, base = page
        entries = link_entries(sel, base, article=ARTICLE)
        following = next_link(sel, base)
        nexts = (
            paginate(response, entries, self.name, lambda meta: get_request(following, meta, referer=response.url),
                     total=_page_count(sel))
            if following else []
        )
        columns = sub_columns(sel, response.url, exclude=[e.url for e in entries], article=ARTICLE, base=base,
                              dir_shaped=re.compile(r"(?:/|\.htm)$"))
        return ListPage(entries=entries, next_requests=nexts, columns=columns)
