"""Crawl benchmark: prints figures, asserts nothing.

    /work/venv/bin/python bench/crawl.py [--sites 3000] [--quick]
        [--compare-sites 300] [--rounds 3] [--skip-compare] [--skip-night] [--skip-second-night]
        [--full-world] [--profile] [--real-pages-per-unit 15] [--keep DIR]
        [--national [--national-units 4000 40000]]

1. nianbao against a bare Scrapy spider on the same URLs, the same local server, the same run. A demo
   web of ``--compare-sites`` generated TRS sites (plain HTTP, HTML only: no slow, failing, browser or
   LibreOffice-rendered sites) is crawled once by ``nianbao crawl`` (a warm-up that also records
   which URLs it fetches, from the server's request log), then ``--rounds`` times alternating
   nianbao (fresh DB) and a bare ``scrapy.Spider`` (defined below) that requests exactly those URLs
   in the same order with a no-op ``parse``. Both are child processes with the same politeness and
   resilience settings, read from ``crawler/settings.py``, and the same overrides
   (``DOWNLOAD_DELAY=0``, ``AUTOTHROTTLE_START_DELAY=0``); the bare one keeps Scrapy's default HTTP
   download handler. pages/s = responses the server answered ÷ Scrapy's ``elapsed_time_seconds``
   (spider open → close: the crawl, whose pipeline keeps raw bytes and queues them; interpreter
   start-up is not included); wall-clock figures are printed beside — they include the parse stage,
   which reads, parses, checks and stores the queued documents in its own process beside the crawl
   and which the crawl process waits for at the end (``--parse off`` leaves it out). The goal is
   nianbao ≥ 0.8× the bare spider.
2. A simulated large night: ``build_world(scale=N)`` (N = ``--sites``, 3000 by default, 200 with
   ``--quick``) served locally, its generated units' registry crawled by ``nianbao crawl`` in a
   child process; wall time, pages, documents, reports, peak memory of the crawl's process tree,
   the database's size by table, and an extrapolation to ~2,850 counties and ~38,000 townships.
   Then the same world is crawled a second time, nothing changed: what that night adds to the
   database, by table (``--skip-second-night`` leaves it out).
3. ``--national`` (bench/national.py): the national night at ``--national-units`` sizes (4,000 and
   40,000 units), half of each world's sites stored by a generated previous night; wall time, CPU per
   unit of the whole process tree, peak memory, database growth per night and by table, and how each
   grows from the small registry to the large one. Parts 1 and 2 run too only when their sizes are
   given (``--compare-sites``, ``--sites``).
4. (bench/challenge_rate.py) a host behind a cookie challenge, after its one browser solve, against an
   open host alike: pages/s from the server's log; the goal is ≥ 0.8× (``--skip-challenge`` leaves it out).

Everything goes to a temporary directory (``--keep DIR`` to keep the DBs and logs there instead).
Both crawls hit loopback addresses served by this process (aiohttp in a thread), on this machine's
cores: the server competes with the crawlers for CPU, which the figures say.

``python bench/crawl.py _bare URLS.json STATS.json OVERRIDES.json`` is the bare spider's child mode.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import national  # noqa: E402 - bench/national.py, beside this file (part 3)
import night as night_part  # noqa: E402 - bench/night.py (part 2)

PY = sys.executable
# The delay overrides both crawls get, so the figures measure per-page overhead, not politeness.
OVERRIDES = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_START_DELAY": "0"}
# Settings the bare spider copies from crawler/settings.py (politeness, resilience, reactor, logging).
SHARED_KEYS = (
    "ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY", "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "USER_AGENT", "DOWNLOAD_TIMEOUT", "RETRY_ENABLED", "RETRY_TIMES", "RETRY_HTTP_CODES", "REDIRECT_MAX_TIMES",
    "DOWNLOAD_MAXSIZE", "DOWNLOAD_WARNSIZE", "COOKIES_ENABLED", "DNS_TIMEOUT", "TWISTED_REACTOR",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION", "LOG_LEVEL",
)
NATIONAL_COUNTIES = 2_850
NATIONAL_TOWNSHIPS = 38_000


# ==================================================================== the bare spider (child mode)

def bare_child(urls_path: str, stats_path: str, overrides_path: str) -> int:
    """A bare Scrapy spider: exactly the given requests, a no-op parse, nianbao's politeness settings."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    import crawler.settings as project

    settings: dict[str, Any] = {key: getattr(project, key) for key in SHARED_KEYS}
    settings.update(json.loads(Path(overrides_path).read_text()))
    requests = json.loads(Path(urls_path).read_text())

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):  # Scrapy ≥ 2.13
            for request in self.start_requests():
                yield request

        def start_requests(self):
            for r in requests:
                yield scrapy.Request(r["url"], method=r.get("method", "GET"), body=r.get("body"),
                                     dont_filter=True, callback=self.parse)

        def parse(self, response):
            return None

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    Path(stats_path).write_text(json.dumps(stats, default=str))
    return 0 if stats.get("finish_reason") == "finished" else 3


