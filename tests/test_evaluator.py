"""The evaluator's checks (parsers/evaluator.py): each rule fails on a report built to break it and passes
on a good one; real heading variants are recognised; copies are found through stored fingerprints."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.ingest import ingest
from crawler.registry import load
from demo.render import ReportSpec, render_html
from parsers import parse_document, sections
from parsers.rules import Context, check

from .reports import seed_spec, spec_2019

OWN_PROBLEMS = ["（一）存在的主要问题。政策解读形式不够丰富，信息公开的及时性有待提高。",
                "（二）改进情况。加强业务培训，规范信息发布审核流程，丰富政策解读形式，提升公开质量。"]
FOLLOWED_UP = ["（一）上年度问题整改情况。针对上年度报告提出的政策解读形式不够丰富的问题，已制作图解解读12篇，整改到位。",
               "（二）本年度存在的主要问题。依申请公开答复的规范性有待提高。",
               "（三）改进措施。加强答复文书审核。"]
# Part 一 of another year, worded differently (so that a report is not a copy of last year's text).
OTHER_YEAR_TEXT = ["本年度，围绕优化营商环境深化政务公开，推进基层政务公开标准化规范化建设，"
                   "梳理完善公开事项目录，在乡村振兴、义务教育、社会救助等领域细化公开标准，"
                   "建成政务公开专区一个，组织业务培训三次，开展网站和新媒体常态化监测检查，"
                   "对发现的错链断链和内容更新不及时等问题逐一整改，及时回应群众关切的热点问题。",
                   "依申请公开方面，规范登记、审核、答复流程，统一答复文书格式，所有申请均在法定期限内答复完毕。"]


def spec(unit: str = "东城镇人民政府", year: int = 2023, **changes) -> ReportSpec:
    s = seed_spec("001")
    s.unit, s.year, s.published = unit, year, date(year + 1, 1, 20)
    s.cells = {**s.cells, **changes.pop("cells", {})}
    for k, v in changes.items():
        setattr(s, k, v)
    return s


def parse(s: ReportSpec, replace: dict[str, str] | None = None):
    page = render_html(s).decode("utf-8")
    for old, new in (replace or {}).items():
        assert old in page
        page = page.replace(old, new)
    report = parse_document(page.encode("utf-8"), f"{s.unit}-{s.year}.html")
    assert report.error is None
    return report


def results(report, rule: str, ctx: Context | None = None) -> dict[str, tuple[str, str]]:
    """{scope: (status, message)} of one rule."""
    return {r.scope: (r.status, r.message) for r in check(report, ctx or Context()) if r.rule == rule}


def statuses(report, rule: str, ctx: Context | None = None) -> set[str]:
    return {s for s, _ in results(report, rule, ctx).values()}


# ---------------------------------------------------------------- SECTIONS
@pytest.mark.parametrize("old,new", [
    ("五、存在的主要问题及改进情况", "五、存在的主要问题及整改措施"),
    ("五、存在的主要问题及改进情况", "五、存在的主要问题及改进措施"),
    ("五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况"),
    ("四、政府信息公开行政复议、行政诉讼情况", "四、因政府信息公开申请提起行政复议、行政诉讼的情况"),
    ("三、收到和处理政府信息公开申请情况", "三、收到和处理政府信息公开申请的情况"),
    ("一、总体情况", "一、 总体情况"),
    ("六、其他需要报告的事项", "六、其他需要报告的事项（无）"),
])
def test_sections_pass_on_heading_variants(old, new):
    report = parse(spec(), {old: new})
    status, message = results(report, "SECTIONS")["parts"]
    assert status == "pass", message


def test_sections_name_the_missing_parts():
    report = parse(spec(), {"五、存在的主要问题及改进情况": "下一步工作", "六、其他需要报告的事项": "附："})
    status, message = results(report, "SECTIONS")["parts"]
    assert status == "fail"
    assert "五、存在的主要问题及改进情况" in message and "六、其他需要报告的事项" in message
    assert "一、总体情况" not in message


def test_sections_in_a_page_flattened_to_one_line():
    text = ("本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等六个部分。一、总体情况2023年，我区……"
            "二、主动公开政府信息情况 第二十条…三、收到和处理政府信息公开申请情况（本列数据…）"
            "四、政府信息公开行政复议、行政诉讼情况 行政复议…五、存在的主要问题及改进情况（一）存在的主要问题…"
            "六、其他需要报告的事项2023年，无收取信息处理费情况。")
    parts = sections.find_parts(text)
    assert sorted(parts) == [1, 2, 3, 4, 5, 6]
    assert parts[1].heading == "一、总体情况"  # not the preamble's list of the parts
    assert sections.body(text, parts, 6) == "2023年，无收取信息处理费情况。"


def test_a_sentence_about_litigation_is_not_a_heading():
    text = "一、总体情况\n全年未发生行政复议、行政诉讼案件。\n二、主动公开政府信息情况\n"
    assert 4 not in sections.find_parts(text)


# ---------------------------------------------------------------- FEE-STATEMENT
def test_fee_statement():
    assert results(parse(spec()), "FEE-STATEMENT")["part6"][0] == "pass"
    status, message = results(parse(spec(paragraphs={"6": ["无。"]})), "FEE-STATEMENT")["part6"]
    assert status == "fail" and "信息处理费" in message and "“无。”" in message
    said = parse(spec(paragraphs={"6": ["本机关2023年度依据《政府信息公开信息处理费管理办法》收取信息处理费共计200元。"]}))
    assert results(said, "FEE-STATEMENT")["part6"][0] == "pass"


def test_fee_statement_is_not_asked_of_the_2019_format():
    s = spec_2019()
    report = parse_document(render_html(s), "2019.html")
    assert results(report, "FEE-STATEMENT") == {}


# ---------------------------------------------------------------- LAST-YEAR-FOLLOWUP
def test_last_year_followup():
    prev = parse(spec(year=2022, paragraphs={"5": OWN_PROBLEMS}))
    silent = parse(spec(paragraphs={"5": OWN_PROBLEMS}))
    status, message = results(silent, "LAST-YEAR-FOLLOWUP", Context(previous=prev))["part5"]
    assert status == "fail" and "政策解读形式不够丰富" in message
    answered = parse(spec(paragraphs={"5": FOLLOWED_UP}))
    status, message = results(answered, "LAST-YEAR-FOLLOWUP", Context(previous=prev))["part5"]
    assert status == "pass" and "上年度" in message
    assert statuses(silent, "LAST-YEAR-FOLLOWUP") == {"not_assessable"}  # no last year: not judged
    no_problems = parse(spec(year=2022, paragraphs={"5": ["无。"]}))
    assert statuses(silent, "LAST-YEAR-FOLLOWUP", Context(previous=no_problems)) == {"pass"}


# ---------------------------------------------------------------- COPY-LAST-YEAR
def test_copy_last_year_tables_and_text():
    prev = parse(spec(year=2022))
    same = parse(spec())  # the same tables and the same text with the years changed
    got = results(same, "COPY-LAST-YEAR", Context(previous=prev))
    assert got["tables"][0] == "fail" and "2022 年度" in got["tables"][1]
    assert got["text"][0] == "fail" and "阈值 85%" in got["text"][1]
    rewritten = parse(spec(paragraphs={"1": OTHER_YEAR_TEXT}, cells={"t3.new.natural": "211", "t3.new.total": "224",
                                                                       "t3.handled_total.natural": "211",
                                                                       "t3.handled_total.total": "224",
                                                                       "t3.granted.natural": "178", "t3.granted.total": "186"}))
    got = results(rewritten, "COPY-LAST-YEAR", Context(previous=prev))
    assert got["tables"][0] == "pass"
    assert got["text"][0] == "pass", got["text"][1]


def test_all_zero_tables_repeated_are_no_copy():
    zeros = {k: "0" for k in seed_spec("001").cells if k.startswith(("t3.", "t4."))}
    prev = parse(spec(year=2022, cells=zeros))
    now = parse(spec(cells=zeros, paragraphs={"1": OTHER_YEAR_TEXT}))
    assert results(now, "COPY-LAST-YEAR", Context(previous=prev))["tables"][0] == "pass"


# ---------------------------------------------------------------- WRONG-YEAR
def test_wrong_year_in_the_body():
    report = parse(spec(paragraphs={"1": ["2022年，我镇认真贯彻落实《条例》，扎实推进政务公开。"]}))
    status, message = results(report, "WRONG-YEAR")["year"]
    assert status == "fail" and "我镇认真贯彻落实" in message and "2022" in message and "2023" in message


def test_wrong_year_in_the_statistics_period_and_date():
    report = parse(spec(paragraphs={"0": ["本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。"]},
                        published=date(2023, 1, 20)))
    status, message = results(report, "WRONG-YEAR")["year"]
    assert status == "fail" and "统计期限写的是 2022 年" in message and "发布日期 2023-01-20" in message


def test_right_year_and_plans_for_next_year_pass():
    report = parse(spec(paragraphs={"1": ["2023年，我镇认真贯彻落实《条例》。2024年，我镇将继续深化政务公开。"]}))
    assert results(report, "WRONG-YEAR")["year"][0] == "pass"


# ---------------------------------------------------------------- WRONG-UNIT
def test_wrong_unit():
    report = parse(spec(unit="西河乡人民政府"))
    status, message = results(report, "WRONG-UNIT", Context(unit_name="东城镇人民政府"))["unit"]
    assert status == "fail" and "西河乡人民政府" in message
    assert statuses(parse(spec(unit="甲县东城镇人民政府")), "WRONG-UNIT", Context(unit_name="东城镇人民政府")) == {"pass"}
    assert statuses(report, "WRONG-UNIT") == {"not_assessable"}


# ---------------------------------------------------------------- YOY-JUMP
def test_yoy_jump_shows_both_years():
    prev = parse(spec(year=2022))
    jumped = parse(spec(cells={"t2.penalty.decisions": "332600"}))
    got = results(jumped, "YOY-JUMP", Context(previous=prev))
    status, message = got["t2.penalty.decisions"]
    assert status == "fail" and "2022 年 3326" in message and "2023 年 332600" in message
    assert statuses(parse(spec(cells={"t2.penalty.decisions": "3400"})), "YOY-JUMP", Context(previous=prev)) == {"pass"}


def test_yoy_jump_ignores_tiny_bases():
    prev = parse(spec(year=2022))  # t4.review.total is 1
    report = parse(spec(cells={"t4.review.upheld": "4", "t4.review.total": "4"}))
    assert "t4.review.total" not in results(report, "YOY-JUMP", Context(previous=prev))


# ---------------------------------------------------------------- COPY-OTHER-UNIT
REGISTRY = """
units:
  - {code: "410101000000", name: 甲县人民政府, level: county}
  - {code: "410101100000", name: 东城镇人民政府, level: township, parent: "410101000000"}
  - {code: "410101101000", name: 西河乡人民政府, level: township, parent: "410101000000"}
  - {code: "410202000000", name: 乙县人民政府, level: county}
  - {code: "410202100000", name: 南关镇人民政府, level: township, parent: "410202000000"}
