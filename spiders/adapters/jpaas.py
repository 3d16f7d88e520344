"""Hanweb 大汉 new generation (jpaas-publish-server): list HTML inside a JSON answer.

The column page ``/col/col<ID>/index.html`` is a shell whose script asks
``/api-gateway/jpaas-publish-server/front/page/build/unit?parseType=bulidstatic&webId=…&tplSetId=…
&pageType=column&tagId=当前栏目列表a&pageId=<ID>`` and writes ``data.html`` of the answer
``{"success": true, "data": {"html": "<li><a title=… href=…>…</a><b>2023-01-20</b></li>… count=\"432\""}}``.
Paging works **only** through ``paramJson={"pageNo":N,"pageSize":"15"}`` (a bare ``pageNo``/``page``
is ignored: page 1 again); the record count is the pager's ``count="432"``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

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
)

API_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
META_JPAAS = "jpaas"
_KEYS = ("webId", "pageId", "tplSetId", "tagId", "pageType", "editType", "parseType")
_COUNT = re.compile(r"""\bcount\s*=\s*['"]?(\d+)|\btotalCount\s*[:=]\s*['"]?(\d+)""")
_COLUMN = re.compile(r"/col/col(\d+)/")


def sniff(text: str, url: str) -> dict[str, str]:
    """The unit call's parameters named in a column page's scripts (webId, pageId, tplSetId, tagId…)."""
    found: dict[str, str] = {}
    for key in _KEYS:
        m = re.search(rf"""['"]?\b{key}['"]?\s*[:=]\s*(?:'([^']*)'|"([^"]*)"|(\d+))""", text)
        if m:
            found[key] = next(g for g in m.groups() if g is not None)
    col = _COLUMN.search(url)
    if "pageId" not in found and col:
        found["pageId"] = col.group(1)
    return found


def unit_request(origin: str, params: dict[str, str], page: int, size: str, meta: dict[str, Any],
                 referer: str) -> scrapy.Request:
    query = {"parseType": "bulidstatic", "pageType": "column", **params,
             "paramJson": json.dumps({"pageNo": page, "pageSize": size}, separators=(",", ":"))}
    return scrapy.Request(f"{origin}{API_PATH}?{urlencode(query)}",
                          headers={"Referer": referer, "Accept": "application/json, text/javascript, */*; q=0.01",
                                   "X-Requested-With": "XMLHttpRequest"},
                          meta={**meta, META_ADAPTER: "jpaas", META_KIND: "list",
                                META_JPAAS: {"origin": origin, "params": params, "page": page, "size": size,
                                             "referer": referer}})


class JpaasAdapter:
    """jpaas column shells and their unit answers."""

    name = "jpaas"

    def matches(self, response: Response) -> bool:
        return "jpaas-publish-server" in response.url or "jpaas-publish-server" in body_text(response)

    def parse_list(self, response: Response) -> ListPage:
        if API_PATH in urlsplit(response.url).path:
            return self._answer(response)
        text = body_text(response)
        params = sniff(text, response.url)
        if not params.get("webId") or not params.get("pageId"):
            return ListPage(entries=[], needs_browser=True)
        parts = urlsplit(response.url)
        meta = {META_PAGE: 1, **({META_MAX: meta_of(response)[META_MAX]} if meta_of(response).get(META_MAX) else {})}
        size = re.search(r"""pageSize['"]?\s*[:=]\s*['"]?(\d+)""", text)
        request = unit_request(f"{parts.scheme}://{parts.netloc}", params, 1, size.group(1) if size else "15",
                               meta, response.url)
        return ListPage(entries=[], next_requests=[request])

    def _answer(self, response: Response) -> ListPage:
        try:
            data = json.loads(body_text(response) or "{}")
        except ValueError:
            return ListPage(entries=[])
        html = (data.get("data") or {}).get("html") if isinstance(data, dict) else None
        if not isinstance(html, str):
            return ListPage(entries=[])
        info = meta_of(response).get(META_JPAAS) or {}
        base = info.get("referer") or response.url
        entries = link_entries(Selector(text=f"<html><body>{html}</body></html>"), base, accept=lambda u, t, d: True)
        count_m = _COUNT.search(html)
        size = int(info.get("size") or 15)
        pages = math.ceil(int(next(g for g in count_m.groups() if g)) / size) if count_m else None
        page = int(info.get("page") or 1)
        nexts = []
        if info.get("params"):
            nexts = paginate(response, entries, self.name,
                             lambda m: unit_request(info["origin"], info["params"], page + 1, str(size), m, base),
                             current=page, total=pages)
        return ListPage(entries=entries, next_requests=nexts, total_pages=pages)

