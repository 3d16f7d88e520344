"""Rendering a list in Chromium, and remembering the API call that filled it.

A list page whose rows scripts write is fetched through scrapy-playwright with :func:`render_meta`:

1. before the page loads, :data:`RECORDER` wraps ``XMLHttpRequest`` and ``fetch`` so every call the
   page makes is kept (method, URL, body, status, content type, answer text) in ``window.__nbCalls``;
2. after the network settles, :func:`capture` takes the rendered DOM, then clicks the page's own
   “下一页” control once (a script control, never a link the static pager already gives) and waits
   for the call it makes. A list paged in the page without any call is clicked through, and each
   rendered page kept.

:func:`rendered` gives the spider the DOM of page 1 (plus pages turned without a call) to read;
:func:`api_requests` finds, among the calls, the one whose answer holds the rows it read — a JSON
answer or an HTML fragment — and the parameter that changed between its two calls (or one named like
a page number), and asks page 2, 3 … of it over plain HTTP (:mod:`spiders.adapters.captured`).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy_playwright.page import PageMethod

from crawler.middlewares import browser_meta

from .adapters.base import Entry, meta_of, paginate
from .adapters.captured import NAME, call_fields, call_request
from .adapters.json_api import load_json
from .adapters.query import PAGE_KEYS

MAX_CLICKS = 30  # pages turned in the browser when the list pages without any call

RECORDER = r"""
(() => {
  if (window.__nbCalls) return;
  const calls = window.__nbCalls = [];
  const done = (rec, status, type, text) => {
    rec.status = status; rec.type = type || ''; rec.text = (text || '').slice(0, 400000); rec.done = true;
  };
  const asText = (b) => typeof b === 'string' ? b : (b instanceof URLSearchParams ? b.toString()
      : (typeof FormData !== 'undefined' && b instanceof FormData ? new URLSearchParams(b).toString() : null));
  const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  const setHeader = XMLHttpRequest.prototype.setRequestHeader;
  XMLHttpRequest.prototype.open = function (method, url) {
    try { this.__nb = {method: String(method || 'GET').toUpperCase(), url: new URL(url, location.href).href, headers: {}}; } catch (e) {}
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.setRequestHeader = function (k, v) {
    if (this.__nb) this.__nb.headers[k] = v;
    return setHeader.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function (body) {
    const rec = this.__nb;
    if (rec) {
      rec.body = asText(body); calls.push(rec);
      this.addEventListener('loadend', () => {
        let t = '';
        try { t = (this.responseType === '' || this.responseType === 'text') ? this.responseText
                  : (this.responseType === 'json' ? JSON.stringify(this.response) : ''); } catch (e) {}
        done(rec, this.status, this.getResponseHeader('content-type'), t);
      });
    }
    return send.apply(this, arguments);
  };
  if (window.fetch) {
    const f = window.fetch;
    window.fetch = function (input, init) {
      const rec = {method: String((init && init.method) || (input && input.method) || 'GET').toUpperCase(),
                   url: new URL(typeof input === 'string' ? input : input.url, location.href).href,
                   body: init ? asText(init.body) : null,
                   headers: init && init.headers && !(init.headers instanceof Headers) ? init.headers : {}};
      calls.push(rec);
      return f.apply(this, arguments).then((r) => {
        r.clone().text().then((t) => done(rec, r.status, r.headers.get('content-type'), t),
                              () => done(rec, r.status, '', ''));
        return r;
      });
    };
  }
})();
"""

# The page's own “next page” control: a button, span or script link (a real href is the static pager's).
CLICK_NEXT = r"""
() => {
  const words = /^\s*(下一页|下页|后页|下一頁|next)\s*[>›»]*\s*$/i, arrows = /^\s*[›»>]\s*$/;
  const els = [...document.querySelectorAll('a, button, span, li, div, input[type=button]')];
  const ok = (e, pattern) => {
    const text = e.tagName === 'INPUT' ? e.value : e.textContent;
    if (!pattern.test(text || '') || e.children.length > 0 || !e.offsetParent) return false;  // the innermost
    if (/disabled/.test(e.className || '') || e.disabled) return false;
    if (pattern === arrows && !e.closest('[class*=pag], [id*=pag], [class*=fy], [id*=fy]')) return false;
    const href = (e.getAttribute('href') || '').trim();
    return !(e.tagName === 'A' && href && !href.startsWith('#') && !/^javascript:/i.test(href));
  };
  const el = els.find((e) => ok(e, words)) || els.find((e) => ok(e, arrows));
  if (!el) return false;
  el.click();
  return true;
}
"""

_DONE = "() => (window.__nbCalls || []).filter((c) => c.done)"
_BODY = "() => document.body ? document.body.innerHTML : ''"


async def install_recorder(page: Any, request: Any) -> None:
    """scrapy-playwright ``playwright_page_init_callback``: record the page's calls from its first script."""
    await page.add_init_script(RECORDER)


async def capture(page: Any) -> dict[str, Any]:
    """The rendered page's body (page 1, and pages turned without a call) and the calls it made,
    after one click on its own 下一页 control."""
    bodies = [await page.evaluate(_BODY)]
    calls = await page.evaluate(_DONE)
    clicked = False
    for _ in range(MAX_CLICKS):
        try:
            if not await page.evaluate(CLICK_NEXT):
                break
        except Exception:  # the click navigated away, or the page is gone
            break
        clicked = True
        before = len(calls)
        try:
            await page.wait_for_function(f"() => (window.__nbCalls || []).filter((c) => c.done).length > {before}",
                                         timeout=4000)
        except Exception:
            pass
        calls = await page.evaluate(_DONE)
        if len(calls) > before:
            break  # the list pages by a call: that call is paged over HTTP
        body = await page.evaluate(_BODY)
        if body == bodies[-1]:
            break  # the click changed nothing
        bodies.append(body)
    return {"bodies": bodies, "calls": calls, "clicked": clicked}


def render_meta() -> dict[str, Any]:
    """Request meta that renders a list page in Chromium and captures what its scripts asked."""
    meta = browser_meta()
    meta["playwright_page_init_callback"] = "spiders.render.install_recorder"
    meta["playwright_page_methods"] = [*meta["playwright_page_methods"], PageMethod(capture)]
    return meta


def _capture_result(response: Response) -> dict[str, Any] | None:
    for method in meta_of(response).get("playwright_page_methods") or []:
        result = getattr(method, "result", None)
        if isinstance(result, dict) and "calls" in result:
            return result
    return None


def rendered(response: Response) -> Response:
    """The response as the list reads it: the DOM of page 1 (and of pages turned without a call)
    rather than what the page shows after the click."""
    result = _capture_result(response)
    if not result or not result.get("bodies") or not hasattr(response, "text"):
        return response
    html = "<html><head><meta charset='utf-8'></head><body>" + "\n".join(result["bodies"]) + "</body></html>"
    return response.replace(body=html.encode("utf-8"), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# the list's API

_PAGE_NAME = re.compile(r"page|^p$|^pn$|^pg$|^cur|^curr$|index|^no$|^start$|^offset$|^skip$|^from$", re.I)


def _answer_text(call: dict[str, Any]) -> str:
    """A call's answer with JSON decoded (escaped titles and ``\\/`` made plain), for matching."""
    text = call.get("text") or ""
    data = load_json(text)
    return json.dumps(data, ensure_ascii=False).replace("\\/", "/") if data is not None else text


def _holds(call: dict[str, Any], entries: list[Entry]) -> int:
    text = _answer_text(call)
    return sum(1 for e in entries if (e.title and e.title in text) or urlsplit(e.url).path in text)


def _numbers(fields: dict[str, dict[str, Any]]) -> dict[tuple[str, str, str], int]:
    """Every numeric parameter as (place, key, inner key or "") → value, inner keys of JSON strings
    (``paramJson={"pageNo":1}``) included."""
    out: dict[tuple[str, str, str], int] = {}
    for place, values in fields.items():
        for key, value in values.items():
            if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                out[(place, key, "")] = int(value)
            elif isinstance(value, str) and value.startswith("{"):
                inner = load_json(value)
                for k, v in (inner.items() if isinstance(inner, dict) else []):
                    if isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
                        out[(place, key, k)] = int(v)
    return out


def page_parameter(first: dict[str, Any], second: dict[str, Any] | None) -> tuple[tuple[str, str, str], int, int] | None:
    """(where, this call's value, step) of the page parameter: the number that changed between the
    list's two calls, else one named like a page number."""
    a = _numbers(call_fields(first))
    if second is not None:
        b = _numbers(call_fields(second))
        # a timestamp cache-buster (jQuery's _=1701234567890) changes too: not a page number
        changed = [k for k in a if k in b and 0 < b[k] - a[k] <= 1000 and a[k] < 10**9]
        if len(changed) == 1:
            return changed[0], a[changed[0]], b[changed[0]] - a[changed[0]]
    named = [k for k in a if (k[2] or k[1]).lower() in PAGE_KEYS] or [k for k in a if _PAGE_NAME.search(k[2] or k[1])]
    return (named[0], a[named[0]], 1) if named else None


def api_requests(response: Response, entries: list[Entry]) -> list[scrapy.Request]:
    """Page 2 of the API call a rendered list loaded its rows from, as a plain request; [] when the
    rows came from no call, or the call has no page parameter."""
    result = _capture_result(response)
    if not result or not entries:
        return []
    calls = [c for c in result.get("calls") or [] if c.get("status") == 200 and c.get("url", "").startswith("http")]
    scored = [(c, _holds(c, entries)) for c in calls]
    best = max(scored, key=lambda cs: cs[1], default=(None, 0))
    if best[0] is None or best[1] == 0:
        return []
    first = best[0]
    path = urlsplit(first["url"]).path
    later = [c for c in calls[calls.index(first) + 1:] if urlsplit(c["url"]).path == path]
    found = page_parameter(first, later[-1] if later else None)
    if found is None:
        return []
    where, value, step = found
    call = {**first, "referer": response.url.split("#", 1)[0], "where": list(where), "value": value, "step": step}
    call.pop("text", None)
    return paginate(response, entries, NAME, lambda m: call_request(call, value + step, m), current=1)
