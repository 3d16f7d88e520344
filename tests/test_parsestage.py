"""The parse stage: queued raw documents → page metadata → parse → check → store, in any order, once."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from crawler.items import ATTACHMENT, PAGE
from crawler.parsestage import ParseStage, drain
from crawler.registry import Registry, Unit
from demo.render import render_docx, render_html

from .reports import seed_spec

COUNTY_A, TOWN_A = "410101000000", "410101100000"
COUNTY_B, TOWN_B = "410202000000", "410202100000"


def registry() -> Registry:
    """Two counties, each with a township called 城关镇 (a common name: hundreds of counties have one)."""
    return Registry([
        Unit(code=COUNTY_A, name="甲县人民政府", level="county"),
        Unit(code=TOWN_A, name="城关镇人民政府", level="township", parent=COUNTY_A),
        Unit(code=COUNTY_B, name="乙县人民政府", level="county"),
        Unit(code=TOWN_B, name="城关镇人民政府", level="township", parent=COUNTY_B),
    ])


def spec(year: int, *, carried_in: str = "0", carried_out: str = "0"):
    s = seed_spec("001")
    cells = dict(s.cells)
    # keep table 三 balanced while moving the carry-over: new + carried_in = handled + carried_out
    new = int(cells["t3.new.total"] or 0)
    handled = int(cells["t3.handled_total.total"] or 0)
    for col in ("natural", "commercial", "research", "nonprofit", "legal", "other_org"):
        for row in ("carried_in", "carried_out"):
            cells[f"t3.{row}.{col}"] = "0"
    cells["t3.carried_in.natural"] = cells["t3.carried_in.total"] = carried_in
    cells["t3.carried_out.natural"] = cells["t3.carried_out.total"] = carried_out
    delta = int(carried_in) - int(carried_out)
    cells["t3.new.natural"] = str(int(cells["t3.new.natural"] or 0) - delta)
    cells["t3.new.total"] = str(new - delta)
    assert int(cells["t3.new.total"]) + int(carried_in) == handled + int(carried_out)
    return dataclasses.replace(s, unit="城关镇人民政府", year=year, cells=cells, published=date(year + 1, 1, 25))


def queue_page(store, unit_code: str, url: str, body: bytes, **entry) -> str:
    digest = store.add_document(body, name=url.rsplit("/", 1)[-1], source=url, kind="html")
    item = {"unit_code": unit_code, "url": url, "role": PAGE, "page_url": url,
            "content_type": "text/html; charset=utf-8", "meta": {"encoding": "utf-8"}, **entry}
    store.save_source(url, {"unit_code": unit_code, "role": PAGE, "sha256": digest})
    store.enqueue(url, digest, item)
    return digest


def rule(store, unit_code: str, year: int, rule_id: str) -> dict[str, str]:
    """scope → status of one rule of a unit's report (X-CARRY has a scope per applicant column)."""
    return dict(store.db.execute(
        "SELECT rr.scope, rr.status FROM rule_results rr JOIN reports r ON r.id = rr.report "
        "WHERE r.unit_code = ? AND r.year = ? AND rr.rule = ?", [unit_code, year, rule_id]).fetchall())


def test_a_queued_page_is_parsed_checked_stored_and_leaves_the_queue(store):
    queue_page(store, TOWN_A, "http://a.gov.cn/nb/t1.html", render_html(spec(2022)),
               title="城关镇人民政府2022年政府信息公开工作年度报告", year=2022)
    stats = ParseStage(store, registry()).run()
    assert stats == {"report_ok": 1}
    assert store.queue_size() == 0
    (status, unit, year, published), = store.db.execute(
        "SELECT status, unit_code, year, published FROM reports").fetchall()
    assert (status, unit, year, published) == ("ok", TOWN_A, 2022, "2023-01-25")
    assert store.db.execute("SELECT count(*) FROM cells").fetchone()[0] > 150


@pytest.mark.parametrize("order", [(2021, 2022), (2022, 2021)])
def test_cross_year_rules_run_whichever_year_arrives_first(store, order):
    """Both years in one batch (one transaction): the later one still sees the earlier."""
    docs = {2021: spec(2021, carried_out="3"), 2022: spec(2022, carried_in="3")}
    for year in order:
        queue_page(store, TOWN_A, f"http://a.gov.cn/nb/{year}.html", render_html(docs[year]), year=year)
    ParseStage(store, registry()).run()
    carry = rule(store, TOWN_A, 2022, "X-CARRY")
    assert carry and set(carry.values()) == {"pass"}, carry


