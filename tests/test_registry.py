"""The registry file, its deadlines and hierarchy, and `nianbao registry import`."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from click.testing import CliRunner

from app.cli import main
from crawler.registry import RegistryError, load

from .conftest import ROOT


def test_example_registry_loads_with_the_seed_counties():
    reg = load(ROOT / "registry" / "example.yaml")
    names = {u.name for u in reg.units}
    assert {"武陟县人民政府", "鹿邑县人民政府", "乡宁县人民政府", "内乡县人民政府", "岞岖镇人民政府"} <= names
    town = next(u for u in reg.units if u.name == "岞岖镇人民政府")
    assert town.level == "township" and reg.county_of(town).name == "内乡县人民政府"


def test_deadlines_default_county_override_and_unit_override(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text(yaml.safe_dump({"units": [
        {"code": "1", "name": "甲县人民政府", "level": "county"},
        {"code": "2", "name": "甲县教育局", "level": "department", "parent": "1"},
        {"code": "3", "name": "乙县人民政府", "level": "county", "deadline": "02-20"},
        {"code": "4", "name": "乙镇人民政府", "level": "township", "parent": "3"},
        {"code": "5", "name": "丙镇人民政府", "level": "township", "parent": "3", "deadline": "01-15"},
    ]}, allow_unicode=True), encoding="utf-8")
    reg = load(f)
    assert reg.deadline(reg.get("1"), 2022) == date(2023, 3, 31)
    assert reg.deadline(reg.get("2"), 2022) == date(2023, 1, 31)
    assert reg.deadline(reg.get("3"), 2022) == date(2023, 2, 20)
    assert reg.deadline(reg.get("4"), 2022) == date(2023, 2, 20)  # the county's notice applies
    assert reg.deadline(reg.get("5"), 2022) == date(2023, 1, 15)
    assert [u.code for u in reg.select(["3"])] == ["3", "4", "5"]


@pytest.mark.parametrize("units, message", [
    ([{"name": "甲县", "level": "city"}], "level"),
    ([{"code": "1", "name": "甲", "level": "county"}, {"code": "1", "name": "乙", "level": "county"}], "重复"),
    ([{"code": "2", "name": "乙", "level": "township", "parent": "9"}], "上级"),
    ([{"code": "1", "name": "甲", "level": "county", "deadline": "2-30"}], "deadline"),
])
def test_bad_registry_names_the_problem(tmp_path, units, message):
    f = tmp_path / "r.yaml"
    f.write_text(yaml.safe_dump({"units": units}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load(f)


def test_registry_import_reaches_township_level(tmp_path):
    out = tmp_path / "reg.yaml"
    result = CliRunner().invoke(main, ["registry", "import", "--county", "内乡县", "--county", "410823", "-o", str(out)])
    assert result.exit_code == 0, result.output
    reg = load(out)
    county = reg.get("411325000000")
    assert county.name == "内乡县人民政府" and county.level == "county"
    towns = {u.name for u in reg.children("411325000000")}
    assert "岞岖镇人民政府" in towns and "赤眉镇人民政府" in towns and len(towns) == 16
    assert "木城街道办事处" in {u.name for u in reg.children("410823000000")}


def test_registry_import_csv_rows_win(tmp_path):
    csv = tmp_path / "u.csv"
    csv.write_text("code,name,level,parent,site,columns\n"
                   "411325000000,内乡县人民政府,county,,http://nx.example/,http://nx.example/zfxxgknb/\n"
                   "411325101000,岞岖镇人民政府,township,411325000000,,\n", encoding="utf-8")
    out = tmp_path / "reg.yaml"
    result = CliRunner().invoke(main, ["registry", "import", "--county", "内乡县", "--csv", str(csv), "-o", str(out)])
    assert result.exit_code == 0, result.output
    reg = load(out)
    assert reg.get("411325000000").columns == ["http://nx.example/zfxxgknb/"]
    assert reg.get("411325101000").parent == "411325000000"


def test_registry_import_unknown_county():
    result = CliRunner().invoke(main, ["registry", "import", "--county", "不存在县"])
    assert result.exit_code != 0 and "找不到" in result.output


def test_county_units_groups_a_county_with_its_townships_and_departments_only():
    from crawler.registry import Registry, Unit

    reg = Registry([
        Unit(code="1", name="甲县人民政府", level="county"),
        Unit(code="1a", name="城关镇人民政府", level="township", parent="1"),
        Unit(code="2", name="乙县人民政府", level="county"),
        Unit(code="1b", name="甲县教育局", level="department", parent="1"),
        Unit(code="2a", name="城关镇人民政府", level="township", parent="2"),
    ])
    assert [u.code for u in reg.county_units(reg.get("1"))] == ["1", "1a", "1b"]
    assert [u.code for u in reg.county_units(reg.get("2"))] == ["2", "2a"]
    assert reg.county_units(Unit(code="9", name="丙县人民政府", level="county")) == []
