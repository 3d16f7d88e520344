"""Datasette over the store: the real server on 127.0.0.1, canned queries, read-only, report pages, exports.

The database is filled by real parsing (documents rendered by demo.render, ingested as the crawler
does) for two counties; ``expected_reports`` rows are written here as ``nianbao check`` would.
Datasette is started once for the module, in the mode ``nianbao serve`` uses.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler import rawcodec
from crawler.ingest import ingest
from crawler.registry import load
from crawler.store import Store
from demo.render import render_html
from parsers.schema import all_keys

from .reports import seed_spec, spec_2019

REGISTRY = """
units:
  - {code: "410101000000", name: 甲县人民政府, level: county}
  - {code: "410101100000", name: 东城镇人民政府, level: township, parent: "410101000000"}
  - {code: "410101-jyj", name: 甲县教育局, level: department, parent: "410101000000"}
  - {code: "410202000000", name: 乙县人民政府, level: county}
  - {code: "410202100000", name: 西河乡人民政府, level: township, parent: "410202000000"}
"""

# The township's 2021 report: seed 001 with 13 fewer applications (still consistent).
TOWNSHIP_2021 = {"t3.new.natural": "197", "t3.new.total": "210", "t3.handled_total.natural": "197",
                 "t3.handled_total.total": "210", "t3.granted.natural": "164", "t3.granted.total": "172"}
# Its 2022 report: one number changed, so 予以公开 no longer adds up (two error rules fail).
BROKEN_CELL = "t3.granted.natural"


def add_report(store: Store, code: str | None, unit: str, year: int, published: str, spec=None, **changes) -> str:
    """Render a report page and ingest it as the crawler does; returns the report id."""
    spec = spec or seed_spec("001")
    spec.unit, spec.year, spec.published = unit, year, date.fromisoformat(published)
    spec.cells = {**spec.cells, **changes}
    url = f"http://127.0.0.1:9/{code or 'x'}/{year}/t{year}0120_1.html"
    digest, (report,) = ingest(store, render_html(spec), url, name=f"t{year}0120_1.html", unit_code=code,
                               meta={"unit": unit, "year": year, "published": published})
    assert report.error is None
    store.save_source(url, {"unit_code": code, "page_url": url, "sha256": digest, "year": year,
                            "title": report.title, "published": published})
    return store.report_id(digest)


def build_store(path: Path) -> dict[str, str]:
    """The test store: registry, five reports, expected_reports; returns report ids by name."""
    reg_path = path.with_suffix(".yaml")
    reg_path.write_text(REGISTRY, encoding="utf-8")
    store = Store(path)
    store.sync_units(load(reg_path))
    ids = {
        "jia_2022": add_report(store, "410101000000", "甲县人民政府", 2022, "2023-03-01"),
        "town_2021": add_report(store, "410101100000", "东城镇人民政府", 2021, "2022-02-15", **TOWNSHIP_2021),
        "town_2022": add_report(store, "410101100000", "东城镇人民政府", 2022, "2023-01-20", **{BROKEN_CELL: "178"}),
        "yi_2022": add_report(store, "410202000000", "乙县人民政府", 2022, "2023-04-10"),
        # a 2019-format report of a unit not in the registry (no unit code)
        "free_2020": add_report(store, None, "某县自然资源局", 2020, "2021-01-28", spec=spec_2019()),
    }
    expected = [
        ("410101000000", 2022, "2023-03-31", "on_time", ids["jia_2022"], "2023-03-01", 0),
        ("410101100000", 2021, "2022-01-31", "late", ids["town_2021"], "2022-02-15", 0),
        ("410101100000", 2022, "2023-01-31", "on_time", ids["town_2022"], "2023-01-20", 1),
        ("410101-jyj", 2022, "2023-01-31", "missing", None, None, 0),
        ("410202000000", 2022, "2023-03-31", "late", ids["yi_2022"], "2023-04-10", 0),
        ("410202100000", 2022, "2023-01-31", "missing", None, None, 0),
        ("410202100000", 2026, "2027-01-31", "not_due", None, None, 0),
    ]
    with store.db.conn:
        store.db["expected_reports"].insert_all(
            [dict(zip(("unit_code", "year", "deadline", "status", "report", "published", "inconsistent"), e),
                  page_url=f"http://127.0.0.1:9/{e[0]}/", checked_at="2026-01-01T00:00:00+00:00") for e in expected])
    store.close()
    return ids


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(server, report ids): Datasette on a freshly filled store, started once for the module."""
    from browse.serve import DatasetteServer

    path = tmp_path_factory.mktemp("browse") / "nianbao.db"
    ids = build_store(path)
    with DatasetteServer(path) as server:
        yield server, ids


