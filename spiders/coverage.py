"""What a night's crawl read of each unit's 年报 column: the evidence a "missing" verdict needs.

A report is *missing* only when its unit's column was read completely (every list page) — so the
crawl has to say, per unit and column, how far it got. A **reading** is one unit's column in one
run: its root URL (the registry's column, or one discovered from the home page), the adapter that
read it, list pages read, entries and report-title entries seen, whether a browser rendered it,
whether pagination ended by itself or was cut (by the page cap, a further page repeating the pages
before it — page 2 = page 1 may be a site ignoring our paging —, a failed page, the crawl ending
first), and the last error. A **discovery** reading is a unit
registered with a home page only: it ends with ``found = 0`` when no 年报 link was found.

Crawls are asynchronous, so a reading knows it has ended by counting: every list (or home) request
it sent carries a token (``meta["nb_list"]``); a token is released when its response was handled,
its request failed, or the scheduler dropped it as a duplicate. No token left: the reading ended.
Tokens are handed out by :class:`ColumnCoverageMiddleware` (a spider middleware: it sees every
request the callbacks yield, whoever wrote them), so the spider only reports what each list page
held (:meth:`ColumnTracker.page`) and its failed requests (:meth:`ColumnTracker.failed`). The
pipeline stores ended readings in ``column_reads`` (:mod:`crawler.columns`); readings still open
when the spider closes are stored as cut (``unfinished``).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterable, Iterator

from scrapy import Request, signals
from scrapy.http import Response

from crawler.columns import CUT_CAP, CUT_DROPPED, CUT_ERROR, CUT_TRAP, CUT_UNFINISHED
from pages.titles import is_report_title, report_year

from .adapters.base import max_pages

META_COLUMN = "nb_column"  # the reading a list/home request belongs to: "unit\troot URL"
META_TOKEN = "nb_list"  # this request's token in its reading
TRACKED_KINDS = ("list", "home")


@dataclass
class Reading:
    """One unit's reading of one column (or its search for one) in this run."""

    unit_code: str
    root: str
    role: str = "column"  # column | discovery
    found: bool = True  # discovery: a 年报 link was followed
    adapters: list[str] = field(default_factory=list)
    pages: int = 0
    cut: str | None = None
    entry_urls: set[str] = field(default_factory=set)
    report_urls: set[str] = field(default_factory=set)
    browser: bool = False
    scripts: bool = False  # a list page built by scripts stayed empty even so
    shared: set[str] = field(default_factory=set)  # roots of other readings that fetched a page we needed
    last_error: str | None = None
    urls: Counter = field(default_factory=Counter)  # list URLs it requested, and how often
    tokens: set[int] = field(default_factory=set)
    ended: bool = False

    @property
    def key(self) -> str:
        return f"{self.unit_code}\t{self.root}"

    def cut_by(self, reason: str, error: str | None = None) -> None:
        self.cut = self.cut or reason  # the first cause is the one worth telling
        if error:
            self.last_error = error

    def row(self, run: int | None, at: str) -> dict[str, Any]:
        return {
            "run": run, "unit_code": self.unit_code, "role": self.role, "column_url": self.root,
            "found": int(self.found), "adapter": ",".join(self.adapters) or None, "pages": self.pages,
            # a reading whose pages another reading fetched is complete when that one is (judged later)
            "complete": int(self.cut is None and (self.pages > 0 or bool(self.shared) or self.role == "discovery")),
            "cut": self.cut, "entries": len(self.entry_urls), "report_entries": len(self.report_urls),
            "browser": int(self.browser), "scripts": int(self.scripts),
            "shared": json.dumps(sorted(self.shared), ensure_ascii=False) if self.shared else None,
            "last_error": self.last_error, "at": at,
        }


