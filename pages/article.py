"""Article pages: metadata, attachments and what the body holds.

Metadata comes, in this order, from the ``<meta name="ArticleTitle|PubDate|ContentSource">`` every
government site must carry (《政府网站发展指引》), the labelled block of xxgk pages
(``<p><strong>索引号</strong>：…</p>``, 发布机构, 发布日期 “2020年08月02日”, or a table of the same), the
VSB line “来源: 作者: 时间:2023-01-31”, and generic “发布日期：/发布时间：” text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from weakref import WeakKeyDictionary

from lxml import etree
from parsel import Selector
from scrapy.http import Response, TextResponse

from .html import (
    anchors,
    base_url,
    in_chrome,
    script_text,
    selector,
    urljoin,
    visible_text,
)
from .text import (
    FILE_EXTENSIONS,
    IMAGE_EXTENSIONS,
    clean,
    decoded,
    is_file_url,
    is_followable,
    is_image_url,
    iso_date,
    squeeze,
    url_extension,
)


@dataclass
class Attachment:
    """A file linked from an article."""

    url: str
    name: str  # the shown name (Hanweb showname, link text, or the file name)
    needs_referer: bool = False  # VSB download.jsp refuses requests without the article as Referer


@dataclass
class Article:
    """What an article page says about itself."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO date
    publisher: str | None = None  # 发布机构 / 来源
    index_no: str | None = None  # 索引号
    attachments: list[Attachment] = field(default_factory=list)
    body_html: str | None = None  # the article content area, when one was found
    has_report_table: bool = False  # the body holds the report's tables (表三 …)
    says_see_attachment: bool = False  # “详见附件”: the report is in the attachments


# Content areas by CMS: TRS, Hanweb, VSB, then common names — the definition; _content_root finds the
# same element in one pass (a test holds the two together).
CONTENT_SELECTORS = (
    "//meta[@name='ContentStart']/parent::*",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' trs_editor_view ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_UEDITOR ')]",
    "//*[@id='UCAP-CONTENT']",
    "//*[@id='vsb_content' or starts-with(@id, 'vsb_content_')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' v_news_content ')]",
    "//*[@id='zoom' or @id='Zoom']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' bt_content ')]",
    "//*[@id='content' or @id='Content' or @id='article' or @id='articleContent' or @id='news_content']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' article_content ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' news_content ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' pages_content ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' detail-content ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
    "//article",
)

# Labels of the metadata block. A label's value runs to the next label (or the end of the element).
LABELS = (
    "索引号", "发布机构", "发文机关", "发布单位", "公开主体", "信息来源", "来源", "作者", "名称", "标题", "文号",
    "发文字号", "主题分类", "主题词", "体裁分类", "组配分类", "服务对象", "成文日期", "发布日期", "发布时间",
    "公开日期", "生效日期", "废止日期", "有效性", "时效", "时间", "日期", "点击数", "浏览次数", "访问量",
    "阅读次数", "字体", "字号", "打印", "关闭", "责任编辑", "编辑", "审核", "公开方式", "公开范围",
)
_LABEL_ALT = "|".join(r"\s*".join(map(re.escape, lab)) for lab in sorted(LABELS, key=len, reverse=True))
# a label starts the text or follows a space/punctuation (so 单位名称 is not 名称), and has a colon
_LABEL = re.compile(rf"(?:^|(?<=[\s|｜【\[（(，,;；]))({_LABEL_ALT})\s*[:：]")
_TABLE_LABEL = re.compile(rf"^(?:{_LABEL_ALT})[:：]?$")
_LABEL_WORD = re.compile(_LABEL_ALT)  # a table row whose text has no label word has no label cell

_SEE_ATTACHMENT = re.compile(r"(?<!意)(?:详|请|参)?见(?:下方|以下|文末|文后)?附件|附件(?:详见|见下)")
_NO_SPACE = re.compile(r"\s+")
_REPORT_TABLE_TEXT = re.compile(r"本年新收|予以公开|申请人情况|收到和处理政府信息公开申请")
_ICON = re.compile(r"icon|ico_|/ico/|fileicon|/images/file|/module/jslib/|/system/resource/|filetype|/ext/", re.I)
_ATTACH_BLOCK = re.compile(r"(?:^|[\s_-])(?:fj|fujian|xgfj|attach\w*|appendix|files?|download|xiazai)(?:$|[\s_-]|\d)", re.I)
_NAME_PREFIX = re.compile(r"^(?:附件\s*\d*\s*[:：.、]?|相关附件[:：]?|下载[:：]?|点击下载[:：]?)\s*")