def test_a_same_named_township_of_another_county_is_not_last_year(store):
    """城关镇 of 乙县 in 2022 is not compared with 城关镇 of 甲县 in 2021 (false X-CARRY failures)."""
    queue_page(store, TOWN_A, "http://a.gov.cn/nb/2021.html", render_html(spec(2021, carried_out="7")), year=2021)
    queue_page(store, TOWN_B, "http://b.gov.cn/nb/2022.html", render_html(spec(2022, carried_in="0")), year=2022)
    ParseStage(store, registry()).run()
    assert rule(store, TOWN_B, 2022, "X-CARRY") == {}, "no last year of its own: no cross-year result"
    # while the same township's own last year does count
    own = dataclasses.replace(spec(2021, carried_out="7"), published=date(2022, 1, 27))  # not the same file as 甲县's
    queue_page(store, TOWN_B, "http://b.gov.cn/nb/2021.html", render_html(own), year=2021)
    ParseStage(store, registry()).run()
    carry = rule(store, TOWN_B, 2022, "X-CARRY")
    assert carry["natural"] == "fail" and carry["total"] == "fail", carry


def test_an_entry_that_raises_is_dropped_raw_kept_and_the_rest_go_on(store, monkeypatch, caplog):
    bad = queue_page(store, TOWN_A, "http://a.gov.cn/nb/bad.html", render_html(spec(2021)), year=2021)
    queue_page(store, TOWN_B, "http://b.gov.cn/nb/good.html", render_html(spec(2022)), year=2022)
    real_store = ParseStage._store

    def flaky(self, report, item, digest, *rest):
        if item["url"].endswith("bad.html"):
            raise RuntimeError("a bug in storing")
        return real_store(self, report, item, digest, *rest)

    monkeypatch.setattr(ParseStage, "_store", flaky)
    stats = ParseStage(store, registry()).run()
    assert stats == {"error": 1, "report_ok": 1}
    assert store.queue_size() == 0
    assert store.document_bytes(bad) is not None
    assert [u for (u,) in store.db.execute("SELECT unit_code FROM reports")] == [TOWN_B]
    assert "a bug in storing" in caplog.text


def test_an_attachment_takes_its_page_metadata(store):
    """The “详见附件” page is kept as a page; its attachment is the report, with the page's date."""
    page = ("<html><head><meta name='PubDate' content='2023-01-28 09:00'><title>x</title></head><body>"
            "<h1>城关镇人民政府2022年政府信息公开工作年度报告</h1><div id='zoom'><p>详见附件</p>"
            "<a href='P020230128.docx'>附件：年报</a></div></body></html>".encode())
    url = "http://a.gov.cn/nb/t2.html"
    queue_page(store, TOWN_A, url, page, year=2022)
    body = render_docx(dataclasses.replace(spec(2022), published=None))
    att = "http://a.gov.cn/nb/P020230128.docx"
    digest = store.add_document(body, name="P020230128.docx", source=att, kind="docx")
    store.save_source(att, {"unit_code": TOWN_A, "role": ATTACHMENT, "page_url": url, "sha256": digest})
    store.enqueue(att, digest, {"unit_code": TOWN_A, "url": att, "role": ATTACHMENT, "page_url": url,
                                "filename": "年报"})
    stats = ParseStage(store, registry()).run()
    assert stats == {"page_kept": 1, "report_ok": 1}
    (published, source), = store.db.execute("SELECT published, source FROM reports").fetchall()
    assert (published, source) == ("2023-01-28", att)
    assert store.source(url)["published"] == "2023-01-28"


def test_the_same_file_on_two_pages_is_parsed_once_with_the_earliest_date(store):
    body = render_html(dataclasses.replace(spec(2022), published=None))
    queue_page(store, TOWN_A, "http://a.gov.cn/nb/late.html", body, year=2022, published="2023-02-10")
    queue_page(store, TOWN_A, "http://a.gov.cn/xxgk/early.html", body, year=2022, published="2023-01-20")
    stats = ParseStage(store, registry()).run()
    assert stats == {"report_ok": 1, "republished": 1}
    assert store.db.execute("SELECT published FROM reports").fetchall() == [("2023-01-20",)]


def test_drain_waits_for_the_lock_of_another_stage(tmp_path):
    """One stage per database: a second waits (flock), and handles nothing twice."""
    import threading

    from crawler.parsestage import StageLock
    from crawler.store import Store

    db = str(tmp_path / "n.db")
    s = Store(db)
    queue_page(s, TOWN_A, "http://a.gov.cn/nb/1.html", render_html(spec(2022)), year=2022)
    s.close()
    results = []
    with StageLock(db):
        t = threading.Thread(target=lambda: results.append(drain(db, registry())))
        t.start()
        t.join(0.5)
        assert t.is_alive(), "the second stage must wait for the lock"
    t.join(30)
    assert results == [{"report_ok": 1}]
    assert Store(db).queue_size() == 0


