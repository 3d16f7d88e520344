"""SQL views that make the store readable, and full-text search over reports.

The store keeps reports, cells and rule results in long, normalised form: right for the crawler, hard
to read. The views here join them into what a reader asks about — one row per report with its unit,
county and key figures; one row per failed rule; one row per unit and year; one per county and year.

Everything is plain SELECT text in :data:`VIEWS`, so :mod:`browse.export` can run the same queries on a
read-only connection without the views having been created. :func:`prepare` (called by ``nianbao
serve``) creates the views and the FTS index; it is idempotent and safe while a crawl writes (it takes
the write lock briefly, with the store's busy timeout).

``expected_reports`` is filled by ``nianbao check``; until it has rows every view still works: the
timeliness columns are NULL and the county overview counts published reports from ``reports``.
"""

from __future__ import annotations

from pathlib import Path

from crawler.store import Store
from crawler.transactions import atomic

from . import scorecard

# Key figures a reader looks for first: (column, cell key or SQL over cells, Chinese label).
KEY_FIGURES: list[tuple[str, str, str]] = [
    ("applications", "t3.new.total", "本年新收申请"),
    ("carried_in", "t3.carried_in.total", "上年结转申请"),
    ("handled", "t3.handled_total.total", "办理结果总计"),
    ("granted", "t3.granted.total", "予以公开"),
    ("carried_out", "t3.carried_out.total", "结转下年度"),
    ("reviews", "t4.review.total", "行政复议"),
    ("lawsuits", "t4.suit_direct.total+t4.suit_after_review.total", "行政诉讼"),
    ("licensing", "t2.licensing.decisions", "行政许可决定"),
    ("penalties", "t2.penalty.decisions", "行政处罚决定"),
]


def _cell(key: str, report: str = "r.id") -> str:
    # A correlated lookup on the (report, key) primary key: cheap per row, so a paged view over a
    # national store only reads the cells of the rows it shows (a GROUP BY pivot would read them all).
    return f"(SELECT value FROM cells WHERE report = {report} AND key = '{key}')"


def _figure(expr: str) -> str:
    if "+" in expr:
        parts = [_cell(k) for k in expr.split("+")]
        # a sum is shown only when every part was read: NULL + x stays NULL on purpose
        return " + ".join(parts)
    return _cell(expr)


_FIGURES_SQL = ",\n    ".join(f"{_figure(expr)} AS {col}" for col, expr, _ in KEY_FIGURES)

REPORT_OVERVIEW = f"""
SELECT
    r.id,
    r.unit,
    r.unit_code,
    u.county,
    u.county_code,
    u.level,
    r.year,
    r.format,
    r.status,
    r.published,
    e.deadline,
    e.status AS timeliness,
    {_FIGURES_SQL},
    r.errors_failed,
    r.warnings_failed,
    (SELECT group_concat(rule || '·' || scope, '；') FROM rule_results
        WHERE report = r.id AND status = 'fail' AND severity = 'error') AS failed_rules,
    r.title,
    r.kind,
    r.source,
    r.document,
    r.error_message,
    r.rowid AS report_rowid
FROM reports r
LEFT JOIN units u ON u.code = r.unit_code
LEFT JOIN expected_reports e ON e.unit_code = r.unit_code AND e.year = r.year
"""

RULE_FAILURES = """
SELECT
    f.report,
    r.unit,
    r.unit_code,
    u.county,
    u.level,
    r.year,
    r.format,
    f.rule,
    f.scope,
    f.severity,
    f.message,
    f.cells
FROM rule_results f
JOIN reports r ON r.id = f.report
LEFT JOIN units u ON u.code = r.unit_code
WHERE f.status = 'fail'
"""

# One row per unit and report year that either was expected or has a report.
UNIT_YEARS = """
WITH pairs AS (
    SELECT unit_code, year FROM expected_reports
    UNION
    SELECT unit_code, year FROM reports WHERE unit_code IS NOT NULL AND year IS NOT NULL
)
SELECT
    p.unit_code,
    u.name AS unit,
    u.level,
    u.county,
    u.county_code,
    p.year,
    e.deadline,
    e.status AS timeliness,
    COALESCE(e.published,
             (SELECT published FROM reports WHERE unit_code = p.unit_code AND year = p.year
              ORDER BY published DESC, id LIMIT 1)) AS published,
    COALESCE(e.report,
             (SELECT id FROM reports WHERE unit_code = p.unit_code AND year = p.year AND status != 'failed'
              ORDER BY published DESC, id LIMIT 1)) AS report,
    e.page_url,
    e.checked_at
FROM pairs p
LEFT JOIN units u ON u.code = p.unit_code
LEFT JOIN expected_reports e ON e.unit_code = p.unit_code AND e.year = p.year
"""

