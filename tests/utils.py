"""Saved pages as Scrapy responses, so page parsing is tested without a network (City Scrapers style)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
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


# ---------------------------------------------------------------- a real browser (Playwright + Debian's Chromium)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@contextmanager
def launched_chromium():
    """Debian's Chromium driven by Playwright (its own browser download is not needed)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is needed (scripts/install.sh installs it)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def offline_page(browser, server_url: str, *, width: int = 1400):
    """A page in a fresh context that reaches only our server (anything else is refused, so a CDN
    dependency shows up as a failure); a script error on it fails the test."""
    context = browser.new_context(viewport={"width": width, "height": 1000}, locale="zh-CN")
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server_url)
                  else route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors
