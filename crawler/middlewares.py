"""Downloader middlewares: conditional GET, undeclared encodings, redirect loops (challenges: crawler.challenges)."""

from __future__ import annotations

import logging
import re

from scrapy.http import Request, Response, TextResponse

from parsers.encoding import guess

from .store import Store

log = logging.getLogger(__name__)

DOCUMENT_KINDS = ("article", "attachment")


class ConditionalGetMiddleware:
    """Ask with If-None-Match / If-Modified-Since for documents already stored, so an unchanged
    document answers 304 and is neither downloaded nor stored again."""

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(crawler.settings.get("NIANBAO_DB", "nianbao.db"))
        return mw

    def process_request(self, request: Request, spider=None):
        if request.meta.get("kind") not in DOCUMENT_KINDS or request.meta.get("playwright"):
            return None
        if self.store is None:
            self.store = Store(self.db_path)
        known = self.store.validators(request.url)
        if not known or not known.get("sha256"):
            return None
        if known.get("etag") and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = known["etag"]
        if known.get("last_modified") and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = known["last_modified"]
        return None

    def process_response(self, request: Request, response: Response, spider=None):
        """A 304 becomes the stored document (as Scrapy's HTTP cache does), flagged ``not_modified``:
        the spider still reads an unchanged article's attachments from it, nothing is downloaded."""
        if response.status != 304 or request.meta.get("kind") not in DOCUMENT_KINDS:
            return response
        if self.store is None:
            self.store = Store(self.db_path)
        known = self.store.source(request.url)
        body = self.store.document_bytes(known["sha256"]) if known and known.get("sha256") else None
        if body is None:
            return response
        request.meta["not_modified"] = True
        headers = response.headers.copy()
        headers.setdefault(b"Content-Type", b"text/html" if request.meta.get("kind") == "article" else b"application/octet-stream")
        from scrapy.responsetypes import responsetypes

        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=200, headers=headers, body=body, request=request, flags=["not_modified"])


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=", re.I)


class EncodingMiddleware:
    """A page that declares no charset (common for GBK sites) is decoded by detection, not as cp1252."""

    def process_response(self, request: Request, response: Response, spider=None):
        if not isinstance(response, TextResponse):
            return response
        declared = b"charset" in (response.headers.get(b"Content-Type") or b"").lower()
        if declared or _META_CHARSET.search(response.body[:4096]) or response.body[:3] == b"\xef\xbb\xbf":
            return response
        encoding = guess(response.body)
        if encoding and encoding != "utf-8":
            return response.replace(encoding=encoding)
        return response


def browser_meta() -> dict:
    """Request meta that sends a request through Chromium and waits for the page's scripts to settle."""
    from scrapy_playwright.page import PageMethod

    return {"playwright": True, "playwright_include_page": False,
            "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")]}


class RedirectLoopMiddleware:
    """A redirect back to an address already visited in the same chain is a loop: fail it loudly.

    Scrapy's redirect middleware would send the looping request to the scheduler, whose dupefilter
    drops it silently, and the document would vanish from the fetch log.
    """

    def process_response(self, request: Request, response: Response, spider=None):
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        from urllib.parse import urljoin

        from scrapy.exceptions import IgnoreRequest

        target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
        chain = set(request.meta.get("redirect_urls", [])) | {request.url}
        if target in chain:
            raise IgnoreRequest(f"redirect loop: {request.url} → {target}")
        return response
