"""The parse stage: raw documents the crawl queued → page metadata → parse → check → store.

The crawl only fetches: :class:`crawler.pipelines.StorePipeline` keeps each new document's bytes and
puts it in the store's ``queue`` table, in the same transaction. This stage empties the queue, in its
own process (started by the pipeline, or by ``nianbao ingest``), so that parsing a PDF, checking the
rules against last year and writing 200 cells never hold up the downloads:

    python -m crawler.parsestage --db nianbao.db --registry registry.yaml [--follow]

Each queue entry is handled in one transaction with its deletion from the queue, so a kill at any
point leaves the entry either done or still queued; handling one twice changes nothing. One stage runs
per database at a time (a lock file beside it); a second waits for the first. The CPU part (page
metadata, parsing, the rules) runs in ``--workers`` processes (default: cores − 1), one unit's entries
always in the same one (:mod:`crawler.parseworkers`); this process is the only writer.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import sys
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from parsers.isolate import parse_isolated
from parsers.model import Report

from . import fingerprints, pictured
from .attribution import unit_codes
from .ingest import check_report, fill_from_page, recheck_copied, recheck_next_year
from .items import ENTRY_FIELDS, PAGE, source_fields
from .parseworkers import UnitView, WorkerPool, default_workers, prepare_each, quiet_gc
from .registry import Registry, load
from .store import Store

log = logging.getLogger(__name__)

_PAGE_CACHE = 256  # article pages remembered for their attachments (a page's files follow it closely)
# Entries written per transaction: a commit costs more than one document's rows, and the crawl
# (the other writer) waits at most for one batch's writes — the parsing happens before.
_BATCH = 8
_IN_FLIGHT = 3  # batches handed to the workers ahead of the one being written


@dataclass
class Prepared:
    """A queue entry after the CPU work: its item with the page's metadata, and its parse if any."""

    entry: dict[str, Any]
    item: dict[str, Any]
    report: Report | None
    missing: bool = False  # the raw bytes are gone (only a hand-edited database does that)
    checked: bool = False  # the rules ran on ``report`` already (against the unit's other years)
    # the unit's next-year reports' rule results, re-run now that this year is known: (report id, results)
    rechecks: list[tuple[str, list]] = field(default_factory=list)
    pictured: Any = None  # the page-and-pictures group this entry belongs to (crawler.pictured.Group)
    own: tuple[str, dict[str, Any]] | None = None  # a group entry's own url and source row


def page_info(body: bytes, url: str, *, content_type: str | None = None, encoding: str | None = None,
              entry: dict[str, Any] | None = None) -> dict[str, Any]:
    """What an article page says of its report: title, date, publisher, year, and whether the page
    holds the tables itself or only points to attachments. The page's own metadata wins over what
    the list said (``entry``), as a person reading the page would take it."""
    from scrapy.http import HtmlResponse

    from pages.article import article_metadata
    from pages.titles import report_year

    entry = entry or {}
    headers = {"Content-Type": content_type} if content_type else {}
    try:
        response = HtmlResponse(url=url, body=body, headers=headers, encoding=encoding or None)
        article = article_metadata(response)
    except Exception as exc:  # a page lxml cannot read: the list's word is all there is
        log.info("article %s unreadable: %s", url, exc)
        return {**{k: entry.get(k) for k in ENTRY_FIELDS},
                "attachments": 0, "has_report_table": False}
    return {
        "title": article.title or entry.get("title"),
        "published": article.published or entry.get("published"),
        "publisher": article.publisher or entry.get("publisher"),
        "year": entry.get("year") or (report_year(article.title, article.published) if article.title else None),
        "attachments": len(article.attachments),
        "has_report_table": article.has_report_table,
        **pictured.page_fields(article.attachments),  # pictures in the body that may be its tables
    }


class ParseStage:
    """Empties the store's parse queue; ``stats`` counts what became of each entry."""

    def __init__(self, store: Store, registry: Registry | None, *, workers: int = 0, sync_units: bool = True):
        self.store = store
        self.registry = registry
        self.workers = workers  # 0: everything in this process
        self.stats: Counter[str] = Counter()
        self._pages: OrderedDict[str, dict[str, Any]] = OrderedDict()
        if registry is not None and sync_units:
            # the evaluator's checks read the registry unit and its county (a worker process finds them
            # written by the stage that started it: it only reads)
            store.sync_units(registry)
        self.view = UnitView(store)

    # ------------------------------------------------------------ the loop
    def run(self, *, follow: Callable[[], bool] | None = None, poll: float = 0.2) -> Counter[str]:
        """Handle queue entries until the queue is empty — or, while ``follow()`` is true, keep
        waiting for more (the crawl is still adding)."""
        if self.workers > 0:
            return self._run_workers(follow=follow, poll=poll)
        last = 0  # queue ids only grow (AUTOINCREMENT), so nothing is met twice
        while True:
            entries = self.store.queued(after=last, limit=_BATCH)
            if not entries:
                if follow is not None and follow():
                    time.sleep(poll)
                    continue
                if self.store.queued(after=last, limit=1):  # added between the last look and now
                    continue
                pictured.sweep(self)  # pages whose pictures did not all arrive
                return self.stats
            last = entries[-1]["id"]
            prepared = []
            for entry in entries:
                try:
                    prepared.append(self.prepare(entry))
                except Exception:  # one document must not stop the rest
                    self._failed(entry)
            self._write_batch(prepared)

    def _run_workers(self, *, follow: Callable[[], bool] | None, poll: float) -> Counter[str]:
        """``run`` with the CPU part in worker processes: batches go out partitioned by unit, come
        back in queue order and are written here, a few batches behind."""
        last = 0
        in_flight: deque = deque()
        here = lambda part: prepare_each(self, part)  # noqa: E731 - the writer's own share of the units
        with WorkerPool(self.workers, self.store.path, self.registry, here=here) as pool:
            while True:
                if len(in_flight) < _IN_FLIGHT:
                    entries = self.store.queued(after=last, limit=_BATCH * self.workers)
                    if entries:
                        last = entries[-1]["id"]
                        in_flight.append((entries, pool.submit(entries)))
                        continue
                if in_flight:
                    entries, tasks = in_flight.popleft()
                    prepared = []
                    for entry, ok, result in pool.collect(entries, tasks):
                        if ok:
                            prepared.append(result)
                        else:
                            log.error("parse stage worker: %s failed:\n%s", entry["url"], result)
                            self._failed(entry, logged=True)
                    self._write_batch(prepared)
                    continue
                if follow is not None and follow():
                    time.sleep(poll)
                    continue
                if self.store.queued(after=last, limit=1):
                    continue
                pictured.sweep(self)
                return self.stats

    def _write_batch(self, prepared: list[Prepared]) -> None:
        """The batch's writes in one transaction (a commit costs more than a document's rows); if
        one entry's writes raise, each entry is retried in its own transaction."""
        try:
            with self.store.transaction():
                outcomes = [self.write(p) for p in prepared]
        except Exception:
            log.warning("parse stage: a batch of %d failed; writing its entries one by one", len(prepared))
            outcomes = []
            for p in prepared:
                try:
                    with self.store.transaction():
                        outcomes.append(self.write(p))
                except Exception:
                    self._failed(p.entry)
        self.stats.update(outcomes)

    def _failed(self, entry: dict[str, Any], *, logged: bool = False) -> None:
        """An entry whose handling raised (a bug, not a bad document: those are stored as failures)
        would otherwise be retried for ever; it leaves the queue, its raw bytes stay."""
        if not logged:
            log.exception("parse stage: %s failed", entry["url"])
        self.stats["error"] += 1
        try:
            self.store.dequeue(entry["id"])
        except Exception:
            log.exception("parse stage: could not drop %s from the queue", entry["url"])

    # ------------------------------------------------------------ one entry
    def handle(self, entry: dict[str, Any]) -> str:
        """One queued document, in its own transaction: returns what became of it (report_ok,
        report_inconsistent, report_failed, page_kept, republished, missing)."""
        prepared = self.prepare(entry)
        with self.store.transaction():
            return self.write(prepared)

    def prepare(self, entry: dict[str, Any]) -> Prepared:
        """The CPU part, no writes: the page's metadata and, unless the file is parsed already or the
        page only points to its attachments, the parse and the rules (last year from ``self.view``:
        the store plus what this process prepared before)."""
        item, digest = dict(entry["item"]), entry["sha256"]
        body = self.store.document_bytes(digest)
        if body is None:
            return Prepared(entry, item, None, missing=True)
        item.update(self._info(item, body))
        if (group := pictured.group_of(self, entry, item)) is not None:  # an article whose tables are pictures
            return pictured.prepare(self, entry, item, group)
        if self.store.is_parsed(digest) or self._page_only(item):
            return Prepared(entry, item, None)
        prepared = Prepared(entry, item, self._parse(item, body))
        self._check(prepared)
        return prepared

    def _check(self, p: Prepared) -> None:
        """The rules on a prepared report, and on the unit's next year now that this one is known
        (collected in ``p.rechecks`` for the writer)."""
        report, code = p.report, p.item.get("unit_code")
        unit = self._unit(code)
        view = self.view
        check_report(report, view, level=unit.level if unit else None, deadline=self._deadline(unit, report.year),
                     unit_code=code)
        view.remember(Store.report_id(p.entry["sha256"]), code, report)
        if report.error is None and report.year is not None:
            view.rechecked = []
            recheck_next_year(view, report, unit_code=code, level=unit.level if unit else None,
                              deadline=self._deadline(unit, report.year + 1) if unit else None)
            p.rechecks = view.rechecked
        p.checked = True

    def write(self, p: Prepared) -> str:
        """The writing part, inside the caller's transaction, the entry's removal from the queue included."""
        store, item, digest = self.store, p.item, p.entry["sha256"]
        store.dequeue(p.entry["id"])
        if p.missing:
            return "missing"
        if p.pictured is not None:
            return pictured.write(self, p)
        if store.is_parsed(digest):
            # the same file on another page (a re-publication), or handled before a kill: no new parse
            self._another_page(item, digest)
            return "republished"
        if self._page_only(item):
            # “详见附件”: the page is kept, the report is in its attachments
            store.save_source(item["url"], source_fields(item, digest))
            return "page_kept"
        if p.report is None:  # parsed by someone else when prepared, gone since: parse it here
            return self._store(self._parse(item, store.document_bytes(digest) or b""), item, digest)
        return self._store(p.report, item, digest, p)

    @staticmethod
    def _page_only(item: dict[str, Any]) -> bool:
        return item["role"] == PAGE and bool(item.get("attachments")) and not item.get("has_report_table")

    def _info(self, item: dict[str, Any], body: bytes) -> dict[str, Any]:
        """The page's metadata for a page; for an attachment, the metadata of the page linking it."""
        entry = {k: item.get(k) for k in ENTRY_FIELDS}
        if item["role"] == PAGE:
            info = page_info(body, item["url"], content_type=item.get("content_type"),
                             encoding=(item.get("meta") or {}).get("encoding"), entry=entry)
            self._remember(item["url"], info)
            return info
        page = self._page(item.get("page_url"))
        if page is None:
            return {}
        # the attachment's own list entry is the page's list entry; the page's reading of it wins
        return {k: page.get(k) or entry.get(k) for k in ENTRY_FIELDS}

    def _page(self, url: str | None) -> dict[str, Any] | None:
        if not url:
            return None
        if url in self._pages:
            self._pages.move_to_end(url)
            return self._pages[url]
        src = self.store.source(url)
        body = self.store.document_bytes(src["sha256"]) if src and src.get("sha256") else None
        if body is None:
            return None
        row = self.store.db.execute("SELECT item FROM queue WHERE url = ? ORDER BY id DESC LIMIT 1", [url]).fetchone()
        queued = json.loads(row[0]) if row else {}
        entry = {k: queued.get(k) or src.get(k) for k in ENTRY_FIELDS}
        info = page_info(body, url, content_type=queued.get("content_type"),
                         encoding=(queued.get("meta") or {}).get("encoding"), entry=entry)
        self._remember(url, info)
        return info

    def _remember(self, url: str, info: dict[str, Any]) -> None:
        self._pages[url] = info
        self._pages.move_to_end(url)
        while len(self._pages) > _PAGE_CACHE:
            self._pages.popitem(last=False)

    def _unit(self, code: str | None):
        return self.registry.get(code) if self.registry is not None and code else None

    def _deadline(self, unit, year: int | None):
        return self.registry.deadline(unit, year) if unit is not None and year else None

    def _meta(self, item: dict[str, Any]) -> dict[str, Any]:
        unit = self._unit(item.get("unit_code"))
        return {"unit": unit.name if unit else None, "year": item.get("year"), "published": item.get("published"),
                "title": item.get("title")}

    def _parse(self, item: dict[str, Any], body: bytes, images: dict[str, bytes] | None = None) -> Report:
        """Parsing only (risky formats in a limited child process), no database; ``images``: a page's pictures."""
        name = item.get("filename") or item["url"].rsplit("/", 1)[-1]
        meta = self._meta(item)
        report = parse_isolated(body, item["url"], name=name, content_type=item.get("content_type"), meta=meta,
                                images=images)
        fill_from_page(report, meta)
        return report

    def _store(self, report: Report, item: dict[str, Any], digest: str, prepared: Prepared | None = None) -> str:
        """Write a document's reports (checked already when ``prepared`` says so: then only its writes happen
        here). Several units' reports in one document are each stored under their own registry unit."""
        store = self.store
        reports, report.others = [report, *report.others], []
        # several units' reports in one document: each under its own registry unit (crawler/attribution.py)
        codes = unit_codes(reports, item.get("unit_code"), self.registry)
        # a worker checked a lone report under the page's unit; several are checked here, each under its own
        checked = prepared is not None and prepared.checked and len(reports) == 1
        (earliest,) = store.db.execute("SELECT min(published) FROM reports WHERE document = ?", [digest]).fetchone()
        for part, code in zip(reports, codes):
            unit = self._unit(code)
            if earliest and part.error is None and (part.published is None or date.fromisoformat(earliest) < part.published):
                # the same file met on two pages at once: the first publication counts, whichever is parsed last
                part.published = date.fromisoformat(earliest)
                checked = False  # the deadline rule reads the date
        if not checked:
            for part, code in zip(reports, codes):
                unit = self._unit(code)
                check_report(part, store, level=unit.level if unit else None, deadline=self._deadline(unit, part.year),
                             unit_code=code)
        store.save_reports(digest, reports, unit_code=item.get("unit_code"), unit_codes=codes)
        store.save_source(item["url"], source_fields(item, digest))
        if checked:
            for rid, results in prepared.rechecks:
                if store.db.execute("SELECT 1 FROM reports WHERE id = ?", [rid]).fetchone():
                    store.save_rule_results(rid, results)
            self._copies_seen_late(report, codes[0], Store.report_id(digest, 0))
        else:
            for part, code in zip(reports, codes):
                unit = self._unit(code)
                if part.error is None and part.year is not None:
                    recheck_next_year(store, part, unit_code=code, level=unit.level if unit else None,
                                      deadline=self._deadline(unit, part.year + 1) if unit else None)
        if report.error:
            return "report_failed"
        return "report_inconsistent" if any(r.status == "fail" and r.severity == "error" for p in reports for r in p.rules) \
            else "report_ok"

    def _copies_seen_late(self, report: Report, code: str | None, rid: str) -> None:
        """A worker compared a report only with what was committed when it checked it: a county report of
        the same year that was in the same batch, or written meanwhile, was not among its peers. Such a
        peer is judged here, as if the two had been stored one after the other (both then carry
        COPY-OTHER-UNIT, whichever came first), so the result never depends on batching, workers or a
        kill between the two."""
        if report.error is not None:
            return
        seen = getattr(report, "peers_seen", None)
        if seen is not None and fingerprints.band_peers(self.store, rid, code) - seen:
            unit = self._unit(code)
            check_report(report, self.store, level=unit.level if unit else None,
                         deadline=self._deadline(unit, report.year), unit_code=code)
            self.store.save_rule_results(rid, report.rules)
        # the peers it copies were checked before it was committed (here or in a worker, which sees only
        # committed rows): judged again now that it is, so an earlier report learns it was copied
        recheck_copied(self.store, report)

    def _another_page(self, item: dict[str, Any], digest: str) -> None:
        store = self.store
        store.save_source(item["url"], source_fields(item, digest))
        published = item.get("published")
        for (rid,) in store.db.execute("SELECT id FROM reports WHERE document = ?", [digest]).fetchall():
            report = store.load_report(rid)
            if report is None or report.error is not None or not published:
                continue
            try:
                page_date = date.fromisoformat(str(published)[:10])
            except ValueError:
                continue
            if report.published is None or page_date < report.published:
                report.published = page_date
                code = item.get("unit_code")
                unit = self._unit(code)
                check_report(report, store, level=unit.level if unit else None,
                             deadline=self._deadline(unit, report.year), unit_code=code)
                store.save_reports(digest, [report], unit_code=code)


