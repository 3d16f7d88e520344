"""What every list-page adapter returns, and the helpers they share: entries, pagers, sub-columns.

Pagination is sequential on purpose: a list page asks for at most one further page, and only when
it brought entries not seen on the pages before (their URLs ride along in ``meta["list_seen"]``), so
a site that serves the same page for every N, or a page count of 10 000, costs at most one wasted
request or ``max_list_pages`` requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple, Protocol
from urllib.parse import urlsplit

import scrapy
from lxml import etree
from parsel import Selector
from scrapy.http import Response, TextResponse

from pages.html import (  # noqa: F401 - the adapters' API
    anchors,
    base_url,
    in_chrome,
    script_text,
    selector,
    urljoin,
    visible_text,
)
from pages.text import (
    clean,
    decoded,
    is_date_only,
    is_file_url,
    is_followable,
    iso_date,
    squeeze,
)

DEFAULT_MAX_PAGES = 50  # the spider may override per request with meta["max_list_pages"]

# meta keys carried by the requests adapters build
META_PAGE = "list_page"  # 1-based number of this fetch of the list
META_SEEN = "list_seen"  # entry URLs of the pages fetched before
META_ADAPTER = "adapter"  # the adapter that built the request, which must parse its answer
META_MAX = "max_list_pages"
META_KIND = "kind"  # "list" (crawler.middlewares reads "article"/"attachment")


@dataclass
class Entry:
    """One item of a list page."""

    url: str  # absolute
    title: str
    date: str | None  # ISO yyyy-mm-dd when the list shows one
    publisher: str | None = None


@dataclass
class ListPage:
    """What a list page holds and where the list goes on."""

    entries: list[Entry]
    next_requests: list[scrapy.Request] = field(default_factory=list)  # no callback: the spider sets it
    columns: list[str] = field(default_factory=list)  # sub-columns (per unit, per year), absolute
    needs_browser: bool = False  # empty, but scripts would build it


class Adapter(Protocol):
    """One list-page shape (a CMS family)."""

    name: str  # trs, trs_table, hanweb, vsb, json, query (generic for the fallback)

    def matches(self, response: Response) -> bool:
        """Whether the response has this shape's markers (cheap; no requests are built)."""
        ...

    def parse_list(self, response: Response) -> ListPage:
        """The entries, the request for the next page (if any) and the sub-columns of a list response."""
        ...


# ---------------------------------------------------------------------------------------------
# response helpers

def meta_of(response: Response) -> dict[str, Any]:
    """The response's request meta, or {} for a response built without a request."""
    try:
        return response.meta
    except AttributeError:
        return {}


def max_pages(response: Response) -> int:
    """The page cap for this list: ``meta["max_list_pages"]`` or :data:`DEFAULT_MAX_PAGES`."""
    try:
        return max(1, int(meta_of(response).get(META_MAX) or DEFAULT_MAX_PAGES))
    except (TypeError, ValueError):
        return DEFAULT_MAX_PAGES


def body_text(response: Response) -> str:
    """The decoded body, or "" for a binary response."""
    return response.text if isinstance(response, TextResponse) else ""


class Page(NamedTuple):
    """A list page ready to read: the response decoded right, its selector, the base URL of its links."""

    response: Response
    sel: Selector
    base: str


def read_page(response: Response) -> Page | None:
    """The decode → selector → base-URL preamble every HTML adapter starts with; None for a response
    without HTML (binary, JSON, unreadable)."""
    response = decoded(response)
    sel = selector(response)
    if sel is None:
        return None
    return Page(response, sel, base_url(response, sel))


