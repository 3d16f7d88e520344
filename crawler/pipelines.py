"""Item pipeline: fetch outcomes → ``fetches``; documents → raw store → parse → check → store.

Parsing runs in a thread (a PDF or a LibreOffice conversion takes a second or more) so the crawl keeps
downloading; every database write happens in the crawl's own thread, one transaction per document.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date
from typing import Any

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from parsers import sniff
from parsers.isolate import parse_isolated
from parsers.model import Report

from .ingest import check_report, fill_from_page, recheck_next_year
from .items import ATTACHMENT, PAGE, DocumentItem, FetchItem
from .registry import Registry
from .store import Store, sha256

log = logging.getLogger(__name__)


class StorePipeline:
    """Keeps every fetched document and its parse in the SQLite store named by ``NIANBAO_DB``."""

    def __init__(self, db_path: str, run: int | None):
        self.db_path = db_path
        self.run = run
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler.settings.get("NIANBAO_DB", "nianbao.db"), crawler.settings.getint("NIANBAO_RUN") or None)
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self, spider=None) -> None:
        self.store = Store(self.db_path)

    def close_spider(self, spider=None) -> None:
        if self.store:
            self.store.close()

    @property
    def registry(self) -> Registry:
        return self.crawler.spider.registry

    async def process_item(self, item: Any, spider=None):
        if isinstance(item, FetchItem):
            self.store.record_fetch(self.run, {k: v for k, v in dataclasses.asdict(item).items() if k != "request"})
            self.crawler.stats.inc_value(f"nianbao/fetch/{item.outcome}")
            return item
        if not isinstance(item, DocumentItem):
            return item
        digest = sha256(item.body)
        known = self.store.source(item.url)
        if known and known.get("sha256") == digest and (self._parsed(digest) or item.role == PAGE):
            # a 304, or the same bytes at the same address (a server that ignores conditional GET)
            self.crawler.stats.inc_value("nianbao/documents/unchanged")
            self._done(item)
            return item
        if self._parsed(digest):
            # the same file on another page (a re-publication): no new parse; the earliest date counts
            self._another_page(item, digest)
            return item
        if item.role == PAGE and item.meta.get("attachments") and not item.meta.get("has_report_table"):
            # “详见附件”: the page is kept, the report is in its attachments
            self.store.add_document(item.body, name=item.url.rsplit("/", 1)[-1], source=item.url,
                                    kind=sniff(item.body, item.url, item.content_type))
            self.store.save_source(item.url, self._source_fields(item, digest))
            self.crawler.stats.inc_value("nianbao/documents/stored")
            return item
        report = await maybe_deferred_to_future(deferToThread(self._parse, item))
        return self._store(report, item, digest)

    def _another_page(self, item: DocumentItem, digest: str) -> None:
        self.store.save_source(item.url, self._source_fields(item, digest))
        for (rid,) in self.store.db.execute("SELECT id FROM reports WHERE document = ?", [digest]).fetchall():
            report = self.store.load_report(rid)
            if report is None or report.error is not None or not item.published:
                continue
            try:
                page_date = date.fromisoformat(item.published[:10])
            except ValueError:
                continue
            if report.published is None or page_date < report.published:
                report.published = page_date
                unit = self.registry.get(item.unit_code)
                deadline = self.registry.deadline(unit, report.year) if unit and report.year else None
                check_report(report, self.store, level=unit.level if unit else None, deadline=deadline,
                             unit_code=item.unit_code)
                self.store.save_reports(digest, [report], unit_code=item.unit_code)
        self.crawler.stats.inc_value("nianbao/documents/republished")
        self._done(item)

    def _parsed(self, digest: str) -> bool:
        return self.store.db.execute("SELECT 1 FROM reports WHERE document = ?", [digest]).fetchone() is not None

    def _meta(self, item: DocumentItem) -> dict[str, Any]:
        unit = self.registry.get(item.unit_code)
        return {"unit": unit.name if unit else None, "year": item.year, "published": item.published,
                "title": item.title}

    def _parse(self, item: DocumentItem) -> Report:
        """Runs in a worker thread: parsing only (risky formats in a limited child process), no database."""
        name = item.filename or item.url.rsplit("/", 1)[-1]
        meta = self._meta(item)
        report = parse_isolated(item.body, item.url, name=name, content_type=item.content_type, meta=meta)
        fill_from_page(report, meta)
        return report

    def _store(self, report: Report, item: DocumentItem, digest: str) -> DocumentItem:
        unit = self.registry.get(item.unit_code)
        (earliest,) = self.store.db.execute("SELECT min(published) FROM reports WHERE document = ?", [digest]).fetchone()
        if earliest and report.error is None and (report.published is None or date.fromisoformat(earliest) < report.published):
            # the same file met on two pages at once: the first publication counts, whichever is parsed last
            report.published = date.fromisoformat(earliest)
        year = report.year
        deadline = self.registry.deadline(unit, year) if unit and year else None
        check_report(report, self.store, level=unit.level if unit else None, deadline=deadline,
                     unit_code=item.unit_code)
        name = item.filename or item.url.rsplit("/", 1)[-1]
        self.store.add_document(item.body, name=name, source=item.url, kind=sniff(item.body, name, item.content_type))
        self.store.save_reports(digest, [report], unit_code=item.unit_code)
        self.store.save_source(item.url, self._source_fields(item, digest))
        if report.error is None and report.year is not None:
            recheck_next_year(self.store, report, unit_code=item.unit_code, level=unit.level if unit else None,
                              deadline=self.registry.deadline(unit, report.year + 1) if unit else None)
        stat = "failed" if report.error else ("inconsistent" if any(
            r.status == "fail" and r.severity == "error" for r in report.rules) else "ok")
        self.crawler.stats.inc_value(f"nianbao/reports/{stat}")
        self.crawler.stats.inc_value("nianbao/documents/stored")
        self._done(item)
        return item

    def _done(self, item: DocumentItem) -> None:
        """An attachment whose outcome is stored is never fetched again by a resumed crawl. (Pages are
        re-asked with conditional GET instead, so their attachments are found again.)"""
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        df = getattr(scheduler, "df", None)
        if item.role == ATTACHMENT and item.request is not None and hasattr(df, "mark_done"):
            df.mark_done(item.request)

    @staticmethod
    def _source_fields(item: DocumentItem, digest: str) -> dict[str, Any]:
        return {"unit_code": item.unit_code, "role": item.role, "page_url": item.page_url, "sha256": digest,
                "etag": item.etag, "last_modified": item.last_modified, "title": item.title, "year": item.year,
                "published": item.published, "publisher": item.publisher, "filename": item.filename}


__all__ = ["StorePipeline", "ATTACHMENT", "PAGE"]
