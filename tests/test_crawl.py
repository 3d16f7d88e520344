"""End to end: `nianbao crawl` against the local demo government web, into a fresh SQLite file.

The demo web (demo/web.py) serves portals of every shape — TRS, a GBK xxgk table without charset,
Hanweb with POST paging, VSB with Referer-guarded attachments, a JSON API, query-string paging —
plus a 412 JavaScript challenge and a script-built list (both need real Chromium), a pagination trap,
a slow and a failing server, a redirect to a consolidated domain. Its ground truth says which reports
a correct crawl finds. Crawls run as child processes, as in production.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo.sites import build_world
from demo.web import DemoWeb

from .conftest import ROOT

CRAWL_SETTINGS = ["-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_DELAY=0", "-s", "DOWNLOAD_TIMEOUT=20",
                  "-s", "RETRY_TIMES=1"]


def crawl_cmd(registry: Path, db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "--registry", str(registry), "--db", str(db), "--quiet",
            *CRAWL_SETTINGS, *extra]


def run_crawl(registry: Path, db: Path, *extra: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(crawl_cmd(registry, db, *extra), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def rows(db: Path, sql: str, args=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def content(db: Path) -> dict[str, list]:
    """What a crawl stored, without its bookkeeping (fetch log, run times, parse times)."""
    return {
        "documents": sorted(rows(db, "SELECT sha256, size FROM documents")),
        "reports": sorted(rows(db, "SELECT id, document, unit_code, unit, year, format, status, published, digest FROM reports")),
        "cells": sorted(rows(db, "SELECT report, key, value, raw FROM cells")),
        "rule_results": sorted(rows(db, "SELECT report, rule, scope, status, message FROM rule_results")),
        "sources": sorted(rows(db, "SELECT url, unit_code, sha256 FROM sources")),
    }


def differences(a: dict[str, list], b: dict[str, list]) -> dict[str, tuple[list, list]]:
    """Per table, the rows only in ``a`` and only in ``b`` (a few of each), for a readable failure."""
    out = {}
    for table in a:
        only_a, only_b = sorted(set(a[table]) - set(b[table])), sorted(set(b[table]) - set(a[table]))
        if only_a or only_b:
            out[table] = (only_a[:4], only_b[:4])
    return out


@pytest.fixture(scope="module")
def web():
    w = DemoWeb(build_world(), slow_seconds=3).start()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def registry(web, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crawl") / "registry.yaml"
    path.write_text(web.registry_yaml(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def first(web, registry, tmp_path_factory):
    """One full crawl of the demo web into a fresh database."""
    db = tmp_path_factory.mktemp("first") / "nianbao.db"
    start = len(web.requests)
    proc = run_crawl(registry, db)
    return {"db": db, "output": proc.stdout, "requests": list(web.requests[start:])}


def found(db: Path) -> dict[tuple[str, int], list[tuple]]:
    out: dict[tuple[str, int], list[tuple]] = {}
    for unit, year, status, source, fmt, published in rows(
            db, "SELECT unit_code, year, status, source, format, published FROM reports WHERE status != 'failed'"):
        out.setdefault((unit, year), []).append((status, source, fmt, published))
    return out


def reports_for(db: Path, exp) -> list[tuple]:
    """The stored reports of an expected one: by unit and year, from its page, attachments or copies."""
    urls = [exp.page_url, *exp.attachments, *exp.duplicates]
    return rows(db, f"SELECT DISTINCT r.id, r.status, r.format, r.published, s.url FROM reports r "
                    f"JOIN sources s ON s.sha256 = r.document WHERE r.unit_code = ? AND r.year = ? "
                    f"AND r.status != 'failed' AND s.url IN ({','.join('?' * len(urls))})",
                [exp.unit_code, exp.year, *urls])


def test_finds_exactly_the_reports_that_are_there(web, first):
    got = found(first["db"])
    expected = {(e.unit_code, e.year): e for e in web.expected() if not e.superseded}
    assert set(got) == set(expected)
    for key, exp in expected.items():
        mine = reports_for(first["db"], exp)
        assert mine, key
        statuses = {st for _, st, _, _, _ in mine}
        if exp.format == "legacy":
            assert statuses == {"legacy"}
        elif exp.inconsistent:
            assert "inconsistent" in statuses, key
        else:
            assert statuses == {"ok"}, (key, statuses)
        assert {f for _, _, f, _, _ in mine} == {exp.format}


def test_reports_have_metadata_cells_and_attachments(web, first):
    db = first["db"]
    for exp in web.expected():
        if exp.superseded or exp.format == "legacy":
            continue
        for url in [exp.page_url, *exp.attachments]:
            assert rows(db, "SELECT 1 FROM sources WHERE url = ?", [url]), f"not fetched: {url}"
        rid, _, _, published, _ = reports_for(db, exp)[0]
        if not exp.duplicates:  # a file published on two pages carries the date of the first one met
            assert published == str(exp.published)[:10], exp
        (n,) = rows(db, "SELECT count(*) FROM cells WHERE report = ?", [rid])[0]
        assert n == (200 if exp.format == "2021" else 198), exp


def test_none_of_the_items_to_drop(web, first):
    db = first["db"]
    for item in web.forbidden():
        stored = rows(db, "SELECT r.unit_code FROM reports r JOIN sources s ON s.sha256 = r.document WHERE s.url = ?",
                      [item.page_url])
        owners = {u for (u,) in stored}
        wrong = owners & set(item.column_units)
        assert not wrong, (item.title, item.reason, owners)


def test_browser_sites_and_gbk_site(web, first):
    db = first["db"]
    browser = rows(db, "SELECT url FROM fetches WHERE browser = 1 AND outcome = 'ok'")
    assert any("127.0.1.7" in u for (u,) in browser), "412 challenge passed through Chromium"
    assert any("bgjd" in u for (u,) in browser), "script-built list rendered by Chromium"
    units = {u for (u,) in rows(db, "SELECT DISTINCT unit_code FROM reports WHERE source LIKE '%127.0.1.2%'")}
    assert units, "GBK site without charset yields reports"
    titles = [t for (t,) in rows(db, "SELECT title FROM reports WHERE source LIKE '%127.0.1.2%'")]
    assert all("政府信息公开" in t for t in titles), titles


def test_fetch_outcomes_recorded(web, first):
    db = first["db"]
    failing = rows(db, "SELECT status, outcome FROM fetches WHERE url LIKE '%127.0.1.9%'")
    assert (503, "http_error") in failing
    # the redirect to the consolidated domain is followed and recorded
    redirected = rows(db, "SELECT url, redirected_from FROM fetches WHERE redirected_from LIKE '%127.0.1.10%'")
    assert redirected and all("127.0.1.11" in u for u, _ in redirected)
    # the pagination trap: a handful of pages, not hundreds
    trap = rows(db, "SELECT count(*) FROM fetches WHERE url LIKE '%cat_id=10203%'")[0][0]
    assert 1 <= trap <= 5
    (running,) = rows(db, "SELECT count(*) FROM runs WHERE status != 'finished'")[0]
    assert running == 0


def test_second_crawl_downloads_and_stores_nothing_new(web, registry, first, tmp_path):
    db = tmp_path / "again.db"
    db.write_bytes(first["db"].read_bytes())
    for suffix in ("-wal", "-shm"):
        extra = Path(str(first["db"]) + suffix)
        if extra.exists():
            Path(str(db) + suffix).write_bytes(extra.read_bytes())
    before = content(db)
    start = len(web.requests)
    run_crawl(registry, db)
    assert differences(content(db), before) == {}
    # the server's own log: every document was asked conditionally and answered 304
    document_urls = {u for (u,) in rows(db, "SELECT url FROM sources")}
    again = [r for r in web.requests[start:] if web.url(r.site, r.path_qs) in document_urls]
    assert again, "documents were re-checked"
    downloaded = [r for r in again if r.status == 200]
    assert downloaded == [], [(r.site, r.path_qs, r.if_none_match) for r in downloaded]
    # and the fetch log of that night: unchanged documents have no row, only their count in the unit's summary
    (run,), = rows(db, "SELECT max(id) FROM runs")
    assert rows(db, "SELECT url FROM fetches WHERE run = ? AND kind IN ('article', 'attachment') "
                    "AND outcome IN ('ok', 'not_modified')", [run]) == []
    pages = {u for (u,) in rows(db, "SELECT url FROM sources WHERE role = 'page'")}
    articles_304 = [r for r in again if r.status == 304 and web.url(r.site, r.path_qs) in pages]
    (counted,), = rows(db, "SELECT sum(articles) FROM fetch_nights WHERE run = ?", [run])
    assert articles_304 and counted >= len(articles_304)


def test_killed_crawl_resumes_to_the_same_database(web, registry, first, tmp_path):
    db = tmp_path / "killed.db"
    job = tmp_path / "job"
    proc = subprocess.Popen(crawl_cmd(registry, db, "--job", str(job)), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    stored = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.3)
        if db.exists():
            try:
                stored = rows(db, "SELECT count(*) FROM documents")[0][0]
            except sqlite3.OperationalError:
                continue
            if stored >= 40:
                break
    assert proc.poll() is None, "the crawl finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 40 <= stored < len(content(first["db"])["documents"])
    run_crawl(registry, db, "--job", str(job))
    diff = differences(content(db), content(first["db"]))
    if diff:
        import pprint
        pprint.pprint(diff, width=200)
    assert diff == {}
    (interrupted,) = rows(db, "SELECT count(*) FROM runs WHERE status = 'running'")[0]
    assert interrupted == 1, "the killed run stays visible as unfinished"


@pytest.mark.parametrize("parse", ["process", "inline"])
def test_scrapy_crawl_runs_the_same_spider(web, registry, tmp_path, parse):
    """`scrapy crawl reports -a registry=…` (scrapy.cfg → crawler.settings) does what `nianbao crawl` does,
    with the parse stage beside the crawl or after it in the same process."""
    db = tmp_path / "scrapy.db"
    unit = "419906000000"  # 永宁县, query-string paging with a trap column
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "reports", "-a", f"registry={registry}",
                           "-a", f"units={unit}", "-s", f"NIANBAO_DB={db}", "-s", "DOWNLOAD_DELAY=0",
                           "-s", f"NIANBAO_PARSE={parse}", "-s", "LOG_LEVEL=WARNING"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {(u, y) for u, y in rows(db, "SELECT unit_code, year FROM reports WHERE status != 'failed'")}
    want = {(e.unit_code, e.year) for e in web.expected() if e.unit_code.startswith(unit[:6]) and not e.superseded}
    assert got == want and got
    assert rows(db, "SELECT count(*) FROM queue") == [(0,)]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]


def test_queue_survives_a_killed_parse_stage_and_ingest_finishes_it(web, registry, first, tmp_path):
    """A crawl with the parse stage off keeps every document raw and queued; a stage killed midway
    leaves the rest queued; `nianbao ingest` ends with what one uninterrupted crawl stores."""
    db = tmp_path / "queued.db"
    run_crawl(registry, db, "-s", "NIANBAO_PARSE=off")
    (queued,), = rows(db, "SELECT count(*) FROM queue")
    assert queued >= len(content(first["db"])["documents"]) and rows(db, "SELECT count(*) FROM reports") == [(0,)]
    stage = subprocess.Popen([sys.executable, "-m", "crawler.parsestage", "--db", str(db), "--registry", str(registry)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and stage.poll() is None:
        try:
            if rows(db, "SELECT count(*) FROM reports")[0][0] >= 10:
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.02)
    assert stage.poll() is None, "the stage finished before it could be killed"
    stage.kill()
    stage.wait()
    (left,), = rows(db, "SELECT count(*) FROM queue")
    assert 0 < left < queued
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "ingest", "--db", str(db), "--registry", str(registry)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert f"队列中 {left} 份文档" in proc.stdout
    assert rows(db, "SELECT count(*) FROM queue") == [(0,)]
    assert differences(content(db), content(first["db"])) == {}