def column_dir(url: str) -> str:
    """The directory a list URL lives in: …/zfxxgknb/index_2.html → …/zfxxgknb/; a VSB list
    …/zfxxgknb.htm keeps its pages in …/zfxxgknb/, so that is its directory."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if not path.endswith("/"):
        last = path.rsplit("/", 1)[-1]
        if "." not in last:
            path += "/"  # “…/zfxxgknb” is a directory served without its slash
        elif re.fullmatch(r"[^/]+\.htm", last) and not re.fullmatch(r"(?:index|default|\d+)\.htm", last):
            path = path[: -len(".htm")] + "/"
        else:
            path = path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def as_directory(url: str) -> str:
    """A URL whose last segment has no extension, with a trailing slash (a TRS column URL served
    without its slash still numbers its pages inside the column: …/zfxxgknb/index_1.html)."""
    parts = urlsplit(url)
    last = parts.path.rsplit("/", 1)[-1]
    if parts.path and not parts.path.endswith("/") and "." not in last:
        return url.split("?", 1)[0].split("#", 1)[0] + "/"
    return url


def same_site(a: str, b: str) -> bool:
    """Same host, ignoring a leading www."""
    ha, hb = (urlsplit(u).hostname or "" for u in (a, b))
    return ha.removeprefix("www.") == hb.removeprefix("www.")


# ---------------------------------------------------------------------------------------------
# entries

_PAGER_WORDS = re.compile(r"^(?:首页|尾页|末页|上一?页|下一?页|前页|后页|上一頁|下一頁|第?\d+页?|\d+|GO|跳转|确定|更多|more|>+|<+|»|«|›|‹|…|\.\.\.)$", re.I)
_NEXT_WORDS = re.compile(r"^(?:下一?页|后一?页|下一頁|next)\s*[>›»]*$", re.I)


_COLUMN_URL = re.compile(r"/(?:(?:index|default)\.s?html?)?(?:[?#].*)?$")


def link_title(a: Selector | Any) -> str:
    """A link's title: its title attribute (lists truncate the text), else its text without dates.
    Takes a Selector or an lxml element."""
    el = getattr(a, "root", a)
    title = clean(el.get("title"))
    if title:
        return title
    texts = [t for t in visible_text(el) if not is_date_only(t)]
    return clean(" ".join(texts))


def is_pager_text(text: str) -> bool:
    """Whether a link text is a pager's (首页, 下一页, 3, 尾页…)."""
    return bool(_PAGER_WORDS.match(squeeze(text)))


def _distinct_links(el: Any) -> int:
    return len({a.get("href", "").strip() for a in el.iter("a") if is_followable(a.get("href"))})


def _date_near(a_el: Any) -> str | None:
    """The date shown with a link: inside it, or in the smallest enclosing item holding no other link."""
    for text in a_el.itertext():
        if is_date_only(text):
            return iso_date(text)
    el = a_el.getparent()
    for _ in range(4):
        if el is None or el.tag in ("body", "html", "table", "tbody", "ul", "ol"):
            return None
        if _distinct_links(el) > 1:
            return None
        found = iso_date(" ".join(t for t in el.itertext()))
        if found:
            return found
        el = el.getparent()
    return None


def link_entries(
    sel: Selector,
    base: str,
    *,
    article: re.Pattern[str] | None = None,
    accept: Callable[[str, str, str | None], bool] | None = None,
) -> list[Entry]:
    """The list items of a page: links to an article URL of the shape (``article``), or links shown
    with a date; ``accept(url, title, date)`` replaces that test when given. Site chrome is skipped."""
    entries: dict[str, Entry] = {}
    for a in anchors(sel):
        href = a.get("href", "")
        if not is_followable(href) or in_chrome(a):
            continue
        url = urljoin(base, href)
        title = link_title(a)
        if len(squeeze(title)) < 4 or is_pager_text(title):
            continue
        date = _date_near(a)
        if accept:
            ok = accept(url, title, date)
        else:  # a dated link to a directory is a column's “more” link, not an item
            ok = bool(article and article.search(url)) or (date is not None and not _COLUMN_URL.search(url))
        if not ok:
            continue
        if url in entries:
            if entries[url].date is None:
                entries[url].date = date
            continue
        entries[url] = Entry(url=url, title=title, date=date)
    return list(entries.values())