def get(server, path: str, params: dict | None = None) -> tuple[int, bytes, dict]:
    url = server.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def rows(server, path: str, **params) -> list[dict]:
    status, body, _ = get(server, path, {**params, "_shape": "array"})
    assert status == 200, body[:500]
    return json.loads(body)


def test_missing_lists_units_past_deadline(served):
    server, _ = served
    found = rows(server, "/nianbao/missing.json")
    assert {(r["单位"], r["年度"]) for r in found} == {("甲县教育局", 2022), ("西河乡人民政府", 2022)}
    assert [r["单位"] for r in rows(server, "/nianbao/missing.json", county="乙县人民政府")] == ["西河乡人民政府"]


def test_inconsistent_lists_failed_error_rules_with_messages(served):
    server, ids = served
    found = rows(server, "/nianbao/inconsistent.json")
    assert {(r["单位"], r["年度"], r["规则"], r["范围"]) for r in found} == {
        ("东城镇人民政府", 2022, "T3-HANDLED-SUM", "natural"), ("东城镇人民政府", 2022, "T3-ROW-TOTAL", "granted")}
    assert all(r["报告"] == ids["town_2022"] for r in found)
    row_total = next(r for r in found if r["规则"] == "T3-ROW-TOTAL")
    assert row_total["说明"] == "表三·予以公开：自然人 178 + 商业企业 3 + 社会公益组织 2 + 其他 3 = 186，但总计 185，相差 1"


def test_late_lists_late_reports_with_days(served):
    server, ids = served
    found = rows(server, "/nianbao/late.json")
    assert [(r["单位"], r["年度"], r["逾期天数"], r["报告"]) for r in found] == [
        ("东城镇人民政府", 2021, 15, ids["town_2021"]), ("乙县人民政府", 2022, 10, ids["yi_2022"])]


def test_unit_history_by_code_and_by_name(served):
    server, ids = served
    by_code = rows(server, "/nianbao/unit_history.json", unit="410101100000")
    assert [(r["年度"], r["发布情况"], r["校验结果"], r["本年新收申请"], r["报告"]) for r in by_code] == [
        (2021, "late", "ok", 210, ids["town_2021"]), (2022, "on_time", "inconsistent", 223, ids["town_2022"])]
    assert rows(server, "/nianbao/unit_history.json", unit="东城镇人民政府") == by_code
    missing = rows(server, "/nianbao/unit_history.json", unit="甲县教育局")
    assert [(r["年度"], r["发布情况"], r["报告"]) for r in missing] == [(2022, "missing", None)]


def test_county_overview(served):
    server, _ = served
    found = {(r["县区"], r["年度"]): r for r in rows(server, "/nianbao/county_overview.json")}
    assert set(found) == {("甲县人民政府", 2022), ("甲县人民政府", 2021), ("乙县人民政府", 2022),
                          ("乙县人民政府", 2026)}
    jia = found[("甲县人民政府", 2022)]
    assert (jia["应报"], jia["已发布"], jia["按时"], jia["逾期"], jia["缺报"], jia["数字不平"]) == (3, 2, 2, 0, 1, 1)
    yi = found[("乙县人民政府", 2022)]
    assert (yi["应报"], yi["已发布"], yi["逾期"], yi["缺报"], yi["逾期比例"], yi["缺报比例"]) == (2, 1, 1, 1, 50.0, 50.0)
    assert found[("乙县人民政府", 2026)]["应报"] == 0  # not due yet
    assert {r["年度"] for r in rows(server, "/nianbao/county_overview.json", year="2021")} == {2021}


