"""Raw documents kept compressed: the same bytes back everywhere, an old database migrated in place."""

from __future__ import annotations

import hashlib
import random
import sqlite3

from crawler import rawcodec
from crawler.ingest import reparse
from crawler.store import Store
from demo.render import render_docx, render_html

from .reports import seed_spec

NOISE = random.Random(1).randbytes(4096)  # as incompressible as a PDF's deflated streams
# The schema of `raw` before compression, as older versions created it.
OLD_RAW = """
CREATE TABLE documents (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, kind TEXT, name TEXT, source TEXT,
                        first_seen TEXT NOT NULL);
CREATE TABLE raw (sha256 TEXT PRIMARY KEY REFERENCES documents(sha256), content BLOB NOT NULL);
"""


def documents() -> dict[str, bytes]:
    spec = seed_spec("001")
    html = render_html(spec)
    docs = {"html": html, "docx": render_docx(spec), "tiny": b"<p>x</p>",
            "gbk": "<html><body><p>政府信息公开工作年度报告</p></body></html>".encode("gbk") * 40,
            "random": NOISE}
    return {hashlib.sha256(d).hexdigest(): d for d in docs.values()}


def old_database(path) -> dict[str, bytes]:
    """A database as an older nianbao left it: every raw document plain, no codec column."""
    docs = documents()
    conn = sqlite3.connect(path)
    conn.executescript(OLD_RAW)
    for digest, data in docs.items():
        conn.execute("INSERT INTO documents VALUES (?, ?, 'html', 'x.html', 'http://a.gov.cn/x.html', '2024-01-01')",
                     [digest, len(data)])
        conn.execute("INSERT INTO raw VALUES (?, ?)", [digest, data])
    conn.commit()
    conn.close()
    return docs


def test_an_old_database_is_migrated_on_open_and_every_document_is_identical(tmp_path):
    path = tmp_path / "old.db"
    docs = old_database(path)
    store = Store(path)
    try:
        for digest, data in docs.items():
            assert store.document_bytes(digest) == data
        codecs = dict(store.db.execute("SELECT sha256, codec FROM raw").fetchall())
    finally:
        store.close()
    html = next(d for d, b in docs.items() if b.startswith(b"<!DOCTYPE") or b"<html" in b[:200] and b"<table" in b)
    assert codecs[html] == "zstd"
    # already-compressed or incompressible bytes stay plain
    assert codecs[hashlib.sha256(NOISE).hexdigest()] is None
    assert codecs[hashlib.sha256(b"<p>x</p>").hexdigest()] is None
    conn = sqlite3.connect(path)
    stored = dict(conn.execute("SELECT sha256, length(content) FROM raw").fetchall())
    assert stored[html] * 3 < len(docs[html])
    # recorded as done (beside the store's other migrations, e.g. the fetch log's)
    assert (rawcodec.MIGRATION,) in conn.execute("SELECT name FROM store_migrations").fetchall()
    conn.close()


def test_a_migration_killed_midway_goes_on_at_the_next_open(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    docs = old_database(path)
    monkeypatch.setattr(rawcodec, "_MIGRATE_BATCH", 1)
    real_pack, calls = rawcodec.pack, []

    def dying_pack(data):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process stops between two batches' transactions
        return real_pack(data)

    monkeypatch.setattr(rawcodec, "pack", dying_pack)
    try:
        Store(path)
    except KeyboardInterrupt:
        pass
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM store_migrations WHERE name = ?", [rawcodec.MIGRATION]).fetchone() == (0,)
    done = conn.execute("SELECT count(*) FROM raw WHERE codec IS NOT NULL").fetchone()[0]
    conn.close()
    assert 0 < done < len(docs)
    monkeypatch.setattr(rawcodec, "pack", real_pack)
    store = Store(path)
    assert {d: store.document_bytes(d) for d in docs} == docs
    assert store.db.execute("SELECT count(*) FROM raw WHERE codec = 'zstd'").fetchone()[0] == 2  # the two HTML pages
    store.close()


def test_new_documents_are_stored_compressed_and_reparse_reads_them(store):
    spec = seed_spec("001")
    html = render_html(spec)
    digest = store.add_document(html, name="t.html", source="http://a.gov.cn/t.html", kind="html")
    content, codec = store.db.execute("SELECT content, codec FROM raw WHERE sha256 = ?", [digest]).fetchone()
    assert codec == "zstd" and len(content) < len(html) / 3
    assert store.document_bytes(digest) == html
    assert store.db.execute("SELECT size FROM documents").fetchone() == (len(html),)
    counts = reparse(store)
    assert counts == {"documents": 1, "changed": 1, "failed": 0}
    (unit, total), = store.db.execute(
        "SELECT r.unit, c.value FROM reports r JOIN cells c ON c.report = r.id WHERE c.key = 't3.new.total'").fetchall()
    assert unit == spec.unit and total == int(spec.cells["t3.new.total"])
