"""Titles: which are reports, for which year, issued by whom, and whose column they belong in."""

import pytest

from pages.titles import (
    belongs_to,
    is_report_title,
    report_year,
    title_unit,
    unit_score,
)


@pytest.mark.parametrize("title", [
    "武陟县人民政府办公室2021年政府信息公开工作年度报告",
    "2022年度政府信息公开工作年度报告",
    "XX镇2019年政府信息公开年报",
    "木城街道办事处2022年度政府信息公开工作年度报告",
    "修武县教育局2022年度政府信息公开工作年度报告",
    "汴东产业集聚区2021年政府信息公开工作年度报告",
    "岢曲镇人民政府2023年政府信息公开工作年度报告（修订）",
    "二〇二二年度政府信息公开工作年度报告",
    "２０２２年政府信息公开工作年度报告",
    "【置顶】乡宁县人民政府办公室2022年政府信息公开工作年度报告",
    "2019年上海市人民政府办公厅政府信息公开工作年度报告",
    "县卫健委2020年度政务信息公开工作年度报告",
    "城关镇政府信息公开工作年度报告",
    "武陟县 2022 年 政府信息公开 工作年度报告",
])
def test_keeps_report_titles(title):
    assert is_report_title(title)


@pytest.mark.parametrize("title", [
    "关于做好2022年度政府信息公开工作年度报告编制发布工作的通知",
    "关于做好2021年政府信息公开工作年度报告工作的通知",
    "政府信息公开工作年度报告统计表（2021年新版格式）",
    "2021年政府信息公开工作年度报告模板",
    "政府信息公开工作年度报告格式",
    "汝阳县人民政府办公室关于召开政府信息公开工作年度报告编制培训会议的通知",
    "我县召开2022年政府信息公开工作年度报告编制推进会",
    "《武陟县2022年政府信息公开工作年度报告》解读",
    "图解：武陟县2022年政府信息公开工作年度报告",
    "关于报送2022年度政府信息公开工作年度报告的通知",
    "关于2022年度政府信息公开工作年度报告发布情况的通报",
    "武陟县人民政府关于印发武陟县2023年重点民生实事的通知",
    "2022年政府工作报告",
    "政府信息公开指南",
    "",
    None,
])
def test_drops_other_titles(title):
    assert not is_report_title(title)


@pytest.mark.parametrize("title, published, year", [
    ("2022年度政府信息公开工作年度报告", None, 2022),
    ("武陟县人民政府办公室2021年政府信息公开工作年度报告", "2022-01-28", 2021),
    ("XX镇2019年政府信息公开年报", None, 2019),
    ("２０２２年政府信息公开工作年度报告", None, 2022),
    ("二〇二二年度政府信息公开工作年度报告", None, 2022),
    ("二○二三年政府信息公开工作年度报告", None, 2023),
    ("2023年发布：2022年度政府信息公开工作年度报告", None, 2022),  # 年度 names the covered year
    ("城关镇政府信息公开工作年度报告", "2023-01-31", 2022),  # no year: the year before publication
    ("城关镇政府信息公开工作年度报告", "2023年1月31日", 2022),
    ("城关镇政府信息公开工作年度报告", None, None),
])
def test_report_year(title, published, year):
    assert report_year(title, published) == year


@pytest.mark.parametrize("title, unit", [
    ("武陟县人民政府办公室2021年政府信息公开工作年度报告", "武陟县人民政府办公室"),
    ("木城街道办事处2022年度政府信息公开工作年度报告", "木城街道办事处"),
    ("XX镇2019年政府信息公开年报", "XX镇"),
    ("2022年武陟县教育局政府信息公开工作年度报告", "武陟县教育局"),
    ("【置顶】乡宁县人民政府办公室2022年政府信息公开工作年度报告", "乡宁县人民政府办公室"),
    ("政府信息公开工作年度报告（武陟县教育局）", "武陟县教育局"),
    ("2022年度政府信息公开工作年度报告", None),
    ("政府信息公开工作年度报告（2022年）", None),
])
def test_title_unit(title, unit):
    assert title_unit(title) == unit


@pytest.mark.parametrize("mentioned, name, score", [
    ("木城街道办事处", "木城街道办事处", 3),
    ("木城街道", "木城街道办事处", 2),
    ("内乡县岢曲镇", "岢曲镇人民政府", 2),
    ("县教育局", "武陟县教育局", 2),
    ("县政府办公室", "武陟县人民政府办公室", 2),
    ("武陟县教育局", "武陟县人民政府", 0),  # a sub-body is another unit
    ("武陟县人民政府办公室", "武陟县人民政府", 0),
])
def test_unit_score(mentioned, name, score):
    assert unit_score(mentioned, name) == score


OTHERS = ["武陟县人民政府办公室", "木城街道办事处", "武陟县教育局"]


def test_title_without_unit_belongs_to_the_column():
    assert belongs_to("2022年度政府信息公开工作年度报告", "木城街道办事处", OTHERS) is True


def test_title_naming_the_column_unit_belongs_to_it():
    assert belongs_to("木城街道2022年政府信息公开工作年度报告", "木城街道办事处", OTHERS) is True


def test_title_naming_another_unit_is_that_units():
    assert belongs_to("武陟县人民政府办公室2022年政府信息公开工作年度报告", "武陟县人民政府", OTHERS) is False


def test_county_title_in_county_column():
    assert belongs_to("武陟县2022年政府信息公开工作年度报告", "武陟县人民政府", OTHERS) is True


def test_title_naming_an_unknown_body_is_undecided():
    assert belongs_to("武陟县财政局2022年政府信息公开工作年度报告", "武陟县人民政府", OTHERS) is None
