"""Download handlers: scrapy-playwright's, started only when a request first needs a browser."""

from __future__ import annotations

import asyncio

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LazyPlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """Plain requests go through Scrapy's HTTP/1.1 handler, as with scrapy-playwright's own handler;
    Playwright (a Node driver, then Chromium) starts at the first request with ``meta["playwright"]``
    instead of when the engine starts. Most units need no browser, and each handler instance (one
    per scheme) would otherwise start its own driver: ~100 MB and a second of start-up per crawl."""

    _launched = False

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

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        await self._ensure_launched()
        return await super()._download_request(request, spider)
