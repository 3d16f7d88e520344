"""Lists a script fills from a JSON API.

Two kinds of response come here:

* the HTML page: its list is empty; the endpoint is found in its inline scripts (``$.ajax({url:…,
  data:{…}})``, ``$.get/getJSON/post(url, {…})``, ``fetch(…)``, ``axios.get(…)``) or in a data
  attribute (``data-api``/``data-url``/``data-list-url`` with ``data-*`` parameters). The answer is a
  request for the API's first page; with no endpoint found the page ``needs_browser``.
* the API's answer: ``{"total": …, "data": [{"title", "url", "publishDate", "publisher"}]}`` and the
  usual variants (``data.list``, ``data.records``, ``rows``, ``result.items``…; ``name``/``link``/``pubDate``,
  millisecond timestamps; JSONP). The next page increments the page parameter while ``total`` allows.

The API's description rides along in ``meta["json_api"]`` = {url, method, params, page_key, referer}.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response
from w3lib.html import remove_tags
from w3lib.url import add_or_replace_parameters

from pages.text import clean, decoded, iso_date, iso_from_timestamp

from .base import (
    META_ADAPTER,
    META_KIND,
    META_MAX,
    META_PAGE,
    Entry,
    ListPage,
    base_url,
    body_text,
    link_entries,
    meta_of,
    paginate,
    script_text,
    selector,
    urljoin,
)
from .query import PAGE_KEYS

META_API = "json_api"

TITLE_KEYS = ("title", "name", "doctitle", "articletitle", "showtitle", "docname", "subject", "filename", "maintitle")
URL_KEYS = ("url", "link", "href", "docurl", "pubinflurl", "puburl", "linkurl", "detailurl", "articleurl", "docpuburl",
            "path", "htmlurl", "pageurl")
DATE_KEYS = ("publishdate", "pubdate", "date", "publishtime", "pubtime", "releasedate", "releasetime", "docreltime",
             "publishedtime", "fbrq", "fbsj", "createtime", "createdate", "time", "updatetime")
PUBLISHER_KEYS = ("publisher", "publishorg", "fbjg", "source", "docsource", "deptname", "orgname", "unitname", "sitename")
TOTAL_KEYS = ("total", "totalcount", "totalelements", "totalrecord", "totalrecords", "recordcount", "totalnum",
              "totalsize", "count", "rowcount")
SIZE_KEYS = ("size", "pagesize", "page_size", "rows", "limit", "perpage", "per_page", "length", "ps")

_CALL = re.compile(
    r"""(?P<fn>\$\.(?:ajax|get|getJSON|post)|jQuery\.(?:ajax|get|getJSON|post)|axios(?:\.(?:get|post))?|fetch)"""
    r"""\s*\(\s*(?:\{[^{}]*?\burl\s*:\s*)?(?P<q>[`'"])(?P<url>[^`'"\s]+)(?P=q)""",
)
_AJAX_URL = re.compile(r"""\burl\s*:\s*(?P<q>[`'"])(?P<url>[^`'"\s]+)(?P=q)""")
_OBJECT_AFTER = re.compile(r"""^\s*,\s*(?:\{\s*params\s*:\s*)?(\{[^{}]*\})""")
_DATA_OBJECT = re.compile(r"""\b(?:data|params)\s*:\s*(\{[^{}]*\})""")
_PAIR = re.compile(r"""['"]?([\w$]+)['"]?\s*:\s*('[^']*'|"[^"]*"|[\w$.]+)""")
_TEMPLATE_VAR = re.compile(r"\$\{\s*([\w$.]+)\s*\}")
_API_LIKE = re.compile(r"api|list|query|search|page|json|getdata|articles|docs|\.do\b|\.action\b", re.I)
_NOT_LIST = re.compile(r"count|click|visit|hits|stat|log(?:in)?\b|weather|token|captcha|\.js$|\.css$|\.html?$", re.I)
_JSONP = re.compile(r"^\s*[\w$.]+\s*\(\s*(.*?)\s*\)\s*;?\s*$", re.S)
_DATA_ATTRS = ("data-api", "data-url", "data-list-url", "data-ajax-url", "data-source", "data-list-api")


# ---------------------------------------------------------------------------------------------
# reading answers

def load_json(text: str) -> Any:
    """The JSON value of a body (JSONP unwrapped), or None."""
    text = text.strip().lstrip("\ufeff")
    if not text or text[0] not in "{[":
        m = _JSONP.match(text)
        if not m:
            return None
        text = m.group(1)
    try:
        return json.loads(text)
    except ValueError:
        return None


def is_json(response: Response) -> bool:
    """Whether a response is a JSON (or JSONP) answer rather than a page."""
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    text = body_text(response)
    if "json" in content_type:
        return True
    head = text.lstrip()[:1]
    return head in ("{", "[") and load_json(text) is not None


def _get(d: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lower = {str(k).lower(): v for k, v in d.items()}
    for key in keys:
        value = lower.get(key)
        if value not in (None, ""):
            return value
    return None


def _is_item(d: Any) -> bool:
    return isinstance(d, dict) and _get(d, TITLE_KEYS) is not None and _get(d, URL_KEYS) is not None


def find_items(value: Any, depth: int = 0) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The first list of items (dicts with a title and a URL) in a JSON value, and the dict holding it."""
    if depth > 5:
        return [], None
    if isinstance(value, list):
        if value and sum(_is_item(v) for v in value) >= max(1, len(value) // 2):
            return [v for v in value if _is_item(v)], None
        for v in value:
            found, holder = find_items(v, depth + 1)
            if found:
                return found, holder
        return [], None
    if isinstance(value, dict):
        for v in value.values():
            if isinstance(v, list) and v and sum(_is_item(x) for x in v) >= max(1, len(v) // 2):
                return [x for x in v if _is_item(x)], value
        for v in value.values():
            if isinstance(v, (dict, list)):
                found, holder = find_items(v, depth + 1)
                if found:
                    return found, holder or (v if isinstance(v, dict) else None)
    return [], None


def find_total(value: Any, holder: dict[str, Any] | None) -> int | None:
    """The record count an answer states, next to its items or at the top."""
    for d in (holder, value, value.get("data") if isinstance(value, dict) else None):
        if isinstance(d, dict):
            total = _get(d, TOTAL_KEYS)
            if isinstance(total, (int, str)) and str(total).isdigit():
                return int(total)
    return None


def _date(value: Any) -> str | None:
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit() and len(value) >= 10):
        return iso_from_timestamp(int(value))
    return iso_date(str(value)) if value is not None else None


def item_entry(item: dict[str, Any], base: str) -> Entry | None:
    """An entry from one JSON item, tolerant of key names."""
    url, title = _get(item, URL_KEYS), _get(item, TITLE_KEYS)
    if not isinstance(url, str) or not isinstance(title, str):
        return None
    publisher = _get(item, PUBLISHER_KEYS)
    return Entry(
        url=urljoin(base, url),
        title=clean(remove_tags(title)),  # search APIs highlight with <em>
        date=_date(_get(item, DATE_KEYS)),
        publisher=clean(str(publisher)) if isinstance(publisher, (str, int)) and str(publisher).strip() else None,
    )


# ---------------------------------------------------------------------------------------------
# finding the endpoint in a page

def _literal(token: str, scripts: str) -> str | None:
    """A JS value token as text: a quoted literal, a number, or a variable assigned a literal."""
    if token[:1] in "'\"":
        return token[1:-1]
    if re.fullmatch(r"\d+", token):
        return token
    if token in ("true", "false"):
        return token
    name = token.split(".")[-1]
    m = re.search(rf"""\b{re.escape(name)}\s*[:=]\s*(?P<q>['"]?)([\w\-/.%]+)(?P=q)\s*[;,\n}}]""", scripts)
    return m.group(2) if m else None


def _params(obj: str, scripts: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, token in _PAIR.findall(obj):
        if key.lower() in PAGE_KEYS:
            params[key] = _literal(token, scripts) if token.isdigit() else "1"  # the first page
            continue
        value = _literal(token, scripts)
        if value is not None:
            params[key] = value
    return params


def find_endpoint(response: Response) -> dict[str, Any] | None:
    """The list API a page's scripts or data attributes call: {url, method, params, page_key}."""
    sel = selector(response)
    if sel is None:
        return None
    scripts = script_text(sel)
    base = base_url(response, sel)
    candidates: list[tuple[str, str, dict[str, str]]] = []
    for m in list(_CALL.finditer(scripts)) + list(_AJAX_URL.finditer(scripts)):
        url = m.group("url")
        window = scripts[m.end(): m.end() + 600]
        around = scripts[max(0, m.start() - 200): m.end() + 600]
        method = "POST" if (m.groupdict().get("fn") or "").endswith("post") or re.search(
            r"""(?:type|method)\s*:\s*['"]post['"]""", around, re.I) else "GET"
        obj = _OBJECT_AFTER.match(window) or _DATA_OBJECT.search(window)
        params = _params(obj.group(1), scripts) if obj else {}
        url = _TEMPLATE_VAR.sub(lambda v: "1" if v.group(1).lower() in PAGE_KEYS else (_literal(v.group(1), scripts) or ""), url)
        candidates.append((url, method, params))
    for el in sel.xpath("//*[" + " or ".join(f"@{a}" for a in _DATA_ATTRS) + "]"):
        attrs = el.attrib
        url = next(attrs[a] for a in _DATA_ATTRS if a in attrs)
        params = {
            re.sub(r"-(\w)", lambda c: c.group(1).upper(), k[5:]): v
            for k, v in attrs.items() if k.startswith("data-") and k not in _DATA_ATTRS and k != "data-method"
        }
        candidates.append((url, (attrs.get("data-method") or "GET").upper(), params))
    for url, method, params in candidates:
        path = urlsplit(url).path
        if not _API_LIKE.search(url) or _NOT_LIST.search(path):
            continue
        absolute = urljoin(base, url)
        query = dict(parse_qsl(urlsplit(absolute).query, keep_blank_values=True))
        merged = {**query, **params}
        page_key = next((k for k in merged if k.lower() in PAGE_KEYS), None)
        if page_key is None:
            # a data-attribute endpoint names its size but not its page: "page" is what such APIs take
            page_key = "page"
        if not str(merged.get(page_key, "")).isdigit():
            merged[page_key] = "1"
        return {"url": absolute.split("?", 1)[0], "method": method, "params": merged, "page_key": page_key,
                "referer": response.url}
    return None


def api_request(api: dict[str, Any], params: dict[str, str], meta: dict[str, Any]) -> scrapy.Request:
    """The request for one page of a JSON list API."""
    headers = {"Accept": "application/json, text/javascript, */*; q=0.01", "X-Requested-With": "XMLHttpRequest"}
    if api.get("referer"):
        headers["Referer"] = api["referer"]
    meta = {**meta, META_API: {**api, "params": params}}
    if api.get("method") == "POST":
        return scrapy.FormRequest(api["url"], formdata=params, headers=headers, meta=meta)
    return scrapy.Request(add_or_replace_parameters(api["url"], params) if params else api["url"], headers=headers, meta=meta)


def _static_entries(response: Response) -> list[Entry]:
    sel = selector(response)
    return link_entries(sel, base_url(response, sel)) if sel is not None else []


class JsonApiAdapter:
    """JSON list APIs and the pages that call them."""

    name = "json"

    def matches(self, response: Response) -> bool:
        if is_json(response):
            return True
        return find_endpoint(response) is not None and not _static_entries(response)

    def parse_list(self, response: Response) -> ListPage:
        response = decoded(response)
        text = body_text(response)
        data = load_json(text)
        if data is None:
            return self._page(response)
        api = meta_of(response).get(META_API) or self._api_from_url(response)
        items, holder = find_items(data)
        base = api.get("referer") or response.url
        entries = [e for e in (item_entry(i, base) for i in items) if e is not None]
        if not entries:  # some APIs answer an HTML fragment inside the JSON
            fragment = next((v for v in (data.values() if isinstance(data, dict) else []) if isinstance(v, str) and "<a" in v), None)
            if fragment:
                entries = link_entries(Selector(text=fragment), base, accept=lambda u, t, d: True)
        total = find_total(data, holder)
        params = dict(api.get("params") or {})
        key = api.get("page_key")
        size_key = next((k for k in params if k.lower() in SIZE_KEYS), None)
        size = int(params[size_key]) if size_key and str(params[size_key]).isdigit() else (len(items) or None)
        pages = -(-total // size) if total is not None and size else None

        def build(meta: dict[str, Any]) -> scrapy.Request | None:
            if not key or not str(params.get(key, "")).isdigit():
                return None
            return api_request(api, {**params, key: str(int(params[key]) + 1)}, meta)

        nexts = paginate(response, entries, self.name, build, total=pages)
        return ListPage(entries=entries, next_requests=nexts)

    def _page(self, response: Response) -> ListPage:
        """The HTML page: ask the API for page 1, or say the page needs a browser."""
        api = find_endpoint(response)
        if api is None:
            return ListPage(entries=_static_entries(response), needs_browser=not _static_entries(response))
        meta = {META_PAGE: 1, META_ADAPTER: self.name, META_KIND: "list"}
        if meta_of(response).get(META_MAX):
            meta[META_MAX] = meta_of(response)[META_MAX]
        return ListPage(entries=[], next_requests=[api_request(api, dict(api["params"]), meta)])

    @staticmethod
    def _api_from_url(response: Response) -> dict[str, Any]:
        """An API described by its own URL (a registry column pointing straight at it)."""
        params = dict(parse_qsl(urlsplit(response.url).query, keep_blank_values=True))
        key = next((k for k in params if k.lower() in PAGE_KEYS), None)
        return {"url": response.url.split("?", 1)[0], "method": "GET", "params": params, "page_key": key,
                "referer": None}
