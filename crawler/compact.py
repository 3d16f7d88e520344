"""Cells and rule results stored without redundancy, read under their old names and columns.

A night's cells and rule results were ~88 % of the database: every cell repeated its report id and
key in two indexes and its key's three parts in columns of their own, and every rule result carried
its rule's cell list (up to 600 bytes of JSON) and a pass message whose words are the same in every
report. Now:

- cells are stored in ``cell_values``, a WITHOUT ROWID table keyed by (report, key) with no other index,
  and read through the view ``cells``. ``tbl``, ``row_key`` and ``col_key`` are computed from ``key``; ``blank`` from ``value`` and ``invalid``;
  ``raw`` from ``raw_text``, which is NULL when the raw text is just the integer value's text (“26”
  for 26), the common case; ``at`` from ``at_data``, which drops the key names every cell repeats
  (``[1,2,3,2]`` for ``{"table":2,"row":3,"col":2}``, see :data:`AT_SHAPES`). ``SELECT *``,
  Datasette and every query see the same columns as before. (They were virtual generated columns of the
  table until SQLite's computing them on every INSERT made up most of the parse stage's writing.)
- ``rule_checks`` (WITHOUT ROWID, keyed by report, rule, scope) keeps status and severity; a failure's
  message as its text, any other message as a template in ``rule_texts`` (its numbers replaced by
  ``%s``) plus the numbers in ``args``; the cell list as its id in ``rule_texts`` (each list once). The
  view ``rule_results`` puts the text back together with ``printf`` (plain SQL: any SQLite client
  reads it); a Store's connection also inserts, updates and deletes through it and through ``cells``
  (TEMP INSTEAD OF triggers); the store itself writes the tables.

An older database is migrated in place once, when :class:`crawler.store.Store` opens it (the
``store_migrations`` row ``compact_cells``): both tables are rebuilt in one transaction, every row is
compared with its original before the old table goes, and any difference rolls the whole migration
back with an error (nothing is lost; the old layout stays). The ``cells`` table of generated columns
becomes ``cell_values`` and the view the same way, once (the ``store_migrations`` row ``cell_values``). The freed pages are reused by later
writes (``VACUUM`` gives them back to the file system).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from .transactions import atomic

log = logging.getLogger(__name__)

MIGRATION = "compact_cells"
VALUES_MIGRATION = "cell_values"  # cells: a plain table of the stored columns and a view (no generated columns)
MAX_ARGS = 32  # numbers a message template may take (more: the message is stored as text)


def _part(s: str) -> str:
    """SQL: ``s`` up to its first dot (all of it when it has none)."""
    return f"CASE WHEN instr({s}, '.') = 0 THEN {s} ELSE substr({s}, 1, instr({s}, '.') - 1) END"


_REST1 = "substr(key, instr(key, '.') + 1)"
_REST2 = f"substr({_REST1}, instr({_REST1}, '.') + 1)"
# the same split as the writer's ``(key.split(".") + ["", ""])[:3]``
TBL_SQL = _part("key")
ROW_SQL = f"CASE WHEN instr(key, '.') = 0 THEN '' ELSE {_part(_REST1)} END"
COL_SQL = f"CASE WHEN instr(key, '.') = 0 OR instr({_REST1}, '.') = 0 THEN '' ELSE {_part(_REST2)} END"


# Provenance shapes whose key names every cell of a document repeats: such an ``at`` is kept as
# ``[shape, value, …]`` (its integers only) and read back as the same JSON object. The shapes are part of
# the table's definition (the ``at`` column's expression): never renumber one; a new one needs a rebuild.
AT_SHAPES: dict[int, tuple[str, ...]] = {1: ("table", "row", "col"), 2: ("line", "col"), 3: ("line",)}


def _at_sql(col: str) -> str:
    """SQL: the ``at`` JSON object from the stored ``col`` (packed or as it is)."""
    whens = " ".join(
        f"WHEN {i} THEN json_object({', '.join(f'{k!r}, json_extract({col}, {chr(39)}$[{j + 1}]{chr(39)})' for j, k in enumerate(keys))})"
        for i, keys in AT_SHAPES.items())
    return f"CASE WHEN substr({col}, 1, 1) = '[' THEN CASE json_extract({col}, '$[0]') {whens} END ELSE {col} END"


# json.dumps with arguments builds a new encoder per call: two, reused, for a report's ~200 cells
_dumps = json.JSONEncoder(separators=(",", ":")).encode
_dumps_unicode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


_SHAPE_OF = {names: shape for shape, names in AT_SHAPES.items()}


def pack_at(at: dict[str, Any]) -> str:
    """What ``cells.at_data`` keeps for a cell's provenance: its values alone for a known shape of
    integers, else the minified JSON object."""
    shape = _SHAPE_OF.get(tuple(at))
    if shape is not None:
        values = tuple(at.values())
        if all(type(v) is int and -2**63 <= v < 2**63 for v in values):
            # what ``_dumps([shape, *values])`` writes (a JSON integer is its repr), without the encoder
            return f"[{shape},{','.join(map(str, values))}]"
    return _dumps_unicode(at)


def cells_ddl(name: str = "cells") -> str:
    """The ``cells`` table as it was before :data:`VALUES_MIGRATION` (generated columns): what the
    ``compact_cells`` migration builds, and what tests use to make a database of that layout."""
    return f"""
