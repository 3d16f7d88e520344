"""Part 3 of ``bench/crawl.py --national``: the national night, and how its cost grows with the registry.

For each size (``--national-units``, default 4,000 and 40,000 units; the country has ≈ 41,000 county
and township units) a world of generated TRS sites (``build_world(scale=…)``, ≈ 2.5 units a site) is
served locally. Half of its sites (every other one) are *already stored*, as a previous night would
have left them: each of their report pages as the demo web serves it (bytes, ETag, Last-Modified;
made in-process, not over HTTP) kept as the crawl keeps it (raw bytes compressed, source row with the server's ETag and Last-Modified, list pages and
new documents in the fetch log); their reports are not parsed again but cloned, rows and sizes alike,
from one report parsed for real (so the store has the rows a parsed night has, at a fraction of the
time: labelled "generated" below). Then ``nianbao crawl`` runs over the whole registry, as a child
process with its parse stage and workers: the stored half answers 304, the other half is new and
parsed. Printed per size: wall time, CPU of the whole process tree per unit, peak memory of the tree,
pages, the database before and after and its growth by table; then the growth from the small to the
large registry (flat CPU per unit is ≤ 1.3×).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

UNITS_PER_SITE = 2.5  # demo/sites/trs.py scale_site: a county and 1–2 townships


def table_sizes(db: Path) -> dict[str, int]:
    """Bytes per table, its indexes included (SQLite's dbstat)."""
    conn = sqlite3.connect(db)
    try:
        idx = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'").fetchall())
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = idx.get(name) or (name[len("sqlite_autoindex_"):].rsplit("_", 1)[0]
                                      if name.startswith("sqlite_autoindex_") else name)
            sizes[table] = sizes.get(table, 0) + size
        return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))
    finally:
        conn.close()


def db_bytes(db: Path) -> int:
    """The database's size on disk: the file and its WAL."""
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if not p.name.endswith(".lock"))