def _label_key(label: str) -> str:
    return re.sub(r"\s+", "", label)


# Elements in <body> whose text has a colon and is short: the ancestors of the text nodes holding a
# colon (the same set, in document order, as testing every element's text — which reads a report
# table's text once per cell, row and table).
_CANDIDATES = etree.XPath(
    "//body//text()[contains(., '：') or contains(., ':')]/ancestor::*[ancestor::body]"
    "[not(self::script or self::style or self::select)][string-length(normalize-space(.)) <= 400]"
)


# visible_text without lxml's "smart" strings (each knowing its parent): only their text is read here
_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]", smart_strings=False)
_STRING = etree.XPath("string()", smart_strings=False)


def labelled_values(sel: Selector) -> dict[str, str]:
    """Label → value pairs of a page's metadata, from “标签：值” texts and label/value table cells.

    For each label the shortest element stating it wins, so a container holding the whole block
    does not blur one value into the next.
    """
    best: dict[str, tuple[int, str]] = {}

    def offer(label: str, value: str, size: int) -> None:
        key = _label_key(label)
        value = clean(value)
        if value and (key not in best or size < best[key][0]):
            best[key] = (size, value)

    # One XPath pass keeps only short elements with a colon: walking every element is too slow. The
    # per-element work runs on lxml elements directly; parsel wraps every result in a Selector, which
    # cost ~30 ms per report page (hundreds of table cells).
    root = sel.root
    for el in _CANDIDATES(root):
        text = clean(" ".join(_VISIBLE_TEXT(el)))
        if not text or len(text) > 400 or not _LABEL.search(text):
            continue
        marks = list(_LABEL.finditer(text))
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            offer(m.group(1), text[m.end(): end], len(text))
    for tr in root.iter("tr"):
        # a report's tables are hundreds of rows of numbers: one look at the row's text, not one per cell.
        # Its text nodes glued in one call first: a label word in the nodes joined by spaces is one in
        # the nodes glued too (a space keeps NFKC from composing across it, and no CJK character
        # composes with what follows), so the Python join is made only for the rows that may hold one.
        if not _LABEL_WORD.search(squeeze(_STRING(tr))) or not _LABEL_WORD.search(squeeze(" ".join(tr.itertext()))):
            continue
        cells = [clean(" ".join(c.itertext())) for c in tr if c.tag in ("td", "th")]
        for i, cell in enumerate(cells[:-1]):
            if _TABLE_LABEL.match(squeeze(cell)) and not _TABLE_LABEL.match(squeeze(cells[i + 1])):
                offer(squeeze(cell).rstrip(":："), cells[i + 1], len(cell) + len(cells[i + 1]))
    return {k: v for k, (_, v) in best.items()}


def _meta(sel: Selector, *names: str) -> str | None:
    """The first of ``names`` (any ASCII case) whose ``<meta name=… content=…>`` says something."""
    contents = _meta_contents(sel.root)
    for name in names:
        value = clean(contents.get(name.lower()))
        if value:
            return value
    return None


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_META_CONTENTS: WeakKeyDictionary[Any, dict[str, str]] = WeakKeyDictionary()  # a page's, asked three times


def _meta_contents(root: Any) -> dict[str, str]:
    """Each ``<meta>`` name, lower-cased as XPath's translate() does (ASCII only), with the content of
    the first such tag that has one: what ``//meta[translate(@name, …)='name']/@content`` finds first."""
    found = _META_CONTENTS.get(root)
    if found is None:
        found = {}
        for m in root.iter("meta"):
            name, content = m.get("name"), m.get("content")
            if name is not None and content is not None:
                found.setdefault(name.translate(_ASCII_LOWER), content)
        _META_CONTENTS[root] = found
    return found


def _first_token(value: str | None) -> str | None:
    """A block value without what trails it on the same line (“邯郸市教育局 【打印】” → 邯郸市教育局)."""
    if not value:
        return None
    token = re.split(r"\s|【|\[|\||｜", value.strip(), maxsplit=1)[0]
    return token or None


