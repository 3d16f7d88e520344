"""Scrapy settings: polite defaults, stated plainly. Secrets and paths come from the environment."""

from __future__ import annotations

import os
import shutil

BOT_NAME = "nianbao"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Politeness: obey robots.txt (a registry unit may override, logged), two requests per site at a
# time, AutoThrottle adapting to slow servers.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
USER_AGENT = "Mozilla/5.0 (compatible; nianbao/0.1; annual-report monitor)"

# Resilience: government servers are slow (10–30 s) and flaky; retry with Scrapy's backoff.
DOWNLOAD_TIMEOUT = 45
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024  # a report never needs more; a runaway download is cut
DOWNLOAD_WARNSIZE = 30 * 1024 * 1024
COOKIES_ENABLED = True
DNS_TIMEOUT = 20

# How far a unit's lists are followed (a pagination trap stops earlier: a page with nothing new).
NIANBAO_MAX_LIST_PAGES = int(os.environ.get("NIANBAO_MAX_LIST_PAGES", "50"))
NIANBAO_DB = os.environ.get("NIANBAO_DB", "nianbao.db")
NIANBAO_REGISTRY = os.environ.get("NIANBAO_REGISTRY")

ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# How far each unit's 年报 column was read (the evidence a "missing" verdict needs): near the engine,
# so it counts the list requests every other spider middleware let through.
SPIDER_MIDDLEWARES = {"spiders.coverage.ColumnCoverageMiddleware": 10}
# The pipeline only stores raw bytes and queues them; the parse stage runs beside the crawl
# ("process"), in the crawl's process after it ("inline"), or not at all ("off": nianbao ingest).
# seconds an idle keep-alive connection is kept (Twisted's 240 s would hold a socket per host met)
NIANBAO_IDLE_CONNECTION_SECONDS = float(os.environ.get("NIANBAO_IDLE_CONNECTION_SECONDS", "20"))
NIANBAO_PARSE = os.environ.get("NIANBAO_PARSE", "process")
# Units' 年报 columns being read at once: the next unit starts when one ends (crawler/startpace.py). A
# national registry queued at once held every unit's request and spread the crawl so thin over ~16,000
# sites that each page needed a new connection; 0: the whole registry at once.
NIANBAO_START_WINDOW = int(os.environ.get("NIANBAO_START_WINDOW") or 512)
# The parse stage, named as Scrapy names its components: the process is started as ``python -m`` this
# module, and "inline" calls its ``drain(db, registry)`` (the crawl plumbing does not import the layer above it).
NIANBAO_PARSE_STAGE = "crawler.parsestage"
# Its worker processes (page metadata, parsing, rules), one unit's documents always in the same one;
# unset: cores − 1, at least 1; 0: all in the stage's own process (which is the only writer either way).
NIANBAO_PARSE_WORKERS = os.environ.get("NIANBAO_PARSE_WORKERS") or None
# The stage's CPU priority below the crawl's (nice increment; its workers inherit it). On a machine
# the crawl shares with other busy processes, 10 also puts the stage behind all of them.
NIANBAO_PARSE_NICE = int(os.environ.get("NIANBAO_PARSE_NICE") or 10)
# Runs whose fetch log is kept (per-unit nightly summaries and the rows of failures, list pages and new
# documents); older ones are pruned after each crawl, except each unit's latest night with a success.
NIANBAO_FETCH_KEEP_RUNS = int(os.environ.get("NIANBAO_FETCH_KEEP_RUNS") or 90)
# A callback yields a handful of items and requests; Scrapy's default (100) starts 100 asyncio tasks
# for every response's output, which costs more than handling the output itself.
CONCURRENT_ITEMS = 8
# Scrapy's check that a generator callback returns no value reads and parses each callback's
# source the first time it runs: a development lint, not worth its time in every crawl.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.ConditionalGetMiddleware": 560,
    "crawler.middlewares.EncodingMiddleware": 580,
    "crawler.middlewares.RedirectLoopMiddleware": 610,  # sees a 3xx before RedirectMiddleware (600)
    # sees answers right after the cookie jar (700) took their cookies, before any redirect handling
    "crawler.challenges.ChallengeMiddleware": 620,
}
# A challenge (412/521 script, cookie shell, cookie redirect) is passed once per host in Chromium and its
# cookies serve plain HTTP; when it comes back (cookie expired) it is passed again, at most this many
# times per host and crawl; a host whose challenge cannot be passed is "blocked", never "missing".
NIANBAO_CHALLENGE_SOLVES_PER_HOST = int(os.environ.get("NIANBAO_CHALLENGE_SOLVES_PER_HOST", "3"))
NIANBAO_CHALLENGE_TIMEOUT = float(os.environ.get("NIANBAO_CHALLENGE_TIMEOUT", "30"))

# A browser only for the pages that need one (registry `render: browser`, a JavaScript challenge, a
# list built by scripts). Debian's chromium by path; Playwright's own download where present.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.LazyPlaywrightDownloadHandler",
    "https": "crawler.handlers.LazyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
_chromium = os.environ.get("NIANBAO_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    **({"executable_path": _chromium} if _chromium else {}),
}
PLAYWRIGHT_MAX_CONTEXTS = 2
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 45_000
PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER = True

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("NIANBAO_LOG_LEVEL", "INFO")
DUPEFILTER_CLASS = "crawler.dupefilter.ResumableDupeFilter"
SCHEDULER_DISK_QUEUE = "crawler.queues.SafeLifoDiskQueue"
# Scrapy's downloader-aware queue walked every waiting site per request (a national night: ~16,000);
# this one makes the same choice in O(busy sites) (crawler/slotqueue.py)
SCHEDULER_PRIORITY_QUEUE = "crawler.slotqueue.SlotAwarePriorityQueue"
