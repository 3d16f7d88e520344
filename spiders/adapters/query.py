"""Lists paged by a query parameter: ``iList.jsp?node_id=…&cat_id=…&cur_page=1`` and kin.

The next page increments the parameter up to the count the page shows (“共 5 页”, “1/5”, or the
highest page its pager links to); without a count, only while the pager has a 下一页 link.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector
from scrapy.http import Response
from w3lib.url import add_or_replace_parameter

from pages.text import decoded, squeeze

from .base import (
    ListPage,
    get_request,
    link_entries,
    next_link,
    pager_links,
    paginate,
    read_page,
    selector,
    sub_columns,
    urljoin,
)

PAGE_KEYS = ("cur_page", "curpage", "currentpage", "current_page", "pageno", "page_no", "pagenum", "pageindex",
             "page_index", "pagenumber", "page", "curr", "pn")
_COUNT_TEXT = re.compile(r"共(\d+)页|\d+/(\d+)页|第\d+页/共?(\d+)页|页次:?\d+/(\d+)")
_ARTICLE = re.compile(r"(?:content|detail|article|show|view)[\w.]*\?|content_\d+|/(?:content|detail|article)/", re.I)


def _page_param(url: str) -> tuple[str, int] | None:
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() in PAGE_KEYS and value.isdigit():
            return key, int(value)
    return None


def page_key(sel: Selector, url: str) -> tuple[str, int] | None:
    """The paging parameter and this page's number: from the URL, else from the pager's links to the
    same path (the first page of a list often has no parameter: it is page 1)."""
    own = _page_param(url)
    if own:
        return own
    path = urlsplit(url).path
    for href in sel.xpath("//a/@href").getall():
        target = urljoin(url, href)
        if urlsplit(target).path == path:
            found = _page_param(target)
            if found:
                return found[0], 1
    return None


def page_count(sel: Selector, url: str, key: str) -> int | None:
    """How many pages the list says it has."""
    text = squeeze(" ".join(sel.xpath("//body//text()[not(ancestor::script)]").getall()))
    m = _COUNT_TEXT.search(text)
    if m:
        return int(next(g for g in m.groups() if g))
    numbers = [
        int(v) for href in sel.xpath("//a/@href").getall()
        for k, v in parse_qsl(urlsplit(urljoin(url, href)).query) if k == key and v.isdigit()
    ]
    return max(numbers) if numbers else None


class QueryAdapter:
    """Lists whose pages differ by a page-number query parameter."""

    name = "query"

    def matches(self, response: Response) -> bool:
        sel = selector(decoded(response))
        return sel is not None and page_key(sel, response.url) is not None

    def parse_list(self, response: Response) -> ListPage:
        page = read_page(response)
        if page is None:
            return ListPage(entries=[])
        response, sel, base = page
        entries = link_entries(sel, base, article=_ARTICLE)
        keyed = page_key(sel, response.url)
        nexts = []
        if keyed:
            key, value = keyed
            number = value + 1 if value == 0 else value  # some lists count pages from 0
            count = page_count(sel, response.url, key)
            more = number < count if count is not None else bool(next_link(sel, base))
            if more:
                nxt = add_or_replace_parameter(response.url, key, str(value + 1))
                nexts = paginate(response, entries, self.name,
                                 lambda meta: get_request(nxt, meta, referer=response.url),
                                 current=number, total=count)
        exclude = [e.url for e in entries] + [u for _, u in pager_links(sel, base)]
        columns = [c for c in sub_columns(sel, response.url, exclude=exclude, base=base) if not _page_param(c)]
        return ListPage(entries=entries, next_requests=nexts, columns=columns)