_HEAD_TITLE = re.compile(r"^(?:名称|标题|文件名称|信息名称|文件标题)$")
_HEAD_DATE = re.compile(r"^(?:发布日期|发布时间|日期|时间|公开日期|成文日期)$")
_HEAD_PUBLISHER = re.compile(r"^(?:发布机构|发文机关|发布单位|信息来源|来源|公开主体|发文单位)$")


def _cell(cells: list[Any], index: int | None) -> str | None:
    if index is None or index >= len(cells):
        return None
    return clean(" ".join(cells[index].itertext()))


_TABLES = etree.XPath("//table")
_ROWS = etree.XPath("./tr | ./tbody/tr | ./thead/tr")
_CELLS = etree.XPath("./th | ./td")
_CELL_LINK = etree.XPath(".//a[@href]")


def table_entries(sel: Selector, base: str) -> list[Entry]:
    """Items of an xxgk table list (名称 / 索引号 / 发布机构 / 发布日期), reading columns by header."""
    entries: list[Entry] = []
    for table in _TABLES(sel.root):
        cols: dict[str, int] = {}
        for tr in _ROWS(table):
            cells = _CELLS(tr)
            if not cols:
                heads = [squeeze(" ".join(c.itertext())) for c in cells]
                found = {
                    key: i
                    for i, h in enumerate(heads)
                    for key, pat in (("title", _HEAD_TITLE), ("date", _HEAD_DATE), ("publisher", _HEAD_PUBLISHER))
                    if pat.match(h)
                }
                if "title" in found and len(found) > 1:
                    cols = found
                continue
            if len(cells) <= cols["title"]:
                continue
            link = _CELL_LINK(cells[cols["title"]])
            if not link or not is_followable(link[0].get("href")):
                continue

            entries.append(Entry(
                url=urljoin(base, link[0].get("href")),
                title=link_title(link[0]),
                date=iso_date(_cell(cells, cols.get("date"))),
                publisher=_cell(cells, cols.get("publisher")) or None,
            ))
    return entries


def merge_entries(*lists: Iterable[Entry]) -> list[Entry]:
    """Entries by URL, first seen first; later lists fill in a missing date or publisher."""
    out: dict[str, Entry] = {}
    for entries in lists:
        for e in entries:
            if e.url not in out:
                out[e.url] = e
            else:
                kept = out[e.url]
                kept.date = kept.date or e.date
                kept.publisher = kept.publisher or e.publisher
    return list(out.values())


# ---------------------------------------------------------------------------------------------
# pagination

def pager_links(sel: Selector, base: str) -> list[tuple[str, str]]:
    """(text, absolute URL) of every link whose text is a pager's."""
    out = []
    for a in anchors(sel):
        text = clean(" ".join(a.itertext()))
        href = a.get("href", "")
        if is_followable(href) and is_pager_text(text):
            out.append((text, urljoin(base, href)))
    return out


def next_link(sel: Selector, base: str) -> str | None:
    """The URL of the pager's 下一页 / 下页 link, if any."""
    for text, url in pager_links(sel, base):
        if _NEXT_WORDS.match(squeeze(text)):
            return url
    return None


def paginate(
    response: Response,
    entries: list[Entry],
    adapter: str,
    build: Callable[[dict[str, Any]], scrapy.Request | None],
    *,
    current: int | None = None,
    total: int | None = None,
) -> list[scrapy.Request]:
    """The request for the next page of this list, or [] when the list ends here.

    It ends at an empty page, a page with no entry unseen before, the cap (``max_list_pages``), or
    the page count ``total`` when the page states one. ``build(meta)`` makes the request.
    """
    meta = meta_of(response)
    n = current or int(meta.get(META_PAGE) or 1)
    cap = max_pages(response)
    seen = list(meta.get(META_SEEN) or [])
    urls = [e.url for e in entries]
    if not urls or set(urls) <= set(seen):  # nothing new: the same page again, or the end
        return []
    if n >= cap or (total is not None and n >= total):
        return []
    known = set(seen)
    new_meta = {
        META_PAGE: n + 1,
        META_SEEN: seen + [u for u in urls if u not in known],
        META_ADAPTER: adapter,
        META_MAX: cap,
        META_KIND: "list",
    }
    request = build(new_meta)
    if request is None or (request.method == "GET" and request.url == response.url):
        return []
    return [request]


