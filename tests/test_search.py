"""Full-text search that serves Chinese, through the real Datasette server: two- and three-character
names (柳溪, 青禾, 柳溪镇) find the unit's reports; an index of an earlier version (trigram) is rebuilt."""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
import urllib.request
from datetime import date

import pytest

from crawler.ingest import ingest
from crawler.searchtext import chars, match_query
from crawler.store import Store
from demo.render import render_html

from .reports import seed_spec

UNITS = [("330101000000", "青禾县人民政府", "county", None), ("330101100000", "柳溪镇人民政府", "township", "330101000000"),
         ("330101200000", "东溪乡人民政府", "township", "330101000000")]


def add(store: Store, code: str, unit: str, year: int) -> str:
    spec = seed_spec("001")
    spec.unit, spec.year, spec.published = unit, year, date(year + 1, 1, 20)
    url = f"http://127.0.0.1:9/{code}/{year}.html"
    digest, (report,) = ingest(store, render_html(spec), url, name=f"{year}.html", unit_code=code,
                               meta={"unit": unit, "year": year, "published": f"{year + 1}-01-20"})
    assert report.error is None
    return store.report_id(digest)


def fill(path) -> dict[str, set[str]]:
    store = Store(path)
    try:
        with store.db.conn:
            store.db["units"].insert_all([{"code": c, "name": n, "level": lv, "parent": p} for c, n, lv, p in UNITS],
                                         pk="code")
        ids: dict[str, set[str]] = {}
        for code, name, _, _ in UNITS:
            ids[name] = {add(store, code, name, y) for y in (2022, 2023)}
        return ids
    finally:
        store.close()


def search(server, table: str, **params) -> set[str]:
    url = f"{server.url}/nianbao/{table}.json?" + urllib.parse.urlencode({**params, "_shape": "array", "_size": "max"})
    with urllib.request.urlopen(url, timeout=20) as r:
        return {row["id"] for row in json.loads(r.read())}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from browse.serve import DatasetteServer

    path = tmp_path_factory.mktemp("search") / "nianbao.db"
    ids = fill(path)
    with DatasetteServer(path) as server:
        yield server, ids


def test_two_and_three_character_names_find_the_units_reports(served):
    server, ids = served
    liuxi, qinghe, dongxi = ids["柳溪镇人民政府"], ids["青禾县人民政府"], ids["东溪乡人民政府"]
    assert search(server, "reports", _search="柳溪") == liuxi
    assert search(server, "reports", _search="青禾") == qinghe
    assert search(server, "reports", _search="柳溪镇") == liuxi
    assert search(server, "reports", _search="溪乡") == dongxi  # across the boundary of a name's parts
    assert search(server, "reports", _search="溪") == liuxi | dongxi  # one character: every unit with it
    assert search(server, "report_overview", _search="柳溪") == liuxi
    assert search(server, "reports", _search_unit="青禾") == qinghe
    # two words: both must be there
    assert search(server, "reports", _search="柳溪 2023") == {r for r in liuxi if r in search(server, "reports", _search="2023年")}
    assert search(server, "reports", _search="柳河") == set()


def test_odd_input_is_searched_not_an_error(served):
    server, _ = served
    for text in ('"柳溪', 'AND OR', '柳溪*', "NEAR(柳 溪)", '""'):
        search(server, "reports", _search=text)  # a 200, whatever it finds


def test_per_character_text_and_queries():
    assert chars("柳溪镇2023年") == " 柳  溪  镇 2023 年 "
    assert match_query("柳溪") == '"柳 溪"'
    assert match_query('柳溪 "青禾县"') == '"柳 溪" "青 禾 县"'
    assert match_query('say "hi') == '"say" "hi"'


def test_an_index_of_an_earlier_version_is_rebuilt(tmp_path):
    from browse.views import prepare

    path = tmp_path / "nianbao.db"
    ids = fill(path)
    store = Store(path)
    store.db["reports"].enable_fts(["title", "text", "unit"], fts_version="FTS5", create_triggers=True,
                                   tokenize="trigram")  # what earlier versions built
    store.close()
    prepare(path)
    prepare(path)  # idempotent
    conn = sqlite3.connect(path)
    found = {r[0] for r in conn.execute(
        "SELECT id FROM reports WHERE rowid IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)",
        [match_query("柳溪")])}
    assert found == ids["柳溪镇人民政府"]
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")} == {
        "reports_fts_ai", "reports_fts_ad", "reports_fts_au"}
    conn.close()
    # a report deleted through the store leaves the index
    store = Store(path)
    victim = sorted(ids["柳溪镇人民政府"])[0]
    with store.db.conn:
        for t in ("cells", "rule_results"):
            store.db.execute(f"DELETE FROM {t} WHERE report = ?", [victim])
        store.db.execute("DELETE FROM reports WHERE id = ?", [victim])
    found = {r[0] for r in store.db.execute(
        "SELECT id FROM reports WHERE rowid IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)",
        [match_query("柳溪")])}
    store.close()
    assert found == ids["柳溪镇人民政府"] - {victim}
