"""Hanweb/大汉 JCMS lists: ``/col/col<ID>/index.html``.

The first records sit in the page inside ``<script type="text/xml"><datastore>…<recordset>
<record><![CDATA[<li><a href=… title=…>…</a><span>date</span></li>]]></record>…``; the rest come by
POST to ``/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15`` (or
``/module/jpage/…``, whatever the page's jpage config names) with the form
``col=1&appid=1&webid=…&path=/&columnid=…&unitid=…&permissiontype=0``. The answer is the same
datastore XML, parsed here too: the request carries ``meta["adapter"] = "hanweb"`` and the form in
``meta["hanweb_form"]``.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from pages.text import decoded

from .base import (
    Entry,
    ListPage,
    base_url,
    body_text,
    link_entries,
    meta_of,
    paginate,
    selector,
    sub_columns,
    urljoin,
)

ARTICLE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html")
COLUMN = re.compile(r"/col/col(\d+)/")
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
META_FORM = "hanweb_form"
META_REFERER = "hanweb_referer"

_RECORD = re.compile(r"<record>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|\btotalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_PERPAGE = re.compile(r"\bperPage\s*[:=]\s*['\"]?(\d+)", re.I)
_PROXY = re.compile(r"""["']([^"'\s]*dataproxy\.jsp)""")
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
# jpage ajaxParam / nextgroup query: webid:2905 · webid='2905' · webid=2905
_PARAM = re.compile(r"""\b(col|appid|webid|path|columnid|sourceContentType|unitid|webname|permissiontype)\s*[:=]\s*['"]?([^'"&,}\s]*)""")
_DATASTORE_VAR = re.compile(r"\bdataStore\s*:\s*([A-Za-z_$][\w$]*)")
_QUOTED = re.compile(r"'((?:\\.|[^'\\])*)'|\"((?:\\.|[^\"\\])*)\"")
_FORM_KEYS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")


def records(text: str) -> list[str]:
    """The HTML snippets of a datastore's ``<record>`` elements (CDATA or escaped)."""
    out = []
    for m in _RECORD.finditer(text):
        snippet = m.group(1) if m.group(1) is not None else html.unescape(m.group(2) or "")
        if snippet.strip():
            out.append(snippet)
    return out


def _array_records(text: str) -> list[str]:
    """Older jpage pages keep records in a JS array named by ``dataStore:`` (``var InitData=['<li>…']``)."""
    m = _DATASTORE_VAR.search(text)
    if not m:
        return []
    start = re.search(rf"\b{re.escape(m.group(1))}\s*=\s*\[", text)
    if not start:
        return []
    end = text.find("];", start.end())
    body = text[start.end(): end if end > 0 else None]
    return [(a if a is not None else b).replace("\\'", "'").replace('\\"', '"') for a, b in _QUOTED.findall(body)]


def record_entries(snippets: list[str], base: str) -> list[Entry]:
    """One entry per record: its first link and the date shown with it."""
    out: list[Entry] = []
    for snippet in snippets:
        wrapped = f"<table>{snippet}</table>" if snippet.lstrip().lower().startswith("<tr") else snippet
        found = link_entries(Selector(text=f"<html><body>{wrapped}</body></html>"), base, accept=lambda u, t, d: True)
        if found:
            out.append(found[0])
    return out


def form_params(text: str, url: str) -> dict[str, str]:
    """The dataproxy form fields a column page names in its scripts (jpage ajaxParam, nextgroup link)."""
    found: dict[str, str] = {}
    ng = _NEXTGROUP.search(text)
    sources = [html.unescape(ng.group(1))] if ng else []
    sources.append(text)
    for source in reversed(sources):  # the jpage config first, the nextgroup link (URL-encoded) after
        for key, value in _PARAM.findall(source):
            if value and key not in found:
                found[key] = unquote(value)
    m = COLUMN.search(url)
    if m and "columnid" not in found:
        found["columnid"] = m.group(1)
    form = {"col": "1", "appid": "1", "webid": "", "path": "/", "columnid": "", "unitid": "", "permissiontype": "0"}
    form.update({k: found[k] for k in _FORM_KEYS if k in found})
    return {k: v for k, v in form.items() if v != "" or k in ("webid", "columnid", "unitid")}


def _record_range(url: str) -> tuple[int, int, int] | None:
    q = dict(parse_qsl(urlsplit(url).query))
    try:
        return int(q["startrecord"]), int(q["endrecord"]), int(q.get("perpage") or 15)
    except (KeyError, ValueError):
        return None


class HanwebAdapter:
    """Hanweb JCMS column pages and their dataproxy.jsp answers."""

    name = "hanweb"

    def matches(self, response: Response) -> bool:
        text = body_text(response)
        return "<datastore" in text.lower() or "dataproxy.jsp" in response.url or (
            bool(COLUMN.search(response.url)) and "jpage" in text
        )

    def parse_list(self, response: Response) -> ListPage:
        response = decoded(response)
        text = body_text(response)
        meta = meta_of(response)
        proxy_answer = "dataproxy.jsp" in urlsplit(response.url).path
        sel = None if proxy_answer else selector(response)
        referer = meta.get(META_REFERER) or (None if proxy_answer else response.url)
        base = base_url(response, sel) if sel is not None else response.url
        snippets = records(text) or _array_records(text)
        entries = record_entries(snippets, base)
        if not entries and sel is not None:  # a column page rendered statically after all
            entries = link_entries(sel, base, article=ARTICLE)

        total_m = _TOTAL.search(text)
        total = int(next(g for g in total_m.groups() if g)) if total_m else None
        if proxy_answer:
            # the form from meta, else the POST body, else a GET's query (a nextgroup-style URL)
            form = dict(meta.get(META_FORM) or self._request_form(response) or {
                k: v for k, v in parse_qsl(urlsplit(response.url).query) if k in _FORM_KEYS})
            rng = _record_range(response.url)
            start, end, perpage = rng if rng else (1, len(snippets), 15)
            proxy = response.url.split("?", 1)[0]
        else:
            form = form_params(text, response.url)
            perpage_m = _PERPAGE.search(text)
            perpage = int(perpage_m.group(1)) if perpage_m else 15
            start, end = 1, len(snippets)
            proxy_m = _PROXY.search(text)
            proxy = urljoin(response.url, proxy_m.group(1) if proxy_m else DEFAULT_PROXY)
        chunk = max(end - start + 1, perpage, 1)  # ask for as many records as this answer covered

        def build(new_meta: dict[str, Any]) -> scrapy.Request | None:
            if not form.get("webid") or not form.get("columnid") or (total is not None and end >= total):
                return None
            query = urlencode({"startrecord": end + 1, "endrecord": end + chunk, "perpage": perpage})
            headers = {"Referer": referer} if referer else {}
            headers["X-Requested-With"] = "XMLHttpRequest"
            return scrapy.FormRequest(
                f"{proxy}?{query}", formdata=form, headers=headers,
                meta={**new_meta, META_FORM: form, META_REFERER: referer},
            )

        nexts = paginate(response, entries, self.name, build)  # build() stops at totalrecord
        columns: list[str] = []
        if sel is not None:
            own = f"/col/col{form.get('columnid')}/"
            columns = [
                c for c in sub_columns(sel, response.url, exclude=[e.url for e in entries], article=ARTICLE,
                                       column=COLUMN, under_dir=False, base=base)
                if own not in c
            ]
        return ListPage(entries=entries, next_requests=nexts, columns=columns)

    @staticmethod
    def _request_form(response: Response) -> dict[str, str]:
        """The form the answered POST sent (when the request did not carry it in meta)."""
        try:
            body = response.request.body or b""
        except AttributeError:
            return {}
        return dict(parse_qsl(body.decode("utf-8", "replace")))