# ==================================================================== child processes, measured

@dataclass
class ChildRun:
    rc: int
    wall: float            # process start → exit
    maxrss_kb: int         # the largest peak RSS (VmHWM) of any process of the child's tree
    tree_peak_kb: int      # sampled peak of the sum of RSS over the child's whole process tree
    cpu: float             # user + system seconds of the child and its waited-for descendants
    server_cpu: float      # CPU seconds this process (the demo web's thread) used meanwhile
    log: Path
    cpu_by_role: dict[str, float] = field(default_factory=dict)  # sampled: crawl, parse stage, parse workers


def _role(cmdline: str) -> str:
    if "crawler.parsestage" in cmdline:
        return "parse stage"
    if "multiprocessing" in cmdline:
        return "parse workers"
    return "crawl" if "app.cli" in cmdline or "_bare" in cmdline else "other"


def _tree_rss_kb(pid: int, hwm: dict[int, int], cpu: dict[int, tuple[str, float]] | None = None) -> int:
    """The summed RSS of ``pid`` and its descendants now; updates ``hwm`` (pid → VmHWM, KB).

    VmHWM is the high-water mark of a process's own address space since its exec. (The kernel's
    ru_maxrss of a child is not used: it starts at the RSS of the parent it was forked from — here the
    benchmark with its whole demo world — so it overstates a crawl's peak.)"""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm[p] = max(hwm.get(p, 0), int(line.split()[1]))
                    elif line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            if cpu is not None:  # the process's own user + system time so far (its role kept from the first look)
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                role = cpu[p][0] if p in cpu else _role(open(f"/proc/{p}/cmdline").read().replace("\0", " "))
                cpu[p] = (role, (int(fields[11]) + int(fields[12])) / _HZ)
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    stack.extend(int(x) for x in f.read().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


_HZ = os.sysconf("SC_CLK_TCK")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _self_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def run_child(cmd: list[str], *, cwd: Path, log: Path) -> ChildRun:
    """Run ``cmd``; wait4 gives the child's own CPU time without mixing earlier children; a sampler
    thread follows the memory of its process tree."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    peak = [0]
    hwm: dict[int, int] = {}
    cpu: dict[int, tuple[str, float]] = {}
    done = threading.Event()
    cpu0 = _self_cpu()
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

        def sample() -> None:
            while not done.wait(0.1 if time.perf_counter() - t0 < 5 else 0.25):
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid, hwm, cpu))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    by_role: dict[str, float] = {}
    for role, seconds in cpu.values():
        by_role[role] = by_role.get(role, 0.0) + seconds
    return ChildRun(rc=proc.returncode, wall=wall, maxrss_kb=max(hwm.values(), default=0), tree_peak_kb=peak[0],
                    cpu=ru.ru_utime + ru.ru_stime, server_cpu=_self_cpu() - cpu0, log=log, cpu_by_role=by_role)


PARSE = "process"  # NIANBAO_PARSE for nianbao's crawls (--parse)


def nianbao_cmd(registry: Path, db: Path, *, profile: Path | None = None) -> list[str]:
    head = [PY, "-m", "cProfile", "-o", str(profile)] if profile else [PY]
    sets = [a for k, v in {**OVERRIDES, "NIANBAO_PARSE": PARSE}.items() for a in ("-s", f"{k}={v}")]
    return [*head, "-m", "app.cli", "crawl", "--registry", str(registry), "--db", str(db), "--quiet", *sets]


# ==================================================================== what a crawl did

@dataclass
class Crawl:
    who: str
    run: ChildRun
    pages: int                      # requests the server answered during the run (robots.txt included)
    engine: float                   # Scrapy's elapsed_time_seconds
    span: float                     # server side: first request arrival → last answer ready
    requests: list                  # the server's RequestRecords
    stats: dict[str, Any] = field(default_factory=dict)
    db: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.pages / self.engine if self.engine else 0.0

    @property
    def wall_rate(self) -> float:
        return self.pages / self.run.wall if self.run.wall else 0.0


def _span(records: list) -> float:
    if not records:
        return 0.0
    return max(r.time + r.duration for r in records) - min(r.time for r in records)


def db_figures(db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    try:
        one = lambda sql: conn.execute(sql).fetchone()[0]
        run = conn.execute("SELECT units, stats, status FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return {
            "units": run[0], "status": run[2], "stats": json.loads(run[1] or "{}"),
            "documents": one("SELECT count(*) FROM documents"),
            "reports": dict(conn.execute("SELECT status, count(*) FROM reports GROUP BY status").fetchall()),
            "report_keys": set(conn.execute("SELECT unit_code, year FROM reports WHERE year IS NOT NULL").fetchall()),
            "fetches": dict(conn.execute("SELECT outcome, count(*) FROM fetches GROUP BY outcome").fetchall()),
            "queue": one("SELECT count(*) FROM queue"),
            "size": sum(p.stat().st_size for p in db.parent.glob(db.name + "*")),
        }
    finally:
        conn.close()


def crawl_nianbao(web, registry: Path, work: Path, tag: str, *, profile: Path | None = None) -> Crawl:
    db = work / f"{tag}.db"
    for p in work.glob(f"{tag}.db*"):
        p.unlink()
    web.clear_requests()
    run = run_child(nianbao_cmd(registry, db, profile=profile), cwd=ROOT, log=work / f"{tag}.log")
    records = list(web.requests)
    figures = db_figures(db) if db.exists() else {"stats": {}}
    stats = figures.get("stats", {})
    return Crawl("nianbao", run, len(records), float(stats.get("elapsed_time_seconds") or run.wall),
                 _span(records), records, stats, figures)


def crawl_bare(web, urls: list[dict], work: Path, tag: str) -> Crawl:
    urls_path, stats_path, over_path = work / f"{tag}.urls.json", work / f"{tag}.stats.json", work / "overrides.json"
    urls_path.write_text(json.dumps(urls))
    over_path.write_text(json.dumps(OVERRIDES))
    stats_path.unlink(missing_ok=True)
    web.clear_requests()
    cmd = [PY, str(Path(__file__).resolve()), "_bare", str(urls_path), str(stats_path), str(over_path)]
    run = run_child(cmd, cwd=work, log=work / f"{tag}.log")
    records = list(web.requests)
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return Crawl("bare", run, len(records), float(stats.get("elapsed_time_seconds") or run.wall),
                 _span(records), records, stats)


# ==================================================================== worlds and registries

def write_registry(web, path: Path, *, generated_only: bool) -> tuple[int, int, set[str]]:
    """The served world's registry (only its generated plain-HTTP sites' units unless told otherwise);
    returns (units, sites, unit codes)."""
    world = web.world
    keep = {u.code for u in world.units.values()
            if not generated_only or world.sites[u.registry_site or u.site].scale}
    path.write_text(web.registry_yaml(only=lambda u: u.code in keep), encoding="utf-8")
    sites = {world.units[c].registry_site or world.units[c].site for c in keep}
    return len(keep), len(sites), keep


def start_web(scale: int, *, prerender: bool = False, keepalive_timeout: float = 75.0):
    from demo.sites import build_world
    from demo.web import DemoWeb

    t0 = time.perf_counter()
    world = build_world(scale=scale)
    web = DemoWeb(world, prerender=prerender, keepalive_timeout=keepalive_timeout).start()
    return web, time.perf_counter() - t0


def raise_nofile() -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)


# ==================================================================== printing

def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def dur(s: float) -> str:
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def filesystem(path: Path) -> str:
    """The type of the filesystem holding ``path`` (SQLite's fsync costs differ: ext4 vs tmpfs)."""
    best, kind = "", "?"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


def header(args, nofile) -> None:
    import scrapy
    import twisted

    import crawler.settings as project

    print("nianbao crawl benchmark — figures only, nothing asserted")
    print(f"machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} cores (os.cpu_count) · "
          f"{platform.system()} {platform.release()}")
    print(f"Python {platform.python_version()} · Scrapy {scrapy.__version__} · Twisted {twisted.__version__} · "
          f"RLIMIT_NOFILE {nofile[0]}/{nofile[1]} · load average at start {_load()}")
    print("network: loopback only — the demo web (aiohttp, one thread of this process) answers on 127.x "
          "addresses, sharing the cores with the crawl; no real latency")
    shared = {k: getattr(project, k) for k in SHARED_KEYS if k not in ("USER_AGENT", "RETRY_HTTP_CODES")}
    print("settings (crawler/settings.py, used by both crawls): " + ", ".join(f"{k}={v}" for k, v in shared.items()))
    print("overrides for both crawls: " + " ".join(f"-s {k}={v}" for k, v in OVERRIDES.items()))
    print("nianbao's own: DOWNLOAD_HANDLERS=scrapy-playwright started lazily (plain requests go through Scrapy's "
          f"HTTP/1.1 handler), its {len(project.DOWNLOADER_MIDDLEWARES)} downloader middlewares, StorePipeline (raw "
          "bytes + source + parse queue in SQLite), ResumableDupeFilter; no JOBDIR; units started "
          f"{project.NIANBAO_START_WINDOW} column readings at a time (NIANBAO_START_WINDOW)")
    print(f"nianbao's parse stage: NIANBAO_PARSE={PARSE} — " + {
        "process": "a child process beside the crawl (nice 10) reads page metadata, parses, checks and stores "
                   "from the queue; the crawl process waits for it after the spider closed, so engine time is the "
                   "crawl's and wall time includes the parse",
        "inline": "the queue is emptied in the crawl's process after the spider closed (wall time includes it)",
        "off": "the queue is left for `nianbao ingest`: the crawl alone, nothing parsed"}.get(PARSE, "?"))


# ==================================================================== 1. nianbao vs bare Scrapy

def compare(args, work: Path) -> dict[str, Any]:
    print(f"== 1. nianbao vs a bare Scrapy spider: {args.compare_sites} generated TRS sites, the same URLs ==")
    web, took = start_web(args.compare_sites)
    try:
        registry = work / "compare-registry.yaml"
        units, sites, _ = write_registry(web, registry, generated_only=True)
        print(f"demo web: {len(web.world.sites)} sites up in {took:.1f} s; registry: {units} units on {sites} sites "
              "(generated TRS sites only; the hand-made slow/failing/browser/PDF sites are not crawled)")
        warm = crawl_nianbao(web, registry, work, "compare-warmup")
        if warm.run.rc != 0:
            print(f"nianbao warm-up crawl exited {warm.run.rc}; see {warm.run.log}")
        urls = [{"url": web.url(r.site, r.path_qs), "method": r.method} for r in warm.requests
                if r.path_qs != "/robots.txt"]
        methods = {u["method"] for u in urls}
        print(f"warm-up nianbao crawl (untimed, records the URLs): {warm.pages} requests, "
              f"{warm.pages - len(urls)} of them robots.txt, methods {sorted(methods)}, "
              f"engine {warm.engine:.1f} s; the bare spider gets the other {len(urls)} in the same order "
              "and fetches robots.txt itself")
        if methods - {"GET"}:
            print("  note: non-GET requests are replayed with their method but without a body (the log keeps none)")
        expected = {(r.method, r.site, r.path_qs) for r in warm.requests}
        rows: list[tuple[Crawl, Crawl]] = []
        print()
        print("engine = Scrapy's elapsed_time_seconds (spider open → close); wall = the child process; span = the "
              "server's first request → last answer; CPU = the child's user+sys; srv CPU = the demo web's (this "
              "process) meanwhile; peak RSS = the largest VmHWM in the child's process tree")
        print(f"{'round':>5} {'crawler':8} {'pages':>6} {'engine':>8} {'pages/s':>8} {'wall':>7} {'pages/s':>8} "
              f"{'span':>7} {'CPU':>6} {'srv CPU':>7} {'peak RSS':>9}  same URLs")
        for i in range(1, args.rounds + 1):
            a = crawl_nianbao(web, registry, work, f"compare-nianbao-{i}")
            b = crawl_bare(web, urls, work, f"compare-bare-{i}")
            rows.append((a, b))
            for c in (a, b):
                same = {(r.method, r.site, r.path_qs) for r in c.requests} == expected
                flag = "" if c.run.rc == 0 else f"  exit {c.run.rc}, see {c.run.log}"
                print(f"{i:>5} {c.who:8} {c.pages:>6} {c.engine:>7.2f}s {c.rate:>8.1f} {c.run.wall:>6.2f}s "
                      f"{c.wall_rate:>8.1f} {c.span:>6.2f}s {c.run.cpu:>5.1f}s {c.run.server_cpu:>6.1f}s "
                      f"{mb(c.run.maxrss_kb):>9}  {'yes' if same else 'NO'}{flag}")
        ratios = [a.rate / b.rate for a, b in rows if b.rate]
        wall_ratios = [a.wall_rate / b.wall_rate for a, b in rows if b.wall_rate]
        print()
        print(f"nianbao / bare pages/s (engine time): median {statistics.median(ratios):.2f}× "
              f"(min {min(ratios):.2f}×, max {max(ratios):.2f}×) over {len(ratios)} pairs — goal ≥ 0.80×")
        print(f"nianbao / bare pages/s (process wall time, start-up included): median "
              f"{statistics.median(wall_ratios):.2f}× (min {min(wall_ratios):.2f}×, max {max(wall_ratios):.2f}×)")
        cpu_a = statistics.median(a.run.cpu / a.pages for a, _ in rows) * 1000
        cpu_b = statistics.median(b.run.cpu / b.pages for _, b in rows) * 1000
        srv = statistics.median(b.run.server_cpu / b.engine for _, b in rows) if rows else 0
        print(f"crawler CPU per page (process incl. start-up): nianbao {cpu_a:.1f} ms, bare {cpu_b:.1f} ms; "
              f"the server used {srv:.0%} of a core during the bare runs"
              + (" — near one core, so the bare figure is server-bound and the ratio flatters nianbao" if srv > 0.8 else ""))
        a0 = rows[-1][0]
        print(f"nianbao stored {a0.db.get('documents')} documents, reports {a0.db.get('reports')}, "
              f"fetches {a0.db.get('fetches')} (last round)")
        stage = [float(a.stats.get("nianbao/parse_stage_seconds") or 0) for a, _ in rows]
        if any(stage):
            docs = a0.db.get("documents") or 0
            after = statistics.median(max(0.0, a.run.wall - a.engine) for a, _ in rows)
            print(f"parse stage (its own process, beside the crawl): alive {statistics.median(stage):.1f} s median; "
                  f"the crawl process waited ≈ {after:.1f} s after the spider closed for it to empty the queue "
                  f"(start-up included) — {docs / max(statistics.median(stage), 1e-9):.0f} documents/s parsed, "
                  "checked and stored; end-to-end (wall) ratio above")
        print()
        return {"units": units, "maxrss_kb": statistics.median(a.run.maxrss_kb for a, _ in rows),
                "ratio": statistics.median(ratios), "engine": statistics.median(a.engine for a, _ in rows)}
    finally:
        web.stop()


# ==================================================================== main

def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_bare"]:
        return bare_child(*argv[1:4])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=None, help="generated sites in the night (default 3000; 200 with --quick)")
    ap.add_argument("--quick", action="store_true", help="small worlds (100 + 200 sites): a smoke run of 2–4 minutes")
    ap.add_argument("--compare-sites", type=int, default=None, help="generated sites for part 1 (300; 100 with --quick)")
    ap.add_argument("--rounds", type=int, default=3, help="nianbao/bare pairs in part 1")
    ap.add_argument("--skip-compare", action="store_true", help="only the night")
    ap.add_argument("--skip-night", action="store_true", help="only the comparison")
    ap.add_argument("--skip-second-night", action="store_true",
                    help="part 2 without its second, unchanged night (what a night that finds nothing adds)")
    ap.add_argument("--national", action="store_true",
                    help="part 3: the national night at --national-units sizes, half of each stored by a generated "
                         "previous night (the other parts are skipped unless asked for with --sites/--compare-sites)")
    ap.add_argument("--national-units", type=int, nargs="+", default=[4000, 40000],
                    help="registry sizes for part 3 (default 4000 40000)")
    ap.add_argument("--skip-challenge", action="store_true", help="no challenged-host figure (part 4)")
    ap.add_argument("--challenge-units", type=int, default=30, help="units per host in part 4 (default 30)")
    ap.add_argument("--full-world", action="store_true",
                    help="the night also crawls the 12 hand-made sites (slow, failing, Chromium, PDFs/DOCs)")
    ap.add_argument("--profile", action="store_true", help="run the night under cProfile and print the top functions")
    ap.add_argument("--real-pages-per-unit", type=int, default=15,
                    help="assumed requests per real unit for the extrapolation (default 15)")
    ap.add_argument("--parse", choices=("process", "inline", "off"), default="process",
                    help="NIANBAO_PARSE for nianbao's crawls (default process: the parse stage beside the crawl; "
                         "off: the crawl alone)")
    ap.add_argument("--keep", metavar="DIR", help="keep DBs, registries and logs in DIR (default: a temp dir, removed)")
    args = ap.parse_args(argv)
    explicit_compare, explicit_night = args.compare_sites is not None, args.sites is not None
    args.sites = args.sites or (200 if args.quick else 3000)
    args.compare_sites = args.compare_sites or (100 if args.quick else 300)
    global PARSE
    PARSE = args.parse

    sys.stdout.reconfigure(line_buffering=True)
    nofile = raise_nofile()
    header(args, nofile)
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work dir (DBs, registries, logs): {work} on {filesystem(work)}"
          f"{'' if args.keep else ', removed at the end'}; SQLite as nianbao's Store opens it")
    print()
    t0 = time.perf_counter()
    try:
        if args.national:
            national.run(sys.modules[__name__], args, work)
        small = None if args.skip_compare or (args.national and not explicit_compare) else compare(args, work)
        if not args.skip_night and not (args.national and not explicit_night):
            night_part.run(sys.modules[__name__], args, work, small)
        if not args.skip_challenge:
            from challenge_rate import challenge_figure  # bench/challenge_rate.py

            challenge_figure(args, work, crawl_nianbao)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nbenchmark took {dur(time.perf_counter() - t0)}; load average now {_load()} (other work on the machine "
          "would have shared the cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
