"""Pages whose list is somewhere else: frames, script redirects, and lists that scripts write.

A 年报 column page read statically may show no entry because

* it is a **frame shell**: the list is a same-site ``<iframe src>`` (or ``<frame>``);
* it is a **redirect shell**: ``location.href = '…'``, ``location.replace('…')``,
  ``window.location = '…'`` or ``<meta http-equiv="refresh" content="0;url=…">``;
* its rows are **written by scripts** — ``document.write``/``writeln``, ``innerHTML``, jQuery
  ``.html()/.append()``, XHR/``fetch``, client templates (``<script type="text/html">``, ``v-for``,
  ``{{…}}``), an SPA mount point.

:func:`shell_targets` gives the pages to read instead; :func:`writes_rows` says a browser would
see more than the static HTML. Both are used only for a page without entries, so an ordinary list
costs nothing.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapy.http import Response

from pages.text import is_file_url, is_followable

from .adapters.base import base_url, script_text, selector, urljoin

_REDIRECT = re.compile(
    r"""(?:(?:window|self|top|parent|document)\.)?location(?:\.href)?\s*=\s*(?P<q>['"])(?P<a>[^'"\s]+)(?P=q)"""
    r"""|location\.(?:replace|assign)\(\s*(?P<q2>['"])(?P<b>[^'"\s]+)(?P=q2)\s*\)"""
)
_REFRESH = re.compile(r"""^\s*\d+(?:\.\d+)?\s*[;,]\s*url\s*=\s*['"]?([^'"\s]+)""", re.I)
_NOT_LIST_FRAME = re.compile(r"map|video|weather|player|share|baidu|qq\.com|count|stat|ad[sv]?/|login|search", re.I)
_WRITES = re.compile(
    r"document\.write(?:ln)?\s*\(|\.innerHTML\s*[+]?=|\.insertAdjacentHTML\(|\$\.(?:ajax|get|getJSON|post)\b|"
    r"jQuery\.(?:ajax|get|post)\b|\baxios\b|\bfetch\s*\(|XMLHttpRequest|\.html\(\s*[\w$]|\.append\(\s*[\w$]|"
    r"template\(|laytpl|laypage|layui\.table|new Vue|createApp\(|React\.|ReactDOM|angular\.module",
    re.I,
)
_TEMPLATE_SCRIPT = re.compile(r"""<script[^>]+type\s*=\s*['"]text/(?:html|template|x-handlebars|x-tmpl|x-jsrender)""", re.I)
_MOUNT = re.compile(r"""<div[^>]+id\s*=\s*['"](?:app|root)['"][^>]*>\s*</div>|\bv-for\s*=|\{\{\s*[\w.]+\s*\}\}""", re.I)
# libraries and counters: a page's own script (list.js, common.js…) may write its rows, these do not
_LIBRARY = re.compile(r"jquery|bootstrap|layer\.js|swiper|echarts|html5shiv|respond|polyfill|analytics|hm\.baidu|"
                      r"cnzz|51\.la|wza|aria|barrierfree|jiucuo|font|zoom|share|qrcode|md5|base64|json2", re.I)
MAX_TARGETS = 4


def _registrable(host: str) -> str:
    """The site a host belongs to: ``xxgk.nanao.gov.cn`` → ``nanao.gov.cn`` (an IP is itself)."""
    if re.fullmatch(r"[\d.]+|\[.*\]", host):
        return host
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in ("gov", "com", "org", "net", "edu") else 2
    return ".".join(labels[-keep:])


def same_origin_site(a: str, b: str) -> bool:
    """Same host and port, or sibling hosts of one government site (www. and xxgk. of nanao.gov.cn)."""
    pa, pb = urlsplit(a), urlsplit(b)
    if (pa.hostname or "") == (pb.hostname or ""):
        return pa.port == pb.port
    return _registrable(pa.hostname or "") == _registrable(pb.hostname or "")


def shell_targets(response: Response) -> list[str]:
    """The same-site frames and redirect targets of a page, absolute, in page order (at most a few)."""
    sel = selector(response)
    if sel is None:
        return []
    base = base_url(response, sel)
    found: list[str] = []
    hrefs = sel.xpath("//iframe/@src | //frame/@src").getall()
    hrefs += [m.group(1) for c in sel.xpath("//meta[translate(@http-equiv,'REFSH','refsh')='refresh']/@content").getall()
              if (m := _REFRESH.match(c))]
    hrefs += [m.group("a") or m.group("b") for m in _REDIRECT.finditer(script_text(sel))]
    here = response.url.split("#", 1)[0]
    for href in hrefs:
        if not is_followable(href) or _NOT_LIST_FRAME.search(href):
            continue
        url = urljoin(base, href)
        if url.split("#", 1)[0] == here or is_file_url(url) or not same_origin_site(url, response.url):
            continue
        if url not in found:
            found.append(url)
    return found[:MAX_TARGETS]


def writes_rows(response: Response) -> bool:
    """Whether the page's scripts build content a browser would show and the static HTML lacks."""
    sel = selector(response)
    if sel is None:
        return False
    if _WRITES.search(script_text(sel)):
        return True
    text = response.text if hasattr(response, "text") else ""
    if _TEMPLATE_SCRIPT.search(text) or _MOUNT.search(text):
        return True
    # a script file of the site's own may write the rows: only a browser can tell
    return any(not _LIBRARY.search(src) for src in sel.xpath("//script/@src").getall())
