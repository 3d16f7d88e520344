"""Is a fetched document what it claims to be? A file is bytes, never a viewer, error or challenge page.

A download's address, its shown file name and its Content-Type each may claim a type (PDF, Word,
a spreadsheet, an image, an archive, or just "binary"). The bytes say what it is (``%PDF``, ``PK``,
``D0CF11E0``, ``{\\rtf``, image signatures, HTML). A file claimed to be a document whose bytes are an
HTML page (Chromium's PDF viewer, a login or 403 page, a challenge), text, nothing, or no known format
is a fetch error with its reason — never stored as the report and parsed.

Sites lie about names in harmless ways too, and those pass: a ``.doc`` that is really DOCX, RTF or a
Word-saved HTML file, a ``.pdf`` that is a scanned JPEG, a real PDF served as ``text/html``.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlparse

# What a name or a Content-Type claims.
_EXT_CLAIMS = {
    ".pdf": "pdf", ".doc": "word", ".docx": "word", ".wps": "word", ".rtf": "word",
    ".xls": "sheet", ".xlsx": "sheet", ".et": "sheet",
    ".jpg": "image", ".jpeg": "image", ".png": "image", ".gif": "image", ".tif": "image", ".tiff": "image",
    ".bmp": "image", ".zip": "archive", ".rar": "archive", ".7z": "archive", ".ofd": "archive",
    ".html": "html", ".htm": "html", ".shtml": "html", ".xhtml": "html", ".txt": "text",
}
_TYPE_CLAIMS = (
    ("application/pdf", "pdf"), ("msword", "word"), ("wordprocessingml", "word"), ("application/rtf", "word"),
    ("kswps", "word"), ("wps-office", "word"), ("ms-excel", "sheet"), ("spreadsheetml", "sheet"),
    ("image/", "image"), ("zip", "archive"), ("rar", "archive"), ("7z", "archive"), ("ofd", "archive"),
    ("octet-stream", "binary"), ("force-download", "binary"), ("x-download", "binary"),
    ("text/html", "html"), ("xhtml", "html"), ("text/plain", "text"),
)
DOCUMENT_CLAIMS = {"pdf", "word", "sheet", "image", "archive", "binary"}
CLAIM_NAMES = {"pdf": "PDF", "word": "Word/WPS 文档", "sheet": "电子表格", "image": "图片", "archive": "压缩包/OFD",
               "binary": "二进制文件"}
# What bytes are.
DOCUMENT_KINDS = {"pdf", "zip", "ole", "rtf", "image", "archive"}
KIND_NAMES = {"html": "HTML 网页", "text": "纯文本", "empty": "空内容", "unknown": "无法识别的内容",
              "pdf": "PDF", "zip": "ZIP/OOXML", "ole": "OLE 文档", "rtf": "RTF", "image": "图片", "archive": "压缩包"}

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")
_HTML_START = (b"<!doctype", b"<html", b"<head", b"<body", b"<meta", b"<script", b"<?xml", b"<div", b"<table",
               b"<title", b"<!--", b"<p", b"<embed", b"<iframe", b"<form", b"<center", b"<h1")
_OFFICE_HTML = re.compile(rb"urn:schemas-microsoft-com:office:(?:word|excel)|name=\"?generator\"?\s+content=\"?"
                          rb"(?:microsoft (?:word|excel)|wps|kingsoft)|^mime-version:", re.I | re.M)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.I | re.S)


def actual_kind(body: bytes) -> str:
    """What the bytes are: pdf | zip | ole | rtf | image | archive | html | text | empty | unknown."""
    head = body[:2048]
    if not body.strip():
        return "empty"
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(_IMAGE_MAGIC) or (head.startswith(b"RIFF") and head[8:12] == b"WEBP"):
        return "image"
    if head.startswith((b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")):
        return "archive"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(_HTML_START) or b"<html" in stripped[:512]:
        return "html"
    if b"\x00" not in head and sum(1 for b in head if b < 9 or 13 < b < 32) * 50 < len(head):
        return "text"
    return "unknown"


def claims(url: str, filename: str | None = None, content_type: str | None = None) -> list[tuple[str, str]]:
    """What the address, the shown file name and the Content-Type say the document is: (claim, by what)."""
    out = []
    for label, name in (("地址", unquote(urlparse(url).path)), ("文件名", filename or "")):
        claim = _EXT_CLAIMS.get(os.path.splitext(name.strip().lower())[1])
        if claim:
            out.append((claim, f"{label}“{os.path.basename(name.strip())[:60]}”"))
    ctype = (content_type or "").lower().split(";")[0].strip()
    for needle, claim in _TYPE_CLAIMS:
        if needle in ctype:
            out.append((claim, f"Content-Type {ctype}"))
            break
    return out


def mismatch(body: bytes, url: str, filename: str | None = None, content_type: str | None = None) -> str | None:
    """Why these bytes are not the document they claim to be (a Chinese message), or None when they are."""
    said = claims(url, filename, content_type)
    named_page = any(c in ("html", "text") for c, by in said if not by.startswith("Content-Type"))
    documents = [(c, by) for c, by in said if c in DOCUMENT_CLAIMS and not (c == "binary" and named_page)]
    if not documents:
        return None
    kind = actual_kind(body)
    if kind in DOCUMENT_KINDS:
        return None
    if kind in ("html", "text") and _OFFICE_HTML.search(body[:4096]) and all(c in ("word", "sheet", "binary") for c, _ in documents):
        return None  # a Word/Excel file saved as a web page (or MHT) and named .doc/.xls: parseable
    claim, by = documents[0]
    what = KIND_NAMES[kind]
    if kind == "html":
        title = _TITLE.search(body[:8192])
        text = title.group(1).decode("utf-8", "ignore").strip() if title else ""
        if text:
            what += f"“{text[:40]}”"
    elif kind == "unknown":
        what += f"（开头 {body[:4].hex(' ')}）"
    return f"内容与文件类型不符：按{by}应为 {CLAIM_NAMES[claim]}，实际下载到的是{what}（{len(body)} 字节），未作为报告解析"
