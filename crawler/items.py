"""The one item the spiders yield: a fetched document that may be (or hold) an annual report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PAGE = "page"  # the article page itself (its HTML body may be the report)
ATTACHMENT = "attachment"  # a file linked from the article page


@dataclass
class DocumentItem:
    """A report page or attachment, with what the list and article pages said about it."""

    unit_code: str
    url: str  # where the bytes came from (after redirects)
    role: str  # PAGE | ATTACHMENT
    body: bytes
    page_url: str | None = None  # the article page (for an attachment: the page linking to it)
    title: str | None = None  # the title on the list or article page
    year: int | None = None  # report year from the title (the parser may find it in the text too)
    published: str | None = None  # 发布日期 from list or page metadata, ISO date
    publisher: str | None = None  # 发布机构
    filename: str | None = None  # the attachment's shown name
    content_type: str | None = None
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    requested_url: str | None = None  # before redirects, when different
    not_modified: bool = False  # answered 304: the body is the stored copy
    meta: dict[str, Any] = field(default_factory=dict)
    request: Any = field(default=None, repr=False, compare=False)  # for the dupefilter's done-set


# What the list or article page says of a report (the article page's reading wins over the list's).
ENTRY_FIELDS = ("title", "published", "publisher", "year")
# The DocumentItem fields a ``sources`` row keeps (with the document's sha256).
SOURCE_FIELDS = ("unit_code", "role", "page_url", "etag", "last_modified", *ENTRY_FIELDS, "filename")


def source_fields(item: DocumentItem | dict[str, Any], digest: str) -> dict[str, Any]:
    """The ``sources`` row of a document: from a DocumentItem (the crawl) or its queued dict (the parse stage)."""
    get = item.get if isinstance(item, dict) else lambda key: getattr(item, key)
    return {**{key: get(key) for key in SOURCE_FIELDS}, "sha256": digest}


@dataclass
class FetchItem:
    """The final outcome of one request, for the ``fetches`` table (documents, lists, errors alike)."""

    unit_code: str | None
    url: str
    kind: str | None  # home | list | article | attachment
    status: int | None
    outcome: str  # ok | not_modified | http_error | timeout | dns | refused | connection_lost | robots | too_large
    #             | blocked (a challenge not passed) | wrong_type (bytes not the claimed file type) | error
    error: str | None = None
    redirected_from: str | None = None
    bytes: int = 0
    browser: bool = False