def checkpoint(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def print_sizes(label: str, before: dict[str, int] | None, after: dict[str, int]) -> None:
    names = [n for n in after if after[n] >= 64 * 1024 or (before and before.get(n, 0) >= 64 * 1024)]
    cells = []
    for n in names:
        a = after.get(n, 0)
        if before is None:
            cells.append(f"{n} {a / 1e6:.1f}")
        else:
            cells.append(f"{n} {a / 1e6:.1f} (+{(a - before.get(n, 0)) / 1e6:.2f})")
    print(f"   {label} (MB by table, indexes included): " + " · ".join(cells))


# ==================================================================== the previous night, generated

def generate_previous_night(web, db: Path, stored_units: set[str]) -> dict[str, Any]:
    """Fill ``db`` as a crawl of ``stored_units`` (with parsing) would have left it; returns counts.

    The pages are the bytes and headers the demo web serves (:meth:`DemoWeb.static_answer`), made in
    this process rather than fetched over HTTP, 500 at a time (never the whole night's in memory)."""
    from crawler.ingest import ingest
    from crawler.store import Store, now
    from parsers import sniff

    world = web.world
    expected = [e for e in web.expected() if e.unit_code in stored_units]
    urls = sorted({u for e in expected for u in [e.page_url, *e.attachments]})
    by_url = {e.page_url: e for e in expected}
    del expected
    store = Store(db)
    store.sync_units(_registry(web, stored_units))
    run = store.start_run(len(stored_units))
    template: str | None = None
    fetches: list[dict[str, Any]] = []
    stamp = now()
    for code in sorted(stored_units):
        u = world.units[code]
        site = world.sites[u.site]
        for key in u.columns:
            fetches.append({"unit_code": code, "url": web.url(u.site, site.columns[key].path), "kind": "list",
                            "status": 200, "outcome": "ok", "at": stamp})
    took_render = 0.0
    t0 = time.perf_counter()
    for i in range(0, len(urls), 500):
        t1 = time.perf_counter()
        fetched = [(url, *web.static_answer(url)) for url in urls[i:i + 500]]
        took_render += time.perf_counter() - t1
        with store.transaction():
            for url, body, headers in fetched:
                e = by_url.get(url)
                code = e.unit_code if e else None
                name = url.rsplit("/", 1)[-1]
                unit = world.units[code]
                if template is None and e is not None:
                    # the one report parsed for real: the others are its rows under their own ids
                    digest, _ = ingest(store, body, url, name=name, content_type=headers.get("Content-Type"),
                                       meta={"unit": unit.name, "year": e.year}, unit_code=code)
                    template = store.report_id(digest)
                else:
                    digest = store.add_document(body, name=name, source=url,
                                                kind=sniff(body, name, headers.get("Content-Type")))
                    if e is not None:
                        _clone_report(store, template, digest, url, code, unit.name, e.year)
                store.save_source(url, {"unit_code": code, "role": "page" if e else "attachment",
                                        "page_url": url, "sha256": digest, "etag": headers.get("ETag"),
                                        "last_modified": headers.get("Last-Modified"),
                                        "title": f"{unit.name}{e.year}年政府信息公开工作年度报告" if e else None,
                                        "year": e.year if e else None})
                fetches.append({"unit_code": code, "url": url, "kind": "article" if e else "attachment",
                                "status": 200, "outcome": "ok", "bytes": len(body), "at": stamp})
    store.record_fetches(run, fetches)
    store.finish_run(run, "finished", {"generated": True})
    store.close()
    checkpoint(db)
    return {"units": len(stored_units), "documents": len(urls), "render_seconds": took_render,
            "store_seconds": time.perf_counter() - t0 - took_render}


def _registry(web, codes: set[str]):
    from crawler.registry import Registry, Unit

    world = web.world
    units = []
    for code in sorted(codes):
        u = world.units[code]
        units.append(Unit(code=code, name=u.name, level=u.level, parent=getattr(u, "parent", None)))
    parents = {u.parent for u in units if u.parent} - codes
    for code in sorted(parents):
        u = world.units[code]
        units.append(Unit(code=code, name=u.name, level=u.level))
    return Registry(units)


def _clone_report(store, template: str, digest: str, url: str, code: str, unit: str, year: int) -> None:
    rid = store.report_id(digest)
    db = store.db
    db.execute("INSERT OR IGNORE INTO reports (id, document, source, unit_code, unit, year, title, format, published, "
               "kind, status, errors_failed, warnings_failed, incomplete, error_code, error_message, notes, text, "
               "parser_version, digest, parsed_at) SELECT ?, ?, ?, ?, ?, ?, title, format, published, kind, status, "
               "errors_failed, warnings_failed, incomplete, error_code, error_message, notes, text, parser_version, "
               "digest, parsed_at FROM reports WHERE id = ?", [rid, digest, url, code, unit, year, template])
    # the stored columns of the compact tables (crawler/compact.py), as the store writes them
    db.execute("INSERT OR IGNORE INTO cell_values (report, key, value, raw_text, invalid, at_data, inferred) "
               "SELECT ?, key, value, raw_text, invalid, at_data, inferred FROM cell_values WHERE report = ?",
               [rid, template])
    db.execute("INSERT OR IGNORE INTO rule_checks (report, rule, scope, status, severity, message, args, cells) "
               "SELECT ?, rule, scope, status, severity, message, args, cells FROM rule_checks WHERE report = ?",
               [rid, template])


# ==================================================================== one size

def one_size(bench, target_units: int, work: Path) -> dict[str, Any]:
    """Generate the previous night for half of a world of ``target_units``, crawl the whole; figures."""
    sites = max(2, round(target_units / UNITS_PER_SITE))
    print(f"-- {target_units:,} units wanted: build_world(scale={sites}) --")
    # 16,000 listening sockets leave few descriptors under RLIMIT_NOFILE (20,000 here) for connections: the
    # crawl keeps one idle keep-alive connection per site visited, so the server closes idle ones soon
    web, took = bench.start_web(sites, keepalive_timeout=5.0)
    try:
        registry = work / f"national-{target_units}-registry.yaml"
        units, nsites, codes = bench.write_registry(web, registry, generated_only=True)
        world = web.world
        stored_sites = {k for i, k in enumerate(sorted(s.key for s in world.sites.values() if s.scale)) if i % 2 == 0}
        stored = {c for c in codes if (world.units[c].registry_site or world.units[c].site) in stored_sites}
        db = work / f"national-{target_units}.db"
        for p in work.glob(db.name + "*"):
            p.unlink()
        gen = generate_previous_night(web, db, stored)
        before_bytes, before = db_bytes(db), table_sizes(db)
        print(f"demo web: {nsites:,} sites up in {took:.0f} s · registry {units:,} units · previous night GENERATED for "
              f"{gen['units']:,} units on {len(stored_sites):,} sites: {gen['documents']:,} documents rendered as served "
              f"(no HTTP) in {gen['render_seconds']:.0f} s, stored (one report parsed, the others its rows cloned) in "
              f"{gen['store_seconds']:.0f} s · DB {before_bytes / 1e6:.1f} MB")
        web.clear_requests()
        load0 = bench._load()
        run = bench.run_child(bench.nianbao_cmd(registry, db), cwd=bench.ROOT, log=work / f"national-{target_units}.log")
        pages = len(web.requests)
        statuses: dict[int, int] = {}
        for r in web.requests:
            statuses[r.status] = statuses.get(r.status, 0) + 1
    finally:
        web.stop()
    checkpoint(db)
    after_bytes, after = db_bytes(db), table_sizes(db)
    figures = bench.db_figures(db)
    st = figures.get("stats", {})
    parsed = {k.split("/")[-1]: v for k, v in st.items() if k.startswith("nianbao/parsed/")}
    engine = float(st.get("elapsed_time_seconds") or run.wall)
    out = {"units": units, "sites": nsites, "wall": run.wall, "engine": engine, "cpu": run.cpu, "pages": pages,
           "tree_peak_kb": run.tree_peak_kb, "maxrss_kb": run.maxrss_kb, "before": before_bytes, "after": after_bytes,
           "new_units": units - len(stored), "rc": run.rc}
    print(f"crawl exit {run.rc} ({figures.get('status')}); load average before {load0}, after {bench._load()}; "
          f"log {run.log}")
    print(f"pages {pages:,} (server answers by status {dict(sorted(statuses.items()))}) · "
          f"{pages / max(units, 1):.2f} pages/unit · documents {figures.get('documents'):,} · parsed {parsed} · "
          f"queue left {figures.get('queue')}")
    print(f"wall {bench.dur(run.wall)} (process; engine {bench.dur(engine)}) · CPU {run.cpu:.0f} s for the crawl, "
          f"its parse stage and workers → {1000 * run.cpu / max(units, 1):.1f} ms per unit, "
          f"{1000 * run.cpu / max(out['new_units'], 1):.1f} ms per new unit · server CPU {run.server_cpu:.0f} s (this "
          f"process)")
    roles = run.cpu_by_role
    print("CPU per unit by process (sampled every 0.25 s, so a little under the total): " + " · ".join(
        f"{role} {1000 * sec / max(units, 1):.1f} ms" for role, sec in sorted(roles.items(), key=lambda kv: -kv[1])))
    out["roles"] = roles
    print(f"peak memory: {bench.mb(run.tree_peak_kb)} whole process tree (summed RSS, sampled) · "
          f"{bench.mb(run.maxrss_kb)} largest process")
    print(f"DB {before_bytes / 1e6:.1f} MB → {after_bytes / 1e6:.1f} MB: +{(after_bytes - before_bytes) / 1e6:.1f} MB "
          f"this night ({(after_bytes - before_bytes) / max(out['new_units'], 1) / 1e3:.1f} KB per new unit; "
          f"{(after_bytes - before_bytes) / max(units, 1) / 1e3:.1f} KB per unit)")
    print_sizes("before", None, before)
    print_sizes("after (+ growth)", before, after)
    out["tables"] = after
    print()
    return out


def run(bench, args, work: Path) -> None:
    sizes = sorted(args.national_units)
    print(f"== 3. the national night: {', '.join(f'{n:,}' for n in sizes)} units, half stored by a previous night ==")
    results = [one_size(bench, n, work) for n in sizes]
    if len(results) < 2:
        return
    a, b = results[0], results[-1]
    k = b["units"] / max(a["units"], 1)

    def ratio(key: str, per_unit: bool = True) -> str:
        x = a[key] / (a["units"] if per_unit else 1)
        y = b[key] / (b["units"] if per_unit else 1)
        return f"{y / x:.2f}×" if x else "?"

    print(f"-- growth from {a['units']:,} to {b['units']:,} units ({k:.1f}× the registry) --")
    print(f"CPU per unit: {1000 * a['cpu'] / a['units']:.1f} → {1000 * b['cpu'] / b['units']:.1f} ms ({ratio('cpu')}; "
          "flat is ≤ 1.3×)")
    for role in sorted(set(a["roles"]) & set(b["roles"]), key=lambda r: -b["roles"][r]):
        x, y = 1000 * a["roles"][role] / a["units"], 1000 * b["roles"][role] / b["units"]
        print(f"   {role}: {x:.1f} → {y:.1f} ms per unit ({y / x:.2f}×)" if x else f"   {role}: {x:.1f} → {y:.1f} ms")
    print(f"wall per unit: {1000 * a['wall'] / a['units']:.1f} → {1000 * b['wall'] / b['units']:.1f} ms ({ratio('wall')})")
    print(f"peak memory of the process tree: {bench.mb(a['tree_peak_kb'])} → {bench.mb(b['tree_peak_kb'])} "
          f"({ratio('tree_peak_kb', per_unit=False)} for {k:.1f}× the units)")
    ga, gb = a["after"] - a["before"], b["after"] - b["before"]
    print(f"DB growth per night: {ga / 1e6:.1f} → {gb / 1e6:.1f} MB ({gb / ga:.2f}× for {k:.1f}× the units; "
          f"{ga / a['units'] / 1e3:.1f} → {gb / b['units'] / 1e3:.1f} KB per unit)")
    print(f"DB after the night: {a['after'] / 1e6:.0f} → {b['after'] / 1e6:.0f} MB "
          f"({b['after'] / max(a['after'], 1):.2f}×)")
    print()


def second_night(bench, web, registry: Path, db: Path, work: Path) -> None:
    """Crawl an already crawled world again, nothing changed: what the night adds to the store."""
    checkpoint(db)
    before_bytes, before = db_bytes(db), table_sizes(db)
    web.clear_requests()
    run = bench.run_child(bench.nianbao_cmd(registry, db), cwd=bench.ROOT, log=work / "night-2.log")
    statuses: dict[int, int] = {}
    for r in web.requests:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    checkpoint(db)
    after_bytes, after = db_bytes(db), table_sizes(db)
    grow = after_bytes - before_bytes
    print(f"second night, nothing changed: exit {run.rc}, wall {bench.dur(run.wall)}, CPU {run.cpu:.0f} s, "
          f"{len(web.requests):,} pages answered {dict(sorted(statuses.items()))}")
    print(f"DB {before_bytes / 1e6:.1f} MB → {after_bytes / 1e6:.1f} MB: {grow / 1e6:+.2f} MB "
          f"({100 * grow / max(before_bytes, 1):+.2f} %; goal ≤ +2 %)")
    print_sizes("after the first night", None, before)
    print_sizes("after the second (+ growth)", before, after)
