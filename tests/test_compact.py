"""Cells and rule results stored compactly (crawler/compact.py): the same rows read back, an old database
migrated in place once with every cell and rule result identical, a migration that would change a row
refused with the old layout kept."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from app.cli import main
from browse.views import prepare
from crawler import compact
from crawler.store import Store

from .conftest import REAL, seed_path

# cells and rule_results as older versions created them (crawler/schema.sql before the compact layout)
OLD_LAYOUT = """
CREATE TABLE cells (
    report TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    tbl TEXT NOT NULL,
    row_key TEXT NOT NULL,
    col_key TEXT NOT NULL,
    value NUMERIC,
    raw TEXT,
    blank INTEGER NOT NULL DEFAULT 0,
    invalid INTEGER NOT NULL DEFAULT 0,
    at TEXT,
    inferred INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (report, key)
);
CREATE TABLE rule_results (
    report TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    scope TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT,
    cells TEXT,
    PRIMARY KEY (report, rule, scope)
);
CREATE INDEX cells_key ON cells(key);
CREATE INDEX rule_results_failed ON rule_results(status, severity);
"""
CELL_COLS = "report, key, tbl, row_key, col_key, value, raw, blank, invalid, at, inferred"
RULE_COLS = "report, rule, scope, status, severity, message, cells"


def parsed_db(path) -> None:
    docs = [str(seed_path("000")), str(seed_path("004")), str(REAL / "reports" / "shanghai-bgt-2019.html")]
    result = CliRunner().invoke(main, ["parse", "--db", str(path), *docs])
    assert result.exit_code == 0, result.output


def rows(path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(sql).fetchall(), key=repr)
    finally:
        conn.close()


def old_database(path) -> tuple[list[tuple], list[tuple]]:
    """A database as an older nianbao left it: cells and rule results in the old tables, written as the old
    writer did (``at`` with spaces), plus the rows the compact layout must take care with."""
    parsed_db(path)
    prepare(path)  # Datasette's views, which name cells and rule_results
    cells = rows(path, f"SELECT {CELL_COLS} FROM cells")
    rules = rows(path, f"SELECT {RULE_COLS} FROM rule_results")
    rid = cells[0][0]
    cells = [c[:9] + (json.dumps(json.loads(c[9]), ensure_ascii=False),) + c[10:] for c in cells]
    cells += [  # a raw text unlike the value, a decimal, an unreadable cell, an inferred one, a key of one part
        (rid, "t9.x.raw", "t9", "x", "raw", 25.1, "251000元", 0, 0, '{"line": 1, "col": 2}', 0),
        (rid, "t9.x.zero", "t9", "x", "zero", 7, "07", 0, 0, '{"page": 2, "bbox": [1.5, 2, 3, 4]}', 0),
        (rid, "t9.x.bad", "t9", "x", "bad", None, "1O", 0, 1, '{"line": 3}', 0),
        (rid, "t9.x.glued", "t9", "x", "glued", 64, "640020470", 0, 0, '{"by": ["T3-BALANCE·total"]}', 1),
        (rid, "t9.x.blank", "t9", "x", "blank", None, "", 1, 0, None, 0),
        (rid, "lonely", "lonely", "", "", 3, "3", 0, 0, "{}", 0),
        (rid, "t9.y.order", "t9", "y", "order", 1, "1", 0, 0, '{"col": 2, "line": 1}', 0),  # not a shape's order
        (rid, "t9.y.sheet", "t9", "y", "sheet", 2, "2", 0, 0, '{"table": "表2", "row": 1, "col": 2}', 0),
    ]
    rules += [
        (rid, "X-PCT", "all", "pass", "warning", "占比 12.5% 与 100% 相符（3 项）", '["t9.x.raw"]'),
        (rid, "X-FAIL", "all", "fail", "error", "相差 3，不符", '["t9.x.raw", "t9.x.zero"]'),
        (rid, "X-NONE", "all", "not_assessable", "error", None, None),
        (rid, "X-MANY", "all", "pass", "error", " + ".join(str(i) for i in range(40)), "[]"),
    ]
    conn = sqlite3.connect(path)
    conn.executescript("""
        DROP VIEW cells; DROP TABLE cell_values; DROP VIEW rule_results; DROP TABLE rule_checks; DROP TABLE rule_texts;
        DELETE FROM store_migrations WHERE name IN ('compact_cells', 'cell_values');""")
    conn.executescript(OLD_LAYOUT)
    conn.executemany(f"INSERT INTO cells ({CELL_COLS}) VALUES ({', '.join('?' * 11)})", cells)
    conn.executemany(f"INSERT INTO rule_results ({RULE_COLS}) VALUES ({', '.join('?' * 7)})", rules)
    conn.commit()
    conn.close()
    return sorted(cells, key=repr), sorted(rules, key=repr)


def parsed(at: str | None):
    try:
        return json.loads(at) if at else at
    except ValueError:
        return ("text", at)


def same_cells(got: list[tuple], want: list[tuple]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g[:9] + g[10:] == w[:9] + w[10:]
        assert type(g[5]) is type(w[5])  # 7 stays an integer, 25.1 a real
        assert parsed(g[9]) == parsed(w[9])  # the same JSON (minified now), or the same text


def test_an_old_database_is_migrated_once_with_every_cell_and_rule_result_identical(tmp_path):
    path = tmp_path / "old.db"
    cells, rules = old_database(path)
    assert len(cells) > 400 and len(rules) > 100
    views = {v: rows(path, f"SELECT * FROM {v}") for v in ("report_overview", "rule_failures", "cells_long")}
    assert all(views.values())

    store = Store(path)  # migrates
    conn = store.db.conn
    assert conn.execute("SELECT 1 FROM store_migrations WHERE name = 'compact_cells'").fetchone()
    assert conn.execute("SELECT 1 FROM store_migrations WHERE name = 'cell_values'").fetchone()
    kinds = dict(conn.execute("SELECT name, type FROM sqlite_master WHERE name IN ('cells', 'cell_values', "
                              "'cells_generated', 'rule_results', 'cells_key', 'rule_results_failed', 'rule_results_old')"))
    assert kinds == {"cells": "view", "cell_values": "table", "rule_results": "view"}
    # writing through the view is the Store connection's own (TEMP triggers): the file keeps none
    assert not conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'rule_results'").fetchall()
    same_cells(rows(path, f"SELECT {CELL_COLS} FROM cells"), cells)
    assert rows(path, f"SELECT {RULE_COLS} FROM rule_results") == rules
    assert {v: rows(path, f"SELECT * FROM {v}") for v in views} == views  # the views read through the new tables
    # the redundancy is gone: raw kept only where it is not the value's text, pass messages as templates
    assert conn.execute("SELECT raw_text FROM cells WHERE key = 't9.x.raw'").fetchone() == ("251000元",)
    assert conn.execute("SELECT raw_text FROM cells WHERE key = 't9.x.zero'").fetchone() == ("07",)
    assert conn.execute("SELECT count(*) FROM cells WHERE raw_text IS NULL").fetchone()[0] > 400
    assert conn.execute("SELECT count(*) FROM cells WHERE at_data LIKE '[%'").fetchone()[0] > 400
    assert conn.execute("SELECT at_data, at FROM cells WHERE key = 't9.x.raw'").fetchone() == ('[2,1,2]', '{"line":1,"col":2}')
    for key in ("t9.x.zero", "t9.x.glued", "t9.y.order", "t9.y.sheet"):  # kept as they were
        assert not conn.execute("SELECT at_data FROM cells WHERE key = ?", [key]).fetchone()[0].startswith("[")
    assert conn.execute("SELECT typeof(message) FROM rule_checks WHERE rule = 'X-PCT'").fetchone() == ("integer",)
    assert conn.execute("SELECT message FROM rule_checks WHERE rule = 'X-FAIL'").fetchone() == ("相差 3，不符",)
    assert conn.execute("SELECT typeof(message) FROM rule_checks WHERE rule = 'X-MANY'").fetchone() == ("text",)
    assert conn.execute("SELECT count(DISTINCT cells) FROM rule_checks").fetchone()[0] < len(rules) / 2
    # readers that go through the store see the same report, and a second open changes nothing
    rid = cells[0][0]
    report = store.load_report(rid)
    assert report.cells["t9.x.raw"].raw == "251000元" and report.cells["t9.x.glued"].inferred
    assert report.cells["t9.x.bad"].invalid and report.cells["t9.x.zero"].at == {"page": 2, "bbox": [1.5, 2, 3, 4]}
    store.close()
    Store(path).close()
    same_cells(rows(path, f"SELECT {CELL_COLS} FROM cells"), cells)
    assert rows(path, f"SELECT {RULE_COLS} FROM rule_results") == rules


def test_a_migration_that_would_change_a_row_is_refused_and_the_old_layout_kept(tmp_path):
    path = tmp_path / "old.db"
    cells, _ = old_database(path)
    conn = sqlite3.connect(path)
    # a row the compact layout cannot hold: its stored parts disagree with its key
    conn.execute("UPDATE cells SET row_key = 'other' WHERE key = 't9.x.raw'")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="would not read back the same"):
        Store(path)
    kinds = dict(rows(path, "SELECT name, type FROM sqlite_master WHERE name IN ('cells', 'rule_results', 'cells_key')"))
    assert kinds == {"cells": "table", "rule_results": "table", "cells_key": "index"}
    assert len(rows(path, "SELECT * FROM cells")) == len(cells)
    assert not rows(path, "SELECT * FROM store_migrations WHERE name = 'compact_cells'")


STORED = "report, key, value, invalid, inferred, raw_text, at_data"


def generated_layout_database(path) -> list[tuple]:
    """A database as the store left it before ``cell_values``: ``cells`` a table whose tbl, row_key,
    col_key, raw, blank and at are virtual generated columns (crawler.compact.cells_ddl), plus cells the
    derived columns must take care with. Returns ``SELECT *`` of that table, each value with its type."""
    parsed_db(path)
    prepare(path)  # Datasette's views, which name cells
    conn = sqlite3.connect(path)
    stored = conn.execute(f"SELECT {STORED} FROM cells").fetchall()
    rid = stored[0][0]
    stored += [  # a raw text unlike the value, a decimal, unreadable, inferred, blank, a key of one part, odd at
        (rid, "t9.x.raw", 25.1, 0, 0, "251000元", "[2,1,2]"),
        (rid, "t9.x.zero", 7, 0, 0, "07", '{"page":2,"bbox":[1.5,2,3,4]}'),
        (rid, "t9.x.bad", None, 1, 0, "1O", "[3,3]"),
        (rid, "t9.x.glued", 64, 0, 1, "640020470", '{"by":["T3-BALANCE·total"]}'),
        (rid, "t9.x.blank", None, 0, 0, "", None),
        (rid, "lonely", 3, 0, 0, None, "{}"),
        (rid, "t9.y", 2, 0, 0, None, '{"table":"表2","row":1,"col":2}'),
    ]
    conn.executescript("DROP VIEW cells; DROP TABLE cell_values; "
                       "DELETE FROM store_migrations WHERE name = 'cell_values';")
    conn.executescript(compact.cells_ddl())
    conn.executemany(f"INSERT INTO cells ({STORED}) VALUES ({', '.join('?' * 7)})", stored)
    conn.commit()
    assert any(r[1] == "tbl" and r[6] == 2 for r in conn.execute("PRAGMA table_xinfo(cells)"))  # virtual
    cur = conn.execute("SELECT * FROM cells")
    names = tuple(d[0] for d in cur.description)
    got = sorted((tuple((v, type(v).__name__) for v in r) for r in cur), key=repr)
    conn.close()
    return [names, *got]


def typed_cells(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        cur = conn.execute("SELECT * FROM cells")
        names = tuple(d[0] for d in cur.description)
        return [names, *sorted((tuple((v, type(v).__name__) for v in r) for r in cur), key=repr)]
    finally:
        conn.close()


def test_a_table_of_generated_columns_becomes_a_plain_table_read_through_the_cells_view(tmp_path):
    path = tmp_path / "generated.db"
    before = generated_layout_database(path)
    assert len(before) > 400
    views = {v: rows(path, f"SELECT * FROM {v}") for v in ("report_overview", "cells_long")}
    assert all(views.values())

    store = Store(path)  # migrates
    conn = store.db.conn
    assert conn.execute("SELECT 1 FROM store_migrations WHERE name = 'cell_values'").fetchone()
    kinds = dict(conn.execute("SELECT name, type FROM sqlite_master WHERE name IN ('cells', 'cell_values', 'cells_generated')"))
    assert kinds == {"cells": "view", "cell_values": "table"}
    # a plain table: no generated (hidden) column is computed on INSERT any more
    assert [(r[1], r[6]) for r in conn.execute("PRAGMA table_xinfo(cell_values)")] == [
        (c, 0) for c in STORED.split(", ")]
    assert "WITHOUT ROWID" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'cell_values'").fetchone()[0]
    assert typed_cells(path) == before  # every cell, column order, value and type the same through the view
    assert {v: rows(path, f"SELECT * FROM {v}") for v in views} == views  # views naming cells still read
    rid = before[1][0][0]
    report = store.load_report(rid)
    assert report.cells["t9.x.raw"].raw == "251000元" and report.cells["t9.x.raw"].at == {"line": 1, "col": 2}
    assert report.cells["t9.x.glued"].inferred and report.cells["t9.x.bad"].invalid
    # the store writes the table and the view reads it back; the file keeps no trigger of its own
    parsed_db(path)
    assert typed_cells(path) == before
    assert not conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cells'").fetchall()
    store.close()
    Store(path).close()  # a second open changes nothing
    assert typed_cells(path) == before


def test_a_cells_view_that_would_read_differently_is_refused_and_the_table_kept(tmp_path, monkeypatch):
    path = tmp_path / "generated.db"
    before = generated_layout_database(path)
    view_sql = compact.cells_view_sql
    monkeypatch.setattr(compact, "cells_view_sql", lambda source="cell_values": view_sql(source).replace(
        "value IS NULL AND invalid = 0 AS blank", "0 AS blank"))
    with pytest.raises(RuntimeError, match="would not read back the same"):
        Store(path)
    kinds = dict(rows(path, "SELECT name, type FROM sqlite_master WHERE name IN ('cells', 'cell_values', 'cells_generated')"))
    assert kinds == {"cells": "table"}
    assert typed_cells(path) == before
    assert not rows(path, "SELECT * FROM store_migrations WHERE name = 'cell_values'")


def test_writers_through_the_old_names_still_work(tmp_path):
    path = tmp_path / "n.db"
    parsed_db(path)
    store = Store(path)
    rid = store.report_ids()[0]
    db = store.db
    with store.transaction():
        db.execute("INSERT INTO rule_results (report, rule, scope, status, severity, message, cells) "
                   "VALUES (?, 'X', 'all', 'pass', 'error', '100%', '[]')", [rid])
        db.execute("UPDATE rule_results SET status = 'fail' WHERE report = ? AND rule = 'X'", [rid])
        db.execute("UPDATE cells SET value = 999 WHERE report = ? AND key = 't3.new.total'", [rid])
        db.execute("INSERT INTO cells (report, key, value, raw, at) VALUES (?, 't9.x.new', 5, '5', '{\"line\":4}')", [rid])
        db.execute("INSERT INTO cells (report, key, value, raw_text, at_data) VALUES (?, 't9.x.text', 5, '05', '[3,7]')", [rid])
        db.execute("UPDATE cells SET raw = '6块' WHERE report = ? AND key = 't9.x.new'", [rid])
    assert db.execute("SELECT status, message, cells FROM rule_results WHERE rule = 'X'").fetchone() == ("fail", "100%", "[]")
    assert db.execute("SELECT raw, blank FROM cells WHERE report = ? AND key = 't3.new.total'", [rid]).fetchone() == ("999", 0)
    assert db.execute("SELECT tbl, row_key, col_key, raw, blank, invalid, at, inferred FROM cells WHERE key = 't9.x.new'"
                      ).fetchone() == ("t9", "x", "new", "6块", 0, 0, '{"line":4}', 0)
    assert db.execute("SELECT raw, at FROM cells WHERE key = 't9.x.text'").fetchone() == ("05", '{"line":7}')
    with store.transaction():
        db.execute("DELETE FROM cells WHERE key LIKE 't9.x.%'")
    assert db.execute("SELECT count(*) FROM cell_values WHERE key LIKE 't9.x.%'").fetchone() == (0,)
    with store.transaction():
        db.execute("DELETE FROM rule_results WHERE rule = 'X'")
    assert db.execute("SELECT count(*) FROM rule_checks WHERE rule = 'X'").fetchone() == (0,)
    with store.transaction():  # deleting a report takes its cells and rule results along
        db.execute("DELETE FROM reports WHERE id = ?", [rid])
    assert db.execute("SELECT count(*) FROM cells WHERE report = ?", [rid]).fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM rule_results WHERE report = ?", [rid]).fetchone() == (0,)
    store.close()


@pytest.mark.parametrize("message", ["表三·总计列：本年新收 26 + 上年结转 0 = 26，与办理结果总计 26相符",
                                     "占比 12.5% 与 100%", "发布于 2024-01-20，未超过截止日期 2024-01-31", "没有数字",
                                     "0.50 与 007 与 18446744073709551616"])
def test_a_message_template_gives_the_message_back_in_sqlite(message):
    tpl, args = compact.template(message)
    conn = sqlite3.connect(":memory:")
    args_json = json.dumps(args)
    back = conn.execute(f"SELECT printf(?, {', '.join(f'json_extract(?, {chr(39)}$[{i}]{chr(39)})' for i in range(compact.MAX_ARGS))})",
                        [tpl, *[args_json] * compact.MAX_ARGS]).fetchone()[0]
    assert back == message


def test_remembered_rule_text_ids_are_checked_after_a_rollback(tmp_path):
    """A rolled-back transaction takes its rule_texts rows back, and SQLite gives the freed id to the next
    text: an id remembered from before must never point a rule result at that other text."""
    from crawler.transactions import atomic

    conn = Store(tmp_path / "t.db").db.conn
    texts: dict[str, int] = {}

    def row(cells: str, message: str = "合计 12 等于 5 加 7") -> dict:
        return {"report": "r", "rule": "T", "scope": "s", "status": "pass", "severity": "error",
                "message": message, "cells": cells}

    with pytest.raises(RuntimeError), atomic(conn):
        compact.rule_rows(conn, [row('["t3.a"]')], texts)
        raise RuntimeError("the batch failed")
    assert texts and conn.execute("SELECT count(*) FROM rule_texts").fetchone()[0] == 0
    with atomic(conn):
        compact.rule_rows(conn, [row('["t4.b"]', "另一句话 3")], texts)  # takes the freed ids
        (got,) = compact.rule_rows(conn, [row('["t3.a"]')], texts)
    text = dict(conn.execute("SELECT id, text FROM rule_texts"))
    assert text[got[7]] == '["t3.a"]' and text[got[5]] == "合计 %s 等于 %s 加 %s"
    (again,) = compact.rule_rows(conn, [row('["t3.a"]')], texts)  # remembered now, and right
    assert again == got and texts['["t3.a"]'] == got[7]