def get_request(url: str, meta: dict[str, Any], referer: str | None = None) -> scrapy.Request:
    """A plain GET for a further list page."""
    headers = {"Referer": referer} if referer else None
    return scrapy.Request(url, meta=meta, headers=headers)


# ---------------------------------------------------------------------------------------------
# sub-columns

_YEAR_LABEL = re.compile(r"^(?:19|20)\d{2}年?度?(?:政府)?(?:信息公开)?(?:工作)?(?:年度报告|年报)?$")
_GROUP_CHARS = set("县区市级直属部门单位机关乡镇街道办事处政府各年报度告()（）、及和与")
_GROUP_WORDS = ("部门", "单位", "乡", "镇", "街道")
_UNIT_LABEL = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,24}(?:街道办事处|街道|镇|乡|办事处|人民政府|局|委员会|委|办公室|管委会|中心|院|队|所|署|集聚区|开发区)$"
)


def label_kind(text: str) -> str | None:
    """What a link text says a sub-column is: "year" (2022年), "group" (部门, 乡镇街道) or "unit"
    (木城街道办事处, 县教育局); None for anything else."""
    t = squeeze(text)
    if not t:
        return None
    if _YEAR_LABEL.match(t):
        return "year"
    if len(t) <= 10 and set(t) <= _GROUP_CHARS and any(w in t for w in _GROUP_WORDS):
        return "group"
    if _UNIT_LABEL.match(t):
        return "unit"
    return None


def _own_page(path: str, here_path: str) -> bool:
    """This list itself or one of its pages (index.html, index_3.html, VSB 3.htm)."""
    if path.rstrip("/") == here_path.rstrip("/"):
        return True
    head, _, last = path.rpartition("/")
    return head + "/" == here_path and bool(re.fullmatch(r"(?:(?:index|default)(?:_\d+)?\.s?html?|\d+\.htm)", last))


def sub_columns(
    sel: Selector,
    response_url: str,
    *,
    exclude: Iterable[str] = (),
    article: re.Pattern[str] | None = None,
    column: re.Pattern[str] | None = None,
    under_dir: bool = True,
    dir_shaped: re.Pattern[str] = re.compile(r"(?:/|/(?:index|default)\.s?html?|/index\.jsp)$"),
    base: str | None = None,
) -> list[str]:
    """Sub-columns linked from a list: same-site links that are not entries, pager links, files or
    articles, and either sit below this list's directory (path-shaped sites, ``under_dir``), or carry
    a year label anywhere, or — for links matching ``column`` (e.g. Hanweb ``/col/colN/``) — a year,
    group or unit label."""
    base = base or response_url
    skip = set(exclude) | {url for _, url in pager_links(sel, base)} | {response_url}
    here = column_dir(response_url)
    here_path = urlsplit(here).path
    out: list[str] = []
    for a in anchors(sel):
        href = a.get("href", "")
        if not is_followable(href):
            continue
        url = urljoin(base, href).split("#", 1)[0]
        if url in skip or url in out or not same_site(url, response_url) or is_file_url(url):
            continue
        if article is not None and article.search(url):
            continue
        text = link_title(a)
        kind = label_kind(text)
        path = urlsplit(url).path
        if column is not None and column.search(url):
            ok = kind is not None
        else:
            below = (
                under_dir
                and here_path not in ("", "/")
                and path.startswith(here_path)
                and not _own_page(path, here_path)
                and bool(dir_shaped.search(path))
                and not in_chrome(a)
            )
            ok = below or kind == "year"
        if ok and not is_pager_text(text):
            out.append(url)
    return out
