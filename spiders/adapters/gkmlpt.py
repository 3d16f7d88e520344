"""Guangdong 政府信息公开目录管理平台 (gkmlpt): a single-page shell, its list from a JSON API.

The column page ``…/gkmlpt/index#<catId>`` (or ``…/gkmlpt/policy#<catId>``) is a shell without
entries; the category is in the URL **fragment**. Its inline script holds
``window._CONFIG = {SID: '755041', TREE: [{id, name, post_count, jump_url, children}…]}``.
The list is ``GET <prefix>/gkmlpt/api/all/<catId>?page=N&sid=<SID>`` →
``{"total": 145, "articles": [{"title", "url", "created_at", "publisher"…}], "classify": {"post_count"}}``,
100 per page; **pages 0 and 1 answer the same data**, so paging starts at 1. Without a fragment
(a column found from a home page loses it) the 年报 category is picked from TREE by its name.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from pages.text import clean, iso_date

from .base import (
    META_ADAPTER,
    META_KIND,
    META_MAX,
    META_PAGE,
    Entry,
    ListPage,
    body_text,
    meta_of,
    paginate,
    urljoin,
)

_SID = re.compile(r"""\bSID\s*:\s*['"]?(\d+)""")
_TREE = re.compile(r"\bTREE\s*:\s*\[")
_API = re.compile(r"/gkmlpt/api/all/(\d+)")
_REPORT_CATEGORY = re.compile(r"年报|年度报告")
META_GKMLPT = "gkmlpt"


def _bracketed(text: str, start: int) -> str:
    """The JSON array starting at ``text[start] == '['`` (strings with brackets inside respected)."""
    depth, quote, escaped = 0, "", False
    for i in range(start, len(text)):
        c = text[i]
        if quote:
            escaped = c == "\\" and not escaped
            if c == quote and not escaped:
                quote = ""
            continue
        if c in "\"'":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return text[start: i + 1]
    return ""


def tree(text: str) -> list[dict[str, Any]]:
    """The categories of ``_CONFIG.TREE``, flattened (children after their parent)."""
    m = _TREE.search(text)
    if not m:
        return []
    try:
        nodes = json.loads(_bracketed(text, m.end() - 1))
    except ValueError:
        return []

    def walk(items: Any) -> Iterator[dict[str, Any]]:
        for node in items if isinstance(items, list) else []:
            if isinstance(node, dict):
                yield node
                yield from walk(node.get("children"))

    return list(walk(nodes))


def _prefix(url: str) -> str:
    """The site root plus the optional bureau prefix in front of ``/gkmlpt/``."""
    parts = urlsplit(url)
    path = parts.path
    head = path[: path.find("/gkmlpt/")] if "/gkmlpt/" in path else ""
    return f"{parts.scheme}://{parts.netloc}{head}"


def api_request(prefix: str, cat: str, sid: str, page: int, meta: dict[str, Any], referer: str,
                size: int | None = None) -> scrapy.Request:
    url = f"{prefix}/gkmlpt/api/all/{cat}?page={page}&sid={sid}"
    info = {"prefix": prefix, "cat": cat, "sid": sid, "page": page, "referer": referer, "size": size}
    return scrapy.Request(url, headers={"Referer": referer, "Accept": "application/json"},
                          meta={**meta, META_ADAPTER: "gkmlpt", META_KIND: "list", META_GKMLPT: info})


class GkmlptAdapter:
    """gkmlpt shells and their ``/gkmlpt/api/all/`` answers."""

    name = "gkmlpt"

    def matches(self, response: Response) -> bool:
        if _API.search(response.url):
            return True
        return "/gkmlpt/" in response.url and "_CONFIG" in body_text(response)

    def parse_list(self, response: Response) -> ListPage:
        if _API.search(urlsplit(response.url).path):
            return self._answer(response)
        return self._shell(response)

    def _shell(self, response: Response) -> ListPage:
        text = body_text(response)
        sid_m = _SID.search(text)
        if not sid_m:
            return ListPage(entries=[], needs_browser=True)
        categories = tree(text)
        # Scrapy asks the server without the fragment and the response URL has none: the request keeps it
        asked = getattr(response.request, "url", None) or meta_of(response).get("gkmlpt_url") or ""
        fragment = urlsplit(response.url).fragment or urlsplit(asked).fragment
        cats = [fragment] if fragment.isdigit() else [
            str(c["id"]) for c in categories if _REPORT_CATEGORY.search(str(c.get("name") or ""))]
        jumps = {str(c.get("id")): c.get("jump_url") for c in categories if c.get("jump_url")}
        meta = {META_PAGE: 1}
        if meta_of(response).get(META_MAX):
            meta[META_MAX] = meta_of(response)[META_MAX]
        prefix = _prefix(response.url)
        requests = [api_request(prefix, cat, sid_m.group(1), 1, meta, response.url) for cat in cats if cat not in jumps]
        columns = [urljoin(response.url, jumps[c]) for c in cats if c in jumps]
        return ListPage(entries=[], next_requests=requests, columns=columns)

    def _answer(self, response: Response) -> ListPage:
        try:
            data = json.loads(body_text(response) or "{}")
        except ValueError:
            return ListPage(entries=[])
        articles = data.get("articles") if isinstance(data, dict) else None
        entries = []
        for a in articles or []:
            url, title = a.get("url") or a.get("post_url"), a.get("title")
            if isinstance(url, str) and isinstance(title, str):
                date = a.get("created_at") or a.get("publish_time") or a.get("date")
                entries.append(Entry(url=urljoin(response.url, url), title=clean(title),
                                     date=iso_date(str(date)) if date else None,
                                     publisher=clean(str(a["publisher"])) if a.get("publisher") else None))
        info = meta_of(response).get(META_GKMLPT) or {}
        page = int(info.get("page") or 1)
        total = data.get("total") if isinstance(data, dict) else None
        if not isinstance(total, int):
            total = ((data.get("classify") or {}).get("post_count") if isinstance(data, dict) else None)
        # the page size is what page 1 held when it did not hold everything (100 on real sites); a
        # "full mode" site answers everything at once, and its page 2 would be a 404
        count = len(articles or [])
        size = int(info.get("size") or (count if isinstance(total, int) and 0 < count < total else 100))
        pages = math.ceil(total / size) if isinstance(total, int) else None
        if isinstance(total, int) and page == 1 and count >= total:
            pages = 1
        nexts = []
        if info.get("cat") and info.get("sid"):
            nexts = paginate(response, entries, self.name,
                             lambda meta: api_request(info["prefix"], info["cat"], info["sid"], page + 1,
                                                      meta, info.get("referer") or response.url, size),
                             current=page, total=pages)
        return ListPage(entries=entries, next_requests=nexts, total_pages=pages)
