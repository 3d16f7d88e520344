"""Plain-text extracts whose table cells were glued together: the two real pingtan dumps (every value of
../shared/real/MANIFEST.md) and synthetic rows built here (unique, ambiguous, 3-digit, inconsistent)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crawler.ingest import check_report
from parsers import parse_document, parse_path, schema
from parsers.glued import as_run, splits
from parsers.model import Piece

from .conftest import REAL
from .glued_text import consistent_cells, flattened_report


def rule(report, rule_id, scope):
    return next(r for r in report.rules if r.rule == rule_id and r.scope == scope)


def row(report, name):
    return tuple(report.value(f"t3.{name}.{c}") for c in schema.T3_COLUMNS)


def t4(report, group):
    return tuple(report.value(f"t4.{group}.{r}") for r in schema.T4_RESULTS)


@pytest.fixture(scope="module")
def pingtan2019():
    return check_report(parse_path(REAL / "reports" / "pingtan-2019.txt"))


@pytest.fixture(scope="module")
def pingtan2021():
    return check_report(parse_path(REAL / "reports" / "pingtan-2021.txt"))


# ---------------------------------------------------------------- the real extracts
def test_pingtan_2019_is_a_report_not_a_list(pingtan2019):
    r = pingtan2019
    assert r.error is None
    assert r.title == "平潭综合实验区2019年度政府信息公开工作年度报告"
    assert r.unit == "平潭综合实验区"
    assert (r.year, r.format, r.published) == (2019, "2019", date(2020, 1, 20))


def test_pingtan_2019_every_manifest_value(pingtan2019):
    r = pingtan2019
    zeros = (0,) * 7
    assert row(r, "new") == (23, 0, 0, 0, 0, 0, 23)
    assert row(r, "carried_in") == zeros
    assert row(r, "granted") == (7, 0, 0, 0, 0, 0, 7)
    assert row(r, "handled_total") == (23, 0, 0, 0, 0, 0, 23)
    assert row(r, "carried_out") == zeros
    for g in schema.T4_GROUPS:
        assert t4(r, g) == (0,) * 5
    # every cell of a glued run is marked inferred, its raw the run as written (spaces and all)
    new = r.cells["t3.new.natural"]
    assert new.inferred and new.raw == "230 000023"
    assert r.cells["t3.handled_total.total"].raw == "23 0 00 0 023"
    assert r.cells["t3.carried_out.total"].inferred
    assert r.cells["t4.review.total"].raw == "000000000000000" and r.cells["t4.review.total"].inferred
    assert all(c.inferred for k, c in r.cells.items() if k.startswith(("t3.", "t4.")))
    # (六) 其他处理 as one row in the 2019 format
    assert row(r, "other") == zeros
    # 表二 has no arithmetic: “政府集中采购13575394432.52元” (135 items + 75394432.52元 by hand) cannot be
    # split by the table itself, so it is left unread with a note naming the run, not guessed
    assert "t2.procurement.items" in r.missing and "t2.procurement.amount" in r.missing
    assert any("13575394432.52元" in n and "未读取" in n for n in r.notes)
    assert [r.value(f"t2.regulations.{c}") for c in ("made", "published", "total_public")] == [0, 0, 0]


def test_pingtan_2021_every_manifest_value(pingtan2021):
    r = pingtan2021
    assert r.error is None
    assert r.title == "平潭综合实验区2021年度政府信息公开工作年度报告"
    assert (r.year, r.format, r.published) == (2021, "2021", date(2022, 2, 8))
    assert row(r, "new") == (64, 0, 0, 2, 0, 4, 70)
    assert row(r, "granted") == (27, 0, 0, 2, 0, 1, 30)
    assert row(r, "handled_total") == (63, 0, 0, 2, 0, 4, 69)
    assert row(r, "carried_out") == (1, 0, 0, 0, 0, 0, 1)
    assert row(r, "partly_granted") == (5, 0, 0, 0, 0, 0, 5)
    assert row(r, "unavailable_not_held") == (22, 0, 0, 0, 0, 3, 25)
    assert t4(r, "review") == (1, 0, 2, 0, 3)
    assert t4(r, "suit_direct") == (12, 0, 0, 0, 12)
    assert t4(r, "suit_after_review") == (0, 0, 0, 0, 0)
    assert r.cells["t3.new.natural"].raw == "640020470" and r.cells["t3.new.natural"].inferred
    assert r.cells["t3.granted.total"].raw == "270020130"
    assert r.cells["t3.partly_granted.natural"].raw == "500000 5"
    assert r.cells["t3.unavailable_not_held.other_org"].raw == "220000325"
    assert r.cells["t4.suit_direct.upheld"].raw == "10203120001200000"
    fees = r.cells["t2.fees.amount"]
    assert fees.raw == "24252.311082" and fees.value == Decimal("24252.311082") and not fees.inferred
    assert r.value("t2.licensing.decisions") == 2293
    assert r.value("t2.penalty.decisions") == 1282
    assert r.value("t2.coercion.decisions") == 42


def test_pingtan_2021_rules_that_decided_a_split_are_not_a_pass(pingtan2021):
    r = pingtan2021
    for scope in ("new", "granted", "handled_total", "unavailable_not_held"):
        res = rule(r, "T3-ROW-TOTAL", scope)
        assert res.status == "not_assessable" and "由合计推断拆分" in res.message
    # 予以公开 “270020130” fits its row total two ways (27…30 or 2·7·…·20…30): the column sums decided
    assert rule(r, "T3-HANDLED-SUM", "natural").status == "not_assessable"
    assert rule(r, "T4-TOTAL", "suit_direct").status == "not_assessable"
    # a split that no identity decided leaves the identities real checks
    assert rule(r, "T3-ROW-TOTAL", "carried_out").status == "pass"
    assert rule(r, "T3-BALANCE", "natural").status == "pass"
    assert rule(r, "T3-HANDLED-SUM", "research").status == "pass"
    # 行政规范性文件 “693665” has no arithmetic to split it: unread, named, never guessed
    assert "t2.normative.issued" in r.missing
    assert any("693665" in n for n in r.notes)
    failing = {(x.rule, x.scope) for x in r.rules if x.status == "fail" and x.severity == "error"}
    assert failing == {("CELLS-MISSING", "t2")}


def test_inferred_cells_in_json_and_store(pingtan2021, store):
    data = pingtan2021.to_json()
    assert data["cells"]["t3.new.natural"]["inferred"] is True
    assert "inferred" not in data["cells"]["t2.fees.amount"]
    digest = store.add_document(b"x", name="pingtan-2021.txt")
    (rid,) = store.save_reports(digest, [pingtan2021])
    (flag,) = store.db.execute("SELECT inferred FROM cells WHERE report = ? AND key = 't3.new.natural'", [rid]).fetchone()
    assert flag == 1
    back = store.load_report(rid)
    assert back.cells["t3.granted.natural"].inferred and back.cells["t3.granted.natural"].raw == "270020130"
    assert not back.cells["t2.fees.amount"].inferred


# ---------------------------------------------------------------- synthetic glued reports
def parse_text(text: str):
    return check_report(parse_document(text.encode(), "glued.txt", name="glued.txt"))


def test_three_digit_counts_split_uniquely():
    cells = consistent_cells({
        "new": (412, 103, 0, 27, 5, 11), "carried_in": (38, 2, 0, 0, 0, 0),
        "granted": (205, 61, 0, 14, 3, 6), "partly_granted": (98, 20, 0, 7, 0, 2),
        "unavailable_not_held": (117, 19, 0, 6, 2, 3), "carried_out": (30, 5, 0, 0, 0, 0),
    }, t4=(3, 1, 0, 2, 6, 12, 0, 4, 0, 16, 0, 0, 0, 0, 0))
    report = parse_text(flattened_report(cells))
    assert report.error is None
    got = {k: report.value(k) for k in cells}
    assert got == cells
    assert report.cells["t3.new.natural"].inferred
    assert report.missing == []


def test_stray_spaces_are_not_trusted():
    cells = consistent_cells({"new": (64, 0, 0, 2, 0, 4), "granted": (64, 0, 0, 2, 0, 4)})

    def spaced(values):  # spaces that fall inside cells and not between them
        text = "".join(str(v) for v in values)
        return " ".join(text[i:i + 3] for i in range(0, len(text), 3))

    report = parse_text(flattened_report(cells, join=spaced))
    assert row(report, "new") == (64, 0, 0, 2, 0, 4, 70)
    assert report.cells["t3.new.natural"].raw == "640 020 470"


def test_ambiguous_run_is_left_unread_and_named():
    # 予以公开 and 部分公开 print the same digits; each fits its row total two ways and the column sums
    # hold whichever row takes which reading: no unique split, so neither row is read
    cells = consistent_cells({"new": (29, 7, 0, 2, 20, 2), "granted": (27, 0, 0, 2, 0, 1),
                              "partly_granted": (2, 7, 0, 0, 20, 1)})
    report = parse_text(flattened_report(cells))
    for name in ("granted", "partly_granted"):
        assert all(f"t3.{name}.{c}" not in report.cells for c in schema.T3_COLUMNS)  # missing, not blank
        assert all(f"t3.{name}.{c}" in report.missing for c in schema.T3_COLUMNS)
    assert any("270020130" in n and "无法唯一拆分" in n for n in report.notes)
    assert rule(report, "CELLS-MISSING", "t3").status == "fail"
    assert rule(report, "T3-HANDLED-SUM", "natural").status == "not_assessable"
    assert row(report, "new") == (29, 7, 0, 2, 20, 2, 60)


def test_real_inconsistency_still_fails_where_the_split_does_not_depend_on_it():
    cells = consistent_cells({"new": (5, 0, 0, 0, 0, 0), "granted": (64, 0, 0, 2, 0, 4)})
    # the document's 本年新收 is 5 but 64 + 6 = 70 were handled: a real error
    report = parse_text(flattened_report(cells))
    assert row(report, "new") == (5, 0, 0, 0, 0, 0, 5)  # one digit a cell: no arithmetic needed
    assert row(report, "granted") == (64, 0, 0, 2, 0, 4, 70)  # decided by its own row total
    assert rule(report, "T3-ROW-TOTAL", "granted").status == "not_assessable"
    balance = rule(report, "T3-BALANCE", "natural")
    assert balance.status == "fail"
    assert "相差 59" in balance.message
    assert rule(report, "T3-BALANCE", "total").status == "fail"
    # a row that cannot add up under any split of its digits is read when the digits allow one split only
    bad = consistent_cells({"granted": (10, 0, 0, 0, 0, 0)})
    bad["t3.granted.total"] = 2
    text = flattened_report(bad)
    report = parse_text(text)
    assert row(report, "granted") == (10, 0, 0, 0, 0, 0, 2)
    assert rule(report, "T3-ROW-TOTAL", "granted").status == "fail"


def test_table_four_glued_groups():
    cells = consistent_cells({}, t4=(1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0))
    report = parse_text(flattened_report(cells))
    assert t4(report, "review") == (1, 0, 2, 0, 3)
    assert t4(report, "suit_direct") == (12, 0, 0, 0, 12)
    assert report.cells["t4.review.upheld"].inferred
    # “31026110401500000”: 直接起诉 11·0·4·0·15 or 1·10·4·0·15 — both add up, so 表四 stays unread
    cells = consistent_cells({}, t4=(3, 1, 0, 2, 6, 11, 0, 4, 0, 15, 0, 0, 0, 0, 0))
    report = parse_text(flattened_report(cells))
    assert all(k in report.missing for k in schema.T4_KEYS)
    assert any("31026110401500000" in n and "2 种拆分" in n for n in report.notes)


def test_split_search_is_bounded_and_exact():
    run = as_run([Piece("999888777666555444", {})])
    groups = [((0, 1, 2, 3, 4, 5), 6, "row")]
    assert splits(run, 7, groups) == []  # nothing adds up: found out, not searched forever
    # a boundary the document gives (a tab between pieces) is never crossed
    run = as_run([Piece("64", {}), Piece("0020470", {})])
    assert run.cuts == frozenset({2})
    assert splits(run, 7, groups) == [(64, 0, 0, 2, 0, 4, 70)]
    assert as_run([Piece("12", {}), Piece("", {}), Piece("3", {})]) is None  # a blank cell: a real grid


def _brute(digits: str, n: int, groups) -> list[tuple[int, ...]]:
    import itertools

    out = []
    for cuts in itertools.combinations(range(1, len(digits)), n - 1):
        bounds = (0, *cuts, len(digits))
        parts = [digits[a:b] for a, b in zip(bounds, bounds[1:])]
        if any(len(p) > 1 and p[0] == "0" for p in parts):
            continue
        values = tuple(int(p) for p in parts)
        if all(sum(values[a] for a in addends) == values[t] for addends, t, _ in groups):
            out.append(values)
    return sorted(out)


def test_split_search_agrees_with_brute_force():
    """The pruned search finds exactly the splits that trying every cut finds (rows and 表四 groups)."""
    import random

    rng = random.Random(11)
    row = [((0, 1, 2, 3, 4, 5), 6, "row")]
    for _ in range(150):
        values = [rng.choice([0, 0, rng.randint(1, 9), rng.randint(10, 99)]) for _ in range(6)]
        digits = "".join(map(str, [*values, sum(values)]))
        assert sorted(splits(as_run([Piece(digits, {})]), 7, row)) == _brute(digits, 7, row)
    groups = [((0, 1, 2, 3), 4, "a"), ((5, 6, 7, 8), 9, "b"), ((10, 11, 12, 13), 14, "c")]
    for _ in range(40):
        values = []
        for _ in range(3):
            four = [rng.choice([0, 0, 0, rng.randint(1, 4)]) for _ in range(4)]
            values += [*four, sum(four)]
        digits = "".join(map(str, values))
        assert sorted(splits(as_run([Piece(digits, {})]), 15, groups)) == _brute(digits, 15, groups)


def test_one_flattened_line_per_table():
    """Another dumper: each section on a line of its own, each table still glued into it."""
    cells = consistent_cells({"new": (64, 0, 0, 2, 0, 4), "granted": (64, 0, 0, 2, 0, 4)},
                             t4=(0, 0, 1, 0, 1, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0))
    text = flattened_report(cells, line_per_table=True)
    assert len([ln for ln in text.splitlines() if ln.startswith(("二、", "三、", " 四、"))]) == 3
    report = parse_text(text)
    assert report.error is None
    assert {k: report.value(k) for k in cells} == cells
    assert report.value("t2.licensing.decisions") == 12 and report.value("t2.penalty.decisions") == 3
    assert [report.value(f"t2.regulations.{c}") for c in ("issued", "repealed", "in_force")] == [0, 0, 0]


def test_cli_shows_inferred_cells():
    import json

    from click.testing import CliRunner

    from app.cli import main

    path = str(REAL / "reports" / "pingtan-2021.txt")
    data = json.loads(CliRunner().invoke(main, ["parse", "--json", path]).output)
    assert data["cells"]["t3.new.natural"] == {**data["cells"]["t3.new.natural"], "value": 64, "raw": "640020470",
                                               "inferred": True}
    assert "inferred" not in data["cells"]["t2.licensing.decisions"]
    out = CliRunner().invoke(main, ["parse", path]).output
    assert "64≈" in out and "由合计推断拆分" in out
