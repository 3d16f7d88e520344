"""Item pipeline: fetch outcomes → ``fetches``; documents → raw store → the parse queue.

The crawl only keeps bytes: a new document's raw content, its source row (with the validators the
next conditional GET sends) and its queue entry are written in one transaction, and the parse stage
(:mod:`crawler.parsestage`, a child process started here) reads the page metadata, parses, checks and
stores the report. Downloads never wait for a PDF to be parsed or 200 cells to be written, and a
kill at any point loses nothing: what is stored raw is queued, what is queued gets parsed.

``NIANBAO_PARSE = "process"`` (the default) runs the stage beside the crawl, at a lower CPU priority,
and waits for it to empty the queue after the spider closes; ``"inline"`` empties the queue in the
crawl's own process after the spider closes; ``"off"`` leaves it for ``nianbao ingest``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet import task
from twisted.internet.threads import deferToThread

from parsers import sniff

from . import columns, fetchlog
from .items import ATTACHMENT, PAGE, DocumentItem, FetchItem, source_fields
from .store import Store, now, sha256

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
# Documents and fetch outcomes are written in batches (one transaction each): at most this often, or
# when this many wait. A commit per document cost more than everything else the crawl does with it.
_FLUSH_SECONDS = 0.5
_DOCUMENT_FLUSH_ROWS = 100
_FETCH_FLUSH_ROWS = 500


class StorePipeline:
    """Keeps every fetched document raw in the SQLite store named by ``NIANBAO_DB`` and queues it."""

    def __init__(self, db_path: str, run: int | None, *, parse: str = "process", registry: str | None = None,
                 stage_module: str = "crawler.parsestage", workers: int | None = None):
        self.db_path = db_path
        self.workers = workers  # the parse stage's worker processes (None: cores − 1)
        self.run = run
        self.parse = parse
        self.stage_module = stage_module
        self.registry_path = registry
        self.store: Store | None = None
        self._fetches: list[dict[str, Any]] = []
        self._documents: dict[str, tuple[DocumentItem, str]] = {}  # url → (item, sha256), not yet written
        self._flusher: task.LoopingCall | None = None
        self.stage: subprocess.Popen | None = None

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        pipeline = cls(s.get("NIANBAO_DB", "nianbao.db"), s.getint("NIANBAO_RUN") or None,
                       parse=s.get("NIANBAO_PARSE", "process"), registry=s.get("NIANBAO_REGISTRY"),
                       stage_module=s.get("NIANBAO_PARSE_STAGE", "crawler.parsestage"),
                       workers=s.getint("NIANBAO_PARSE_WORKERS") if s.get("NIANBAO_PARSE_WORKERS") not in (None, "") else None)
        pipeline.crawler = crawler
        crawler.signals.connect(pipeline.engine_stopped, signal=signals.engine_stopped)
        return pipeline

    # ------------------------------------------------------------ life cycle
    def open_spider(self, spider=None) -> None:
        self.store = Store(self.db_path)
        columns.ensure_schema(self.store.db)
        self._flusher = task.LoopingCall(self._flush)
        self._flusher.start(_FLUSH_SECONDS, now=False)
        if self.parse == "process":
            self._start_stage()

    def close_spider(self, spider=None) -> None:
        if self._flusher and self._flusher.running:
            self._flusher.stop()
        if self._coverage() is not None:
            self._coverage().close()  # columns still being read when the spider closed end as cut
        if self.store:
            self._flush()
            self._prune()
        if self.stage is not None and self.stage.stdin:
            self.stage.stdin.close()  # “no more entries”: the stage empties the queue and exits

    async def engine_stopped(self) -> None:
        """After the spider closed (Scrapy's elapsed time is the crawl's): wait for the parse stage,
        so that a finished ``nianbao crawl`` or ``scrapy crawl`` has parsed everything it fetched."""
        if self.parse == "inline":
            await maybe_deferred_to_future(deferToThread(self._drain_inline))
            self._close_store()
            return
        from twisted.internet import (
            reactor,  # not at import time: Scrapy installs its reactor first
        )

        stage = self.stage
        if stage is not None:
            while stage.poll() is None:
                await maybe_deferred_to_future(task.deferLater(reactor, 0.1, lambda: None))
            if stage.returncode:
                log.error("the parse stage exited with %s; what it left stays queued (nianbao ingest)",
                          stage.returncode)
            self._record_stage()
        self._close_store()

    def _close_store(self) -> None:
        if self.store:
            self.store.close()
            self.store = None

    def _registry_path(self) -> str | None:
        spider = getattr(self.crawler, "spider", None)
        arg = getattr(spider, "registry_arg", None)
        if isinstance(arg, (str, os.PathLike)):
            return str(arg)
        source = getattr(arg, "source", None) if arg is not None else None
        return self.registry_path or source

    def _start_stage(self) -> None:
        nice = self.crawler.settings.getint("NIANBAO_PARSE_NICE", 10)
        cmd = [sys.executable, "-m", self.stage_module, "--db", self.db_path, "--follow", "--nice", str(nice)]
        registry = self._registry_path()
        if registry:
            cmd += ["--registry", registry]
        if self.workers is not None:
            cmd += ["--workers", str(self.workers)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        # stdin is the stage's lifeline: closed when the crawl ends (or dies), the stage drains and exits.
        # Its counts come back in a file, not on a pipe: a pipe nobody reads while the crawl runs would
        # block the stage as soon as anything under it (a converter, a library) printed 64 KB.
        fd, self._stage_stats = tempfile.mkstemp(prefix="nianbao-parse-", suffix=".json")
        os.close(fd)
        cmd += ["--stats", self._stage_stats]
        self.stage = subprocess.Popen(cmd, stdin=subprocess.PIPE, env=env)
        self._stage_started = time.monotonic()

    def _record_stage(self) -> None:
        stats = self.crawler.stats
        try:
            counts = json.loads(Path(self._stage_stats).read_text() or "{}")
        except (OSError, ValueError):
            counts = {}
        finally:
            Path(self._stage_stats).unlink(missing_ok=True)
        self._count_parsed(counts)
        stats.set_value("nianbao/parse_stage_seconds", round(time.monotonic() - self._stage_started, 2))

    def _drain_inline(self) -> None:
        drain = load_object(f"{self.stage_module}.drain")

        spider = getattr(self.crawler, "spider", None)
        registry = getattr(spider, "registry", None) if spider is not None else None
        self._count_parsed(drain(self.db_path, registry, workers=self.workers))

    def _count_parsed(self, counts: dict[str, int]) -> None:
        """What became of the queue entries (report_ok, page_kept, …), in the crawl's stats."""
        for key, value in counts.items():
            self.crawler.stats.set_value(f"nianbao/parsed/{key}", int(value))

    # ------------------------------------------------------------ items
    def process_item(self, item: Any, spider=None):
        if isinstance(item, FetchItem):
            row = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
            self._fetches.append({**row, "at": now()})
            if len(self._fetches) >= _FETCH_FLUSH_ROWS:
                self._flush()
            self.crawler.stats.inc_value(f"nianbao/fetch/{item.outcome}")
            return item
        if not isinstance(item, DocumentItem):
            return item
        digest = sha256(item.body)
        if self._unchanged(item, digest):
            # a 304, or the same bytes at the same address (a server that ignores conditional GET)
            self.crawler.stats.inc_value("nianbao/documents/unchanged")
            self._routine(item.url)
            self._done(item)
            return item
        self._documents[item.url] = (item, digest)
        if len(self._documents) >= _DOCUMENT_FLUSH_ROWS:
            self._flush()
        return item

    def _unchanged(self, item: DocumentItem, digest: str) -> bool:
        pending = self._documents.get(item.url)
        if pending is not None:
            return pending[1] == digest
        if self.store.source_digest(item.url) != digest:
            return False
        return (item.role == PAGE or self.store.is_queued(item.url, digest) or self.store.is_parsed(digest)
                or self._read_with_page(item.url))

    def _read_with_page(self, url: str) -> bool:
        """A picture in an article's body is never parsed alone: it was read once its page's report was
        (crawler.pictured), whose document is the page."""
        return self.store.db.execute(
            "SELECT 1 FROM sources s JOIN documents d ON d.sha256 = s.sha256 AND d.kind = 'image' "
            "JOIN sources pg ON pg.url = s.page_url JOIN reports r ON r.document = pg.sha256 "
            "WHERE s.url = ? AND s.role != ? LIMIT 1", [url, PAGE]).fetchone() is not None

    def _prune(self) -> None:
        """The fetch log of old runs goes (NIANBAO_FETCH_KEEP_RUNS); never at the cost of the crawl."""
        keep = self.crawler.settings.getint("NIANBAO_FETCH_KEEP_RUNS", fetchlog.DEFAULT_KEEP_RUNS)
        try:
            fetchlog.prune(self.store.db.conn, keep)
        except Exception:
            log.exception("could not prune the fetch log of old runs")

    def _routine(self, url: str) -> None:
        """The fetch of an unchanged document is only counted in its unit's night (crawler.fetchlog)."""
        for row in reversed(self._fetches):
            if row.get("url") == url:
                row["routine"] = True
                return

    def _flush(self) -> None:
        """Write the documents met since the last flush — raw bytes, source rows, queue entries — and
        the fetch log in one transaction. Only then are attachments marked done for a resumed crawl:
        a kill before the commit loses nothing but a second of downloads, fetched again on resume."""
        if self.store is None:
            return
        documents, self._documents = list(self._documents.values()), {}
        if documents:
            store = self.store
            with store.transaction():
                for item, digest in documents:
                    name = item.filename or item.url.rsplit("/", 1)[-1]
                    store.add_document(item.body, name=name, source=item.url,
                                       kind=sniff(item.body, name, item.content_type), digest=digest)
                    store.save_source(item.url, source_fields(item, digest))
                    store.enqueue(item.url, digest, self._queue_fields(item), self.run)
                self._flush_fetches()
            self.crawler.stats.inc_value("nianbao/documents/stored", len(documents))
            for item, _ in documents:
                self._done(item)
        else:
            self._flush_fetches()

    def _flush_fetches(self) -> None:
        if self._fetches and self.store is not None:
            rows, self._fetches = self._fetches, []
            self.store.record_fetches(self.run, rows)
        readings = self._coverage().take() if self._coverage() is not None else []
        if readings and self.store is not None:
            stamp = now()
            with self.store.transaction():
                columns.save(self.store.db, [r.row(self.run, stamp) for r in readings])

    def _coverage(self):
        """The spider's record of how far each 年报 column was read (:mod:`spiders.coverage`)."""
        return getattr(getattr(self.crawler, "spider", None), "coverage", None)

    def _done(self, item: DocumentItem) -> None:
        """An attachment whose outcome is stored is never fetched again by a resumed crawl. (Pages are
        re-asked with conditional GET instead, so their attachments are found again.)"""
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        df = getattr(scheduler, "df", None)
        if item.role == ATTACHMENT and item.request is not None and hasattr(df, "mark_done"):
            df.mark_done(item.request)

    @staticmethod
    def _queue_fields(item: DocumentItem) -> dict[str, Any]:
        # not dataclasses.asdict: it would deep-copy the body and the request
        return {f.name: getattr(item, f.name) for f in dataclasses.fields(item) if f.name not in ("body", "request")}


__all__ = ["StorePipeline", "ATTACHMENT", "PAGE"]
