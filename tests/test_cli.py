"""The parse and reparse verbs, through click's runner and a real SQLite file."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from app.cli import main
from crawler.store import Store

from .conftest import REAL, seed_path


def dump(path) -> list:
    conn = sqlite3.connect(path)
    out = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
        out.append((table, sorted(map(repr, conn.execute(f"SELECT * FROM [{table}]")))))
    conn.close()
    return out


def test_parse_json_one_object(tmp_path):
    result = CliRunner().invoke(main, ["parse", "--json", str(seed_path("000"))])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unit"] == "武陟县人民政府办公室"
    assert data["year"] == 2021 and data["format"] == "2021"
    assert data["cells"]["t3.new.total"]["value"] == 26
    assert data["cells"]["t3.new.total"]["raw"] == "26"
    assert data["cells"]["t3.new.total"]["at"]["line"] > 0
    assert data["error"] is None
    balance = [r for r in data["rules"] if r["id"] == "T3-BALANCE"]
    assert {r["scope"] for r in balance} == {"natural", "commercial", "research", "nonprofit", "legal", "other_org", "total"}
    assert all(r["status"] == "pass" and r["severity"] == "error" for r in balance)


def test_parse_json_list_for_several_files_and_exit_2_on_unparseable(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 40)
    result = CliRunner().invoke(main, ["parse", "--json", str(seed_path("001")), str(junk)])
    assert result.exit_code == 2
    data = json.loads(result.output)
    assert isinstance(data, list) and len(data) == 2
    assert data[0]["error"] is None
    assert data[1]["error"]["code"] == "unknown_format"


def test_exit_1_when_numbers_do_not_add_up(tmp_path):
    text = seed_path("000").read_text(encoding="utf-8")
    broken = text.replace("一、本年新收政府信息公开申请数量\t\t26\t", "一、本年新收政府信息公开申请数量\t\t27\t")
    assert broken != text
    f = tmp_path / "broken.txt"
    f.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(f)])
    assert result.exit_code == 1
    assert "T3-BALANCE" in result.output
    assert "本年新收 27 + 上年结转 0 = 27，但办理结果总计 26 + 结转下年度 0 = 26，相差 1" in result.output


def test_terminal_view_shows_tables_and_rules():
    result = CliRunner().invoke(main, ["parse", str(REAL / "reports" / "shanghai-bgt-2019.html")])
    assert result.exit_code == 0, result.output
    for text in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
                 "859", "805", "BLANK-CELLS", "上海市人民政府办公厅"):
        assert text in result.output


def test_parse_db_stores_and_twice_changes_nothing(tmp_path):
    db = tmp_path / "n.db"
    args = ["parse", "--db", str(db), str(seed_path("000")), str(REAL / "reports" / "shanghai-bgt-2019.html")]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = dump(db)
    store = Store(db)
    assert store.counts()["documents"] == 2
    assert store.counts()["reports"] == 2
    assert store.counts()["cells"] == 200 + 198
    row = next(store.db.query("SELECT * FROM cells WHERE key = 't2.procurement.amount'"))
    assert row["value"] == 25.1 and row["raw"] == "251000元"
    assert json.loads(row["at"])["table"] == 1
    store.close()
    assert CliRunner().invoke(main, args).exit_code == 0
    assert dump(db) == before


def test_store_keeps_raw_bytes_and_has_foreign_keys_and_wal(tmp_path):
    db = tmp_path / "n.db"
    CliRunner().invoke(main, ["parse", "--db", str(db), str(seed_path("004"))])
    store = Store(db)
    (sha,) = store.db.execute("SELECT sha256 FROM documents").fetchone()
    assert store.document_bytes(sha) == seed_path("004").read_bytes()
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    fks = {fk.other_table for fk in store.db["cell_values"].foreign_keys}  # read through the view cells
    assert fks == {"reports"} and "cells" in store.db.view_names()
    assert {fk.other_table for fk in store.db["reports"].foreign_keys} == {"documents"}
    store.close()


def test_failed_document_is_stored_with_its_reason(tmp_path):
    db = tmp_path / "n.db"
    page = REAL / "listpages" / "kevin3691_renmin__list.jsp"
    result = CliRunner().invoke(main, ["parse", "--db", str(db), str(page)])
    assert result.exit_code == 2
    store = Store(db)
    row = next(store.db.query("SELECT status, error_code, error_message FROM reports"))
    assert row["status"] == "failed" and row["error_code"] == "not_a_report"
    assert store.counts()["documents"] == 1  # the raw page is kept for a later re-parse
    store.close()


def test_reparse_rebuilds_from_raw_documents(tmp_path):
    db = tmp_path / "n.db"
    CliRunner().invoke(main, ["parse", "--db", str(db), str(seed_path("001")), str(seed_path("003"))])
    before = dump(db)
    store = Store(db)
    # what an older parser might have left: wrong cells and a stale digest
    store.db.execute("UPDATE cells SET value = 999 WHERE key = 't3.new.total'")
    store.db.execute("DELETE FROM cells WHERE key LIKE 't4.%'")
    store.db.execute("UPDATE reports SET digest = 'old'")
    store.db.conn.commit()
    store.close()
    result = CliRunner().invoke(main, ["reparse", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "重新解析 2 份文档：2 份结果有变化" in result.output
    after = dump(db)
    strip = lambda d: [(t, [r for r in rows if "parsed_at" not in t]) for t, rows in d if t != "reports"]  # noqa: E731
    assert strip(after) == strip(before)


def write_two_years(tmp_path) -> None:
    """Seed 000 as 2021, and a 2020 report of the same unit that carried 2 applications over."""
    base = seed_path("000").read_text(encoding="utf-8")
    last = base.replace("2021 年政府信息公开工作年度报告", "2020 年政府信息公开工作年度报告")
    last = last.replace("四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0", "四、结转下年度继续办理\t\t2\t0\t0\t0\t0\t0\t2")
    last = last.replace("一、本年新收政府信息公开申请数量\t\t26\t0\t0\t0\t0\t0\t26", "一、本年新收政府信息公开申请数量\t\t28\t0\t0\t0\t0\t0\t28")
    assert last.count("\t28\t") == 2  # 自然人 and 总计
    (tmp_path / "2020.txt").write_text(last, encoding="utf-8")
    (tmp_path / "2021.txt").write_text(base, encoding="utf-8")


def test_cross_year_rule_runs_when_last_year_is_stored(tmp_path):
    """X-CARRY: this year's 上年结转 must equal last year's 结转下年度 (same unit)."""
    write_two_years(tmp_path)
    db = tmp_path / "n.db"
    r = CliRunner().invoke(main, ["parse", "--db", str(db), "--json", str(tmp_path / "2020.txt"), str(tmp_path / "2021.txt")])
    data = json.loads(r.output)
    x = {(res["id"], res["scope"]): res for res in data[1]["rules"] if res["id"] == "X-CARRY"}
    assert x[("X-CARRY", "natural")]["status"] == "fail"
    assert "相差 2" in x[("X-CARRY", "natural")]["message"]
    assert x[("X-CARRY", "commercial")]["status"] == "pass"
    assert r.exit_code == 1


def test_cross_year_rechecks_when_last_year_arrives_later(tmp_path):
    write_two_years(tmp_path)
    db = tmp_path / "n.db"
    CliRunner().invoke(main, ["parse", "--db", str(db), str(tmp_path / "2021.txt")])
    CliRunner().invoke(main, ["parse", "--db", str(db), str(tmp_path / "2020.txt")])
    store = Store(db)
    rows = list(store.db.query(
        "SELECT r.status FROM rule_results r JOIN reports p ON p.id = r.report "
        "WHERE p.year = 2021 AND r.rule = 'X-CARRY' AND r.scope = 'natural'"))
    assert rows == [{"status": "fail"}]
    row = next(store.db.query("SELECT errors_failed, status FROM reports WHERE year = 2021"))
    assert row == {"errors_failed": 2, "status": "inconsistent"}
    store.close()


def test_every_verb_has_help():
    runner = CliRunner()
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert command.help and "Example" in command.help, f"{name} lacks help with an example"