# ``/descendant::x[…]`` is ``//x[…]`` (no predicate here counts positions), without a child step from every node
_CONTENT_START = etree.XPath("/descendant::meta[@name='ContentStart']/parent::*")
_MARKED = etree.XPath("//*[@id or @class]|//article")
_HAS_MEDIA = etree.XPath(".//img|.//table|.//a")
_CONTENT_IDS = {"content", "Content", "article", "articleContent", "news_content"}
_CONTENT_CLASSES = {"article-content", "article_content", "news_content", "pages_content", "detail-content", "content"}


def _content_rank(el: Any) -> int | None:
    """The rank of an element among CONTENT_SELECTORS (1 = TRS_Editor … 11 = <article>), or None.
    Rank 0 (the parent of TRS's ContentStart mark) is looked up on its own."""
    classes = set((el.get("class") or "").split())
    ident = el.get("id") or ""
    if "TRS_Editor" in classes:
        return 1
    if "trs_editor_view" in classes:
        return 2
    if "TRS_UEDITOR" in classes:
        return 3
    if ident == "UCAP-CONTENT":
        return 4
    if ident == "vsb_content" or ident.startswith("vsb_content_"):
        return 5
    if "v_news_content" in classes:
        return 6
    if ident in ("zoom", "Zoom"):
        return 7
    if "bt_content" in classes:
        return 8
    if ident in _CONTENT_IDS:
        return 9
    if classes & _CONTENT_CLASSES:
        return 10
    if el.tag == "article":
        return 11
    return None


def _content_root(root: Any) -> Any | None:
    """The article's content element (TRS_Editor, #zoom, #vsb_content …) or None: the CONTENT_SELECTORS
    in their order, the first match in document order that has text, an image, a table or a link.
    One XPath pass over the elements that carry an id or class, ranked in Python (thirteen XPath
    passes over the whole page cost a millisecond per article)."""
    ranked: dict[int, list[Any]] = {0: _CONTENT_START(root)}
    for el in _MARKED(root):
        rank = _content_rank(el)
        if rank is not None:
            ranked.setdefault(rank, []).append(el)
    for rank in sorted(ranked):
        for found in ranked[rank]:
            if any(t.strip() for t in found.itertext()) or _HAS_MEDIA(found):
                return found
    return None


def _title(sel: Selector, fields: Any) -> str | None:
    title = _meta(sel, "ArticleTitle") or fields.get("名称") or fields.get("标题")
    if title:
        return title
    for xpath in ("(//form[@name='_newscontent_fromname']//h1)[1]", "(//h1)[1]", "(//*[contains(@class,'title')])[1]"):
        text = clean(" ".join(sel.xpath(xpath + "//text()").getall()))
        if len(text) >= 4:
            return text
    page_title = clean(sel.xpath("//title/text()").get())
    return re.split(r"\s*[_|｜]\s*|\s+-\s+", page_title)[0] or None if page_title else None


def _name_from_url(url: str) -> str:
    return unquote(PurePosixPath(urlsplit(url).path).name)


def _attachment(url: str, text: str) -> Attachment:
    query = dict(parse_qsl(urlsplit(url).query))
    text = _NAME_PREFIX.sub("", clean(text).strip("【】[] "))
    if "downfile.jsp" in url:  # Hanweb: the shown name is in the URL
        name = query.get("showname") or text or query.get("filename") or _name_from_url(url)
        return Attachment(url, clean(name))
    if "DownloadAttachUrl" in url or "/system/_content/download.jsp" in url:  # VSB
        return Attachment(url, text or query.get("wbfileid") or _name_from_url(url), needs_referer=True)
    return Attachment(url, text or _name_from_url(url))


def _attachment_block(el: Any) -> bool:
    """Whether a link sits in a block that presents attachments (class fj/attach/file…, or 附件 text)."""
    for anc in [el, *list(el.iterancestors())[:3]]:
        tokens = f"{anc.get('class') or ''} {anc.get('id') or ''}"
        if _ATTACH_BLOCK.search(tokens):
            return True
        text = "".join(anc.itertext())
        if len(text) < 300 and "附件" in text:
            return True
    return False


_LEAF_TABLES = etree.XPath("/descendant::body/descendant::table[not(descendant::table)]")  # //body//table[not(.//table)]


def attachments(sel: Selector, base: str, area_root: Any | None) -> list[Attachment]:
    """Files the article links: inside its content area (or the area's parent block), or in a block
    presenting attachments (TRS ``.fj``, VSB “附件【…】”); anywhere outside header, footer and
    navigation when no content area is found. Images count inside the content area only; files an
    inline script writes (TRS ``var fileappendix='<a href="./P0…pdf">'``) count too. A related-files
    sidebar linking other reports' PDFs is therefore left out.

    ``area_root`` is the content element (:func:`_content_root`). Works on lxml elements, not
    Selectors: a crawl reads every article.
    """
    return _attachments(sel, base, lambda: area_root)


