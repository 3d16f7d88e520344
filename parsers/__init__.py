"""Parsers: any report document → the canonical report model.

    >>> from parsers import parse_document
    >>> reports = parse_document(open("report.pdf", "rb").read(), "report.pdf")

Every format ends in the same :class:`parsers.model.Report`; a document that cannot be read gives a
report whose ``error`` says why (a stable code and a Chinese message) instead of raising.
"""

from __future__ import annotations

import os
from pathlib import Path

from .model import Layout, ParseFailure, Report
from .multi import extract_all

PARSER_VERSION = "1"
MAX_BYTES = 200 * 1024 * 1024

IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXT_KINDS = {".htm": "html", ".html": "html", ".shtml": "html", ".jsp": "html", ".txt": "text",
              ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".wps": "wps", ".png": "image",
              ".jpg": "image", ".jpeg": "image", ".gif": "image", ".bmp": "image", ".tif": "image", ".tiff": "image",
              ".xlsx": "xlsx", ".xls": "xls", ".et": "xls"}


def sniff(data: bytes, name: str = "", content_type: str | None = None) -> str:
    """What a document is, from its bytes first (sites lie about names and types), then its name."""
    head = data[:2048]
    ext = os.path.splitext(name.lower().split("?")[0])[1]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or ext == ".docx":
            return "docx"
        if b"xl/" in data[:65536] or ext in (".xlsx", ".et"):
            return "xlsx"
        return "zip"
    if head.startswith(OLE_MAGIC):
        if ext in (".xls", ".et") or "W\x00o\x00r\x00k\x00b\x00o\x00o\x00k".encode() in data[:65536]:
            return "xls"
        return "wps" if ext == ".wps" else "doc"
    if head.startswith(IMAGE_MAGIC[:-1]) or (head.startswith(b"RIFF") and head[8:12] == b"WEBP"):
        return "image"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<meta", b"<body", b"<table", b"<div", b"<p", b"<%@", b"<!--")):
        return "html"
    if content_type and "html" in content_type:
        return "html"
    if _looks_text(head):
        return "html" if b"<table" in data[:200_000].lower() else "text"
    return _EXT_KINDS.get(ext, "unknown")


def _looks_text(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head:
        return False
    control = len(head) - len(head.translate(None, _CONTROL))  # bytes < 9 or 13 < b < 32, counted in C
    return control * 50 < len(head)


_CONTROL = bytes(range(9)) + bytes(range(14, 32))


def layout_for(data: bytes, name: str = "", content_type: str | None = None,
               images: dict[str, bytes] | None = None) -> Layout:
    """The row layout of any supported document; raises :class:`ParseFailure`. Pieces read by OCR
    carry the engine's confidence in ``at["conf"]`` (:mod:`parsers.ocrconf`). ``images`` are the
    bytes of an HTML page's pictures (its tables pasted as pictures), read in place by OCR."""
    from . import ocrconf

    with ocrconf.collecting() as boxes:
        layout = _layout_for(data, name, content_type)
        if images and layout.kind == "html":
            from .pictures import insert_pictures
            layout = insert_pictures(layout, images)
    ocrconf.annotate(layout, boxes)
    return layout


def _layout_for(data: bytes, name: str = "", content_type: str | None = None) -> Layout:
    if not data or not data.strip():
        raise ParseFailure("empty", "文件为空")
    if len(data) > MAX_BYTES:
        raise ParseFailure("too_large", f"文件 {len(data) // (1024 * 1024)} MB，超出 {MAX_BYTES // (1024 * 1024)} MB 上限")
    kind = sniff(data, name, content_type)
    if kind == "html":
        from .html import layout_from_html
        return layout_from_html(data, content_type=content_type)
    if kind == "text":
        from .text import layout_from_bytes
        return layout_from_bytes(data)
    if kind == "docx":
        from .docx import layout_from_docx
        return layout_from_docx(data)
    if kind == "pdf":
        from .pdf import layout_from_pdf
        return layout_from_pdf(data)
    if kind in ("doc", "wps"):
        from .convert import libreoffice_convert
        from .docx import layout_from_docx
        layout = layout_from_docx(libreoffice_convert(data, kind, "docx"))
        layout.kind = kind
        layout.notes.append(f"{kind.upper()} 经 LibreOffice 转换为 DOCX")
        return layout
    if kind == "image":
        from .ocr import layout_from_image
        return layout_from_image(data)
    if kind == "xlsx":
        from .sheet import layout_from_xlsx
        return layout_from_xlsx(data)
    if kind == "xls":
        from .sheet import layout_from_xls
        return layout_from_xls(data, "et" if name.lower().split("?")[0].endswith(".et") else "xls")
    if kind == "zip":
        raise ParseFailure("unsupported_format", f"暂不支持解析 {kind} 文件（已保存原件）")
    raise ParseFailure("unknown_format", "无法识别的文件格式：既不是 HTML、PDF、Word、图片，也不是文本")


def parse_reports(data: bytes, source: str, *, name: str | None = None, content_type: str | None = None,
                  meta: dict | None = None, images: dict[str, bytes] | None = None) -> list[Report]:
    """Parse one document into its reports (several when a page or 汇总 file holds several units'
    reports one after another). ``images``: an HTML page's pictures by src (:mod:`parsers.pictures`).
    Never raises for bad input: a report carries the error."""
    try:
        layout = layout_for(data, name or source, content_type, images=images)
        if meta:
            # the document's own metadata wins; the page's (title, date) fills what it lacks
            layout.meta = {**meta, **{k: v for k, v in layout.meta.items() if v}}
        return extract_all(layout, source)
    except ParseFailure as failure:
        return [Report(source=source, error=failure)]
    except (MemoryError, RecursionError) as exc:
        return [Report(source=source, error=ParseFailure("resource_limit", f"解析超出资源限制：{type(exc).__name__}"))]


def parse_document(data: bytes, source: str, *, name: str | None = None, content_type: str | None = None,
                   meta: dict | None = None, images: dict[str, bytes] | None = None) -> Report:
    """Parse one document into a report; a document with several has the rest in ``report.others``."""
    first, *rest = parse_reports(data, source, name=name, content_type=content_type, meta=meta, images=images)
    first.others = rest
    return first


def parse_path(path: str | Path) -> Report:
    """Parse a file on disk."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        return Report(source=str(p), error=ParseFailure("unreadable", f"无法读取文件：{exc.strerror}"))
    return parse_document(data, str(p), name=p.name)


__all__ = ["PARSER_VERSION", "ParseFailure", "Report", "layout_for", "parse_document", "parse_path", "parse_reports",
           "sniff"]