def _queue_years(store, order):
    """Two townships' reports, years in the given order, carry-overs chained (X-CARRY passes only when
    each year meets its own last year)."""
    for code, host in ((TOWN_A, "a"), (TOWN_B, "b")):
        for year in order:
            s = spec(year, carried_in=str(year - 2020), carried_out=str(year - 2019))
            s = dataclasses.replace(s, published=date(year + 1, 1, 20 if code == TOWN_A else 21))
            queue_page(store, code, f"http://{host}.gov.cn/nb/{year}.html", render_html(s), year=year)


def _stored(store) -> dict[str, list]:
    return {
        "reports": sorted(store.db.execute("SELECT id, unit_code, year, status, published, digest FROM reports")),
        "cells": store.db.execute("SELECT count(*), sum(value) FROM cells").fetchall(),
        "rules": sorted(store.db.execute("SELECT report, rule, scope, status, message FROM rule_results")),
    }


@pytest.mark.parametrize("order", [(2021, 2022, 2023), (2023, 2021, 2022)])
def test_worker_processes_store_what_one_process_stores(tmp_path, order):
    """Two worker processes (each unit's years in one of them, in queue order) and one writer end
    with the same reports, cells and rule results as the stage alone — cross-year rules included."""
    from crawler.store import Store

    results = {}
    for workers in (0, 2):
        db = str(tmp_path / f"w{workers}.db")
        s = Store(db)
        _queue_years(s, order)
        s.close()
        stats = drain(db, registry(), workers=workers)
        assert stats == {"report_ok": 6}, (workers, stats)
        s = Store(db)
        results[workers] = _stored(s)
        assert s.queue_size() == 0
        for code in (TOWN_A, TOWN_B):
            for year in (2022, 2023):
                carry = rule(s, code, year, "X-CARRY")
                assert carry and set(carry.values()) == {"pass"}, (workers, code, year, carry)
        s.close()
    assert results[2] == results[0]


def test_with_one_worker_the_stage_prepares_a_share_of_the_units_itself(tmp_path, monkeypatch):
    """Beside a single worker, the stage's own process prepares a third of the units (here TOWN_B's,
    all three years, in queue order) and stores the same as the stage alone."""
    import crawler.parsestage as ps
    from crawler.store import Store

    here: list[tuple[str, int]] = []
    real = ps.prepare_each

    def counted(stage, entries):
        here.extend((e["item"]["unit_code"], e["item"]["year"]) for e in entries)
        return real(stage, entries)

    monkeypatch.setattr(ps, "prepare_each", counted)
    results = {}
    for workers in (0, 1):
        db = str(tmp_path / f"h{workers}.db")
        s = Store(db)
        _queue_years(s, (2023, 2021, 2022))
        s.close()
        assert drain(db, registry(), workers=workers) == {"report_ok": 6}
        s = Store(db)
        results[workers] = _stored(s)
        for year in (2022, 2023):
            assert set(rule(s, TOWN_B, year, "X-CARRY").values()) == {"pass"}, (workers, year)
        s.close()
    assert here == [(TOWN_B, 2023), (TOWN_B, 2021), (TOWN_B, 2022)], here
    assert results[1] == results[0]


def test_units_are_partitioned_and_a_unit_stays_with_one_worker():
    from crawler.parseworkers import _slot, partition_key

    entries = [{"id": i, "item": {"unit_code": code, "url": f"http://x/{i}"}}
               for i, code in enumerate([TOWN_A, TOWN_B, COUNTY_A, TOWN_A, COUNTY_B, TOWN_A])]
    slots = {partition_key(e): _slot(partition_key(e), 3) for e in entries}
    assert len(slots) == 4 and all(0 <= v < 3 for v in slots.values())
    assert partition_key({"item": {"unit_code": None, "page_url": "http://x/p.html", "url": "http://x/a.pdf"}}) \
        == "http://x/p.html", "an attachment without a unit goes where its page goes"


def test_a_killed_worker_leaves_its_entries_queued(tmp_path):
    """A worker that dies (OOM killer, SIGKILL) makes the stage stop with its batch still queued; the
    next stage handles it."""
    from crawler.store import Store

    db = str(tmp_path / "k.db")
    s = Store(db)
    _queue_years(s, (2021, 2022, 2023))
    s.close()

    import crawler.parseworkers as pw

    real = pw._prepare_many
    pw._prepare_many = _die_in_worker
    try:
        with pytest.raises(Exception):
            drain(db, registry(), workers=1)
    finally:
        pw._prepare_many = real
    s = Store(db)
    assert s.queue_size() == 6 and s.db.execute("SELECT count(*) FROM reports").fetchone() == (0,)
    s.close()
    assert drain(db, registry(), workers=1) == {"report_ok": 6}