def _attachments(sel: Selector, base: str, area: Callable[[], Any | None]) -> list[Attachment]:
    """:func:`attachments` with the content element asked of ``area()`` only when a file link or a
    picture needs it: finding it is a pass over every element, and most report pages have neither."""
    found: dict[str, Attachment] = {}
    known: list[tuple[Any | None, Any | None]] = []

    def content() -> tuple[Any | None, Any | None]:
        if not known:
            root = area()
            known.append((root, root.getparent() if root is not None else None))
        return known[0]

    def add(att: Attachment) -> None:
        kept = found.get(att.url)
        if kept is None:
            found[att.url] = att
        elif kept.name == _name_from_url(att.url) and att.name != kept.name:
            kept.name = att.name  # an icon link came first; the text link names the file

    for a in anchors(sel):
        href = a.get("href")
        if not is_followable(href):
            continue
        url = urljoin(base, href)
        if not is_file_url(url) or in_chrome(a):
            continue
        area_root, area_parent = content()
        ancestors = set(a.iterancestors())
        inside = area_root is not None and (a is area_root or area_root in ancestors)
        if is_image_url(url) and not inside:
            continue
        beside = area_parent is not None and area_parent in ancestors
        if area_root is not None and not (inside or beside or _attachment_block(a)):
            continue
        add(_attachment(url, " ".join(a.itertext()) or a.get("title", "")))
    # no picture in the page: none in its content area either
    area_root = content()[0] if next(sel.root.iter("img"), None) is not None else None
    if area_root is not None:
        for img in area_root.iter("img"):
            src = img.get("src")
            if not src or not is_followable(src) or _ICON.search(src) or in_chrome(img):
                continue
            if _small(img):  # file-type icons, bullets and spacers
                continue
            url = urljoin(base, src)
            if PurePosixPath(urlsplit(url).path).suffix.lower() in _NOT_TABLES:  # vector art and favicons are never a pasted table
                continue
            add(Attachment(url, clean(img.get("alt") or img.get("title")) or _name_from_url(url)))
    script = script_text(sel)
    for m in re.finditer(r"""href\s*=\s*\\?["']([^"'\\<>\s]+)\\?["'][^>]*>([^<]*)<""", script):
        url = urljoin(base, m.group(1))
        if url_extension(url) and not is_image_url(url):
            add(_attachment(url, m.group(2)))
    return list(found.values())


_NOT_TABLES = (".svg", ".ico")


def _small(img: Any) -> bool:
    """An image declared under 50 pixels wide or 30 high (an icon, a bullet, a spacer)."""
    for attr, least in (("width", 50), ("height", 30)):
        try:
            if 0 < int((img.get(attr) or "999").strip().rstrip("px")) < least:
                return True
        except ValueError:
            pass
    return False


def has_report_table(sel: Selector) -> bool:
    """Whether the page holds the report's tables: a leaf table (layout tables hold others) whose text
    has 表三's labels — 本年新收…申请, 予以公开, 申请人情况 / 自然人."""
    for table in _LEAF_TABLES(sel.root):
        # string(): ``"".join(table.itertext())`` in one call — the same text nodes (a comment's or a
        # processing instruction's content is in neither), without a Python string per node
        text = _NO_SPACE.sub("", _STRING(table))
        # the labels are plain CJK, unchanged by NFKC: found as they are, the table needs no normalising
        if _REPORT_TABLE_TEXT.search(text) or _REPORT_TABLE_TEXT.search(squeeze(text)):
            return True
    return False


def attachment_links(response: Response) -> list[Attachment]:
    """Only the attachments of an article page: what the crawl needs to go on (the rest of
    :func:`parse_article` is the parse stage's work, on the stored page)."""
    response = decoded(response)
    if not isinstance(response, TextResponse):
        return []
    if _ascii_compatible(response.encoding) and not _file_hint(response.body):
        return []  # nothing in the page could be a file link (most report pages carry the tables)
    sel = selector(response)
    if sel is None:
        return []
    base = base_url(response, sel)
    if not _may_have_attachments(sel):
        return []  # most report pages carry the tables themselves: no need to find the content area
    return attachments(sel, base, _content_root(sel.root))


