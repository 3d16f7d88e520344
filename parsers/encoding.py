"""Decoding bytes whose encoding nobody declared (GBK pages without charset are common)."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode

# gb2312 and gbk labels are decoded as their superset, so a rare character does not break the page.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "hz": "gb18030", "ascii": "utf-8"}


def _superset(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return _SUPERSETS.get(name, name)


def guess(data: bytes) -> str | None:
    """The likeliest encoding of undeclared bytes: UTF-8 when valid, else charset-normalizer's guess."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Chinese government text without UTF-8 is nearly always GB*: try it before guessing further.
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000]).best()
    return _superset(best.encoding) if best else None


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file: BOM, then UTF-8, then GB18030, then a guess; never raises."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    try:  # what guess() tries first: decoded once, not twice
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    enc = guess(data) or "utf-8"
    return data.decode(enc, errors="replace"), enc


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page: BOM, HTTP header, ``<meta>`` charset, then detection (as browsers do)."""
    encoding, text = html_to_unicode(content_type, data, default_encoding="utf-8", auto_detect_fun=guess)
    return text, _superset(encoding) if encoding else "utf-8"
