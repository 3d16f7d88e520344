"""End to end: challenges that come back, challenges no browser passes, and files that are not what they claim.

The default demo world's challenged hosts (200 cookie shell, 521, 302-to-self, two portals on one host) are
crawled in tests/test_crawl.py; here a world of its own (demo.sites.challenged.trial_world) serves a host
whose clearance expires after a few requests, a host whose challenge is never passed and a host whose
"PDF" files are Chromium's viewer page. Crawls run as child processes, as in production.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from demo.sites.challenged import trial_world
from demo.web import DemoWeb

from .conftest import ROOT
from .test_crawl import rows, run_crawl

EXPIRING, NEVER, VIEWER = "419945000000", "419946000000", "419947000000"


@pytest.fixture(scope="module")
def web():
    w = DemoWeb(trial_world(uses=5)).start()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def registry(web, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("challenges") / "registry.yaml"
    path.write_text(web.registry_yaml(), encoding="utf-8")
    return path


def solves(requests) -> list:
    """The browser's solves in a server log: a fresh context's first navigation carries no cookie and no Referer."""
    return [r for r in requests if r.browser and not r.cookie and not r.referer and r.path_qs != "/favicon.ico"]


def found(db: Path, unit: str) -> set[int]:
    return {y for (y,) in rows(db, "SELECT year FROM reports WHERE unit_code = ? AND status != 'failed'", [unit])}


def test_an_expiring_clearance_is_solved_again_and_the_rest_stays_plain_http(web, registry, tmp_path):
    db = tmp_path / "expiring.db"
    start = len(web.requests)
    run_crawl(registry, db, "--unit", EXPIRING, "-s", "NIANBAO_CHALLENGE_SOLVES_PER_HOST=10")
    log = [r for r in web.requests[start:] if r.site == "jianli"]
    expected = [e for e in web.expected() if e.unit_code == EXPIRING]
    assert found(db, EXPIRING) == {e.year for e in expected}
    # the clearance serves 5 requests: a crawl of ~15 pages and files needs it again, yet not for every page
    n = len(solves(log))
    assert 2 <= n <= 10, n
    plain_ok = [r for r in log if not r.browser and r.status == 200]
    for e in expected:
        for url in [e.page_url, *e.attachments]:
            assert any(web.url("jianli", r.path_qs) == url for r in plain_ok), f"not fetched over plain HTTP: {url}"
    assert len(plain_ok) > 2 * n
    # its PDFs are served inline (application/pdf) behind the challenge: stored as PDFs, parsed as reports
    pdfs = [a for e in expected if e.kind == "pdf" for a in e.attachments]
    assert pdfs
    for url in pdfs:
        assert rows(db, "SELECT d.kind FROM documents d JOIN sources s ON s.sha256 = d.sha256 WHERE s.url = ?",
                    [url]) == [("pdf",)]
    assert rows(db, "SELECT count(*) FROM fetches WHERE outcome NOT IN ('ok', 'not_modified')") == [(0,)]


def test_the_cap_on_solves_ends_in_blocked_fetches_not_errors(web, registry, tmp_path):
    db = tmp_path / "capped.db"
    start = len(web.requests)
    run_crawl(registry, db, "--unit", EXPIRING, "-s", "NIANBAO_CHALLENGE_SOLVES_PER_HOST=1")
    log = [r for r in web.requests[start:] if r.site == "jianli"]
    assert len(solves(log)) == 1
    blocked = rows(db, "SELECT kind, error FROM fetches WHERE outcome = 'blocked'")
    assert blocked and all("达到上限" in error for _, error in blocked)
    assert rows(db, "SELECT count(*) FROM fetches WHERE outcome IN ('http_error', 'error')") == [(0,)]
    assert found(db, EXPIRING) < {e.year for e in web.expected() if e.unit_code == EXPIRING}


def test_an_unsolvable_challenge_is_blocked_never_missing(web, registry, tmp_path):
    db = tmp_path / "never.db"
    run_crawl(registry, db, "--unit", NEVER, "--unit", VIEWER, "-s", "NIANBAO_CHALLENGE_TIMEOUT=4")
    (kind, status, error), = rows(db, "SELECT kind, status, error FROM fetches WHERE unit_code = ? AND outcome = 'blocked'",
                                  [NEVER])
    assert kind == "list" and status == 200 and "人机验证" in error and "未能通过" in error
    assert found(db, NEVER) == set()
    proc = subprocess.run([sys.executable, "-m", "app.cli", "check", "--db", str(db), "--registry", str(registry),
                           "--unreachable-nights", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert rows(db, "SELECT state FROM unit_health WHERE unit_code = ?", [NEVER]) == [("blocked",)]
    assert rows(db, "SELECT scope FROM alerts WHERE unit_code = ? AND kind = 'unreachable'", [NEVER]) == [("blocked",)]
    for unit in (NEVER, VIEWER):
        assert rows(db, "SELECT year FROM alerts WHERE unit_code = ? AND kind = 'missing'", [unit]) == []
        assert "missing" not in {s for (s,) in rows(db, "SELECT status FROM expected_reports WHERE unit_code = ?", [unit])}


def test_a_file_that_is_a_viewer_page_is_a_fetch_error_never_parsed(web, registry, tmp_path):
    db = tmp_path / "viewer.db"
    run_crawl(registry, db, "--unit", VIEWER)
    expected = [e for e in web.expected() if e.unit_code == VIEWER]
    files = [a for e in expected for a in e.attachments]
    assert files
    for url in files:
        (outcome, status, error), = rows(db, "SELECT outcome, status, error FROM fetches WHERE url = ?", [url])
        assert (outcome, status) == ("wrong_type", 200)
        assert "内容与文件类型不符" in error and "PDF" in error and "HTML" in error
        assert rows(db, "SELECT count(*) FROM sources WHERE url = ?", [url]) == [(0,)]
    assert found(db, VIEWER) == set()
    assert rows(db, "SELECT count(*) FROM documents WHERE size < 400") == [(0,)]


FILES_SPIDER = '''
import json
import scrapy


class FilesSpider(scrapy.Spider):
    """Requests that go through the browser themselves (a rendered unit, a host whose clearance does
    not travel to plain HTTP): a file must come back as its bytes."""

    name = "files"
    custom_settings = {"ITEM_PIPELINES": {}}

    results = []

    async def start(self):
        for url, meta, referer in json.loads(self.plan):
            yield scrapy.Request(url, meta={**meta, "playwright": True}, headers={"Referer": referer} if referer else {},
                                 dont_filter=True, callback=self.got, errback=self.failed, cb_kwargs={"asked": url})

    def got(self, response, asked):
        self.results.append({"url": asked, "status": response.status, "head": response.body[:8].decode("latin-1"),
                             "size": len(response.body), "text": response.text[:3000] if b"<" in response.body[:1] else ""})

    def failed(self, failure):
        self.results.append({"url": failure.request.url, "error": repr(failure.value)})

    def closed(self, reason):
        with open(self.out, "w") as f:
            json.dump(self.results, f)
'''


def test_a_file_fetched_through_the_browser_is_its_bytes_with_the_page_as_referer(web, tmp_path):
    """A PDF behind a challenge and a Referer guard, asked through the browser: downloaded by the browser
    context's request API as bytes (never Chromium's viewer page), the article page as Referer."""
    exp, = [e for e in web.expected() if e.unit_code == "419948000000"]
    pdf = exp.attachments[0]
    plan = [(pdf, {"kind": "attachment"}, exp.page_url), (pdf, {}, exp.page_url), (exp.page_url, {}, None)]
    spider, out = tmp_path / "files_spider.py", tmp_path / "out.json"
    spider.write_text(FILES_SPIDER, encoding="utf-8")
    start = len(web.requests)
    proc = subprocess.run([sys.executable, "-m", "scrapy", "runspider", str(spider), "-a", f"plan={json.dumps(plan)}",
                           "-a", f"out={out}", "-s", "LOG_LEVEL=WARNING"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text() or "null")
    assert results is not None, proc.stderr[-3000:]
    assert len(results) == 3 and not [r for r in results if "error" in r], results
    files = [r for r in results if r["url"] == pdf]
    assert all(r["status"] == 200 and r["head"].startswith("%PDF") and r["size"] > 1000 for r in files), files
    page, = [r for r in results if r["url"] == exp.page_url]
    assert page["status"] == 200 and exp.title in page["text"]
    log = [r for r in web.requests[start:] if r.site == "qianjiang" and web.url("qianjiang", r.path_qs) == pdf]
    assert [r for r in log if r.status == 200 and r.referer == exp.page_url]
    assert not [r for r in log if r.status == 403], "the file was asked without its Referer"


def test_a_clearance_bound_to_the_browser_sends_only_the_challenged_requests_through_it(web, registry, tmp_path):
    """Cookies earned in Chromium that plain HTTP cannot use (a clearance bound to the browser itself): the
    challenged requests go through the browser — pages rendered, the PDF taken as bytes — and the reports are
    found; nothing is called blocked or missing."""
    db = tmp_path / "bound.db"
    run_crawl(registry, db, "--unit", "419949000000")
    expected = [e for e in web.expected() if e.unit_code == "419949000000"]
    assert found(db, "419949000000") == {e.year for e in expected}
    pdfs = [a for e in expected for a in e.attachments]
    assert pdfs
    for url in pdfs:
        assert rows(db, "SELECT d.kind FROM documents d JOIN sources s ON s.sha256 = d.sha256 WHERE s.url = ?",
                    [url]) == [("pdf",)]
    assert rows(db, "SELECT count(*) FROM fetches WHERE outcome != 'ok'") == [(0,)]
    assert {b for (b,) in rows(db, "SELECT DISTINCT browser FROM fetches WHERE kind IN ('list', 'article')")} == {1}