CREATE TABLE IF NOT EXISTS [{name}] (
    report TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    tbl TEXT GENERATED ALWAYS AS ({TBL_SQL}) VIRTUAL,
    row_key TEXT GENERATED ALWAYS AS ({ROW_SQL}) VIRTUAL,
    col_key TEXT GENERATED ALWAYS AS ({COL_SQL}) VIRTUAL,
    value NUMERIC,
    raw TEXT GENERATED ALWAYS AS (CASE WHEN raw_text IS NULL THEN CAST(value AS TEXT) ELSE raw_text END) VIRTUAL,
    blank INTEGER GENERATED ALWAYS AS (value IS NULL AND invalid = 0) VIRTUAL,
    invalid INTEGER NOT NULL DEFAULT 0,
    at TEXT GENERATED ALWAYS AS ({_at_sql("at_data")}) VIRTUAL,
    inferred INTEGER NOT NULL DEFAULT 0,
    raw_text TEXT,
    at_data TEXT,
    PRIMARY KEY (report, key)
) WITHOUT ROWID;
"""


# The stored columns only: SQLite computed every virtual column of the table above on each INSERT
# (~5 of a row's ~6.5 µs); the view computes them only when they are read.
CELL_VALUES_DDL = """
CREATE TABLE IF NOT EXISTS cell_values (
    report TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value NUMERIC,
    invalid INTEGER NOT NULL DEFAULT 0,
    inferred INTEGER NOT NULL DEFAULT 0,
    raw_text TEXT,
    at_data TEXT,
    PRIMARY KEY (report, key)
) WITHOUT ROWID
"""


def cells_view_sql(source: str = "cell_values") -> str:
    """The ``cells`` view's SELECT: the columns, order and values of the old table's ``SELECT *``."""
    return f"""SELECT report, key, {TBL_SQL} AS tbl, {ROW_SQL} AS row_key, {COL_SQL} AS col_key, value,
    CASE WHEN raw_text IS NULL THEN CAST(value AS TEXT) ELSE raw_text END AS raw,
    value IS NULL AND invalid = 0 AS blank, invalid, {_at_sql("at_data")} AS at, inferred, raw_text, at_data
FROM [{source}]"""


def _text_of(col: str) -> str:
    return f"(SELECT text FROM rule_texts WHERE id = c.{col})"


_ARGS_SQL = ", ".join(f"json_extract(c.args, '$[{i}]')" for i in range(MAX_ARGS))
RULE_RESULTS_SQL = f"""
SELECT c.report, c.rule, c.scope, c.status, c.severity,
    CASE WHEN typeof(c.message) = 'integer' THEN printf({_text_of('message')}, {_ARGS_SQL})
         ELSE c.message END AS message,
    CASE WHEN typeof(c.cells) = 'integer' THEN {_text_of('cells')} ELSE c.cells END AS cells
