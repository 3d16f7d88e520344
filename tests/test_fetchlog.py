"""The fetch log: every fetch counted per unit and night, rows only for failures, list pages and new
documents; older databases summarised on open; old runs pruned, never a unit's last success."""

from __future__ import annotations

import sqlite3

from alerts.health import collect
from crawler import fetchlog
from crawler.store import Store


def night(store: Store, run: int, code: str, *, articles: int, at: str, new: int = 0, list_ok: bool = True,
          article_failed: bool = False) -> None:
    fetches = [{"unit_code": code, "url": f"http://{code}.gov.cn/nb/", "kind": "list",
                "status": 200 if list_ok else None, "outcome": "ok" if list_ok else "timeout", "at": at}]
    for i in range(articles):
        fetches.append({"unit_code": code, "url": f"http://{code}.gov.cn/nb/{i}.html", "kind": "article",
                        "status": 304, "outcome": "not_modified", "at": at})
    for i in range(new):
        fetches.append({"unit_code": code, "url": f"http://{code}.gov.cn/nb/new{i}.html", "kind": "article",
                        "status": 200, "outcome": "ok", "bytes": 1000, "at": at})
    # a server ignoring conditional GET: the same bytes again, flagged by the pipeline
    if list_ok:
        fetches.append({"unit_code": code, "url": f"http://{code}.gov.cn/nb/same.pdf", "kind": "attachment",
                        "status": 200, "outcome": "ok", "bytes": 500, "at": at, "routine": True})
    if article_failed:
        fetches.append({"unit_code": code, "url": f"http://{code}.gov.cn/nb/x.html", "kind": "article",
                        "status": 503, "outcome": "http_error", "error": "HTTP 503", "at": at})
    store.record_fetches(run, fetches)


def test_an_unchanged_night_adds_a_summary_row_per_unit_and_no_row_per_document(store):
    first = store.start_run(2)
    night(store, first, "A", articles=0, new=5, at="2024-02-01T02:00:00+00:00")
    night(store, first, "B", articles=0, new=3, at="2024-02-01T02:01:00+00:00")
    rows_after_first = store.db.execute("SELECT count(*) FROM fetches").fetchone()[0]
    assert rows_after_first == 2 + 8  # the list pages and the new documents; not the unchanged PDF
    second = store.start_run(2)
    night(store, second, "A", articles=5, at="2024-02-02T02:00:00+00:00")
    night(store, second, "B", articles=3, at="2024-02-02T02:00:30+00:00")
    # the second night: each unit's list page, one summary per unit, nothing per unchanged document
    assert store.db.execute("SELECT count(*) FROM fetches WHERE run = ?", [second]).fetchone()[0] == 2
    (requests, outcomes, articles, lists_ok), = store.db.execute(
        "SELECT requests, outcomes, articles, lists_ok FROM fetch_nights WHERE run = ? AND unit_code = 'A'",
        [second]).fetchall()
    assert (requests, articles, lists_ok) == (7, 5, 1)
    assert fetchlog.outcome_counts(store.db.conn, second) == {"not_modified": 8, "ok": 4}
    health, _ = collect(store.db)
    assert health["A"].last.entries == 5 and health["A"].last.state == "ok"
    assert health["B"].last_success_at == "2024-02-02T02:00:30+00:00"


def test_failures_keep_their_rows_and_make_the_night_partial(store):
    run = store.start_run(1)
    night(store, run, "A", articles=2, at="2024-02-01T02:00:00+00:00", article_failed=True)
    (url, error), = store.db.execute("SELECT url, error FROM fetches WHERE outcome = 'http_error'").fetchall()
    assert url.endswith("/x.html") and error == "HTTP 503"
    health, _ = collect(store.db)
    assert health["A"].last.state == "partial" and health["A"].last.entries == 3


def test_an_older_database_is_summarised_on_open(tmp_path):
    """Fetch rows an older version wrote one per fetch: summarised once, the rows kept."""
    path = tmp_path / "old.db"
    store = Store(path)
    run = store.start_run(1)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE fetch_nights")
    conn.execute("DELETE FROM store_migrations WHERE name = ?", [fetchlog.MIGRATION])
    for i, (kind, outcome) in enumerate([("list", "ok"), ("article", "not_modified"), ("article", "not_modified"),
                                         ("attachment", "timeout")]):
        conn.execute("INSERT INTO fetches (run, unit_code, url, kind, status, outcome, at) VALUES (?, 'A', ?, ?, ?, ?, ?)",
                     [run, f"http://a/{i}", kind, 200, outcome, f"2024-02-01T02:0{i}:00+00:00"])
    conn.commit()
    conn.close()
    store = Store(path)
    (requests, articles, last_success), = store.db.execute(
        "SELECT requests, articles, last_success_at FROM fetch_nights WHERE run = ?", [run]).fetchall()
    assert (requests, articles, last_success) == (4, 2, "2024-02-01T02:02:00+00:00")
    assert store.db.execute("SELECT count(*) FROM fetches").fetchone() == (4,)
    health, _ = collect(store.db)
    assert health["A"].last.state == "partial" and health["A"].last.entries == 2
    store.close()


def test_old_runs_are_pruned_but_not_a_units_last_success(store):
    runs = []
    for day in range(1, 6):
        run = store.start_run(2)
        runs.append(run)
        night(store, run, "A", articles=1, at=f"2024-02-0{day}T02:00:00+00:00", new=1)
        # B's site has been down since the second night
        night(store, run, "B", articles=0, at=f"2024-02-0{day}T02:00:00+00:00", list_ok=day == 1)
    deleted = fetchlog.prune(store.db.conn, keep=2)
    assert deleted["fetches"] > 0
    kept = store.db.execute("SELECT DISTINCT run FROM fetches ORDER BY run").fetchall()
    assert kept == [(runs[3],), (runs[4],)]
    nights = store.db.execute("SELECT unit_code, run FROM fetch_nights ORDER BY unit_code, run").fetchall()
    assert nights == [("A", runs[3]), ("A", runs[4]), ("B", runs[0]), ("B", runs[3]), ("B", runs[4])]
    health, _ = collect(store.db)
    assert health["B"].last_success_at == "2024-02-01T02:00:00+00:00"
    assert health["B"].consecutive_failures == 2  # what the kept nights show
