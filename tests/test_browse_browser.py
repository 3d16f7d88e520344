"""The report page in a real browser (Playwright driving Debian's Chromium), offline.

Opens an inconsistent report's page, finds the highlighted cell and the message of the rule it fails,
and saves screenshots under test-artifacts/ at the repository root (gitignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_browse import BROKEN_CELL, build_store
from .utils import launched_chromium, offline_page

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from browse.serve import DatasetteServer

    path = tmp_path_factory.mktemp("browse-browser") / "nianbao.db"
    ids = build_store(path)
    with DatasetteServer(path) as server:
        yield server, ids


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as b:
        yield b


@pytest.fixture
def page(browser, served):
    server, _ = served
    with offline_page(browser, server.url, width=1400) as p:
        yield p


def test_inconsistent_report_highlights_cell_and_message(page, served):
    server, ids = served
    page.goto(f"{server.url}/-/nianbao/report/{ids['town_2022']}")
    assert page.locator("#nb-status").inner_text() == "数字不平"

    cell = page.locator(f'#table-t3 td.fail-error[data-key="{BROKEN_CELL}"]')
    assert cell.is_visible()
    assert cell.inner_text().startswith("178")
    assert cell.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(250, 219, 216)"
    assert "予以公开：自然人 178" in cell.get_attribute("title")  # the message on hover too
    # only the cells of failing error rules are highlighted as errors: the 21 result rows and 办理结果总计
    # of 自然人 (T3-HANDLED-SUM), the 7 cells of 予以公开 (T3-ROW-TOTAL), the broken cell being in both
    assert page.locator("td.fail-error").count() == 22 + 7 - 1

    # the cell's marks lead to the messages beside the tables
    marks = cell.locator("sup.mark a")
    assert marks.count() == 2
    marks.last.click()
    rule = page.locator('li.rule-fail[data-rule="T3-ROW-TOTAL"]')
    assert rule.is_visible()
    assert rule.evaluate("e => e.matches(':target')")
    assert rule.locator(".nb-message").inner_text() == \
        "表三·予以公开：自然人 178 + 商业企业 3 + 社会公益组织 2 + 其他 3 = 186，但总计 185，相差 1"
    assert BROKEN_CELL in rule.get_attribute("data-cells").split()
    # the message sits beside the tables, not below them
    assert rule.bounding_box()["x"] > page.locator("#table-t3").bounding_box()["x"] + 500

    # links to the raw document and the source page
    raw = page.locator("a.nb-raw").get_attribute("href")
    assert page.request.get(server.url + raw).status == 200
    assert page.locator("a.nb-source-page").get_attribute("href").startswith("http://127.0.0.1:9/410101100000/")

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#table-t3").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "browse-report-inconsistent.png"), full_page=True)


def test_charts_render_offline(page, served):
    server, _ = served
    # our own inline SVG: the share of units late and missing per county
    page.goto(f"{server.url}/-/nianbao/counties?year=2022")
    assert page.locator("svg.nb-chart rect.share-missing").count() == 2
    page.screenshot(path=str(ARTIFACTS / "browse-counties.png"), full_page=True)

    # datasette-vega on a canned query, opened with the chart already chosen in the URL fragment
    page.goto(f"{server.url}/-/nianbao/unit/410101100000")
    page.locator("a.nb-vega").click()  # the unit page's link to its canned query, chart chosen in the fragment
    page.wait_for_selector("text=Charting options")
    assert page.locator("select").first.input_value() == "年度"
    chart = page.locator("canvas, .vega-embed svg, .marks").first
    chart.wait_for(state="visible", timeout=15000)
    page.screenshot(path=str(ARTIFACTS / "browse-unit-history-vega.png"), full_page=True)
