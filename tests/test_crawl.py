"""End to end: `nianbao crawl` against the local demo government web, into a fresh SQLite file.

The demo web (demo/web.py) serves portals of every shape — TRS, a GBK xxgk table without charset,
Hanweb with POST paging, VSB with Referer-guarded attachments, a JSON API, query-string paging —
plus a 412 JavaScript challenge and a script-built list (both need real Chromium), a pagination trap,
a slow and a failing server, a redirect to a consolidated domain. Its ground truth says which reports
a correct crawl finds. Crawls run as child processes, as in production.
"""

from __future__ import annotations

import json
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
    return [sys.executable, "-m", "app.cli", "crawl", "--registry", str(registry), "--db", str(db), "--quiet",
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
    proc = subprocess.run([sys.executable, "-m", "app.cli", "ingest", "--db", str(db), "--registry", str(registry)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert f"队列中 {left} 份文档" in proc.stdout
    assert rows(db, "SELECT count(*) FROM queue") == [(0,)]
    diff = differences(content(db), content(first["db"]))
    if diff:
        import pprint
        pprint.pprint(diff, width=200)
        print(proc.stdout, proc.stderr[-5000:])
    assert diff == {}


CHALLENGED = {"fengshan": "412", "jiangling": "200 cookie shell", "songzi": "521, two rounds",
              "shishou": "200 cookie shell under /bm/ only"}


def test_each_challenge_is_solved_once_then_the_host_is_plain_http(web, first):
    """One browser solve per challenged host; every page and file of its reports (inline PDFs,
    Referer-guarded attachments) is then fetched without the browser, as the server's own log shows."""
    log = first["requests"]
    for key, what in CHALLENGED.items():
        mine = [r for r in log if r.site == key and r.path_qs != "/favicon.ico"]
        browser = [r for r in mine if r.browser]
        fresh = [r for r in browser if not r.cookie and not r.referer]  # a new context's first navigation
        assert len(fresh) == 1, (key, what, len(fresh))
        assert len(browser) <= 4, (key, what, [(r.path_qs, r.status) for r in browser])
        plain_ok = {web.url(key, r.path_qs) for r in mine if not r.browser and r.status == 200}
        for exp in web.expected():
            if exp.site == key and not exp.superseded:
                for url in [exp.page_url, *exp.attachments]:
                    assert url in plain_ok, (key, what, url)
    # the 302-to-self cookie loop needs a cookie jar, not a browser
    assert not [r for r in log if r.site == "gongan" and r.browser]
    assert rows(first["db"], "SELECT count(*) FROM fetches WHERE url LIKE ? AND outcome != 'ok'",
                [web.url("gongan", "/") + "%"]) == [(0,)]


def test_a_challenge_on_one_portal_leaves_the_other_portal_on_its_host_alone(web, first):
    """Two portals on one host, the bureau's under /bm/ challenged: the county's pages and its
    Referer-guarded attachments never go through the browser, and no other host's do."""
    log = first["requests"]
    shared = [r for r in log if r.site == "shishou" and r.path_qs != "/favicon.ico"]
    assert all(r.path_qs.startswith("/bm/") for r in shared if r.browser)
    county = [r for r in shared if not r.path_qs.startswith("/bm/")]
    files = [r for r in county if r.path_qs.endswith(".docx")]
    assert files and all(r.status == 200 and r.referer and not r.browser for r in files)
    # other hosts use the browser only to render a list page whose rows scripts write (新安区's script-built
    # list, 松岭县's frame, an empty list with scripts): never for an article or a file, as a challenge would
    documents = {url for e in web.expected() for url in (e.page_url, *e.attachments)}
    others = [r for r in log if r.browser and r.site not in CHALLENGED]
    assert not [r for r in others if web.url(r.site, r.path_qs) in documents], others
    assert {r.site for r in others} <= {"xinan", "songling", "huating"}, {r.site for r in others}


# ---------------------------------------------------------------- absence needs evidence
def trap_units(web) -> set[str]:
    return {u for s in web.world.sites.values() for c in s.columns.values() if c.trap for u in c.units}


def test_column_reads_say_how_far_each_column_was_read(web, first):
    db = first["db"]
    reads: dict[str, list[dict]] = {}
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    for r in conn.execute("SELECT * FROM column_reads"):
        reads.setdefault(r["unit_code"], []).append(dict(r))
    conn.close()
    hidden = set(web.column_not_found())
    # every unit whose reports were found read a column to its end that lists reports (its own or one it shares)
    complete = {r["column_url"] for rs in reads.values() for r in rs if r["complete"] and r["report_entries"]}
    for code in {e.unit_code for e in web.expected()} - trap_units(web):
        own = [r for r in reads.get(code, []) if r["role"] == "column"]
        assert own and all(r["complete"] for r in own), (code, own)
        assert any(r["column_url"] in complete or set(json.loads(r["shared"] or "[]")) & complete for r in own), code
    # the portal whose column no page links to, and the township whose registered column lists nothing
    county, town = sorted(hidden)
    assert [(r["role"], r["found"], r["pages"]) for r in reads[county]] == [("discovery", 0, 0)]
    [empty] = reads[town]
    assert (empty["complete"], empty["pages"], empty["entries"], empty["adapter"]) == (1, 1, 0, "trs")
    for code in trap_units(web):  # page 2 repeats page 1: the end of the list was not seen
        assert [(r["complete"], r["cut"], r["pages"]) for r in reads[code]] == [(0, "trap", 2)]
    for code in web.unreachable():
        assert [(r["complete"], r["cut"], r["last_error"]) for r in reads[code]] == [(0, "error", "HTTP 503")]
    browser = {r["unit_code"] for rs in reads.values() for r in rs if r["browser"]}
    assert browser, "the script-built list and the challenged site were read with a browser"
    # the crawl's closing words: where nothing was found, and why
    assert "没有找到年报的单位" in first["output"]
    assert f"华亭县人民政府（{county}）：首页和政府信息公开页上没有找到年报栏目的链接" in first["output"]
    assert f"安口镇人民政府（{town}）：年报栏目页面上没有任何条目" in first["output"]


@pytest.fixture(scope="module")
def checked(web, registry, first, tmp_path_factory):
    """A copy of the first crawl's database, checked as of 2024-06-01 (every 2019–2023 deadline passed),
    and the digests a dry run would send."""
    from click.testing import CliRunner

    from app.cli import main

    db = tmp_path_factory.mktemp("checked") / "nianbao.db"
    src, dst = sqlite3.connect(first["db"]), sqlite3.connect(db)
    src.backup(dst)
    src.close()
    dst.close()
    runner = CliRunner()
    # every year's findings as alerts (not the first night's history), so that old years' missing reports
    # are told with what was read
    result = runner.invoke(main, ["check", "--db", str(db), "--registry", str(registry),
                                  "--now", "2024-06-01T03:00+08:00"], env={"NIANBAO_ALERT_WINDOW_DAYS": "36500"})
    assert result.exit_code == 0, result.output
    env = {"NIANBAO_OPERATORS": "ops@nianbao.example", "NIANBAO_SMTP_FROM": "年报监测 <nianbao@example.org>"}
    sent = runner.invoke(main, ["alerts", "send", "--db", str(db), "--dry-run", "--now", "2024-06-01T07:00+08:00"],
                         env=env)
    assert sent.exit_code == 0, sent.output
    return {"db": db, "check": result.output, "digest": sent.output}


def test_a_column_that_cannot_be_read_is_never_missing(web, checked):
    db = checked["db"]
    unsure = set(web.column_not_found()) | trap_units(web)
    statuses = {(u, y): s for u, y, s in rows(db, "SELECT unit_code, year, status FROM expected_reports")}
    for code in web.column_not_found():
        assert {s for (u, _), s in statuses.items() if u == code} == {"column_not_found"}, code
    alerted = rows(db, "SELECT unit_code, kind, scope FROM alerts WHERE closed_at IS NULL")
    assert not [a for a in alerted if a[0] in unsure and a[1] == "missing"]
    county, town = sorted(web.column_not_found())
    assert (county, "column_not_found", "no_column_link") in alerted
    assert (town, "column_not_found", "column_empty") in alerted
    # …while a unit whose column was read and lacks the report is missing, with what was read
    missing = [(u, y) for u, y in web.missing() if u not in set(web.unreachable()) | unsure]
    assert missing and all(statuses[k] == "missing" for k in missing)
    code, year = missing[0]
    pages, listed = rows(db, "SELECT pages, report_entries FROM unit_coverage WHERE unit_code = ?", [code])[0]
    digest = checked["digest"]
    assert f"读取了年报栏目 {pages} 页，共 {listed} 条年报，没有本单位 {year} 年度的" in digest
    assert "【新】华亭县 · 华亭县人民政府：未找到年报栏目：首页和政府信息公开页上没有找到年报栏目的链接" in digest
    assert "【新】华亭县 · 安口镇人民政府：年报栏目无法完整读取：年报栏目页面上没有任何条目" in digest
    assert "华亭县人民政府：2019 年度报告逾期未发布" not in digest
    assert "未找到年报栏目" in checked["check"] and "完整读取了该单位的网站" not in digest


def test_crawl_coverage_in_datasette(web, checked):
    import json as jsonlib
    import urllib.request

    from browse.serve import DatasetteServer

    with DatasetteServer(checked["db"]) as server:
        url = f"{server.url}/nianbao/crawl_coverage.json?_shape=array&_size=max"
        with urllib.request.urlopen(url, timeout=20) as r:
            got = {row["unit_code"]: row for row in jsonlib.loads(r.read())}
        with urllib.request.urlopen(f"{server.url}/nianbao/crawl_coverage", timeout=20) as r:
            assert "抓取覆盖" in r.read().decode()
        with urllib.request.urlopen(f"{server.url}/nianbao/county_overview.json?year=2022&_shape=array", timeout=20) as r:
            counties = {row["县区"]: row for row in jsonlib.loads(r.read())}
    assert (counties["华亭县人民政府"]["未找到栏目"], counties["华亭县人民政府"]["缺报"]) == (2, 0)
    county, town = sorted(web.column_not_found())
    assert (got[county]["column_found"], got[county]["state"], got[county]["reason"]) == (
        0, "column_not_found", "首页和政府信息公开页上没有找到年报栏目的链接")
    assert (got[town]["column_found"], got[town]["pages"], got[town]["entries"]) == (1, 1, 0)
    read = [r for r in got.values() if r["state"] == "read"]
    assert read and all(r["pages"] >= 1 and r["report_entries"] >= 1 and r["adapter"] for r in read)
    assert any(r["browser"] for r in read)
    assert {r["adapter"] for r in read} >= {"trs", "hanweb", "vsb", "query"}


def test_a_list_cut_by_the_page_cap_is_not_evidence(web, registry, first, tmp_path):
    """A unit whose column has two pages, crawled with a one-page cap: its unread years are column_not_found."""
    from click.testing import CliRunner

    from app.cli import main

    code = next(c for c, n in rows(first["db"], "SELECT unit_code, pages FROM column_reads WHERE role = 'column' "
                                                "AND complete = 1 ORDER BY unit_code") if n >= 2)
    db = tmp_path / "capped.db"
    run_crawl(registry, db, "--unit", code, "-s", "NIANBAO_MAX_LIST_PAGES=1")
    reads = rows(db, "SELECT pages, complete, cut FROM column_reads WHERE unit_code = ? AND role = 'column'", [code])
    assert [(complete, cut) for _, complete, cut in reads] == [(0, "cap")]
    result = CliRunner().invoke(main, ["check", "--db", str(db), "--registry", str(registry),
                                       "--now", "2024-06-01T03:00+08:00"])
    assert result.exit_code == 0, result.output
    statuses = {s for (s,) in rows(db, "SELECT status FROM expected_reports WHERE unit_code = ?", [code])}
    assert "column_not_found" in statuses and "missing" not in statuses
    (reason,) = rows(db, "SELECT reason_text FROM unit_coverage WHERE unit_code = ?", [code])[0]
    assert reason == f"分页达到上限，只读了 {reads[0][0]} 页"


def test_platform_families_and_lists_only_a_browser_sees(web, first):
    """gkmlpt, Lonsun, jpaas, truecms, Epoint and 松岭县's script-only lists: each family's API is asked
    the way the platform wants, and a rendered list's own API is paged without the browser."""
    db, log = first["db"], first["requests"]
    by_site = {}
    for unit, year in rows(db, "SELECT unit_code, year FROM reports WHERE status != 'failed'"):
        by_site.setdefault(unit[:6], set()).add(year)
    for exp in web.expected():
        if exp.site in ("nanyu", "anfeng", "xikou", "gaodong", "yuntai", "songling"):
            assert exp.year in by_site.get(exp.unit_code[:6], set()), exp
    paths = {(r.site, r.path_qs.split("?", 1)[0]) for r in log}
    assert ("nanyu", "/gkmlpt/api/all/30") in paths and not any(
        r.site == "nanyu" and "page=0" in r.path_qs for r in log)  # page 0 repeats page 1: never asked
    assert ("anfeng", "/site/label/8888") in paths
    truecms = [r for r in log if r.site == "gaodong" and "getMessage.do" in r.path_qs]
    assert any("perpage=50" in r.path_qs and r.status == 404 for r in truecms)  # the cap, then 20
    assert all(r.referer for r in truecms) and any("startrecord=21" in r.path_qs for r in truecms)
    assert ("yuntai", "/js/webBuilderCommon.js") in paths
    # 松岭县: the frame's document.writeln rows rendered in Chromium; the fragment API paged by plain HTTP
    browser = {u for (u,) in rows(db, "SELECT url FROM fetches WHERE browser = 1 AND outcome = 'ok'")}
    assert any("list_frame" in u for u in browser)
    page2 = [r for r in log if r.site == "songling" and "docs.htm" in r.path_qs and "ye=2" in r.path_qs]
    assert any("nianbao" in (r.user_agent or "") for r in page2), "page 2 of the captured API over plain HTTP"
    # the row linking straight to its file: stored as that report, with the row's title and date
    [file_row] = [e for e in web.expected() if e.site == "songling" and e.page_url in e.attachments]
    [(title, published)] = rows(db, "SELECT r.title, r.published FROM reports r JOIN sources s ON s.sha256 = r.document "
                                    "WHERE s.url = ?", [file_row.page_url])
    assert title == file_row.title and str(published)[:10] == file_row.published
