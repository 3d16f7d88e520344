"""Similarity benchmark: what the copy checks cost per report on a simulated night. Prints figures,
asserts nothing.

    .venv/bin/python bench/similarity.py [--sites 3000] [--county-size N] [--copies 0.02]

The reports are those of ``build_world(scale=N)`` — the generated sites of bench/crawl.py's simulated
night (3,000 by default) — made into :class:`parsers.model.Report` objects straight from their specs (the
text the renderer writes, the cells as printed), so the figures are the checks' and the store's, not
HTML parsing's. Each report goes through what the parse stage does after parsing: rules with last year
and the county's peers (:func:`crawler.ingest.check_report`), storing with its fingerprint
(:meth:`crawler.store.Store.save_reports`) and the re-checks (:func:`crawler.ingest.recheck_next_year`),
into a real SQLite file, in year order. ``--copies`` plants that share of neighbour copies (another
unit's spec under this unit's name) so the exact comparisons run too. ``--county-size`` regroups the
units into counties of N (a real county has 20–100 units; the generated ones have 2–3) to show how the
candidate lookup scales with the county.

Printed: reports, the ingest time per report (the baseline, in the same run), and of it the similarity
work — MinHash signature, band lookup, band rows written, exact comparisons — as ms per report and as
a share; the evaluator's other checks; the fingerprint tables' size per report; and what was found.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler import fingerprints, ingest  # noqa: E402
from crawler.store import Store  # noqa: E402
from demo.render import _blocks  # noqa: E402
from demo.sites import build_world  # noqa: E402
from demo.world import REPORT  # noqa: E402
from parsers import evaluator, rules, similarity  # noqa: E402
from parsers.model import Cell, Report  # noqa: E402
from parsers.numbers import read_number  # noqa: E402
from parsers.schema import AMOUNT_KEYS, SIGNED_SUFFIX  # noqa: E402

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


_STACK: list[float] = []  # time spent in timed callees of each open timed call


def timed(name: str, fn):
    """``fn`` counting its exclusive time under ``name`` (a timed call inside it counts for the callee only)."""
    def wrapper(*a, **kw):
        t = time.perf_counter()
        _STACK.append(0.0)
        try:
            return fn(*a, **kw)
        finally:
            spent = time.perf_counter() - t
            inner = _STACK.pop()
            TIMES[name] += spent - inner
            CALLS[name] += 1
            if _STACK:
                _STACK[-1] += spent
    return wrapper


def instrument() -> None:
    similarity._minhash = timed("minhash (signature)", similarity._minhash)
    fingerprints.candidates = timed("band lookup (candidates)", fingerprints.candidates)
    fingerprints.save = timed("fingerprint rows written", fingerprints.save)
    similarity.text_similarity = timed("exact comparisons", similarity.text_similarity)
    ids = set(evaluator.IDS)
    for i, r in enumerate(rules.RULES):
        group = "evaluator rule " + r.id if r.id in ids else "other rules (baseline)"
        rules.RULES[i] = dataclasses.replace(r, check=timed(group, r.check))


def report_of(spec, source: str) -> Report:
    """The report the parser would read from ``spec``: the renderer's text (no tables) and the cells."""
    text = "\n".join(b.text for b in _blocks(spec) if b.kind != "table" and b.text)
    cells = {}
    for key, raw in spec.cells.items():
        reading = read_number(raw or "", amount=key in AMOUNT_KEYS, signed=key.endswith(SIGNED_SUFFIX))
        cells[key] = Cell(key, reading.value, raw or "", {}, invalid=reading.invalid)
    from parsers.schema import all_keys
    return Report(source=source, format=spec.format, unit=spec.unit, year=spec.year, title=f"{spec.unit}{spec.year}年政府信息公开工作年度报告",
                  published=spec.published, cells=cells, text=text, kind="html",
                  missing=[k for k in all_keys(spec.format) if k not in cells])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=3000)
    ap.add_argument("--county-size", type=int, default=0, help="regroup units into counties of N (0: as generated)")
    ap.add_argument("--copies", type=float, default=0.02, help="share of reports replaced by a neighbour's copy")
    ap.add_argument("--keep", metavar="DB", help="keep the database here")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    world = build_world(scale=args.sites)
    items = [it for it in world.items() if it.role == REPORT and it.spec is not None and world.sites[it.site].scale]
    units = [u for u in world.units.values() if world.sites[u.site].scale]
    print(f"simulated night: {args.sites} generated sites, {len(units)} units, {len(items)} reports "
          f"(world built in {time.perf_counter() - t:.1f} s)")

    county_of = {u.code: world.county_of(u) for u in units}
    if args.county_size:
        ordered = sorted(units, key=lambda u: u.code)
        county_of = {u.code: ordered[(i // args.county_size) * args.county_size] for i, u in enumerate(ordered)}
    rng = random.Random(1)
    by_county_year: dict[tuple[str, int], list] = defaultdict(list)
    for it in items:
        by_county_year[(county_of[it.unit_code].code, it.year)].append(it)
    planted = 0
    specs = {}
    for it in items:
        spec = it.spec
        peers = [p for p in by_county_year[(county_of[it.unit_code].code, it.year)] if p.unit_code != it.unit_code]
        if peers and rng.random() < args.copies:
            src = rng.choice(peers).spec
            spec = dataclasses.replace(src, unit=spec.unit, published=spec.published)
            planted += 1
        specs[it.id] = spec

    path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp()) / "similarity.db"
    store = Store(path)
    with store.transaction():
        store._insert("units", [{"code": u.code, "name": u.name, "level": u.level, "parent": u.parent,
                                 "county_code": county_of[u.code].code, "county": county_of[u.code].name,
                                 "site": None, "columns": "[]", "recipients": "[]", "deadline": None,
                                 "active_from": None} for u in units], upsert_key="code")
    instrument()
    start = time.perf_counter()
    for n, it in enumerate(sorted(items, key=lambda i: (i.year, i.unit_code))):
        report = report_of(specs[it.id], f"bench://{it.id}")
        with store.transaction():
            digest = store.add_document(report.text.encode("utf-8") + str(it.id).encode(), name=f"{it.id}.html",
                                        kind="html")
            ingest.check_report(report, store, unit_code=it.unit_code)
            store.save_reports(digest, [report], unit_code=it.unit_code)
            ingest.recheck_next_year(store, report, unit_code=it.unit_code)
    total = time.perf_counter() - start
    n = len(items)

    sim_keys = ["minhash (signature)", "band lookup (candidates)", "fingerprint rows written", "exact comparisons"]
    sim = sum(TIMES[k] for k in sim_keys)
    print(f"\ningest after parsing (rules with last year and peers, store, re-checks): {total:.1f} s, "
          f"{1000 * total / n:.2f} ms per report (the baseline)")
    print("similarity work per report:")
    for k in sim_keys:
        print(f"  {k:<28} {1000 * TIMES[k] / n:7.3f} ms   ({CALLS[k]} calls)")
    print(f"  {'total':<28} {1000 * sim / n:7.3f} ms   = {100 * sim / total:.1f} % of ingest")
    ev = {k: v for k, v in TIMES.items() if k.startswith("evaluator rule ")}
    print("evaluator checks per report (besides the similarity work above):")
    for k, v in sorted(ev.items(), key=lambda kv: -kv[1]):
        print(f"  {k.removeprefix('evaluator rule '):<28} {1000 * v / n:7.3f} ms")
    print(f"  {'the other rules (baseline)':<28} {1000 * TIMES['other rules (baseline)'] / n:7.3f} ms")
    fp_bytes = store.db.execute("SELECT sum(length(minhash)) + 16 * count(*) FROM fingerprints").fetchone()[0] or 0
    bands = store.db.execute("SELECT count(*) FROM fingerprint_bands").fetchone()[0]
    print(f"fingerprints: {fp_bytes / n:.0f} B of signature per report, {bands / n:.1f} band rows per report")
    found = store.db.execute("SELECT count(DISTINCT report) FROM rule_results WHERE rule = 'COPY-OTHER-UNIT' "
                             "AND status = 'fail'").fetchone()[0]
    last = store.db.execute("SELECT count(DISTINCT report) FROM rule_results WHERE rule = 'COPY-LAST-YEAR' "
                            "AND status = 'fail'").fetchone()[0]
    print(f"planted neighbour copies: {planted}; reports flagged COPY-OTHER-UNIT: {found} (copy and original); "
          f"COPY-LAST-YEAR: {last}")
    nat = 40_000 * 5
    print(f"extrapolated to ~40,000 units × 5 years = {nat:,} reports: {sim / n * nat / 60:.0f} min of similarity work "
          f"on one core (ingest {total / n * nat / 3600:.1f} h)")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