def test_writes_through_the_sql_endpoint_are_refused(served):
    server, _ = served
    status, body, _ = get(server, "/nianbao.json", {"sql": "DELETE FROM reports"})
    assert status == 400 and "Statement must be a SELECT" in json.loads(body)["error"]
    # a write that passes Datasette's SELECT check still meets the read-only connection
    status, body, _ = get(server, "/nianbao.json", {"sql": "WITH x AS (SELECT 1) DELETE FROM reports"})
    assert status == 400 and "readonly" in json.loads(body)["error"]
    status, body, _ = get(server, "/nianbao.json", {"sql": "SELECT count(*) AS n FROM reports", "_shape": "array"})
    assert json.loads(body) == [{"n": 5}]


def test_metadata_in_chinese(served):
    server, _ = served
    meta = json.loads(get(server, "/-/metadata.json")[1])
    tables = meta["databases"]["nianbao"]["tables"]
    assert tables["reports"]["title"] == "年度报告"
    assert tables["report_overview"]["columns"]["applications"].startswith("本年新收申请")
    assert meta["license"] and meta["source"]
    status, body, _ = get(server, "/nianbao/report_overview")
    assert status == 200 and "报告一览" in body.decode()


def test_facets(served):
    server, _ = served
    _, body, _ = get(server, "/nianbao/report_overview.json", {"_size": "0"})
    facets = json.loads(body)["facet_results"]
    assert {"county", "level", "year", "format", "status"} <= set(facets)
    counts = {f["value"]: f["count"] for f in facets["status"]["results"]}
    assert counts == {"ok": 4, "inconsistent": 1}
    counts = {f["value"]: f["count"] for f in facets["format"]["results"]}
    assert counts == {"2021": 4, "2019": 1}
    _, body, _ = get(server, "/nianbao/rule_failures.json", {"_size": "0", "severity": "error"})
    rules = {f["value"]: f["count"] for f in json.loads(body)["facet_results"]["rule"]["results"]}
    assert rules == {"T3-HANDLED-SUM": 1, "T3-ROW-TOTAL": 1}
    # cells is a view over cell_values: still browsed with its columns and facets (every cell of the 5 reports)
    _, body, _ = get(server, "/nianbao/cells.json", {"_size": "1"})
    data = json.loads(body)
    assert data["columns"] == ["report", "key", "tbl", "row_key", "col_key", "value", "raw", "blank", "invalid", "at",
                               "inferred", "raw_text", "at_data"]
    assert {"tbl", "row_key", "col_key", "blank", "invalid"} <= set(data["facet_results"])
    tables = {f["value"]: f["count"] for f in data["facet_results"]["tbl"]["results"]}
    assert tables == Counter(k.split(".")[0] for fmt in ["2021"] * 4 + ["2019"] for k in all_keys(fmt))


def test_full_text_search_over_titles_and_text(served):
    server, ids = served
    found = rows(server, "/nianbao/reports.json", _search="东城镇", _col="unit")
    assert {r["id"] for r in found} == {ids["town_2021"], ids["town_2022"]}
    # running text: “本年度共受理政府信息公开申请210件” is in the 2021 report only
    assert [r["id"] for r in rows(server, "/nianbao/reports.json", _search="申请210件")] == [ids["town_2021"]]
    found = rows(server, "/nianbao/report_overview.json", _search="自然资源局")
    assert [r["id"] for r in found] == [ids["free_2020"]]


def test_report_page(served):
    server, ids = served
    status, body, _ = get(server, f"/-/nianbao/report/{ids['town_2022']}")
    page = body.decode()
    assert status == 200
    assert "东城镇人民政府2022年政府信息公开工作年度报告" in page
    assert f'class="v fail fail-error" data-key="{BROKEN_CELL}"' in page
    assert 'data-rule="T3-ROW-TOTAL"' in page and "但总计 185，相差 1" in page
    # the official layout: table 三's three-row heading and table 四's 15 numbers
    assert "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" in page
    assert page.count('data-key="t4.') == 15
    # links to the source page and the raw document
    assert "/-/nianbao/raw/" in page and "http://127.0.0.1:9/410101100000/2022/" in page
    assert get(server, "/-/nianbao/report/nope")[0] == 404


def test_report_page_2019_format_without_unit_code(served):
    server, ids = served
    status, body, _ = get(server, f"/-/nianbao/report/{ids['free_2020']}")
    page = body.decode()
    assert status == 200 and "对外公开总数量" in page and 'data-key="t2.procurement.amount"' in page
    assert 'data-key="t3.other.total"' in page and 't3.other_other' not in page


def test_raw_document_has_type_and_name(served):
    server, ids = served
    store_path = Path(server.db_path)
    conn = sqlite3.connect(store_path)
    digest, stored, codec = conn.execute(
        "SELECT r.sha256, r.content, r.codec FROM raw r JOIN reports p ON p.document = r.sha256 WHERE p.id = ?",
        [ids["town_2022"]]).fetchone()
    conn.close()
    # kept compressed, served as crawled
    assert codec == "zstd" and len(stored) < len(content := rawcodec.unpack(stored, codec))
    assert content.startswith(b"<") and "年度报告".encode() in content
    status, body, headers = get(server, f"/-/nianbao/raw/{digest}")
    headers = {k.lower(): v for k, v in headers.items()}
    assert status == 200 and body == content
    assert headers["content-type"].startswith("text/html")
    assert "t20220120_1.html" in headers["content-disposition"]
    assert headers["content-security-policy"] == "sandbox"


def test_links_from_tables_and_queries_to_pages(served):
    server, ids = served
    page = get(server, "/nianbao/inconsistent")[1].decode()
    assert f'href="/-/nianbao/report/{ids["town_2022"]}"' in page
    page = get(server, "/nianbao/missing")[1].decode()
    assert 'href="/-/nianbao/unit/410101-jyj"' in page


def test_unit_and_counties_pages_have_charts(served):
    server, ids = served
    page = get(server, "/-/nianbao/unit/410101100000")[1].decode()
    assert '<svg class="nb-chart"' in page
    assert 'data-label="2021" data-value="210"' in page and 'data-label="2022" data-value="223"' in page
    assert f'/-/nianbao/report/{ids["town_2022"]}' in page
    page = get(server, "/-/nianbao/counties", {"year": "2022"})[1].decode()
    assert 'class="share share-missing" data-county="乙县人民政府" data-pct="50.0"' in page
    assert 'class="share share-missing" data-county="甲县人民政府" data-pct="33.3"' in page
    assert get(server, "/-/nianbao/unit/nope")[0] == 404


def test_chart_plugin_is_loaded(served):
    server, _ = served
    plugins = json.loads(get(server, "/-/plugins.json")[1])
    assert "datasette-vega" in {p["name"] for p in plugins}
    page = get(server, "/nianbao/county_overview")[1].decode()
    assert "/-/static-plugins/datasette_vega/" in page and "g.x_column=" in page


def test_new_reports_are_searchable_while_serving(served, tmp_path):
    """The crawler writes while Datasette serves: FTS triggers keep search current, no restart."""
    server, _ = served
    store = Store(server.db_path)
    try:
        rid = add_report(store, "410202100000", "西河乡人民政府", 2023, "2024-01-10")
    finally:
        store.close()
    assert [r["id"] for r in rows(server, "/nianbao/reports.json", _search="西河乡")] == [rid]
    store = Store(server.db_path)  # leave the module's data as the other tests expect it
    with store.db.conn:
        for t in ("cells", "rule_results"):
            store.db.execute(f"DELETE FROM {t} WHERE report = ?", [rid])
        store.db.execute("DELETE FROM reports WHERE id = ?", [rid])
    store.close()


