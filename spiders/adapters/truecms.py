"""truecms (the Nantong family): a JSONP list wrapping XML/HTML records.

The column page's script names ``columnId:'…'`` and ``proxyUrl:'/truecms/messageController/getMessage.do'``.
The list is ``GET <proxyUrl>?startrecord=1&endrecord=50&perpage=50&columnId=…&callback=cb`` →
``cb({"result": "<datastore><record><![CDATA[<li><a href='/content/…'>…]]></record>…"})``.
Sites answer **404 without a Referer** (so the column page is always sent), and each caps
``perpage`` differently (50 fine at one, empty at 100; 404 at 50 at another): 50 is tried first,
then 20, then 10, on a 404 or an empty first answer.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlencode

import scrapy
from parsel import Selector
from scrapy.http import Response

from .base import (
    META_ADAPTER,
    META_KIND,
    META_MAX,
    META_PAGE,
    ListPage,
    body_text,
    link_entries,
    meta_of,
    paginate,
    script_text,
    selector,
    urljoin,
)
from .hanweb import record_entries, records
from .json_api import load_json

DEFAULT_PROXY = "/truecms/messageController/getMessage.do"
META_TRUECMS = "truecms"
PERPAGES = (50, 20, 10)
_COLUMN_ID = re.compile(r"""\bcolumnId\s*[:=]\s*['"]?([\w-]+)""")
_PROXY = re.compile(r"""\bproxyUrl\s*[:=]\s*['"]([^'"]+)['"]""")
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)


def list_request(call: dict[str, Any], start: int, perpage: int, meta: dict[str, Any]) -> scrapy.Request:
    query = {"startrecord": start, "endrecord": start + perpage - 1, "perpage": perpage,
             "columnId": call["column"], "callback": "cb"}
    return scrapy.Request(f"{call['proxy']}?{urlencode(query)}", headers={"Referer": call["referer"]},
                          meta={**meta, META_ADAPTER: "truecms", META_KIND: "list", "handle_httpstatus_list": [404],
                                META_TRUECMS: {**call, "start": start, "perpage": perpage}})


class TruecmsAdapter:
    """truecms column pages and getMessage.do answers."""

    name = "truecms"

    def matches(self, response: Response) -> bool:
        if "/truecms/" in response.url or "getMessage.do" in response.url:
            return True
        text = body_text(response)
        return "truecms" in text and bool(_COLUMN_ID.search(text))

    def parse_list(self, response: Response) -> ListPage:
        call = meta_of(response).get(META_TRUECMS)
        if call:
            return self._answer(response, call)
        sel = selector(response)
        scripts = script_text(sel) if sel is not None else body_text(response)
        column = _COLUMN_ID.search(scripts)
        if not column:
            return ListPage(entries=[], needs_browser=True)
        proxy = _PROXY.search(scripts)
        call = {"proxy": urljoin(response.url, proxy.group(1) if proxy else DEFAULT_PROXY),
                "column": column.group(1), "referer": response.url}
        meta = {META_PAGE: 1, **({META_MAX: meta_of(response)[META_MAX]} if meta_of(response).get(META_MAX) else {})}
        return ListPage(entries=[], next_requests=[list_request(call, 1, PERPAGES[0], meta)])

    def _answer(self, response: Response, call: dict[str, Any]) -> ListPage:
        start, perpage = int(call["start"]), int(call["perpage"])
        data = load_json(body_text(response)) if response.status == 200 else None
        result = data.get("result") if isinstance(data, dict) else None
        snippets = records(result) if isinstance(result, str) else []
        if isinstance(result, str) and not snippets and "<a" in result:
            entries = link_entries(Selector(text=f"<html><body>{result}</body></html>"), call["referer"],
                                   accept=lambda u, t, d: True)
        else:
            entries = record_entries(snippets, call["referer"])
        smaller = [p for p in PERPAGES if p < perpage]
        if not entries and start == 1 and smaller:
            # this site's perpage cap is lower (a 404 or an empty answer): ask again with fewer
            meta = {k: v for k, v in meta_of(response).items() if k in (META_PAGE, META_MAX)}
            return ListPage(entries=[], next_requests=[list_request(call, 1, smaller[0], meta)])
        if response.status != 200:
            return ListPage(entries=[])
        total = None
        if isinstance(data, dict):
            for key in ("totalrecord", "totalRecord", "total", "totalCount"):
                if str(data.get(key, "")).isdigit():
                    total = int(data[key])
                    break
        m = _TOTAL.search(result or "") if total is None else None
        total = int(m.group(1)) if m else total
        pages = math.ceil(total / perpage) if total is not None else None
        page = (start - 1) // perpage + 1
        more = (start + perpage - 1 < total) if total is not None else len(entries) >= perpage
        nexts = paginate(response, entries, self.name,
                         lambda meta: list_request(call, start + perpage, perpage, meta),
                         current=page, total=pages) if more else []
        return ListPage(entries=entries, next_requests=nexts, total_pages=pages)
