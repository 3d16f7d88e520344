"""Saved pages as Scrapy responses, so page parsing is tested without a network (City Scrapers style)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.http import Headers, HtmlResponse, Request, TextResponse
from scrapy.responsetypes import responsetypes

from .conftest import REAL

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_PAGES = REAL / "listpages"


def file_response(
    path: str | Path,
    url: str,
    *,
    encoding: str | None = None,
    headers: dict[str, Any] | None = None,
    request: Request | None = None,
) -> TextResponse:
    """A saved file as the response ``url`` would have given.

    The response class follows the headers, the URL and the body (HTML, XML, JSON…), as Scrapy's
    downloader chooses it; ``encoding`` forces a decoding (leave it out to test detection, as for a
    GBK page without charset). ``request`` is the request the response answers (for its meta, or a
    POST body); by default a plain GET of ``url``.
    """
    body = Path(path).read_bytes()
    hdrs = Headers(headers or {})
    cls = responsetypes.from_args(headers=hdrs, url=url, body=body)
    if not issubclass(cls, TextResponse):
        cls = HtmlResponse
    kwargs: dict[str, Any] = {"url": url, "body": body, "headers": hdrs, "request": request or Request(url=url)}
    if encoding:
        kwargs["encoding"] = encoding
    return cls(**kwargs)
