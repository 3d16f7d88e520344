"""HTML pages: running text as rows, each leaf table as a grid with rowspan/colspan expanded."""

from __future__ import annotations

import re
import threading

import lxml.etree
import lxml.html

from .encoding import decode_html
from .model import Layout, ParseFailure, Piece, Row

_BLOCKS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "section", "article",
    "blockquote", "dd", "dt", "dl", "center", "header", "footer", "form", "pre", "caption", "title",
    "table", "tbody", "thead", "nav", "aside", "main", "address", "figure", "hr",
})
_SKIP = frozenset({"script", "style", "noscript", "head", "template", "iframe", "object", "select", "option", "button"})
_SPACES = re.compile(r"\s+")
MAX_SPAN = 200  # a rowspan="100000" must not build a huge grid
# lxml.html's parser builds the same tree but looks up a Python element class for every element the
# walk touches; the plain etree parser does not (a parser is not shared between threads).
_parsers = threading.local()


def _parser() -> lxml.etree.HTMLParser:
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = lxml.etree.HTMLParser()
    return parser


def _text(el: lxml.html.HtmlElement) -> str:
    """A cell's text, whitespace collapsed (“本年新<br/>制作数量” reads as one label)."""
    n = len(el)
    if not n:  # text only: the usual cell of a generated table
        text = el.text
        return " ".join(text.split()) if text else ""
    if n == 1:  # one <p> or <span> around the text: a word processor's cell
        child = el[0]
        if not len(child) and isinstance(child.tag, str):
            return " ".join(((el.text or "") + (child.text or "") + (child.tail or "")).split())
    return " ".join(_itertext(el).split())


def _itertext(el: lxml.etree._Element) -> str:
    """``"".join(el.itertext())``, quicker for the usual cell: text, or one level of <p>/<span>/<br/>."""
    parts = [el.text or ""]
    for child in el:
        if len(child) or not isinstance(child.tag, str):  # deeper, or a comment: lxml's own walk
            return "".join(el.itertext())
        parts.append(child.text or "")
        parts.append(child.tail or "")
    return "".join(parts)  # str.split() cuts at exactly the characters re matches as \\s


def _span(value: str | None) -> int:
    if value is None:
        return 1
    try:
        return max(1, min(MAX_SPAN, int(str(value).strip() or 1)))
    except ValueError:
        return 1


def table_grid(table: lxml.html.HtmlElement, index: int, *, leaf: bool | None = None) -> list[Row]:
    """Expand a table's rowspan/colspan into full grid rows; covered positions are span copies.
    ``leaf``: the table holds no other table (then every <tr> in it is its own), when the caller knows."""
    taken: dict[tuple[int, int], Piece] = {}  # (row, col) → the span copy that occupies it
    rows: list[Row] = []
    if leaf is None:
        leaf = not _has_nested_table(table)
    trs = list(table.iter("tr")) if leaf else [tr for tr in table.iter("tr") if _owning_table(tr) is table]
    for r, tr in enumerate(trs):
        pieces: list[Piece] = []
        col = 0
        row_no = r + 1
        for td in tr:
            tag = td.tag
            if tag != "td" and tag != "th":  # comments and other elements (a comment's tag is no str)
                continue
            if taken:
                while (r, col) in taken:
                    pieces.append(taken.pop((r, col)))
                    col += 1
            text = _text(td)
            origin = Piece(text, {"table": index, "row": row_no, "col": col + 1})
            pieces.append(origin)
            attrs = td.keys()  # one call for the usual cell, which spans nothing
            rs = td.get("rowspan") if "rowspan" in attrs else None
            cs = td.get("colspan") if "colspan" in attrs else None
            if rs is None and cs is None:
                col += 1
                continue
            rowspan, colspan = _span(rs), _span(cs)
            down = min(rowspan, len(trs) - r)
            for dc in range(colspan):
                if dc:
                    pieces.append(Piece(text, origin.at, span=True))
                for dr in range(1, down):
                    taken[(r + dr, col + dc)] = Piece(text, origin.at, span=True)
            col += colspan
        if taken:
            # positions of this row still covered from above, up to the last one (gaps filled as span blanks)
            last = max((c for (rr, c) in taken if rr == r), default=-1)
            while col <= last:
                pieces.append(taken.pop((r, col), None) or Piece("", {"table": index, "row": row_no, "col": col + 1}, span=True))
                col += 1
        rows.append(Row(pieces, table=index))
    return rows


def _owning_table(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _has_nested_table(table: lxml.html.HtmlElement) -> bool:
    return any(t is not table for t in table.iter("table"))


class _Walker:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.buffer: list[str] = []
        self.tables = 0
        self.images: list[tuple[int, str]] = []  # (row index, src) of each picture, for parsers.pictures

    def flush(self) -> None:
        if not self.buffer:  # between two blocks: nothing gathered
            return
        text = _SPACES.sub(" ", "".join(self.buffer)).strip()
        if text:
            self.rows.append(Row([Piece(text, {"block": len(self.rows) + 1})]))
        self.buffer = []

    def walk(self, el: lxml.html.HtmlElement) -> None:
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP:  # a comment / processing instruction, or unread
            tail = el.tail
            if tail:
                self.buffer.append(tail)
            return
        if tag == "img" and el.get("src"):
            self.flush()
            self.images.append((len(self.rows), el.get("src")))
        if tag == "table" and not _has_nested_table(el):
            self.flush()
            self.tables += 1
            self.rows.extend(table_grid(el, self.tables, leaf=True))
        else:
            block = tag in _BLOCKS or tag in ("td", "th", "br")
            if block:
                self.flush()
            text = el.text
            if text:
                self.buffer.append(text)
            for child in el:
                self.walk(child)
            if block:
                self.flush()
        tail = el.tail
        if tail:
            self.buffer.append(tail)


def _meta(doc: lxml.html.HtmlElement) -> dict[str, str]:
    meta: dict[str, str] = {}
    names = {"articletitle": "title", "pubdate": "published", "contentsource": "publisher",
             "firstimgsrc": None, "description": None}
    for m in doc.iter("meta"):
        name = (m.get("name") or "").strip().lower()
        key = names.get(name)
        if key and m.get("content"):
            meta[key] = m.get("content").strip()
    if "title" not in meta:
        title = doc.find(".//title")
        text = "".join(title.itertext()) if title is not None else ""  # text_content() of lxml.html
        if text.strip():
            meta["title"] = text.strip()
    return meta


def layout_from_html(data: bytes, *, content_type: str | None = None) -> Layout:
    """Rows of an HTML page in reading order (any encoding; GBK without charset included)."""
    text, encoding = decode_html(data, content_type)
    if not text.strip():
        raise ParseFailure("empty", "文件为空")
    try:
        doc = lxml.etree.fromstring(text, _parser())  # as lxml.html.document_fromstring does
        if doc is None:
            raise lxml.etree.ParserError("Document is empty")
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseFailure("corrupt_html", f"HTML 无法解析：{exc}") from exc
    meta = _meta(doc)
    walker = _Walker()
    body = doc.find("body")
    walker.walk(body if body is not None else doc)
    walker.flush()
    if walker.images:
        meta["images"] = walker.images
    return Layout(rows=walker.rows, kind="html", meta=meta, notes=[f"编码：{encoding}"])
