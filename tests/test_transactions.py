"""A store transaction commits or rolls back as one — under sqlite-utils 3 and 4 alike.

sqlite-utils 4 commits a write made through ``Database.execute`` outside an open transaction; a
``with conn:`` block does not open one, so each statement committed alone and a parse stage killed
between "dequeue" and "save the report" lost the document's report for good.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from crawler.store import Store
from crawler.transactions import atomic

from .conftest import ROOT


def _queue_one(db) -> int:
    s = Store(db)
    digest = s.add_document(b"<html>report</html>", name="a.html", source="http://a.gov.cn/a.html", kind="html")
    s.enqueue("http://a.gov.cn/a.html", digest, {"url": "http://a.gov.cn/a.html", "role": "page"})
    (entry,) = s.queued()
    s.close()
    return entry["id"]


def _count(db, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_a_transaction_that_raises_leaves_nothing_behind(tmp_path):
    db = str(tmp_path / "t.db")
    entry = _queue_one(db)
    s = Store(db)
    with pytest.raises(RuntimeError):
        with s.transaction():
            s.dequeue(entry)
            s.db.execute("UPDATE documents SET name = 'changed'")
            raise RuntimeError("the report's writes failed")
    s.close()
    assert _count(db, "SELECT count(*) FROM queue") == 1
    assert _count(db, "SELECT count(*) FROM documents WHERE name = 'changed'") == 0


def test_a_process_killed_inside_a_transaction_leaves_the_queue_entry(tmp_path):
    """The parse stage's case: the entry is dequeued, then the process dies before the report is
    written. The entry must still be queued for the next stage."""
    db = str(tmp_path / "k.db")
    entry = _queue_one(db)
    child = ("import os, signal, sys\n"
             "from crawler.store import Store\n"
             "s = Store(sys.argv[1])\n"
             "with s.transaction():\n"
             "    s.dequeue(int(sys.argv[2]))\n"
             "    s.db.execute(\"UPDATE documents SET name = 'changed'\")\n"
             "    os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", child, db, str(entry)], cwd=ROOT)
    assert proc.returncode == -signal.SIGKILL
    assert _count(db, "SELECT count(*) FROM queue") == 1
    assert _count(db, "SELECT count(*) FROM documents WHERE name = 'changed'") == 0


def test_nested_atomic_blocks_roll_back_alone_and_commit_with_the_outer(tmp_path):
    db = str(tmp_path / "n.db")
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.commit()
    with atomic(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(ValueError):
            with atomic(conn):
                conn.execute("INSERT INTO t VALUES (2)")
                raise ValueError
        with atomic(conn):
            conn.execute("INSERT INTO t VALUES (3)")
        assert _count(db, "SELECT count(*) FROM t") == 0, "nothing is visible before the outer commit"
    assert sorted(r[0] for r in conn.execute("SELECT x FROM t")) == [1, 3]
    conn.close()
    assert _count(db, "SELECT count(*) FROM t") == 2


def test_every_with_conn_block_is_an_explicit_transaction():
    """``with db.conn:`` (no BEGIN) is the shape that broke; the code base uses ``atomic`` instead."""
    import re

    offenders = []
    for top in ("crawler", "spiders", "pages", "parsers", "alerts", "browse", "app", "demo"):
        for path in (ROOT / top).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.match(r"\s*with\s+[\w.]*conn\s*:", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []
