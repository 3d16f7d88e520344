"""Download handlers: scrapy-playwright's, started only when a request first needs a browser."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlparse

from scrapy import Request, Spider
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from .challenge import detect
from .solver import fetch_bytes, navigate_bytes, settle

# Addresses that name a file: fetched as bytes, never opened in a tab (a tab shows a PDF in a viewer page).
_FILE_PATH = re.compile(r"\.(pdf|docx?|xlsx?|wps|et|ofd|rtf|zip|rar|7z|jpe?g|png|gif|tiff?|bmp|txt|csv)$", re.I)
_TEXT_TYPES = (b"html", b"xml", b"text/", b"javascript", b"json")


class LazyPlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """Plain requests go through Scrapy's HTTP/1.1 handler, as with scrapy-playwright's own handler;
    Playwright (a Node driver, then Chromium) starts at the first request with ``meta["playwright"]``
    instead of when the engine starts. Most units need no browser, and each handler instance (one
    per scheme) would otherwise start its own driver: ~100 MB and a second of start-up per crawl.

    A file fetched with the browser's help is downloaded as bytes through the browser context's request
    API (its cookies, the article page as Referer), not rendered: Chromium would store its PDF viewer."""

    _launched = False

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        # Twisted keeps an idle keep-alive connection 240 s: a national night meets thousands of hosts a
        # minute, and their idle sockets alone would exhaust the process's file descriptors
        self._pool.cachedConnectionTimeout = crawler.settings.getfloat("NIANBAO_IDLE_CONNECTION_SECONDS", 20)

    async def _maybe_launch_in_thread(self) -> None:  # engine_started, Scrapy ≥ 2.14
        return None

    def _engine_started(self):  # engine_started, older Scrapy
        return None

    async def _ensure_launched(self) -> None:
        if self._launched:
            return
        lock = self.__dict__.setdefault("_lazy_lock", asyncio.Lock())
        async with lock:
            if not self._launched:
                await self._launch()
                self._launched = True

    async def new_context(self, **kwargs):
        """A fresh browser context outside scrapy-playwright's named ones (a challenge solve); the caller closes it."""
        await self._ensure_launched()
        await self._maybe_launch_browser()
        return await self.browser.new_context(**kwargs)

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        await self._ensure_launched()
        if request.meta.get("kind") == "attachment" or _FILE_PATH.search(urlparse(request.url).path):
            return await self._download_file(request, spider)
        response = await super()._download_request(request, spider)
        if _shows_a_file(response):
            return await self._download_file(request, spider)  # the tab showed a viewer: take the bytes
        return response

    async def _download_file(self, request: Request, spider: Spider | None) -> Response:
        name = request.meta.setdefault("playwright_context", "default")
        async with self.context_launch_lock:
            wrapper = self.context_wrappers.get(name)
            if wrapper is None:
                wrapper = await self._create_browser_context(
                    name=name, context_kwargs=request.meta.get("playwright_context_kwargs"), spider=spider)
        context = wrapper.context
        referer = _header(request, b"Referer")
        agent = _header(request, b"User-Agent")
        timeout = float(self.config.download_timeout_secs or 45)
        status, headers, body, url = await fetch_bytes(context, request.url, referer=referer, user_agent=agent,
                                                       timeout=timeout)
        if detect(status, body, content_type=headers.get("content-type", ""), url=url):
            # this context holds no clearance for the file's path yet: pass the challenge on a tab, ask again
            page = await context.new_page()
            try:
                await settle(page, request.url, timeout=min(timeout, 30.0), referer=referer)
            finally:
                await page.close()
            status, headers, body, url = await fetch_bytes(context, request.url, referer=referer, user_agent=agent,
                                                           timeout=timeout)
        if detect(status, body, content_type=headers.get("content-type", ""), url=url):
            # the clearance holds only for the browser's own navigations: the tab's network answer or download
            got = await navigate_bytes(context, request.url, referer=referer, timeout=timeout)
            if got is not None:
                status, headers, body, url = got
        scrapy_headers = Headers(headers)
        scrapy_headers.pop("Content-Encoding", None)
        cls = responsetypes.from_args(headers=scrapy_headers, url=url, body=body)
        return cls(url=url, status=status, headers=scrapy_headers, body=body, request=request, flags=["playwright"])


def _header(request: Request, name: bytes) -> str | None:
    value = request.headers.get(name)
    return value.decode("latin-1") if value else None


def _shows_a_file(response: Response) -> bool:
    """A tab's answer whose headers say file (application/pdf …) but whose body is the browser's HTML."""
    ctype = (response.headers.get(b"Content-Type") or b"").lower()
    return bool(ctype) and not any(t in ctype for t in _TEXT_TYPES) and response.body.lstrip()[:1] == b"<"
