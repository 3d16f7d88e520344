"""Per-report fingerprints in the store, and what the evaluator's checks need from the registry.

Each stored report gets a row in ``fingerprints`` (its unit, year, text length, a digest of tables 三/四)
and one row per MinHash band in ``fingerprint_bands`` (:mod:`parsers.similarity`; each band's hash is keyed by
the unit's county and the year, so only same-county same-year reports can meet), written in the same
transaction as the report (:meth:`crawler.store.Store.save_reports`). Finding the reports of a county
and year that may be copies of a new one is then one indexed query on the bands — never all pairs —
and only those few are compared exactly (rule ``COPY-OTHER-UNIT``).

When a new report turns out to copy a stored one, the stored one's rules are run again (like the next
year's after X-CARRY's neighbour arrives), so both reports carry the finding whichever came first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parsers import similarity
from parsers.model import Report
from parsers.rules import Context

if TYPE_CHECKING:
    from .store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS fingerprints (
    report TEXT PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
    unit_code TEXT,
    year INTEGER,
    text_len INTEGER NOT NULL,
    tables_hash TEXT,
    minhash BLOB
);
CREATE TABLE IF NOT EXISTS fingerprint_bands (
    report TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    band INTEGER NOT NULL,
    PRIMARY KEY (report, band)
);
CREATE INDEX IF NOT EXISTS fingerprint_bands_band ON fingerprint_bands(band);
CREATE INDEX IF NOT EXISTS fingerprints_unit_year ON fingerprints(unit_code, year);
"""
MAX_PEERS = 20  # candidates compared exactly per report (a county's near-duplicates are few)


def save(store: Store, rid: str, report: Report, unit_code: str | None) -> None:
    """Write (or replace) a report's fingerprint, inside the caller's transaction."""
    db = store.db
    db.execute("DELETE FROM fingerprint_bands WHERE report = ?", [rid])
    if report.error is not None:
        db.execute("DELETE FROM fingerprints WHERE report = ?", [rid])
        return
    m = signature(report)
    db.execute("INSERT OR REPLACE INTO fingerprints (report, unit_code, year, text_len, tables_hash, minhash) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               [rid, unit_code, report.year, len(similarity.normalize(report.text)), similarity.tables_hash(report),
                m.hashvalues.astype("<u4").tobytes() if m is not None else None])
    if m is not None:
        db.conn.executemany("INSERT OR IGNORE INTO fingerprint_bands (report, band) VALUES (?, ?)",
                            [(rid, b) for b in similarity.bands(m, scope(store, unit_code, report.year))])


def signature(report: Report) -> similarity.MinHash | None:
    """The MinHash signature of the report's text (None when too short), kept on the report: a parse
    worker computes it for the copy check and the writer, in another process, stores it — carried in the
    pickled report (128 integers) instead of computed twice. The text it was computed from is kept with
    it and compared, so an edited text is never stored with a stale signature."""
    kept = report.__dict__.get("_signature")
    if kept is not None and kept[0] == report.text:
        return kept[1]
    m = similarity.minhash(report.text)
    report.__dict__["_signature"] = (report.text, m)
    return m


def scope(store: Store, unit_code: str | None, year: int | None) -> str:
    """Where a report's copies are looked for: its county (from the registry's ``units``) and year."""
    row = store.db.execute("SELECT county_code FROM units WHERE code = ?", [unit_code]).fetchone() if unit_code else None
    return f"{row[0] if row else ''}:{year}"


def has(store: Store, rid: str) -> bool:
    return store.db.execute("SELECT 1 FROM fingerprints WHERE report = ?", [rid]).fetchone() is not None


def unit_info(store: Store, unit_code: str | None) -> dict[str, Any] | None:
    """The registry unit (``units`` row) with the names of the other units of its county."""
    if not unit_code:
        return None
    row = store.db.execute("SELECT name, county_code FROM units WHERE code = ?", [unit_code]).fetchone()
    if row is None:
        return None
    others = [r[0] for r in store.db.execute(
        "SELECT name FROM units WHERE county_code = ? AND code != ? ORDER BY code", [row[1], unit_code])]
    return {"name": row[0], "county_code": row[1], "others": others}


def candidates(store: Store, report: Report, unit_code: str, county_code: str) -> list[tuple[str, str]]:
    """(report id, unit name) of other units' reports of the same year and county sharing a MinHash band."""
    m = signature(report)
    if m is None or report.year is None:
        return []
    bands = similarity.bands(m, f"{county_code}:{report.year}")
    marks = ",".join("?" * len(bands))
    return [(r[0], r[1]) for r in store.db.execute(
        f"SELECT f.report, u.name, count(*) AS shared FROM fingerprint_bands b "
        f"JOIN fingerprints f ON f.report = b.report JOIN units u ON u.code = f.unit_code "
        f"WHERE b.band IN ({marks}) AND f.year = ? AND u.county_code = ? AND f.unit_code != ? "
        f"GROUP BY f.report ORDER BY shared DESC, f.report LIMIT ?",
        [*bands, report.year, county_code, unit_code, MAX_PEERS])]


def band_peers(store: Store, rid: str, unit_code: str | None) -> set[str]:
    """The other units' stored reports sharing a MinHash band with the stored report ``rid`` — the
    candidates :func:`candidates` would give it now, read from the bands already written."""
    return {r[0] for r in store.db.execute(
        "SELECT b2.report, count(*) AS shared FROM fingerprint_bands b1 "
        "JOIN fingerprint_bands b2 ON b2.band = b1.band AND b2.report != b1.report "
        "JOIN fingerprints f ON f.report = b2.report "
        "WHERE b1.report = ? AND f.unit_code IS NOT ? "
        "GROUP BY b2.report ORDER BY shared DESC, b2.report LIMIT ?", [rid, unit_code, MAX_PEERS])}


def fill_context(ctx: Context, store: Store, report: Report, unit_code: str | None) -> None:
    """The registry unit's name, its county's other units, and the close same-year county reports."""
    info = unit_info(store, unit_code)
    if info is None:
        return
    ctx.unit_name = info["name"]
    ctx.other_units = info["others"]
    peers = []
    for rid, unit in candidates(store, report, unit_code, info["county_code"]):
        peer = store.load_report(rid)
        if peer is not None and peer.error is None:
            peers.append((rid, unit, peer))
    ctx.peers = peers


def copied_peers(report: Report) -> list[str]:
    """Ids of the peer reports this report's COPY-OTHER-UNIT results name."""
    return [r.scope.removeprefix("peer:") for r in report.rules
            if r.rule == "COPY-OTHER-UNIT" and r.scope.startswith("peer:")]