def _die_in_worker(entries):
    """Stands in for the worker's task (it is sent to the worker by reference): the worker dies."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_copies_of_one_county_in_one_batch_are_found_as_if_stored_one_by_one(tmp_path):
    """Two townships of one county publish the same report: with workers (which see only committed
    rows) both still carry COPY-OTHER-UNIT, exactly as when the stage stores them one after the other."""
    from crawler.store import Store

    reg = Registry([
        Unit(code=COUNTY_A, name="甲县人民政府", level="county"),
        Unit(code=TOWN_A, name="城关镇人民政府", level="township", parent=COUNTY_A),
        Unit(code="410101200000", name="大河镇人民政府", level="township", parent=COUNTY_A),
    ])
    results = {}
    for workers in (0, 1):
        db = str(tmp_path / f"w{workers}.db")
        s = Store(db)
        for code, name in ((TOWN_A, "城关镇人民政府"), ("410101200000", "大河镇人民政府")):
            copy = dataclasses.replace(spec(2022), unit=name)
            queue_page(s, code, f"http://a.gov.cn/nb/{code}.html", render_html(copy), year=2022)
        s.close()
        drain(db, reg, workers=workers)
        s = Store(db)
        results[workers] = {code: rule(s, code, 2022, "COPY-OTHER-UNIT") for code in (TOWN_A, "410101200000")}
        s.close()
    assert results[1] == results[0]
    for code, found in results[0].items():
        assert "fail" in found.values(), (code, found)


def test_a_copy_stored_in_a_later_stage_marks_the_earlier_report_too(tmp_path):
    """A township's report is stored (no peer yet: pass); a later night stores another township's copy of
    it. Both carry COPY-OTHER-UNIT — as after a killed crawl resumed — with or without workers."""
    from crawler.store import Store

    town_b = "410101200000"
    reg = Registry([
        Unit(code=COUNTY_A, name="甲县人民政府", level="county"),
        Unit(code=TOWN_A, name="城关镇人民政府", level="township", parent=COUNTY_A),
        Unit(code=town_b, name="大河镇人民政府", level="township", parent=COUNTY_A),
    ])
    for workers in (0, 1):
        db = str(tmp_path / f"later{workers}.db")
        for code, name in ((TOWN_A, "城关镇人民政府"), (town_b, "大河镇人民政府")):
            s = Store(db)
            copy = dataclasses.replace(spec(2022), unit=name)
            queue_page(s, code, f"http://a.gov.cn/nb/{code}.html", render_html(copy), year=2022)
            s.close()
            drain(db, reg, workers=workers)
        s = Store(db)
        found = {code: rule(s, code, 2022, "COPY-OTHER-UNIT") for code in (TOWN_A, town_b)}
        s.close()
        for code, results in found.items():
            assert set(results.values()) == {"fail"}, (workers, code, results)


def test_a_report_packed_for_the_writer_unpickles_equal_to_the_one_sent():
    """Workers send reports with their cells and rule results as tuples (crawler.parseworkers._Packed):
    the writer must get the very report, every attribute included (the signature kept on it too)."""
    import pickle
    from decimal import Decimal

    from crawler import fingerprints
    from crawler.parseworkers import _Packed
    from parsers import parse_document
    from parsers.model import Cell, RuleResult

    report = parse_document(render_html(seed_spec("001")), "http://127.0.0.1:9/a.html", name="a.html")
    report.cells["t3.x.y"] = Cell("t3.x.y", Decimal("1.5"), "1.5", {"page": 1, "bbox": [1.0, 2.0, 3.0, 4.0]},
                                  invalid=True)
    report.rules.append(RuleResult("T3-BALANCE", "total", "fail", "error", "不平衡 3", cells=["t3.new.total"]))
    report.others = [parse_document(render_html(seed_spec("002")), "http://127.0.0.1:9/b.html", name="b.html")]
    report.peers_seen = frozenset({"abc"})
    fingerprints.signature(report)
    assert len(report.cells) > 100
    back = pickle.loads(pickle.dumps(_Packed(report), protocol=pickle.HIGHEST_PROTOCOL))
    assert type(back) is type(report) and back == report
    assert back.__dict__.keys() == report.__dict__.keys() and back.peers_seen == report.peers_seen
    assert [c.__dict__ for c in back.cells.values()] == [c.__dict__ for c in report.cells.values()]
    assert list(back.cells) == list(report.cells) and back.others == report.others
    assert (fingerprints.signature(back).hashvalues == fingerprints.signature(report).hashvalues).all()
