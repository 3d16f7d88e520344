"""Bad input ends in a clear, recorded error (or a correct parse), within bounded time and memory.

Each case runs the real command (`nianbao parse --db`) in a child process, so the memory figure is
the whole parse's, and reads the stored row back.
"""

from __future__ import annotations

import io
import os
import resource
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from demo.render import render_docx, render_html, render_pdf

from .reports import seed_spec

NIANBAO = [sys.executable, "-m", "app.cli"]
TIME_LIMIT = 180  # seconds for any one bad file, LibreOffice and OCR included
MEMORY_LIMIT_MB = 2500


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    return render_pdf(seed_spec("001"))


def run_parse(tmp_path, name: str, data: bytes) -> tuple[int, dict, int]:
    """(exit status, stored report row, peak RSS of the children in MB)."""
    f = tmp_path / name
    f.write_bytes(data)
    db = tmp_path / "n.db"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([*NIANBAO, "parse", "--db", str(db), str(f)], capture_output=True, timeout=TIME_LIMIT,
                          cwd=os.path.dirname(os.path.dirname(__file__)))
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) // 1024
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM reports").fetchone())
    docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    conn.close()
    assert docs == 1, "the raw document is kept whatever happened"
    return proc.returncode, row, peak


def assert_failed(result, code: str, words: str):
    status, row, peak = result
    assert status == 2
    assert row["status"] == "failed"
    assert row["error_code"] == code, row["error_message"]
    assert words in row["error_message"]
    assert peak < MEMORY_LIMIT_MB


def test_empty_file(tmp_path):
    assert_failed(run_parse(tmp_path, "empty.pdf", b""), "empty", "文件为空")


def test_binary_garbage(tmp_path):
    garbage = os.urandom(256 * 1024)
    result = run_parse(tmp_path, "report.bin", b"\x00\x01" + garbage)
    assert_failed(result, "unknown_format", "无法识别")


def test_garbage_named_pdf(tmp_path):
    assert_failed(run_parse(tmp_path, "report.pdf", b"%PDF-1.7\n" + os.urandom(100_000)), "corrupt_pdf", "PDF")


def test_truncated_pdf(tmp_path, report_pdf):
    status, row, peak = run_parse(tmp_path, "cut.pdf", report_pdf[: len(report_pdf) // 2])
    assert status == 2 and row["error_code"] in ("corrupt_pdf", "table_not_found", "not_a_report")
    assert row["error_message"]
    assert peak < MEMORY_LIMIT_MB


def test_encrypted_pdf(tmp_path, report_pdf):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(report_pdf)))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    assert_failed(run_parse(tmp_path, "locked.pdf", out.getvalue()), "encrypted", "加密")


def test_50mb_pdf_parses_correctly(tmp_path, report_pdf):
    """A report PDF carrying 50 MB of embedded data: still the right cells, in bounded time and memory."""
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(report_pdf)))
    writer.add_attachment("scan-archive.bin", os.urandom(50 * 1024 * 1024))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert len(data) > 50 * 1024 * 1024
    status, row, peak = run_parse(tmp_path, "big.pdf", data)
    assert status == 0, row
    assert row["status"] == "ok" and row["unit"] == "鹿邑县人民政府"
    assert peak < MEMORY_LIMIT_MB


def test_docx_zip_bomb(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(400):  # 400 MB of spaces, a few hundred KB packed
                member.write(chunk)
    data = buf.getvalue()
    assert len(data) < 2 * 1024 * 1024
    assert_failed(run_parse(tmp_path, "bomb.docx", data), "too_large", "zip 炸弹")


def test_truncated_docx(tmp_path):
    data = render_docx(seed_spec("000"))
    assert_failed(run_parse(tmp_path, "cut.docx", data[: len(data) // 2]), "corrupt_docx", "DOCX")


def test_gbk_html_without_charset_parses(tmp_path):
    data = render_html(seed_spec("001"), charset=None)
    assert b"charset" not in data.lower()
    status, row, peak = run_parse(tmp_path, "gbk.html", data)
    assert status == 0
    assert row["status"] == "ok" and row["unit"] == "鹿邑县人民政府"
    assert "gb18030" in row["notes"]


def test_a_hung_parser_is_stopped(report_pdf):
    """The child that parses risky formats is killed at its time limit; the caller gets an error."""
    from parsers.isolate import parse_isolated

    report = parse_isolated(report_pdf, "slow.pdf", name="slow.pdf", timeout=0.01)
    assert report.error is not None and report.error.code == "timeout"
    assert "已中止" in report.error.message
