"""TRS WCM static lists: ``index.html``, ``index_1.html`` … (``.html`` or ``.shtml``).

The page count is in an inline script, either ``createPageHTML(总页数, 当前页, "index", "html")``
or variables (``var countPage=56``, ``var currentPage=0``) with links built as
``"index"+"_"+i+"."+"html"``. Items are ``ul > li > a[href=./202302/t20230218_78246924.html]``
with ``<span>2023-02-18</span>``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import Response

from pages.text import clean, decoded, iso_date

from .base import (
    Entry,
    ListPage,
    as_directory,
    get_request,
    link_entries,
    merge_entries,
    next_link,
    paginate,
    read_page,
    script_text,
    selector,
    sub_columns,
    urljoin,
)

ARTICLE = re.compile(r"/t\d{8}_\d+\.s?html?(?:$|[?#])")
_CREATE = re.compile(r"createPageHTML\s*\(([^()]*)\)")
_COUNT = re.compile(r"\bcountPage\s*=\s*(\d+)")
_PREFIX = re.compile(r"""["'](\w+)["']\s*\+\s*["']_["']""")  # "index"+"_"
_EXT = re.compile(r"""["']\.["']\s*\+\s*["'](s?html?)""")  # "."+"html"
_PAGE_EXTS = ("html", "shtml", "htm", "jhtml")
# An item written by an inline script: var url = "./202301/t20230130_123.html"; document.write(...)
_SCRIPT_URL = re.compile(r"""["']((?:\.{1,2}/|/|https?://)[^"'\s]*?/t\d{8}_\d+\.s?html?)["']""")
_SCRIPT_TITLE = re.compile(r"""["']([^"'<>]*[\u4e00-\u9fff][^"'<>]{3,})["']""")


def _resolve(arg: str, scripts: str) -> str:
    """A call argument as text: a literal unquoted, a variable (``_nPageCount``) looked up in the scripts."""
    if arg[:1] in "'\"":
        return arg.strip("'\"")
    if re.fullmatch(r"[A-Za-z_$][\w$]*", arg):
        m = re.search(rf"""\b{re.escape(arg)}\s*=\s*(["']?)([\w.]+)\1""", scripts)
        return m.group(2) if m else arg
    return arg


def trs_page_count(scripts: str) -> tuple[int, str | None, str | None] | None:
    """(page count, file prefix, extension) from a TRS pager script, or None when it has none.

    ``createPageHTML(5, 0, "index", "html")``, ``createPageHTML('page_div', 5, 1, 'index', 'shtml', 94)``,
    ``createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt)`` with ``var _nPageCount = 5;``…,
    or ``var countPage = 5`` with links built as ``"index"+"_"+i+"."+"html"``.
    """
    for m in _CREATE.finditer(scripts):
        args = [_resolve(a.strip(), scripts) for a in m.group(1).split(",")]
        numbers = [a for a in args if a.isdigit()]
        if not numbers:
            continue  # the function's own definition, not a call
        prefix = ext = None
        for i, arg in enumerate(args):
            if arg.lower() in _PAGE_EXTS and i > 0:
                prefix, ext = args[i - 1], arg
                break
        return int(numbers[0]), prefix, ext
    m = _COUNT.search(scripts)
    if m:
        prefix = _PREFIX.search(scripts)
        ext = _EXT.search(scripts)
        return int(m.group(1)), prefix.group(1) if prefix else None, ext.group(1) if ext else None
    return None


def trs_next_requests(response: Response, sel: Selector, entries: list[Entry], adapter: str) -> list:
    """The next page of a TRS list: ``<prefix>_<i+1>.<ext>`` while the script's count allows (capped),
    else the pager's 下一页 link."""
    counted = trs_page_count(script_text(sel))
    url = response.url
    path_ext = urlsplit(url).path.rsplit(".", 1)[-1].lower() if "." in urlsplit(url).path.rsplit("/", 1)[-1] else ""
    if counted:
        count, prefix, ext = counted
        prefix = prefix or "index"
        ext = ext or (path_ext if path_ext in _PAGE_EXTS else "html")
        m = re.search(rf"/{re.escape(prefix)}_(\d+)\.{ext}$", urlsplit(url).path)
        index = int(m.group(1)) if m else 0  # index.html is page 0, index_1.html page 1 …
        base = as_directory(url)
        return paginate(
            response, entries, adapter,
            lambda meta: get_request(urljoin(base, f"{prefix}_{index + 1}.{ext}"), meta, referer=url),
            current=index + 1, total=count,
        )
    following = next_link(sel, url)
    if following:
        return paginate(response, entries, adapter, lambda meta: get_request(following, meta, referer=url))
    return []


def script_entries(sel: Selector, base: str) -> list[Entry]:
    """Items some TRS templates write with ``document.write`` (no ``<a>`` in the saved HTML)."""
    entries = []
    for item in sel.xpath("//li[script and not(.//a[@href])] | //tr[.//script and not(.//a[@href])]"):
        code = "\n".join(item.xpath(".//script/text()").getall())
        m = _SCRIPT_URL.search(code)
        if not m:
            continue
        titles = sorted(_SCRIPT_TITLE.findall(code), key=len, reverse=True)
        text = clean(" ".join(item.xpath(".//text()[not(ancestor::script)]").getall()))
        title = clean(titles[0]) if titles else text
        if title:
            entries.append(Entry(url=urljoin(base, m.group(1)), title=title, date=iso_date(text) or iso_date(code)))
    return entries


def looks_trs(response: Response, sel: Selector) -> bool:
    """TRS signs: the pager script or variables, or links to ``tYYYYMMDD_N.html`` documents."""
    scripts = script_text(sel)
    if "createPageHTML" in scripts or _COUNT.search(scripts):
        return True
    hrefs = sel.root.xpath("//a/@href")
    return sum(1 for h in hrefs if ARTICLE.search(h)) >= 2


class TrsAdapter:
    """TRS WCM ``ul > li`` lists."""

    name = "trs"

    def matches(self, response: Response) -> bool:
        sel = selector(decoded(response))
        return sel is not None and looks_trs(response, sel)

    def parse_list(self, response: Response) -> ListPage:
        page = read_page(response)
        if page is None:
            return ListPage(entries=[])
        response, sel, base = page
        entries = merge_entries(link_entries(sel, base, article=ARTICLE), script_entries(sel, base))
        nexts = trs_next_requests(response, sel, entries, self.name)
        columns = sub_columns(sel, response.url, exclude=[e.url for e in entries], article=ARTICLE, base=base)
        return ListPage(entries=entries, next_requests=nexts, columns=columns)
