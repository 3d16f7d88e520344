"""The parse stage reads an article whose tables are pictures together with its pictures, whatever order
their queue entries arrive in; a page whose pictures do not all arrive is read with those it has, and again
when the rest come; ``reparse`` re-reads the stored pictures (crawler/pictured.py)."""

from __future__ import annotations

import dataclasses
import html as htmlmod

import pytest

from crawler.ingest import reparse
from crawler.items import ATTACHMENT
from crawler.parsestage import ParseStage
from crawler.store import Store
from demo.pictures import pictured_body, pictured_tables
from demo.render import title

from .reports import seed_spec
from .test_image_tables import needs_ocr
from .test_parsestage import COUNTY_A, queue_page, registry

PAGE_URL = "http://a.gov.cn/xxgk/nb/t20220301_1.html"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "n.db")
    yield s
    s.close()


@pytest.fixture(scope="module")
def article():
    spec = dataclasses.replace(seed_spec("003"), unit="甲县人民政府")
    srcs = [f"./P0{n}.png" for n in (1, 2, 3)]
    body = pictured_body(spec, srcs, icon="/images/print.gif")
    page = (f"<html><head><meta charset='utf-8'><title>{title(spec)}</title></head><body>"
            f"<div class='logo'><img src='/images/logo.png'></div><h1>{htmlmod.escape(title(spec))}</h1>"
            f"<div class='TRS_Editor'>{body}</div></body></html>").encode()
    pictures = {f"http://a.gov.cn/xxgk/nb/P0{n}.png": make() for n, make in enumerate(pictured_tables(spec), 1)}
    return spec, page, pictures


def queue_picture(store, url: str, data: bytes) -> None:
    digest = store.add_document(data, name=url.rsplit("/", 1)[-1], source=url, kind="image")
    store.save_source(url, {"unit_code": COUNTY_A, "role": ATTACHMENT, "page_url": PAGE_URL, "sha256": digest})
    store.enqueue(url, digest, {"unit_code": COUNTY_A, "url": url, "role": ATTACHMENT, "page_url": PAGE_URL,
                                "content_type": "image/png", "meta": {}})


def pictured_cells(store) -> dict[str, tuple]:
    return {k: (raw, at) for k, raw, at in store.db.execute(
        "SELECT c.key, c.raw, c.at FROM cells c JOIN reports r ON r.id = c.report WHERE r.source = ?", [PAGE_URL])}


def assert_read(store, spec) -> None:
    (rid, kind, status, unit_code, year), = store.db.execute(
        "SELECT id, kind, status, unit_code, year FROM reports WHERE source = ?", [PAGE_URL]).fetchall()
    assert (kind, unit_code, year) == ("html+ocr", COUNTY_A, spec.year) and status in ("ok", "incomplete"), status
    report = store.load_report(rid)
    assert set(report.cells) == set(spec.cells)  # every cell of 表二/三/四, read from the pictures
    misread = {k for k, c in report.cells.items() if c.raw != spec.cells[k]}
    assert len(misread) <= 5 and all(report.cells[k].low_confidence for k in misread), misread  # or flagged unsure
    for key, cell in report.cells.items():
        assert cell.at["image"].endswith(".png") and 0.5 <= cell.at["conf"] <= 1, key
    # a misreading never fails a rule
    assert not [r for r in report.rules if r.status == "fail" and r.severity == "error"]
    # the pictures were never parsed alone, and nothing waits
    assert store.db.execute("SELECT count(*) FROM reports").fetchone() == (1,)
    assert store.db.execute("SELECT count(*) FROM picture_waits").fetchone() == (0,)


@needs_ocr
def test_pictures_before_their_page_and_reparse(store, article):
    spec, page, pictures = article
    for url, data in pictures.items():  # the pictures' entries first: the page's entry is the last
        queue_picture(store, url, data)
    queue_page(store, COUNTY_A, PAGE_URL, page, year=spec.year)
    stats = ParseStage(store, registry()).run()
    assert stats["picture_kept"] == 3 and stats["report_ok"] + stats["report_inconsistent"] == 1, stats
    assert_read(store, spec)
    before = pictured_cells(store)
    counts = reparse(store)
    assert counts["changed"] == 0 and counts["failed"] == 0, counts  # re-read from the stored pictures
    assert pictured_cells(store) == before
    assert_read(store, spec)


@needs_ocr
def test_a_page_waits_for_its_pictures_and_is_read_again_when_a_late_one_comes(store, article):
    spec, page, pictures = article
    (first, a), (second, b), (third, c) = pictures.items()
    queue_page(store, COUNTY_A, PAGE_URL, page, year=spec.year)
    queue_picture(store, first, a)
    queue_picture(store, second, b)
    # the page's entry comes first: it waits; the third picture's fetch failed, so the end of the queue
    # reads the page with the two it has (表四 missing)
    stats = ParseStage(store, registry()).run()
    assert stats["page_waiting"] == 1 and stats["picture_kept"] == 2, stats
    (status,), = store.db.execute("SELECT status FROM reports WHERE source = ?", [PAGE_URL]).fetchall()
    failing = store.db.execute("SELECT rule, scope, message FROM rule_results WHERE status = 'fail'").fetchall()
    assert status == "incomplete" and [f[:2] for f in failing] == [("CELLS-MISSING", "t4")], failing
    assert not any(k.startswith("t4.") for k in pictured_cells(store))
    assert store.db.execute("SELECT count(*) FROM picture_waits").fetchone() == (0,)
    # the next night fetches the third picture: the page is read again, whole
    queue_picture(store, third, c)
    ParseStage(store, registry()).run()
    assert_read(store, spec)