class ColumnTracker:
    """The readings of one crawl, kept by the spider (``spider.coverage``)."""

    def __init__(self) -> None:
        self.readings: dict[str, Reading] = {}
        self.by_url: dict[str, str] = {}  # list URL → key of the first reading that requested it
        self.finished: list[Reading] = []
        self._tokens = itertools.count(1)

    # ------------------------------------------------------------ requests going out
    def track(self, request: Request, parent: Response | None = None) -> None:
        """Give a list/home request its reading and a token (called for every request the spider yields)."""
        meta = request.meta
        kind = meta.get("kind")
        unit = meta.get("unit")
        if kind not in TRACKED_KINDS or not unit:
            return
        parent_meta = _meta(parent)
        parent_key = parent_meta.get(META_COLUMN) if parent_meta.get("unit") == unit else None
        parent_reading = self.readings.get(parent_key) if parent_key else None
        if parent_reading is not None and parent_reading.role == "discovery" and kind == "list":
            parent_reading.found = True  # the home page led to a column: a reading of its own
            parent_reading = None
        if parent_reading is None or parent_reading.ended:
            role = "discovery" if kind == "home" else "column"
            reading = self.readings.get(f"{unit}\t{request.url}")
            if reading is None or reading.ended:
                reading = Reading(unit, request.url, role=role, found=role == "column")
                self.readings[reading.key] = reading
        else:
            reading = parent_reading
        token = next(self._tokens)
        meta[META_COLUMN] = reading.key
        meta[META_TOKEN] = token
        reading.tokens.add(token)
        reading.urls[request.url] += 1
        self.by_url.setdefault(request.url, reading.key)

    # ------------------------------------------------------------ what came back
    def page(self, response: Response, adapter: str, page: Any, *, capped: bool = False) -> None:
        """A list page was read: its entries (``page.entries``), and whether the spider's page cap
        stopped its pagination (``capped``). A second page whose entries all appeared on the first is a
        trap: the list's end was not seen."""
        reading = self._reading(response.meta)
        if reading is None:
            return
        reading.pages += 1
        if adapter and adapter not in reading.adapters:
            reading.adapters.append(adapter)
        reading.browser = reading.browser or bool(response.meta.get("playwright"))
        entries = list(getattr(page, "entries", []) or [])
        for e in entries:
            reading.entry_urls.add(e.url)
            if is_report_title(e.title) and report_year(e.title, e.date) is not None:
                reading.report_urls.add(e.url)
        if not entries and getattr(page, "needs_browser", False):
            reading.scripts = True
        before = set(response.meta.get("list_seen") or ())
        number = int(response.meta.get("list_page") or 0)
        new = {e.url for e in entries} - before
        # page 2 bringing nothing new: the site may ignore our paging, the rest of the list unseen. A later
        # page repeating earlier ones after distinct pages is a server clamping past the end: the end.
        if entries and number == 2 and not new:
            reading.cut_by(CUT_TRAP)
        # the adapters' own cap (max_list_pages) ends a list that still brought new entries
        if capped or (new and number >= max_pages(response) and not getattr(page, "next_requests", None)):
            reading.cut_by(CUT_CAP)

    def done(self, meta: dict[str, Any] | None, error: str | None = None) -> None:
        """A tracked request is over (its response handled, or it failed with ``error``)."""
        reading = self._reading(meta)
        if reading is None:
            return
        if error is not None:
            reading.cut_by(CUT_ERROR, error)
        self._release(reading, meta.get(META_TOKEN))

    def failed(self, request: Request, error: str) -> None:
        """The spider's errback: a list/home request failed."""
        self.done(request.meta, error or "error")

    def dropped(self, request: Request) -> None:
        """The scheduler dropped a request as a duplicate. A page another reading fetched is shared with
        it (the reading is complete when that one is); a page nobody fetched is a cut."""
        reading = self._reading(request.meta)
        if reading is None:
            return
        other = self.by_url.get(request.url)
        if reading.urls[request.url] > 1:  # this reading asked for it before: nothing lost
            reading.urls[request.url] -= 1
        elif other and other != reading.key:
            reading.shared.add(other.split("\t", 1)[1])
        else:  # filtered, yet no reading of this crawl fetched it
            reading.cut_by(CUT_DROPPED)
        self._release(reading, request.meta.get(META_TOKEN))

    def close(self) -> None:
        """The crawl is over: readings still waiting for pages end as cut."""
        for reading in list(self.readings.values()):
            if not reading.ended:
                reading.cut_by(CUT_UNFINISHED)
                reading.tokens.clear()
                self._end(reading)

    def take(self) -> list[Reading]:
        """The readings that ended since the last call."""
        out, self.finished = self.finished, []
        return out

    # ------------------------------------------------------------ internals
    def _reading(self, meta: dict[str, Any] | None) -> Reading | None:
        key = (meta or {}).get(META_COLUMN)
        reading = self.readings.get(key) if key else None
        if reading is None or reading.ended or meta.get(META_TOKEN) not in reading.tokens:
            return None
        return reading

    def _release(self, reading: Reading, token: int | None) -> None:
        reading.tokens.discard(token)
        if not reading.tokens:
            self._end(reading)

    def _end(self, reading: Reading) -> None:
        reading.ended = True
        self.finished.append(reading)
        # a later request for the same root (another night's logic, a redirect back) starts afresh
        self.readings.pop(reading.key, None)


def _meta(response: Response | None) -> dict[str, Any]:
    if response is None:
        return {}
    try:
        return response.meta
    except AttributeError:
        return {}


class ColumnCoverageMiddleware:
    """Hands out the tokens of :class:`ColumnTracker` and releases them when a response's callback is
    through. Placed near the engine (a low order number), it sees the requests that survived every
    other spider middleware."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _tracker(self) -> ColumnTracker | None:
        return getattr(getattr(self.crawler, "spider", None), "coverage", None)

    def request_dropped(self, request: Request, spider=None) -> None:
        tracker = self._tracker()
        if tracker is not None:
            tracker.dropped(request)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in start:
            self._out(item, None)
            yield item

    def process_start_requests(self, start_requests: Iterable[Any], spider=None) -> Iterator[Any]:
        for item in start_requests:
            self._out(item, None)
            yield item

    def process_spider_output(self, response: Response, result: Iterable[Any], spider=None) -> Iterator[Any]:
        meta = dict(_meta(response))  # before a callback reuses the dict for a request of its own
        try:
            for item in result:
                self._out(item, response)
                yield item
        except Exception as exc:
            self._finish(meta, f"{type(exc).__name__}: {exc}")
            raise
        self._finish(meta)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any],
                                          spider=None) -> AsyncIterator[Any]:
        meta = dict(_meta(response))
        try:
            async for item in result:
                self._out(item, response)
                yield item
        except Exception as exc:
            self._finish(meta, f"{type(exc).__name__}: {exc}")
            raise
        self._finish(meta)

    def process_spider_exception(self, response: Response, exception: BaseException, spider=None) -> None:
        self._finish(dict(_meta(response)), f"{type(exception).__name__}: {exception}")
        return None

    def _out(self, item: Any, response: Response | None) -> None:
        tracker = self._tracker()
        if tracker is not None and isinstance(item, Request):
            tracker.track(item, response)

    def _finish(self, meta: dict[str, Any], error: str | None = None) -> None:
        tracker = self._tracker()
        if tracker is not None and meta.get(META_TOKEN):
            tracker.done(meta, error)
