"""The scorecard page and the 与上年对比 view in a real browser (Playwright driving Debian's Chromium),
offline; screenshots under test-artifacts/ (gitignored)."""

from __future__ import annotations

import pytest

from .test_browse_browser import ARTIFACTS
from .test_scorecard import build
from .utils import launched_chromium, offline_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from browse.serve import DatasetteServer

    path = tmp_path_factory.mktemp("scorecard-browser") / "nianbao.db"
    ids = build(path)
    with DatasetteServer(path) as server:
        yield server, ids


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as b:
        yield b


@pytest.fixture
def page(browser, served):
    server, _ = served
    with offline_page(browser, server.url, width=1500) as p:
        yield p


def test_scorecard_page_in_a_browser(page, served):
    server, _ = served
    page.goto(f"{server.url}/-/nianbao/county/410101000000/2023")
    assert page.locator("#nb-county-title").inner_text() == "甲县人民政府 2023 年度政府信息公开工作年度报告考核"
    assert page.locator("#nb-score").inner_text() == "34.0"
    assert page.locator("#nb-formula").inner_text().startswith("得分 = 100 × (1 − (1×缺报")
    units = page.locator("#nb-units tr[data-unit]")
    assert units.count() == 5
    flagged = page.locator("#nb-units tr.nb-bad")
    assert flagged.count() == 4  # 东城镇 and 西河乡 copies, 北山镇 late and wrong year, 教育局 missing
    west = page.locator('#nb-units tr[data-unit="410101101000"]')
    assert "与同年度 东城镇人民政府 的报告" in west.inner_text()
    assert page.locator("svg rect.share").count() >= 2  # the chart of on time / late / missing
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "scorecard-county.png"), full_page=True)
    page.emulate_media(media="print")  # what the office takes to the meeting: no navigation, no links list
    assert not page.locator("p.nb-noprint").is_visible()
    page.screenshot(path=str(ARTIFACTS / "scorecard-county-print.png"), full_page=True)
    assert (ARTIFACTS / "scorecard-county.png").stat().st_size > 10_000


def test_compare_with_last_year_in_a_browser(page, served):
    server, ids = served
    page.goto(f"{server.url}/-/nianbao/report/{ids['north_2023']}")
    page.locator("#nb-compare summary").click()
    changed = page.locator("#compare-now-t3 td.changed")
    assert changed.count() == 6 and changed.first.is_visible()
    assert changed.first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 240, 179)"
    assert "另一年" in changed.first.get_attribute("title")
    assert page.locator("#nb-text-diff del").first.is_visible()
    page.locator("#nb-compare").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compare-last-year.png"), full_page=True)
