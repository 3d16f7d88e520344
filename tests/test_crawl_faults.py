"""Faults a government server throws at the crawler: each ends recorded in `fetches`, the crawl goes on.

A small real HTTP server on its own loopback address serves one county's 年报 column whose articles
fail in different ways: 5xx then success, a timeout, a redirect loop, a truncated attachment, a 20 MB
attachment — and one plain good report.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from demo.render import ReportSpec, render_html, render_pdf

from .conftest import ROOT
from .reports import seed_spec

HOST = "127.0.3.1"
UNIT = "故障县人民政府"
ARTICLES = {  # path → (report year, what the server does)
    "/nb/flaky.html": (2019, "503 twice, then the page"),
    "/nb/slow.html": (2020, "answers after the timeout"),
    "/nb/loop.html": (2021, "redirects to itself through another page"),
    "/nb/cut.html": (2022, "its PDF is cut off mid-download"),
    "/nb/big.html": (2023, "its PDF is 20 MB"),
    "/nb/good.html": (2024, "a plain good report"),
}


def spec(year: int) -> ReportSpec:
    s = seed_spec("000")
    return ReportSpec(unit=UNIT, year=year, format="2021", cells=s.cells)


class FaultServer:
    def __init__(self, big_pdf: bytes, pdf: bytes):
        self.hits: dict[str, int] = {}
        self.big_pdf, self.pdf = big_pdf, pdf
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(headers.pop("length", len(body))))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802 (http.server's name)
                path = self.path
                server.hits[path] = server.hits.get(path, 0) + 1
                n = server.hits[path]
                if path == "/robots.txt":
                    return self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
                if path == "/nb/":
                    items = "".join(f'<li><a href="{p.rsplit("/", 1)[1]}">{UNIT}{y}年政府信息公开工作年度报告</a>'
                                    f"<span>{y + 1}-01-20</span></li>" for p, (y, _) in ARTICLES.items())
                    return self.send(200, f"<html><body><ul class='list'>{items}</ul></body></html>".encode())
                if path == "/nb/flaky.html" and n <= 2:
                    return self.send(503, b"busy")
                if path == "/nb/slow.html":
                    time.sleep(4)
                if path == "/nb/loop.html":
                    return self.send(302, b"", Location="/nb/loop2.html")
                if path == "/nb/loop2.html":
                    return self.send(302, b"", Location="/nb/loop.html")
                if path in ("/nb/cut.html", "/nb/big.html"):
                    year = ARTICLES[path][0]
                    pdf = "cut.pdf" if "cut" in path else "big.pdf"
                    page = (f"<html><head><meta name='ArticleTitle' content='{UNIT}{year}年政府信息公开工作年度报告'>"
                            f"<meta name='PubDate' content='{year + 1}-01-20'></head><body><div class='content'>"
                            f"<h1>{UNIT}{year}年政府信息公开工作年度报告</h1><p>详见附件。</p>"
                            f"<p>附件：<a href='/files/{pdf}'>{UNIT}{year}年报告.pdf</a></p></div></body></html>")
                    return self.send(200, page.encode())
                if path == "/files/cut.pdf":
                    # says 100 000 bytes, sends 5 000, hangs up
                    self.send(200, server.pdf[:5000], "application/pdf", length=100_000)
                    self.close_connection = True
                    return None
                if path == "/files/big.pdf":
                    return self.send(200, server.big_pdf, "application/pdf")
                if path in ARTICLES:
                    return self.send(200, render_html(spec(ARTICLES[path][0])))
                return self.send(404, b"not found")

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    pypdf = pytest.importorskip("pypdf")
    pdf = render_pdf(spec(2022))
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(render_pdf(spec(2023)))))
    writer.add_attachment("scans.bin", os.urandom(20 * 1024 * 1024))
    big = io.BytesIO()
    writer.write(big)
    tmp = tmp_path_factory.mktemp("faults")
    with FaultServer(big.getvalue(), pdf) as server:
        registry = tmp / "registry.yaml"
        registry.write_text(f"units:\n  - code: '419999000000'\n    name: {UNIT}\n    level: county\n"
                            f"    columns: ['{server.url('/nb/')}']\n", encoding="utf-8")
        db = tmp / "faults.db"
        proc = subprocess.run([sys.executable, "-m", "app.cli", "crawl", "--registry", str(registry), "--db", str(db),
                               "--quiet", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=2", "-s", "DOWNLOAD_DELAY=0",
                               "-s", "AUTOTHROTTLE_START_DELAY=0"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        yield {"db": db, "proc": proc, "server": server, "big": len(big.getvalue())}


def outcome(db, path_end: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT outcome, status, error, bytes FROM fetches WHERE url LIKE ?", ["%" + path_end]).fetchall()
    finally:
        conn.close()


def stored_years(db) -> set[int]:
    conn = sqlite3.connect(db)
    try:
        return {y for (y,) in conn.execute("SELECT year FROM reports WHERE status = 'ok'")}
    finally:
        conn.close()


def test_crawl_finishes_despite_the_faults(crawled):
    assert crawled["proc"].returncode == 0, crawled["proc"].stderr[-2000:]
    assert "finished" in crawled["proc"].stdout


def test_5xx_then_success_is_retried_and_stored(crawled):
    assert crawled["server"].hits["/nb/flaky.html"] == 3
    assert [o for o, *_ in outcome(crawled["db"], "/nb/flaky.html")] == ["ok"]
    assert 2019 in stored_years(crawled["db"])


def test_timeout_recorded(crawled):
    rows = outcome(crawled["db"], "/nb/slow.html")
    assert rows and rows[0][0] == "timeout" and "超时" in rows[0][2]


def test_redirect_loop_recorded(crawled):
    rows = outcome(crawled["db"], "/nb/loop.html")
    assert rows and rows[0][0] == "redirect_loop"


def test_truncated_download_recorded(crawled):
    rows = outcome(crawled["db"], "/files/cut.pdf")
    assert rows and rows[0][0] == "connection_lost", rows


def test_20mb_attachment_downloaded_and_parsed(crawled):
    rows = outcome(crawled["db"], "/files/big.pdf")
    assert rows and rows[0][0] == "ok" and rows[0][3] == crawled["big"]
    assert 2023 in stored_years(crawled["db"])


def test_the_good_report_is_there(crawled):
    assert {2019, 2023, 2024} <= stored_years(crawled["db"])
    assert not {2020, 2021, 2022} & stored_years(crawled["db"])