"""


@pytest.fixture
def county_store(store, tmp_path):
    path = tmp_path / "registry.yaml"
    path.write_text(REGISTRY, encoding="utf-8")
    store.sync_units(load(path))
    return store


def add(store, code: str, s: ReportSpec):
    _, (report,) = ingest(store, render_html(s), f"http://127.0.0.1:9/{code}/{s.year}.html", name=f"{code}.html",
                          unit_code=code, meta={"year": s.year})
    return store.report_id(_digest(store, code)), report


def _digest(store, code: str) -> str:
    return store.db.execute("SELECT document FROM reports WHERE unit_code = ? ORDER BY parsed_at DESC LIMIT 1",
                            [code]).fetchone()[0]


def copy_results(store, rid: str) -> dict[str, str]:
    return {r["scope"]: r["status"] for r in store.db.query(
        "SELECT scope, status FROM rule_results WHERE report = ? AND rule = 'COPY-OTHER-UNIT'", [rid])}


def test_copy_of_a_neighbours_report_is_found_on_both(county_store):
    store = county_store
    east, _ = add(store, "410101100000", spec("东城镇人民政府", paragraphs={"1": OTHER_YEAR_TEXT}))
    assert copy_results(store, east) == {"report": "pass"}
    # 西河乡 published 东城镇's report with its own name in the title: same tables, same text
    west, report = add(store, "410101101000", spec("西河乡人民政府", paragraphs={"1": OTHER_YEAR_TEXT}))
    assert copy_results(store, west) == {f"peer:{east}": "fail"}
    message = next(r.message for r in report.rules if r.rule == "COPY-OTHER-UNIT")
    assert "东城镇人民政府" in message and "阈值 85%" in message
    assert copy_results(store, east) == {f"peer:{west}": "fail"}  # the earlier one is told too
    # the same report in another county is no neighbour's
    south, _ = add(store, "410202100000", spec("南关镇人民政府", paragraphs={"1": OTHER_YEAR_TEXT}))
    assert copy_results(store, south) == {"report": "pass"}
    assert store.db.execute("SELECT count(*) FROM fingerprint_bands").fetchone()[0] == 3 * 16


def test_same_text_different_tables_is_no_copy(county_store):
    store = county_store
    add(store, "410101100000", spec("东城镇人民政府", paragraphs={"1": OTHER_YEAR_TEXT}))
    west, _ = add(store, "410101101000", spec("西河乡人民政府", paragraphs={"1": OTHER_YEAR_TEXT},
                                              cells={"t3.granted.natural": "176", "t3.granted.total": "184",
                                                     "t3.unavailable_not_held.natural": "16",
                                                     "t3.unavailable_not_held.total": "16"}))
    assert copy_results(store, west) == {"report": "pass"}


def test_template_naming_another_unit(county_store):
    store = county_store
    text = ["2023年，东城镇人民政府认真贯彻落实《条例》，坚持“公开为常态、不公开为例外”。"]
    west, report = add(store, "410101101000", spec("西河乡人民政府", paragraphs={"1": text}))
    got = {r.scope: (r.status, r.message) for r in report.rules if r.rule == "COPY-OTHER-UNIT"}
    status, message = got["template"]
    assert status == "fail" and "东城镇人民政府" in message
    # naming another unit in passing (the county guiding its townships) is not self-reference
    county, report = add(store, "410101000000", spec("甲县人民政府", paragraphs={
        "1": ["2023年，甲县人民政府认真贯彻落实《条例》，指导东城镇人民政府、西河乡人民政府规范公开年报。"]}))
    assert {r.status for r in report.rules if r.rule == "COPY-OTHER-UNIT"} == {"pass"}


def test_small_identical_tables_are_no_proof():
    small = {k: "0" for k in seed_spec("001").cells if k.startswith(("t3.", "t4."))}
    small.update({"t3.new.natural": "1", "t3.new.total": "1", "t3.granted.natural": "1", "t3.granted.total": "1",
                  "t3.handled_total.natural": "1", "t3.handled_total.total": "1"})
    prev = parse(spec(year=2022, cells=small))
    now = parse(spec(cells=small, paragraphs={"1": OTHER_YEAR_TEXT}))
    status, message = results(now, "COPY-LAST-YEAR", Context(previous=prev))["tables"]
    assert status == "pass" and "只有 1 件" in message


def test_wrong_year_in_a_table_heading():
    report = parse(spec(), {"三、收到和处理政府信息公开申请情况": "三、收到和处理政府信息公开申请情况（2022年度）"})
    status, message = results(report, "WRONG-YEAR")["year"]
    assert status == "fail" and "表格标题写“三、收到和处理政府信息公开申请情况(2022年度)”" in message
    assert results(report, "SECTIONS")["parts"][0] == "pass"


# ---------------------------------------------------------------- the seeds and the real reports
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seeds_get_only_what_their_text_shows(prefix):
    """All five seeds have the six parts, their own year and no jump; none says in part 六 whether
    信息处理费 was charged (their part 六 is “无” or “无其他需要报告的事项”): FEE-STATEMENT is the one finding."""
    from parsers import parse_path
    from parsers.evaluator import IDS

    from .conftest import seed_path

    report = parse_path(seed_path(prefix))
    got = {(r.rule, r.status) for r in check(report, Context()) if r.rule in IDS}
    assert {rule for rule, status in got if status == "fail"} == {"FEE-STATEMENT"}
    assert ("SECTIONS", "pass") in got and ("WRONG-YEAR", "pass") in got


def test_real_report_gets_no_finding():
    from parsers import parse_path
    from parsers.evaluator import IDS

    from .conftest import REAL

    report = parse_path(REAL / "reports" / "shanghai-bgt-2019.html")
    got = {r.rule: r.status for r in check(report, Context()) if r.rule in IDS}
    assert got["SECTIONS"] == "pass" and got["WRONG-YEAR"] == "pass"  # 五、政府信息公开工作存在的主要问题及改进情况
    assert "fail" not in got.values() and "FEE-STATEMENT" not in got  # a 2019-format report: no fee statement asked


@pytest.mark.parametrize("name,year,fmt", [("pingtan-2019.txt", 2019, "2019"), ("pingtan-2021.txt", 2021, "2021")])
def test_real_one_line_pages(name, year, fmt):
    """平潭's pages dumped to one line (the parser does not read their glued tables yet): the parts are found
    inside the line, and the 2021 report's part 六 says “2021年，无收取信息处理费情况。”."""
    from parsers.evaluator import IDS
    from parsers.model import Report

    from .conftest import REAL

    text = (REAL / "reports" / name).read_text(encoding="utf-8")
    report = Report(source=name, format=fmt, year=year, unit="平潭综合实验区", text=text)
    got = {r.rule: (r.status, r.message) for r in check(report, Context()) if r.rule in IDS}
    assert got["SECTIONS"][0] == "pass" and got["WRONG-YEAR"][0] == "pass"
    assert "fail" not in {s for s, _ in got.values()}
    if fmt == "2021":
        assert got["FEE-STATEMENT"] == ("pass", "第六部分说明了信息处理费：“2021年，无收取信息处理费情况。”")


