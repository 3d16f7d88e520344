"""Scrapy's downloader-aware scheduler queue, without its per-request walk over every waiting site.

Scrapy's default ``DownloaderAwarePriorityQueue`` keeps one queue per download slot (site) and, on every
``pop``, counts the active downloads of *every* slot that has requests waiting to pick the least busy
one. A national night schedules its start requests for all ~16,000 sites at once, so each request cost
a walk over thousands of slots: the crawl process spent three quarters of its CPU there and its CPU per
unit grew with the registry (bench/crawl.py --national, py-spy).

:class:`SlotAwarePriorityQueue` makes the same choice — fewest active downloads, ties broken round-robin
in slot order after the last slot picked — from the slot names kept sorted: at most
``CONCURRENT_REQUESTS`` slots have downloads in flight, so the first idle slot after the last one picked
is found after skipping at most that many. Only when every waiting slot is busy (then there are few)
are they all compared, as Scrapy does.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from contextlib import suppress
from pathlib import Path
from typing import Any

from scrapy.http import Request
from scrapy.pqueues import DownloaderAwarePriorityQueue, _path_safe


class SlotAwarePriorityQueue(DownloaderAwarePriorityQueue):
    """``DownloaderAwarePriorityQueue`` with the same order of requests, O(busy slots) per pop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots: list[str] = sorted(self.pqueues)  # the slots with requests waiting, sorted

    def _active(self, slot: str) -> int:
        return self._downloader_interface._active_downloads(slot)

    def _pick(self, *, update_state: bool) -> str | None:
        slots = self._slots
        if not slots:
            return None
        last = self._last_selected_slot
        start = 0 if last is None else bisect_right(slots, last)
        n = len(slots)
        for i in range(n):
            slot = slots[(start + i) % n]
            if self._active(slot) == 0:  # no slot has fewer: the first idle one in round-robin order
                if update_state:
                    self._last_selected_slot = slot
                return slot
        # every waiting slot is busy (so there are at most CONCURRENT_REQUESTS of them): compare all
        return self._next_slot([(self._active(s), s) for s in slots], update_state=update_state)

    def push(self, request: Request) -> None:
        slot = self._downloader_interface.get_slot_key(request)
        if slot not in self.pqueues:
            insort(self._slots, slot)
        super().push(request)

    def pop(self) -> Request | None:
        slot = self._pick(update_state=True)
        if slot is None:
            return None
        queue = self.pqueues[slot]
        request = queue.pop()
        if len(queue) == 0:
            del self.pqueues[slot]
            self._slots.pop(bisect_right(self._slots, slot) - 1)
            queue.close()
            if self.key:
                self._reclaim(slot)
        return request

    def _reclaim(self, slot: str) -> None:
        """Remove an emptied slot's directory, as Scrapy's pop does (a JOBDIR crawl)."""
        with suppress(OSError):
            Path(self.key, _path_safe(slot)).rmdir()

    def peek(self) -> Request | None:
        slot = self._pick(update_state=False)
        return None if slot is None else self.pqueues[slot].peek()

    def close(self) -> dict[str, list[int]]:
        self._slots.clear()
        return super().close()
