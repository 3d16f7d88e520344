"""The registry-driven spider: every unit's 年报 column → list pages → articles → attachments.

    scrapy crawl reports -a registry=registry/example.yaml -a units=410823000000 -a year=2022
    nianbao crawl --registry registry/example.yaml          # the same, with progress and a summary

One spider for every site; what differs per CMS lives in :mod:`spiders.adapters`. Each list page goes
through the adapter that recognises it; each article's attachment links through
:func:`pages.article.attachment_links` (its metadata is read by the parse stage).
Every request carries the unit it is for, and every final outcome — a page, a 404, a timeout — is
reported to the store's ``fetches`` table by the pipeline (as a :class:`crawler.items.FetchItem`).
"""

from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import urldefrag

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.filetype import mismatch
from crawler.items import ATTACHMENT, ENTRY_FIELDS, PAGE, DocumentItem, FetchItem
from crawler.middlewares import browser_meta
from crawler.registry import Registry, Unit, load
from crawler.startpace import paced
from pages.article import attachment_links
from pages.text import is_file_url, url_extension
from pages.titles import belongs_to, is_report_title, report_year, title_unit

from .adapters import GENERIC, adapter_for
from .coverage import ColumnTracker
from .discover import find_disclosure_pages, find_report_columns
from .errors import describe
from .render import api_requests, render_meta, rendered
from .shells import shell_targets, writes_rows


class ReportSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, registry: str | Registry | None = None, units: str | list[str] | None = None,
                 year: str | int | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.registry_arg = registry
        self.unit_filter = units.split(",") if isinstance(units, str) else units
        self.year = int(year) if year else None
        self.seen_entries: dict[str, set[str]] = {}  # unit → article URLs met on its lists
        self.list_pages: dict[str, int] = {}  # unit → list pages fetched
        self.coverage = ColumnTracker()  # how far each unit's 年报 column was read (spiders.coverage)

    # ------------------------------------------------------------ set-up
    @property
    def registry(self) -> Registry:
        if not hasattr(self, "_registry"):
            arg = self.registry_arg or self.settings.get("NIANBAO_REGISTRY")
            if arg is None:
                raise ValueError("没有名录：用 -a registry=FILE 或设置 NIANBAO_REGISTRY")
            self._registry = arg if isinstance(arg, Registry) else load(arg)
        return self._registry

    def units(self) -> list[Unit]:
        return self.registry.select(self.unit_filter)

    def _meta(self, unit: Unit, **extra: Any) -> dict[str, Any]:
        meta = {"unit": unit.code, **extra}
        if unit.render == "browser" and extra.get("kind") in ("home", "list"):
            # lists are what scripts build; articles and files go over plain HTTP (conditional GET,
            # no browser cost) unless a challenge sends them to the browser too
            meta.update(render_meta() if extra.get("kind") == "list" else browser_meta())
        if unit.robots == "ignore":
            meta["dont_obey_robotstxt"] = True
        return meta

    async def start(self) -> Any:  # Scrapy ≥ 2.13
        # a bounded number of units at a time, not the whole registry queued at once (crawler/startpace.py)
        settings = getattr(self, "settings", None)
        window = settings.getint("NIANBAO_START_WINDOW", 0) if settings is not None else 0
        async for request in paced(self.start_requests(), lambda: len(self.coverage.readings), window):
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        for unit in self.units():
            if unit.robots == "ignore":
                self.logger.warning("robots.txt ignored for %s (%s) by registry override", unit.name, unit.code)
            urls = unit.start_urls
            if not urls:
                self.logger.warning("unit %s (%s) has no site or column URL", unit.name, unit.code)
                continue
            discover = not unit.columns
            for url in urls:
                yield scrapy.Request(url, callback=self.parse_home if discover else self.parse_list,
                                     errback=self.on_error, dont_filter=True,
                                     meta=self._meta(unit, kind="home" if discover else "list", list_page=0))

    # ------------------------------------------------------------ pages
    def parse_home(self, response: Response) -> Iterator[Any]:
        """A unit registered with only a home page: find its 年报 column."""
        unit = self.registry.get(response.meta["unit"])
        yield self._outcome(response, "home")
        columns = find_report_columns(response)[:3]
        for url in columns:
            yield response.follow(url, callback=self.parse_list, errback=self.on_error,
                                  meta=self._meta(unit, kind="list", list_page=0))
        depth = response.meta.get("discover_depth", 0)
        if not columns and depth < 2:
            # the column usually hangs under the 政府信息公开 section, one step further in
            for url in find_disclosure_pages(response)[:3]:
                yield response.follow(url, callback=self.parse_home, errback=self.on_error,
                                      meta=self._meta(unit, kind="home", discover_depth=depth + 1))
        elif not columns:
            self.logger.warning("no 年报 column found for %s from %s", unit.name, response.url)
        if not columns and depth < 2:  # a frame or script-redirect shell: the portal is behind it
            for url in shell_targets(response):
                yield scrapy.Request(url, callback=self.parse_home, errback=self.on_error,
                                     meta=self._meta(unit, kind="home", discover_depth=depth + 1))

    def parse_list(self, response: Response) -> Iterator[Any]:
        unit = self.registry.get(response.meta["unit"])
        yield self._outcome(response, "list")
        response = rendered(response)  # a page rendered in Chromium: its DOM before any click
        adapter = adapter_for(response, unit.cms if unit.cms != "auto" else None)
        page = adapter.parse_list(response)
        yield from self._beyond_static(unit, response, page)
        if page.needs_browser and not response.meta.get("playwright"):
            self.logger.info("list %s is built by scripts: fetching it with a browser", response.url)
            yield response.request.replace(dont_filter=True, meta={**response.meta, **render_meta()})
            return
        seen = self.seen_entries.setdefault(unit.code, set())
        new = [e for e in page.entries if urldefrag(e.url)[0] not in seen]
        for entry in new:
            seen.add(urldefrag(entry.url)[0])
            if not is_report_title(entry.title):
                continue
            owner = self._owner(unit, entry.title)
            if owner is None:
                self.logger.info("skipping another unit's report in %s's column: %s", unit.name, entry.title)
                continue
            year = report_year(entry.title, entry.date)
            if self.year and year and year != self.year:
                continue
            info = {"title": entry.title, "published": entry.date, "publisher": entry.publisher, "year": year}
            if is_file_url(entry.url):  # a row linking straight to the file: the report, with the row's title and date
                yield self._file_request(owner, entry.url, info, response.url)
                continue
            yield scrapy.Request(entry.url, callback=self.parse_article, errback=self.on_error,
                                 meta=self._meta(owner, kind="article", entry=info,
                                                 handle_httpstatus_list=[304]))
        # Stop paginating when a page brings nothing new (a trap answers the same page for every N).
        count = self.list_pages[unit.code] = self.list_pages.get(unit.code, 0) + 1
        cap = self.settings.getint("NIANBAO_MAX_LIST_PAGES", 50)
        if page.entries and not new:
            self.logger.warning("list page %s repeats earlier entries: not following its pagination", response.url)
            self.crawler.stats.inc_value("nianbao/pagination_trap")
        elif count >= cap:
            self.logger.warning("unit %s: %d list pages, the cap: stopping", unit.name, count)
            self.crawler.stats.inc_value("nianbao/list_page_cap")
        else:
            for req in page.next_requests:
                yield req.replace(callback=self.parse_list, errback=self.on_error,
                                  meta={**self._meta(unit, kind="list"), **req.meta})
        self.coverage.page(response, adapter.name, page, capped=count >= cap and bool(page.next_requests))
        for url in page.columns:
            if url in self._registered_columns():
                continue  # another registered unit's own column: that unit crawls it
            yield scrapy.Request(url, callback=self.parse_list, errback=self.on_error,
                                 meta=self._meta(unit, kind="list", list_page=0))

    def _beyond_static(self, unit: Unit, response: Response, page: Any) -> Iterator[scrapy.Request]:
        """A list the static HTML does not show (spiders.shells, spiders.render): a frame or redirect
        shell is followed; rows written by scripts send the page to the browser; a rendered list
        that loaded its rows from an API is paged through that API over plain HTTP."""
        if response.status != 200:
            return
        if not page.entries and response.meta.get("playwright"):  # a family's markers, but rows only in the DOM
            dom = GENERIC.parse_list(response)
            page.entries, page.next_requests = dom.entries, page.next_requests or dom.next_requests
        if page.entries:
            if response.meta.get("playwright"):
                page.next_requests = api_requests(response, page.entries) or page.next_requests
            return
        for url in shell_targets(response):
            yield scrapy.Request(url, callback=self.parse_list, errback=self.on_error,
                                 meta=self._meta(unit, kind="list", list_page=0))
        if not page.next_requests and not response.meta.get("playwright") and writes_rows(response):
            page.needs_browser = True

    def _file_request(self, unit: Unit, url: str, info: dict[str, Any], page_url: str) -> scrapy.Request:
        ext = url_extension(url)
        name = f"{info['title']}.{ext}" if ext and info.get("title") else url.rsplit("/", 1)[-1]
        return scrapy.Request(url, callback=self.parse_attachment, errback=self.on_error, headers={"Referer": page_url},
                              meta=self._meta(unit, kind="attachment", entry={**info, "filename": name},
                                              page_url=page_url, handle_httpstatus_list=[304]))

    def _registered_columns(self) -> set[str]:
        if not hasattr(self, "_columns"):
            self._columns = {c for u in self.registry.units for c in u.columns}
        return self._columns

    def _owner(self, unit: Unit, title: str) -> Unit | None:
        """Whose report a title is: the column's unit, another unit of its county it names, or nobody.

        Only the county's own units are compared, which keeps this linear in the registry's size.
        """
        county = self.registry.county_of(unit)
        neighbours = self._county_units(county.code)
        others = [u.name for u in neighbours if u.code != unit.code]
        verdict = belongs_to(title, unit.name, others)
        if verdict:
            return unit
        if verdict is None:
            # a body nobody in the registry matches: another county's unit is foreign; within the
            # column's own county it is a naming variant of the column's unit
            named = title_unit(title)
            county = self.registry.county_of(unit).name
            if named and _county_prefix(named) and _county_prefix(named) != _county_prefix(county):
                return None
            return unit
        named = next((u for u in neighbours if u.code != unit.code and u.name in title), None)
        return named

    def _county_units(self, county_code: str) -> list[Unit]:
        """The units of one county (a report names a unit of its own county; other counties' are foreign)."""
        if not hasattr(self, "_by_county"):
            self._by_county: dict[str, list[Unit]] = {}
            for u in self.registry.units:
                self._by_county.setdefault(self.registry.county_of(u).code, []).append(u)
        return self._by_county.get(county_code, [])

    def parse_article(self, response: Response) -> Iterator[Any]:
        unit = self.registry.get(response.meta["unit"])
        entry = response.meta.get("entry") or {}
        if response.status == 304:  # not stored yet (the middleware serves stored copies)
            yield self._outcome(response, "article", outcome="not_modified")
            return
        # Only the links are read here; the page's metadata (title, 发布日期, 发布机构) and whether it
        # holds the tables are the parse stage's work, on the stored page (crawler.parsestage).
        if (wrong := _wrong_type(response)) is not None:  # a file page that is not what it claims (crawler.filetype)
            yield self._outcome(response, "article", outcome="wrong_type", error=wrong)
            return
        links = attachment_links(response)
        info = {k: entry.get(k) for k in ENTRY_FIELDS}
        yield self._outcome(response, "article", outcome=_outcome_of(response))
        yield DocumentItem(
            unit_code=unit.code, url=response.url, role=PAGE, body=response.body, page_url=response.url,
            not_modified="not_modified" in response.flags, request=response.request,
            content_type=_header(response, "Content-Type"), status=response.status,
            etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"),
            requested_url=_requested(response), **info,
            meta={"attachments": len(links), "encoding": getattr(response, "encoding", None)},
        )
        for att in links:
            headers = {"Referer": response.url}  # VSB refuses attachments without one; browsers send it
            yield scrapy.Request(att.url, callback=self.parse_attachment, errback=self.on_error, headers=headers,
                                 meta=self._meta(unit, kind="attachment", entry={**info, "filename": att.name},
                                                 page_url=response.url, handle_httpstatus_list=[304]))

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        unit = self.registry.get(response.meta["unit"])
        info = dict(response.meta.get("entry") or {})
        if response.status == 304:
            yield self._outcome(response, "attachment", outcome="not_modified")
            return
        if (wrong := _wrong_type(response, info.get("filename"))) is not None:
            yield self._outcome(response, "attachment", outcome="wrong_type", error=wrong)
            return
        yield self._outcome(response, "attachment", outcome=_outcome_of(response))
        yield DocumentItem(
            unit_code=unit.code, url=response.url, role=ATTACHMENT, body=response.body,
            not_modified="not_modified" in response.flags, request=response.request,
            page_url=response.meta.get("page_url"), filename=info.pop("filename", None),
            content_type=_header(response, "Content-Type"), status=response.status,
            etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"),
            requested_url=_requested(response), **info,
        )

    # ------------------------------------------------------------ outcomes
    def _outcome(self, response: Response, kind: str, outcome: str = "ok", error: str | None = None) -> FetchItem:
        return FetchItem(unit_code=response.meta.get("unit"), url=response.url, kind=kind,
                            status=response.status, outcome=outcome, error=error,
                            redirected_from=_requested(response), bytes=len(response.body),
                            browser=bool(response.meta.get("playwright") or response.meta.get("challenge_solved")))

    def on_error(self, failure: Failure) -> Iterator[FetchItem]:
        request = failure.request
        status, outcome, message = describe(failure)
        self.logger.info("fetch failed: %s %s (%s)", request.url, outcome, message)
        self.coverage.failed(request, message)
        asked = (request.meta.get("redirect_urls") or [request.url])[0]  # the address the spider asked for
        if asked != request.url:
            message += f"（经重定向至 {request.url}）"
        yield FetchItem(unit_code=request.meta.get("unit"), url=asked, kind=request.meta.get("kind"),
                        status=status, outcome=outcome, error=message, redirected_from=None, bytes=0,
                        browser=bool(request.meta.get("playwright")))


def _county_prefix(name: str) -> str | None:
    """“宁川县民政局” → “宁川县”; None when the name starts with no county-level place."""
    m = re.match(r"^(.{1,8}?(?:自治县|自治旗|县|区|市|旗))", name)
    return m.group(1) if m else None


def _outcome_of(response: Response) -> str:
    return "not_modified" if "not_modified" in response.flags else "ok"


def _wrong_type(response: Response, filename: str | None = None) -> str | None:
    """Why a fetched body is not the file it claims to be (a viewer or error page), or None."""
    if "not_modified" in response.flags:
        return None
    return mismatch(response.body, response.url, filename, _header(response, "Content-Type"))


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _requested(response: Response) -> str | None:
    urls = response.meta.get("redirect_urls")
    return urls[0] if urls else None
