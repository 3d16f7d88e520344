"""One document in: keep the raw bytes, parse, check against the rules (and last year), store."""

from __future__ import annotations

from datetime import date

from parsers import sniff
from parsers.isolate import parse_isolated
from parsers.model import Report
from parsers.rules import Context, check

from . import fingerprints, pictured
from .deadlines import default_deadline, level_from_name
from .store import Store


def context_for(report: Report, store: Store | None, *, level: str | None = None,
                deadline=None, unit_code: str | None = None) -> Context:
    """What the rules need besides the report: last year's report and the unit's deadline."""
    ctx = Context()
    if store is not None and report.year is not None:
        prev_id = store.find_report(unit=report.unit, year=report.year - 1, unit_code=unit_code)
        ctx.previous = store.load_report(prev_id) if prev_id else None
    if store is not None and report.error is None:
        fingerprints.fill_context(ctx, store, report, unit_code)  # registry unit, county peers
    if deadline is not None:
        ctx.deadline = deadline
    elif report.year is not None:
        guessed = level or level_from_name(report.unit)
        if guessed:
            ctx.deadline = default_deadline(guessed, report.year)
            if level is None:
                ctx.deadline_note = "（按单位名称推定的法定截止日期）"
        elif report.unit:
            ctx.deadline_note = f"：单位名称“{report.unit}”不能确定是政府、部门还是乡镇，不推定截止日期"
    return ctx


def check_report(report: Report, store: Store | None = None, **kw) -> Report:
    """Run the rules on a parsed report (in place) and return it.

    The ids of the county reports the copy check compared it with are kept on the report
    (``peers_seen``): a parse worker sees only what was committed, and the stage's writer compares that
    with what is stored by then (:func:`crawler.fingerprints.band_peers`)."""
    ctx = context_for(report, store, **kw)
    report.rules = check(report, ctx)
    report.peers_seen = frozenset(rid for rid, _, _ in ctx.peers or ())
    return report


def ingest(store: Store | None, data: bytes, source: str, *, name: str | None = None,
           content_type: str | None = None, meta: dict | None = None, unit_code: str | None = None,
           level: str | None = None, deadline=None) -> tuple[str | None, list[Report]]:
    """Keep, parse, check and store one document; returns (sha256, reports).

    Without a store it only parses and checks. After storing year Y, the same unit's Y+1 report (if
    stored already) is re-checked, since its cross-year rules can now run.
    """
    first = parse_isolated(data, source, name=name, content_type=content_type, meta=meta)
    reports, first.others = [first, *first.others], []
    several = len(reports) > 1  # a page of several units' reports: the caller's unit is not theirs
    for report in reports:
        if not several:
            fill_from_page(report, meta or {})
        check_report(report, store, level=None if several else level, deadline=None if several else deadline,
                     unit_code=None if several else unit_code)
    if store is None:
        return None, reports
    digest = store.add_document(data, name=name, source=source, kind=sniff(data, name or source, content_type))
    store.save_reports(digest, reports, unit_code=None if several else unit_code)
    for report in reports:
        if report.year is not None and report.error is None:
            recheck_next_year(store, report, unit_code=None if several else unit_code, level=level)
    return digest, reports


def fill_from_page(report: Report, meta: dict) -> None:
    """What the document does not say itself, the page or registry may: unit, year, date, title."""
    if report.error is not None:
        return
    if not report.unit and meta.get("unit"):
        report.unit = meta["unit"]
    if report.year is None and meta.get("year"):
        report.year = int(meta["year"])
    if report.published is None and meta.get("published"):
        try:
            report.published = date.fromisoformat(str(meta["published"])[:10])
        except ValueError:
            pass
    if not report.title and meta.get("title"):
        report.title = meta["title"]


def recheck_next_year(store: Store, report: Report, *, unit_code: str | None = None, level: str | None = None,
                      deadline=None) -> None:
    """Re-run the rules of the same unit's next-year report, now that this year is stored.

    ``deadline`` is the unit's deadline for that next year (from the registry when there is one).
    """
    for next_id in store.reports_of(unit=report.unit, year=(report.year or 0) + 1, unit_code=unit_code):
        nxt = store.load_report(next_id)
        if nxt is None or nxt.error is not None:
            continue
        store.save_rule_results(next_id, check(nxt, context_for(nxt, store, level=level, unit_code=unit_code,
                                                                deadline=deadline)))
    recheck_copied(store, report)


def recheck_copied(store: Store, report: Report) -> None:
    """Re-run the rules of the other units' reports this one copies (or is copied from), so that both
    carry COPY-OTHER-UNIT whichever was stored first."""
    for peer_id in fingerprints.copied_peers(report):
        peer = store.load_report(peer_id)
        row = store.db.execute("SELECT unit_code FROM reports WHERE id = ?", [peer_id]).fetchone()
        if peer is None or peer.error is not None or row is None:
            continue
        results = check(peer, context_for(peer, store, unit_code=row[0]))
        store.save_rule_results(peer_id, [r for r in results if r.rule != "PUBLISHED-LATE"] +
                                [r for r in peer.rules if r.rule == "PUBLISHED-LATE"])


def reparse(store: Store) -> dict[str, int]:
    """Parse every stored raw document again (after a parser improvement); returns counts."""
    counts = {"documents": 0, "changed": 0, "failed": 0}
    for doc in list(store.documents()):
        data = store.document_bytes(doc["sha256"])
        if data is None or pictured.read_with_page(store, doc["sha256"]):
            continue  # (a picture of a page is read again with its page)
        counts["documents"] += 1
        before = store.db.execute("SELECT group_concat(digest) FROM reports WHERE document = ?", [doc["sha256"]]).fetchone()[0]
        code_row = store.db.execute("SELECT unit_code FROM reports WHERE document = ? LIMIT 1", [doc["sha256"]]).fetchone()
        unit_code = code_row[0] if code_row else None
        report = parse_isolated(data, doc["source"] or doc["name"] or doc["sha256"], name=doc["name"],
                                images=pictured.page_pictures(store, doc["sha256"]))
        reports, report.others = [report, *report.others], []
        # each report keeps the unit it was stored under (a page with several units' reports)
        codes = [(store.db.execute("SELECT unit_code FROM reports WHERE id = ?", [store.report_id(doc["sha256"], i)])
                  .fetchone() or [unit_code])[0] for i in range(len(reports))]
        for r, code in zip(reports, codes):
            check_report(r, store, unit_code=code)
        store.save_reports(doc["sha256"], reports, unit_code=unit_code, unit_codes=codes)
        after = store.db.execute("SELECT group_concat(digest) FROM reports WHERE document = ?", [doc["sha256"]]).fetchone()[0]
        counts["changed"] += int(before != after)
        counts["failed"] += int(report.error is not None)
    return counts
