"""The scheduler's slot queue (crawler/slotqueue.py) hands out requests in exactly the order of Scrapy's
DownloaderAwarePriorityQueue, whatever the downloader is busy with."""

from __future__ import annotations

import random

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.core.engine import ExecutionEngine
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.test import get_crawler

from crawler.slotqueue import SlotAwarePriorityQueue


def _crawler():
    crawler = get_crawler(Spider, {"SCHEDULER_PRIORITY_QUEUE": "crawler.slotqueue.SlotAwarePriorityQueue"})
    crawler.spider = crawler._create_spider("q")
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    return crawler


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_order_as_scrapys_queue_under_changing_downloader_activity(seed):
    rng = random.Random(seed)
    crawlers = [_crawler(), _crawler()]
    queues = [DownloaderAwarePriorityQueue.from_crawler(crawlers[0], FifoMemoryQueue, ""),
              SlotAwarePriorityQueue.from_crawler(crawlers[1], FifoMemoryQueue, "")]
    hosts = [f"h{i:03d}.example" for i in range(60)]
    popped: list[list[str | None]] = [[], []]
    for step in range(3000):
        action = rng.random()
        if action < 0.5:
            host = rng.choice(hosts)
            url = f"http://{host}/{step}"
            prio = rng.choice([0, 0, 1, -1])
            for q in queues:
                q.push(Request(url, priority=prio))
        elif action < 0.85:
            got = [q.pop() for q in queues]
            for out, r in zip(popped, got):
                out.append(r.url if r else None)
        else:  # the downloader starts or finishes a download on some host, in both crawls alike
            host = rng.choice(hosts)
            busy = rng.random() < 0.6
            for c in crawlers:
                slots = c.engine.downloader.slots
                slot = slots.setdefault(host, Slot(2, 0, jitter=0))
                if busy:
                    slot.active.add(Request(f"http://{host}/active/{step}"))
                elif slot.active:
                    slot.active.pop()
        assert queues[0].peek().url == queues[1].peek().url if len(queues[0]) else len(queues[1]) == 0
    assert popped[0] == popped[1]
    assert sum(u is not None for u in popped[1]) > 500
    assert len(queues[0]) == len(queues[1])


def test_emptied_slots_leave_the_sorted_slot_list():
    queue = SlotAwarePriorityQueue.from_crawler(_crawler(), FifoMemoryQueue, "")
    for host in ["b.example", "a.example", "c.example", "a.example"]:
        queue.push(Request(f"http://{host}/"))
    assert queue._slots == ["a.example", "b.example", "c.example"]
    urls = [queue.pop().url for _ in range(4)]
    assert sorted(urls) == sorted(["http://a.example/", "http://a.example/", "http://b.example/", "http://c.example/"])
    assert queue._slots == [] and queue.pop() is None and len(queue) == 0
