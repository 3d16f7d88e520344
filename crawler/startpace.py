"""Start requests handed to Scrapy as the crawl can take them, not the whole registry at once.

Scrapy ≥ 2.13 reads ``Spider.start()`` as fast as the scheduler accepts requests, so a national night
queued the first list request of all ~40,000 units before the first answer came back: every unit's
request and meta in memory for the whole night, and the slot-aware queue spreading the crawl over all
~16,000 sites at once, so that each site was visited again only after its keep-alive connection had
closed — a new connection (Twisted's endpoint and client set-up) for nearly every page, CPU per unit
growing with the registry (bench/crawl.py --national, py-spy).

:func:`paced` lets the next unit start only while fewer than ``window`` of its column readings
(:class:`spiders.coverage.ColumnTracker`: list pages still to fetch) are open. A unit's pages are then
fetched close together, the queue holds a bounded number of units, and a few hundred open readings
still spread the crawl over enough sites to fill ``CONCURRENT_REQUESTS`` within the per-site limit.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Callable, Iterable

POLL_SECONDS = 0.05


async def paced(requests: Iterable[Any], open_readings: Callable[[], int], window: int) -> AsyncIterator[Any]:
    """Yield ``requests`` one by one, each once ``open_readings()`` is below ``window`` (0: no pacing)."""
    for request in requests:
        while window > 0 and open_readings() >= window:
            await _pause(POLL_SECONDS)
        yield request


async def _pause(seconds: float) -> None:
    from twisted.internet import reactor, task  # not at import time: Scrapy installs its reactor first

    from scrapy.utils.defer import maybe_deferred_to_future

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))
