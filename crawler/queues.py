"""A JOBDIR disk queue that survives the crawl being killed while writing it.

SIGKILL can leave a queue file with a half-written header or record; Scrapy's queue then raises on
every push or pop and the requests of that priority are lost (seen in the kill test). A damaged queue
is logged and started afresh: nothing depends on it for completeness, because the spider's start
requests run again on resume and find every request that is not done yet
(see :mod:`crawler.dupefilter`).
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import struct

from scrapy.squeues import PickleLifoDiskQueue

log = logging.getLogger(__name__)
_DAMAGE = (struct.error, EOFError, ValueError, OSError, pickle.UnpicklingError, AttributeError, IndexError)


class SafeLifoDiskQueue(PickleLifoDiskQueue):
    def __init__(self, crawler, key: str):
        try:
            super().__init__(crawler, key)
        except _DAMAGE as exc:
            log.warning("disk queue %s is damaged (%s), probably by a killed crawl: starting it empty", key, exc)
            if os.path.isdir(key):
                shutil.rmtree(key, ignore_errors=True)
            elif os.path.exists(key):
                os.remove(key)
            super().__init__(crawler, key)

    def pop(self):
        try:
            return super().pop()
        except _DAMAGE as exc:
            log.warning("a damaged record in disk queue: dropped (%s)", exc)
            return None
