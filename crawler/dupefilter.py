"""A dupefilter whose persistent state is what was *done*, not what was *scheduled*.

Scrapy's own RFPDupeFilter writes a request's fingerprint to ``JOBDIR/requests.seen`` when it is
scheduled. A crawl killed with SIGKILL loses the requests that were in flight, but their fingerprints
stay "seen", so a resumed crawl never fetches them: documents are lost. Here a fingerprint is written
to ``JOBDIR/requests.done`` only once its outcome is in the database (the pipeline calls
:meth:`mark_done`), and within one run an in-memory set stops duplicates. On resume the spider's start
requests run again (they are ``dont_filter``), regenerate whatever was lost, and everything already
done is filtered. It keeps Scrapy's dupefilter interface, so a distributed one (scrapy-redis) can
replace it.
"""

from __future__ import annotations

import os
from pathlib import Path

from scrapy.dupefilters import BaseDupeFilter
from scrapy.http import Request
from scrapy.utils.job import job_dir
from scrapy.utils.request import RequestFingerprinter


class ResumableDupeFilter(BaseDupeFilter):
    def __init__(self, path: str | None = None, *, fingerprinter=None) -> None:
        self.fingerprinter = fingerprinter or RequestFingerprinter()
        self.seen: set[str] = set()  # this run
        self.done: set[str] = set()  # every run of this job
        self.done_file = None
        if path:
            done_path = Path(path) / "requests.done"
            if done_path.exists():
                self.done = set(done_path.read_text(encoding="ascii").split())
            self.done_file = open(done_path, "a", encoding="ascii")  # noqa: SIM115 (closed in close())

    @classmethod
    def from_crawler(cls, crawler):
        return cls(job_dir(crawler.settings), fingerprinter=crawler.request_fingerprinter)

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def request_seen(self, request: Request) -> bool:
        fp = self.request_fingerprint(request)
        if fp in self.seen or fp in self.done:
            return True
        self.seen.add(fp)
        return False

    def mark_done(self, request: Request) -> None:
        """Record that this request's outcome is stored; a resumed crawl will not fetch it again."""
        fp = self.request_fingerprint(request)
        if fp in self.done:
            return
        self.done.add(fp)
        if self.done_file:
            self.done_file.write(fp + "\n")
            self.done_file.flush()
            os.fsync(self.done_file.fileno())

    def close(self, reason: str) -> None:
        if self.done_file:
            self.done_file.close()
            self.done_file = None
