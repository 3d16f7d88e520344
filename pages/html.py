"""Reading an HTML page of a government site: its selector (decoded right), the base URL its links
resolve against, its links and inline scripts, and whether an element sits in the page's chrome
(header, footer, navigation). Shared by the list adapters (:mod:`spiders.adapters`) and the article
reader (:mod:`pages.article`), which the parse stage uses too."""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin as _urljoin

from lxml import etree
from parsel import Selector
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.selector import Selector as ScrapySelector

from .text import is_followable


def selector(response: Response) -> Selector | None:
    """An HTML selector over the response, or None when it has no text."""
    if not isinstance(response, TextResponse):
        return None
    if response._cached_selector is None and isinstance(response, HtmlResponse) \
            and codecs.lookup(response.encoding).name == "utf-8":
        # UTF-8 bytes straight to lxml: Scrapy's own selector decodes the body and encodes it back
        # first (and keeps the decoded copy)
        try:
            response._cached_selector = ScrapySelector(body=response.body, encoding="utf-8", type="html",
                                                       base_url=response.url)
        except Exception:  # left to Scrapy's way below
            pass
    try:
        sel = response.selector
    except Exception:  # a body lxml cannot read at all
        return None
    return sel if sel.type in ("html", "xml") else None  # a JsonResponse's selector is of type json


# ``/descendant::x[…]``: ``//x[…]`` without a child step from every node (no predicate here counts positions)
_SCRIPTS = etree.XPath("/descendant::script[not(@src)]/text()")


def script_text(sel: Selector) -> str:
    """All inline scripts of a page, joined."""
    return "\n".join(_SCRIPTS(sel.root))


_BASE_HREF = etree.XPath("//base/@href")


def base_url(response: Response, sel: Selector | None = None) -> str:
    """The URL relative links resolve against, as a browser does: ``<base href>`` if any, else the
    page's URL (“…/xxgkndbg1/content_184762” is a document, not a directory)."""
    found = _BASE_HREF(sel.root) if sel is not None else []
    href = str(found[0]) if found else None  # sel.xpath("//base/@href").get(), compiled once
    return urljoin(response.url, href) if href and is_followable(href) else response.url


_CHROME_WORD = r"(?:header|head|footer|foot|nav|navbar|menu|banner|copyright|bottom|crumbs?|breadcrumbs?|position|location|dqwz)"
# a class or id naming chrome: the word alone, or with one prefix or one suffix (site-header, left_nav,
# footer-box); “main-nav-content” is not chrome
_CHROME = re.compile(rf"^(?:(?:[a-z]+[-_])?{_CHROME_WORD}\d*|{_CHROME_WORD}(?:[-_][a-z0-9]+)?)$", re.I)
def in_chrome(el: Any) -> bool:
    """Whether an lxml element sits in a page's header, footer or navigation."""
    for anc in el.iterancestors():
        if anc.tag in ("header", "footer", "nav"):
            return True
        tokens = f"{anc.get('class') or ''} {anc.get('id') or ''}".split()
        if any(_CHROME.match(t) for t in tokens):
            return True
    return False


_ANCHORS = etree.XPath("/descendant::a[@href]")  # //a[@href]
# An element's text nodes a reader sees (not its scripts' or styles'), as lxml strings.
visible_text = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]")


def anchors(sel: Selector) -> list[Any]:
    """The page's ``<a href>`` elements, as lxml elements: list pages are read for every unit every
    night, and a parsel Selector around each link and each text node cost more than the rest."""
    return _ANCHORS(sel.root)


@lru_cache(maxsize=8192)
def urljoin(base: str, href: str) -> str:
    """An absolute URL for an href (whitespace inside hrefs is common: strip it). Cached: every page
    of a site repeats its navigation's links."""
    return _urljoin(base, href.strip().replace("\\", "/"))


