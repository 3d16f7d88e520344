"""The fallback for pages no adapter recognises: links whose text reads as a report title, and the
pager's 下一页 link."""

from __future__ import annotations

import re

from scrapy.http import Response

from pages.titles import is_report_title, report_year

from .base import (
    ListPage,
    get_request,
    link_entries,
    next_link,
    paginate,
    read_page,
    script_text,
    sub_columns,
)

# Scripts that build a list in the browser: XHR, DOM writes, client-side templates.
_BUILDS = re.compile(r"\$\.(?:ajax|get|getJSON|post)|axios|fetch\s*\(|XMLHttpRequest|innerHTML|\.append\(|\.html\(|"
                     r"document\.write|template\(|v-for|new Vue|createApp|layui\.(?:laypage|table)", re.I)


class GenericAdapter:
    """Report-titled links on any page."""

    name = "generic"

    def matches(self, response: Response) -> bool:
        return True

    def parse_list(self, response: Response) -> ListPage:
        page = read_page(response)
        if page is None:
            return ListPage(entries=[])
        response, sel, base = page

        def accept(url: str, title: str, date: str | None) -> bool:
            # a report title without a year on a directory URL is the 年报 column's own link
            return is_report_title(title) and (report_year(title) is not None or not url.endswith("/"))

        entries = link_entries(sel, base, accept=accept)
        following = next_link(sel, base)
        nexts = (paginate(response, entries, self.name, lambda meta: get_request(following, meta, referer=response.url))
                 if following else [])
        columns = sub_columns(sel, response.url, exclude=[e.url for e in entries], base=base)
        needs_browser = not entries and bool(_BUILDS.search(script_text(sel)))
        return ListPage(entries=entries, next_requests=nexts, columns=columns, needs_browser=needs_browser)
