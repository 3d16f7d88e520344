"""Lonsun 龙讯 信息公开 catalogues: ``/public/column/<id>?type=4&catId=…&action=list``.

Two ways the list comes:

* server-side: the column page itself holds the rows and a pager script ``Ls.pagination(…,
  {currPage: 1, pageCount: 5, …})``; page N is the column URL with ``pageIndex=N``;
* the label API: the page's script asks ``/site/label/8888`` (GET query or POST form, often
  ``IsAjax=1&dataType=html``) with ``labelName=publicInfoList&siteId=…&pageSize=15&pageIndex=1&catId=…``
  and puts the HTML it answers into the page; the answer carries ``pageCount:N`` too.

Rows are ``<li><a href="/public/<organId>/<infoId>.html" title=…>…</a><span>2023-01-20</span></li>``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import scrapy
from scrapy.http import Response
from w3lib.url import add_or_replace_parameter

from .base import (
    META_ADAPTER,
    META_KIND,
    META_MAX,
    META_PAGE,
    ListPage,
    body_text,
    get_request,
    link_entries,
    meta_of,
    next_link,
    paginate,
    read_page,
    script_text,
    urljoin,
)

ARTICLE = re.compile(r"/public/\d+/\d+\.html")
LABEL = "/site/label/8888"
META_LABEL = "lonsun_label"
_PAGE_COUNT = re.compile(r"\bpageCount\s*[:=]\s*['\"]?(\d+)")
_LABEL_URL = re.compile(r"""(?P<q>['"])(?P<url>[^'"\s]*/site/label/8888[^'"\s]*)(?P=q)""")
_OBJECT = re.compile(r"\bdata\s*:\s*(\{[^{}]*\})")
_PAIR = re.compile(r"""['"]?([\w$]+)['"]?\s*:\s*(?:'([^']*)'|"([^"]*)"|([\w.\-]+))""")
_POST = re.compile(r"""(?:type|method)\s*:\s*['"]post['"]""", re.I)


def label_call(scripts: str, base: str) -> dict[str, Any] | None:
    """The label API call of a column page's script: {url, method, query, params}; ``params`` (the
    page number among them) go in the form of a POST, in the query of a GET."""
    m = _LABEL_URL.search(scripts)
    if not m:
        return None
    around = scripts[max(0, m.start() - 300): m.end() + 1500]
    url = urljoin(base, m.group("url"))
    query = {k: v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k != "_"}  # _: cache-buster
    data: dict[str, str] = {}
    obj = _OBJECT.search(scripts, m.end(), m.end() + 1500)
    if obj:
        data = {key: a or b or c for key, a, b, c in _PAIR.findall(obj.group(1))}
    method = "POST" if _POST.search(around) else "GET"
    params = data if method == "POST" else {**query, **data}
    if not str(params.get("pageIndex", "")).isdigit():
        params["pageIndex"] = "1"  # the first page (the script passes a variable)
    return {"url": url.split("?", 1)[0], "method": method, "query": query if method == "POST" else {},
            "params": params}


def label_request(call: dict[str, Any], page: int, meta: dict[str, Any], referer: str) -> scrapy.Request:
    params = {**call["params"], "pageIndex": str(page)}
    headers = {"Referer": referer, "X-Requested-With": "XMLHttpRequest"}
    meta = {**meta, META_ADAPTER: "lonsun", META_KIND: "list", META_LABEL: {**call, "page": page, "referer": referer}}
    if call["method"] == "POST":
        url = f"{call['url']}?{urlencode(call['query'])}" if call.get("query") else call["url"]
        return scrapy.FormRequest(url, formdata=params, headers=headers, meta=meta)
    return scrapy.Request(f"{call['url']}?{urlencode(params)}", headers=headers, meta=meta)


class LonsunAdapter:
    """Lonsun column pages (server-side or label-API lists) and label API answers."""

    name = "lonsun"

    def matches(self, response: Response) -> bool:
        if LABEL in response.url:
            return True
        text = body_text(response)
        return LABEL in text or ("/public/column/" in response.url and bool(_PAGE_COUNT.search(text))) \
            or ("Ls.pagination" in text and len(ARTICLE.findall(text)) >= 2)

    def parse_list(self, response: Response) -> ListPage:
        page = read_page(response)
        if page is None:
            return ListPage(entries=[])
        response, sel, base = page
        meta = meta_of(response)
        entries = link_entries(sel, base, article=ARTICLE)
        text = body_text(response)
        count_m = _PAGE_COUNT.search(text)
        count = int(count_m.group(1)) if count_m else None
        label = meta.get(META_LABEL)
        if label:  # an answer of the label API
            n = int(label.get("page") or 1)
            nexts = paginate(response, entries, self.name,
                             lambda m: label_request(label, n + 1, m, label["referer"]), current=n, total=count)
            return ListPage(entries=entries, next_requests=nexts, total_pages=count)
        call = None if entries else label_call(script_text(sel), base)
        if call:
            first = {META_PAGE: 1, **({META_MAX: meta[META_MAX]} if meta.get(META_MAX) else {})}
            return ListPage(entries=[], next_requests=[label_request(call, int(call["params"]["pageIndex"] or 1),
                                                                    first, response.url)])
        # server-side pages: pageIndex on the column URL
        here = dict(parse_qsl(urlsplit(response.url).query))
        n = int(here.get("pageIndex") or 1) if str(here.get("pageIndex") or "1").isdigit() else 1
        nxt = add_or_replace_parameter(response.url, "pageIndex", str(n + 1)) if count else next_link(sel, base)
        if not nxt:
            return ListPage(entries=entries, total_pages=1 if count is None else count)
        nexts = paginate(response, entries, self.name, lambda m: get_request(nxt, m, referer=response.url),
                         current=n, total=count)
        return ListPage(entries=entries, next_requests=nexts, total_pages=count)