# What any file link, image or download script leaves in the raw bytes: an extension, an encoded dot,
# a download script's name, an <img>. A page without one has no attachment to find. (On lower-cased
# bytes: a regex with a literal first character and three substring tests take a tenth of parsing the
# page; one case-insensitive regex with all of them took more than parsing it.)
_EXTENSION_BYTES = re.compile(rb"\.(?:%s)(?![a-z0-9])" % "|".join(FILE_EXTENSIONS + IMAGE_EXTENSIONS).encode())


def _file_hint(body: bytes) -> bool:
    low = body.lower()
    return bool(_EXTENSION_BYTES.search(low)) or b"down" in low or b"<img" in low or b"%2e" in low


def _ascii_compatible(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name not in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
    except LookupError:
        return False


def _may_have_attachments(sel: Selector) -> bool:
    """Whether :func:`attachments` could find anything: a link to a file, an image, or an inline
    script writing a link (cheap checks; the content area is only looked for when one is there)."""
    for a in anchors(sel):
        href = a.get("href")
        if is_followable(href) and is_file_url(href.strip()):  # a relative href ends as its URL does
            return True
    if next(sel.root.iter("img"), None) is not None:
        return True
    return "href" in script_text(sel)


_DATE_FIELDS = ("发布日期", "发布时间", "公开日期", "时间", "日期", "成文日期")


def _published(sel: Selector, fields: Any) -> str | None:
    # the <meta> tag first, and only then the labelled block: a lazy ``fields`` (article_metadata) is
    # read only when the tag does not answer
    published = iso_date(_meta(sel, "PubDate", "firstpublishedtime", "publishdate", "article:published_time"))
    if published:
        return published
    for key in _DATE_FIELDS:
        published = iso_date(fields.get(key))
        if published:
            return published
    return None


def _publisher(sel: Selector, fields: Any) -> str | None:
    return _meta(sel, "ContentSource") or next(
        (_first_token(fields[k]) for k in ("发布机构", "发文机关", "发布单位", "公开主体", "信息来源", "来源") if fields.get(k)), None)


class _LazyFields:
    """:func:`labelled_values`, read only when asked: the ``<meta>`` tags most pages carry answer first."""

    def __init__(self, sel: Selector):
        self.sel = sel
        self._values: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._values is None:
            self._values = labelled_values(self.sel)
        return self._values

    def get(self, key: str, default: Any = None) -> Any:
        return self._all().get(key, default)

    def __getitem__(self, key: str) -> str:
        return self._all()[key]


def parse_article(response: Response) -> Article:
    """Everything the spider needs from an article page; fields it cannot find are None/empty."""
    response = decoded(response)
    sel = selector(response)
    if sel is None:
        return Article(url=response.url)
    fields = labelled_values(sel)
    base = base_url(response, sel)
    area_root = _content_root(sel.root)
    area = Selector(root=area_root, type="html") if area_root is not None else None
    scopes = [area_root] if area_root is not None else list(sel.root.iter("body"))
    scope_text = squeeze(" ".join(t for el in scopes for t in visible_text(el)))
    return Article(
        url=response.url,
        title=_title(sel, fields),
        published=_published(sel, fields),
        publisher=_publisher(sel, fields),
        index_no=_first_token(fields.get("索引号")),
        attachments=attachments(sel, base, area_root),
        body_html=area.get() if area is not None else None,
        has_report_table=has_report_table(sel),
        says_see_attachment=bool(_SEE_ATTACHMENT.search(scope_text)),
    )


def article_metadata(response: Response) -> Article:
    """What the parse stage reads of a stored page — title, date, publisher, attachments, whether it holds
    the report's tables — as :func:`parse_article` finds them, without the rest (``index_no``,
    ``body_html`` and ``says_see_attachment`` are left unset): the labelled block is read only when a
    ``<meta>`` tag does not answer, and the body is neither serialised nor read as text."""
    response = decoded(response)
    sel = selector(response)
    if sel is None:
        return Article(url=response.url)
    fields = _LazyFields(sel)
    return Article(
        url=response.url,
        title=_title(sel, fields),
        published=_published(sel, fields),
        publisher=_publisher(sel, fields),
        attachments=_attachments(sel, base_url(response, sel), lambda: _content_root(sel.root)),
        has_report_table=has_report_table(sel),
    )
