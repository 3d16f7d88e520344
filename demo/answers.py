"""What a demo site answers: the response record the families build and the per-site index of routes.

Kept apart from :mod:`demo.web` (the server) so that every site family (:mod:`demo.sites`) can build
answers without importing the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from urllib.parse import quote

from .world import Attachment, Column, Item

HTML_UTF8 = "text/html; charset=utf-8"


@dataclass
class Resp:
    status: int = 200
    body: bytes | None = None
    make: Callable[[], bytes] | None = None   # heavy rendering (LibreOffice): runs in a worker thread
    content_type: str = HTML_UTF8
    last_modified: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)


class SiteIndex:
    """A site's addressable resources, rebuilt when the world changes."""

    def __init__(self, version: int):
        self.version = version
        self.static: dict[str, Callable[[], Resp]] = {}
        self.items: dict[int, tuple[Column, Item]] = {}
        self.attachments: dict[str, tuple[Item, Attachment]] = {}  # by shape id (filename, wbfileid)
        self.columns: dict[tuple, Column] = {}


PageMaker = Callable[..., Callable[[], Resp]]
"""``page(make_text, *, gbk=False, lm=None, ctype="text/html")``: a static route answering ``make_text()``."""


def attachment(item: Item, att: Attachment, *, octet: bool = False) -> Resp:
    """An attachment's bytes, as its own type or as a download (``application/octet-stream``)."""
    ctype = "application/octet-stream" if octet or att.kind == "wps" else att.content_type
    headers = {}
    if octet:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(att.filename)}"
    body = att.body() if att.rendered else None
    return Resp(body=body, make=None if body is not None else att.body, content_type=ctype,
                last_modified=item.published, headers=headers)


def download(idx: SiteIndex, key: str, *, octet: bool) -> Resp | None:
    """A download script's answer: the attachment whose shape id is ``key``."""
    found = idx.attachments.get(key)
    if found is None:
        return None
    item, att = found
    return attachment(item, att, octet=octet)


def int_param(value, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default
