"""TRS 政府信息公开 platform lists as tables: 名称 / 索引号 / 发布机构 / 发布日期 (paged like TRS)."""

from __future__ import annotations

from scrapy.http import Response

from pages.text import decoded

from .base import (
    ListPage,
    link_entries,
    merge_entries,
    read_page,
    selector,
    sub_columns,
    table_entries,
)
from .trs import ARTICLE, looks_trs, trs_next_requests


class TrsTableAdapter:
    """TRS xxgk table lists; rows carry the 发布机构 (publisher) too."""

    name = "trs_table"

    def matches(self, response: Response) -> bool:
        response = decoded(response)
        sel = selector(response)
        return sel is not None and looks_trs(response, sel) and bool(table_entries(sel, response.url))

    def parse_list(self, response: Response) -> ListPage:
        page = read_page(response)
        if page is None:
            return ListPage(entries=[])
        response, sel, base = page
        # the table first (it has publishers); then any TRS document links outside it
        entries = merge_entries(table_entries(sel, base), link_entries(sel, base, article=ARTICLE))
        nexts = trs_next_requests(response, sel, entries, self.name)
        columns = sub_columns(sel, response.url, exclude=[e.url for e in entries], article=ARTICLE, base=base)
        return ListPage(entries=entries, next_requests=nexts, columns=columns)
