"""Answers of an API call captured while a list was rendered (:mod:`spiders.render`): JSON items,
HTML inside JSON, or an HTML fragment. The call — method, URL, body, the page parameter's place and
step — rides along in ``meta["captured_call"]``; the next page changes that parameter by its step,
over plain HTTP."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from pages.text import squeeze

from .base import (
    META_ADAPTER,
    META_KIND,
    META_PAGE,
    Entry,
    ListPage,
    body_text,
    link_entries,
    meta_of,
    paginate,
)
from .json_api import find_items, find_total, item_entry, load_json

META_CALL = "captured_call"
NAME = "captured_api"


def call_fields(call: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The call's parameters by where they travel: query, form, json (and JSON strings inside those)."""
    out: dict[str, dict[str, Any]] = {"query": dict(parse_qsl(urlsplit(call["url"]).query, keep_blank_values=True))}
    body = call.get("body")
    if body:
        data = load_json(body)
        if isinstance(data, dict):
            out["json"] = data
        else:
            out["form"] = dict(parse_qsl(body, keep_blank_values=True))
    return out


def _with(call: dict[str, Any], where: tuple[str, str, str], value: int) -> scrapy.Request:
    place, key, inner = where
    fields = call_fields(call)
    target = fields.get(place, {})
    if inner:
        nested = load_json(target[key]) or {}
        nested[inner] = value if isinstance(nested.get(inner), int) else str(value)
        target[key] = json.dumps(nested, ensure_ascii=False, separators=(",", ":"))
    else:
        target[key] = value if isinstance(target.get(key), int) else str(value)
    url = call["url"].split("?", 1)[0]
    if fields["query"]:
        url += "?" + urlencode(fields["query"])
    headers = {k: v for k, v in (call.get("headers") or {}).items() if isinstance(v, str)}
    headers.setdefault("X-Requested-With", "XMLHttpRequest")
    if call.get("referer"):
        headers["Referer"] = call["referer"]
    if "json" in fields:
        headers["Content-Type"] = "application/json;charset=UTF-8"
        return scrapy.Request(url, method=call["method"], body=json.dumps(fields["json"], ensure_ascii=False), headers=headers)
    if "form" in fields:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
        return scrapy.Request(url, method=call["method"], body=urlencode(fields["form"]), headers=headers)
    return scrapy.Request(url, method=call["method"], headers=headers)


def call_request(call: dict[str, Any], value: int, meta: dict[str, Any]) -> scrapy.Request:
    request = _with(call, tuple(call["where"]), value)  # type: ignore[arg-type]
    # plain HTTP even for a unit whose lists are rendered: the API answers data, not a page
    return request.replace(meta={**meta, META_CALL: {**call, "value": value}, META_ADAPTER: NAME,
                                 META_KIND: "list", "playwright": False})


_COUNT = re.compile(r"共\s*(\d+)\s*页|\bpage(?:Count|Total|s)\s*[\"']?\s*[:=]\s*[\"']?(\d+)|\btotalPages?\s*[\"']?\s*[:=]\s*[\"']?(\d+)", re.I)


class CapturedApiAdapter:
    """Answers of an API call captured while rendering a list: JSON items, HTML inside JSON, or an
    HTML fragment; the next page changes the captured page parameter by its step."""

    name = NAME

    def matches(self, response: Response) -> bool:
        return META_CALL in meta_of(response)

    def parse_list(self, response: Response) -> ListPage:
        call = meta_of(response)[META_CALL]
        text = body_text(response)
        base = call.get("referer") or response.url
        data = load_json(text)
        entries: list[Entry] = []
        total_pages = None
        fragment = text if data is None else None
        if data is not None:
            items, holder = find_items(data)
            entries = [e for e in (item_entry(i, base) for i in items) if e is not None]
            total = find_total(data, holder)
            if total is not None and items:
                total_pages = -(-total // max(len(items), 1))
            if not entries:
                fragment = next((v for v in _strings(data) if "<a" in v), None)
        if fragment is not None:
            entries = [e for e in link_entries(Selector(text=f"<html><body>{fragment}</body></html>"), base,
                                               accept=lambda u, t, d: True) if squeeze(e.title)]
            m = _COUNT.search(fragment)
            if m:
                total_pages = int(next(g for g in m.groups() if g))
        value, step = int(call["value"]), int(call.get("step") or 1)
        number = int(meta_of(response).get(META_PAGE) or 1)
        nexts = paginate(response, entries, self.name, lambda m: call_request(call, value + step, m),
                         current=number, total=total_pages)
        return ListPage(entries=entries, next_requests=nexts, total_pages=total_pages)


def _strings(value: Any, depth: int = 0) -> list[str]:
    if depth > 4:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v, depth + 1)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, depth + 1)]
    return []