# Per county and report year. Counts come from expected_reports (what ``nianbao check`` decided);
# where a county-year has no expected rows yet, published and inconsistent come from reports instead.
COUNTY_OVERVIEW = """
WITH er AS (
    SELECT u.county_code, u.county, e.year,
        SUM(e.status != 'not_due') AS due,
        SUM(e.status IN ('on_time', 'late', 'parse_failed')) AS published,
        SUM(e.status = 'on_time') AS on_time,
        SUM(e.status = 'late') AS late,
        SUM(e.status = 'missing') AS missing,
        SUM(e.status = 'unreachable') AS unreachable,
        SUM(e.status = 'column_not_found') AS column_not_found,
        SUM(e.status = 'parse_failed') AS parse_failed,
        SUM(e.status = 'not_due') AS not_due,
        SUM(e.inconsistent) AS inconsistent
    FROM expected_reports e JOIN units u ON u.code = e.unit_code
    GROUP BY u.county_code, e.year
),
rp AS (
    SELECT u.county_code, u.county, r.year,
        COUNT(DISTINCT r.unit_code) AS published,
        COUNT(DISTINCT CASE WHEN r.status = 'inconsistent' THEN r.unit_code END) AS inconsistent
    FROM reports r JOIN units u ON u.code = r.unit_code
    WHERE r.year IS NOT NULL
    GROUP BY u.county_code, r.year
),
keys AS (
    SELECT county_code, county, year FROM er
    UNION
    SELECT county_code, county, year FROM rp
)
SELECT
    k.county_code,
    k.county,
    k.year,
    COALESCE(er.due, 0) AS due,
    COALESCE(er.published, rp.published, 0) AS published,
    COALESCE(er.on_time, 0) AS on_time,
    COALESCE(er.late, 0) AS late,
    COALESCE(er.missing, 0) AS missing,
    COALESCE(er.unreachable, 0) AS unreachable,
    COALESCE(er.column_not_found, 0) AS column_not_found,
    COALESCE(er.parse_failed, 0) AS parse_failed,
    COALESCE(er.inconsistent, rp.inconsistent, 0) AS inconsistent,
    COALESCE(er.not_due, 0) AS not_due,
    CASE WHEN er.due > 0 THEN ROUND(100.0 * er.late / er.due, 1) END AS late_pct,
    CASE WHEN er.due > 0 THEN ROUND(100.0 * er.missing / er.due, 1) END AS missing_pct
FROM keys k
LEFT JOIN er ON er.county_code = k.county_code AND er.year = k.year
LEFT JOIN rp ON rp.county_code = k.county_code AND rp.year = k.year
"""

# All cells with their report's unit, county and year and a readable label (for export and browsing).
CELLS_LONG = """
SELECT
    c.report,
    r.unit,
    r.unit_code,
    u.county,
    r.year,
    r.format,
    c.tbl,
    c.row_key,
    c.col_key,
    c.key,
    c.value,
    c.raw,
    c.blank,
    c.invalid
FROM cells c
JOIN reports r ON r.id = c.report
LEFT JOIN units u ON u.code = r.unit_code
"""

# 抓取覆盖: per unit, how far its 年报 column was read on its last night (alerts.coverage keeps unit_coverage)
CRAWL_COVERAGE = """
SELECT
    u.county,
    c.unit_code,
    u.name AS unit,
    u.level,
    CASE WHEN c.reason IN ('no_column_link', 'no_address', 'not_read') THEN 0 ELSE 1 END AS column_found,
    c.state,
    c.reason_text AS reason,
    c.column_url,
    c.adapter,
    c.pages,
    c.entries,
    c.report_entries,
    c.browser,
    c.last_error,
    r.name AS read_through,
    c.run,
    c.read_at
FROM unit_coverage c
JOIN units u ON u.code = c.unit_code
LEFT JOIN units r ON r.code = c.reader AND c.reader != c.unit_code
"""

