"""Epoint 国泰新点 EWB: a ``/dynamic/zwgk/govInfoPub.html?categorynum=…`` shell and a POST JSON list.

The shell holds no entries. The site's ``siteGuid`` (and the web app's ``projectName``, usually
``/EWB-FRONT``) are in ``var siteInfo = {…}`` of ``/js/webBuilderCommon.js`` (or inline). The list is
``POST <projectName>/rest/lightfrontaction/getgovinfolist`` with the JSON body
``{"deptcode": "", "categorynum": "003011", "pageIndex": 0, "pageSize": 50, "siteGuid": "…"}`` →
``{"custom": {"total": 73, "data": [{"realtitle", "title", "infourl", "infodate"}…]}}``.
``pageIndex`` starts at 0 on some sites and at 1 on others: paging starts at 0 and goes on until the
entries seen reach ``total``, tolerating one answer that repeats page 0 (a 1-based site).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scrapy
from scrapy.http import JsonRequest, Response

from pages.text import clean, iso_date

from .base import (
    META_ADAPTER,
    META_KIND,
    META_MAX,
    META_PAGE,
    META_SEEN,
    Entry,
    ListPage,
    body_text,
    max_pages,
    meta_of,
    urljoin,
)

META_EPOINT = "epoint"
COMMON_JS = "/js/webBuilderCommon.js"
LIST_PATH = "/rest/lightfrontaction/getgovinfolist"
PAGE_SIZE = 50
_SITE_GUID = re.compile(r"""\bsiteGuid['"]?\s*[:=]\s*['"]([\w-]+)['"]""")
_PROJECT = re.compile(r"""\bprojectName['"]?\s*[:=]\s*['"]([^'"]*)['"]""")
_CATEGORY = re.compile(r"""\bcategorynum['"]?\s*[:=]\s*['"](\d+)['"]""", re.I)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def list_request(call: dict[str, Any], index: int, meta: dict[str, Any]) -> scrapy.Request:
    body = {"deptcode": "", "categorynum": call["category"], "pageIndex": index, "pageSize": PAGE_SIZE,
            "siteGuid": call["site"]}
    url = _origin(call["referer"]) + (call.get("project") or "/EWB-FRONT") + LIST_PATH
    return JsonRequest(url, data=body, headers={"Referer": call["referer"]},
                       meta={**meta, META_ADAPTER: "epoint", META_KIND: "list", META_EPOINT: {**call, "index": index}})


class EpointAdapter:
    """EWB govInfoPub shells, their webBuilderCommon.js and getgovinfolist answers."""

    name = "epoint"

    def matches(self, response: Response) -> bool:
        if LIST_PATH in response.url or "/dynamic/zwgk/" in response.url:
            return True
        text = body_text(response)
        return "webBuilderCommon.js" in text or "getgovinfolist" in text

    def parse_list(self, response: Response) -> ListPage:
        call = meta_of(response).get(META_EPOINT)
        path = urlsplit(response.url).path
        if call and path.endswith(LIST_PATH):
            return self._answer(response, call)
        text = body_text(response)
        keep = {k: v for k, v in meta_of(response).items() if k == META_MAX}
        if call:  # webBuilderCommon.js
            site, project = _SITE_GUID.search(text), _PROJECT.search(text)
            if not site:
                return ListPage(entries=[])
            call = {**call, "site": site.group(1), "project": project.group(1) if project else "/EWB-FRONT"}
            return ListPage(entries=[], next_requests=[list_request(call, 0, {META_PAGE: 1, **keep})])
        category = dict(parse_qsl(urlsplit(response.url).query)).get("categorynum") or (
            m.group(1) if (m := _CATEGORY.search(text)) else None)
        if not category:
            return ListPage(entries=[], needs_browser=True)
        call = {"category": category, "referer": response.url}
        site, project = _SITE_GUID.search(text), _PROJECT.search(text)
        if site:
            call.update(site=site.group(1), project=project.group(1) if project else "/EWB-FRONT")
            return ListPage(entries=[], next_requests=[list_request(call, 0, {META_PAGE: 1, **keep})])
        # every category's shell asks the same script: not a duplicate to drop
        js = scrapy.Request(urljoin(response.url, COMMON_JS), headers={"Referer": response.url}, dont_filter=True,
                            meta={META_ADAPTER: self.name, META_KIND: "list", META_EPOINT: call, **keep})
        return ListPage(entries=[], next_requests=[js])

    def _answer(self, response: Response, call: dict[str, Any]) -> ListPage:
        try:
            data = json.loads(body_text(response) or "{}")
        except ValueError:
            return ListPage(entries=[])
        custom = data.get("custom") if isinstance(data, dict) else None
        if isinstance(custom, str):  # some EWB versions send custom as a JSON string
            try:
                custom = json.loads(custom)
            except ValueError:
                custom = None
        custom = custom if isinstance(custom, dict) else {}
        base = call["referer"]
        entries = []
        for item in custom.get("data") or []:
            url = item.get("infourl") or item.get("linkurl") or item.get("visiturl")
            title = item.get("realtitle") or item.get("title")
            if isinstance(url, str) and isinstance(title, str):
                date = item.get("infodate") or item.get("handsdate")
                entries.append(Entry(url=urljoin(base, url), title=clean(title), date=iso_date(str(date)) if date else None))
        total = int(custom["total"]) if str(custom.get("total", "")).isdigit() else None
        meta = meta_of(response)
        index = int(call.get("index") or 0)
        seen = list(meta.get(META_SEEN) or [])
        known = set(seen)
        new = [e for e in entries if e.url not in known]
        if entries and not new and index == 1:
            entries = []  # page 1 repeating page 0: a 1-based site; page 2 holds the next records
        covered = len(known | {e.url for e in new})
        number = int(meta.get(META_PAGE) or 1)
        pages = math.ceil(total / PAGE_SIZE) if total is not None else None
        more = (covered < total) if total is not None else len(new) >= PAGE_SIZE
        if not more or number >= max_pages(response) or (not new and index != 1 and index != 0):
            return ListPage(entries=entries, total_pages=pages)
        next_meta = {META_PAGE: number + 1, META_SEEN: seen + [e.url for e in new], META_MAX: max_pages(response)}
        return ListPage(entries=entries, next_requests=[list_request(call, index + 1, next_meta)], total_pages=pages)
