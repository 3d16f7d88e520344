"""Small helpers shared by the page-understanding layer: whitespace, dates, URLs, decoding."""

from __future__ import annotations

import codecs
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit
from weakref import WeakKeyDictionary

from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from parsers.encoding import guess

_SPACE = re.compile(r"\s+")
# 2023-01-31 · 2023/1/31 · 2023.01.31 · 2023年1月31日 (spaces allowed: "2023 年 1 月 31 日")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "Ｏ": "0", "O": "0"}
_CN_YEAR = re.compile(r"([〇零○ＯO一二三四五六七八九]{4})(?=\s*年)")
CHINA_TZ = timezone(timedelta(hours=8))

FILE_EXTENSIONS = ("pdf", "docx", "doc", "wps", "xls", "xlsx", "et", "zip", "rar", "7z", "ofd")
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp")
_FILE_EXT = re.compile(r"\.(%s)$" % "|".join(FILE_EXTENSIONS + IMAGE_EXTENSIONS), re.I)
# Download scripts that serve a file without an extension in the path (Hanweb, VSB, common .NET/JSP ones)
_DOWNLOAD = re.compile(r"downfile\.jsp|download\.jsp|DownloadAttachUrl|/download(?:file)?\.(?:aspx?|do|php)", re.I)


def clean(text: str | None) -> str:
    """Whitespace (also ideographic and no-break spaces) collapsed to single spaces, stripped."""
    return _SPACE.sub(" ", text or "").strip()


def squeeze(text: str | None) -> str:
    """Half-width form (NFKC: full-width digits and letters to ASCII) with every space removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def cn_year_digits(text: str) -> str:
    """“二〇二二年” → “2022年”: a year written in Chinese digits, as some titles do."""
    return _CN_YEAR.sub(lambda m: "".join(_CN_DIGITS[c] for c in m.group(1)), text)


def iso_date(text: str | None) -> str | None:
    """The first valid date in ``text`` as ``yyyy-mm-dd`` (2023-01-31, 2023/1/31, 2023年1月31日…)."""
    if not text:
        return None
    for m in _DATE.finditer(unicodedata.normalize("NFKC", text)):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:  # "2020-35147" inside an index number is not a date
            continue
    return None


def is_date_only(text: str) -> bool:
    """Whether a text is nothing but a date, perhaps bracketed (“[2023-01-31]”)."""
    t = clean(text).strip("[]【】()（） ")
    return bool(t) and bool(_DATE.fullmatch(unicodedata.normalize("NFKC", t)))


def iso_from_timestamp(value: int | float) -> str | None:
    """A Unix timestamp (seconds or milliseconds, as JSON APIs send) as a China-time ISO date."""
    try:
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, CHINA_TZ).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def url_extension(url: str) -> str:
    """The lower-case extension of a URL's path (no dot), or ""."""
    m = _FILE_EXT.search(unquote(urlsplit(url).path))
    return m.group(1).lower() if m else ""


def is_file_url(url: str) -> bool:
    """Whether a URL points at a document or image rather than a page."""
    return bool(url_extension(url)) or bool(_DOWNLOAD.search(url))


def is_image_url(url: str) -> bool:
    """Whether a URL's path names an image."""
    return url_extension(url) in IMAGE_EXTENSIONS


def is_followable(href: str | None) -> bool:
    """An href worth resolving: not empty, a fragment, javascript:, mailto: or tel:."""
    h = (href or "").strip().lower()
    return bool(h) and not h.startswith(("#", "javascript:", "mailto:", "tel:", "data:", "about:"))


def decoded(response: Response) -> Response:
    """The response decoded right.

    A page declaring no charset (header, ``<meta>`` or BOM) is decoded by detection — GBK sites
    rarely declare one, and Scrapy would otherwise read them as cp1252. Same policy as
    ``crawler.middlewares.EncodingMiddleware``, repeated here so parsing does not depend on it.
    """
    if not isinstance(response, TextResponse):
        return response
    done = _DECODED.get(response)
    if done is None:
        done = _decoded(response)
        # the response itself is not kept as its own value: that would keep it alive for ever
        _DECODED[response] = _SAME if done is response else done
    return response if done is _SAME else done


# A list page is asked by several adapters whether it is theirs; each asks for the decoded page.
_DECODED: WeakKeyDictionary[Response, object] = WeakKeyDictionary()
_SAME = object()


def _decoded(response: TextResponse) -> Response:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    if http_content_type_encoding(content_type) or html_body_declared_encoding(response.body[:4096]):
        return response
    if response.body[:3] == b"\xef\xbb\xbf":
        return response
    encoding = guess(response.body)
    current = codecs.lookup(response.encoding).name
    if not encoding or codecs.lookup(encoding).name == current or (encoding == "utf-8" and current == "ascii"):
        return response
    return response.replace(encoding=encoding)