FROM rule_checks c
"""

RULES_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS rule_texts (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS rule_checks (
    report TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    scope TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    message,  -- the text, or the id of its template in rule_texts (filled with args)
    args TEXT,  -- JSON array of the template's numbers
    cells,  -- the JSON list of cell keys, or its id in rule_texts
    PRIMARY KEY (report, rule, scope)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rule_checks_failed ON rule_checks(status, severity) WHERE status = 'fail';
CREATE VIEW IF NOT EXISTS rule_results AS {RULE_RESULTS_SQL};
"""

# Older writers (scripts, tests) insert, update and delete through the view: per-connection TEMP triggers
# that every Store connection gets, so the database itself keeps no triggers of its own for this.
COMPAT_TRIGGERS = """
CREATE TEMP TRIGGER IF NOT EXISTS rule_results_insert INSTEAD OF INSERT ON rule_results BEGIN
    INSERT INTO rule_checks (report, rule, scope, status, severity, message, cells)
    VALUES (NEW.report, NEW.rule, NEW.scope, NEW.status, NEW.severity, CAST(NEW.message AS TEXT),
            CAST(NEW.cells AS TEXT));
END;
CREATE TEMP TRIGGER IF NOT EXISTS rule_results_update INSTEAD OF UPDATE ON rule_results BEGIN
    UPDATE rule_checks SET report = NEW.report, rule = NEW.rule, scope = NEW.scope, status = NEW.status,
        severity = NEW.severity, message = CAST(NEW.message AS TEXT), args = NULL, cells = CAST(NEW.cells AS TEXT)
    WHERE report = OLD.report AND rule = OLD.rule AND scope = OLD.scope;
END;
CREATE TEMP TRIGGER IF NOT EXISTS rule_results_delete INSTEAD OF DELETE ON rule_results BEGIN
    DELETE FROM rule_checks WHERE report = OLD.report AND rule = OLD.rule AND scope = OLD.scope;
END;
CREATE TEMP TRIGGER IF NOT EXISTS cells_insert INSTEAD OF INSERT ON cells BEGIN
    INSERT INTO cell_values (report, key, value, invalid, inferred, raw_text, at_data)
    VALUES (NEW.report, NEW.key, NEW.value, coalesce(NEW.invalid, 0), coalesce(NEW.inferred, 0),
            coalesce(NEW.raw_text, CASE WHEN typeof(NEW.value) = 'integer' AND NEW.raw = CAST(NEW.value AS TEXT)
                                        THEN NULL ELSE NEW.raw END),
            coalesce(NEW.at_data, NEW.at));
END;
CREATE TEMP TRIGGER IF NOT EXISTS cells_update INSTEAD OF UPDATE ON cells BEGIN
    UPDATE cell_values SET report = NEW.report, key = NEW.key, value = NEW.value, invalid = NEW.invalid,
        inferred = NEW.inferred,
        raw_text = CASE WHEN NEW.raw IS NOT OLD.raw AND NEW.raw_text IS OLD.raw_text THEN NEW.raw
                        ELSE NEW.raw_text END,
        at_data = CASE WHEN NEW.at IS NOT OLD.at AND NEW.at_data IS OLD.at_data THEN NEW.at ELSE NEW.at_data END
    WHERE report = OLD.report AND key = OLD.key;
END;
CREATE TEMP TRIGGER IF NOT EXISTS cells_delete INSTEAD OF DELETE ON cells BEGIN
    DELETE FROM cell_values WHERE report = OLD.report AND key = OLD.key;
END;
"""

CELL_COLUMNS = ("report", "key", "value", "raw_text", "invalid", "at_data", "inferred")
RULE_COLUMNS = ("report", "rule", "scope", "status", "severity", "message", "args", "cells")

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def raw_text(value: Any, raw: str | None) -> str | None:
    """What ``cells.raw_text`` keeps: NULL when the raw text is the integer value's own text."""
    if raw is not None and type(value) is int and raw == str(value):
        return None
    return raw