VIEWS: dict[str, str] = {
    "report_overview": REPORT_OVERVIEW,
    "rule_failures": RULE_FAILURES,
    "unit_years": UNIT_YEARS,
    "county_overview": COUNTY_OVERVIEW,
    "cells_long": CELLS_LONG,
    "county_scorecard": scorecard.view_sql(),  # 年度考核 (browse/scorecard.py; weights from NIANBAO_SCORE_WEIGHTS)
    "crawl_coverage": CRAWL_COVERAGE,
}

FTS_COLUMNS = ["title", "text", "unit"]
FTS_TABLE = "reports_fts"

# The index holds text segmented per Chinese character (crawler.searchtext), so two-character names
# are found; contentless (the text is in ``reports``), kept current by triggers.
_FTS_SQL = f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, text, unit, content='', tokenize='unicode61 remove_diacritics 2')"
_NEW = ", ".join(f"nianbao_chars(new.{c})" for c in FTS_COLUMNS)
_OLD = ", ".join(f"nianbao_chars(old.{c})" for c in FTS_COLUMNS)
_COLS = ", ".join(FTS_COLUMNS)
_TRIGGERS = {
    "reports_fts_ai": f"CREATE TRIGGER reports_fts_ai AFTER INSERT ON reports BEGIN "
                      f"INSERT INTO {FTS_TABLE} (rowid, {_COLS}) VALUES (new.rowid, {_NEW}); END",
    "reports_fts_ad": f"CREATE TRIGGER reports_fts_ad AFTER DELETE ON reports BEGIN "
                      f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {_COLS}) VALUES ('delete', old.rowid, {_OLD}); END",
    "reports_fts_au": f"CREATE TRIGGER reports_fts_au AFTER UPDATE OF {_COLS} ON reports BEGIN "
                      f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {_COLS}) VALUES ('delete', old.rowid, {_OLD}); "
                      f"INSERT INTO {FTS_TABLE} (rowid, {_COLS}) VALUES (new.rowid, {_NEW}); END",
}


def prepare(db_path: str | Path) -> None:
    """Create (or refresh) the views and the full-text index of reports; idempotent.

    The FTS table ``reports_fts`` is kept current by triggers, so reports the crawler stores while
    Datasette serves are searchable at once. It is rebuilt only when missing, when its triggers are
    (a table rebuild elsewhere may drop triggers), or when it is an older kind of index (trigram).
    """
    from alerts.coverage import ensure_schema as coverage_schema

    store = Store(db_path)  # creates the schema if the file is new, sets WAL and the busy timeout
    try:
        db = store.db
        coverage_schema(db)  # the tables crawl_coverage reads, before the first crawl or check made them
        with atomic(db.conn):
            for name, sql in VIEWS.items():
                db.execute(f"DROP VIEW IF EXISTS [{name}]")
                db.execute(f"CREATE VIEW [{name}] AS {sql.strip()}")
        _ensure_fts(db)
        _ensure_alert_tables(db)
    finally:
        store.close()


def _ensure_alert_tables(db) -> None:
    """The alert tables the canned queries read, empty until ``nianbao check`` fills them."""
    from alerts import ack, baseline

    ack.ensure_schema(db)  # alerts and alert_events
    baseline.ensure_schema(db)


def _ensure_fts(db) -> None:
    row = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [FTS_TABLE]).fetchone()
    triggers = {t.name: t.sql for t in db.triggers}
    if row and row[0] == _FTS_SQL and all(triggers.get(n) == sql for n, sql in _TRIGGERS.items()):
        return
    with atomic(db.conn):
        # sqlite-utils' trigram index of earlier versions had triggers reports_ai/ad/au
        for name in ("reports_ai", "reports_ad", "reports_au", *_TRIGGERS):
            db.execute(f"DROP TRIGGER IF EXISTS [{name}]")
        db.execute(f"DROP TABLE IF EXISTS [{FTS_TABLE}]")
        db.execute(_FTS_SQL)
        db.execute(f"INSERT INTO {FTS_TABLE} (rowid, {_COLS}) SELECT rowid, "
                   + ", ".join(f"nianbao_chars({c})" for c in FTS_COLUMNS) + " FROM reports")
        for sql in _TRIGGERS.values():
            db.execute(sql)


def fts_available(db) -> bool:
    """Whether ``reports_fts`` exists (it does after :func:`prepare`)."""
    return db[FTS_TABLE].exists()