# ---------------------------------------------------------------- MinHash signatures (stored fingerprints)
SIGNED_TEXT = "本机关认真贯彻落实政府信息公开条例，主动公开政府信息，依申请公开办理及时规范。" * 10


def test_minhash_keeps_the_stored_fingerprints_values():
    """The numpy MinHash gives what the stored fingerprints were made with (its bands are looked up)."""
    from parsers import similarity

    m = similarity.minhash(SIGNED_TEXT)
    assert m.hashvalues.dtype.name == "uint32" and len(m.hashvalues) == similarity.NUM_PERM
    assert [int(v) for v in m.hashvalues[:4]] == [131026125, 177011529, 33175836, 213370732]
    assert similarity.bands(m, "410101:2023")[:2] == [-2233531412109877432, 3017703085204564014]
    assert similarity.minhash("太短") is None


def test_minhash_is_datasketchs_affine32_minhash():
    datasketch = pytest.importorskip("datasketch", minversion="2.0")
    import zlib

    from parsers import similarity

    for text in (SIGNED_TEXT, OTHER_YEAR_TEXT[0] * 3, "".join(chr(0x4E00 + i * 7) for i in range(600))):
        norm = similarity.normalize(similarity.body_text(text))
        want = datasketch.MinHash(num_perm=similarity.NUM_PERM, seed=similarity._SEED, hashfunc=zlib.crc32)
        want.update_batch([s.encode("utf-8") for s in similarity.shingles(norm)])
        assert (similarity.minhash(text).hashvalues == want.hashvalues).all()