# ==================================================================== the stage's own process

class StageLock:
    """One parse stage per database: an exclusive lock on ``<db>.parse.lock`` (released by the kernel
    when the holder dies, so a killed stage never blocks the next)."""

    def __init__(self, db: str):
        self.path = f"{db}.parse.lock"
        self.fd: int | None = None

    def __enter__(self) -> StageLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def drain(db: str, registry: str | Registry | None, *, follow: Callable[[], bool] | None = None,
          workers: int | None = None) -> Counter[str]:
    """Empty ``db``'s parse queue (holding the stage lock); returns what became of the entries.
    ``workers``: processes for the CPU part (None: :func:`crawler.parseworkers.default_workers`;
    0: all in this process)."""
    reg = load(registry) if isinstance(registry, str) else registry
    with StageLock(db):
        store = Store(db)
        try:
            return ParseStage(store, reg, workers=default_workers() if workers is None else workers).run(follow=follow)
        finally:
            store.close()


def _stdin_open() -> Callable[[], bool]:
    """``follow`` for the child: true until the crawl closes our stdin (it finished, or it died)."""
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(sys.stdin, selectors.EVENT_READ)
    state = {"open": True}

    def still_open() -> bool:
        if state["open"] and sel.select(timeout=0):
            if not os.read(sys.stdin.fileno(), 4096):
                state["open"] = False
        return state["open"]

    return still_open


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawler.parsestage", description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--registry")
    ap.add_argument("--follow", action="store_true", help="keep waiting for entries until stdin closes")
    ap.add_argument("--nice", type=int, default=0, help="lower this process's CPU priority by N")
    ap.add_argument("--stats", metavar="FILE", help="write what became of the entries here, as JSON")
    ap.add_argument("--workers", type=int, default=None,
                    help="worker processes for parsing and the rules (default: cores − 1, at least 1; "
                         "0: all in this process); NIANBAO_PARSE_WORKERS sets the default")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s parse-stage %(levelname)s %(message)s")
    if args.nice:
        try:
            os.nice(args.nice)
        except OSError:
            pass
    quiet_gc()  # this process exists to empty the queue
    stats = drain(args.db, args.registry, follow=_stdin_open() if args.follow else None, workers=args.workers)
    summary = " ".join(f"{k}={v}" for k, v in sorted(stats.items())) or "nothing queued"
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as f:
            json.dump(dict(stats), f)
    else:
        print(summary, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
