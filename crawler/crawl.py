"""Running a crawl in-process: settings, the run record, progress on the terminal, a closing summary."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from .fetchlog import outcome_counts
from .registry import load
from .store import Store

log = logging.getLogger(__name__)

@dataclass
class CrawlResult:
    run: int
    status: str
    stats: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: int = 0) -> int:
        return int(self.stats.get(key, default) or 0)


def crawl_settings(db: str, registry: str, *, jobdir: str | None = None, overrides: dict | None = None) -> Settings:
    settings = get_project_settings()
    if not settings.get("BOT_NAME") == "nianbao":  # run outside the project directory
        settings.setmodule("crawler.settings", priority="project")
    settings.set("NIANBAO_DB", db, priority="cmdline")
    settings.set("NIANBAO_REGISTRY", registry, priority="cmdline")
    if jobdir:
        settings.set("JOBDIR", jobdir, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def _progress_table(stats: dict[str, Any], units_total: int, units_seen: int, queued: int | None = None) -> Table:
    t = Table.grid(padding=(0, 2))
    fetched = sum(v for k, v in stats.items() if k.startswith("nianbao/fetch/") and isinstance(v, int))
    errors = sum(v for k, v in stats.items() if k.startswith("nianbao/fetch/") and isinstance(v, int)
                 and not k.endswith(("/ok", "/not_modified")))
    t.add_row("单位", f"{units_seen}/{units_total}", "页面", str(fetched),
              "文档", str(stats.get("nianbao/documents/stored", 0)),
              "未变", str(stats.get("nianbao/documents/unchanged", 0)),
              "待解析", "-" if queued is None else str(queued),
              "错误", f"[red]{errors}[/red]" if errors else "0")
    return t


def raise_open_file_limit() -> tuple[int, int]:
    """Lift the soft limit on open files to the hard one (often 1,024 vs 1,048,576): a crawl holds a
    socket per busy host plus the store's files, and a large night would otherwise fail with EMFILE.
    Returns the (soft, hard) limits now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # some systems cap it below the reported hard limit
            log.warning("could not raise the open-file limit from %d", soft)
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def run_crawl(db: str, registry: str, *, units: list[str] | None = None, year: int | None = None,
              jobdir: str | None = None, progress: bool = True, overrides: dict | None = None,
              console: Console | None = None) -> CrawlResult:
    """Crawl the registry's units into the store; returns the run's id, status and Scrapy stats."""
    from spiders.reports import ReportSpider

    raise_open_file_limit()
    reg = load(registry)
    selected = reg.select(units)
    store = Store(db)
    run = store.start_run(units=len(selected))
    store.close()
    settings = crawl_settings(db, registry, jobdir=jobdir, overrides={**(overrides or {}), "NIANBAO_RUN": run})
    if progress:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    if "LOG_INSTALL_ROOT_HANDLER" in settings:  # Scrapy ≥ 2.13 (the argument is deprecated there)
        settings.set("LOG_INSTALL_ROOT_HANDLER", not progress, priority="cmdline")
        process = CrawlerProcess(settings)
    else:
        process = CrawlerProcess(settings, install_root_handler=not progress)
    crawler = process.create_crawler(ReportSpider)
    process.crawl(crawler, registry=reg, units=units, year=year)

    live = None
    if progress:
        console = console or Console()
        live = Live(_progress_table({}, len(selected), 0), console=console, refresh_per_second=4, transient=True)
        live.start()
        from twisted.internet import task

        watch = Store(db)

        def update() -> None:
            spider = crawler.spider
            seen = len(getattr(spider, "list_pages", {}) or {}) if spider else 0
            try:
                queued = watch.queue_size()
            except Exception:  # a locked moment: show the last figure next time
                queued = None
            live.update(_progress_table(crawler.stats.get_stats(), len(selected), seen, queued))

        loop = task.LoopingCall(update)
        loop.start(0.5)
    try:
        process.start()
    finally:
        if live:
            live.stop()
            watch.close()
        logging.getLogger("scrapy").handlers.clear()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason", "unknown")
    status = "finished" if reason == "finished" else f"stopped: {reason}"
    store = Store(db)
    store.finish_run(run, status, {k: v for k, v in stats.items() if isinstance(v, (int, float, str))})
    store.close()
    return CrawlResult(run=run, status=status, stats=stats)


def summary_lines(result: CrawlResult, db: str) -> list[str]:
    """The closing summary a person reads after a crawl."""
    store = Store(db)
    fetch_rows = [{"outcome": k, "n": v} for k, v in outcome_counts(store.db.conn, result.run).items()]
    reports = list(store.db.query(
        "SELECT status, count(*) AS n FROM reports GROUP BY status ORDER BY n DESC"))
    waiting = store.queue_size()
    store.close()
    lines = [f"抓取 #{result.run}：{result.status}"]
    lines.append("请求结果：" + "，".join(f"{r['outcome']} {r['n']}" for r in fetch_rows) if fetch_rows else "请求结果：无")
    lines.append(f"本次新存文档 {result.get('nianbao/documents/stored')} 份，未变 {result.get('nianbao/documents/unchanged')} 份")
    if waiting:
        lines.append(f"尚有 {waiting} 份文档待解析：nianbao ingest --db {db}")
    lines.append("库中报告：" + "，".join(f"{r['status']} {r['n']}" for r in reports) if reports else "库中报告：无")
    return lines