def template(message: str) -> tuple[str, list[Any]] | None:
    """``(printf template, args)`` for a message (its numbers as args), or None when it is better kept
    as text. ``printf(template, *args)`` gives the message back, byte for byte."""
    parts = _NUMBER.split(message)
    args: list[Any] = _NUMBER.findall(message)
    if len(args) > MAX_ARGS:
        return None
    tpl = "%s".join(p.replace("%", "%%") for p in parts)
    # a plain integer is kept as a JSON number (shorter), others as strings (“0.50” stays “0.50”)
    args = [int(a) if re.fullmatch(r"0|[1-9]\d{0,14}", a) else a for a in args]
    if tpl % tuple(str(a) for a in args) != message:  # never store a message that does not come back
        return None
    return tpl, args


def _text_id(conn: sqlite3.Connection, text: str) -> int:
    conn.execute("INSERT OR IGNORE INTO rule_texts (text) VALUES (?)", [text])
    return conn.execute("SELECT id FROM rule_texts WHERE text = ?", [text]).fetchone()[0]


@lru_cache(maxsize=16384)  # a rule's pass message recurs with the same numbers in most reports
def _packed_message(message: str) -> tuple[str, str | None] | None:
    """(template, JSON args or None) of a message, or None when it is kept as text."""
    found = template(message)
    if found is None:
        return None
    return found[0], json.dumps(found[1], ensure_ascii=False, separators=(",", ":")) if found[1] else None


_MAX_KNOWN_TEXTS = 100_000  # ``texts`` given to rule_rows is emptied when it grows past this


def rule_rows(conn: sqlite3.Connection, rows: Iterable[dict[str, Any]],
              texts: dict[str, int] | None = None) -> list[list[Any]]:
    """``rule_checks`` rows (in :data:`RULE_COLUMNS` order) for rule results given with the
    ``rule_results`` columns; inside the caller's transaction (it adds to ``rule_texts``).

    ``texts`` (text → ``rule_texts`` id) remembers the ids across calls, so the ~60 rule results of a
    report cost no look-up each; the ids it gave are checked against the table in one query (a rolled
    back transaction may have taken back an id it remembers), and on any difference it is emptied and
    the rows made again from the table."""
    rows = list(rows)
    used: dict[int, str] = {}

    def text_id(text: str) -> int:
        if texts is not None:
            known = texts.get(text)
            if known is not None:
                used[known] = text
                return known
        found = _text_id(conn, text)
        if texts is not None:
            if len(texts) >= _MAX_KNOWN_TEXTS:
                texts.clear()
            texts[text] = found
        return found

    out = []
    for r in rows:
        message, args, cells = r["message"], None, r["cells"]
        if message is not None and r["status"] != "fail":
            packed = _packed_message(message)
            if packed:
                message, args = text_id(packed[0]), packed[1]
        if cells is not None:
            cells = text_id(cells)
        out.append([r["report"], r["rule"], r["scope"], r["status"], r["severity"], message, args, cells])
    if used and texts is not None:
        ids = list(used)
        stored = dict(conn.execute(f"SELECT id, text FROM rule_texts WHERE id IN ({','.join('?' * len(ids))})", ids))
        if any(stored.get(i) != text for i, text in used.items()):
            texts.clear()
            return rule_rows(conn, rows, None)
    return out


def ensure(conn: sqlite3.Connection) -> None:
    """Create the compact tables (a new database) or migrate the old ones in place (once each)."""
    conn.execute("CREATE TABLE IF NOT EXISTS store_migrations (name TEXT PRIMARY KEY, done_at TEXT NOT NULL)")
    _once(conn, MIGRATION, migrate)
    _once(conn, VALUES_MIGRATION, migrate_cell_values)
    for statement in _statements(COMPAT_TRIGGERS):
        conn.execute(statement)


def _once(conn: sqlite3.Connection, name: str, step) -> None:
    """Run ``step(conn)`` in one transaction unless the ``store_migrations`` row ``name`` says it ran."""
    if conn.execute("SELECT 1 FROM store_migrations WHERE name = ?", [name]).fetchone():
        return
    # a large store takes minutes: a process opening it meanwhile waits for the migration, not 30 s
    (timeout,) = conn.execute("PRAGMA busy_timeout").fetchone()
    conn.execute("PRAGMA busy_timeout = 3600000")
    try:
        with atomic(conn):
            if not conn.execute("SELECT 1 FROM store_migrations WHERE name = ?", [name]).fetchone():
                step(conn)  # (unless another process migrated it meanwhile)
                conn.execute("INSERT OR IGNORE INTO store_migrations (name, done_at) VALUES (?, ?)",
                             [name, datetime.now(timezone.utc).isoformat(timespec="seconds")])
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")


def _kind(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def migrate(conn: sqlite3.Connection) -> dict[str, int]:
    """Rebuild old-layout ``cells`` and ``rule_results`` compactly (inside the caller's transaction);
    returns the rows moved. Raises (and so rolls back) if any row would not read back the same."""
    counts = {"cells": 0, "rule_results": 0}
    old_cells = _kind(conn, "cells") == "table" and not any(
        r[1] == "raw_text" for r in conn.execute("PRAGMA table_xinfo(cells)"))
    old_rules = _kind(conn, "rule_results") == "table"
    conn.execute("PRAGMA legacy_alter_table = ON")  # views naming cells stay as written (not rewritten)
    try:
        if old_cells:
            counts["cells"] = _migrate_cells(conn)
        elif _kind(conn, "cells") is None:
            _create_cell_values(conn)  # a new database: straight in today's layout
        if old_rules:
            counts["rule_results"] = _migrate_rules(conn)
        else:
            _create_rules(conn)
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")
    if old_cells or old_rules:
        log.warning("cells and rule results stored compactly: %d cells, %d rule results migrated",
                    counts["cells"], counts["rule_results"])
    return counts


def _create_rules(conn: sqlite3.Connection) -> None:
    # one statement at a time: executescript would commit the caller's transaction
    for statement in _statements(RULES_SCHEMA):
        conn.execute(statement)


def _statements(script: str) -> Iterator[str]:
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            yield buf.strip()
            buf = ""


def _pack_at_sql(col: str) -> str:
    """SQL: :func:`pack_at` for a stored JSON text ``col`` (the packed form only where every value
    is an integer and it reads back as the very same object)."""
    cases = []
    for i, keys in AT_SHAPES.items():
        packed = f"json_array({i}, {', '.join(f'json_extract({col}, {chr(39)}$.{k}{chr(39)})' for k in keys)})"
        ints = " AND ".join(f"json_type({col}, '$.{k}') = 'integer'" for k in keys)
        cases.append(f"WHEN {ints} AND {_at_sql(packed)} = json({col}) THEN {packed}")
    return (f"CASE WHEN NOT json_valid({col}) OR json_type({col}) != 'object' THEN {col} "
            f"{' '.join(cases)} ELSE json({col}) END")


def _migrate_cells(conn: sqlite3.Connection) -> int:
    cols = {r[1] for r in conn.execute("PRAGMA table_info(cells)")}
    inferred = "inferred" if "inferred" in cols else "0"
    conn.execute(cells_ddl("cells_compact"))
    conn.execute(
        "INSERT INTO cells_compact (report, key, value, raw_text, invalid, at_data, inferred) "
        "SELECT report, key, value, "
        "CASE WHEN typeof(value) = 'integer' AND raw = CAST(value AS TEXT) THEN NULL ELSE raw END, "
        f"invalid, {_pack_at_sql('at')}, {inferred} FROM cells")
    (n,) = conn.execute("SELECT count(*) FROM cells").fetchone()
    (differ,) = conn.execute(
        "SELECT count(*) FROM cells o LEFT JOIN cells_compact c ON c.report = o.report AND c.key = o.key "
        "WHERE c.key IS NULL OR c.tbl IS NOT o.tbl OR c.row_key IS NOT o.row_key OR c.col_key IS NOT o.col_key "
        "OR c.value IS NOT o.value OR typeof(c.value) != typeof(o.value) OR c.raw IS NOT o.raw "
        "OR c.blank IS NOT o.blank OR c.invalid IS NOT o.invalid "
        f"OR c.inferred IS NOT o.{inferred} "
        "OR (c.at IS NOT o.at AND CASE WHEN json_valid(o.at) THEN json(c.at) IS NOT json(o.at) ELSE 1 END)").fetchone()
    if differ or conn.execute("SELECT count(*) FROM cells_compact").fetchone()[0] != n:
        raise RuntimeError(f"cells: {differ} of {n} rows would not read back the same in the compact layout; "
                           "the database keeps its old layout (report this)")
    conn.execute("DROP TABLE cells")
    conn.execute("ALTER TABLE cells_compact RENAME TO cells")
    return n


def _migrate_rules(conn: sqlite3.Connection) -> int:
    conn.execute("ALTER TABLE rule_results RENAME TO rule_results_old")
    conn.execute("DROP INDEX IF EXISTS rule_results_failed")
    _create_rules(conn)
    insert = f"INSERT INTO rule_checks ({', '.join(RULE_COLUMNS)}) VALUES ({', '.join('?' * len(RULE_COLUMNS))})"
    cur = conn.execute("SELECT report, rule, scope, status, severity, message, cells FROM rule_results_old")
    names = [d[0] for d in cur.description]
    while batch := cur.fetchmany(2000):
        conn.executemany(insert, list(rule_rows(conn, (dict(zip(names, r)) for r in batch))))
    (n,) = conn.execute("SELECT count(*) FROM rule_results_old").fetchone()
    (differ,) = conn.execute(
        "SELECT count(*) FROM rule_results_old o LEFT JOIN rule_results c "
        "ON c.report = o.report AND c.rule = o.rule AND c.scope = o.scope "
        "WHERE c.rule IS NULL OR c.status IS NOT o.status OR c.severity IS NOT o.severity "
        "OR c.message IS NOT o.message OR c.cells IS NOT o.cells").fetchone()
    if differ or conn.execute("SELECT count(*) FROM rule_checks").fetchone()[0] != n:
        raise RuntimeError(f"rule_results: {differ} of {n} rows would not read back the same in the compact "
                           "layout; the database keeps its old layout (report this)")
    conn.execute("DROP TABLE rule_results_old")
    return n


def _create_cell_values(conn: sqlite3.Connection) -> None:
    conn.execute(CELL_VALUES_DDL)
    conn.execute(f"CREATE VIEW IF NOT EXISTS cells AS {cells_view_sql()}")


def migrate_cell_values(conn: sqlite3.Connection) -> int:
    """Move a ``cells`` table with generated columns into ``cell_values`` and the ``cells`` view (inside
    the caller's transaction); returns the rows moved. Every row must read back the same through the
    view (each column, value types included) before the old table goes, else it raises (rolls back)."""
    if _kind(conn, "cells") != "table":
        _create_cell_values(conn)
        return 0
    conn.execute("PRAGMA legacy_alter_table = ON")  # views naming cells stay as written: they read the view
    try:
        conn.execute("ALTER TABLE cells RENAME TO cells_generated")
        conn.execute(CELL_VALUES_DDL)
        conn.execute("INSERT INTO cell_values (report, key, value, invalid, inferred, raw_text, at_data) "
                     "SELECT report, key, value, invalid, inferred, raw_text, at_data FROM cells_generated")
        conn.execute(f"CREATE VIEW cells AS {cells_view_sql()}")
        old = [r[1] for r in conn.execute("PRAGMA table_xinfo(cells_generated)")]
        new = [r[1] for r in conn.execute("PRAGMA table_info(cells)")]
        if old != new:
            raise RuntimeError(f"cells: the view's columns {new} are not the table's {old}; "
                               "the database keeps its old layout (report this)")
        (n,) = conn.execute("SELECT count(*) FROM cells_generated").fetchone()
        differ_sql = " OR ".join(f"c.[{col}] IS NOT o.[{col}] OR typeof(c.[{col}]) != typeof(o.[{col}])"
                                 for col in old)
        (differ,) = conn.execute(
            "SELECT count(*) FROM cells_generated o LEFT JOIN cells c ON c.report = o.report AND c.key = o.key "
            f"WHERE c.key IS NULL OR {differ_sql}").fetchone()
        if differ or conn.execute("SELECT count(*) FROM cell_values").fetchone()[0] != n:
            raise RuntimeError(f"cells: {differ} of {n} rows would not read back the same through the cells "
                               "view; the database keeps its old layout (report this)")
        conn.execute("DROP TABLE cells_generated")
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")
    if n:
        log.warning("cells stored without generated columns (cell_values, read through the cells view): "
                    "%d cells migrated", n)
    return n