def test_views_without_expected_reports(tmp_path):
    """Before ``nianbao check`` has run: views, canned queries and exports work, counting from reports."""
    from browse.export import export_csv
    from browse.metadata import CANNED_QUERIES
    from browse.report import report_context
    from browse.views import prepare

    path = tmp_path / "nianbao.db"
    reg_path = tmp_path / "r.yaml"
    reg_path.write_text(REGISTRY, encoding="utf-8")
    store = Store(path)
    store.sync_units(load(reg_path))
    add_report(store, "410101100000", "东城镇人民政府", 2022, "2023-01-20", **{BROKEN_CELL: "178"})
    page = "<html><body><h1>甲县教育局2022年政府信息公开工作年度报告</h1><p>详见附件。</p></body></html>"
    digest, (failed,) = ingest(store, page.encode(), "http://127.0.0.1:9/jyj.html", unit_code="410101-jyj")
    assert failed.error is not None
    store.close()
    # exporting reads the view SQL directly: it works before the views exist, and writes nothing
    assert export_csv(path, tmp_path / "csv")["county"].exists()
    assert "report_overview" not in sqlite3.connect(path).execute("SELECT group_concat(name) FROM sqlite_master").fetchone()[0]
    prepare(path)
    prepare(path)  # idempotent
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    params = {"year": "", "county": "", "unit": "410101100000"}
    results = {name: [dict(r) for r in conn.execute(q["sql"], params)] for name, q in CANNED_QUERIES.items()}
    assert results["missing"] == [] and results["late"] == []
    assert len(results["inconsistent"]) == 2
    assert [(r["年度"], r["发布情况"], r["本年新收申请"]) for r in results["unit_history"]] == [(2022, None, 223)]
    [county] = results["county_overview"]
    assert (county["县区"], county["应报"], county["已发布"], county["数字不平"], county["缺报比例"]) == (
        "甲县人民政府", 0, 1, 1, None)
    # a document that could not be parsed has a page too: its reason, no tables
    ctx = report_context(conn, Store.report_id(digest))
    assert ctx["report"]["status"] == "failed" and ctx["tables"] == [] and ctx["failed"] == []
    conn.close()


def test_export_xlsx_and_csv(served, tmp_path):
    from openpyxl import load_workbook

    from app.browse_cli import export

    server, ids = served
    result = CliRunner().invoke(export, ["--db", str(server.db_path), "--xlsx", str(tmp_path / "n.xlsx"),
                                         "--csv", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output
    wb = load_workbook(tmp_path / "n.xlsx", read_only=True)
    assert wb.sheetnames == ["县区概况", "年度考核", "报告一览", "全部单元格"]
    county = [list(r) for r in wb["县区概况"].iter_rows(values_only=True)]
    assert county[0][:8] == ["县区", "县区代码", "报告年度", "应报", "已发布", "按时", "逾期", "缺报"]
    assert ["乙县人民政府", "410202000000", 2022, 2, 1, 0, 1, 1] in [r[:8] for r in county]
    cells = list(wb["全部单元格"].iter_rows(values_only=True))
    header = cells[0]
    by_key = {(r[0], r[9]): dict(zip(header, r)) for r in cells[1:]}
    broken = by_key[(ids["town_2022"], BROKEN_CELL)]
    assert broken["数值"] == 178 and broken["名称"] == "表三·自然人·予以公开"
    assert set(broken["未通过的规则"].split("；")) == {"T3-HANDLED-SUM·natural", "T3-ROW-TOTAL·granted"}
    assert by_key[(ids["jia_2022"], "t2.fees.amount")]["数值"] == pytest.approx(2460.9543)
    assert len(cells) - 1 == 4 * len(all_keys("2021")) + len(all_keys("2019"))  # every cell of 5 reports
    wb.close()
    raw = (tmp_path / "csv" / "cells.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    with open(tmp_path / "csv" / "county_overview.csv", encoding="utf-8-sig", newline="") as f:
        county_csv = list(csv.reader(f))
    assert county_csv[0][0] == "县区" and len(county_csv) == len(county)


def test_export_spills_past_the_row_limit(served, tmp_path):
    from openpyxl import load_workbook

    from browse.export import export_xlsx

    server, _ = served
    counts = export_xlsx(server.db_path, tmp_path / "n.xlsx", max_rows=400)
    wb = load_workbook(tmp_path / "n.xlsx", read_only=True)
    parts = [n for n in wb.sheetnames if n.startswith("全部单元格")]
    assert parts == ["全部单元格", "全部单元格（2）", "全部单元格（3）"]
    sizes = [sum(1 for _ in wb[n].iter_rows(values_only=True)) for n in parts]
    assert sizes[:2] == [400, 400] and sum(sizes) - 3 == counts["cells"]  # each sheet has its header


def test_cli_help():
    from app.browse_cli import export, serve

    for command in (serve, export):
        result = CliRunner().invoke(command, ["--help"])
        assert result.exit_code == 0 and "Example:" in result.output
    result = CliRunner().invoke(export, ["--db", __file__])
    assert result.exit_code == 2 and "--xlsx" in result.output
